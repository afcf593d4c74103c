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
