"""Benchmark: weekly movement figures from the totals (movements/sql/0003) against the raw GROUP BY over the same
tables, and the time to bring the figures up to date after a day's import (docs/movements.md, "Figures"; goal:
under 60 s), against a whole recomputation (what a materialized view's REFRESH does).

Data, generated set-based in SQL on a scratch database: N arrival records (default 5,000,000; about two members
each: a third travel alone, the rest as a family of two or three) spread over two years at the 10 busiest crossing
points, and two years of daily flow counts at the same 10 points (every direction, category, way of travelling and
source: 48 rows a point a day, the border team's with a full sex and age split). The rows are written with the
tables' own triggers off (rules and history are not what is measured here; the tests cover them), then ANALYZEd.

Measured, in one run:
- the weekly arrivals per crossing point over the last 12 weeks, as the dashboard asks for them, through
  movements.figures.arrival_figures (the view) and as the same GROUP BY over arrivals and their members (raw):
  p50 and p95 of R runs each, and raw / view;
- the same for the weekly flow counts (movements.figures.flow_figures against a GROUP BY over the counts);
- the refresh after a day's import (one day's arrivals, N / 730 of them with their members, and one day's 480 flow
  counts, written with every trigger on, in one transaction): movements_figures_refresh(), which recomputes the
  week and month of that day; against movements_figures_rebuild() (every period) and against REFRESH MATERIALIZED
  VIEW CONCURRENTLY of a materialized view of the same arrival figures (BASELINE_VIEW, made here for the
  comparison).

Never touches the real database: a scratch database landreg_bench_<pid> is created next to it, migrated, and
dropped at the end.

Run: set -a; . .data/env; set +a; .venv/bin/python bench/movements_figures.py [arrivals] [runs]
     (default: 5000000 30)
"""

import datetime
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "landreg.settings")

from scratch import create_database, database_url, drop_database  # noqa: E402

SCRATCH = f"landreg_bench_{os.getpid()}"
DAYS = 730
POINTS = ["torkham", "spin_boldak", "islam_qala", "milak", "abu_nasr_farahi", "ghulam_khan", "angor_ada",
          "dand_e_patan", "hairatan", "torghundi"]  # fmt: skip
TABLES = ["movements_arrival", "movements_arrivalmember", "movements_flowcount"]

