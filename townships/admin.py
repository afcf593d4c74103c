"""Admin for townships and their layout: every page and choice scoped with the API's selectors, so a GIS
specialist edits only the townships, blocks and plots of their provinces."""

from django.contrib import admin

from landreg.admin import LandregAdmin, WorkflowRecordAdmin
from landreg.scope import filter_by_scope
from townships.admin_exports import export_as_geopackage
from townships.models import Block, Entitlement, Facility, LayoutImport, LayoutSource, Plot, Township
from townships.selectors import plots_visible_to, townships_visible_to


def _of_visible_townships(queryset, user):
    """A township's parts (blocks, facilities, layout sources and imports): those of the townships in scope."""
    return filter_by_scope(queryset, user, province_field="township__province", township_field="township")


class EntitlementInline(admin.TabularInline):
    model = Entitlement
    extra = 0


@admin.register(Township)
class TownshipAdmin(LandregAdmin):
    inlines = [EntitlementInline]
    actions = [export_as_geopackage]
    list_display = ["name", "code", "province", "status", "utm_srid", "is_demo"]
    list_filter = ["status", "province", "is_demo"]
    search_fields = ["name", "code", "name_prs", "name_ps"]
    readonly_fields = ["utm_srid"]
    filter_horizontal = ["land_parcels"]

    def visible_to(self, user):
        return townships_visible_to(user).select_related("province")


@admin.register(Block)
class BlockAdmin(LandregAdmin):
    list_display = ["code", "township"]
    list_filter = ["township"]
    search_fields = ["code"]

    def visible_to(self, user):
        return _of_visible_townships(Block.objects.select_related("township"), user)


@admin.register(Plot)
class PlotAdmin(LandregAdmin):
    list_display = ["number", "township", "block", "use", "status", "area_m2"]
    list_filter = ["township", "status", "use"]
    search_fields = ["number"]
    readonly_fields = ["area_m2"]
    list_select_related = ["township", "block"]
    autocomplete_fields = ["block"]

    def visible_to(self, user):
        return plots_visible_to(user)


@admin.register(Facility)
class FacilityAdmin(LandregAdmin):
    list_display = ["kind", "name", "township", "functional"]
    list_filter = ["kind", "township"]

    def visible_to(self, user):
        return _of_visible_townships(Facility.objects.select_related("township"), user)


@admin.register(LayoutSource)
class LayoutSourceAdmin(LandregAdmin):
    """The remembered attribute mapping of each layout source; editable, since a surveyor may rename a column."""

    list_display = ["name", "township", "number_field", "block_field", "use_field", "stated_srid", "updated_at"]
    list_filter = ["township"]
    search_fields = ["name"]
    readonly_fields = ["updated_by", "updated_at"]

    def visible_to(self, user):
        return _of_visible_townships(LayoutSource.objects.select_related("township"), user)


@admin.register(LayoutImport)
class LayoutImportAdmin(WorkflowRecordAdmin):
    """The record of each layout file checked or imported: evidence, never edited."""

    list_display = ["file_name", "township", "status", "created_by", "created_at", "committed_at", "sha256"]
    list_filter = ["status", "township"]
    search_fields = ["file_name", "sha256"]

    def visible_to(self, user):
        return _of_visible_townships(LayoutImport.objects.select_related("township", "created_by"), user)
