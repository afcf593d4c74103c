"""The site statistics: slope from an elevation model and the share of each flood class, under one site or under
each of many plots, computed in the site's UTM zone with rasterio (the warp) and exactextract (coverage-weighted
zonal statistics: a pixel half inside a plot counts half); and the verdict of each criterion against the active
thresholds (docs/planning.md)."""

import json
from dataclasses import dataclass, field

import numpy
from django.contrib.gis.geos import GEOSGeometry
from django.utils.translation import gettext

# Each side of the read window gets this many pixels more than the polygons' box: the slope of a pixel at the
# edge needs its neighbours.
MARGIN_PIXELS = 2


@dataclass
class Terrain:
    slope_mean_pct: float | None
    share_over_10_pct: float | None
    share_over_20_pct: float | None
    data_share_pct: float  # the share of the polygon with elevation data under it


@dataclass
class Flood:
    # value -> share of the polygon (%), for every class present
    shares: dict = field(default_factory=dict)
    data_share_pct: float = 0.0


def _features(polygons: dict, srid: int) -> list[dict]:
    out = []
    for key, geom in polygons.items():
        g = geom.transform(srid, clone=True) if geom.srid != srid else geom
        out.append({"type": "Feature", "properties": {"key": key}, "geometry": json.loads(g.geojson)})
    return out


def _window(polygons: dict, srid: int, resolution: float):
    """The UTM grid over the polygons (plus a margin), aligned on whole multiples of the resolution."""
    from rasterio.transform import from_origin  # noqa: PLC0415

    boxes = [(g.transform(srid, clone=True) if g.srid != srid else g).extent for g in polygons.values()]
    xmin, ymin = min(b[0] for b in boxes), min(b[1] for b in boxes)
    xmax, ymax = max(b[2] for b in boxes), max(b[3] for b in boxes)
    pad = MARGIN_PIXELS * resolution
    x0 = numpy.floor((xmin - pad) / resolution) * resolution
    y1 = numpy.ceil((ymax + pad) / resolution) * resolution
    width = int(numpy.ceil((xmax + pad - x0) / resolution))
    height = int(numpy.ceil((y1 - (ymin - pad)) / resolution))
    return from_origin(x0, y1, resolution, resolution), width, height


def read_in_utm(path: str, *, polygons: dict, srid: int, resolution: float, categorical: bool, crs=None):
    """The raster's values over the polygons, warped to the UTM zone at `resolution` metres (bilinear for an
    elevation model, nearest for classes), as a float array with NaN where there is no data; and its transform.
    Returns (None, None) when the raster does not overlap the polygons at all."""
    import rasterio  # noqa: PLC0415
    from rasterio.enums import Resampling  # noqa: PLC0415
    from rasterio.vrt import WarpedVRT  # noqa: PLC0415
    from rasterio.warp import transform_bounds  # noqa: PLC0415

    transform, width, height = _window(polygons, srid, resolution)
    with rasterio.open(path) as src:
        src_crs = src.crs or crs
        west, south, east, north = transform_bounds(src_crs, f"EPSG:{srid}", *src.bounds, densify_pts=21)
        x0, y1 = transform.c, transform.f
        x1, y0 = x0 + width * resolution, y1 - height * resolution
        if east <= x0 or west >= x1 or north <= y0 or south >= y1:
            return None, None
        with WarpedVRT(
            src,
            src_crs=src_crs,
            crs=f"EPSG:{srid}",
            transform=transform,
            width=width,
            height=height,
            resampling=Resampling.nearest if categorical else Resampling.bilinear,
            src_nodata=src.nodata,
            # NaN for no data, and for whatever lies outside the raster: a class raster without a nodata value
            # would otherwise read 0 there, as if it were a class.
            nodata=numpy.nan,
            dtype="float32",
        ) as vrt:
            data = vrt.read(1, masked=True)
    values = numpy.ma.filled(data.astype("float64"), numpy.nan)
    return values, transform


def slope_percent(elevation, resolution: float):
    """Slope in percent (rise over run × 100) of each pixel, by central differences over its neighbours (numpy's
    gradient); NaN where a neighbour has no data."""
    dz_dy, dz_dx = numpy.gradient(elevation, resolution)
    return 100.0 * numpy.hypot(dz_dx, dz_dy)


def _zonal(bands: list, transform, srid: int, polygons: dict, ops: list[str]) -> dict:
    """exactextract over in-memory bands (float, NaN as nodata), one result row per polygon key."""
    from exactextract import exact_extract  # noqa: PLC0415
    from rasterio.io import MemoryFile  # noqa: PLC0415

    height, width = bands[0].shape
    profile = {
        "driver": "GTiff",
        "width": width,
        "height": height,
        "count": len(bands),
        "dtype": "float64",
        "crs": f"EPSG:{srid}",
        "transform": transform,
        "nodata": numpy.nan,
    }
    with MemoryFile() as memory:
        with memory.open(**profile) as dataset:
            for i, band in enumerate(bands, start=1):
                dataset.write(band, i)
        with memory.open() as dataset:
            # The window is already in memory: raster-sequential reads it once for every polygon, where
            # feature-sequential reads it again for each (8 times slower for a township's 5,000 plots).
            rows = exact_extract(
                dataset, _features(polygons, srid), ops, include_cols=["key"], strategy="raster-sequential"
            )
    return {row["properties"]["key"]: row["properties"] for row in rows}


