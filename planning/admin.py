"""Admin for the planning layers: administrators and GIS specialists correct water points, roads and services of
their provinces here (the database keeps each in its province); rasters are shown only (a new survey is a new
upload, planning.rasters); thresholds are added as a new version through planning.services.thresholds_set."""

from django.contrib import admin

from landreg.admin import AdministratorOnly, LandregAdmin, WorkflowRecordAdmin
from planning import selectors, services
from planning.models import PlotSite, RasterLayer, Road, ServicePoint, ViabilityThresholds, WaterPoint


@admin.register(RasterLayer)
class RasterLayerAdmin(WorkflowRecordAdmin):
    list_display = ["name", "kind", "province", "source", "licence", "resolution_m", "source_crs", "uploaded_at"]
    list_filter = ["kind", "province"]

    def visible_to(self, user):
        return selectors.rasters_visible_to(user)


class AccessLayerAdmin(LandregAdmin):
    list_filter = ["province"]
    search_fields = ["name", "source"]

    def visible_to(self, user):
        return selectors.access_features_visible_to(user, self.model)


@admin.register(WaterPoint)
class WaterPointAdmin(AccessLayerAdmin):
    list_display = ["id", "kind", "name", "functional", "province", "source"]
    list_filter = ["kind", "functional", "province"]


@admin.register(Road)
class RoadAdmin(AccessLayerAdmin):
    list_display = ["id", "road_class", "name", "province", "source"]
    list_filter = ["road_class", "province"]


@admin.register(ServicePoint)
class ServicePointAdmin(AccessLayerAdmin):
    list_display = ["id", "kind", "name", "functional", "province", "source"]
    list_filter = ["kind", "functional", "province"]


@admin.register(ViabilityThresholds)
class ViabilityThresholdsAdmin(AdministratorOnly, LandregAdmin):
    """A saved form is a new version, made active (the versions before stay as they were)."""

    list_display = ["version", "active", *services.THRESHOLD_FIELDS, "created_by", "created_at"]
    fields = [*services.THRESHOLD_FIELDS, "note"]

    def visible_to(self, user):
        return ViabilityThresholds.objects.all()

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        saved = services.thresholds_set(
            by=request.user, note=obj.note, **{name: getattr(obj, name) for name in services.THRESHOLD_FIELDS}
        )
        obj.pk, obj.version, obj.active = saved.pk, saved.version, saved.active


@admin.register(PlotSite)
class PlotSiteAdmin(WorkflowRecordAdmin):
    list_display = ["plot", "fit", "slope_mean_pct", "share_over_20_pct", "flood_hazard", "water_m", "stale"]
    list_filter = ["fit", "stale", "flood_hazard"]

    def visible_to(self, user):
        from landreg.scope import filter_by_scope  # noqa: PLC0415

        return filter_by_scope(
            PlotSite.objects.select_related("plot", "plot__township"),
            user,
            province_field="plot__township__province",
            township_field="plot__township",
        )
