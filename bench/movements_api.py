"""Benchmark: the movements API through real HTTP (gunicorn on 127.0.0.1) at the scale issue 15 names: the weekly
figures served, the refresh after a day's import, and border registration with its duplicate check against a
million registered households, each against its physical floor measured in the same run (docs/movements.md).

Data, generated set-based in SQL on a scratch database (the tables' own triggers off while generating, then
ANALYZEd): A arrivals with their members and two years of daily flow counts at 10 crossing points
(bench/movements_figures.py's generator), and H registered households, each with a head whose name is drawn from
common Afghan given and family names (so the similar-head check finds many candidates, as it would), a date of
birth, a tazkira hash and its name keys (households_name_key, as the database derives them).

Measured, in one run:
- the HTTP floor: GET /api/v1/movements/crossing-points/ (login by Basic, a dozen rows);
- weekly figures served: GET /api/v1/movements/figures/arrivals/ (arrivals per week and crossing point, last 12
  weeks) and /figures/flows/ (one source), p50 and p95 of R requests; against the raw GROUP BY over the same tables;
- border registration: POST /api/v1/movements/arrivals/ of R families (2–5 members, named, the head with a tazkira
  number and a date of birth), each registered as a household with the ID check and the similar-head check against
  the H households; p50 and p95, against the raw INSERT of the same arrival and members in one transaction (the
  floor of writing them) and against the HTTP floor. Then the same R sent again (a phone syncing twice): each
  answered 200 with the first record, nothing recorded twice;
- the refresh after a day's import (A / 730 arrivals with members and 480 flow counts, every trigger on, one
  transaction): movements_figures_refresh(), against movements_figures_rebuild() (every period).

Never touches the real database: a scratch database landreg_bench_<pid> is created next to it, migrated, and
dropped at the end.

Run: set -a; . .data/env; set +a; .venv/bin/python bench/movements_api.py [arrivals] [households] [requests]
     (default: 5000000 1000000 200)

Options for the border registration alone (the 5M arrivals take about 13 minutes to generate; the registration
reads only the households, so its figures do not need them):
  --registration-only   generate only the households; measure the HTTP floor, the registration, the same sent again
                        and the raw INSERT floor (no figures, no refresh)
  --before PATH         a copy of the tree before a change (with a .venv link) is served too, from the same scratch
                        database: each registration is sent to one server then the other, alternating, so before
                        and after are measured back to back under the same load
  --keep                keep the scratch database (its name is printed) instead of dropping it
  --database NAME       reuse a kept scratch database (landreg_bench_...): nothing is generated, only measured
"""

import argparse
import base64
import datetime
import http.client
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "landreg.settings")

from movements_figures import (  # noqa: E402
    ARRIVALS,
    DAYS,
    FLOWS,
    MEMBERS,
    POINTS,
    RAW_ARRIVALS,
    RAW_FLOWS,
    TABLES,
    percentiles,
)
from scratch import create_database, database_url, drop_database  # noqa: E402
from serve import free_port, start_gunicorn, stop_gunicorn  # noqa: E402

SCRATCH = f"landreg_bench_{os.getpid()}"
PASSWORD = "bench-password-not-secret"
GIVEN = ("Ahmad Muhammad Mohammad Abdul Gul Sher Wali Khan Noor Zahir Rahim Karim Habib Hamid Jawad Nasir Qasim "
         "Rahmat Samiullah Shafiq Zabiullah Hayatullah Najibullah Asadullah Bashir Daud Faridoon Ghulam Hafiz "
         "Idris Jamil Khalil Latif Mansoor Nabi Omar Parwiz Rashid Sadiq Tariq Yousuf Zia Ajmal Bilal Farid "
         "Haroon Ismail Javed Kabir Masood Nazir Obaid Qadir Rafi Saber Taher Waheed Yama Zaman").split()  # fmt: skip
FAMILY = ("Safi Ahmadzai Popal Barakzai Durrani Mohmand Shinwari Afridi Yousufzai Kakar Achakzai Noorzai Alokozai "
          "Hotak Tokhi Sadozai Stanikzai Wardak Niazi Karimi Rahimi Hashimi Sadat Hussaini Mohammadi Nazari "
          "Haidari Jafari Qaderi Rezaei Amiri Azimi Faizi Hamidi Jalali Kohistani Mangal Zadran Jaji Sahak"
          ).split()  # fmt: skip
