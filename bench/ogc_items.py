"""Benchmark: OGC API - Features item pages of 1,000 plots through Django, against the same query in PostGIS.

Builds the synthetic country of bench/tiles.py in its scratch database (default: 3 townships a province, 102
townships and about 350,000 plots; --per-province 9 gives the national 1,040,400), then asks, as QGIS does when
it shows a township, for `/ogc/collections/plots/items?bbox=<a township>&limit=1000` with C concurrent clients
(gunicorn, 127.0.0.1 only), and runs the very SQL the view runs (api.ogc.feature_page_sql: PostgreSQL builds
the same GeoJSON text) straight in PostGIS with the same concurrency. p50/p95 latency and pages/s, and the
ratio measured in the same run. It also asks with `Accept-Encoding: gzip` (what QGIS and browsers send) and
reports bytes on the wire and the server's CPU per page (gunicorn's processes, from /proc). With --before PATH,
a copy of the tree before a change (its own .venv link) is served too, from the same scratch database, and the
two are measured back to back, alternating. The scratch database is dropped at the end.

Run: set -a; . .data/env; set +a; .venv/bin/python bench/ogc_items.py [--per-province 3] [--concurrency 4]
     [--before /tmp/landreg-before]
"""

import argparse
import http.client
import os
import random
import sys
import time
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import scratch  # noqa: E402
import serve  # noqa: E402
import tiles as country  # noqa: E402  (the synthetic country and the load runner of bench/tiles.py)

country.SCRATCH = "landreg_bench_ogc"  # its own scratch database: bench/tiles.py may run at the same time
TICK = os.sysconf("SC_CLK_TCK")

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
    plots = COLLECTIONS["plots"]  # with its computed properties, as the view asks (a national user: no filter)
    qs = Plot.objects.annotate(**plots.annotations).filter(geom__bboverlaps=area).order_by("pk")[: PAGE + 1]
    text, params = feature_page_sql(plots, qs, 4326, False, PAGE)
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


def django_client(port: int, cookie: str, encoding: str = "identity"):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def fetch(*box):
        conn.request(
            "GET",
            f"/ogc/collections/plots/items?limit={PAGE}&bbox={','.join(map(str, box))}",
            headers={"Cookie": cookie, "Accept": "application/geo+json", "Accept-Encoding": encoding},
        )
        response = conn.getresponse()
        body = response.read()  # the bytes on the wire: http.client does not decompress
        return response.status, len(body), response.getheader("Content-Encoding", "identity")

    return fetch, conn.close


def _ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime
    except (OSError, IndexError, ValueError):
        return 0


def server_ticks(process) -> int:
    """CPU ticks so far of a gunicorn master and its workers (its own process group)."""
    total = 0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.getpgid(int(entry.name)) == process.pid:
                    total += _ticks(int(entry.name))
            except OSError:
                pass
    return total


def load() -> str:
    one, five, _fifteen = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} cores"


def gzip_levels(port: int, cookie: str, box) -> list[str]:
    """What each gzip level makes of one page, and its CPU time here (api.http.GZIP_LEVEL is the one chosen)."""
    fetch, close = django_client(port, cookie)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request(
        "GET",
        f"/ogc/collections/plots/items?limit={PAGE}&bbox={','.join(map(str, box))}",
        headers={"Cookie": cookie, "Accept-Encoding": "identity"},
    )
    body = conn.getresponse().read()
    conn.close()
    close()
    found = []
    for level in range(1, 10):
        start = time.process_time()
        for _ in range(10):
            compressor = zlib.compressobj(level, zlib.DEFLATED, 31)
            size = len(compressor.compress(body) + compressor.flush())
        found.append(f"{level}: {size / len(body):.3f} {(time.process_time() - start) * 100:.1f}")
    return found


