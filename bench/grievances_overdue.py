"""Benchmark: the overdue grievance list over 1,000,000 grievances, as a provincial land officer asks for it.

The list is grievances.selectors.overdue_grievances(user)[:50]: the user's province, the grievances open with a
missed deadline, most overdue first, a page of 50, loaded as the officers' page loads it (with the province,
township and owner). The baseline, in the same run and on the same table, is the bare indexed query: the ids of
the same 50 rows from one SQL statement (`WHERE province_id = … AND status IN (open) AND next_due < now() ORDER BY
next_due, id LIMIT 50`). The list is also timed with its index dropped, to show what the index
`grievance_overdue_by_province` buys.

The grievances are written straight into the table (triggers off for the fill only: what is measured is the read):
34 provinces, received over two years, 30 % still open, 5 % sensitive, deadlines as the default policy sets them
(next_due computed as the database's trigger would). Printed: machine, date, size, load, p50 and p95 of each
query, and the ratios.

Never touches the real database: a scratch database landreg_bench_<pid> is created next to it, migrated, filled,
and dropped at the end.

Run: set -a; . .data/env; set +a; .venv/bin/python bench/grievances_overdue.py [N] [runs]
     (default 1,000,000 grievances, 200 runs of each query)
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
PROVINCES = 34
OFFICERS = 8  # provinces the officers asking work in (one each)

FILL = """
INSERT INTO grievances_grievance (
    reference, channel, category, sensitive, priority, anonymous, province_id, description, description_sealed,
    language, consent_to_share, status, received_at, acknowledge_due, refer_due, resolve_due, acknowledged_at,
    resolved_at, closed_at, next_due, escalation_level, referred_to, is_demo, updated_at)
SELECT ref, 'office', category, sensitive, 'normal', false, province, CASE WHEN sensitive THEN '' ELSE 'Bench.' END,
       CASE WHEN sensitive THEN '\\x00'::bytea END, 'fa', false, status, received,
       received + interval '72 hours', CASE WHEN sensitive THEN received + interval '24 hours' END,
       received + interval '30 days', acknowledged, resolved, CASE WHEN status = 'closed' THEN resolved END,
       CASE WHEN status IN ('received', 'acknowledged', 'under_review', 'referred') THEN
         least(CASE WHEN acknowledged IS NULL THEN received + interval '72 hours' END,
               CASE WHEN sensitive THEN received + interval '24 hours' END,
               received + interval '30 days') END,
       0, '', true, now()
  FROM (
    SELECT i,
           'G-' || substr(code, 1, 4) || '-' || substr(code, 5, 4) AS ref,
           (SELECT id FROM parcels_adminarea
             WHERE pcode = 'AF' || lpad((1 + i %% %(provinces)s)::text, 2, '0')) AS province,
           (ARRAY['land_dispute', 'usurpation', 'shelter_payment', 'other', 'other', 'shelter_payment',
                  'land_dispute', 'other', 'staff_conduct', 'other'])[1 + (i * 7) %% 10] AS category,
           (i * 7) %% 10 = 8 OR i %% 97 = 0 AS sensitive,
           CASE WHEN (i * 13) %% 10 < 7 THEN (ARRAY['resolved', 'closed'])[1 + i %% 2]
                ELSE (ARRAY['received', 'acknowledged', 'under_review', 'referred'])[1 + i %% 4] END AS status,
           now() - make_interval(secs => (i * 7919) %% (730 * 86400)) AS received
      FROM generate_series(1::bigint, %(n)s::bigint) AS i,
           LATERAL (SELECT string_agg(substr('23456789ABCDEFGHJKMNPQRSTUVWXYZ',
                                             1 + ((i * 2654435761 + 12345) / power(31, k)::bigint %% 31)::int, 1), ''
                                      ORDER BY k) AS code
                      FROM generate_series(0, 7) AS k) AS c
  ) AS g,
  LATERAL (SELECT CASE WHEN g.status = 'received' THEN NULL ELSE g.received + interval '2 days' END AS acknowledged,
                  CASE WHEN g.status IN ('resolved', 'closed') THEN g.received + interval '20 days' END
                    AS resolved) AS d
