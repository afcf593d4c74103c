"""Planning fixtures: a township on a grid aligned with the rasters' pixels, and small real-shaped rasters made with
rasterio whose statistics are known by hand (docs/planning.md)."""

import numpy
import pytest
import rasterio
from django.contrib.gis.geos import MultiPolygon
from rasterio.transform import from_origin

from tests.conftest import UtmFrame
from townships import services as township_services

PIXEL = 10.0  # metres
# The rasters reach this far around the township (0..500 × 0..300 m), in metres.
PAD = 100.0


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def grid():
    """Near Jalalabad, in UTM 42N, with its origin on a multiple of the pixel size: the township's edges fall on
    pixel edges, so each statistic can be counted by hand."""
    frame = UtmFrame(70.5, 34.4, 32642)
    frame.x0, frame.y0 = round(frame.x0 / PIXEL) * PIXEL, round(frame.y0 / PIXEL) * PIXEL
    return frame


@pytest.fixture
def site(provinces, grid):
    """A 500 m × 300 m township with block A (0..200 × 0..100 m) and block B (220..420 × 0..100 m)."""
    t = township_services.township_create(
        code="NAN-SITE",
        name="Site township",
        province=provinces["nangarhar"],
        legal_basis="decree_305_2018",
        geom=MultiPolygon(grid.rect(0, 0, 500, 300)),
    )
    t.block_a = township_services.block_create(township=t, code="A", geom=grid.rect(0, 0, 200, 100))
    t.block_b = township_services.block_create(township=t, code="B", geom=grid.rect(220, 0, 200, 100))
    return t


def write_raster(path, values, *, grid, crs="EPSG:32642", nodata=None, dtype="float32"):
    """A GeoTIFF of `values` (rows from north to south) whose lower left corner is (-PAD, -PAD) in the grid."""
    rows, cols = values.shape
    transform = from_origin(grid.x0 - PAD, grid.y0 - PAD + rows * PIXEL, PIXEL, PIXEL)
    profile = {
        "driver": "GTiff",
        "width": cols,
        "height": rows,
        "count": 1,
        "dtype": dtype,
        "transform": transform,
        "nodata": nodata,
    }
    if crs:
        profile["crs"] = crs
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(values.astype(dtype), 1)
    return path


def local_xy(shape):
    """The grid's local x and y (metres from the township's corner) of each pixel centre."""
    rows, cols = shape
    x = -PAD + PIXEL * (numpy.arange(cols) + 0.5)
    y = -PAD + PIXEL * (rows - numpy.arange(rows) - 0.5)
    return numpy.meshgrid(x, y)


SHAPE = (50, 70)  # 500 m × 700 m: the township and 100 m around it


def two_slopes(x):
    """4 % west of x = 250 m, 30 % east of it."""
    return numpy.where(x < 250, 0.04 * x, 0.04 * 250 + 0.30 * (x - 250))


@pytest.fixture
def dem_two_slopes(tmp_path, grid):
    x, _y = local_xy(SHAPE)
    return write_raster(tmp_path / "dem.tif", 1800 + two_slopes(x), grid=grid, nodata=-9999)


@pytest.fixture
def dem_plane(tmp_path, grid):
    x, _y = local_xy(SHAPE)
    return write_raster(tmp_path / "plane.tif", 1800 + 0.15 * x, grid=grid, nodata=-9999)


FLOOD_CLASSES = [
    {"value": 1, "label": "Under 0.5 m", "hazard": "low"},
    {"value": 2, "label": "0.5 to 1 m", "hazard": "medium"},
    {"value": 3, "label": "Over 1 m", "hazard": "high"},
]


@pytest.fixture
def flood_band(tmp_path, grid):
    """High hazard (3) along the township's south edge, 0..50 m; low (1) from 50 to 100 m; no flood (0) north."""
    _x, y = local_xy(SHAPE)
    classes = numpy.where((y >= 0) & (y < 50), 3, numpy.where((y >= 50) & (y < 100), 1, 0))
    return write_raster(tmp_path / "flood.tif", classes, grid=grid, nodata=255, dtype="uint8")
