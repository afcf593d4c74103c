"""Field API: today's plots, field inspections and occupancy checks, tranches, reviews, imports."""

from django.urls import path

from api import field

urlpatterns = [
    path("assignments/", field.Assignments.as_view(), name="field-api-assignments"),
    path("plots/<int:pk>/", field.PlotCard.as_view(), name="field-api-plot"),
    path("inspections/", field.Inspections.as_view(), name="field-api-inspections"),
    path("inspections/<uuid:client_uuid>/", field.InspectionByUuid.as_view(), name="field-api-inspection"),
    path("occupancy-checks/", field.OccupancyChecks.as_view(), name="field-api-occupancy-checks"),
    path("projects/", field.Projects.as_view(), name="field-api-projects"),
    path("tranches/<int:pk>/pay/", field.TranchePay.as_view(), name="field-api-tranche-pay"),
    path("townships/<int:pk>/report/", field.TownshipReport.as_view(), name="field-api-township-report"),
    path("reviews/<int:pk>/close/", field.ReviewClose.as_view(), name="field-api-review-close"),
    path("imports/", field.Imports.as_view(), name="field-api-imports"),
    path("forms/<str:form>.xlsx", field.xlsform_download, name="field-api-xlsform"),
]