"""
BARE = (
    "SELECT id FROM grievances_grievance WHERE province_id = %s "
    "AND status IN ('received', 'acknowledged', 'under_review', 'referred') AND next_due < now() "
    "ORDER BY next_due, id LIMIT 50"
)


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def run(n: int, runs: int) -> None:
    import django

    django.setup()
    from django.db import connection

    from grievances.selectors import overdue_grievances
    from landreg import roles
    from landreg.services import roles_sync, user_create
    from parcels.models import AdminArea

    roles_sync()
    provinces = [
        AdminArea.objects.create(level="province", pcode=f"AF{p:02d}", name_en=f"Province {p}")
        for p in range(1, PROVINCES + 1)
    ]
    officers = [
        user_create(username=f"officer.{p.pcode}", password="x", roles=[roles.LAND_OFFICER], provinces=[p])
        for p in provinces[:OFFICERS]
    ]
    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute("ALTER TABLE grievances_grievance DISABLE TRIGGER USER")
        cursor.execute(FILL % {"provinces": PROVINCES, "n": n})
        cursor.execute("ALTER TABLE grievances_grievance ENABLE TRIGGER USER")
        cursor.execute("ANALYZE grievances_grievance")
        fill_s = time.perf_counter() - started
        cursor.execute("SELECT count(*), count(*) FILTER (WHERE next_due < now()) FROM grievances_grievance")
        total, overdue = cursor.fetchone()

    def selector(officer):
        return [g.reference for g in overdue_grievances(officer)[:50]]

    def bare(officer):
        province = next(iter(roles.access_of(officer).province_ids))
        with connection.cursor() as cursor:
            cursor.execute(BARE, [province])
            return [row[0] for row in cursor.fetchall()]

    def timed(query) -> list[float]:
        for officer in officers:  # warm: caches, the officers' access
            query(officer)
        samples = []
        for i in range(runs):
            officer = officers[i % len(officers)]
            started = time.perf_counter()
            rows = query(officer)
            samples.append(1000 * (time.perf_counter() - started))
            assert len(rows) == 50, "every province asked has more than 50 overdue grievances"
        return samples

    load_before = os.getloadavg()
    # Interleaved, so a change in the machine's load hits both alike.
    results = {"selector": [], "bare": []}
    for _ in range(4):
        results["bare"] += timed(bare)[: runs // 4]
        results["selector"] += timed(selector)[: runs // 4]
    with connection.cursor() as cursor:
        plan = "\n".join("    " + line for line in overdue_grievances(officers[0])[:50].explain().splitlines())
        cursor.execute("DROP INDEX grievance_overdue_by_province")
        cursor.execute("ANALYZE grievances_grievance")
    results["selector without the index"] = timed(selector)[: max(20, runs // 10)]
    load_after = os.getloadavg()

    print(
        f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        print(f"database: {cursor.fetchone()[0].split(',')[0]}")
    print(f"date: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC")
    print(f"size: {total:,} grievances in {PROVINCES} provinces, {overdue:,} overdue (filled in {fill_s:.0f} s)")
    print(
        f"load average (1, 5, 15 min): before {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}, "
        f"after {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}"
    )
    print(f"runs: {len(results['selector'])} of each, over {OFFICERS} provincial officers, page of 50")
    print()
    print("| query | p50, ms | p95, ms | p50 / bare |")
    print("|---|---|---|---|")
    bare_p50 = percentiles(results["bare"])[0]
    for name in ("bare", "selector", "selector without the index"):
        p50, p95 = percentiles(results[name])
        print(f"| {name} | {p50:.2f} | {p95:.2f} | × {p50 / bare_p50:.1f} |")
    print()
    print("plan of the selector's query (with the index):")
    print(plan)


def main() -> None:
    if "DATABASE_URL" not in os.environ:
        sys.exit("DATABASE_URL is not set: run `set -a; . .data/env; set +a` first")
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    create_database(SCRATCH)
    try:
        env = {**os.environ, "DATABASE_URL": database_url(SCRATCH)}
        migrate = [sys.executable, "manage.py", "migrate", "--no-input", "--skip-checks", "-v", "0"]
        subprocess.run(migrate, cwd=ROOT, env=env, check=True)
        os.environ["DATABASE_URL"] = database_url(SCRATCH)  # from here on Django sees only the scratch database
        run(n, runs)
    finally:
        from django.db import connections

        connections.close_all()
        drop_database(SCRATCH)


if __name__ == "__main__":
    main()
