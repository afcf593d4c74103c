"""Slope and flood statistics on small rasters made here with rasterio, checked against a hand computation."""

import numpy
import pytest
import rasterio
from pyproj import Transformer

from planning import viability
from planning.rasters import RasterError, raster_import
from tests.planning.conftest import FLOOD_CLASSES, PAD, SHAPE, write_raster

pytestmark = pytest.mark.django_db


def test_a_plane_of_15_percent_has_a_mean_slope_of_15_and_nothing_over_20(site, dem_plane):
    figures = viability.terrain(str(dem_plane), polygons={"site": site.geom}, srid=32642, resolution=10)["site"]
    assert figures.slope_mean_pct == pytest.approx(15.0, abs=0.01)
    assert figures.share_over_10_pct == pytest.approx(100.0)
    assert figures.share_over_20_pct == pytest.approx(0.0)
    assert figures.data_share_pct == pytest.approx(100.0)


def test_two_slopes_give_the_hand_computed_mean_and_shares(site, grid, dem_two_slopes):
    # The township is 50 pixel columns wide (0..500 m); z rises 4 % west of x = 250 m and 30 % east of it. By
    # central differences over 20 m: 24 columns at 4 %, the column west of the break at (11.5 - 9.4) / 20 = 10.5 %,
    # the one east of it at (14.5 - 9.8) / 20 = 23.5 %, and 24 columns at 30 %; every row alike.
    # Mean = (24 × 4 + 10.5 + 23.5 + 24 × 30) / 50 = 17.0; over 10 %: 26 of 50 columns; over 20 %: 25 of 50.
    polygons = {"site": site.geom, "west": grid.rect(0, 0, 20, 25), "east": grid.rect(300, 0, 20, 25)}
    figures = viability.terrain(str(dem_two_slopes), polygons=polygons, srid=32642, resolution=10)
    assert figures["site"].slope_mean_pct == pytest.approx(17.0, abs=0.01)
    assert figures["site"].share_over_10_pct == pytest.approx(52.0, abs=0.01)
    assert figures["site"].share_over_20_pct == pytest.approx(50.0, abs=0.01)
    assert figures["west"].slope_mean_pct == pytest.approx(4.0, abs=0.01)
    assert figures["west"].share_over_10_pct == 0
    assert figures["east"].slope_mean_pct == pytest.approx(30.0, abs=0.01)
    assert figures["east"].share_over_20_pct == pytest.approx(100.0)


def test_a_pixel_half_inside_a_plot_counts_half(site, grid, dem_two_slopes):
    # A plot from x = 235 to 265 m crosses four columns: 230..240 (4 %), 240..250 (10.5 %), 250..260 (23.5 %) and
    # 260..270 (30 %), covering 5, 10, 10 and 5 m of them: mean = (5 × 4 + 10 × 10.5 + 10 × 23.5 + 5 × 30) / 30.
    figures = viability.terrain(
        str(dem_two_slopes), polygons={"plot": grid.rect(235, 0, 30, 20)}, srid=32642, resolution=10
    )["plot"]
    assert figures.slope_mean_pct == pytest.approx((5 * 4 + 10 * 10.5 + 10 * 23.5 + 5 * 30) / 30, abs=0.01)
    assert figures.share_over_20_pct == pytest.approx(100 * 15 / 30, abs=0.01)


def test_the_flood_band_covers_the_hand_computed_shares(site, grid, flood_band):
    # The township is 300 m deep: 0..50 m high hazard, 50..100 m low, the rest none.
    figures = viability.flood(str(flood_band), polygons={"site": site.geom}, srid=32642, resolution=10)["site"]
    assert figures.shares == {
        0: pytest.approx(66.67, abs=0.01),
        1: pytest.approx(16.67, abs=0.01),
        3: pytest.approx(16.67, abs=0.01),
    }
    by_hazard = viability.flood_hazard_shares(figures.shares, FLOOD_CLASSES)
    assert by_hazard["high"] == pytest.approx(16.67, abs=0.01)
    assert viability.highest_hazard(by_hazard) == "high"


def test_a_dem_in_degrees_is_reprojected_to_the_utm_zone_and_keeps_its_slope(site, grid, tmp_path, users):
    # The same 15 % plane, but written in EPSG:4326 (degrees across, metres up), as SRTM tiles come.
    to_utm = Transformer.from_crs(4326, 32642, always_xy=True)
    west, south = grid.to_wgs.transform(grid.x0 - PAD, grid.y0 - PAD)
    east, north = grid.to_wgs.transform(grid.x0 + 600, grid.y0 + 400)
    step = 0.0001
    cols, rows = int((east - west) / step) + 1, int((north - south) / step) + 1
    lon = west + step * (numpy.arange(cols) + 0.5)
    lat = north - step * (numpy.arange(rows) + 0.5)
    lons, lats = numpy.meshgrid(lon, lat)
    x, _y = to_utm.transform(lons, lats)
    path = tmp_path / "dem_degrees.tif"
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=cols,
        height=rows,
        count=1,
        dtype="float32",
        crs="EPSG:4326",
        transform=rasterio.transform.from_origin(west, north, step, step),
    ) as dst:
        dst.write((1800 + 0.15 * (x - grid.x0)).astype("float32"), 1)
    layer = raster_import(
        source_path=path,
        kind="dem",
        name="SRTM",
        source="synthetic",
        licence="CC0",
        by=users["admin"],
        site_geom=site.geom,
    )
    assert layer.source_crs == "EPSG:4326"
    assert 8 < layer.resolution_m < 10  # 0.0001° of longitude at 34.4° N, in metres
    figures = viability.terrain(
        layer.file.path, polygons={"site": site.geom}, srid=32642, resolution=layer.resolution_m
    )["site"]
    assert figures.slope_mean_pct == pytest.approx(15.0, abs=0.3)


