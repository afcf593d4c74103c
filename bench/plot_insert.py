"""Benchmark: the cost of the land rules on plot inserts.

Inserts N plots (default 10,000; a 100 × 100 grid of 20 m × 20 m plots in 100 blocks of one township in
UTM 42N) into
  1. a copy of townships_plot with the same columns and indexes but none of the rules (no triggers, no checks);
  2. townships_plot with its rules (validity, containment, no overlap, derived area) but history triggers off;
  3. townships_plot as it runs: rules and trigger-written history.
each as multi-row INSERTs of 1,000 rows and as one INSERT per plot (the way QGIS saves edits). Everything
happens in one transaction that is rolled back: the database is left as it was.

Run with `make bench` (or: set -a; . .data/env; .venv/bin/python bench/plot_insert.py [N] [--turn DEGREES]).
With --set-check, it times the land rules' set check alone (plot_set_violations(), townships/sql/0017) on the N
plots inserted, both ways, alternating: through townships_plot's spatial index and on the grid, and prints the
ratio (landreg.plot_set_copy_from chooses the way, never the answer; both answers are compared).
With --turn, the whole layout (township, blocks, plots) is turned by that angle about its south-west corner, as
a layout not laid along the UTM grid. The turn is computed in SQL for every table, the plain one too, so its cost
is in the base of the ratios: compare turned runs with turned runs.
"""

import argparse
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "landreg.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from psycopg2.extras import execute_values  # noqa: E402

PLOT = 20.0  # metres
X0, Y0 = 500000.0, 3806000.0  # UTM 42N, near 69°E 34.4°N

BLOCK = 10  # plots per block side: blocks of 10 × 10 plots, as a surveyor lays them out
COLUMNS = "township_id, block_id, number, geom, use, status, created_at, updated_at"
TURN = 0.0  # degrees, set by --turn


def turned(envelope_sql: str) -> str:
    """An envelope SQL expression in UTM 42N, turned by TURN degrees about (X0, Y0)."""
    if not TURN:
        return envelope_sql
    return f"ST_Rotate({envelope_sql}, radians({TURN}), {X0}, {Y0})"


def row_template() -> str:
    envelope = turned("ST_MakeEnvelope(%s, %s, %s, %s, 32642)")
    return f"(%s, %s, %s, ST_Transform({envelope}, 4326), 'residential', 'available', now(), now())"


