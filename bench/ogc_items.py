"""Benchmark: OGC API - Features item pages of 1,000 plots through Django, against the same query in PostGIS.

Builds the synthetic country of bench/tiles.py in its scratch database (default: 3 townships a province, 102
townships and about 350,000 plots; --per-province 9 gives the national 1,040,400), then asks, as QGIS does when
it shows a township, for `/ogc/collections/plots/items?bbox=<a township>&limit=1000` with C concurrent clients
(gunicorn, 127.0.0.1 only), and runs the very SQL the view runs (api.ogc.feature_page_sql: PostgreSQL builds
the same GeoJSON text) straight in PostGIS with the same concurrency. p50/p95 latency and pages/s, and the
ratio measured in the same run. The scratch database is dropped at the end.

Run: set -a; . .data/env; set +a; .venv/bin/python bench/ogc_items.py [--per-province 3] [--concurrency 4]
"""

import argparse
import http.client
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import tiles as country  # noqa: E402  (the synthetic country and the load runner of bench/tiles.py)
from psycopg2 import sql  # noqa: E402

PAGE = 1000


def township_boxes(limit: int) -> list[tuple[float, float, float, float]]:
    conn = country.scratch_connection()
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT geom::box2d AS e "
            "FROM townships_township t WHERE EXISTS (SELECT 1 FROM townships_plot p "
            "WHERE p.township_id = t.id)) x"
        )
        boxes = cursor.fetchall()
    conn.close()
    random.Random(7).shuffle(boxes)
    return boxes[:limit]


def page_sql(box) -> tuple[str, list]:
    """The very SQL the view runs for this page (api.ogc.feature_page_sql), with its parameters inlined."""
    from django.contrib.gis.geos import Polygon
    from django.db import connection

    from api.ogc import COLLECTIONS, feature_page_sql
    from townships.models import Plot

    area = Polygon.from_bbox(box)
    area.srid = 4326
    qs = Plot.objects.filter(geom__bboverlaps=area).order_by("pk")[: PAGE + 1]
    text, params = feature_page_sql(COLLECTIONS["plots"], qs, 4326, False, PAGE)
    with connection.cursor() as cursor:
        return cursor.mogrify(text, params).decode()


def postgis_client(queries: dict):
    conn = country.scratch_connection()
    cursor = conn.cursor()

    def fetch(*box):
        cursor.execute(queries[box])
        features, _count, _more = cursor.fetchone()
        return 200, len(features), 200

    return fetch, conn.close


def django_client(port: int, cookie: str):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def fetch(*box):
        conn.request(
            "GET",
            f"/ogc/collections/plots/items?limit={PAGE}&bbox={','.join(map(str, box))}",
            headers={"Cookie": cookie, "Accept": "application/geo+json"},
        )
        response = conn.getresponse()
        body = response.read()
        return response.status, len(body), response.status

    return fetch, conn.close


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-province", type=int, default=3)
    parser.add_argument("--build-seconds", type=float, default=1200)
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    country.drop_scratch()
    country.admin(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(country.SCRATCH)))
    log = open(country.ROOT / ".data" / "bench_ogc_gunicorn.log", "w")  # noqa: SIM115
    gunicorn = None
    try:
        os.environ["DATABASE_URL"] = country.scratch_url()
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "landreg.settings")
        import django

        django.setup()
        built = country.build_country(args.per_province, args.build_seconds)
        cookie = country.session_cookie()
        from django.db import connection

        connection.close()
        boxes = township_boxes(args.pages)
        queries = {box: page_sql(box) for box in boxes}  # the physical limit: PostGIS building the same JSON
        connection.close()
        port = country.free_port()
        gunicorn = country.start_gunicorn(args.workers, port, log)
        results = {}
        for _round in range(2):  # alternate, keep the better of two
            for name, factory in (
                ("postgis", lambda: postgis_client(queries)),
                ("django", lambda: django_client(port, cookie)),
            ):
                r = country.run(factory, boxes, args.concurrency, args.seconds)
                if name not in results or r["p95_ms"] < results[name]["p95_ms"]:
                    results[name] = r
        print(f"\n## OGC API - Features item pages of {PAGE} plots, {time.strftime('%Y-%m-%d')}")
        print(f"machine: {country.machine()}")
        print(
            f"data: {built['townships']} townships, {built['plots']:,} plots; {len(boxes)} pages (bbox of a "
            f"township, limit={PAGE}); {args.concurrency} clients, gunicorn {args.workers} workers"
        )
        print("| | pages/s | p50 ms | p95 ms | KiB/page |")
        print("|---|---:|---:|---:|---:|")
        for name in ("postgis", "django"):
            r = results[name]
            print(f"| {name} | {r['tiles_s']:.1f} | {r['p50_ms']:.0f} | {r['p95_ms']:.0f} | {r['kb']:.0f} |")
        print(
            f"ratio Django/PostGIS: throughput {results['django']['tiles_s'] / results['postgis']['tiles_s']:.2f}, "
            f"p95 {results['django']['p95_ms'] / results['postgis']['p95_ms']:.2f}x; "
            f"statuses {results['django']['statuses']}"
        )
    finally:
        if gunicorn is not None:
            country.stop_gunicorn(gunicorn)
        log.close()
        country.drop_scratch()


if __name__ == "__main__":
    main()
