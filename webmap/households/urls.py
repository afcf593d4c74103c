"""Web pages of landreg (the land officers' map and the field pages come with their issues)."""

from django.urls import path

from webmap.households import views

urlpatterns = [
    path("ballots/<str:reference>/", views.ballot_sheet, name="ballot-sheet"),
    path("households/", views.household_list, name="household-list"),
    path("households/new/", views.household_new, name="household-new"),
    path("households/import/", views.household_import, name="household-import"),
    path("households/import/template.csv", views.household_import_template, name="household-import-template"),
    path("households/<int:pk>/", views.household_detail, name="household-detail"),
    path("households/<int:pk>/duplicates/<int:flag_id>/", views.duplicate_compare, name="household-duplicate-compare"),
    path("households/<int:pk>/evidence/<int:document_id>/", views.evidence_file, name="household-evidence-file"),
]
