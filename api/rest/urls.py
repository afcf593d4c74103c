"""REST API v1 under /api/, and its OpenAPI schema (served with local assets, no CDN)."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from api.rest import documents, exports, field, map, partner_exports
from api.rest.allocations import AllocationViewSet
from api.rest.ballots import BallotViewSet
from api.rest.households import HouseholdViewSet
from api.rest.layout_imports import LayoutImportViewSet

router = DefaultRouter()
router.register("households", HouseholdViewSet, basename="household")
router.register("allocations", AllocationViewSet, basename="allocation")
router.register("ballots", BallotViewSet, basename="ballot")
router.register("layout-imports", LayoutImportViewSet, basename="layout-import")

v1 = [
    # Letters and deeds.
    path("allocations/<int:pk>/documents/", documents.AllocationDocumentsView.as_view(), name="allocation-documents"),
    path("documents/<str:number>/", documents.DocumentView.as_view(), name="document-detail"),
    path("documents/<str:number>/pdf/", documents.DocumentPdfView.as_view(), name="document-pdf"),
    # The land officers' map: plot panel, candidates, search, layer versions.
    path("map/plots/<int:pk>/", map.PlotPanelView.as_view(), name="map-plot"),
    path("map/plots/<int:pk>/candidates/", map.PlotCandidatesView.as_view(), name="map-plot-candidates"),
    path("map/search/", map.MapSearchView.as_view(), name="map-search"),
    path("map/versions/", map.LayerVersionsView.as_view(), name="map-versions"),
    # Field teams: today's plots, visits, tranches, reports, reviews, imports, XLSForms.
    path("field/assignments/", field.AssignmentsView.as_view(), name="field-api-assignments"),
    path("field/plots/<int:pk>/", field.PlotCardView.as_view(), name="field-api-plot"),
    path("field/inspections/", field.InspectionsView.as_view(), name="field-api-inspections"),
    path("field/inspections/<uuid:client_uuid>/", field.InspectionByUuidView.as_view(), name="field-api-inspection"),
    path("field/occupancy-checks/", field.OccupancyChecksView.as_view(), name="field-api-occupancy-checks"),
    path("field/projects/", field.ProjectsView.as_view(), name="field-api-projects"),
    path("field/tranches/<int:pk>/pay/", field.TranchePayView.as_view(), name="field-api-tranche-pay"),
    path("field/townships/<int:pk>/report/", field.TownshipReportView.as_view(), name="field-api-township-report"),
    path("field/reviews/<int:pk>/close/", field.ReviewCloseView.as_view(), name="field-api-review-close"),
    path("field/imports/", field.ImportsView.as_view(), name="field-api-imports"),
    path("field/forms/<str:form>.xlsx", field.xlsform_download, name="field-api-xlsform"),
    path("field/grievances/", field.GrievancesView.as_view(), name="field-api-grievances"),
    # Border registration at a crossing point, and reintegration survey rounds, from the field pages.
    *field.routes,
    # Files: a township's layers (a slug code has no dots, so what follows the first dot is the format:
    # NAN-SMD.shp.zip), and partners' HXL exports under a data-sharing agreement.
    path("exports/townships/<slug:code>.<str:fmt>", exports.TownshipExportView.as_view(), name="township-export"),
    path("partner/exports/<slug:dataset>.csv", partner_exports.PartnerExportView.as_view(), name="partner-export"),
]

urlpatterns = [
    path("v1/", include(router.urls)),
    path("v1/", include(v1)),
    path("v1/", include("api.rest.grievances")),  # officers: grievances, disputes, appeals
    path("v1/", include("api.rest.grievance_referrals")),  # partners' hotlines
    path("v1/", include("api.rest.livelihoods_urls")),
    path("v1/", include("api.rest.movements_urls")),
    path("v1/", include("api.rest.planning_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
]
