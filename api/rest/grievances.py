"""Grievances for officers over REST (the map's plot panel uses it)."""

urlpatterns = []
