"""Benchmark: landreg against its peers, TiPg and pygeoapi, side by side on the same PostGIS data.

The peers are installed from PyPI, at the pinned versions below, into their own virtualenvs under
.data/bench-peers/ (made once, then reused; nothing of theirs enters the repository). The data is the synthetic
country of bench/tiles.py in the scratch database landreg_bench_peers (default: one township a province, 34
townships, 115,600 plots, every rule and the history on); with --reuse an existing one is kept and used again.
Three servers on 127.0.0.1, each with 2 worker processes, against that one database:
  - landreg: gunicorn (sync workers, as deployed) with its in-process tile cache turned off (the peers cache
    nothing on the server), asked as a logged-in GIS specialist (a session cookie);
  - TiPg: uvicorn (`tipg.main:app`), the plots table `public.townships_plot` as it is, no login;
  - pygeoapi: gunicorn (`pygeoapi.flask_app:APP`) with a generated configuration: the plots table through its
    PostgreSQL feature provider and its MVT-postgresql tile provider, no login, `gzip: true`.
The same load generator (wrk, --connections clients, Accept-Encoding: gzip, each client walks the same shuffled
list of URLs) asks each in turn, in --rounds alternating rounds (the best of each is kept):
  1. vector tiles of the plots at z14 and z16: every tile that meets a township;
  2. OGC API - Features item pages of 1,000 plots: the bbox of each township, limit=1000.
Requests/s, p50/p95 latency, bytes on the wire per response (headers included, gzip where the server sends it),
CPU per request of the server's processes and of the database backends serving it (/proc ticks), and the ratios
landreg/peer measured in the same rounds. The servers are stopped and the scratch database dropped at the end.

Run: set -a; . .data/env; set +a; .venv/bin/python bench/peers.py [--per-province 1] [--seconds 20] [--reuse]
"""

import argparse
import gzip
import http.client
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import scratch  # noqa: E402
import serve  # noqa: E402
import tiles as country  # noqa: E402  (the synthetic country of bench/tiles.py)

country.SCRATCH = "landreg_bench_peers"  # its own scratch database: other benches may run at the same time
VENVS = serve.ROOT / ".data" / "bench-peers"
PYTHON = "3.11"  # pyenv's, or python3.11 on the PATH
PEERS = {
    "tipg": ["tipg==1.6.1", "uvicorn==0.34.0"],
    "pygeoapi": [
        "pygeoapi==0.21.0",
        "gunicorn==23.0.0",
        "SQLAlchemy==2.0.58",
        "GeoAlchemy2==0.20.0",
        "psycopg2-binary==2.9.13",
        "pygeofilter[backend-sqlalchemy]==0.4.0",
    ],
}
TICK = os.sysconf("SC_CLK_TCK")
PAGE = 1000
ZOOMS = (14, 16)
WORKERS = 2
CHECKED = 4  # URLs of each kind asked once with and once without gzip, for the sizes of the bodies

# wrk: each connection walks the list from its own place; done() prints one JSON line to parse.
WRK_SCRIPT = """
local paths = %(paths)s
local headers = %(headers)s
local started = 0
local i = 0
setup = function(thread)
  thread:set("first", started)
  started = started + 1
end
init = function(args)
  i = (first * 7919) %% #paths
end
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i], headers)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRK {"requests": %%d, "bytes": %%d, "duration_us": %%d, "p50_us": %%d, "p95_us": %%d, '
    .. '"status_errors": %%d, "socket_errors": %%d}\\n', summary.requests, summary.bytes, summary.duration,
    latency:percentile(50), latency:percentile(95), e.status, e.connect + e.read + e.write + e.timeout))
end
"""


# --- the peers' virtualenvs -------------------------------------------------------------------------------------


def python_for_venvs() -> str:
    pyenv = shutil.which("pyenv")
    if pyenv:
        found = subprocess.run([pyenv, "prefix", PYTHON], capture_output=True, text=True)
        if found.returncode == 0:
            return str(Path(found.stdout.strip().splitlines()[-1]) / "bin" / "python3")
    found = shutil.which(f"python{PYTHON}")
    if not found:
        raise SystemExit(f"needs Python {PYTHON} (pyenv or python{PYTHON} on the PATH) for the peers' virtualenvs")
    return found


