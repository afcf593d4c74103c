"""Benchmark: allocations per second through the API, double allocations under contention, and the bare SQL insert.

Never touches the real database. It creates a scratch database landreg_bench_<pid> next to it, migrates it, builds
a township of N plots (default 45,000: blocks of 10 × 4 plots of 20 m × 25 m, UTM 42N, stored in EPSG:4326) and N
eligible landless households, and a land officer with scope on the province; starts gunicorn on 127.0.0.1 against
it; and drops it at the end, whatever happens.

  1. Throughput. For 1, 4 and 16 concurrent clients (threads, one HTTP connection each), each POSTs
     /api/v1/allocations/ {"household": h, "plot": p} for distinct, fresh pairs, until the round has made
     --max-api allocations (2,000) or --duration seconds (15) are over. Once with HTTP Basic auth (the password
     is checked on every request) and once with a session cookie (the password was checked once, at login).
     Allocations/s, p50 and p95 latency.
  2. The physical limit: the bare SQL INSERT of the same allocation row (as tests/db/test_concurrency.py does),
     one row per transaction, with 1, 4 and 16 concurrent psycopg2 connections on other fresh pairs, up to
     --max-sql rows (3,000) or --duration seconds. Rows/s, and the ratio API/SQL measured in the same run (the
     three paths alternate at each concurrency; everything runs --repeat times (2), and the best is kept).
  3. Contention. 16 clients at once on the SAME plot (16 households), and 16 clients at once for the SAME
     household (16 plots), several times with each auth: the answers must be one 201 and fifteen 409s.
  4. Double allocations: plots, and households, with more than one active allocation (status not rejected,
     revoked or transferred) in the whole scratch database. Must be 0; the script exits 1 otherwise.
  5. In process: --in-process more allocations (300 with each auth) through Django's WSGI handler in this
     process, without gunicorn and HTTP: the CPU Django spends on one (time.process_time), which other work on a
     shared machine disturbs less than the rates; --profile adds cProfile's costliest functions.

Also reports the CPU each side used per allocation (gunicorn workers, PostgreSQL backends, this client), read from
/proc, to show where the time goes.

Run (gunicorn comes from .venv; the scratch database needs a role that may CREATE DATABASE):
  set -a; . .data/env; set +a; .venv/bin/python bench/allocate_concurrency.py [--workers 3] [--duration 15]
"""

import argparse
import base64
import http.client
import json
import os
import platform
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from math import ceil
from pathlib import Path

import psycopg2
from psycopg2 import sql
from scratch import connection_params, create_database, database_url, drop_database
from serve import free_port, stop_gunicorn
from serve import start_gunicorn as _start

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SCRATCH = f"landreg_bench_{os.getpid()}"
ENDED = ("rejected", "revoked", "transferred")
ALLOCATION_INSERT = (  # the same row as tests/db/test_concurrency.py
    "INSERT INTO allocations_allocation (household_id, plot_id, method, status, proposed_at, decision_reference, "
    "revocation_reason, notes, is_demo, updated_at) VALUES (%s, %s, 'committee', 'proposed', now(), '', '', '', "
    "false, now())"
)
# An allocation is written together with its first workflow step (rule status_changes_with_a_transition).
ALLOCATION_PROPOSE = (
    f"WITH a AS ({ALLOCATION_INSERT} RETURNING id, status) "
    "INSERT INTO allocations_allocationtransition (allocation_id, from_status, to_status, at, reason, reference) "
    "SELECT id, '', status, now(), 'Proposed in SQL.', '' FROM a"
)
API = "/api/v1/allocations/"

PLOT_W, PLOT_D = 20.0, 25.0  # metres
BLOCK_COLS, BLOCK_ROWS = 10, 4  # plots per block: 200 m × 100 m
STREET = 10.0
LON, LAT, UTM = 70.5, 34.4, 32642  # near Jalalabad


# --- the scratch database -------------------------------------------------------------------------------------


def scratch_url() -> str:
    return database_url(SCRATCH)


def create_scratch() -> None:
    create_database(SCRATCH)


def drop_scratch() -> None:
    drop_database(SCRATCH)


# --- data, with the domain's own models and services -----------------------------------------------------------


