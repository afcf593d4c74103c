from django.contrib import admin

from landreg.admin import LandregAdmin
from townships.admin_exports import export_as_geopackage
from townships.models import Block, Entitlement, Facility, LayoutImport, LayoutSource, Plot, Township


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


@admin.register(Block)
class BlockAdmin(LandregAdmin):
    list_display = ["code", "township"]
    list_filter = ["township"]
    search_fields = ["code"]


@admin.register(Plot)
class PlotAdmin(LandregAdmin):
    list_display = ["number", "township", "block", "use", "status", "area_m2"]
    list_filter = ["township", "status", "use"]
    search_fields = ["number"]
    readonly_fields = ["area_m2"]
    list_select_related = ["township", "block"]
    autocomplete_fields = ["block"]


@admin.register(Facility)
class FacilityAdmin(LandregAdmin):
    list_display = ["kind", "name", "township", "functional"]
    list_filter = ["kind", "township"]


@admin.register(LayoutSource)
class LayoutSourceAdmin(admin.ModelAdmin):
    """The remembered attribute mapping of each layout source; editable, since a surveyor may rename a column."""

    list_display = ["name", "township", "number_field", "block_field", "use_field", "stated_srid", "updated_at"]
    list_filter = ["township"]
    search_fields = ["name"]
    readonly_fields = ["updated_by", "updated_at"]


@admin.register(LayoutImport)
class LayoutImportAdmin(admin.ModelAdmin):
    """The record of each layout file checked or imported: evidence, never edited."""

    list_display = ["file_name", "township", "status", "created_by", "created_at", "committed_at", "sha256"]
    list_filter = ["status", "township"]
    search_fields = ["file_name", "sha256"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
