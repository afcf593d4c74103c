"""Benchmark: vector tiles through nginx (deploy/nginx/landreg.conf) against Django's own tile cache and raw PostGIS.

On a scratch database (landreg_bench_nginx_tiles, dropped at the end whatever happens), the synthetic country of
bench/tiles.py (its build_country, smaller by default: --per-province 2 and --build-seconds 120), served by the
stack the tests use (tests/ops/nginx_stack.py: gunicorn with 2 gthread workers of 4 threads, HTTPS=true, and nginx
in front with the rendered site file, TLS with a self-signed certificate, the tile cache and the gate). Three
questions:

  1. Cached tiles: nginx's cache (a session cookie, ?v=<current version>, so every request still passes the gate,
     whose answer nginx remembers 5 s per session) against Django's in-process cache (the same tiles straight to
     gunicorn, warmed), both driven by wrk (installed with apt if missing) with keep-alive connections, over the
     same --tiles tiles of the plots at z16.
  2. What authentication costs on a cached tile: the gate with its micro-cache (cookie), the gate asked on every
     tile (HTTP Basic, which nginx never remembers), and signed URLs (secure_link, no question to Django).
  3. Uncached tiles through nginx (gate, miss, Django, PostGIS, store) against the same ST_AsMVT query in PostGIS
     (bench/tiles.py's clients and runs) and against Django straight, at z10-z16: every layer version is bumped
     before each uncached run, so each tile is drawn once.

Run: set -a; . .data/env; set +a; .venv/bin/python bench/nginx_tiles.py [--per-province 2] [--build-seconds 120]
"""

import argparse
import http.client
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from importlib import import_module
from pathlib import Path

import tiles  # bench/tiles.py: the synthetic country, the PostGIS client, the runs
from scratch import create_database

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SCRATCH = "landreg_bench_nginx_tiles"
tiles.SCRATCH = SCRATCH  # bench/tiles.py's helpers read their scratch database's name from here


