"""Admin for allocations and ballots: shown only, to administrators in scope. The workflow runs through the
services (propose, approve, hand over, revoke...), which check maker-checker, scope and order and write the log."""

from django.contrib import admin

from allocations.models import Allocation, AllocationTransition, Ballot
from allocations.selectors import allocations_visible_to
from landreg.admin import ReadOnlyInline, WorkflowRecordAdmin
from townships.selectors import townships_visible_to


class TransitionInline(ReadOnlyInline):
    """The workflow log: written only by the services."""

    model = AllocationTransition
    fields = readonly_fields = ["from_status", "to_status", "by", "at", "reason", "reference"]


@admin.register(Allocation)
class AllocationAdmin(WorkflowRecordAdmin):
    inlines = [TransitionInline]
    list_display = ["plot", "household", "status", "method", "proposed_at", "decision_reference"]
    list_filter = ["status", "method", "plot__township"]
    search_fields = ["household__code", "plot__number", "decision_reference"]
    list_select_related = ["plot__township", "household"]
    logs_personal_data = True

    def visible_to(self, user):
        return allocations_visible_to(user)


@admin.register(Ballot)
class BallotAdmin(WorkflowRecordAdmin):
    """Ballots are prepared and drawn through the API and pages; here they are only shown."""

    list_display = ["reference", "township", "status", "drawn_at"]
    list_filter = ["status", "township"]

    def visible_to(self, user):
        return Ballot.objects.filter(township__in=townships_visible_to(user)).select_related("township")
