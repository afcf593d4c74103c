"""Mapbox vector tiles and their TileJSON, under /tiles/."""

from django.urls import path

from api import tiles

urlpatterns = [
    path("<str:layer>.json", tiles.tilejson, name="tilejson"),
    path("<str:layer>/<int:z>/<int:x>/<int:y>.mvt", tiles.tile, name="tile"),
]