def rows(township_id: int, blocks: dict, n: int, side: int):
    for i in range(n):
        col, row = i % side, i // side
        x, y = X0 + col * PLOT, Y0 + row * PLOT
        yield (township_id, blocks[(col // BLOCK, row // BLOCK)], str(i + 1), x, y, x + PLOT, y + PLOT)


def create_blocks(cursor, township_id: int, side: int) -> dict:
    """Blocks whose outlines pass through every plot corner on their edges (segmentised every 20 m)."""
    blocks = {}
    for bx in range(-(-side // BLOCK)):
        for by in range(-(-side // BLOCK)):
            x, y = X0 + bx * BLOCK * PLOT, Y0 + by * BLOCK * PLOT
            cursor.execute(
                "INSERT INTO townships_block (township_id, code, geom, created_at, updated_at) VALUES (%s, %s, "
                f"ST_Transform({turned('ST_Segmentize(ST_MakeEnvelope(%s, %s, %s, %s, 32642), %s)')}, 4326), "
                "now(), now()) RETURNING id",
                (township_id, f"{bx}-{by}", x, y, x + BLOCK * PLOT, y + BLOCK * PLOT, PLOT),
            )
            blocks[(bx, by)] = cursor.fetchone()[0]
    return blocks


def timed(cursor, table, township_id, blocks, n, side, batch):
    cursor.execute("SAVEPOINT run")
    start = time.perf_counter()
    if batch:
        execute_values(
            cursor.cursor,
            f"INSERT INTO {table} ({COLUMNS}) VALUES %s",
            list(rows(township_id, blocks, n, side)),
            template=row_template(),
            page_size=1000,
        )
    else:
        for row in rows(township_id, blocks, n, side):
            cursor.execute(f"INSERT INTO {table} ({COLUMNS}) VALUES {row_template()}", row)
    # The multi-row land rules run at commit; the benchmark rolls back, so it makes them run now, timed.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    elapsed = time.perf_counter() - start
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    cursor.execute(f"SELECT count(*) FROM {table} WHERE township_id = %s", (township_id,))
    assert cursor.fetchone()[0] == n
    cursor.execute("ROLLBACK TO SAVEPOINT run")
    return elapsed


def main(n: int = 10_000):
    side = int(n**0.5) + (0 if int(n**0.5) ** 2 == n else 1)
    results = {}
    with transaction.atomic(), connection.cursor() as cursor:
        township = _township(cursor, side)
        cursor.execute(
            "CREATE TEMP TABLE plain_plot (LIKE townships_plot INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING INDEXES)"
        )
        cursor.execute("ANALYZE townships_plot")
        history_trigger = _history_trigger(cursor)
        blocks = create_blocks(cursor, township, side)
        for batch in (True, False):
            mode = "multi-row INSERT" if batch else "one INSERT per plot"
            for _attempt in range(2):  # alternate, keep the best of two
                for label, table, history in (
                    ("no rules", "plain_plot", None),
                    ("rules, no history", "townships_plot", False),
                    ("rules + history", "townships_plot", True),
                ):
                    if history is not None:
                        action = "ENABLE" if history else "DISABLE"
                        cursor.execute(f"ALTER TABLE townships_plot {action} TRIGGER {history_trigger}")
                    elapsed = timed(cursor, table, township, blocks, n, side, batch)
                    key = (mode, label)
                    results[key] = min(results.get(key, elapsed), elapsed)
        transaction.set_rollback(True)

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    when = time.strftime("%Y-%m-%d %H:%M", time.gmtime())
    print(f"# plot insert benchmark, {n:,} plots, turned {TURN}°, {when} UTC")
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(
        f"machine: {os.cpu_count()} cores, {cpu}; PostgreSQL {connection.pg_version // 10000}, "
        f"PostGIS {_postgis_version()}"
    )
    print("| mode | table | seconds | plots/s | ratio to no rules |")
    print("|---|---|---:|---:|---:|")
    for mode in ("multi-row INSERT", "one INSERT per plot"):
        base = results[(mode, "no rules")]
        for label in ("no rules", "rules, no history", "rules + history"):
            t = results[(mode, label)]
            print(f"| {mode} | {label} | {t:.2f} | {n / t:,.0f} | {t / base:.2f}× |")


def set_check(n: int, rounds: int = 3):
    """The set check on n fresh plots, by the index and by the grid, alternating; the best of each."""
    side = int(n**0.5) + (0 if int(n**0.5) ** 2 == n else 1)
    best = {}
    with transaction.atomic(), connection.cursor() as cursor:
        township = _township(cursor, side)
        blocks = create_blocks(cursor, township, side)
        execute_values(
            cursor.cursor,
            f"INSERT INTO townships_plot ({COLUMNS}) VALUES %s",
            list(rows(township, blocks, n, side)),
            template=row_template(),
            page_size=1000,
        )
        cursor.execute("SELECT array_agg(id ORDER BY id) FROM townships_plot WHERE township_id = %s", (township,))
        ids = cursor.fetchone()[0]
        answers = {}
        for _round in range(rounds):
            for way, copy_from in (("index", "999999999"), ("grid", "0")):
                cursor.execute("SELECT set_config('landreg.plot_set_copy_from', %s, true)", (copy_from,))
                start = time.perf_counter()
                cursor.execute("SELECT * FROM plot_set_violations(%s)", (ids,))
                answers[way] = cursor.fetchall()
                elapsed = time.perf_counter() - start
                best[way] = min(best.get(way, elapsed), elapsed)
        assert answers["index"] == answers["grid"], "the two ways disagree"
        transaction.set_rollback(True)
    when = time.strftime("%Y-%m-%d %H:%M", time.gmtime())
    print(f"# set check, {n:,} plots, turned {TURN}°, {when} UTC, best of {rounds}")
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"by the index {best['index']:.3f} s, by the grid {best['grid']:.3f} s: {best['grid'] / best['index']:.2f}×")


def _township(cursor, side: int) -> int:
    """The bench's township, around its whole blocks (a last block may be part-filled: √N need not be a multiple of
    the block's side)."""
    extent = -(-side // BLOCK) * BLOCK * PLOT
    cursor.execute(
        "INSERT INTO parcels_adminarea (level, pcode, iso_code, name_en, name_prs, name_ps) "
        "VALUES ('province', 'AF98', '', 'Bench', '', '') RETURNING id"
    )
    province = cursor.fetchone()[0]
    cursor.execute(
        "INSERT INTO townships_township (code, name, name_prs, name_ps, province_id, legal_basis, geom, status, "
        "planned_services, is_demo, created_at, updated_at) VALUES ('BENCH', 'Bench', '', '', %s, "
        f"'decree_305_2018', ST_Multi(ST_Transform({turned('ST_MakeEnvelope(%s, %s, %s, %s, 32642)')}, 4326)), "
        "'planned', '', false, now(), now()) RETURNING id",
        (province, X0 - 10, Y0 - 10, X0 + extent + 10, Y0 + extent + 10),
    )
    return cursor.fetchone()[0]


def _history_trigger(cursor) -> str:
    """pghistory's insert trigger on townships_plot (its name carries a hash)."""
    cursor.execute(
        "SELECT tgname FROM pg_trigger WHERE tgrelid = 'townships_plot'::regclass "
        "AND tgname LIKE 'pgtrigger_insert_insert_%%'"
    )
    return cursor.fetchone()[0]


def _postgis_version() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT postgis_lib_version()")
        return cursor.fetchone()[0]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=10_000, help="plots (default 10,000)")
    parser.add_argument("--turn", type=float, default=0.0, help="turn the layout by this many degrees")
    parser.add_argument("--set-check", action="store_true", help="time the set check alone, by the index and the grid")
    args = parser.parse_args()
    TURN = args.turn
    if args.set_check:
        set_check(args.n)
    else:
        main(args.n)
