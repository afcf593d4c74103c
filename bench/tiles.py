"""Benchmark: vector tiles through Django (gunicorn) against the same ST_AsMVT query straight in PostGIS.

Never touches the real database. It creates the scratch database landreg_bench_tiles next to it, migrates it,
loads the 34 provinces (`load_provinces`), and builds a national-scale synthetic layout with set-based SQL:
--per-province townships (default 9, so 306) at random points inside each province (ST_GeneratePoints), each
a 1,270 m square in its UTM zone with 34 blocks of 10 × 10 plots of 20 m × 20 m (3,400 plots a township,
1,040,400 in all). Plots go in one INSERT ... SELECT generate_series per township, with every trigger on: the
land rules (validity, inside block and township, no overlap, area in UTM) and the history. Two connections
load townships side by side; loading stops after --build-seconds and the benchmark runs on what was loaded.

Then, for each layer and zoom the web map asks for (township points at z5 and z8, townships and provinces at
z10, townships and blocks at z12, blocks and plots at z14, plots at z16, z17 and z18), over up to --tiles tiles
that hold data (the tiles of the townships' centres):
  1. PostGIS: the tile query of api/tiles/vector.py (the same function), --concurrency psycopg2 connections;
     for a tile that carries label points (plots from z16, provinces to z10), the same query without them too,
     in the same rounds: what the labels cost in size and time;
  2. Django uncached: GET /tiles/<layer>/<z>/<x>/<y>.mvt?v=<layer version> on gunicorn (--workers: 2, then 4
     sync workers; 127.0.0.1 only) with a session cookie, as the map asks, every layer version bumped first so
     no tile is in the cache;
  3. Django cached: the first 100 of those tiles, warmed, then asked again and again (the answer says hit or
     miss in X-Tile-Cache; each gunicorn worker has its own in-process cache).
Each run is bounded by its number of tiles and by --seconds; the three alternate twice and the best of each
is kept (the machine is shared). Tiles/s, p50 and p95 latency, the ratio to PostGIS in the same round, and the
CPU the gunicorn workers spent per tile (user + system, from /proc: what is left in Django and gunicorn).
--runs picks layers and zooms (e.g. `plots:18,blocks:14`) for a shorter run.
The scratch database is dropped at the end, whatever happens.

Run: set -a; . .data/env; set +a; .venv/bin/python bench/tiles.py [--per-province 9] [--build-seconds 2400]
"""

import argparse
import http.client
import math
import os
import platform
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from importlib import import_module
from pathlib import Path
from urllib.parse import urlencode

import psycopg2
from scratch import connection_params, create_database, database_url, drop_database
from serve import free_port, stop_gunicorn
from serve import start_gunicorn as _start

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SCRATCH = "landreg_bench_tiles"
PLOT = 20.0  # metres
BLOCK_PLOTS = 10  # a block is 10 × 10 plots
BLOCKS = 34  # blocks a township, on a 6 × 6 grid of 210 m (200 m of plots and a street)
BLOCK_PITCH = 210.0
TOWNSHIP_SIDE = 10 + 6 * BLOCK_PITCH  # 1,270 m
RUNS = [("township-points", 5), ("township-points", 8), ("townships", 10), ("provinces", 10), ("townships", 12)]
RUNS += [("blocks", 12), ("blocks", 14), ("plots", 14), ("plots", 16), ("plots", 17), ("plots", 18)]
CACHED_TILES = 100  # fewer than the 300 entries of Django's default LocMemCache, per worker


# --- the scratch database ---------------------------------------------------------------------------------------


def scratch_url() -> str:
    return database_url(SCRATCH)


def drop_scratch() -> None:
    drop_database(SCRATCH)


def scratch_connection(autocommit=True):
    conn = psycopg2.connect(**connection_params(SCRATCH))
    conn.autocommit = autocommit
    return conn


# --- the synthetic country ----------------------------------------------------------------------------------------