CATEGORIES = ("deportee", "documented_returnee", "undocumented_returnee")

HOUSEHOLDS = """
INSERT INTO households_household (code, size, category, province_id, return_type, crossing_point, status,
       created_at, updated_at)
SELECT 'BH-' || g, 1 + g %% 8, (%(categories)s::text[])[1 + g %% 3], (%(provinces)s::bigint[])[1 + (g * 13) %% 34],
       'deported', 'torkham', 'registered', now(), now()
  FROM generate_series(%(start)s::bigint, %(stop)s::bigint) AS g
"""
HEADS = """
INSERT INTO households_person (relationship, name, father_name, sex, date_of_birth, tazkira_hash, tazkira_last4,
       por_hash, por_last4, household_id, name_key, father_name_key, name_local, father_name_local, local_name_key,
       local_father_name_key, phone)
SELECT 'head', n.name, n.father, 'm', date '1955-01-01' + ((h.id * 7919) %% 16000)::integer,
       md5('t' || h.id) || md5('u' || h.id), lpad((h.id %% 10000)::text, 4, '0'), '', '', h.id,
       households_name_key(n.name), households_name_key(n.father), '', '', '', '', ''
  FROM households_household h
  CROSS JOIN LATERAL (
    SELECT (%(given)s::text[])[1 + (h.id * 31) %% %(ng)s] || ' ' || (%(family)s::text[])[1 + (h.id * 17) %% %(nf)s]
               AS name,
           (%(given)s::text[])[1 + (h.id * 7) %% %(ng)s] AS father
  ) AS n
 WHERE h.id BETWEEN %(low)s AND %(high)s
"""
RAW_INSERT_ARRIVAL = """
INSERT INTO movements_arrival (client_uuid, crossing_point_id, crossed_at, direction, category,
       repatriation_form_hash, repatriation_form_last4, country_of_asylum, years_abroad, documents_held, travelling,
       vulnerabilities, assistance, destination_province_id, recorded_at, is_demo)
VALUES (%s, %s, %s, 'in', 'deported', '', '', 'PK', 3, '{none}', 'family', '{}', '{}', %s, now(), false)
RETURNING id
"""
RAW_INSERT_MEMBER = """
INSERT INTO movements_arrivalmember (arrival_id, relationship, name, father_name, name_local, sex, age_band,
       date_of_birth, tazkira_hash, tazkira_last4, por_hash, por_last4)
VALUES (%s, %s, %s, %s, '', %s, %s, %s, %s, %s, '', '')
"""


def family_of(rng: random.Random) -> list[dict]:
    head = f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}"
    members = [
        {
            "relationship": "head",
            "name": head,
            "father_name": rng.choice(GIVEN),
            "sex": "m",
            "age_band": "18_59",
            "date_of_birth": (datetime.date(1960, 1, 1) + datetime.timedelta(days=rng.randrange(15000))).isoformat(),
            "tazkira": f"14{rng.randrange(10**10):010d}",
        },
        {"relationship": "spouse", "name": f"{rng.choice(['Bibi', 'Zarmina', 'Shabnam', 'Fatima'])}", "sex": "f",
         "age_band": "18_59"},
    ]  # fmt: skip
    for _ in range(rng.randrange(3)):
        members.append(
            {"relationship": "child", "name": rng.choice(GIVEN), "sex": rng.choice("mf"), "age_band": "5_17"}
        )
    return members


def request(port: int, auth: str, method: str, path: str, body: dict | None = None) -> tuple[int, float, bytes]:
    """One request on a new connection (gunicorn's sync workers close it after each answer); status, ms, body."""
    headers = {"Authorization": auth, "Accept": "application/json"}
    payload = None
    if body is not None:
        payload = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    start = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request(method, path, body=payload, headers=headers)
    response = conn.getresponse()
    answer = response.read()
    elapsed = 1000 * (time.perf_counter() - start)
    conn.close()
    return response.status, elapsed, answer


