"""Benchmark: a first layout drafted from a 100 ha land parcel (planning/drafting.py), as a layout import's dry run.

Never touches the real database. It creates the scratch database landreg_bench_drafts next to it, migrates it,
and stores one irregular parcel of about 100 ha near Jalalabad (UTM 42N; a hand-made outline with a notch, as a
state land parcel between a river terrace and a road often is) and a township around it. Then it measures, with
10 × 20 m plots, 10 to a row, 8 m roads, 5 m setback and 10 % reserved for facilities:
  1. the draft alone (shapely, every candidate plot of 16 grid placements tested at once), median of 5 runs;
  2. the grid placement step alone (16 placements of every candidate plot tested against the turned parcel), in
     shapely as the drafting module does it (median of 5) and in PostGIS (candidate boxes from generate_series,
     ST_Contains; median of 3): the alternative the drafting module did not take;
  3. the whole dry run of the planner's page: draft, GeoPackage, the layout import's check (layout_draft_check);
  4. the commit: blocks created and plots imported all or nothing (layout_draft_commit).
And the share of the parcel in plots, reserve, roads, setback and left over, against what was asked.
Ratios are against the draft alone (1), and PostGIS against shapely for the placement step, in the same run.
The scratch database is dropped at the end.

Run: set -a; . .data/env; set +a; .venv/bin/python bench/planning_draft.py [--keep] [--scratch NAME]
"""

import argparse
import json
import math
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
SCRATCH = "landreg_bench_drafts"
X0, Y0 = 500000.0, 3806000.0  # UTM 42N, near 69°E 34.4°N


def outline_utm(target_ha: float = 100.0):
    """An irregular parcel: a wobbly, elongated outline with a notch, scaled to target_ha."""
    from shapely import affinity
    from shapely.geometry import Polygon, box

    corners = 28
    points = []
    for i in range(corners):
        a = 2 * math.pi * i / corners
        r = 1.0 + 0.12 * math.sin(3 * a) + 0.06 * math.cos(5 * a + 0.7)
        points.append((1.45 * r * math.cos(a), 0.8 * r * math.sin(a)))
    shape = Polygon(points).difference(box(0.35, 0.45, 0.8, 1.2))  # a notch: a village's fields
    shape = affinity.rotate(shape, 23, origin=(0, 0))
    scale = math.sqrt(target_ha * 10_000 / shape.area)
    return affinity.translate(affinity.scale(shape, scale, scale, origin=(0, 0)), X0, Y0)


POSTGIS_GRID = """
WITH site AS (
  SELECT ST_Rotate(g, -radians(%(angle)s), ST_Centroid(g)) AS g FROM (
    SELECT ST_Buffer(ST_GeomFromText(%(wkt)s, 32642), -%(setback)s, 'join=mitre') AS g) b),
box AS (SELECT ST_XMin(g) AS x, ST_YMin(g) AS y FROM site),
candidates AS (
  SELECT fx, fy, ST_MakeEnvelope(x0, y0, x0 + %(w)s, y0 + %(d)s, 32642) AS g
    FROM box, generate_series(0, 3) fx, generate_series(0, 3) fy, generate_series(0, %(cols)s - 1) bc,
         generate_series(0, %(rows)s - 1) br, generate_series(0, 1) r, generate_series(0, %(n)s - 1) k,
         LATERAL (SELECT box.x - fx * %(px)s / 4 + bc * %(px)s + k * %(w)s AS x0,
                         box.y - fy * %(py)s / 4 + br * %(py)s + r * %(d)s AS y0) c)
SELECT fx, fy, count(*) FROM candidates, site WHERE ST_Contains(site.g, candidates.g)
 GROUP BY fx, fy ORDER BY count(*) DESC LIMIT 1
"""