def ensure_venv(name: str) -> Path:
    """The peer's virtualenv with exactly its pinned packages, made once (a stamp file says what is in it)."""
    venv = VENVS / name
    stamp = venv / "bench-peers-requirements.txt"
    wanted = "\n".join(PEERS[name]) + "\n"
    if stamp.exists() and stamp.read_text() == wanted:
        return venv
    print(f"# installing {name} into {venv}: {', '.join(PEERS[name])}", flush=True)
    VENVS.mkdir(parents=True, exist_ok=True)
    subprocess.run([python_for_venvs(), "-m", "venv", "--clear", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", *PEERS[name]], check=True)
    stamp.write_text(wanted)
    return venv


def installed(venv: Path, package: str) -> str:
    found = subprocess.run(
        [str(venv / "bin" / "python"), "-c", f"import importlib.metadata as m; print(m.version('{package}'))"],
        capture_output=True,
        text=True,
    )
    return found.stdout.strip() or "?"


# --- the servers ----------------------------------------------------------------------------------------------


def socket_params() -> dict:
    return scratch.connection_params(country.SCRATCH)


def wait_for(process, port: int, probe: str, log) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"a server exited with {process.returncode}; see {log.name}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", probe)
            status = conn.getresponse().status
            conn.close()
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"no answer on {probe} within 120 s; see {log.name}")


def start_landreg(port: int, log):
    # The peers cache nothing on the server: landreg's in-process tile cache is turned off (peers_settings).
    env = {"DJANGO_SETTINGS_MODULE": "peers_settings", "PYTHONPATH": f"{serve.ROOT}:{Path(__file__).parent}"}
    return serve.start_gunicorn(country.scratch_url(), WORKERS, port, log, probe="/ogc/", env=env)