def _pixel_area_share(count: float, geom: GEOSGeometry, srid: int, resolution: float) -> float:
    area = (geom.transform(srid, clone=True) if geom.srid != srid else geom).area
    return 0.0 if area <= 0 else min(100.0, 100.0 * count * resolution * resolution / area)


def terrain(path: str, *, polygons: dict, srid: int, resolution: float, crs=None) -> dict:
    """Slope statistics under each polygon: {key: Terrain}. Polygons the raster does not reach get data_share 0."""
    elevation, transform = read_in_utm(
        path, polygons=polygons, srid=srid, resolution=resolution, categorical=False, crs=crs
    )
    if elevation is None:
        return {key: Terrain(None, None, None, 0.0) for key in polygons}
    slope = slope_percent(elevation, resolution)
    valid = ~numpy.isnan(slope)
    over_10 = numpy.where(valid, (slope > 10).astype("float64"), numpy.nan)
    over_20 = numpy.where(valid, (slope > 20).astype("float64"), numpy.nan)
    rows = _zonal([slope, over_10, over_20], transform, srid, polygons, ["mean", "count"])
    out = {}
    for key, geom in polygons.items():
        row = rows.get(key, {})
        count = float(row.get("band_1_count") or 0)
        share = _pixel_area_share(count, geom, srid, resolution)
        if count == 0:
            out[key] = Terrain(None, None, None, 0.0)
            continue
        out[key] = Terrain(
            round(float(row["band_1_mean"]), 2),
            round(100 * float(row["band_2_mean"]), 2),
            round(100 * float(row["band_3_mean"]), 2),
            round(share, 2),
        )
    return out


def flood(path: str, *, polygons: dict, srid: int, resolution: float, crs=None) -> dict:
    """The share of each flood class under each polygon: {key: Flood}."""
    classes, transform = read_in_utm(
        path, polygons=polygons, srid=srid, resolution=resolution, categorical=True, crs=crs
    )
    if classes is None:
        return {key: Flood() for key in polygons}
    rows = _zonal([classes], transform, srid, polygons, ["unique", "frac", "count"])
    out = {}
    for key, geom in polygons.items():
        row = rows.get(key, {})
        count = float(row.get("count") or 0)
        if count == 0:
            out[key] = Flood()
            continue
        shares = {
            int(value): round(100 * float(frac), 2)
            for value, frac in zip(row["unique"], row["frac"], strict=True)
            if not numpy.isnan(value)
        }
        out[key] = Flood(shares, round(_pixel_area_share(count, geom, srid, resolution), 2))
    return out


def data_share(*, path: str, geom: GEOSGeometry, kind: str, crs=None) -> float | None:
    """The share (%) of a site that a raster has data over; None when it does not overlap the site at all."""
    import rasterio  # noqa: PLC0415

    from planning.rasters import utm_srid_of  # noqa: PLC0415

    centre = geom.centroid
    srid = utm_srid_of(centre.x, centre.y)
    with rasterio.open(path) as src:
        resolution = _resolution_m(src, crs)
    polygons = {"site": geom}
    values, transform = read_in_utm(
        path, polygons=polygons, srid=srid, resolution=resolution, categorical=kind != "dem", crs=crs
    )
    if values is None:
        return None
    values = numpy.where(numpy.isnan(values), numpy.nan, 1.0)
    row = _zonal([values], transform, srid, polygons, ["count"]).get("site", {})
    return _pixel_area_share(float(row.get("count") or 0), geom, srid, resolution)


def _resolution_m(src, crs=None) -> float:
    import math  # noqa: PLC0415

    from rasterio.warp import transform_bounds  # noqa: PLC0415

    src_crs = src.crs or crs
    if src_crs.is_geographic:
        _w, south, _e, north = transform_bounds(src_crs, "EPSG:4326", *src.bounds)
        return abs(src.res[0]) * 111_320 * math.cos(math.radians((south + north) / 2))
    return abs(src.res[0])


# --- verdicts ---------------------------------------------------------------------------------------------------

PASS, CONDITIONAL, FAIL, UNKNOWN = "pass", "conditional", "fail", "unknown"


def flood_hazard_shares(shares: dict, classes: list[dict]) -> dict:
    """Class shares summed by hazard (none, low, medium, high); a value the legend does not list is no flood."""
    hazard_of = {c["value"]: c["hazard"] for c in classes}
    out = {"none": 0.0, "low": 0.0, "medium": 0.0, "high": 0.0}
    for value, share in shares.items():
        out[hazard_of.get(value, "none")] += share
    return {k: round(v, 2) for k, v in out.items()}