def timed_requests(port, auth, method, path, bodies) -> tuple[list[float], dict]:
    times, statuses = [], {}
    for body in bodies:
        status, ms, answer = request(port, auth, method, path, body)
        if status >= 500:
            raise RuntimeError(f"{method} {path} answered {status}: {answer[:500]!r}")
        statuses[status] = statuses.get(status, 0) + 1
        if answer.startswith(b"{") and json.loads(answer).get("awaiting_review"):
            statuses["awaiting review"] = statuses.get("awaiting review", 0) + 1
        times.append(ms)
    return times, statuses


def row(name: str, samples: list[float], floor_p95: float | None = None, extra: str = "") -> str:
    p50, p95 = percentiles(samples)
    ratio = f"× {p95 / floor_p95:.1f}" if floor_p95 else ""
    return f"| {name} | {len(samples)} | {p50:.1f} | {p95:.1f} | {ratio} | {extra} |"


def load(value) -> str:
    return " ".join(f"{x:.1f}" for x in (value or os.getloadavg()))


def generate(arrivals: int, households: int, points, provinces, first, today) -> None:
    """The arrivals, their members and flow counts (none when arrivals is 0), then the households and their heads:
    set-based, the tables' own triggers off, then ANALYZEd."""
    from django.db import connection

    started = time.perf_counter()
    tables = [*TABLES, "households_household", "households_person"] if arrivals else [
        "households_household", "households_person"]  # fmt: skip
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        chunk = 500_000
        if arrivals:
            for start in range(1, arrivals + 1, chunk):
                stop = min(arrivals, start + chunk - 1)
                cursor.execute(ARRIVALS, {"points": points, "provinces": provinces, "first": first.isoformat(),
                                          "days": DAYS - 1, "start": start, "stop": stop})  # fmt: skip
            cursor.execute("SELECT min(id), max(id) FROM movements_arrival")
            low, high = cursor.fetchone()
            for first_id in range(low or 1, (high or 0) + 1, chunk):
                cursor.execute(MEMBERS, {"first_id": first_id, "last_id": min(high, first_id + chunk - 1)})
            cursor.execute(FLOWS, {"points": points, "first": first, "last": today - datetime.timedelta(days=2)})
        generated_arrivals = time.perf_counter() - started
        started = time.perf_counter()
        for start in range(1, households + 1, chunk):
            stop = min(households, start + chunk - 1)
            values = {"categories": list(CATEGORIES), "provinces": provinces, "start": start, "stop": stop}
            cursor.execute(HOUSEHOLDS, values)
        cursor.execute("SELECT min(id), max(id) FROM households_household")
        low, high = cursor.fetchone()
        for first_id in range(low or 1, (high or 0) + 1, chunk):
            cursor.execute(HEADS, {"given": list(GIVEN), "family": list(FAMILY), "ng": len(GIVEN), "nf": len(FAMILY),
                                   "low": first_id, "high": min(high, first_id + chunk - 1)})  # fmt: skip
        for table in tables:
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
            cursor.execute(f"ANALYZE {table}")
        generated_households = time.perf_counter() - started
        cursor.execute("SELECT count(*) FROM movements_arrivalmember")
        members = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM movements_flowcount")
        flows = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM households_person")
        heads = cursor.fetchone()[0]
    print(f"data: {arrivals:,} arrivals ({members:,} members) over {DAYS} days at {len(points)} crossing points, "
          f"{flows:,} flow counts ({generated_arrivals:.0f} s); {households:,} households with {heads:,} heads "
          f"({generated_households:.0f} s)")  # fmt: skip


def registration_bodies(rng: random.Random, count: int, crossed: str) -> list[dict]:
    return [
        {
            "client_uuid": str(uuid.uuid4()),
            "crossing_point": "torkham",
            "crossed_at": crossed,
            "category": "deported",
            "country_of_asylum": "PK",
            "years_abroad": 3,
            "travelling": "family",
            "destination_province": "AF06",
            "members": family_of(rng),
        }
        for _ in range(count)
    ]


