"""Admin for shelters: programmes and their stages are configured here; shelter projects, inspections, tranches,
occupancy checks, reviews and assignments are workflow records and evidence, shown read-only to administrators in
scope (the services, the field pages and the API write them, the database keeps them)."""

from django.contrib import admin

from allocations.selectors import allocations_visible_to
from landreg.admin import LandregAdmin, ReadOnlyInline, WorkflowRecordAdmin
from landreg.roles import PERSONAL_DATA_ROLES, has_role
from landreg.scope import province_ids_in_scope
from shelters.models import (
    AllocationReview,
    FieldAssignment,
    ImportRun,
    Inspection,
    OccupancyCheck,
    PhotoFraudFlag,
    Programme,
    ShelterProject,
    Stage,
    Tranche,
)
from townships.selectors import plots_visible_to


def _on_visible_plots(queryset, user):
    return queryset.filter(plot__in=plots_visible_to(user))


class StageInline(admin.TabularInline):
    model = Stage
    extra = 0
    fields = ["position", "code", "name", "checklist"]


@admin.register(Programme)
class ProgrammeAdmin(LandregAdmin):
    list_display = ["code", "name"]
    inlines = [StageInline]


class TrancheInline(ReadOnlyInline):
    model = Tranche
    fields = readonly_fields = [
        "stage",
        "amount",
        "currency",
        "paid_on",
        "paid_by",
        "released_by_inspection",
        "payment_reference",
    ]


class InspectionInline(ReadOnlyInline):
    model = Inspection
    fields = readonly_fields = ["inspected_on", "stage", "result", "inspector", "distance_m", "source", "client_uuid"]


@admin.register(ShelterProject)
class ShelterProjectAdmin(WorkflowRecordAdmin):
    list_display = ["plot", "household", "implementing_partner", "modality", "status", "stage_reached"]
    list_filter = ["status", "modality", "programme", "plot__township"]
    search_fields = ["plot__number", "household__code", "implementing_partner"]
    list_select_related = ["plot__township", "household", "stage_reached"]
    inlines = [TrancheInline, InspectionInline]
    logs_personal_data = True

    def visible_to(self, user):
        return ShelterProject.objects.filter(allocation__in=allocations_visible_to(user))  # it names the household


@admin.register(Inspection)
class InspectionAdmin(WorkflowRecordAdmin):
    list_display = ["project", "stage", "result", "inspected_on", "inspector", "distance_m", "source"]
    list_filter = ["result", "source", "stage__code", "project__plot__township"]
    search_fields = ["client_uuid", "project__plot__number"]
    list_select_related = ["project__plot__township", "stage", "inspector"]

    def visible_to(self, user):
        return Inspection.objects.filter(project__plot__in=plots_visible_to(user))


@admin.register(OccupancyCheck)
class OccupancyCheckAdmin(WorkflowRecordAdmin):
    list_display = ["plot", "finding", "checked_on", "officer", "distance_m", "source"]
    list_filter = ["finding", "source", "plot__township"]
    logs_personal_data = True  # its page names the allocation, and so the household

    def visible_to(self, user):
        if not has_role(user, *PERSONAL_DATA_ROLES):
            return OccupancyCheck.objects.none()
        return _on_visible_plots(OccupancyCheck.objects.all(), user)


@admin.register(AllocationReview)
class AllocationReviewAdmin(WorkflowRecordAdmin):
    list_display = ["plot", "allocation", "reason", "raised_by", "raised_at", "closed_at", "closed_by", "outcome"]
    list_filter = ["reason", "outcome", "closed_at"]
    logs_personal_data = True  # it names the allocation, and so the household

    def visible_to(self, user):
        if not has_role(user, *PERSONAL_DATA_ROLES):
            return AllocationReview.objects.none()
        return _on_visible_plots(AllocationReview.objects.all(), user)


@admin.register(PhotoFraudFlag)
class PhotoFraudFlagAdmin(WorkflowRecordAdmin):
    list_display = ["plot", "sha256", "first_photo", "submitted_by", "at"]

    def visible_to(self, user):
        return _on_visible_plots(PhotoFraudFlag.objects.all(), user)


@admin.register(FieldAssignment)
class FieldAssignmentAdmin(WorkflowRecordAdmin):
    list_display = ["officer", "plot", "due_on", "purpose", "done_at"]
    list_filter = ["due_on", "purpose"]

    def visible_to(self, user):
        return _on_visible_plots(FieldAssignment.objects.select_related("officer", "plot"), user)


@admin.register(ImportRun)
class ImportRunAdmin(WorkflowRecordAdmin):
    list_display = ["form", "filename", "by", "at"]

    def visible_to(self, user):
        # A run's report spans whatever the file held, with no province of its own: national users see every
        # run, others only their own uploads.
        if province_ids_in_scope(user) is None:
            return ImportRun.objects.all()
        return ImportRun.objects.filter(by=user)
