"""Benchmark: how well possible duplicates are found, against the rule it replaced, on generated variant pairs.

The pairs (tests/households/variant_pairs.py, the same set the tests keep): true duplicates spelt as Afghan names
are transliterated in practice, and true non-duplicates (brothers, namesakes, cousins named alike, strangers).
The first record of every pair is registered; each second record is looked up as registration looks up a new head,
and every flag raised counts. Printed for each seed: recall, precision and flags, for the scored comparison
(households/duplicates.py) and for the baseline (the head's name alone at 0.6 trigram similarity with the same date
of birth), with the ratio of each to the baseline, and the time of one look-up against the registered heads.

Never touches the real database: a scratch database landreg_bench_<pid> is created next to it, migrated, and
dropped at the end.

Run: set -a; . .data/env; set +a; .venv/bin/python bench/duplicates.py [seed ...]   (default: 305 1402)
"""

import os
import platform
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


def run(seeds: list[int]) -> None:
    import django

    django.setup()
    from django.db import connection, transaction

    from households.duplicates import SCORE_THRESHOLD
    from parcels.models import AdminArea
    from tests.households import variant_pairs

    cores, python = os.cpu_count(), platform.python_version()
    print(f"machine: {platform.node()} {platform.machine()}, {cores} cores, Python {python}")
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        print(f"database: {cursor.fetchone()[0].split(',')[0]}")
    print(f"threshold: {SCORE_THRESHOLD}")
    print()
    print("| seed | pairs | method | recall | precision | flags | false flags by kind | look-up, ms |")
    print("|---|---|---|---|---|---|---|---|")
    for seed in seeds:
        with transaction.atomic():
            province = AdminArea.objects.create(level="province", pcode="AF99", name_en="Bench")
            pairs = variant_pairs.variant_pairs(seed=seed)
            districts = variant_pairs.make_districts(province)
            ids = variant_pairs.register_first_records(pairs, province, districts)
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE households_person")
            started = time.perf_counter()
            baseline = variant_pairs.measure_baseline(pairs, ids)
            baseline_ms = 1000 * (time.perf_counter() - started) / len(pairs)
            started = time.perf_counter()
            scored = variant_pairs.measure(pairs, ids, districts)
            scored_ms = 1000 * (time.perf_counter() - started) / len(pairs)
            for name, f, ms in (("baseline", baseline, baseline_ms), ("scored", scored, scored_ms)):
                print(
                    f"| {seed} | {f.pairs} ({f.duplicates} duplicates) | {name} | {f.recall:.3f} ({f.found}/"
                    f"{f.duplicates}) | {f.precision:.3f} ({f.found}/{f.flags}) | {f.flags} | "
                    f"{f.false_by_kind or '—'} | {ms:.1f} |"
                )
            ratio = scored.recall / baseline.recall if baseline.recall else float("inf")
            print(
                f"| {seed} | | scored / baseline | × {ratio:.1f} | × {scored.precision / baseline.precision:.2f} |"
                f" | | × {scored_ms / baseline_ms:.1f} |"
            )
            transaction.set_rollback(True)
    scale(seeds[0])


def scale(seed: int, registered: int = 50_000, lookups: int = 200) -> None:
    """The cost of one look-up when many heads are registered: the GIN index on the name keys bounds the
    candidates. `registered` heads (first records of generated pairs), then `lookups` second records looked up."""
    from django.db import connection, transaction

    from households.duplicates import Head, similar_heads
    from parcels.models import AdminArea
    from tests.households import variant_pairs

    with transaction.atomic():
        province = AdminArea.objects.create(level="province", pcode="AF98", name_en="Bench scale")
        districts = variant_pairs.make_districts(province)
        pairs = variant_pairs.variant_pairs(seed=seed, duplicates=registered // 2, others=registered // 8)
        started = time.perf_counter()
        variant_pairs.register_first_records(pairs, province, districts)
        inserted = time.perf_counter() - started
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE households_person")
        probes = pairs[:: max(1, len(pairs) // lookups)][:lookups]
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('pg_trgm.similarity_threshold', '0.6', true)")
            for pair in probes:
                if pair.second.date_of_birth is not None:
                    cursor.execute(
                        variant_pairs._BASELINE,
                        {
                            "born": pair.second.date_of_birth,
                            "name": pair.second.name,
                            "father": pair.second.father_name,
                        },
                    )
                    cursor.fetchall()
        baseline_ms = 1000 * (time.perf_counter() - started) / len(probes)
        started = time.perf_counter()
        for pair in probes:
            second = pair.second
            similar_heads(
                Head(
                    name=second.name,
                    father_name=second.father_name,
                    name_local=second.name_local,
                    father_name_local=second.father_name_local,
                    date_of_birth=second.date_of_birth,
                )
            )
        scored_ms = 1000 * (time.perf_counter() - started) / len(probes)
        print()
        print(
            f"scale: {len(pairs)} heads registered ({inserted:.1f} s, with the name keys derived by trigger); "
            f"{len(probes)} look-ups: baseline {baseline_ms:.1f} ms, scored {scored_ms:.1f} ms each "
            f"(× {scored_ms / baseline_ms:.1f})"
        )
        transaction.set_rollback(True)


def main() -> None:
    if "DATABASE_URL" not in os.environ:
        sys.exit("DATABASE_URL is not set: run `set -a; . .data/env; set +a` first")
    seeds = [int(s) for s in sys.argv[1:]] or [305, 1402]
    create_database(SCRATCH)
    try:
        env = {**os.environ, "DATABASE_URL": database_url(SCRATCH)}
        migrate = [sys.executable, "manage.py", "migrate", "--no-input", "--skip-checks", "-v", "0"]
        subprocess.run(migrate, cwd=ROOT, env=env, check=True)
        os.environ["DATABASE_URL"] = database_url(SCRATCH)  # from here on Django sees only the scratch database
        run(seeds)
    finally:
        from django.db import connections

        connections.close_all()
        drop_database(SCRATCH)


if __name__ == "__main__":
    main()
