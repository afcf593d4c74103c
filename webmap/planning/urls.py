"""The planning pages: rasters and site viability (site_urls), layout drafts (draft_urls)."""

from django.urls import include, path

urlpatterns = [
    path("", include("webmap.planning.site_urls")),
    path("", include("webmap.planning.draft_urls")),
]