SITES = """
CREATE TABLE bench_site AS
SELECT 'BT-' || p.pcode || '-' || d.path[1] AS code, p.id AS province_id, p.name_en || ' ' || d.path[1] AS name,
       landreg_utm_srid(d.geom) AS srid,
       ST_X(ST_Transform(d.geom, landreg_utm_srid(d.geom))) AS x,
       ST_Y(ST_Transform(d.geom, landreg_utm_srid(d.geom))) AS y
  FROM parcels_adminarea p, LATERAL ST_Dump(ST_GeneratePoints(p.geom, %(per_province)s, 42)) AS d
 WHERE p.level = 'province'
"""
TOWNSHIPS = """
INSERT INTO townships_township (code, name, name_prs, name_ps, province_id, legal_basis, geom, status,
                                planned_services, is_demo, created_at, updated_at)
SELECT s.code, 'Bench ' || s.name, '', '', s.province_id, 'decree_305_2018',
       ST_Multi(ST_Transform(ST_MakeEnvelope(s.x, s.y, s.x + %(side)s, s.y + %(side)s, s.srid), 4326)),
       'open', '', true, now(), now()
  FROM bench_site s
"""
# Blocks are 1 m wider than their plots on every side, so no plot corner sits on a reprojected edge.
BLOCKS_SQL = """
INSERT INTO townships_block (township_id, code, geom, created_at, updated_at)
SELECT t.id, chr(65 + b / 6) || (b %% 6 + 1),
       ST_Transform(ST_MakeEnvelope(s.x + 9 + (b %% 6) * %(pitch)s, s.y + 9 + (b / 6) * %(pitch)s,
                                    s.x + 11 + (b %% 6) * %(pitch)s + %(block)s,
                                    s.y + 11 + (b / 6) * %(pitch)s + %(block)s, s.srid), 4326),
       now(), now()
  FROM bench_site s JOIN townships_township t ON t.code = s.code, generate_series(0, %(blocks)s - 1) AS b
"""
PLOTS = """
INSERT INTO townships_plot (township_id, block_id, number, geom, use, status, created_at, updated_at)
SELECT t.id, bl.id, bl.code || '-' || (k + 1),
       ST_Transform(ST_MakeEnvelope(o.x + (k %% 10) * %(plot)s, o.y + (k / 10) * %(plot)s,
                                    o.x + (k %% 10 + 1) * %(plot)s, o.y + (k / 10 + 1) * %(plot)s, s.srid), 4326),
       CASE WHEN k %% 25 = 0 THEN 'public' WHEN k %% 25 = 1 THEN 'commercial' ELSE 'residential' END,
       (ARRAY['available', 'available', 'allocated', 'allocated', 'handed_over', 'occupied', 'planned',
              'reserved', 'disputed', 'available'])[1 + (k * 7 + bl.id) %% 10],
       now(), now()
  FROM bench_site s
  JOIN townships_township t ON t.code = s.code
  JOIN townships_block bl ON bl.township_id = t.id
  -- the block's corner, from its code: row letter A-F, column 1-6 (see BLOCKS_SQL)
  CROSS JOIN LATERAL (SELECT s.x + 10 + (substr(bl.code, 2)::int - 1) * %(pitch)s AS x,
                             s.y + 10 + (ascii(bl.code) - 65) * %(pitch)s AS y) AS o
  CROSS JOIN generate_series(0, 99) AS k
 WHERE t.id = %(township)s
"""


def build_country(per_province: int, build_seconds: float) -> dict:
    """Provinces, townships, blocks and as many plots as fit in build_seconds; returns counts and timings."""
    from django.core.management import call_command
    from django.db import connection

    assert connection.settings_dict["NAME"] == SCRATCH, "refusing to build benchmark data outside the scratch database"
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("load_provinces", stdout=open(os.devnull, "w"))  # noqa: SIM115
    migrated = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(SITES, {"per_province": per_province})
        cursor.execute(TOWNSHIPS, {"side": TOWNSHIP_SIDE})
        cursor.execute(BLOCKS_SQL, {"pitch": BLOCK_PITCH, "block": BLOCK_PLOTS * PLOT, "blocks": BLOCKS})
        cursor.execute("SELECT id FROM townships_township ORDER BY id")
        townships = [row[0] for row in cursor.fetchall()]
    connection.close()
    laid_out = time.perf_counter()

    # Two loaders side by side: each township takes its own advisory lock, so they never wait for each other.
    queue = list(townships)
    lock = threading.Lock()
    loaded = []
    deadline = time.monotonic() + build_seconds

    def loader():
        conn = scratch_connection(autocommit=True)
        try:
            with conn.cursor() as cursor:
                while time.monotonic() < deadline:
                    with lock:
                        if not queue:
                            return
                        township = queue.pop(0)
                    cursor.execute(PLOTS, {"plot": PLOT, "pitch": BLOCK_PITCH, "township": township})
                    with lock:
                        loaded.append(cursor.rowcount)
                        if len(loaded) % 25 == 0:
                            rate = sum(loaded) / (time.perf_counter() - laid_out)
                            print(f"  {len(loaded)} townships, {sum(loaded):,} plots, {rate:,.0f} plots/s", flush=True)
        finally:
            conn.close()

    threads = [threading.Thread(target=loader) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    plotted = time.perf_counter()
    conn = scratch_connection()
    with conn.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("SELECT count(*) FROM townships_township")
        n_townships = cursor.fetchone()[0]
        cursor.execute("SELECT count(*), count(DISTINCT township_id) FROM townships_plot")
        n_plots, n_plotted = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM townships_block")
        n_blocks = cursor.fetchone()[0]
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        size = cursor.fetchone()[0]
    conn.close()
    return {
        "townships": n_townships,
        "townships_with_plots": n_plotted,
        "blocks": n_blocks,
        "plots": n_plots,
        "size": size,
        "migrate_s": migrated - started,
        "layout_s": laid_out - migrated,
        "plots_s": plotted - laid_out,
        "vacuum_s": time.perf_counter() - plotted,
    }


def session_cookie() -> str:
    """A logged-in GIS specialist, as after the login form (a partner would need a data-sharing agreement)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from landreg import roles
    from landreg.services import roles_sync, user_create

    roles_sync()
    user = user_create(username="bench.gis", password=os.urandom(12).hex(), roles=[roles.GIS_SPECIALIST], national=True)
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"sessionid={session.session_key}"


def tiles_with_data(z: int, limit: int) -> list[tuple[int, int, int]]:
    """The tiles of the townships' centres that have plots, in a fixed shuffled order."""
    conn = scratch_connection()
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_Centroid(t.geom) AS c FROM townships_township t "
            "WHERE EXISTS (SELECT 1 FROM townships_plot p WHERE p.township_id = t.id) ORDER BY md5(t.code)) AS centres"
        )
        centres = cursor.fetchall()
    conn.close()
    found = []
    for lon, lat in centres:
        n = 2**z
        tile = (z, int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n))
        if tile not in found:
            found.append(tile)
    return found[:limit]


