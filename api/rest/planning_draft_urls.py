"""REST API v1: layout drafts from a land parcel (api/rest/planning_draft.py)."""

from django.urls import path

from api.rest import planning_draft

urlpatterns = [
    path("planning/parcels/<int:pk>/drafts/", planning_draft.draft_create, name="planning-draft-api-create"),
    path("planning/drafts/<int:pk>/", planning_draft.draft_detail, name="planning-draft-api-detail"),
    path("planning/drafts/<int:pk>/draft.gpkg", planning_draft.draft_geopackage, name="planning-draft-api-gpkg"),
    path("planning/drafts/<int:pk>/commit/", planning_draft.draft_commit, name="planning-draft-api-commit"),
]
