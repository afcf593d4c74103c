"""REST API v1: planning rasters, access layer uploads and site viability reports (api/rest/planning_site.py)."""

from django.urls import path

from api.rest import planning_site

urlpatterns = [
    path("planning/rasters/", planning_site.RastersView.as_view(), name="api-planning-rasters"),
    path("planning/access-layers/", planning_site.AccessLayersView.as_view(), name="api-planning-access-layers"),
    path(
        "planning/viability/township/<int:pk>/",
        planning_site.ViabilityView.as_view(),
        {"kind": "township"},
        name="api-planning-viability-township",
    ),
    path(
        "planning/viability/parcel/<int:pk>/",
        planning_site.ViabilityView.as_view(),
        {"kind": "parcel"},
        name="api-planning-viability-parcel",
    ),
]