def ensure_wrk() -> str:
    if shutil.which("wrk") is None:
        subprocess.run(
            ["apt-get", "install", "-y", "-q", "wrk"],
            check=True,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
    return shutil.which("wrk")


WRK_SCRIPT = """
local paths = {%s}
local i = 0
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i])
end
"""


def wrk(base: str, paths: list[str], headers: dict, seconds: float, connections: int, folder: Path) -> dict:
    """wrk over `paths` in turn (2 threads, keep-alive): requests/s, p50 and p99 ms, and answers other than 2xx."""
    script = folder / "paths.lua"
    script.write_text(WRK_SCRIPT % ", ".join(f'"{p}"' for p in paths))
    command = [ensure_wrk(), "-t2", f"-c{connections}", f"-d{seconds:.0f}s", "--latency", "-s", str(script)]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run([*command, base], capture_output=True, text=True, check=True).stdout

    def latency(percentile):
        value, unit = re.search(rf"^\s*{percentile}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50_ms": latency(50),
        "p99_ms": latency(99),
        "non_2xx": int(errors.group(1)) if errors else 0,
    }


def access_log_cache(log: Path, offset: int) -> dict:
    """The cache statuses nginx logged since `offset` (bytes into its access log)."""
    with log.open() as f:
        f.seek(offset)
        found = re.findall(r" cache=(\S+)$", f.read(), re.M)
    return {status: found.count(status) for status in set(found)}


def https_client(stack, path_of, headers: dict):
    """bench/tiles.py's client factory, through nginx over TLS with a keep-alive connection per client."""
    context = stack.tls_context()

    def factory():
        conn = http.client.HTTPSConnection("localhost", stack.https_port, context=context, timeout=120)

        def fetch(z, x, y):
            conn.request("GET", path_of(z, x, y), headers=headers)
            response = conn.getresponse()
            data = response.read()
            return response.status, len(data), response.getheader("X-Cache-Status", "none")

        return fetch, conn.close

    return factory


def gunicorn_client(stack, layer: str, headers: dict):
    """Straight to gunicorn, as nginx would send it (X-Forwarded-Proto: https), keep-alive."""

    def factory():
        conn = http.client.HTTPConnection("127.0.0.1", stack.gunicorn_port, timeout=120)

        def fetch(z, x, y):
            conn.request("GET", f"/tiles/{layer}/{z}/{x}/{y}.mvt", headers=headers)
            response = conn.getresponse()
            data = response.read()
            return response.status, len(data), response.getheader("X-Tile-Cache", "none")

        return fetch, conn.close

    return factory


def current_version(layer: str) -> str:
    from django.db import connection

    from api.tiles.vector import LAYERS, layer_version

    version = layer_version(LAYERS[layer])
    connection.close()
    return version


def signed_query(cookie: str, layer: str, version: str) -> str:
    """The signed tile query of the session in `cookie` (api.tiles.gate.signed_tile_query), with the stack's key."""
    from django.conf import settings
    from django.contrib.auth import SESSION_KEY, get_user_model
    from django.test import RequestFactory, override_settings

    from api.tiles.gate import signed_tile_query
    from tests.ops.nginx_stack import TILE_SIGNING_KEY

    request = RequestFactory().get("/")
    request.session = import_module(settings.SESSION_ENGINE).SessionStore(session_key=cookie.split("=", 1)[1])
    request.user = get_user_model().objects.get(pk=request.session[SESSION_KEY])
    with override_settings(LANDREG_TILE_SIGNING_KEY=TILE_SIGNING_KEY):
        return signed_tile_query(request, layer, version)


def basic_user() -> dict:
    """A GIS specialist logging in with HTTP Basic, as QGIS does (checked once, then remembered by api.auth)."""
    import base64

    from landreg import roles
    from landreg.services import user_create

    password = os.urandom(12).hex()
    user_create(username="bench.qgis", password=password, roles=[roles.GIS_SPECIALIST], national=True)
    return {"Authorization": "Basic " + base64.b64encode(f"bench.qgis:{password}".encode()).decode()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-province", type=int, default=2, help="townships in each of the 34 provinces")
    parser.add_argument("--build-seconds", type=float, default=120, help="stop loading plots after this")
    parser.add_argument("--tiles", type=int, default=100, help="distinct tiles per run")
    parser.add_argument("--seconds", type=float, default=10, help="length of each wrk run and time limit of the others")
    parser.add_argument("--connections", type=int, default=8, help="wrk's keep-alive connections")
    parser.add_argument("--concurrency", type=int, default=4, help="clients of the uncached runs")
    args = parser.parse_args()
    ensure_wrk()
    from tests.ops.nginx_stack import start_stack, stop_stack

    load_before = " ".join(f"{v:.1f}" for v in os.getloadavg())
    tiles.drop_scratch()
    create_database(SCRATCH)
    stack = None
    folder = Path(tempfile.mkdtemp(prefix="bench-nginx-"))
    try:
        os.environ["DATABASE_URL"] = tiles.scratch_url()
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "landreg.settings")
        import django

        django.setup()
        print(f"# building {SCRATCH}: {args.per_province} townships a province", flush=True)
        built = tiles.build_country(args.per_province, args.build_seconds)
        print(built, flush=True)
        cookie = tiles.session_cookie()
        basic = basic_user()
        from django.db import connection

        connection.close()
        stack = start_stack(folder / "stack", SCRATCH, env={"DB_CONN_MAX_AGE": "60"})
        base = f"https://localhost:{stack.https_port}"
        session = {"Cookie": cookie}
        forwarded = {"Cookie": cookie, "X-Forwarded-Proto": "https", "Accept-Encoding": "gzip"}

        # 1 and 2: cached tiles.
        work = tiles.tiles_with_data(16, args.tiles)
        version = current_version("plots")
        plain = [f"/tiles/plots/{z}/{x}/{y}.mvt" for z, x, y in work]
        gated = [f"{p}?v={version}" for p in plain]
        signed = [
            p.replace("/tiles/", "/tiles/signed/", 1) + "?" + signed_query(cookie, "plots", version) for p in plain
        ]
        gzip = {"Accept-Encoding": "gzip"}
        cached = {}
        for _round in range(2):  # the best of two alternating rounds (the machine is shared)
            for name, target, paths, headers in (
                ("django", f"http://127.0.0.1:{stack.gunicorn_port}", plain, forwarded),
                ("gate", base, gated, {**session, **gzip}),
                ("gate_basic", base, gated, {**basic, **gzip}),
                ("signed", base, signed, {**session, **gzip}),
            ):
                wrk(target, paths, headers, 3, args.connections, folder)  # warm every worker and the cache
                offset = stack.nginx_access_log.stat().st_size
                result = wrk(target, paths, headers, args.seconds, args.connections, folder)
                result["cache"] = access_log_cache(stack.nginx_access_log, offset)
                if name not in cached or result["rps"] > cached[name]["rps"]:
                    cached[name] = result
                print(name, result, flush=True)

        # 3: uncached tiles, each drawn once.
        uncached = []
        for layer, z in tiles.RUNS:
            work = tiles.tiles_with_data(z, args.tiles)
            best = {}
            for _round in range(2):
                postgis = tiles.run(tiles.postgis_client(layer), work, args.concurrency, args.seconds)
                tiles.bump_every_layer_version()
                v = current_version(layer)
                through_nginx = tiles.run(
                    https_client(
                        stack,
                        lambda z, x, y, v=v, layer=layer: f"/tiles/{layer}/{z}/{x}/{y}.mvt?v={v}",
                        {**session, **gzip},
                    ),
                    work,
                    args.concurrency,
                    args.seconds,
                )
                tiles.bump_every_layer_version()
                django_direct = tiles.run(
                    gunicorn_client(stack, layer, forwarded), work, args.concurrency, args.seconds
                )
                for name, result in (("postgis", postgis), ("nginx", through_nginx), ("django", django_direct)):
                    if name not in best or result["tiles_s"] > best[name]["tiles_s"]:
                        best[name] = result
            uncached.append((layer, z, best))
            print(layer, z, {k: (round(v["tiles_s"]), v["cache"], v["statuses"]) for k, v in best.items()}, flush=True)

        print(f"\n## Tiles through nginx, {time.strftime('%Y-%m-%d')}")
        print(f"machine: {tiles.machine()}; nginx {nginx_version()}, wrk {args.connections} connections, 2 threads")
        print(
            f"data: {built['townships']} townships ({built['townships_with_plots']} with plots), {built['blocks']:,} "
            f"blocks, {built['plots']:,} plots, database {built['size']}; load average before and after: "
            f"{load_before} / {' '.join(f'{v:.1f}' for v in os.getloadavg())}"
        )
        print(
            f"\n### Cached plot tiles at z16 ({len(plain)} tiles in turn, {args.seconds:.0f} s, best of two rounds)\n"
        )
        print("| path | requests/s | p50 / p99 ms | non-2xx | nginx cache | ratio to Django's cache |")
        print("|---|---:|---:|---:|---|---:|")
        labels = {
            "django": "Django's in-process cache (gunicorn, no nginx)",
            "gate": "nginx cache, gate remembered 5 s per session (cookie)",
            "gate_basic": "nginx cache, gate asked on every tile (HTTP Basic)",
            "signed": "nginx cache, signed URL (secure_link)",
        }
        for name, label in labels.items():
            r = cached[name]
            print(
                f"| {label} | {r['rps']:.0f} | {r['p50_ms']:.2f} / {r['p99_ms']:.2f} | {r['non_2xx']} | "
                f"{' '.join(f'{k} {v}' for k, v in sorted(r['cache'].items())) or '-'} | "
                f"{r['rps'] / cached['django']['rps']:.1f} |"
            )
        print(f"\n### Uncached tiles ({args.concurrency} clients, each tile drawn once, best of two rounds)\n")
        print(
            "| layer | z | tiles | KiB/tile | PostGIS tiles/s | nginx → Django tiles/s | p50 / p95 ms | ratio "
            "| Django straight tiles/s | ratio | nginx misses |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for layer, z, best in uncached:
            p, n, d = best["postgis"], best["nginx"], best["django"]
            print(
                f"| {layer} | {z} | {p['n']} | {p['kb']:.1f} | {p['tiles_s']:.0f} | {n['tiles_s']:.0f} | "
                f"{n['p50_ms']:.1f} / {n['p95_ms']:.1f} | {n['tiles_s'] / p['tiles_s']:.2f} | {d['tiles_s']:.0f} | "
                f"{d['tiles_s'] / p['tiles_s']:.2f} | {n['cache'].get('MISS', 0)} of {n['n']} |"
            )
    finally:
        if stack is not None:
            stop_stack(stack)
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: BLE001 (Django may not be set up yet)
            pass
        tiles.drop_scratch()
        shutil.rmtree(folder, ignore_errors=True)


def nginx_version() -> str:
    out = subprocess.run(["nginx", "-v"], capture_output=True, text=True).stderr
    return out.strip().split("/")[-1]


if __name__ == "__main__":
    main()
