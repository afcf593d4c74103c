"""Layout draft pages, under /planning/ (webmap/planning/draft_views.py)."""

from django.urls import path

from webmap.planning import draft_views

urlpatterns = [
    path("drafts/", draft_views.draft_parcels, name="planning-draft-parcels"),
    path("parcels/<int:pk>/draft/", draft_views.draft_form, name="planning-draft"),
    path("drafts/<int:pk>/", draft_views.draft_result, name="planning-draft-result"),
    path("drafts/<int:pk>/preview.geojson", draft_views.draft_preview, name="planning-draft-preview"),
    path("drafts/<int:pk>/draft.gpkg", draft_views.draft_geopackage, name="planning-draft-gpkg"),
    path("drafts/<int:pk>/commit/", draft_views.draft_commit, name="planning-draft-commit"),
]