def test_degrees_labelled_as_metres_are_refused_with_a_sentence(tmp_path, users):
    path = tmp_path / "mislabelled.tif"
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=30,
        height=30,
        count=1,
        dtype="float32",
        crs="EPSG:32642",
        transform=rasterio.transform.from_origin(70.5, 34.4, 0.0003, 0.0003),
    ) as dst:
        dst.write(numpy.full((30, 30), 1800, dtype="float32"), 1)
    with pytest.raises(RasterError, match="look like degrees"):
        raster_import(source_path=path, kind="dem", name="Bad", source="x", licence="x", by=users["admin"])


def test_a_raster_without_a_crs_is_refused_unless_one_is_stated(tmp_path, grid, users):
    x = numpy.zeros(SHAPE)
    path = write_raster(tmp_path / "nocrs.tif", x, grid=grid, crs=None)
    with pytest.raises(RasterError, match="declares no coordinate reference system"):
        raster_import(source_path=path, kind="dem", name="No CRS", source="x", licence="x", by=users["admin"])
    layer = raster_import(
        source_path=path, kind="dem", name="Stated", source="x", licence="x", by=users["admin"], crs="EPSG:32642"
    )
    assert layer.source_crs == "EPSG:32642"
    assert layer.resolution_m == 10


def test_nodata_over_the_whole_site_is_refused(tmp_path, grid, site, users):
    path = write_raster(tmp_path / "empty.tif", numpy.full(SHAPE, -9999.0), grid=grid, nodata=-9999)
    with pytest.raises(RasterError, match="no data"):
        raster_import(
            source_path=path, kind="dem", name="Empty", source="x", licence="x", by=users["admin"], site_geom=site.geom
        )


def test_a_raster_that_does_not_overlap_the_site_is_refused(tmp_path, grid, site, users, dem_plane):
    far = write_raster(tmp_path / "far.tif", numpy.zeros(SHAPE), grid=grid, nodata=-9999)
    with rasterio.open(far, "r+") as dst:
        t = dst.transform
        dst.transform = rasterio.transform.from_origin(t.c + 50_000, t.f, 10, 10)
    with pytest.raises(RasterError, match="does not overlap"):
        raster_import(
            source_path=far, kind="dem", name="Far", source="x", licence="x", by=users["admin"], site_geom=site.geom
        )


def test_a_raster_covering_part_of_the_site_says_how_much(tmp_path, grid, site, users):
    values = numpy.full(SHAPE, 1800.0)
    values[:, 35:] = -9999  # east of local x = 250 m: no data, so half of the township
    path = write_raster(tmp_path / "half.tif", values, grid=grid, nodata=-9999)
    with pytest.raises(RasterError, match="covers only 50 %"):
        raster_import(
            source_path=path, kind="dem", name="Half", source="x", licence="x", by=users["admin"], site_geom=site.geom
        )


def test_a_flood_raster_needs_its_legend_and_only_administrators_upload(tmp_path, flood_band, users):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(RasterError, match="needs its legend"):
        raster_import(source_path=flood_band, kind="flood", name="F", source="x", licence="x", by=users["admin"])
    with pytest.raises(RasterError, match="hazard of flood class 1"):
        raster_import(
            source_path=flood_band,
            kind="flood",
            name="F",
            source="x",
            licence="x",
            by=users["admin"],
            flood_classes=[{"value": 1, "hazard": "extreme"}],
        )
    with pytest.raises(PermissionDenied):
        raster_import(
            source_path=flood_band,
            kind="flood",
            name="F",
            source="x",
            licence="x",
            by=users["officer_nangarhar"],
            flood_classes=FLOOD_CLASSES,
        )
    layer = raster_import(
        source_path=flood_band,
        kind="flood",
        name="F",
        source="x",
        licence="x",
        by=users["admin"],
        flood_classes=FLOOD_CLASSES,
    )
    with rasterio.open(layer.file.path) as stored:  # kept as a cloud-optimised GeoTIFF, its classes as they were
        assert stored.tags(ns="IMAGE_STRUCTURE").get("LAYOUT") == "COG"
        assert set(numpy.unique(stored.read(1))) == {0, 1, 3}