# --- gunicorn -----------------------------------------------------------------------------------------------------


def start_gunicorn(workers: int, port: int, log):
    return _start(scratch_url(), workers, port, log, probe="/tiles/provinces.json")


# --- the runs -----------------------------------------------------------------------------------------------------


def run(fetch_factory, work: list, concurrency: int, seconds: float) -> dict:
    """Fetch every item of work with `concurrency` clients, stopping after `seconds`; tiles/s and latencies."""
    work = list(work)
    lock = threading.Lock()
    latencies, sizes, statuses, tags = [], [], {}, {}
    ready = threading.Barrier(concurrency + 1)  # connections are made and warmed before the clock starts
    deadline = [math.inf]  # until the clock starts

    def client():
        fetch, close = fetch_factory()
        try:
            fetch(*work[0])
            ready.wait()
            while time.monotonic() < deadline[0]:
                with lock:
                    if not work:
                        return
                    item = work.pop()
                start = time.perf_counter()
                status, size, tag = fetch(*item)
                elapsed = time.perf_counter() - start
                with lock:
                    latencies.append(elapsed)
                    sizes.append(size)
                    statuses[status] = statuses.get(status, 0) + 1
                    tags[tag] = tags.get(tag, 0) + 1
        finally:
            close()

    with ThreadPoolExecutor(concurrency) as pool:
        futures = [pool.submit(client) for _ in range(concurrency)]
        ready.wait(timeout=120)
        start = time.perf_counter()
        deadline[0] = time.monotonic() + seconds
        for future in futures:
            future.result()
    wall = time.perf_counter() - start
    latencies.sort()
    return {
        "n": len(latencies),
        "tiles_s": len(latencies) / wall if wall else 0.0,
        "p50_ms": 1000 * statistics.median(latencies) if latencies else 0.0,
        "p95_ms": 1000 * latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))] if latencies else 0.0,
        "kb": statistics.mean(sizes) / 1024 if sizes else 0.0,
        "statuses": statuses,
        "cache": tags,
    }


def postgis_client(layer_name: str, labels: bool = True):
    from api.tiles.vector import LAYERS, tile_sql

    layer = LAYERS[layer_name]

    def factory():
        conn = scratch_connection()
        cursor = conn.cursor()

        def fetch(z, x, y):
            cursor.execute(tile_sql(layer, z, labels=labels), {"z": z, "x": x, "y": y})
            data = cursor.fetchone()[0]
            return (200 if data else 204), len(data or b""), "postgis"

        return fetch, conn.close

    return factory


def current_version(layer_name: str) -> str:
    """The layer's version, which the map puts in its tile URLs (`?v=`)."""
    from api.tiles.vector import LAYERS

    conn = scratch_connection()
    with conn.cursor() as cursor:
        cursor.execute("SELECT landreg_layer_versions(%s)", [list(LAYERS[layer_name].versions)])
        version = cursor.fetchone()[0]
    conn.close()
    return version