def build_data(n: int) -> dict:
    """A township of n available residential plots, n eligible households, a land officer; ids and credentials."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.gis.geos import MultiPolygon, Polygon
    from django.db import connection, transaction
    from django.utils.crypto import get_random_string
    from pyproj import Transformer

    from households.models import Category, Household
    from landreg import roles
    from landreg.services import roles_sync, user_create
    from parcels.models import AdminArea
    from townships.models import Block, Plot, Township

    assert connection.settings_dict["NAME"] == SCRATCH, "refusing to build benchmark data outside the scratch database"
    to_wgs = Transformer.from_crs(UTM, 4326, always_xy=True)
    x0, y0 = Transformer.from_crs(4326, UTM, always_xy=True).transform(LON, LAT)

    def polygon(ring):
        coords = [to_wgs.transform(x0 + x, y0 + y) for x, y in ring]
        return Polygon(coords + [coords[0]], srid=4326)

    per_block = BLOCK_COLS * BLOCK_ROWS
    n_blocks = ceil(n / per_block)
    blocks_x = ceil((n_blocks / 2) ** 0.5)  # blocks are twice as wide as deep: a roughly square township
    blocks_y = ceil(n_blocks / blocks_x)
    block_w, block_h = BLOCK_COLS * PLOT_W, BLOCK_ROWS * PLOT_D
    width, height = blocks_x * (block_w + STREET) - STREET, blocks_y * (block_h + STREET) - STREET
    password = secrets.token_urlsafe(16)
    with transaction.atomic():
        province = AdminArea.objects.create(level="province", pcode="AF06", iso_code="AF-NAN", name_en="Nangarhar")
        township = Township.objects.create(
            code="BENCH",
            name="Benchmark township",
            province=province,
            legal_basis=Township.LegalBasis.DECREE_305_2018,
            geom=MultiPolygon(polygon([(-20, -20), (width + 20, -20), (width + 20, height + 20), (-20, height + 20)])),
            status=Township.Status.OPEN,
        )
        number = 0
        for b in range(n_blocks):
            bx0, by0 = (b % blocks_x) * (block_w + STREET), (b // blocks_x) * (block_h + STREET)
            xs = [bx0 + i * PLOT_W for i in range(BLOCK_COLS + 1)]
            ys = [by0 + j * PLOT_D for j in range(BLOCK_ROWS + 1)]
            # The outline passes through every plot corner on its edge, so blocks and plots share vertices.
            ring = [(x, ys[0]) for x in xs] + [(xs[-1], y) for y in ys[1:]]
            ring += [(x, ys[-1]) for x in reversed(xs[:-1])] + [(xs[0], y) for y in reversed(ys[1:-1])]
            block = Block.objects.create(township=township, code=f"B{b + 1}", geom=polygon(ring))
            plots = []
            for j in range(BLOCK_ROWS):
                for i in range(BLOCK_COLS):
                    if number == n:
                        break
                    number += 1
                    x, y = xs[i], ys[j]
                    plots.append(
                        Plot(
                            township=township,
                            block=block,
                            number=str(number),
                            geom=polygon([(x, y), (x + PLOT_W, y), (x + PLOT_W, y + PLOT_D), (x, y + PLOT_D)]),
                            use=Plot.Use.RESIDENTIAL,
                            status=Plot.Status.AVAILABLE,
                        )
                    )
            Plot.objects.bulk_create(plots)  # the triggers check every land rule
        Household.objects.bulk_create(
            Household(
                code=f"BENCH-{i:05d}",
                province=province,
                size=5 + i % 7,
                category=Category.DOCUMENTED_RETURNEE,
                country_returned_from="PK",
                landless_declared=True,
                status=Household.Status.ELIGIBLE,
            )
            for i in range(1, n + 1)
        )
        roles_sync()
        officer = user_create(
            username="bench.officer", password=password, roles=[roles.LAND_OFFICER], provinces=[province]
        )
    # A logged-in session, as the browser would hold after the login form checked the password once.
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(officer.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = officer.get_session_auth_hash()
    session.create()
    csrf = get_random_string(32)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return {
        "plots": list(Plot.objects.filter(township=township).order_by("id").values_list("id", flat=True)),
        "households": list(Household.objects.order_by("id").values_list("id", flat=True)),
        "blocks": n_blocks,
        "headers": {
            "basic": {"Authorization": "Basic " + base64.b64encode(f"bench.officer:{password}".encode()).decode()},
            "session": {"Cookie": f"sessionid={session.session_key}; csrftoken={csrf}", "X-CSRFToken": csrf},
        },
    }


# --- gunicorn ----------------------------------------------------------------------------------------------------


def start_gunicorn(workers: int, port: int, log):
    # Connections kept for the whole run (the default is 60 s): a backend that exits mid-round would take its
    # CPU time with it, out of the accounting.
    return _start(scratch_url(), workers, port, log, probe="/api/v1/", env={"DB_CONN_MAX_AGE": "3600"})


# --- clients -----------------------------------------------------------------------------------------------------


class HttpClient:
    """One client: one HTTP connection (reopened when the server closes it, as gunicorn's sync workers do)."""

    def __init__(self, port: int, headers: dict):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.headers = {"Content-Type": "application/json", "Accept": "application/json", **headers}

    def allocate(self, household: int, plot: int) -> tuple[int, dict]:
        try:
            body = json.dumps({"household": household, "plot": plot})
            self.conn.request("POST", API, body=body, headers=self.headers)
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as exc:
            self.conn.close()
            return 0, {"detail": repr(exc)}
        try:
            return response.status, json.loads(data)
        except ValueError:
            return response.status, {"detail": data[:200].decode(errors="replace")}

    def close(self):
        self.conn.close()


class SqlClient:
    """One client of the bare SQL path: one connection, one INSERT per transaction."""

    def __init__(self):
        self.conn = psycopg2.connect(**connection_params(SCRATCH))
        self.cursor = self.conn.cursor()

    def allocate(self, household: int, plot: int) -> tuple[int, dict]:
        try:
            self.cursor.execute(ALLOCATION_PROPOSE, (household, plot))
            self.conn.commit()
            return 201, {}
        except psycopg2.Error as exc:
            self.conn.rollback()
            return 0, {"detail": str(exc).strip()}

    def close(self):
        self.conn.close()


# --- CPU accounting from /proc -----------------------------------------------------------------------------------

TICK = os.sysconf("SC_CLK_TCK")


def _ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime
    except (OSError, IndexError, ValueError):
        return 0


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                pass
    return found


class CpuMeter:
    """CPU seconds used by gunicorn (master and workers), the scratch database's backends, and this process."""

    def __init__(self, gunicorn: subprocess.Popen):
        self.gunicorn = gunicorn
        self.conn = psycopg2.connect(**connection_params(SCRATCH))
        self.conn.autocommit = True

    def snapshot(self) -> dict:
        with self.conn.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", (SCRATCH,)
            )
            backends = [row[0] for row in cursor.fetchall()]
        gunicorn = [self.gunicorn.pid, *_children(self.gunicorn.pid)]
        times = os.times()
        stat = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
        return {
            "gunicorn": {pid: _ticks(pid) for pid in gunicorn},
            "postgres": {pid: _ticks(pid) for pid in backends},
            "client": times.user + times.system,
            "machine": (sum(map(int, stat)), int(stat[3]) + int(stat[4])),  # all ticks, idle + iowait ticks
        }

    @staticmethod
    def used(start: dict, end: dict) -> dict:
        seconds = {
            side: sum(ticks - start[side].get(pid, 0) for pid, ticks in end[side].items()) / TICK
            for side in ("gunicorn", "postgres")
        }
        seconds["client"] = end["client"] - start["client"]
        total, idle = end["machine"][0] - start["machine"][0], end["machine"][1] - start["machine"][1]
        ours = seconds["gunicorn"] + seconds["postgres"] + seconds["client"]
        seconds["machine_busy"] = 1 - idle / total if total else 0.0
        # CPU that neither this benchmark nor its server used (other people's work on a shared machine)
        seconds["others"] = max(0.0, ((total - idle) / TICK - ours) / (total / TICK)) if total else 0.0
        return seconds

    def close(self):
        self.conn.close()


