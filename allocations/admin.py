from django.contrib import admin

from allocations.models import Allocation, AllocationTransition, Ballot
from landreg.admin import LandregAdmin


class TransitionInline(admin.TabularInline):
    """The workflow log: read-only here, written only by the services."""

    model = AllocationTransition
    extra = 0
    can_delete = False
    readonly_fields = ["from_status", "to_status", "by", "at", "reason", "reference"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Allocation)
class AllocationAdmin(LandregAdmin):
    inlines = [TransitionInline]
    list_display = ["plot", "household", "status", "method", "proposed_at", "decision_reference"]
    list_filter = ["status", "method", "plot__township"]
    search_fields = ["household__code", "plot__number", "decision_reference"]
    raw_id_fields = ["household", "plot", "transferred_from"]
    list_select_related = ["plot__township", "household"]

    def has_delete_permission(self, request, obj=None):
        return False  # allocations are revoked, never deleted (the database refuses too)


@admin.register(Ballot)
class BallotAdmin(admin.ModelAdmin):
    """Ballots are prepared and drawn through the API and pages; here they are only shown."""

    list_display = ["reference", "township", "status", "drawn_at"]
    list_filter = ["status", "township"]
    readonly_fields = [
        "township",
        "reference",
        "status",
        "seed",
        "witnesses",
        "created_by",
        "list_approved_by",
        "decision_reference",
        "drawn_by",
        "drawn_at",
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
