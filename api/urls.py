"""REST API v1 and its OpenAPI schema (served with local assets, no CDN)."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from api.allocations import AllocationViewSet
from api.ballots import BallotViewSet
from api.households import HouseholdViewSet

router = DefaultRouter()
router.register("households", HouseholdViewSet, basename="household")
router.register("allocations", AllocationViewSet, basename="allocation")
router.register("ballots", BallotViewSet, basename="ballot")

urlpatterns = [
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
]

# The land officers' web map: plot panel, candidates, search, layer versions.
from api import map as map_api  # noqa: E402

urlpatterns += [
    path("v1/map/plots/<int:pk>/", map_api.PlotPanelView.as_view(), name="map-plot"),
    path("v1/map/plots/<int:pk>/candidates/", map_api.PlotCandidatesView.as_view(), name="map-plot-candidates"),
    path("v1/map/search/", map_api.MapSearchView.as_view(), name="map-search"),
    path("v1/map/versions/", map_api.LayerVersionsView.as_view(), name="map-versions"),
]
