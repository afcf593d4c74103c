"""Uploaded imagery as raster tiles from our own server: /tiles/imagery/<id>/<z>/<x>/<y>.png (or .webp).

Each tile is cut from the cloud-optimised GeoTIFF through a rasterio WarpedVRT whose grid is exactly the tile in
web mercator, so GDAL reads only the blocks (and the overview level) the tile needs. Pixels outside the scene
are transparent. A scene never changes after upload, so tiles may be kept a day; its URL carries its version."""

import io
import math

from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext, gettext_lazy

from api.http import conditional, login_or_basic, once_per_request
from parcels.models import Imagery
from parcels.selectors import imagery_visible_to

TILE_SIZE = 256
HALF_WORLD = 20037508.342789244  # web mercator, metres from the origin to the edge
CACHE_SECONDS = 86400
CONTENT_TYPES = {"png": "image/png", "webp": "image/webp"}


def tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """West, south, east, north of an XYZ tile in EPSG:3857 metres."""
    size = 2 * HALF_WORLD / 2**z
    west = -HALF_WORLD + x * size
    north = HALF_WORLD - y * size
    return west, north - size, west + size, north


def tile_image(imagery: Imagery, z: int, x: int, y: int, fmt: str) -> bytes:
    """The tile as PNG or WebP (RGBA): the scene's pixels warped to the tile's grid, transparent outside it."""
    import numpy  # noqa: PLC0415 - only the imagery tiles need these
    import rasterio  # noqa: PLC0415
    from PIL import Image  # noqa: PLC0415
    from rasterio.enums import ColorInterp, Resampling  # noqa: PLC0415
    from rasterio.transform import from_bounds  # noqa: PLC0415
    from rasterio.vrt import WarpedVRT  # noqa: PLC0415

    west, south, east, north = tile_bounds(z, x, y)
    transform = from_bounds(west, south, east, north, TILE_SIZE, TILE_SIZE)
    with rasterio.open(imagery.file.path) as src:
        has_alpha = ColorInterp.alpha in src.colorinterp
        options = {"add_alpha": True} if not has_alpha and src.nodata is None else {}
        with WarpedVRT(
            src,
            crs="EPSG:3857",
            transform=transform,
            width=TILE_SIZE,
            height=TILE_SIZE,
            resampling=Resampling.bilinear,
            **options,
        ) as vrt:
            colour = [1, 2, 3] if src.count >= 3 else [1, 1, 1]
            data = vrt.read(indexes=colour)
            alpha = vrt.read(vrt.count) if options else vrt.dataset_mask()
    if imagery.display_min is not None and imagery.display_max is not None:
        span = imagery.display_max - imagery.display_min or 1
        data = numpy.clip((data.astype("float32") - imagery.display_min) * (255 / span), 0, 255)
    rgba = numpy.dstack([data[0], data[1], data[2], alpha]).astype("uint8")
    out = io.BytesIO()
    image = Image.fromarray(rgba, "RGBA")
    if fmt == "webp":
        image.save(out, "WEBP", quality=80)
    else:
        image.save(out, "PNG", optimize=False, compress_level=6)
    return out.getvalue()


def tile_exists(z: int, x: int, y: int) -> bool:
    return 0 <= z <= 24 and 0 <= x < 2**z and 0 <= y < 2**z


@once_per_request
def _scene(request, pk) -> Imagery | None:
    """The scene, if the user's scope includes it: looked up once for the ETag and the tile."""
    return imagery_visible_to(request.user).filter(pk=int(pk)).first()


def _tile_etag(request, pk: str, z: str, x: str, y: str, fmt: str) -> str | None:
    """The tile's ETag: the scene, when it last changed, and the tile; none for a tile that will be refused."""
    imagery, z, x, y = _scene(request, pk), int(z), int(x), int(y)
    if imagery is None or not tile_exists(z, x, y):
        return None
    return f'"imagery-{imagery.pk}-{int(imagery.updated_at.timestamp())}-{z}-{x}-{y}-{fmt}"'


@login_or_basic(refuse=403, sentence=gettext_lazy("Log in to see the imagery tiles."))
@conditional(_tile_etag, max_age=CACHE_SECONDS)
def imagery_tile(request, pk: str, z: str, x: str, y: str, fmt: str):
    """GET /tiles/imagery/<id>/<z>/<x>/<y>.png|.webp for logged-in users whose scope includes the scene."""
    imagery, z, x, y = _scene(request, pk), int(z), int(x), int(y)
    if imagery is None:
        return JsonResponse({"detail": gettext("No imagery with this number in your scope.")}, status=404)
    if not tile_exists(z, x, y):
        return JsonResponse({"detail": gettext("Tile %(tile)s does not exist.") % {"tile": f"{z}/{x}/{y}"}}, status=400)
    return HttpResponse(tile_image(imagery, z, x, y, fmt), content_type=CONTENT_TYPES[fmt])


# An anonymous client is told no more than that there is no such scene for them.
@login_or_basic(refuse=404, sentence=gettext_lazy("No imagery with this number in your scope."))
def imagery_tilejson(request, pk: int):
    """GET /tiles/imagery/<id>.json: TileJSON for QGIS and other clients."""
    imagery = imagery_visible_to(request.user).filter(pk=pk).first()
    if imagery is None:
        return JsonResponse({"detail": gettext("No imagery with this number in your scope.")}, status=404)
    west, south, east, north = imagery.bounds.extent
    root = request.build_absolute_uri(f"/tiles/imagery/{imagery.pk}/")
    zoom = max(0, min(imagery.maxzoom, math.floor(math.log2(360 / max(east - west, 1e-9)))))
    return JsonResponse(
        {
            "tilejson": "3.0.0",
            "name": imagery.name,
            "tiles": [root + "{z}/{x}/{y}.png?v=" + str(int(imagery.updated_at.timestamp()))],
            "minzoom": 0,
            "maxzoom": imagery.maxzoom,
            "bounds": [round(v, 6) for v in (west, south, east, north)],
            "center": [round((west + east) / 2, 6), round((south + north) / 2, 6), zoom],
        }
    )
