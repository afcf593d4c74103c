"""Web pages of landreg (the land officers' map and the field pages come with their issues)."""

from django.urls import path

from webmap.households import views

urlpatterns = [
    path("ballots/<str:reference>/", views.ballot_sheet, name="ballot-sheet"),
    path("households/", views.household_list, name="household-list"),
    path("households/new/", views.household_new, name="household-new"),
    path("households/import/", views.household_import, name="household-import"),
    path("households/<int:pk>/", views.household_detail, name="household-detail"),
]
