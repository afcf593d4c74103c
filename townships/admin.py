from django.contrib import admin

from landreg.admin import LandregAdmin
from townships.admin_exports import export_as_geopackage
from townships.models import Block, Entitlement, Facility, Plot, Township


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