def start_tipg(port: int, log):
    params = socket_params()
    host = urllib.parse.quote(params.get("host", "localhost"), safe="")  # a socket directory, percent-encoded
    auth = urllib.parse.quote(params.get("user", ""), safe="")
    if params.get("password"):
        auth += ":" + urllib.parse.quote(params["password"], safe="")
    port_part = f":{params['port']}" if params.get("port") else ""
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),
        "DATABASE_URL": f"postgresql://{auth}@{host}{port_part}/{country.SCRATCH}",
        "TIPG_DB_TABLES": json.dumps(["public.townships_plot"]),
        "TIPG_DB_SCHEMAS": json.dumps(["public"]),
    }
    venv = ensure_venv("tipg")
    process = subprocess.Popen(
        [str(venv / "bin" / "uvicorn"), "tipg.main:app", "--host", "127.0.0.1", "--port", str(port)]
        + ["--workers", str(WORKERS), "--no-access-log", "--log-level", "warning"],
        cwd=VENVS,
        env=env,
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    wait_for(process, port, "/collections/public.townships_plot", log)
    return process


def pygeoapi_config(port: int) -> dict:
    params = socket_params()
    data = {
        "host": params.get("host", "localhost"),
        "port": params.get("port", 5432),
        "dbname": country.SCRATCH,
        "user": params.get("user", ""),
        "password": params.get("password", ""),
        "search_path": ["public"],
    }
    table = {"data": data, "id_field": "id", "table": "townships_plot", "geom_field": "geom"}
    text = "bench"
    return {
        "server": {
            "bind": {"host": "127.0.0.1", "port": port},
            "url": f"http://127.0.0.1:{port}",
            "mimetype": "application/json; charset=UTF-8",
            "encoding": "utf-8",
            "gzip": True,
            "languages": ["en-US"],
            "pretty_print": False,
            "limits": {"default_items": 10, "max_items": 10000},
            "map": {"url": "http://127.0.0.1/no-basemap/{z}/{x}/{y}.png", "attribution": text},
        },
        "logging": {"level": "ERROR"},
        "metadata": {
            "identification": {
                "title": text,
                "description": text,
                "keywords": [text],
                "keywords_type": "theme",
                "terms_of_service": text,
                "url": "http://127.0.0.1",
            },
            "license": {"name": text, "url": "http://127.0.0.1"},
            "provider": {"name": text, "url": "http://127.0.0.1"},
            "contact": {"name": text, "position": text, "email": "bench@example.org", "role": "pointOfContact"},
        },
        "resources": {
            "plots": {
                "type": "collection",
                "title": "plots",
                "description": "townships_plot, as it is",
                "keywords": ["plots"],
                "extents": {
                    "spatial": {"bbox": [60, 29, 75, 39], "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}
                },
                "providers": [
                    {"type": "feature", "name": "PostgreSQL", **table},
                    {
                        "type": "tile",
                        "name": "MVT-postgresql",
                        **table,
                        "options": {"zoom": {"min": 0, "max": 22}},
                        "format": {"name": "pbf", "mimetype": "application/vnd.mapbox-vector-tile"},
                    },
                ],
            }
        },
    }


def start_pygeoapi(port: int, log, workdir: Path):
    venv = ensure_venv("pygeoapi")
    config = workdir / "pygeoapi-config.yml"
    config.write_text(json.dumps(pygeoapi_config(port), indent=1))  # JSON is YAML
    openapi = workdir / "pygeoapi-openapi.yml"
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),
        "PYGEOAPI_CONFIG": str(config),
        "PYGEOAPI_OPENAPI": str(openapi),
    }
    subprocess.run(
        [str(venv / "bin" / "pygeoapi"), "openapi", "generate", str(config), "--output-file", str(openapi)],
        env=env,
        stdout=log,
        stderr=log,
        check=True,
    )
    process = subprocess.Popen(
        [str(venv / "bin" / "gunicorn"), "pygeoapi.flask_app:APP", "--workers", str(WORKERS)]
        + ["--bind", f"127.0.0.1:{port}", "--timeout", "120"],
        cwd=workdir,
        env=env,
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    wait_for(process, port, "/collections/plots?f=json", log)
    return process


def stop(process) -> None:
    if process is not None:
        serve.stop_gunicorn(process)  # SIGTERM, then SIGKILL to its process group


# --- what is asked ------------------------------------------------------------------------------------------------


def tiles_meeting_townships(z: int, limit: int) -> list[tuple[int, int, int]]:
    """Every tile at z that meets a township with plots, shuffled (fixed seed), at most `limit`."""
    conn = country.scratch_connection()
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT geom::box2d AS e "
            "FROM townships_township t WHERE EXISTS (SELECT 1 FROM townships_plot p WHERE p.township_id = t.id)) x"
        )
        boxes = cursor.fetchall()
    conn.close()
    n = 2**z

    def tx(lon):
        return int((lon + 180) / 360 * n)

    def ty(lat):
        return int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)

    found = set()
    for xmin, ymin, xmax, ymax in boxes:
        for x in range(tx(xmin), tx(xmax) + 1):
            for y in range(ty(ymax), ty(ymin) + 1):
                found.add((z, x, y))
    found = sorted(found)
    random.Random(z).shuffle(found)
    return found[:limit]


def township_boxes() -> list[str]:
    conn = country.scratch_connection()
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT concat_ws(',', ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)) FROM (SELECT geom::box2d AS e "
            "FROM townships_township t WHERE EXISTS (SELECT 1 FROM townships_plot p WHERE p.township_id = t.id)) x"
        )
        boxes = [row[0] for row in cursor.fetchall()]
    conn.close()
    random.Random(7).shuffle(boxes)
    return boxes


def urls(server: str, kind: str, tiles: dict, boxes: list[str]) -> list[str]:
    if kind == "items":
        path = {
            "landreg": "/ogc/collections/plots/items?limit=%d&bbox=%s",
            "tipg": "/collections/public.townships_plot/items?limit=%d&bbox=%s",
            "pygeoapi": "/collections/plots/items?f=json&limit=%d&bbox=%s",
        }[server]
        return [path % (PAGE, box) for box in boxes]
    path = {
        "landreg": "/tiles/plots/{z}/{x}/{y}.mvt",
        "tipg": "/collections/public.townships_plot/tiles/WebMercatorQuad/{z}/{x}/{y}",
        "pygeoapi": "/collections/plots/tiles/WebMercatorQuad/{z}/{y}/{x}?f=mvt",  # tileMatrix/tileRow/tileCol
    }[server]
    return [path.format(z=z, x=x, y=y) for z, x, y in tiles[int(kind[1:])]]