def django_client(layer_name: str, port: int, cookie: str):
    def factory():
        query = urlencode({"v": current_version(layer_name)}, safe=":.")

        def fetch(z, x, y):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            try:
                conn.request("GET", f"/tiles/{layer_name}/{z}/{x}/{y}.mvt?{query}", headers={"Cookie": cookie})
                response = conn.getresponse()
                data = response.read()
            finally:
                conn.close()
            return response.status, len(data), response.getheader("X-Tile-Cache", "none")

        return fetch, lambda: None

    return factory


def has_labels(layer: str, z: int) -> bool:
    from api.tiles.vector import LAYERS

    labels = LAYERS[layer].labels
    return labels is not None and labels.minzoom <= z <= labels.maxzoom


def workers_cpu_seconds(master: int) -> float:
    """User + system CPU seconds spent so far by the gunicorn workers (the children of `master`)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master:  # fields[1] is the parent's pid; utime and stime are fields 14 and 15
            total += int(fields[11]) + int(fields[12])
    return total / tick


def cpu_run(master: int, *run_args) -> dict:
    """run(), with the workers' CPU per tile (ms)."""
    before = workers_cpu_seconds(master)
    result = run(*run_args)
    result["cpu_ms"] = 1000 * (workers_cpu_seconds(master) - before) / max(1, result["n"])
    return result


def measure(
    layer: str, z: int, port: int, cookie: str, workers: int, args, master: int
) -> tuple[dict, dict, dict, dict | None]:
    """PostGIS, Django uncached and Django cached on the same tiles, and PostGIS without the label points when
    the tile has them; two alternating rounds, the best of each."""
    work = tiles_with_data(z, args.tiles)
    few = work[:CACHED_TILES]
    for warm in work[:4]:  # every worker and its connection has loaded PostGIS and PROJ
        run(django_client(layer, port, cookie), [warm] * workers * 2, workers, 10)
    best = {}
    for _round in range(2):
        if has_labels(layer, z):
            unlabelled = run(postgis_client(layer, labels=False), work, args.concurrency, args.seconds)
            if "unlabelled" not in best or unlabelled["tiles_s"] > best["unlabelled"]["tiles_s"]:
                best["unlabelled"] = unlabelled
        postgis = run(postgis_client(layer), work, args.concurrency, args.seconds)
        bump_every_layer_version()
        uncached = cpu_run(master, django_client(layer, port, cookie), work, args.concurrency, args.seconds)
        run(django_client(layer, port, cookie), few * 3, args.concurrency, args.seconds)  # warm every worker
        cached = cpu_run(
            master, django_client(layer, port, cookie), few * args.cached_passes, args.concurrency, args.seconds
        )
        for name, result in (("postgis", postgis), ("uncached", uncached), ("cached", cached)):
            if name not in best or result["tiles_s"] > best[name]["tiles_s"]:
                best[name] = result
    return best["postgis"], best["uncached"], best["cached"], best.get("unlabelled")


