"""Top-level URLs: the pages, the admin, the REST API, and the publishing endpoints (tiles, OGC API, WFS)."""

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
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
    path("api/", include("api.rest.urls")),  # REST v1 and its OpenAPI schema
    path("tiles/", include("api.tiles.urls")),  # vector tiles of the land layers, raster tiles of imagery
    path("ogc", ogc.landing),  # QGIS asks without the slash and does not follow a relative redirect
    path("ogc/", include("api.ogc.urls")),
    path("wfs/", include("api.wfs.urls")),
    # The pages come last: where a page and the REST API share a URL name (household-list, household-detail), the
    # last one mounted is the one reverse() and redirect() give, and a page must get the page.
    path("", include("webmap.urls")),  # the pages for people: map, dashboards, households, layouts, field, login
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
]