# --- rounds ------------------------------------------------------------------------------------------------------


def timed_round(make_client, clients: int, pool, limit: int, duration: float, meter: CpuMeter | None) -> dict:
    """`clients` threads, connected and then released together, each taking the next fresh (household, plot) pair
    from the pool until `limit` pairs are taken or `duration` seconds have passed."""
    lock = threading.Lock()
    state = {"taken": 0, "start": 0.0, "end": 0.0, "cpu": None, "cpu_end": None}
    results = []

    def release():  # runs once, when every client is connected
        state["cpu"] = meter.snapshot() if meter else None
        state["start"] = time.perf_counter()

    def stop():  # runs once, when every client is done and before they disconnect (their backends still count)
        state["end"] = time.perf_counter()
        state["cpu_end"] = meter.snapshot() if meter else None

    start, done = threading.Barrier(clients, action=release), threading.Barrier(clients, action=stop)

    def run():
        mine = []
        try:
            client = make_client()
        except Exception:
            start.abort()
            done.abort()
            raise
        try:
            start.wait()
            deadline = state["start"] + duration
            while True:
                with lock:
                    pair = pool.pair() if state["taken"] < limit and time.perf_counter() < deadline else None
                    if pair is None:
                        break
                    state["taken"] += 1
                t0 = time.perf_counter()
                status, body = client.allocate(*pair)
                mine.append((status, time.perf_counter() - t0, body))
        finally:
            with lock:
                results.extend(mine)
            try:
                done.wait()
            except threading.BrokenBarrierError:
                pass
            client.close()

    threads = [threading.Thread(target=run) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if start.broken or done.broken:
        raise RuntimeError("a client failed; see above")
    elapsed = state["end"] - state["start"]
    ok = [latency for status, latency, _ in results if status == 201]
    return {
        "clients": clients,
        "requests": len(results),
        "ok": len(ok),
        "failures": [(status, body) for status, _, body in results if status != 201],
        "seconds": elapsed,
        "rate": len(ok) / elapsed if elapsed > 0 else 0.0,
        "p50": percentile(sorted(ok), 0.50),
        "p95": percentile(sorted(ok), 0.95),
        "cpu": CpuMeter.used(state["cpu"], state["cpu_end"]) if meter else None,
        "ran_dry": state["taken"] < limit and time.perf_counter() < state["start"] + duration,
    }


def percentile(values: list, q: float) -> float:
    return values[min(len(values) - 1, round(q * (len(values) - 1)))] * 1000 if values else float("nan")


def burst(port: int, headers: dict, bodies: list) -> list[tuple[int, dict]]:
    """One request per body, each on its own connection, all released at the same instant."""
    clients = [HttpClient(port, headers) for _ in bodies]
    for client in clients:
        client.conn.connect()
    barrier = threading.Barrier(len(bodies))
    answers = [None] * len(bodies)

    def run(i):
        barrier.wait()
        answers[i] = clients[i].allocate(bodies[i]["household"], bodies[i]["plot"])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(bodies))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for client in clients:
        client.close()
    return answers