def run() -> dict:
    import django
    import shapely
    import shapely.affinity

    django.setup()
    from django.contrib.gis.geos import GEOSGeometry, MultiPolygon
    from django.core.management import call_command
    from django.db import connection

    from landreg import roles
    from landreg.services import roles_sync, user_create
    from parcels.models import AdminArea, LandParcel
    from planning import draft_services
    from planning.drafting import DraftParameters, best_placement, draft_layout, longest_side_angle
    from townships import services as township_services
    from townships.models import Plot

    assert connection.settings_dict["NAME"] == SCRATCH, "refusing to run outside the scratch database"
    call_command("migrate", verbosity=0)
    roles_sync()
    gis = user_create(username="bench.gis", password="x", roles=[roles.GIS_SPECIALIST], national=True)
    province = AdminArea.objects.create(level="province", pcode="AF06", name_en="Nangarhar")
    shape = outline_utm()
    geom = GEOSGeometry(shape.wkt, srid=32642).transform(4326, clone=True)
    parcel = LandParcel.objects.create(reference="BENCH-LP-1", province=province, geom=MultiPolygon(geom))
    around = GEOSGeometry(shape.buffer(50).envelope.wkt, srid=32642).transform(4326, clone=True)
    township = township_services.township_create(
        code="BENCH-DRAFT",
        name="Bench draft",
        province=province,
        legal_basis="decree_305_2018",
        geom=MultiPolygon(around),
    )
    params = DraftParameters(
        road_width_m=8, plot_width_m=10, plot_depth_m=20, plots_per_row=10, setback_m=5, reserve_share=0.10
    )
    township.refresh_from_db()
    local = shapely.from_wkb(bytes(parcel.geom.transform(32642, clone=True).wkb))
    times = []
    for _ in range(5):
        t = time.perf_counter()
        draft = draft_layout(local, params, srid=32642)
        times.append(time.perf_counter() - t)
    draft_s = statistics.median(times)

    width, depth = params.plot_size
    px, py = params.plots_per_row * width + params.road_width_m, 2 * depth + params.road_width_m
    angle = longest_side_angle(local)
    rotated = shapely.affinity.rotate(local.buffer(-5, join_style="mitre"), -angle, origin="centroid")
    minx, miny, maxx, maxy = rotated.bounds
    values = {
        "wkt": local.wkt,
        "angle": angle,
        "setback": params.setback_m,
        "w": width,
        "d": depth,
        "n": params.plots_per_row,
        "px": px,
        "py": py,
        "cols": int(math.ceil((maxx - minx) / px)) + 1,
        "rows": int(math.ceil((maxy - miny) / py)) + 1,
    }
    shapely.prepare(rotated)
    core_times = []
    for _ in range(5):
        t = time.perf_counter()
        best_core = best_placement(
            rotated, cols=values["cols"], rows=values["rows"], width=width, depth=depth, n=10, road=8
        )
        core_times.append(time.perf_counter() - t)
    core_s = statistics.median(core_times)
    sql_times = []
    with connection.cursor() as cursor:
        for _ in range(3):
            t = time.perf_counter()
            cursor.execute(POSTGIS_GRID, values)
            best_sql = cursor.fetchone()
            sql_times.append(time.perf_counter() - t)
    postgis_s = statistics.median(sql_times)

    t = time.perf_counter()
    checked = draft_services.layout_draft_check(parcel=parcel, township=township, params=params, by=gis)
    check_s = time.perf_counter() - t
    checked_status, rejected = checked.layout_import.status, checked.layout_import.counts.get("rejected")
    t = time.perf_counter()
    done = draft_services.layout_draft_commit(layout_import=checked.layout_import, by=gis)
    commit_s = time.perf_counter() - t
    figures = checked.figures
    return {
        "parcel_ha": round(shape.area / 10_000, 2),
        "parameters": params.as_dict(),
        "figures": figures,
        "status_after_check": checked_status,
        "rejected": rejected,
        "status_after_commit": done.status,
        "plots_in_township": Plot.objects.filter(township=township).count(),
        "draft_s": round(draft_s, 3),
        "placement_shapely_s": round(core_s, 3),
        "placement_postgis_s": round(postgis_s, 3),
        "ratio_placement_postgis_to_shapely": round(postgis_s / core_s, 1),
        "postgis_best_placement_plots": best_sql[2],
        "check_s": round(check_s, 2),
        "commit_s": round(commit_s, 2),
        "ratio_check_to_draft": round(check_s / draft_s, 1),
        "ratio_commit_to_draft": round(commit_s / draft_s, 1),
        "shapely_best_placement_plots": draft.whole_plots,
        "shapely_placement_step_plots": best_core[0],
    }


def main() -> None:
    global SCRATCH
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the scratch database afterwards")
    parser.add_argument("--scratch", default=SCRATCH, help="scratch database (must start with landreg_bench_)")
    args = parser.parse_args()
    if not args.scratch.startswith("landreg_bench_"):
        parser.error("--scratch must start with landreg_bench_")
    SCRATCH = args.scratch
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "landreg.settings")
    drop_database(SCRATCH)
    create_database(SCRATCH)
    os.environ["DATABASE_URL"] = database_url(SCRATCH)
    try:
        with tempfile.TemporaryDirectory() as work:
            os.environ["MEDIA_ROOT"] = str(Path(work) / "media")
            result = run()
        result["machine"] = f"{platform.node()}, {platform.processor() or platform.machine()}, {os.cpu_count()} cores"
        result["date"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        print(json.dumps(result, indent=2))
    finally:
        if not args.keep:
            drop_database(SCRATCH)


if __name__ == "__main__":
    main()
