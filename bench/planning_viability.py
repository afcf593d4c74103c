"""Benchmark: the site viability report of a 100 ha township on a 30 m DEM, and the site figures of its 5,000 plots.

Never touches the real database. It creates the scratch database landreg_bench_viability next to it, migrates it,
and stores a 1 km × 1 km township near Jalalabad (UTM 42N) with 5,000 plots of 10 × 20 m (one INSERT, as a layout
import writes them). It writes a 30 m DEM and a flood hazard map of 30 km × 30 km (1,000 × 1,000 pixels, a realistic
tile around a site, not a cut-out) with rasterio and imports them as cloud-optimised GeoTIFFs; 300 water points,
60 services and a road grid of 40 roads within 15 km. Then it measures, median of --repeat runs (5):
  0. the baseline: rasterio opening the DEM and reading the site's window alone (no warp, no statistics);
  1. the whole viability report (township_viability): terrain, flood, distances straight and along the roads with
     pgRouting, population within 5 km, the verdicts;
  2. its parts: slope statistics alone, flood shares alone, the distances alone;
  3. the site figures of the 5,000 plots (plot_sites_recompute, every plot): slope and flood under each plot with
     exactextract, the distance to water in PostGIS, the verdicts, one UPDATE.
Ratios are against the baseline (0), measured in the same run. The scratch database is dropped at the end.

Run: set -a; . .data/env; set +a; .venv/bin/python bench/planning_viability.py [--repeat 5] [--keep]
"""

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

from scratch import create_database, database_url, drop_database

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SCRATCH = "landreg_bench_viability"
X0, Y0 = 500010.0, 3806010.0  # UTM 42N, near 70.5°E 34.4°N
PIXEL, TILE = 30.0, 1000  # the DEM: 30 m, 1,000 × 1,000 pixels around the site


def median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def write_rasters(folder: Path) -> tuple[Path, Path]:
    import numpy
    import rasterio
    from rasterio.transform import from_origin

    west, north = X0 - TILE * PIXEL / 2, Y0 + TILE * PIXEL / 2
    x = west + PIXEL * (numpy.arange(TILE) + 0.5)
    y = north - PIXEL * (numpy.arange(TILE) + 0.5)
    xs, ys = numpy.meshgrid(x, y)
    rng = numpy.random.default_rng(7)
    elevation = 600 + 0.04 * (ys - Y0) + 40 * numpy.sin(xs / 700) * numpy.cos(ys / 900) + rng.normal(0, 0.5, xs.shape)
    flood = numpy.digitize(numpy.abs(ys - Y0 - 150), [60, 140, 260])[::1]
    flood = (3 - flood).clip(0, 3)
    profile = {
        "driver": "GTiff",
        "width": TILE,
        "height": TILE,
        "count": 1,
        "crs": "EPSG:32642",
        "transform": from_origin(west, north, PIXEL, PIXEL),
        "tiled": True,
    }
    dem, hazard = folder / "dem.tif", folder / "flood.tif"
    with rasterio.open(dem, "w", dtype="float32", nodata=-9999, **profile) as dst:
        dst.write(elevation.astype("float32"), 1)
    with rasterio.open(hazard, "w", dtype="uint8", nodata=255, **profile) as dst:
        dst.write(flood.astype("uint8"), 1)
    return dem, hazard