def raw_insert(body: dict, torkham_id: int, nangarhar_id: int, crossed: str) -> float:
    """The floor of writing an arrival: its row and its members' in one transaction, nothing else; ms."""
    from django.db import connection, transaction

    from households.identity import id_number_hash, id_number_last4

    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(RAW_INSERT_ARRIVAL, [str(uuid.uuid4()), torkham_id, crossed, nangarhar_id])
        arrival_id = cursor.fetchone()[0]
        for m in body["members"]:
            tazkira = m.get("tazkira", "")
            cursor.execute(RAW_INSERT_MEMBER, [arrival_id, m["relationship"], m["name"], m.get("father_name", ""),
                                               m["sex"], m["age_band"], m.get("date_of_birth"),
                                               id_number_hash(tazkira), id_number_last4(tazkira)])  # fmt: skip
    return 1000 * (time.perf_counter() - start)


def run(arrivals: int, households: int, requests: int, log, *, registration_only: bool, before: Path | None,
        reuse: bool) -> None:  # fmt: skip
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    from landreg import roles
    from landreg.services import roles_sync, user_create
    from movements.figures import figures_refresh
    from movements.models import Arrival
    from parcels.models import AdminArea, CrossingPoint

    cores, python = os.cpu_count(), platform.python_version()
    print(f"machine: {platform.node()} {platform.machine()}, {cores} cores, Python {python}")
    print(f"load average at start: {load(None)}")
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        print(f"database: {cursor.fetchone()[0].split(',')[0]}")
    nangarhar_pcode = "AF06"
    if reuse:
        users = get_user_model().objects
        border, national = users.get(username="bench.border"), users.get(username="bench.national")
    else:
        with open(os.devnull, "w") as quiet:  # noqa: PTH123
            call_command("load_provinces", stdout=quiet)
        roles_sync()
        nangarhar = AdminArea.objects.get(pcode=nangarhar_pcode)
        border = user_create(username="bench.border", password=PASSWORD, roles=[roles.FIELD_OFFICER],
                             provinces=[nangarhar])  # fmt: skip
        national = user_create(username="bench.national", password=PASSWORD, roles=[roles.LAND_OFFICER],
                               national=True)  # fmt: skip
    nangarhar = AdminArea.objects.get(pcode=nangarhar_pcode)
    points = [CrossingPoint.objects.get(code=c).pk for c in POINTS]
    torkham = CrossingPoint.objects.get(code="torkham")
    provinces = list(AdminArea.objects.filter(level="province").order_by("pcode").values_list("pk", flat=True))
    today = datetime.date.today()
    first = today - datetime.timedelta(days=DAYS)

    if not reuse:
        generate(0 if registration_only else arrivals, households, points, provinces, first, today)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM households_household")
        households = cursor.fetchone()[0]
    if not registration_only:
        rebuilt = figures_refresh(rebuild=True)
        print(f"figures built: {rebuilt['seconds']:.1f} s")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE movements_arrival_totals")
            cursor.execute("ANALYZE movements_flow_totals")
    connection.close()  # gunicorn's workers and this process share the server's two cores

    auth = "Basic " + base64.b64encode(f"{border.username}:{PASSWORD}".encode()).decode()
    national_auth = "Basic " + base64.b64encode(f"{national.username}:{PASSWORD}".encode()).decode()
    trees = {"after": ROOT, **({"before": before} if before else {})}
    servers = {}
    try:
        for name, root in trees.items():
            port = free_port()
            process = start_gunicorn(database_url(SCRATCH), 2, port, log, root=root,
                                     probe="/api/v1/movements/crossing-points/")  # fmt: skip
            servers[name] = (port, process)
        for port, _process in servers.values():
            for who in (auth, national_auth):  # the first request of each login hashes its password once
                for _ in range(4):
                    request(port, who, "GET", "/api/v1/movements/crossing-points/")
        port = servers["after"][0]
        floor, _statuses = timed_requests(port, auth, "GET", "/api/v1/movements/crossing-points/", [None] * requests)
        floor_p95 = percentiles(floor)[1]
        figures = None
        if not registration_only:
            figures = served_figures(port, national_auth, requests, today)

        # Seeded by the households already there: a run on a kept database sends new families (the same ID
        # numbers again would wait for a decision, and skip the household registration that is measured here).
        rng = random.Random(1402 + households)
        crossed = (datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=2)).isoformat()
        bodies = {name: registration_bodies(rng, requests, crossed) for name in servers}
        # A few registrations first on each server (each worker's first request loads what it caches), not timed.
        for port, _process in servers.values():
            timed_requests(port, auth, "POST", "/api/v1/movements/arrivals/", registration_bodies(rng, 4, crossed))
        times = {name: [] for name in servers}
        statuses = {name: {} for name in servers}
        raw_inserts = []
        before_count = Arrival.objects.count()
        connection.close()
        load_during = []
        for i in range(requests):
            for name, (port, _process) in servers.items():
                ms, status = timed_requests(port, auth, "POST", "/api/v1/movements/arrivals/", [bodies[name][i]])
                times[name] += ms
                for key, value in status.items():
                    statuses[name][key] = statuses[name].get(key, 0) + value
            raw_inserts.append(raw_insert(bodies["after"][i], torkham.pk, nangarhar.pk, crossed))
            connection.close()
            if i % 20 == 0:
                load_during.append(os.getloadavg()[0])
        after_first = Arrival.objects.count()
        again, statuses_again = timed_requests(servers["after"][0], auth, "POST", "/api/v1/movements/arrivals/",
                                               bodies["after"])  # fmt: skip
        after_again = Arrival.objects.count()
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM households_duplicateflag")
            flags = cursor.fetchone()[0]
    finally:
        for _port, process in servers.values():
            stop_gunicorn(process)

    print(f"load average after the HTTP runs: {load(None)}; 1-minute load during the registrations: "
          f"{min(load_during):.1f}–{max(load_during):.1f}")  # fmt: skip
    print()
    print("| through HTTP (gunicorn, 2 workers, one client) | requests | p50 ms | p95 ms | p95 / floor p95 | notes |")
    print("|---|---|---|---|---|---|")
    print(row("floor: GET crossing points (login by Basic, 12 rows)", floor))
    if figures:
        for line in figures(floor_p95):
            print(line)
    raw_p95 = percentiles(raw_inserts)[1]
    for name in sorted(servers, reverse=True):  # before, then after
        print(row(f"{name}: POST a family's arrival: household registered, ID and head checks against "
                  f"{households:,}", times[name], floor_p95,
                  f"{statuses[name]}; p95 × {percentiles(times[name])[1] / raw_p95:.1f} the raw INSERT's"))  # fmt: skip
    print(row("after: POST the same arrivals again (same client_uuid)", again, floor_p95,
              f"{statuses_again}; arrivals {before_count:,} → {after_first:,} → {after_again:,}; {flags:,} "
              "possible-duplicate flags raised in all"))  # fmt: skip
    print(row("raw INSERT of the same arrival and members, one transaction (floor of writing them)", raw_inserts))
    if before:
        ratio50 = percentiles(times["after"])[0] / percentiles(times["before"])[0]
        ratio95 = percentiles(times["after"])[1] / percentiles(times["before"])[1]
        print(f"\nafter / before: p50 × {ratio50:.2f}, p95 × {ratio95:.2f}")
    if not registration_only:
        day_import_and_refresh(arrivals, points, provinces, today)


