"""The movements pages (/movements/): arrivals and their reviews, flow counts (the day's grid and the import), IDP
sites, a household's journey, and the returns dashboard."""

from django.urls import path

from webmap.movements import arrivals, dashboard, flows, journey, sites

urlpatterns = [
    path("arrivals/", arrivals.arrival_list, name="movement-arrival-list"),
    path("arrivals/new/", arrivals.arrival_new, name="movement-arrival-new"),
    path("arrivals/reviews/", arrivals.arrival_reviews, name="movement-arrival-reviews"),
    path("arrivals/<int:pk>/", arrivals.arrival_detail, name="movement-arrival-detail"),
    path("flows/", flows.flow_grid, name="movement-flow-grid"),
    path("flows/import/", flows.flow_import, name="movement-flow-import"),
    path("flows/template.csv", flows.flow_import_template, name="movement-flow-template"),
    path("sites/", sites.site_list, name="movement-site-list"),
    path("sites/new/", sites.site_new, name="movement-site-new"),
    path("sites/<slug:code>/", sites.site_detail, name="movement-site-detail"),
    path("sites/<slug:code>/edit/", sites.site_edit, name="movement-site-edit"),
    path("households/<int:pk>/journey/", journey.household_journey, name="movement-journey"),
    path("dashboard/", dashboard.returns_dashboard, name="movement-dashboard"),
]
