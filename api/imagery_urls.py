"""Uploaded imagery as raster tiles, under /tiles/imagery/."""

from django.urls import path, re_path

from api import imagery

urlpatterns = [
    re_path(
        r"^(?P<pk>[0-9]+)/(?P<z>[0-9]+)/(?P<x>[0-9]+)/(?P<y>[0-9]+)\.(?P<fmt>png|webp)$",
        imagery.imagery_tile,
        name="imagery-tile",
    ),
    path("<int:pk>.json", imagery.imagery_tilejson, name="imagery-tilejson"),
]
