"""The land officers' map (the home page) and the township dashboards."""

from django.urls import path

from webmap.map import views as map_views

urlpatterns = [
    path("", map_views.map_home, name="map"),
    path("dashboard/", map_views.dashboard_home, name="dashboard"),
    path("townships/<slug:code>/dashboard/", map_views.township_dashboard, name="township-dashboard"),
]
