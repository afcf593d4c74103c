"""Benchmark: the similar-head candidate search of households/duplicates.py (similar_heads), in-process, against
the trigram filter it replaced, in the same run on the same data.

Data: N households with one head each, generated set-based as bench/movements_api.py does (its HOUSEHOLDS and
HEADS: common Afghan given and family names, about N / 2,460 heads per full name, a date of birth over 44 years).
Probes: heads drawn from the data (a family registered again: same name, father and date of birth), and the same
with the date of birth moved (an estimate from an age), half each. Each probe is timed with both searches,
alternately, and the flags of both are compared: the new search must flag all the old one flagged.

Never touches the real database: a scratch database landreg_bench_<pid> is created next to it, migrated, and
dropped at the end.

    set -a; . .data/env; set +a
    .venv/bin/python bench/households_duplicates.py [HOUSEHOLDS=1000000] [PROBES=200]
"""

import datetime
import os
import platform
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "landreg.settings")

from movements_api import CATEGORIES, FAMILY, GIVEN, HEADS, HOUSEHOLDS  # noqa: E402
from movements_figures import percentiles  # noqa: E402
from scratch import create_database, database_url, drop_database  # noqa: E402

from tests.households.old_candidate_search import TRIGRAM_FILTER  # noqa: E402

SCRATCH = f"landreg_bench_{os.getpid()}"


def run(households: int, probes: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from households import duplicates
    from parcels.models import AdminArea

    print(
        f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"date: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC")
    print(f"load average at start: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    with open(os.devnull, "w") as quiet:  # noqa: PTH123
        call_command("load_provinces", stdout=quiet)
    provinces = list(AdminArea.objects.filter(level="province").order_by("pcode").values_list("pk", flat=True))
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        print(f"database: {cursor.fetchone()[0].split(',')[0]}")
        for table in ("households_household", "households_person"):
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        chunk = 500_000
        for start in range(1, households + 1, chunk):
            values = {"categories": list(CATEGORIES), "provinces": provinces, "start": start,
                      "stop": min(households, start + chunk - 1)}  # fmt: skip
            cursor.execute(HOUSEHOLDS, values)
        cursor.execute("SELECT min(id), max(id) FROM households_household")
        low, high = cursor.fetchone()
        for first_id in range(low, high + 1, chunk):
            cursor.execute(HEADS, {"given": list(GIVEN), "family": list(FAMILY), "ng": len(GIVEN), "nf": len(FAMILY),
                                   "low": first_id, "high": min(high, first_id + chunk - 1)})  # fmt: skip
        for table in ("households_household", "households_person"):
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
            cursor.execute(f"VACUUM ANALYZE {table}")
        cursor.execute("SELECT count(*) FROM households_person WHERE relationship = 'head'")
        heads = cursor.fetchone()[0]
        rng = random.Random(15)
        cursor.execute(
            "SELECT name, father_name, date_of_birth FROM households_person WHERE household_id = ANY(%s)",
            [[rng.randint(low, high) for _ in range(probes)]],
        )
        drawn = cursor.fetchall()
    print(f"data: {households:,} households, {heads:,} heads ({time.perf_counter() - started:.0f} s to generate)")
    cases = []
    for number, (name, father, born) in enumerate(drawn):
        if number % 2:
            born = datetime.date(born.year, 1, 1) if born.month > 1 else born + datetime.timedelta(days=40)
        cases.append(duplicates.Head(name=name, father_name=father, date_of_birth=born))

    new_sql, new_limit = duplicates._CANDIDATES, duplicates.CANDIDATE_LIMIT

    def old_search(head):
        duplicates._CANDIDATES, duplicates.CANDIDATE_LIMIT = TRIGRAM_FILTER, new_limit - 1  # the old LIMIT 100
        try:
            return duplicates.similar_heads(head)
        finally:
            duplicates._CANDIDATES, duplicates.CANDIDATE_LIMIT = new_sql, new_limit

    for head in cases[:5]:  # warm the caches for both
        old_search(head)
        duplicates.similar_heads(head)
    old_times, new_times, old_flags, new_flags, missing = [], [], 0, 0, 0
    for head in cases:
        began = time.perf_counter()
        old = set(old_search(head))
        old_times.append(time.perf_counter() - began)
        began = time.perf_counter()
        new = set(duplicates.similar_heads(head))
        new_times.append(time.perf_counter() - began)
        old_flags, new_flags = old_flags + len(old), new_flags + len(new)
        missing += len({h for h, _s in old} - {h for h, _s in new})
    old_p, new_p = percentiles(old_times), percentiles(new_times)
    print(f"load average at end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"{len(cases)} probes (half with the date of birth moved), similar_heads in-process, ms:")
    print("| search | p50 | p95 | flags raised | flagged by the old, not by the new |")
    print("|---|---|---|---|---|")
    print(f"| trigram filter (old, baseline) | {old_p[0] * 1000:.1f} | {old_p[1] * 1000:.1f} | {old_flags} | - |")
    print(f"| nearest + same key + same birth date (new) | {new_p[0] * 1000:.1f} | {new_p[1] * 1000:.1f} | "
          f"{new_flags} | {missing} |")  # fmt: skip
    print(f"ratio new / old: p50 {new_p[0] / old_p[0]:.3f}, p95 {new_p[1] / old_p[1]:.3f}")


def main() -> None:
    if "DATABASE_URL" not in os.environ:
        sys.exit("DATABASE_URL is not set: run `set -a; . .data/env; set +a` first")
    households = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    probes = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    create_database(SCRATCH)
    try:
        env = {**os.environ, "DATABASE_URL": database_url(SCRATCH)}
        migrate = [sys.executable, "manage.py", "migrate", "--no-input", "--skip-checks", "-v", "0"]
        subprocess.run(migrate, cwd=ROOT, env=env, check=True)
        os.environ["DATABASE_URL"] = database_url(SCRATCH)  # from here on Django sees only the scratch database
        run(households, probes)
    finally:
        from django.db import connections

        connections.close_all()
        drop_database(SCRATCH)


if __name__ == "__main__":
    main()
