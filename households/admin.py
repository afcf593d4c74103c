from django.contrib import admin

from households.models import Household, Person
from households.selectors import household_get, households_visible_to
from landreg.admin import LandregAdmin


class PersonInline(admin.TabularInline):
    model = Person
    extra = 0
    fields = ["relationship", "name", "father_name", "sex", "date_of_birth", "tazkira_last4", "por_last4"]
    readonly_fields = ["tazkira_last4", "por_last4"]


@admin.register(Household)
class HouseholdAdmin(LandregAdmin):
    list_display = ["code", "province", "size", "category", "status", "is_demo"]
    list_filter = ["status", "category", "province", "is_demo"]
    search_fields = ["code"]
    inlines = [PersonInline]

    def get_queryset(self, request):
        # Scope applies in the admin as everywhere: an officer sees only the households of their provinces.
        return households_visible_to(request.user).select_related("province")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        try:
            household_get(request.user, pk=int(object_id), where=request.path)  # logs the view
        except (Household.DoesNotExist, ValueError):
            pass  # the admin answers "not found" itself
        return super().change_view(request, object_id, form_url, extra_context)