class Pool:
    """Fresh (household, plot) pairs and lone plots and households, each handed out once."""

    def __init__(self, households: list, plots: list, reserve: int):
        self.households, self.plots = households, plots
        self.h = self.p = 0
        self.reserve = reserve  # kept back for the contention bursts

    def pair(self) -> tuple[int, int] | None:
        """The next fresh pair for a throughput round, or None when only the reserve is left."""
        if min(len(self.households) - self.h, len(self.plots) - self.p) <= self.reserve:
            return None
        return self.take_households(1)[0], self.take_plots(1)[0]

    def take_households(self, n: int) -> list:
        self.h += n
        assert self.h <= len(self.households), "not enough households; raise --plots"
        return self.households[self.h - n : self.h]

    def take_plots(self, n: int) -> list:
        self.p += n
        assert self.p <= len(self.plots), "not enough plots; raise --plots"
        return self.plots[self.p - n : self.p]


# --- the benchmark -----------------------------------------------------------------------------------------------

PATHS = [("sql", "bare SQL INSERT"), ("basic", "API, Basic auth"), ("session", "API, session cookie")]
CONTENTION = 16


def main(args) -> int:
    if "DATABASE_URL" not in os.environ:
        sys.exit("DATABASE_URL is not set: run `set -a; . .data/env; set +a` first")
    log = tempfile.NamedTemporaryFile("w+", prefix="landreg-bench-gunicorn-", suffix=".log", delete=False)
    gunicorn = meter = None
    print(f"scratch database {SCRATCH}; gunicorn log {log.name}", file=sys.stderr)
    create_scratch()
    try:
        env = {**os.environ, "DATABASE_URL": scratch_url()}
        subprocess.run([sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True)
        os.environ["DATABASE_URL"] = scratch_url()  # from here on Django sees only the scratch database
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "landreg.settings")
        import django

        django.setup()
        t0 = time.perf_counter()
        data = build_data(args.plots)
        print(f"built {len(data['plots']):,} plots and households in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
        port = free_port()
        gunicorn = start_gunicorn(args.workers, port, log)
        meter = CpuMeter(gunicorn)
        pool = Pool(data["households"], data["plots"], reserve=2 * args.contention_reps * (CONTENTION + 1))
        levels = [int(c) for c in args.clients.split(",")]

        def maker(path):
            if path == "sql":
                return SqlClient
            return lambda: HttpClient(port, data["headers"][path])

        allocated = 0  # every 201 and every committed SQL row, to check against the table at the end
        for path in ("session", "basic"):  # warm every worker up (imports, connections); not counted
            allocated += timed_round(maker(path), args.workers, pool, 2 * args.workers, 60, None)["ok"]
        results, failures = {}, 0
        for attempt in range(args.repeat):  # alternate the paths, keep the best of `repeat` for each
            for clients in levels:
                for path, label in PATHS:
                    limit = args.max_sql if path == "sql" else args.max_api
                    result = timed_round(maker(path), clients, pool, limit, args.duration, meter)
                    allocated += result["ok"]
                    failures += len(result["failures"])
                    if result["rate"] > results.get((clients, path), {"rate": -1})["rate"]:
                        results[(clients, path)] = result
                    print(
                        f"[{attempt + 1}] {clients:>2} clients, {label}: {result['ok']} in {result['seconds']:.1f} s, "
                        f"{result['rate']:.1f}/s, {len(result['failures'])} failures, "
                        f"{result['cpu']['others']:.0%} of the CPU used by other processes",
                        file=sys.stderr,
                    )
                    for status, body in result["failures"][:3]:
                        print(f"    {status}: {body}", file=sys.stderr)

        races = []
        for path in ("basic", "session"):
            for _rep in range(args.contention_reps):
                plot = pool.take_plots(1)[0]
                bodies = [{"household": h, "plot": plot} for h in pool.take_households(CONTENTION)]
                races.append(("same plot", path, burst(port, data["headers"][path], bodies)))
                household = pool.take_households(1)[0]
                bodies = [{"household": household, "plot": p} for p in pool.take_plots(CONTENTION)]
                races.append(("same household", path, burst(port, data["headers"][path], bodies)))
        allocated += sum(status == 201 for _, _, answers in races for status, _ in answers)
        queries = count_queries(pool.pair(), data["headers"]["basic"])
        allocated += queries["ok"]
        in_process = {}
        for path in ("session", "basic") if args.in_process else ():
            in_process[path] = cpu_in_process(pool, data["headers"][path], args.in_process, args.profile)
            allocated += in_process[path]["ok"]

        with meter.conn.cursor() as cursor:
            active = sql.SQL("status NOT IN ({})").format(sql.SQL(", ").join(map(sql.Literal, ENDED)))
            doubles = {}
            for column in ("plot_id", "household_id"):
                cursor.execute(
                    sql.SQL(
                        "SELECT count(*) FROM (SELECT {col} FROM allocations_allocation WHERE {active} "
                        "GROUP BY {col} HAVING count(*) > 1) AS d"
                    ).format(col=sql.Identifier(column), active=active)
                )
                doubles[column] = cursor.fetchone()[0]
            cursor.execute("SELECT count(*) FROM allocations_allocation")
            rows = cursor.fetchone()[0]
            cursor.execute("SELECT postgis_lib_version(), postgis_geos_version(), current_setting('server_version')")
            postgis, geos, server = cursor.fetchone()
        versions = (server, postgis, geos)
        report(args, data, results, failures, races, doubles, rows, allocated, levels, versions, queries, in_process)
        return 0 if not any(doubles.values()) and rows == allocated else 1
    finally:
        if meter:
            meter.close()
        if gunicorn:
            stop_gunicorn(gunicorn)
        if "django" in sys.modules:  # Django's own connection to the scratch database, before it is dropped
            from django.db import connections

            connections.close_all()
        drop_scratch()
        log.close()
        print(f"stopped gunicorn, dropped {SCRATCH}", file=sys.stderr)


def count_queries(pair: tuple[int, int], headers: dict) -> dict:
    """One more allocation through the same view, in this process, counting the SQL statements it sends."""
    from collections import Counter

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    household, plot = pair
    # As in the rounds, the login is already remembered (api.auth): the first Basic request of this process would
    # also count the password check and django-axes' bookkeeping, which the clients pay once.
    Client().get("/api/v1/", HTTP_AUTHORIZATION=headers["Authorization"])
    with CaptureQueriesContext(connection) as captured:
        response = Client().post(
            API,
            {"household": household, "plot": plot},
            content_type="application/json",
            HTTP_AUTHORIZATION=headers["Authorization"],
        )
    # pghistory prefixes each statement of a request with SELECT set_config('pghistory.context_id', …); skip it.
    prefix = re.compile(r"^SELECT set_config\('pghistory\.context_id'.*?, true\), set_config\(.*?, true\); ", re.S)
    kinds = Counter(prefix.sub("", q["sql"]).split(None, 1)[0].upper() for q in captured.captured_queries)
    return {"ok": int(response.status_code == 201), "status": response.status_code, "kinds": kinds}


def cpu_in_process(pool: Pool, headers: dict, n: int, profile: bool) -> dict:
    """n more allocations through Django's WSGI handler in this process (the request gunicorn would hand it, without
    the HTTP around it), one after the other: the CPU Django spends per allocation, which a shared machine
    disturbs far less than the rates. With profile, cProfile's 30 costliest functions (cumulative) to stderr."""
    import cProfile
    import io
    import pstats

    from django.core.handlers.wsgi import WSGIHandler

    application = WSGIHandler()
    answers = {}

    def allocate(household: int, plot: int) -> None:
        body = json.dumps({"household": household, "plot": plot}).encode()
        environ = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": API,
            "SCRIPT_NAME": "",
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "REMOTE_ADDR": "127.0.0.1",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(body)),
            "HTTP_HOST": "127.0.0.1",
            "HTTP_ACCEPT": "application/json",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.url_scheme": "http",
            "wsgi.version": (1, 0),
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
            **{"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()},
        }
        result = application(environ, lambda status, _headers, _exc=None: answers.update(status=status))
        b"".join(result)
        result.close()
        answers[answers["status"]] = answers.get(answers["status"], 0) + 1

    pairs = [pair for pair in (pool.pair() for _ in range(n + 20)) if pair is not None]
    for pair in pairs[:20]:  # the first requests of a process load what later ones reuse
        allocate(*pair)
    profiler = cProfile.Profile(time.process_time) if profile else None
    start = time.process_time()
    if profiler:
        profiler.enable()
    for pair in pairs[20:]:
        allocate(*pair)
    if profiler:
        profiler.disable()
    used = time.process_time() - start
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
        print(out.getvalue(), file=sys.stderr)
    measured = max(len(pairs) - 20, 1)
    return {"n": measured, "ok": answers.get("201 Created", 0), "cpu_ms": 1000 * used / measured}


