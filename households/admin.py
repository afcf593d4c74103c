from django.contrib import admin

from households.models import (
    DuplicateFlag,
    EligibilityAssessment,
    EligibilityCriterion,
    EligibilityScheme,
    Household,
    Person,
)
from households.selectors import household_get, households_visible_to
from households.services import duplicate_decide
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


class CriterionInline(admin.TabularInline):
    model = EligibilityCriterion
    extra = 0


@admin.register(EligibilityScheme)
class EligibilitySchemeAdmin(admin.ModelAdmin):
    """Eligibility is configuration: criteria, the evidence each category needs, and priority weights."""

    list_display = ["code", "name", "active"]
    inlines = [CriterionInline]


@admin.register(EligibilityAssessment)
class EligibilityAssessmentAdmin(admin.ModelAdmin):
    list_display = ["household", "scheme", "eligible", "priority_score", "assessed_by", "assessed_at"]
    list_filter = ["eligible", "scheme"]
    readonly_fields = [f.name for f in EligibilityAssessment._meta.fields]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(household__in=households_visible_to(request.user))

    def has_add_permission(self, request):
        return False  # assessments come from the service, with each criterion explained


@admin.register(DuplicateFlag)
class DuplicateFlagAdmin(admin.ModelAdmin):
    list_display = ["household", "candidate", "reason", "similarity", "decision", "decided_by"]
    list_filter = ["reason", "decision"]
    readonly_fields = ["household", "candidate", "reason", "similarity", "decided_by", "decided_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(household__in=households_visible_to(request.user))

    def save_model(self, request, obj, form, change):
        duplicate_decide(flag=obj, decision=obj.decision, by=request.user, note=obj.decision_note)
