"""Map tiles under /tiles/: raster tiles of uploaded imagery, vector tiles of the land layers with TileJSON, and the
gate nginx asks before serving a vector tile from its cache."""

from django.urls import path, re_path

from api.tiles import gate, imagery, vector

urlpatterns = [
    re_path(
        r"^imagery/(?P<pk>[0-9]+)/(?P<z>[0-9]+)/(?P<x>[0-9]+)/(?P<y>[0-9]+)\.(?P<fmt>png|webp)$",
        imagery.imagery_tile,
        name="imagery-tile",
    ),
    path("gate", gate.tile_gate, name="tile-gate"),  # before <layer>: no layer is called "gate"
    path("imagery/<int:pk>.json", imagery.imagery_tilejson, name="imagery-tilejson"),
    path("<str:layer>.json", vector.tilejson, name="tilejson"),
    path("<str:layer>/<int:z>/<int:x>/<int:y>.mvt", vector.tile, name="tile"),
]
