"""Admin for grievances: the deadline policies are configured here by administrators; grievances, their steps,
land disputes and appeals are records shown read-only, scoped by role and province (the officers' pages and the
services write them). A sensitive grievance's description and notes are never shown in clear here, to anyone:
the focal point reads them on the officers' pages, where each reading is logged; the sealed bytes are never shown
at all. (A ModelAdmin serves every request, so it holds no request to decide per user from.)"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from grievances.models import Appeal, DeadlinePolicy, Grievance, GrievanceStep, LandDispute
from grievances.selectors import SENSITIVE_TEXT_HIDDEN, grievances_for
from landreg.admin import AdministratorOnly, LandregAdmin, ReadOnlyInline, WorkflowRecordAdmin


@admin.register(DeadlinePolicy)
class DeadlinePolicyAdmin(AdministratorOnly, LandregAdmin):
    """How long a grievance may wait, per category and sensitivity (docs/grievances.md, "Deadlines"). A change
    applies to grievances received afterwards."""

    list_display = ["category", "sensitive", "acknowledge_hours", "refer_hours", "resolve_days"]
    list_editable = ["acknowledge_hours", "refer_hours", "resolve_days"]
    list_filter = ["sensitive"]
    ordering = ["category", "sensitive"]

    def has_delete_permission(self, request, obj=None):
        return False  # a missing row falls back to the defaults silently; change the numbers instead


class StepInline(ReadOnlyInline):
    model = GrievanceStep
    fields = readonly_fields = ["at", "action", "from_status", "to_status", "by", "note_shown", "referred_to"]

    @admin.display(description=_("note"))
    def note_shown(self, step):
        return SENSITIVE_TEXT_HIDDEN if step.note_sealed is not None else step.note


class LandDisputeInline(ReadOnlyInline):
    model = LandDispute
    fields = readonly_fields = [
        "plot",
        "overlap_m2",
        "plot_status_before",
        "suspended_allocation",
        "decision",
        "decided_by",
        "decided_at",
    ]


class AppealInline(ReadOnlyInline):
    model = Appeal
    fields = readonly_fields = [
        "allocation",
        "appealed_status",
        "appealed_decision_by",
        "decision",
        "decided_by",
        "decided_at",
        "checked_by",
        "checked_at",
    ]


@admin.register(Grievance)
class GrievanceAdmin(WorkflowRecordAdmin):
    list_display = [
        "reference",
        "category",
        "sensitive",
        "status",
        "province",
        "received_at",
        "next_due",
        "assigned_to",
    ]
    list_filter = ["status", "category", "sensitive", "channel", "province"]
    search_fields = ["reference"]
    list_select_related = ["province", "assigned_to"]
    ordering = ["-received_at"]
    logs_personal_data = True  # it names the household and the complaint
    inlines = [LandDisputeInline, AppealInline, StepInline]
    # Never `description` or `description_sealed` themselves: the description is shown through the selector,
    # which hides a sensitive one from all but the focal point and logs the reading.
    fields = readonly_fields = [
        "reference",
        "channel",
        "category",
        "sensitive",
        "priority",
        "anonymous",
        "province",
        "township",
        "household",
        "plot",
        "allocation",
        "shelter_project",
        "description_shown",
        "language",
        "consent_to_share",
        "status",
        "received_at",
        "acknowledge_due",
        "refer_due",
        "resolve_due",
        "acknowledged_at",
        "referred_at",
        "resolved_at",
        "closed_at",
        "loop_closed_at",
        "escalation_level",
        "assigned_to",
        "received_by",
        "referred_by",
        "referred_to",
        "client_uuid",
    ]

    def visible_to(self, user):
        return grievances_for(user)

    @admin.display(description=_("description"))
    def description_shown(self, grievance):
        # The change page's view is logged by LandregAdmin (logs_personal_data).
        return SENSITIVE_TEXT_HIDDEN if grievance.sensitive else grievance.description


@admin.register(LandDispute)
class LandDisputeAdmin(WorkflowRecordAdmin):
    list_display = ["grievance", "plot", "overlap_m2", "decision", "decided_at"]
    list_filter = ["decision"]
    logs_personal_data = True

    def visible_to(self, user):
        return LandDispute.objects.filter(grievance__in=grievances_for(user)).select_related("grievance", "plot")


@admin.register(Appeal)
class AppealAdmin(WorkflowRecordAdmin):
    list_display = ["grievance", "allocation", "appealed_status", "decision", "decided_by", "checked_by"]
    list_filter = ["decision", "appealed_status"]
    logs_personal_data = True

    def visible_to(self, user):
        return Appeal.objects.filter(grievance__in=grievances_for(user)).select_related("grievance", "allocation")
