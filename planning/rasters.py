"""Raster layers in: a GeoTIFF checked (its CRS, its units, its cover of a site) and kept as a cloud-optimised
GeoTIFF, as imagery is (parcels.services.imagery_import), then read back in a site's UTM zone for the statistics."""

import math
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.core.files import File
from django.db import transaction
from django.utils.translation import gettext

from landreg.roles import ADMINISTRATOR
from landreg.services_common import require_province, require_role
from planning.models import RasterLayer

HAZARDS = ("none", "low", "medium", "high")
# A projected CRS whose extent is this small is a file in degrees labelled as metres: a real raster of a site is
# hundreds of metres across at least, and a 30 m DEM of one degree square in degrees spans about 1 × 1 "metre".
SMALLEST_PROJECTED_EXTENT_M = 20.0


def over_limit_sentence() -> str:
    """What an upload of a raster over the upload limit is told, on the page and through the API."""
    from landreg.uploads import max_upload_mib

    return gettext(
        "The raster is over the %(mb)d MiB upload limit. Clip it to the site, or compress it (a cloud-optimised "
        "GeoTIFF with DEFLATE), then upload it again."
    ) % {"mb": max_upload_mib()}


class RasterError(ValueError):
    """A raster that cannot be used, with a sentence saying why and what to do."""


def utm_srid_of(lon: float, lat: float) -> int:
    """The WGS 84 UTM zone (EPSG) of a point: Afghanistan spans 32641 to 32643."""
    zone = min(60, max(1, int(math.floor((lon + 180) / 6)) + 1))
    return (32600 if lat >= 0 else 32700) + zone


def flood_classes_checked(classes) -> list[dict]:
    """A flood raster's legend: a list of {value (a whole number), label, hazard (none, low, medium, high)}."""
    if not isinstance(classes, list) or not classes:
        raise RasterError(
            gettext(
                "A flood raster needs its legend: which pixel value is which hazard, for example "
                '[{"value": 1, "label": "Under 0.5 m", "hazard": "low"}, {"value": 3, "label": "Over 1 m", '
                '"hazard": "high"}].'
            )
        )
    out, seen = [], set()
    for item in classes:
        if not isinstance(item, dict):
            raise RasterError(gettext("Each flood class is an object with value, label and hazard."))
        value, hazard = item.get("value"), item.get("hazard")
        if isinstance(value, bool) or not isinstance(value, int):
            raise RasterError(
                gettext("A flood class value is a whole number, the pixel value; got %(value)s.")
                % {"value": repr(value)}
            )
        if hazard not in HAZARDS:
            raise RasterError(
                gettext("The hazard of flood class %(value)s is one of none, low, medium or high; got %(hazard)s.")
                % {"value": value, "hazard": repr(hazard)}
            )
        if value in seen:
            raise RasterError(gettext("Flood class %(value)s is listed twice.") % {"value": value})
        seen.add(value)
        out.append({"value": value, "label": str(item.get("label") or value)[:100], "hazard": hazard})
    return out


@dataclass
class Footprint:
    crs: object  # rasterio CRS
    west: float
    south: float
    east: float
    north: float
    resolution_m: float


def _footprint(src, source_crs) -> Footprint:
    from rasterio.warp import transform_bounds  # noqa: PLC0415

    if not source_crs.is_geographic:
        width = src.bounds.right - src.bounds.left
        height = src.bounds.top - src.bounds.bottom
        if max(width, height) < SMALLEST_PROJECTED_EXTENT_M and abs(src.bounds.left) <= 180:
            raise RasterError(
                gettext(
                    "The file says its coordinates are in metres (%(crs)s), but the whole raster spans %(size)s "
                    "of them, with corners at %(x)s, %(y)s: these look like degrees. Declare its CRS as "
                    "EPSG:4326, or export it again in its UTM zone."
                )
                % {
                    "crs": source_crs.to_string(),
                    "size": f"{max(width, height):.4f}",
                    "x": f"{src.bounds.left:.4f}",
                    "y": f"{src.bounds.top:.4f}",
                }
            )
    west, south, east, north = transform_bounds(source_crs, "EPSG:4326", *src.bounds, densify_pts=21)
    if not (-180 <= west < east <= 180 and -85 <= south < north <= 85):
        raise RasterError(gettext("The file's extent is not on the map; check its coordinate reference system."))
    if source_crs.is_geographic:
        # A pixel in degrees, as metres on the ground at the raster's middle latitude.
        lat = math.radians((south + north) / 2)
        resolution = abs(src.res[0]) * 111_320 * math.cos(lat)
    else:
        resolution = abs(src.res[0]) * (source_crs.linear_units_factor[1] if source_crs.linear_units_factor else 1)
    return Footprint(source_crs, west, south, east, north, resolution)


