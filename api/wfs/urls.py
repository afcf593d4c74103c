"""URLs of the WFS 2.0 interface, under /wfs/."""

from django.urls import path

from api.wfs.views import wfs_view

urlpatterns = [
    path("", wfs_view, name="wfs"),
]
