"""The officers' grievance pages: the list and its CSV, a new grievance, the dashboard, a grievance's page and its
receipt (by the public reference, G-XXXX-XXXX)."""

from django.urls import path

from webmap.grievances import views

urlpatterns = [
    path("", views.grievance_list, name="grievance-list"),
    path("export.csv", views.grievance_export, name="grievance-export"),
    path("new/", views.grievance_new, name="grievance-new"),
    path("dashboard/", views.grievance_dashboard, name="grievance-dashboard"),
    path("<str:reference>/", views.grievance_detail, name="grievance-detail"),
    path("<str:reference>/receipt.pdf", views.grievance_receipt, name="grievance-receipt"),
]