def coverage_problem(*, path, kind: str, site_geom, crs=None) -> str | None:
    """Why a raster cannot judge a site (it does not cover it, or has no data over it), or None."""
    from planning import viability  # noqa: PLC0415

    share = viability.data_share(path=path, geom=site_geom, crs=crs, kind=kind)
    if share is None:
        return gettext("The raster does not overlap the site; upload one that covers it.")
    if share == 0:
        return gettext("The raster has no data (only its nodata value) over the site; upload one with values there.")
    if share < 99.0:
        return gettext(
            "The raster covers only %(share)s %% of the site with data; upload one that covers all of it."
        ) % {"share": f"{share:.0f}"}
    return None


def raster_import(
    *,
    source_path,
    kind: str,
    name: str,
    source: str,
    licence: str,
    by,
    province=None,
    crs: str = "",
    flood_classes=None,
    site_geom=None,
) -> RasterLayer:
    """Check a GeoTIFF and keep it as a cloud-optimised GeoTIFF under MEDIA_ROOT/planning/rasters/. Refused with a
    sentence: no CRS (unless `crs` states one), degrees labelled as metres, not a raster, more than one band; and,
    when `site_geom` is given, a raster that does not cover the site or has no data over it."""
    import rasterio  # noqa: PLC0415 - heavy; only the raster import needs it
    from django.contrib.gis.geos import Polygon  # noqa: PLC0415
    from rasterio.crs import CRS  # noqa: PLC0415
    from rasterio.errors import CRSError, RasterioIOError  # noqa: PLC0415

    from parcels.cog import CogError, write_cog  # noqa: PLC0415

    require_role(by, [ADMINISTRATOR], gettext("upload planning rasters"))
    if province is not None:
        require_province(by, province.pk, gettext("The province"))
    if kind not in RasterLayer.Kind.values:
        raise RasterError(gettext("The kind of raster is one of dem, flood or landcover."))
    if not (name or "").strip():
        raise RasterError(gettext("Give the raster a name."))
    if not (source or "").strip() or not (licence or "").strip():
        raise RasterError(gettext("Say where the raster comes from (its source) and under which licence."))
    classes = flood_classes_checked(flood_classes) if kind == RasterLayer.Kind.FLOOD else []
    try:
        stated = CRS.from_user_input(crs) if crs else None
    except CRSError:
        raise RasterError(
            gettext("“%(crs)s” is not a coordinate reference system; write it as EPSG:32642.") % {"crs": crs}
        ) from None
    try:
        src = rasterio.open(source_path)
    except RasterioIOError as error:
        raise RasterError(
            gettext("This file is not a raster that GDAL can read (a GeoTIFF is expected): %(error)s")
            % {"error": error}
        ) from None
    with src:
        source_crs = src.crs or stated
        if source_crs is None:
            raise RasterError(
                gettext(
                    "The file declares no coordinate reference system; state it (for example EPSG:32642) or export "
                    "the GeoTIFF again with its CRS."
                )
            )
        if src.count != 1:
            raise RasterError(
                gettext("The file has %(n)s bands; a planning raster has one (elevation, or a class per pixel).")
                % {"n": src.count}
            )
        footprint = _footprint(src, source_crs)
        with tempfile.TemporaryDirectory() as work:
            cog = f"{work}/{uuid.uuid4().hex}.tif"
            try:
                write_cog(
                    src,
                    cog,
                    source_crs=source_crs,
                    COMPRESS="DEFLATE",
                    PREDICTOR="YES",
                    # Class rasters keep their values: an overview of flood classes picks one, never averages.
                    RESAMPLING="NEAREST" if kind != RasterLayer.Kind.DEM else "BILINEAR",
                )
            except CogError as error:
                raise RasterError(str(error)) from None
            if site_geom is not None:
                problem = coverage_problem(path=cog, kind=kind, site_geom=site_geom)
                if problem:
                    raise RasterError(problem)
            with open(cog, "rb") as handle, transaction.atomic():
                layer = RasterLayer(
                    kind=kind,
                    name=name.strip()[:150],
                    province=province,
                    source=source.strip()[:200],
                    licence=licence.strip()[:200],
                    bounds=Polygon.from_bbox((footprint.west, footprint.south, footprint.east, footprint.north)),
                    source_crs=source_crs.to_string(),
                    resolution_m=round(footprint.resolution_m, 3),
                    nodata=src.nodata,
                    flood_classes=classes,
                    size_bytes=0,
                    uploaded_by=by,
                )
                layer.bounds.srid = 4326
                layer.file.save(f"{uuid.uuid4().hex}.tif", File(handle), save=False)
                layer.size_bytes = layer.file.size
                layer.save()
    return layer


def raster_upload_import(*, upload, **values) -> RasterLayer:
    """An uploaded file (the page's or the API's) written to a temporary file, then stored by raster_import with
    the same values; one path for both faces."""
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "upload.tif"
        with path.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        return raster_import(source_path=path, **values)