def headers_for(server: str, cookie: str, encoding: str) -> dict:
    headers = {"Accept-Encoding": encoding, "Accept": "application/geo+json, application/vnd.mapbox-vector-tile, */*"}
    if server == "landreg":
        headers["Cookie"] = cookie
    return headers


def check(server: str, port: int, paths: list[str], headers: dict, kind: str) -> dict:
    """The first CHECKED URLs once with gzip and once without: statuses, body bytes, encodings, features in the
    first page (a pygeoapi tile can take many seconds: see the report)."""
    paths = paths[:CHECKED]
    found = {"statuses": {}, "gzip_bytes": 0, "identity_bytes": 0, "encodings": set(), "features": None}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    for i, path in enumerate(paths):
        for encoding in ("gzip", "identity"):
            conn.request("GET", path, headers={**headers, "Accept-Encoding": encoding})
            response = conn.getresponse()
            body = response.read()
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            found["statuses"][response.status] = found["statuses"].get(response.status, 0) + 1
            found[f"{encoding}_bytes"] += len(body)
            if encoding == "gzip":
                found["encodings"].add(response.getheader("Content-Encoding", "identity"))
            elif i == 0 and kind == "items" and response.status == 200:
                found["features"] = len(json.loads(body)["features"])
            elif i == 0 and kind != "items" and body[:2] == b"\x1f\x8b":
                body = gzip.decompress(body)
    conn.close()
    found["n"] = len(paths)
    found["gzip_kib"] = found.pop("gzip_bytes") / len(paths) / 1024
    found["identity_kib"] = found.pop("identity_bytes") / len(paths) / 1024
    found["encodings"] = ",".join(sorted(found["encodings"]))
    return found


# --- CPU from /proc -----------------------------------------------------------------------------------------------