ARRIVALS = """
INSERT INTO movements_arrival (client_uuid, crossing_point_id, crossed_at, direction, category,
       repatriation_form_hash, repatriation_form_last4, country_of_asylum, years_abroad, documents_held, travelling,
       vulnerabilities, assistance, destination_province_id, recorded_at, is_demo)
SELECT gen_random_uuid(),
       (%(points)s::bigint[])[1 + (g * 7919) %% 10],
       %(first)s::timestamptz + ((g * 104729) %% (%(days)s * 86400)) * interval '1 second',
       'in',
       (ARRAY['deported', 'deported', 'spontaneous_undocumented', 'documented'])[1 + g %% 4],
       '', '', CASE WHEN g %% 5 = 0 THEN 'PK' ELSE 'IR' END, g %% 30, '{none}',
       CASE WHEN g %% 3 = 0 THEN 'alone' ELSE 'family' END, '{}', '{}',
       (%(provinces)s::bigint[])[1 + (g * 31) %% 34], now(), false
  FROM generate_series(%(start)s::bigint, %(stop)s::bigint) AS g
"""
MEMBERS = """
INSERT INTO movements_arrivalmember (arrival_id, relationship, name, father_name, name_local, sex, age_band,
       tazkira_hash, tazkira_last4, por_hash, por_last4)
SELECT a.id, m.relationship, '', '', '', m.sex, m.age_band, '', '', '', ''
  FROM movements_arrival a
  CROSS JOIN LATERAL (
    SELECT 'head' AS relationship, CASE WHEN a.id %% 4 = 0 THEN 'f' ELSE 'm' END AS sex, '18_59' AS age_band
    UNION ALL
    SELECT 'spouse', CASE WHEN a.id %% 4 = 0 THEN 'm' ELSE 'f' END, '18_59' WHERE a.travelling = 'family'
    UNION ALL
    SELECT 'child', CASE WHEN a.id %% 2 = 0 THEN 'f' ELSE 'm' END,
           (ARRAY['0_4', '5_17', '5_17'])[1 + a.id %% 3] WHERE a.travelling = 'family' AND a.id %% 2 = 0
  ) AS m
 WHERE a.id BETWEEN %(first_id)s AND %(last_id)s
"""
FLOWS = """
INSERT INTO movements_flowcount (crossing_point_id, day, direction, category, travelling, source, method, total,
       female, male, f_0_4, f_5_17, f_18_59, f_60_plus, m_0_4, m_5_17, m_18_59, m_60_plus, updated_at, is_demo)
SELECT p, d, dir, cat, trav, src, 'headcount', 80, s.female, s.male, s.f1, s.f2, s.f3, s.f4, s.m1, s.m2, s.m3, s.m4,
       now(), false
  FROM unnest(%(points)s::bigint[]) AS p,
       generate_series(%(first)s::date, %(last)s::date, interval '1 day') AS d,
       unnest(ARRAY['in', 'out']) AS dir,
       unnest(ARRAY['deported', 'spontaneous_undocumented', 'documented', 'avr']) AS cat,
       unnest(ARRAY['family', 'alone']) AS trav,
       unnest(ARRAY['border_team', 'iom', 'unhcr']) AS src,
       LATERAL (SELECT 38 AS female, 42 AS male, 8 AS f1, 10 AS f2, 16 AS f3, 4 AS f4, 9 AS m1, 11 AS m2, 18 AS m3,
                       4 AS m4 WHERE src = 'border_team'
                UNION ALL
                SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL WHERE src <> 'border_team') AS s
"""  # fmt: skip
BASELINE_VIEW = """
CREATE MATERIALIZED VIEW bench_arrival_figures AS
WITH people AS (
  SELECT movements_kabul_day(a.crossed_at) AS day, a.crossing_point_id, a.destination_province_id,
         coalesce(a.destination_district_id, 0) AS destination_district_id, a.direction, a.category, m.sex, m.age_band
    FROM movements_arrival a JOIN movements_arrivalmember m ON m.arrival_id = a.id
)
SELECT 'week'::text AS period, movements_week_start(day) AS period_start, crossing_point_id, destination_province_id,
       destination_district_id, direction, category, sex, age_band, count(*)::integer AS people
  FROM people GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
UNION ALL
SELECT 'month', date_trunc('month', day)::date, crossing_point_id, destination_province_id, destination_district_id,
       direction, category, sex, age_band, count(*)::integer
  FROM people GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9;
CREATE UNIQUE INDEX ON bench_arrival_figures (period, period_start, crossing_point_id, destination_province_id,
       destination_district_id, direction, category, sex, age_band);
"""
RAW_ARRIVALS = """
SELECT movements_week_start((a.crossed_at AT TIME ZONE 'Asia/Kabul')::date) AS week, a.crossing_point_id, count(*)
  FROM movements_arrival a JOIN movements_arrivalmember m ON m.arrival_id = a.id
 WHERE a.crossed_at >= %(since)s::date AT TIME ZONE 'Asia/Kabul'
 GROUP BY 1, 2 ORDER BY 1, 2
"""
RAW_FLOWS = """
SELECT movements_week_start(f.day) AS week, f.crossing_point_id, sum(f.total)
  FROM movements_flowcount f
 WHERE f.day >= %(since)s AND f.source = 'border_team'
 GROUP BY 1, 2 ORDER BY 1, 2
"""


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def timed(function, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        out.append(1000 * (time.perf_counter() - start))
    return out


def run(arrivals: int, runs: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from landreg import roles
    from landreg.services import roles_sync, user_create
    from movements.figures import arrival_figures, figures_refresh, flow_figures
    from parcels.models import AdminArea, CrossingPoint

    cores, python = os.cpu_count(), platform.python_version()
    print(f"machine: {platform.node()} {platform.machine()}, {cores} cores, Python {python}")
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        print(f"database: {cursor.fetchone()[0].split(',')[0]}")
        cursor.execute("SELECT current_setting('work_mem'), current_setting('shared_buffers')")
        print("work_mem {}, shared_buffers {}".format(*cursor.fetchone()))
    with open(os.devnull, "w") as quiet:  # noqa: PTH123
        call_command("load_provinces", stdout=quiet)
    roles_sync()
    national = user_create(username="bench.national", password="x", roles=[roles.LAND_OFFICER], national=True)
    herat = AdminArea.objects.get(pcode="AF32")
    provincial = user_create(username="bench.herat", password="x", roles=[roles.LAND_OFFICER], provinces=[herat])
    points = [CrossingPoint.objects.get(code=c).pk for c in POINTS]
    provinces = list(AdminArea.objects.filter(level="province").order_by("pcode").values_list("pk", flat=True))
    today = datetime.date.today()
    first = today - datetime.timedelta(days=DAYS)
    print(f"data: {arrivals:,} arrivals over {DAYS} days at {len(points)} crossing points; flow counts the same days")

    started = time.perf_counter()
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        chunk = 500_000
        for start in range(1, arrivals + 1, chunk):
            stop = min(arrivals, start + chunk - 1)
            cursor.execute(
                ARRIVALS,
                {
                    "points": points,
                    "provinces": provinces,
                    "first": first.isoformat(),
                    "days": DAYS - 1,
                    "start": start,
                    "stop": stop,
                },
            )
        cursor.execute("SELECT min(id), max(id) FROM movements_arrival")
        low, high = cursor.fetchone()
        for first_id in range(low, high + 1, chunk):
            cursor.execute(MEMBERS, {"first_id": first_id, "last_id": min(high, first_id + chunk - 1)})
        cursor.execute(FLOWS, {"points": points, "first": first, "last": today - datetime.timedelta(days=2)})
        for table in TABLES:
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
            cursor.execute(f"ANALYZE {table}")
        cursor.execute("SELECT count(*) FROM movements_arrivalmember")
        members = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM movements_flowcount")
        flows = cursor.fetchone()[0]
    print(f"generated: {arrivals:,} arrivals, {members:,} members, {flows:,} flow counts in "
          f"{time.perf_counter() - started:.0f} s")  # fmt: skip

    rebuilt = figures_refresh(rebuild=True)
    print(
        f"rebuild of every period: {rebuilt['arrival_periods']} + {rebuilt['flow_periods']} periods in "
        f"{rebuilt['seconds']:.1f} s"
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE movements_arrival_totals")
        cursor.execute("ANALYZE movements_flow_totals")
        cursor.execute("SELECT count(*) FROM movements_arrival_totals")
        arrival_rows = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM movements_flow_totals")
        flow_rows = cursor.fetchone()[0]
        started = time.perf_counter()
        cursor.execute(BASELINE_VIEW)
        print(f"baseline materialized view made in {time.perf_counter() - started:.1f} s")
    print(f"totals rows: arrivals {arrival_rows:,}, flows {flow_rows:,}")

    since = today - datetime.timedelta(weeks=12)

    def raw(sql):
        def query():
            with connection.cursor() as cursor:
                cursor.execute(sql, {"since": since})
                return cursor.fetchall()

        return query

    checks = [
        ("arrivals per week and crossing point, 12 weeks, national",
         lambda: arrival_figures(national, since=since, by=("period_start", "crossing_point_id")),
         raw(RAW_ARRIVALS)),
        ("arrivals per week and crossing point, 12 weeks, one province",
         lambda: arrival_figures(provincial, since=since, by=("period_start", "crossing_point_id")),
         None),
        ("flow counts per week and crossing point, 12 weeks, one source",
         lambda: flow_figures(national, since=since, by=("period_start", "crossing_point_id"),
                              where={"source": "border_team"}),
         raw(RAW_FLOWS)),
    ]  # fmt: skip
    print()
    print("| query | totals p50 ms | totals p95 ms | raw GROUP BY p50 ms | raw p95 ms | raw p95 / totals p95 |")
    print("|---|---|---|---|---|---|")
    for name, view, raw_query in checks:
        view()  # warm
        view_p50, view_p95 = percentiles(timed(view, runs))
        if raw_query is None:
            print(f"| {name} | {view_p50:.1f} | {view_p95:.1f} | | | |")
            continue
        raw_query()
        raw_p50, raw_p95 = percentiles(timed(raw_query, max(3, runs // 6)))
        print(
            f"| {name} | {view_p50:.1f} | {view_p95:.1f} | {raw_p50:.0f} | {raw_p95:.0f} | × {raw_p95 / view_p95:.0f} |"
        )

    # A day's import, written as the application writes (every trigger on, one transaction), then the refresh.
    from django.db import transaction

    day = today - datetime.timedelta(days=1)
    per_day = max(1, arrivals // DAYS)
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT max(id) FROM movements_arrival")
        before = cursor.fetchone()[0]
        cursor.execute(
            ARRIVALS,
            {"points": points, "provinces": provinces, "first": day.isoformat(), "days": 1,
             "start": arrivals + 1, "stop": arrivals + per_day},
        )  # fmt: skip
        cursor.execute(MEMBERS, {"first_id": before + 1, "last_id": before + per_day + 10})
        cursor.execute(FLOWS, {"points": points, "first": day, "last": day})
    print()
    took = time.perf_counter() - started
    print(f"a day's import: {per_day:,} arrivals with their members, 480 flow counts ({took:.1f} s)")
    done = figures_refresh()
    print(
        f"refresh after it: {done['arrival_periods']} + {done['flow_periods']} periods recomputed in "
        f"{done['seconds']:.2f} s = {done['seconds'] / 60:.3f} of the 60 s goal"
    )
    rebuilt = figures_refresh(rebuild=True)
    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute("REFRESH MATERIALIZED VIEW CONCURRENTLY bench_arrival_figures")
        view_seconds = time.perf_counter() - started
    print(
        f"against: rebuild of every period {rebuilt['seconds']:.1f} s (× {rebuilt['seconds'] / done['seconds']:.0f}); "
        f"REFRESH MATERIALIZED VIEW CONCURRENTLY of the arrival figures alone {view_seconds:.1f} s "
        f"(× {view_seconds / done['seconds']:.0f})"
    )


def main() -> None:
    if "DATABASE_URL" not in os.environ:
        sys.exit("DATABASE_URL is not set: run `set -a; . .data/env; set +a` first")
    arrivals = int(sys.argv[1]) if len(sys.argv) > 1 else 5_000_000
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    create_database(SCRATCH)
    try:
        env = {**os.environ, "DATABASE_URL": database_url(SCRATCH)}
        migrate = [sys.executable, "manage.py", "migrate", "--no-input", "--skip-checks", "-v", "0"]
        subprocess.run(migrate, cwd=ROOT, env=env, check=True)
        os.environ["DATABASE_URL"] = database_url(SCRATCH)  # from here on Django sees only the scratch database
        run(arrivals, runs)
    finally:
        from django.db import connections

        connections.close_all()
        drop_database(SCRATCH)


if __name__ == "__main__":
    main()