def bump_every_layer_version() -> None:
    """New keys for every tile: what an edit does, without editing."""
    conn = scratch_connection()
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(format('townships_layer_version_%s', name)::regclass) "
            "FROM unnest(ARRAY['townships', 'blocks', 'plots', 'facilities', 'admin_areas']) AS name"
        )
    conn.close()


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = next(
        int(line.split()[1]) // 1024**2
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    conn = scratch_connection()
    with conn.cursor() as cursor:
        cursor.execute("SELECT current_setting('server_version'), postgis_lib_version(), postgis_geos_version()")
        pg, postgis, geos = cursor.fetchone()
    conn.close()
    return f"{os.cpu_count()} cores ({cpu}), {memory} GiB, PostgreSQL {pg}, PostGIS {postgis}, GEOS {geos}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-province", type=int, default=9, help="townships in each of the 34 provinces")
    parser.add_argument("--build-seconds", type=float, default=2400, help="stop loading plots after this")
    parser.add_argument("--tiles", type=int, default=300, help="distinct tiles per layer and zoom")
    parser.add_argument("--seconds", type=float, default=40, help="time limit of each run")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", default="2,4", help="gunicorn sync workers; a list runs each in turn")
    parser.add_argument("--cached-passes", type=int, default=5)
    parser.add_argument("--runs", default="", help="layer:zoom,... (default: every layer and zoom the map asks for)")
    args = parser.parse_args()

    load_before = " ".join(f"{v:.1f}" for v in os.getloadavg())
    drop_scratch()
    create_database(SCRATCH)
    gunicorn = None
    log = open(ROOT / ".data" / "bench_tiles_gunicorn.log", "w")  # noqa: SIM115
    try:
        os.environ["DATABASE_URL"] = scratch_url()
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "landreg.settings")
        import django

        django.setup()
        print(f"# building {SCRATCH}: {args.per_province} townships a province, {BLOCKS * 100} plots each", flush=True)
        built = build_country(args.per_province, args.build_seconds)
        print(built, flush=True)
        cookie = session_cookie()
        from django.db import connection

        connection.close()
        results = []
        for workers in [int(w) for w in args.workers.split(",")]:
            port = free_port()
            gunicorn = start_gunicorn(workers, port, log)
            runs = [(name, int(z)) for name, z in (r.split(":") for r in args.runs.split(","))] if args.runs else RUNS
            for layer, z in runs:
                results.append((workers, layer, z, *measure(layer, z, port, cookie, workers, args, gunicorn.pid)))
                print(results[-1], flush=True)
            if workers != int(args.workers.split(",")[-1]):
                stop_gunicorn(gunicorn)
                gunicorn = None

        timings = {}
        for name in ("plots", "provinces"):  # TileJSON: the extent of the layer's data, once per version
            bump_every_layer_version()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
            start = time.perf_counter()
            conn.request("GET", f"/tiles/{name}.json", headers={"Cookie": cookie})
            conn.getresponse().read()
            timings[name] = time.perf_counter() - start
            conn.close()

        print(f"\n## Vector tiles, {time.strftime('%Y-%m-%d')}")
        print(f"machine: {machine()}")
        print(
            f"data: {built['townships']} townships ({built['townships_with_plots']} with plots), {built['blocks']:,} "
            f"blocks, {built['plots']:,} plots, database {built['size']}; plots loaded in {built['plots_s']:.0f} s "
            f"({built['plots'] / built['plots_s']:,.0f} plots/s, rules and history on), layout "
            f"{built['layout_s']:.1f} s, migrate + provinces {built['migrate_s']:.0f} s, VACUUM ANALYZE "
            f"{built['vacuum_s']:.0f} s"
        )
        print(
            f"{args.concurrency} concurrent clients; best of two alternating rounds; load average before and after: "
            f"{load_before} / {' '.join(f'{v:.1f}' for v in os.getloadavg())}; TileJSON (uncached) "
            + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in timings.items())
        )
        print()
        print(
            "| workers | layer | z | tiles | KiB/tile | PostGIS tiles/s | p50 / p95 ms | Django uncached tiles/s "
            "| p50 / p95 ms | ratio | CPU ms/tile | Django cached tiles/s | p50 / p95 ms | cache hits | ratio "
            "| CPU ms/tile |"
        )
        print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for workers, layer, z, postgis, uncached, cached, _unlabelled in results:
            hits = cached["cache"].get("hit", 0) / max(1, cached["n"])
            print(
                f"| {workers} | {layer} | {z} | {postgis['n']} | {postgis['kb']:.1f} | {postgis['tiles_s']:.0f} | "
                f"{postgis['p50_ms']:.1f} / {postgis['p95_ms']:.1f} | {uncached['tiles_s']:.0f} | "
                f"{uncached['p50_ms']:.1f} / {uncached['p95_ms']:.1f} | "
                f"{uncached['tiles_s'] / postgis['tiles_s']:.2f} | {uncached['cpu_ms']:.2f} | "
                f"{cached['tiles_s']:.0f} | "
                f"{cached['p50_ms']:.1f} / {cached['p95_ms']:.1f} | {hits:.0%} | "
                f"{cached['tiles_s'] / postgis['tiles_s']:.2f} | {cached['cpu_ms']:.2f} |"
            )
        print()
        print("Label points (one a plot or province, in the one tile that holds it), PostGIS, same rounds:")
        print()
        print("| workers | layer | z | KiB/tile without | with | ratio | tiles/s without | with | ratio |")
        print("|---:|---|---:|---:|---:|---:|---:|---:|---:|")
        for workers, layer, z, postgis, _uncached, _cached, unlabelled in results:
            if unlabelled:
                size, speed = postgis["kb"] / unlabelled["kb"], postgis["tiles_s"] / unlabelled["tiles_s"]
                print(
                    f"| {workers} | {layer} | {z} | {unlabelled['kb']:.1f} | {postgis['kb']:.1f} | {size:.2f} | "
                    f"{unlabelled['tiles_s']:.0f} | {postgis['tiles_s']:.0f} | {speed:.2f} |"
                )
    finally:
        if gunicorn is not None:
            stop_gunicorn(gunicorn)
        log.close()
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: BLE001 (Django may not be set up yet)
            pass
        drop_scratch()


if __name__ == "__main__":
    main()
