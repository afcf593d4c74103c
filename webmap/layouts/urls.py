"""Layout import pages, under /layouts/."""

from django.urls import path

from webmap.layouts import views as layout_views

urlpatterns = [
    path("", layout_views.layout_upload, name="layout-upload"),
    path("mapping/", layout_views.layout_mapping, name="layout-mapping"),
    path("<int:pk>/", layout_views.layout_report, name="layout-report"),
    path("<int:pk>/commit/", layout_views.layout_commit, name="layout-commit"),
    path("<int:pk>/problems.gpkg", layout_views.layout_problems, name="layout-problems"),
]
