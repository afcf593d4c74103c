"""URLs of the export interface, under /api/v1/exports/."""

from django.urls import path

from api import exports

urlpatterns = [
    # A township code is a slug (no dots), so everything after the first dot is the format: NAN-SMD.shp.zip.
    path("townships/<slug:code>.<str:fmt>", exports.TownshipExportView.as_view(), name="township-export"),
]
