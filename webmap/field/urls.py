"""Field pages: the offline-first app shell, its service worker, the township shelter reports."""

from django.urls import path

from webmap.field import views as field_views

urlpatterns = [
    path("", field_views.shell, name="field-shell"),
    path("login/", field_views.FieldLogin.as_view(), name="field-login"),
    path("sw.js", field_views.service_worker, name="field-sw"),
    path("manifest.webmanifest", field_views.manifest, name="field-manifest"),
    path("reports/", field_views.township_reports, name="field-reports"),
    path("reports/<int:pk>/", field_views.township_report, name="field-report"),
]