def ticks_of(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime
    except (OSError, IndexError, ValueError):
        return 0


def group_ticks(process) -> int:
    total = 0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.getpgid(int(entry.name)) == process.pid:
                    total += ticks_of(int(entry.name))
            except OSError:
                pass
    return total


def backend_ticks() -> dict[int, int]:
    """CPU ticks of every database backend connected to the scratch database (run as the same user)."""
    conn = country.scratch_connection()
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        pids = [row[0] for row in cursor.fetchall()]
    conn.close()
    return {pid: ticks_of(pid) for pid in pids}


# --- the runs ---------------------------------------------------------------------------------------------------


def run_wrk(port: int, paths: list[str], headers: dict, args, workdir: Path) -> dict:
    lua = workdir / "peers.lua"

    def lua_string(s):
        return json.dumps(s)  # a JSON string is a Lua string literal for these characters

    lua.write_text(
        WRK_SCRIPT
        % {
            "paths": "{" + ", ".join(lua_string(p) for p in paths) + "}",
            "headers": "{" + ", ".join(f"[{lua_string(k)}] = {lua_string(v)}" for k, v in headers.items()) + "}",
        }
    )
    found = subprocess.run(
        ["wrk", "-t", str(min(2, args.connections)), "-c", str(args.connections), "-d", f"{round(args.seconds)}s"]
        + ["--timeout", "60s", "-s", str(lua), f"http://127.0.0.1:{port}"],
        capture_output=True,
        text=True,
    )
    if found.returncode:
        raise RuntimeError(f"wrk failed: {found.stderr or found.stdout}")
    line = next(line for line in found.stdout.splitlines() if line.startswith("WRK "))
    r = json.loads(line[4:])
    seconds = r["duration_us"] / 1e6
    return {
        "n": r["requests"],
        "rps": r["requests"] / seconds,
        "p50_ms": r["p50_us"] / 1000,
        "p95_ms": r["p95_us"] / 1000,
        "wire_kib": r["bytes"] / max(r["requests"], 1) / 1024,
        "errors": r["status_errors"] + r["socket_errors"],
    }


def quiesce(timeout: float = 120) -> None:
    """Wait until no query runs in the scratch database: wrk stops waiting at its deadline, the database does not,
    and a slow server's last queries must not run during the next server's measurement."""
    conn = country.scratch_connection()
    deadline = time.monotonic() + timeout
    with conn.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' "
                "AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0] == 0:
                break
            time.sleep(0.5)
    conn.close()


def measure(process, port: int, paths: list[str], headers: dict, args, workdir: Path) -> dict:
    quiesce()
    before_server, before_db = group_ticks(process), backend_ticks()
    r = run_wrk(port, paths, headers, args, workdir)
    quiesce()  # the queries wrk left behind are this server's cost
    after_server, after_db = group_ticks(process), backend_ticks()
    # A backend that connected during the run counts from zero; one that left during it is lost (all three
    # servers keep their connections: landreg's CONN_MAX_AGE, TiPg's and pygeoapi's pools).
    db = sum(ticks - before_db.get(pid, 0) for pid, ticks in after_db.items())
    r["server_cpu_ms"] = 1000 * (after_server - before_server) / TICK / max(r["n"], 1)
    r["db_cpu_ms"] = 1000 * db / TICK / max(r["n"], 1)
    return r


def load() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, env={**os.environ, "TZ": "UTC"}).stdout.strip()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-province", type=int, default=1, help="townships in each of the 34 provinces")
    parser.add_argument("--build-seconds", type=float, default=600)
    parser.add_argument("--tiles", type=int, default=400, help="distinct tiles a zoom, at most")
    parser.add_argument("--seconds", type=float, default=20, help="length of each wrk run")
    parser.add_argument("--connections", type=int, default=4, help="concurrent clients")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--reuse", action="store_true", help="reuse the scratch database if it has plots; keep it")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("needs wrk (Debian package wrk)")
    venvs = {name: ensure_venv(name) for name in PEERS}  # before anything else: an install takes minutes
    load_before = load()
    workdir = Path(tempfile.mkdtemp(prefix="peers-", dir=VENVS))
    log = open(serve.ROOT / ".data" / "bench_peers_servers.log", "w")  # noqa: SIM115
    processes = {}
    reused = False
    try:
        os.environ["DATABASE_URL"] = country.scratch_url()
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "landreg.settings")
        import django

        django.setup()
        from django.db import connection

        if args.reuse:
            try:
                conn = country.scratch_connection()
                with conn.cursor() as cursor:
                    cursor.execute("SELECT count(*), count(DISTINCT township_id) FROM townships_plot")
                    plots, townships = cursor.fetchone()
                conn.close()
                reused = plots > 0
            except Exception:  # noqa: BLE001 (no such database, or not migrated)
                reused = False
        if reused:
            built = {"plots": plots, "townships_with_plots": townships}
            print(f"# reusing {country.SCRATCH}: {plots:,} plots", flush=True)
        else:
            country.drop_scratch()
            scratch.create_database(country.SCRATCH)
            print(f"# building {country.SCRATCH}", flush=True)
            built = country.build_country(args.per_province, args.build_seconds)
        from django.contrib.auth import get_user_model

        get_user_model().objects.filter(username="bench.gis").delete()  # a reused database has the last one
        cookie = country.session_cookie()
        connection.close()
        tiles = {z: tiles_meeting_townships(z, args.tiles) for z in ZOOMS}
        boxes = township_boxes()

        starters = {
            "landreg": lambda port: start_landreg(port, log),
            "tipg": lambda port: start_tipg(port, log),
            "pygeoapi": lambda port: start_pygeoapi(port, log, workdir),
        }
        ports = {}
        for name, starter in starters.items():
            ports[name] = serve.free_port()
            processes[name] = starter(ports[name])
        kinds = [f"z{z}" for z in ZOOMS] + ["items"]
        checks = {}
        for kind in kinds:
            for name in starters:
                paths = urls(name, kind, tiles, boxes)
                checks[(name, kind)] = check(name, ports[name], paths, headers_for(name, cookie, "gzip"), kind)
                print(kind, name, checks[(name, kind)], flush=True)
        best = {}
        for round_ in range(args.rounds):
            for kind in kinds:
                order = list(starters) if round_ % 2 == 0 else list(reversed(starters))
                for name in order:
                    paths = urls(name, kind, tiles, boxes)
                    r = measure(processes[name], ports[name], paths, headers_for(name, cookie, "gzip"), args, workdir)
                    print(round_, kind, name, r, flush=True)
                    if (name, kind) not in best or r["rps"] > best[(name, kind)]["rps"]:
                        best[(name, kind)] = r

        versions = {
            "tipg": f"tipg {installed(venvs['tipg'], 'tipg')} (uvicorn {installed(venvs['tipg'], 'uvicorn')}, "
            f"asyncpg {installed(venvs['tipg'], 'asyncpg')})",
            "pygeoapi": f"pygeoapi {installed(venvs['pygeoapi'], 'pygeoapi')} (gunicorn "
            f"{installed(venvs['pygeoapi'], 'gunicorn')}, SQLAlchemy {installed(venvs['pygeoapi'], 'SQLAlchemy')})",
        }
        wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.splitlines()[0]
        print(
            "\n## landreg against TiPg and pygeoapi, side by side (`bench/peers.py`), "
            + time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        )
        print(f"machine: {country.machine()}")
        print(f"load before: {load_before}")
        print(f"load after:  {load()}")
        print(f"peers: {versions['tipg']}; {versions['pygeoapi']}; Python {PYTHON} venvs under .data/bench-peers/")
        print(
            f"data: {built['plots']:,} plots in {built['townships_with_plots']} townships"
            f"{' (reused)' if reused else ''}; tiles: {', '.join(f'z{z} {len(t)}' for z, t in tiles.items())} "
            f"(every tile meeting a township); items: {len(boxes)} pages (a township's bbox, limit={PAGE})"
        )
        print(
            f"load: {wrk_version.split(' [')[0]}, {args.connections} connections, {args.seconds:.0f} s a run, "
            f"Accept-Encoding: gzip; best of {args.rounds} alternating rounds; {WORKERS} worker processes each"
        )
        print(
            "landreg is asked as a logged-in GIS specialist (a session cookie), its in-process cache off; TiPg and "
            "pygeoapi as they are, no login; each serves townships_plot (landreg with its joins: block, township, "
            "shelter stage; its z16 tiles also carry the plot-labels layer)"
        )
        print()
        print(
            "| what | server | req/s | p50 / p95 ms | KiB/resp on the wire "
            f"| body KiB gzip / identity ({CHECKED} URLs) | encodings | server CPU ms/req | db CPU ms/req | errors "
            "| landreg/peer req/s |"
        )
        print("|---|---|---:|---:|---:|---:|---|---:|---:|---:|---:|")
        for kind in kinds:
            for name in starters:
                r, c = best[(name, kind)], checks[(name, kind)]
                ratio = "" if name == "landreg" else f"{best[('landreg', kind)]['rps'] / r['rps']:.2f}"
                features = f", {c['features']} features" if c["features"] is not None else ""
                print(
                    f"| {kind} | {name} | {r['rps']:.1f} | {r['p50_ms']:.0f} / {r['p95_ms']:.0f} | "
                    f"{r['wire_kib']:.1f} | {c['gzip_kib']:.1f} / {c['identity_kib']:.1f} | {c['encodings']}"
                    f"{features} | {r['server_cpu_ms']:.1f} | {r['db_cpu_ms']:.1f} | {r['errors']} "
                    f"(statuses {c['statuses']}) | {ratio} |"
                )
    finally:
        for process in processes.values():
            stop(process)
        log.close()
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: BLE001 (Django may not be set up yet)
            pass
        shutil.rmtree(workdir, ignore_errors=True)
        if not args.reuse:
            country.drop_scratch()


if __name__ == "__main__":
    main()