def run(repeat: int) -> dict:
    import django

    django.setup()
    import rasterio
    from django.contrib.gis.geos import LineString, MultiPolygon, Point, Polygon
    from django.core.management import call_command
    from django.db import connection
    from pyproj import Transformer
    from rasterio.windows import from_bounds

    from landreg import roles
    from landreg.services import roles_sync, user_create
    from parcels.models import AdminArea
    from planning import network, selectors, viability
    from planning.models import RasterLayer, Road, ServicePoint, WaterPoint
    from planning.rasters import raster_import
    from planning.services import plot_sites_recompute
    from townships import services as township_services

    assert connection.settings_dict["NAME"] == SCRATCH, "refusing to run outside the scratch database"
    call_command("migrate", verbosity=0)
    roles_sync()
    admin = user_create(
        username="bench.admin", password="x", roles=[roles.ADMINISTRATOR], national=True, is_superuser=True
    )
    province = AdminArea.objects.create(level="province", pcode="AF06", name_en="Nangarhar")
    to_wgs = Transformer.from_crs(32642, 4326, always_xy=True)

    def ring(x0, y0, x1, y1):
        coords = [to_wgs.transform(x, y) for x, y in [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]]
        return Polygon(coords, srid=4326)

    township = township_services.township_create(
        code="BENCH-SITE",
        name="Bench site",
        province=province,
        legal_basis="decree_305_2018",
        geom=MultiPolygon(ring(X0 - 1, Y0 - 1, X0 + 1001, Y0 + 1001)),
    )
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO townships_plot (township_id, number, geom, use, status, created_at, updated_at)
               SELECT %s, (i * 50 + j + 1)::text,
                      ST_Transform(ST_MakeEnvelope(%s + i * 10, %s + j * 20, %s + i * 10 + 10, %s + j * 20 + 20,
                                                   32642), 4326), 'residential', 'available', now(), now()
                 FROM generate_series(0, 99) i, generate_series(0, 49) j""",
            [township.pk, X0, Y0, X0, Y0],
        )
    with tempfile.TemporaryDirectory() as work:
        dem_path, flood_path = write_rasters(Path(work))
        dem = raster_import(
            source_path=dem_path, kind="dem", name="Bench DEM", source="synthetic", licence="CC0", by=admin
        )
        flood = raster_import(
            source_path=flood_path,
            kind="flood",
            name="Bench flood",
            source="synthetic",
            licence="CC0",
            by=admin,
            flood_classes=[
                {"value": 1, "label": "low", "hazard": "low"},
                {"value": 2, "label": "medium", "hazard": "medium"},
                {"value": 3, "label": "high", "hazard": "high"},
            ],
        )
    import random

    rng = random.Random(7)

    def at(dx, dy):
        return Point(*to_wgs.transform(X0 + dx, Y0 + dy), srid=4326)

    WaterPoint.objects.bulk_create(
        [
            WaterPoint(province=province, kind="well", geom=at(rng.uniform(-15e3, 15e3), rng.uniform(-15e3, 15e3)))
            for _ in range(300)
        ]
    )
    ServicePoint.objects.bulk_create(
        [
            ServicePoint(province=province, kind=kind, geom=at(rng.uniform(-15e3, 15e3), rng.uniform(-15e3, 15e3)))
            for kind in ("school", "clinic", "market")
            for _ in range(20)
        ]
    )
    roads = []
    for k in range(20):
        offset = -14_000 + k * 1_400
        roads.append(
            LineString([to_wgs.transform(X0 - 15e3, Y0 + offset), to_wgs.transform(X0 + 15e3, Y0 + offset)], srid=4326)
        )
        roads.append(
            LineString([to_wgs.transform(X0 + offset, Y0 - 15e3), to_wgs.transform(X0 + offset, Y0 + 15e3)], srid=4326)
        )
    Road.objects.bulk_create(
        [Road(province=province, road_class="paved" if i % 4 == 0 else "gravel", geom=g) for i, g in enumerate(roads)]
    )
    township.refresh_from_db()
    site = township.geom
    utm = site.transform(32642, clone=True)

    def window_read():
        with rasterio.open(dem.file.path) as src:
            src.read(1, window=from_bounds(*utm.extent, transform=src.transform))

    results = {"baseline_window_read_s": median_time(window_read, repeat)}
    results["report_s"] = median_time(lambda: selectors.township_viability(admin, township=township), repeat)
    results["slope_s"] = median_time(
        lambda: viability.terrain(dem.file.path, polygons={"s": site}, srid=32642, resolution=dem.resolution_m), repeat
    )
    results["flood_s"] = median_time(
        lambda: viability.flood(flood.file.path, polygons={"s": site}, srid=32642, resolution=flood.resolution_m),
        repeat,
    )
    results["distances_s"] = median_time(lambda: network.distances(site_wkt=site.wkt, srid=32642), repeat)
    report = selectors.township_viability(admin, township=township)
    results["routed"] = report["access"]["routed"]
    results["verdict"] = report["verdict"]
    results["plots"] = township.plots.count()
    results["plot_sites_s"] = median_time(
        lambda: plot_sites_recompute(township=township, only_stale=False), max(1, repeat // 2)
    )
    results["rasters"] = RasterLayer.objects.count()
    return results


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = database_url(SCRATCH)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "landreg.settings")
    drop_database(SCRATCH)
    create_database(SCRATCH)
    try:
        with tempfile.TemporaryDirectory() as media:
            os.environ["MEDIA_ROOT"] = media
            r = run(args.repeat)
    finally:
        if not args.keep:
            drop_database(SCRATCH)
    base = r["baseline_window_read_s"]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"site: 100 ha, DEM 30 m ({TILE} × {TILE} pixels, COG), {r['plots']} plots; routed: {r['routed']}")
    for key in ("baseline_window_read_s", "report_s", "slope_s", "flood_s", "distances_s", "plot_sites_s"):
        print(f"{key:26s} {r[key] * 1000:9.1f} ms   × {r[key] / base:8.1f} the window read")
    print(f"report under 5 s: {r['report_s'] < 5}; 5,000 plots under 30 s: {r['plot_sites_s'] < 30}")


if __name__ == "__main__":
    main()