def report(args, data, results, failures, races, doubles, rows, allocated, levels, versions, queries, in_process):
    server, postgis, geos = versions
    lines = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), platform.processor())
    memory = int(Path("/proc/meminfo").read_text().split()[1]) / 2**20
    print(f"\n# allocation throughput benchmark, {time.strftime('%Y-%m-%d')}")
    print(
        f"machine: {os.cpu_count()} cores, {cpu}, {memory:.0f} GiB; PostgreSQL {server}, PostGIS {postgis}, "
        f"GEOS {geos}; gunicorn {args.workers} sync workers on 127.0.0.1"
    )
    print(
        f"data: 1 township, {data['blocks']:,} blocks, {len(data['plots']):,} plots, "
        f"{len(data['households']):,} eligible households; each round at most {args.duration:g} s and "
        f"{args.max_api:,} API or {args.max_sql:,} SQL allocations; {rows:,} allocations in the table at the end\n"
    )
    print("| clients | path | allocations | seconds | allocations/s | p50 ms | p95 ms | API/SQL |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|")
    for clients in levels:
        base = results[(clients, "sql")]["rate"]
        for path, label in PATHS:
            r = results[(clients, path)]
            ratio = "1" if path == "sql" else f"{r['rate'] / base:.3f} (1/{base / max(r['rate'], 1e-9):,.0f})"
            print(
                f"| {clients} | {label} | {r['ok']:,} | {r['seconds']:.1f} | {r['rate']:,.1f} | {r['p50']:.1f} "
                f"| {r['p95']:.1f} | {ratio} |"
            )
    print("\nCPU per allocation (ms), and how busy the machine was during the round (and with what else):\n")
    print(
        "| clients | path | gunicorn | PostgreSQL | client | CPU-bound ceiling/s | machine busy "
        "| of it, other processes |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|---:|")
    for clients in levels:
        for path, label in PATHS:
            r = results[(clients, path)]
            c, n = r["cpu"], max(r["ok"], 1)
            # all cores doing nothing else than this: the rate the CPU cost per allocation allows
            ceiling = os.cpu_count() * n / max(c["gunicorn"] + c["postgres"] + c["client"], 1e-9)
            print(
                f"| {clients} | {label} | {c['gunicorn'] * 1000 / n:.1f} | {c['postgres'] * 1000 / n:.1f} "
                f"| {c['client'] * 1000 / n:.1f} | {ceiling:,.0f} | {c['machine_busy']:.0%} | {c['others']:.0%} |"
            )
    print(f"\nfailed requests in all throughput rounds (all pairs were free): {failures}")
    dry = [f"{c} clients {p}" for (c, p), r in results.items() if r["ran_dry"]]
    if dry:
        print(f"WARNING: the pool of fresh pairs ran dry in: {', '.join(dry)}; raise --plots")
    kinds = ", ".join(f"{n} {kind}" for kind, n in queries["kinds"].most_common())
    print(f"one API allocation (answer {queries['status']}) sends {queries['kinds'].total()} statements: {kinds}")
    for path, cpu in in_process.items():
        print(
            f"in process ({path}, Django's WSGI handler without HTTP, {cpu['n']} allocations, {cpu['ok']} answered "
            f"201): {cpu['cpu_ms']:.2f} ms of CPU per allocation in Django"
        )
    print(f"\ncontention: {CONTENTION} clients at once, {args.contention_reps} times each\n")
    print("| race | auth | bursts | 201 | 409 | other | bursts with exactly one 201 |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for race in ("same plot", "same household"):
        for path in ("basic", "session"):
            bursts = [answers for kind, p, answers in races if kind == race and p == path]
            statuses = [status for answers in bursts for status, _ in answers]
            one = sum(sum(status == 201 for status, _ in answers) == 1 for answers in bursts)
            print(
                f"| {race} | {path} | {len(bursts)} | {statuses.count(201)} | {statuses.count(409)} "
                f"| {len(statuses) - statuses.count(201) - statuses.count(409)} | {one}/{len(bursts)} |"
            )
    codes = {}
    for _, _, answers in races:
        for status, body in answers:
            if status == 409:
                for code in body.get("codes", []):
                    codes[code] = codes.get(code, 0) + 1
    print(f"\n409 codes: {codes}")
    total = doubles["plot_id"] + doubles["household_id"]
    banner = "OK" if total == 0 else "!!! FAILED !!!"
    print(
        f"\n*** DOUBLE ALLOCATIONS: {total} — plots with more than one active allocation: {doubles['plot_id']}, "
        f"households with more than one: {doubles['household_id']} — {banner} ***"
    )
    check = "matches" if rows == allocated else "DOES NOT MATCH"
    print(f"allocations in the table: {rows:,}; successes the clients saw: {allocated:,} ({check})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers (make run uses 3)")
    parser.add_argument("--duration", type=float, default=15, help="seconds at most per round")
    parser.add_argument("--max-api", type=int, default=2000, help="allocations at most per API round")
    parser.add_argument("--max-sql", type=int, default=3000, help="rows at most per bare SQL round")
    parser.add_argument("--repeat", type=int, default=2, help="runs of every round; the best is reported")
    parser.add_argument("--plots", type=int, default=45_000, help="plots (and households) in the scratch township")
    parser.add_argument("--clients", default="1,4,16", help="concurrency levels")
    parser.add_argument("--contention-reps", type=int, default=5, help="bursts per race and auth")
    parser.add_argument(
        "--in-process", type=int, default=300, help="allocations through Django's WSGI handler here (0: none)"
    )
    parser.add_argument("--profile", action="store_true", help="cProfile the in-process allocations (slower)")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that the scratch database is dropped
    sys.exit(main(parser.parse_args()))
