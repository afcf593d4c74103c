"""Demo step: a small elevation model and flood hazard map made with rasterio around Sheikh Mesri (demo), a few
water points, services and roads, and each plot's site figures, so `make run` shows a viability report."""

import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy
from django.contrib.auth import get_user_model
from django.contrib.gis.geos import LineString, Point
from pyproj import Transformer

from planning.models import Road, ServicePoint, WaterPoint
from planning.rasters import raster_import, utm_srid_of
from planning.services import plot_sites_recompute
from townships.models import Township

TOWNSHIP = "NAN-SMD"
PIXEL = 30.0  # metres, as Copernicus GLO-30
FLOOD_CLASSES = [
    {"value": 1, "label": "Under 0.5 m", "hazard": "low"},
    {"value": 2, "label": "0.5 to 1 m", "hazard": "medium"},
    {"value": 3, "label": "Over 1 m", "hazard": "high"},
]


def _rasters(folder: Path, x0: float, y0: float, x1: float, y1: float, srid: int) -> tuple[Path, Path]:
    """A DEM rising gently to the north with a steep hill in the north-east, and a wash along the south edge."""
    import rasterio  # noqa: PLC0415
    from rasterio.transform import from_origin  # noqa: PLC0415

    pad = 600.0
    west, north = x0 - pad, y1 + pad
    cols, rows = int((x1 - x0 + 2 * pad) / PIXEL), int((y1 - y0 + 2 * pad) / PIXEL)
    x = west + PIXEL * (numpy.arange(cols) + 0.5)
    y = north - PIXEL * (numpy.arange(rows) + 0.5)
    xs, ys = numpy.meshgrid(x, y)
    hill = 60 * numpy.exp(-(((xs - x1) ** 2 + (ys - y1) ** 2) / (2 * 180.0**2)))
    elevation = 560 + 0.03 * (ys - y0) + hill
    depth = numpy.abs(ys - (y0 + 40))  # the wash runs east–west, 40 m inside the south edge
    flood = numpy.where(depth < 40, 3, numpy.where(depth < 90, 2, numpy.where(depth < 150, 1, 0)))
    profile = {
        "driver": "GTiff",
        "width": cols,
        "height": rows,
        "count": 1,
        "crs": f"EPSG:{srid}",
        "transform": from_origin(west, north, PIXEL, PIXEL),
    }
    dem, hazard = folder / "dem.tif", folder / "flood.tif"
    with rasterio.open(dem, "w", dtype="float32", nodata=-9999, **profile) as dst:
        dst.write(elevation.astype("float32"), 1)
    with rasterio.open(hazard, "w", dtype="uint8", nodata=255, **profile) as dst:
        dst.write(flood.astype("uint8"), 1)
    return dem, hazard


def demo_planning_create(progress: Callable[[str], None] = print) -> int:
    """Returns how many plots got their site figures."""
    township = Township.objects.filter(code=TOWNSHIP).first()
    admin = get_user_model().objects.filter(username="admin").first()
    if township is None or admin is None:
        return 0
    centre = township.geom.centroid
    srid = township.utm_srid or utm_srid_of(centre.x, centre.y)
    outline = township.geom.transform(srid, clone=True)
    x0, y0, x1, y1 = outline.extent
    with tempfile.TemporaryDirectory() as work:
        dem, flood = _rasters(Path(work), x0, y0, x1, y1, srid)
        source, licence = "Synthetic (landreg demo, made with rasterio)", "CC0"
        raster_import(
            source_path=dem,
            kind="dem",
            name="Demo DEM 30 m",
            source=source,
            licence=licence,
            by=admin,
            province=township.province,
        )
        raster_import(
            source_path=flood,
            kind="flood",
            name="Demo flood hazard",
            source=source,
            licence=licence,
            by=admin,
            province=township.province,
            flood_classes=FLOOD_CLASSES,
        )
    to_wgs = Transformer.from_crs(srid, 4326, always_xy=True)

    def at(x, y):
        return Point(*to_wgs.transform(x, y), srid=4326)

    province, mid = township.province, (x0 + x1) / 2
    WaterPoint.objects.bulk_create(
        [
            WaterPoint(
                province=province, kind="borehole", name="Demo borehole 1", source="demo", geom=at(x0 + 150, y1 - 200)
            ),
            WaterPoint(province=province, kind="tap", name="Demo tap stand", source="demo", geom=at(mid, y1 + 250)),
            WaterPoint(
                province=province,
                kind="well",
                name="Demo well (broken)",
                source="demo",
                functional=False,
                geom=at(x1 - 100, y0 + 100),
            ),
        ]
    )
    ServicePoint.objects.bulk_create(
        [
            ServicePoint(
                province=province, kind="school", name="Demo school", source="demo", geom=at(x0 - 700, y1 + 300)
            ),
            ServicePoint(province=province, kind="clinic", name="Demo clinic", source="demo", geom=at(x1 + 2500, y0)),
            ServicePoint(
                province=province, kind="market", name="Demo bazaar", source="demo", geom=at(x1 + 2600, y0 + 80)
            ),
        ]
    )
    Road.objects.bulk_create(
        [
            Road(
                province=province,
                road_class="paved",
                name="Demo highway",
                source="demo",
                geom=LineString(
                    [to_wgs.transform(x0 - 1500, y0 - 300), to_wgs.transform(x1 + 3000, y0 - 300)], srid=4326
                ),
            ),
            Road(
                province=province,
                road_class="gravel",
                name="Demo access road",
                source="demo",
                geom=LineString(
                    [
                        to_wgs.transform(mid, y0 - 300),
                        to_wgs.transform(mid, y1 + 400),
                        to_wgs.transform(x0 - 700, y1 + 400),
                    ],
                    srid=4326,
                ),
            ),
            Road(
                province=province,
                road_class="track",
                name="Demo track to the clinic",
                source="demo",
                geom=LineString([to_wgs.transform(x1 + 2500, y0 - 300), to_wgs.transform(x1 + 2500, y0)], srid=4326),
            ),
        ]
    )
    count = plot_sites_recompute(township=township, only_stale=False)
    progress(f"planning: demo rasters, access layers and the site figures of {count} plots ({TOWNSHIP})")
    return count