def served_figures(port: int, auth: str, requests: int, today: datetime.date):
    """The weekly figures through HTTP and the raw GROUP BY over the same tables; a function printing their rows."""
    from django.db import connection

    since = (today - datetime.timedelta(weeks=12)).isoformat()
    figures_path = f"/api/v1/movements/figures/arrivals/?since={since}&by=period_start,crossing_point"
    flows_path = f"/api/v1/movements/figures/flows/?since={since}&by=period_start,crossing_point&source=border_team"
    request(port, auth, "GET", figures_path)
    arrival_weeks, _s = timed_requests(port, auth, "GET", figures_path, [None] * requests)
    flow_weeks, _s = timed_requests(port, auth, "GET", flows_path, [None] * requests)

    def raw(sql):
        def query():
            with connection.cursor() as cursor:
                cursor.execute(sql, {"since": since})
                return cursor.fetchall()

        return query

    raw_runs = max(3, requests // 40)
    raw_arrivals, raw_flows = [], []
    for samples, query in ((raw_arrivals, raw(RAW_ARRIVALS)), (raw_flows, raw(RAW_FLOWS))):
        query()
        for _ in range(raw_runs):
            start = time.perf_counter()
            query()
            samples.append(1000 * (time.perf_counter() - start))

    def rows(floor_p95):
        for name, served, raw_samples in (
            ("GET weekly arrivals per crossing point, 12 weeks, national", arrival_weeks, raw_arrivals),
            ("GET weekly flow counts per crossing point, 12 weeks, one source", flow_weeks, raw_flows),
        ):
            raw_p95 = percentiles(raw_samples)[1]
            ratio = raw_p95 / percentiles(served)[1]
            yield row(name, served, floor_p95, f"raw GROUP BY p95 {raw_p95:,.0f} ms: × {ratio:.1f} the API's p95")

    return rows


def day_import_and_refresh(arrivals: int, points, provinces, today: datetime.date) -> None:
    """A day's import, written as the application writes (every trigger on, one transaction), then the refresh."""
    from django.db import connection, transaction

    from movements.figures import figures_refresh

    day = today - datetime.timedelta(days=1)
    per_day = max(1, arrivals // DAYS)
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT max(id) FROM movements_arrival")
        before_id = cursor.fetchone()[0]
        cursor.execute(ARRIVALS, {"points": points, "provinces": provinces, "first": day.isoformat(), "days": 1,
                                  "start": arrivals + 1, "stop": arrivals + per_day})  # fmt: skip
        cursor.execute(MEMBERS, {"first_id": before_id + 1, "last_id": before_id + per_day + 10})
        cursor.execute(FLOWS, {"points": points, "first": day, "last": day})
    took = time.perf_counter() - started
    done = figures_refresh()
    rebuilt = figures_refresh(rebuild=True)
    print()
    print(f"a day's import: {per_day:,} arrivals with their members and 480 flow counts, {took:.1f} s")
    print("| refresh | seconds | / 60 s goal | × incremental |")
    print("|---|---|---|---|")
    print(f"| movements_figures_refresh(): the changed weeks and months ({done['arrival_periods']} + "
          f"{done['flow_periods']} periods) | {done['seconds']:.1f} | {done['seconds'] / 60:.2f} | × 1 |")  # fmt: skip
    print(f"| movements_figures_rebuild(): every period | {rebuilt['seconds']:.1f} | {rebuilt['seconds'] / 60:.2f} | "
          f"× {rebuilt['seconds'] / done['seconds']:.0f} |")  # fmt: skip


def main() -> None:
    global SCRATCH
    if "DATABASE_URL" not in os.environ:
        sys.exit("DATABASE_URL is not set: run `set -a; . .data/env; set +a` first")
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("arrivals", type=int, nargs="?", default=5_000_000)
    parser.add_argument("households", type=int, nargs="?", default=1_000_000)
    parser.add_argument("requests", type=int, nargs="?", default=200)
    parser.add_argument("--registration-only", action="store_true")
    parser.add_argument("--before", type=Path)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--database")
    args = parser.parse_args()
    reuse = bool(args.database)
    if reuse:
        SCRATCH = args.database
        if not SCRATCH.startswith("landreg_bench_"):
            sys.exit("--database names a scratch database: landreg_bench_...")
    log = tempfile.NamedTemporaryFile("w+", prefix="landreg-bench-movements-", suffix=".log", delete=False)
    print(f"gunicorn log: {log.name}")
    print(f"scratch database: {SCRATCH}{' (reused)' if reuse else ''}")
    if not reuse:
        create_database(SCRATCH)
    try:
        env = {**os.environ, "DATABASE_URL": database_url(SCRATCH)}
        migrate = [sys.executable, "manage.py", "migrate", "--no-input", "--skip-checks", "-v", "0"]
        subprocess.run(migrate, cwd=ROOT, env=env, check=True)
        os.environ["DATABASE_URL"] = database_url(SCRATCH)  # from here on Django sees only the scratch database
        run(args.arrivals, args.households, args.requests, log, registration_only=args.registration_only or reuse,
            before=args.before.resolve() if args.before else None, reuse=reuse)  # fmt: skip
    finally:
        from django.db import connections

        connections.close_all()
        if args.keep or reuse:
            print(f"kept: {SCRATCH} (drop it with: .venv/bin/python -c \"import sys; sys.path.insert(0, 'bench'); "
                  f"import scratch; scratch.drop_database('{SCRATCH}')\")")  # fmt: skip
        else:
            drop_database(SCRATCH)


if __name__ == "__main__":
    main()
