"""Top-level URLs: the admin, the API, and the web pages."""

from django.contrib import admin
from django.http import HttpResponse
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.i18n import JavaScriptCatalog

from api import ogc

admin.site.site_header = "landreg"
admin.site.site_title = "landreg"
admin.site.index_title = "Land allocation and townships"

urlpatterns = [
    # Browsers ask for an icon on every page (the admin's too); answering "no content" keeps the console clean.
    path("favicon.ico", lambda request: HttpResponse(status=204)),
    path("", include("webmap.accounts.urls")),  # /login/ and /logout/ for every role
    path("", include("webmap.map.urls")),  # the land officers' map and dashboards (issue 5)
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
    path("api/v1/", include("api.document_urls")),
    path("tiles/imagery/", include("api.imagery_urls")),  # issue 5: uploaded imagery as raster tiles
    path("tiles/", include("api.tile_urls")),
    path("ogc", ogc.landing),  # QGIS asks without the slash and does not follow a relative redirect
    path("ogc/", include("api.ogc.urls")),
    path("wfs/", include("api.wfs.urls")),
    path("api/v1/exports/", include("api.export_urls")),
    path("api/v1/layout-imports/", include("api.layout_urls")),  # issue 7
    path("api/v1/field/", include("api.field_urls")),  # issue 6
    path("api/v1/partner/", include("api.partner_urls")),  # partner exports under a data-sharing agreement
    path("layouts/", include("webmap.layout_urls")),  # issue 7
    path("field/", include("webmap.field.urls")),  # issue 6
    path("", include("webmap.documents.urls")),
    path("", include("webmap.households.urls")),
]