def start(root: Path, workers: int, port: int, log):
    return serve.start_gunicorn(country.scratch_url(), workers, port, log, probe="/ogc/", root=root)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-province", type=int, default=3)
    parser.add_argument("--build-seconds", type=float, default=1200)
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--before", help="a copy of the tree before the change, served and measured too")
    args = parser.parse_args()
    country.drop_scratch()
    scratch.create_database(country.SCRATCH)
    log = open(country.ROOT / ".data" / "bench_ogc_gunicorn.log", "w")  # noqa: SIM115
    gunicorns = []
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
        servers = {"after": (serve.ROOT, serve.free_port())}
        if args.before:
            servers["before"] = (Path(args.before).resolve(), serve.free_port())
        for name, (root, port) in servers.items():
            servers[name] = (root, port, start(root, args.workers, port, log))
            gunicorns.append(servers[name][2])
        work = (boxes * (args.pages // len(boxes) + 1))[: args.pages]  # enough pages for the CPU to be measured
        results = {}
        for _round in range(2):  # alternate, keep the better of two
            r = country.run(lambda: postgis_client(queries), work, args.concurrency, args.seconds)
            if "postgis" not in results or r["p95_ms"] < results["postgis"]["p95_ms"]:
                results["postgis"] = r
            for name in sorted(servers, reverse=True):  # before, then after
                _root, port, process = servers[name]
                for encoding in ("identity", "gzip"):
                    before_ticks = server_ticks(process)
                    r = country.run(
                        lambda port=port, encoding=encoding: django_client(port, cookie, encoding),
                        work,
                        args.concurrency,
                        args.seconds,
                    )
                    r["cpu_ms"] = 1000 * (server_ticks(process) - before_ticks) / TICK / max(r["n"], 1)
                    key = f"{name} {encoding}"
                    if key not in results or r["p95_ms"] < results[key]["p95_ms"]:
                        results[key] = r
        levels = gzip_levels(servers["after"][1], cookie, boxes[0])
        print(f"\n## OGC API - Features item pages of {PAGE} plots, {time.strftime('%Y-%m-%d %H:%M')}")
        print(f"machine: {country.machine()}; {load()} at the end")
        print(
            f"data: {built['townships']} townships, {built['plots']:,} plots; {len(work)} pages a run over "
            f"{len(boxes)} townships (the bbox of each, limit={PAGE}); {args.concurrency} clients, gunicorn "
            f"{args.workers} workers"
        )
        print("| | pages/s | p50 ms | p95 ms | KiB/page on the wire | server CPU ms/page | encodings |")
        print("|---|---:|---:|---:|---:|---:|---|")
        for key, r in results.items():
            cpu = f"{r['cpu_ms']:.1f}" if "cpu_ms" in r else ""
            print(
                f"| {key} | {r['tiles_s']:.1f} | {r['p50_ms']:.0f} | {r['p95_ms']:.0f} | {r['kb']:.0f} | {cpu} | "
                f"{r['cache']} |"
            )
        after = results["after gzip"]
        print(
            f"ratio Django (after, gzip)/PostGIS: throughput {after['tiles_s'] / results['postgis']['tiles_s']:.2f}, "
            f"p95 {after['p95_ms'] / results['postgis']['p95_ms']:.2f}x; statuses {after['statuses']}"
        )
        print("gzip levels on one page (ratio of bytes, CPU ms): " + ", ".join(levels))
        if "before identity" in results:
            before = results["before identity"]  # what a gzip-accepting client got before: no gzip was sent
            print(
                f"after (gzip) / before: bytes {after['kb'] / before['kb']:.3f}, server CPU per page "
                f"{after['cpu_ms'] / before['cpu_ms']:.2f}, pages/s {after['tiles_s'] / before['tiles_s']:.2f}; "
                f"after (identity) / before: CPU per page "
                f"{results['after identity']['cpu_ms'] / before['cpu_ms']:.2f}"
            )
    finally:
        for process in gunicorns:
            serve.stop_gunicorn(process)
        log.close()
        country.drop_scratch()


if __name__ == "__main__":
    main()
