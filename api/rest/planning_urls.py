"""REST API v1: planning: rasters, access layers and site viability (site), layout drafts (draft)."""

from django.urls import include, path

urlpatterns = [
    path("", include("api.rest.planning_site_urls")),
    path("", include("api.rest.planning_draft_urls")),
]
