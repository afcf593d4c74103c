from django.contrib import admin

from allocations.models import Allocation
from landreg.admin import LandregAdmin


@admin.register(Allocation)
class AllocationAdmin(LandregAdmin):
    list_display = ["plot", "household", "status", "method", "proposed_at", "decision_reference"]
    list_filter = ["status", "method", "plot__township"]
    search_fields = ["household__code", "plot__number", "decision_reference"]
    raw_id_fields = ["household", "plot", "transferred_from"]
    list_select_related = ["plot__township", "household"]

    def has_delete_permission(self, request, obj=None):
        return False  # allocations are revoked, never deleted (the database refuses too)