def highest_hazard(by_hazard: dict) -> str:
    for hazard in ("high", "medium", "low"):
        if by_hazard.get(hazard, 0) > 0:
            return hazard
    return "none"


def judge_slope(t: Terrain | None, thresholds) -> tuple[str, str]:
    if t is None or t.slope_mean_pct is None:
        return UNKNOWN, gettext("no elevation model covers the site, so its slope is not known")
    values = {
        "mean": f"{t.slope_mean_pct:.1f}",
        "max": f"{thresholds.slope_max_pct:g}",
        "steep": f"{t.share_over_20_pct:.0f}",
        "steep_max": f"{thresholds.steep_share_max_pct:g}",
    }
    if t.slope_mean_pct > thresholds.slope_max_pct:
        return FAIL, gettext("the mean slope is %(mean)s %% (more than %(max)s %%)") % values
    if t.share_over_20_pct > thresholds.steep_share_max_pct:
        return CONDITIONAL, gettext(
            "%(steep)s %% of the area is steeper than 20 %% (more than %(steep_max)s %%): leave it out or terrace it"
        ) % values
    return PASS, gettext("the mean slope is %(mean)s %% (under %(max)s %%)") % values


def judge_flood(by_hazard: dict | None, thresholds) -> tuple[str, str]:
    if by_hazard is None:
        return UNKNOWN, gettext("no flood hazard map covers the site")
    values = {
        "high": f"{by_hazard['high']:.0f}",
        "medium": f"{by_hazard['medium']:.0f}",
        "max": f"{thresholds.flood_high_share_max_pct:g}",
    }
    if by_hazard["high"] > thresholds.flood_high_share_max_pct:
        return FAIL, gettext("%(high)s %% of the area is in a high flood hazard class (at most %(max)s %%)") % values
    if by_hazard["medium"] > 0:
        return CONDITIONAL, gettext("%(medium)s %% of the area is in a medium flood hazard class: drain it") % values
    return PASS, gettext("no part of the area is in a high flood hazard class")


def judge_distance(criterion: str, metres: float | None, limit: int, how: str) -> tuple[str, str]:
    """Water fails beyond twice its limit and is conditional between; a service or a road missing is a condition
    (it can be built), never a reason to refuse the land."""
    labels = {
        "water": gettext("functional water point"),
        "school": gettext("school"),
        "clinic": gettext("clinic"),
        "market": gettext("market"),
        "paved_road": gettext("paved road"),
    }
    what = labels[criterion]
    if metres is None:
        verdict = UNKNOWN if criterion == "water" else CONDITIONAL
        return verdict, gettext("no %(what)s is loaded near the site") % {"what": what}
    values = {"what": what, "distance": _distance_text(metres), "limit": _distance_text(limit), "how": how}
    if metres <= limit:
        return PASS, gettext("the nearest %(what)s is %(distance)s away %(how)s (within %(limit)s)") % values
    if criterion == "water" and metres > 2 * limit:
        return FAIL, gettext("the nearest %(what)s is %(distance)s away %(how)s (more than %(limit)s)") % values
    return CONDITIONAL, gettext("the nearest %(what)s is %(distance)s away %(how)s (more than %(limit)s)") % values


def _distance_text(metres: float) -> str:
    return f"{metres / 1000:.1f} km" if metres >= 1000 else f"{metres:.0f} m"


def overall(verdicts: list[str]) -> str:
    if FAIL in verdicts:
        return "not_fit"
    if CONDITIONAL in verdicts or UNKNOWN in verdicts:
        return "conditions"
    return "fit"


def reasons_sentence(fit: str, criteria: list[dict]) -> str:
    """The verdict in one sentence, with the reasons: what fails first, then the conditions."""
    failing = [c["sentence"] for c in criteria if c["verdict"] == FAIL]
    conditions = [c["sentence"] for c in criteria if c["verdict"] in (CONDITIONAL, UNKNOWN)]
    if fit == "not_fit":
        return gettext("Not fit: %(reasons)s.") % {"reasons": "; ".join(failing)}
    if fit == "conditions":
        return gettext("Fit with conditions: %(reasons)s.") % {"reasons": "; ".join(conditions)}
    return gettext("Fit: every criterion is met.")


def judge_plot(*, terrain: Terrain | None, by_hazard: dict | None, water_m: float | None, thresholds) -> list[dict]:
    """The criteria a plot is judged by: its slope, its flood hazard and its distance to water (straight line)."""
    criteria = []
    verdict, sentence = judge_slope(terrain, thresholds)
    criteria.append({"criterion": "slope", "verdict": verdict, "sentence": sentence})
    verdict, sentence = judge_flood(by_hazard, thresholds)
    criteria.append({"criterion": "flood", "verdict": verdict, "sentence": sentence})
    verdict, sentence = judge_distance("water", water_m, thresholds.water_max_m, gettext("in a straight line"))
    criteria.append({"criterion": "water", "verdict": verdict, "sentence": sentence})
    return criteria
