"""Planning pages: planning rasters, the upload of access layers, and the site viability report of a township or a
land parcel."""

from django.urls import path, register_converter

from webmap.planning import site_views


class SiteKind:
    regex = "township|parcel"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(SiteKind, "site_kind")

urlpatterns = [
    path("rasters/", site_views.raster_list, name="planning-rasters"),
    path("rasters/access-layers/", site_views.access_upload, name="planning-access-upload"),
    path("viability/<site_kind:kind>/<int:pk>/", site_views.site_report, name="planning-site-report"),
    path(
        "viability/<site_kind:kind>/<int:pk>/<str:language>.pdf",
        site_views.site_report_pdf,
        name="planning-site-report-pdf",
    ),
]
