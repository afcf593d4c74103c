from django.contrib import admin

from landreg.admin import LandregAdmin
from parcels.models import AdminArea, LandParcel


@admin.register(AdminArea)
class AdminAreaAdmin(LandregAdmin):
    list_display = ["pcode", "name_en", "name_prs", "name_ps", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["pcode", "name_en", "name_prs", "name_ps"]


@admin.register(LandParcel)
class LandParcelAdmin(LandregAdmin):
    list_display = ["reference", "name", "province", "legal_status"]
    list_filter = ["legal_status", "province"]
    search_fields = ["reference", "name"]
