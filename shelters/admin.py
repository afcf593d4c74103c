"""Admin for shelters: programmes and their stages are configured here; inspections, photos and paid tranches are
evidence, shown read-only (the services and the field pages write them, the database keeps them)."""

from django.contrib import admin

from landreg.admin import LandregAdmin
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


class StageInline(admin.TabularInline):
    model = Stage
    extra = 0
    fields = ["position", "code", "name", "checklist"]


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    inlines = [StageInline]


class TrancheInline(admin.TabularInline):
    model = Tranche
    extra = 0
    fields = ["stage", "amount", "currency", "paid_on", "paid_by", "released_by_inspection", "payment_reference"]
    readonly_fields = ["paid_on", "paid_by", "released_by_inspection", "payment_reference"]
    can_delete = False


class ReadOnly:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class InspectionInline(ReadOnly, admin.TabularInline):
    model = Inspection
    extra = 0
    fields = ["inspected_on", "stage", "result", "inspector", "distance_m", "source", "client_uuid"]
    readonly_fields = fields


@admin.register(ShelterProject)
class ShelterProjectAdmin(LandregAdmin):
    list_display = ["plot", "household", "implementing_partner", "modality", "status", "stage_reached"]
    list_filter = ["status", "modality", "programme", "plot__township"]
    search_fields = ["plot__number", "household__code", "implementing_partner"]
    raw_id_fields = ["plot", "household", "allocation"]
    readonly_fields = ["stage_reached", "created_by"]
    list_select_related = ["plot__township", "household", "stage_reached"]
    inlines = [TrancheInline, InspectionInline]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Inspection)
class InspectionAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["project", "stage", "result", "inspected_on", "inspector", "distance_m", "source"]
    list_filter = ["result", "source", "stage__code", "project__plot__township"]
    search_fields = ["client_uuid", "project__plot__number"]
    list_select_related = ["project__plot__township", "stage", "inspector"]


@admin.register(OccupancyCheck)
class OccupancyCheckAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["plot", "finding", "checked_on", "officer", "distance_m", "source"]
    list_filter = ["finding", "source", "plot__township"]


@admin.register(AllocationReview)
class AllocationReviewAdmin(admin.ModelAdmin):
    list_display = ["plot", "allocation", "reason", "raised_by", "raised_at", "closed_at"]
    list_filter = ["reason", "closed_at"]
    readonly_fields = ["allocation", "plot", "reason", "detail", "occupancy_check", "raised_by", "raised_at"]


@admin.register(PhotoFraudFlag)
class PhotoFraudFlagAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["plot", "sha256", "first_photo", "submitted_by", "at"]


@admin.register(FieldAssignment)
class FieldAssignmentAdmin(admin.ModelAdmin):
    list_display = ["officer", "plot", "due_on", "purpose", "done_at"]
    list_filter = ["due_on", "purpose"]
    raw_id_fields = ["plot"]


@admin.register(ImportRun)
class ImportRunAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["form", "filename", "by", "at"]
