"""Benchmark: importing a 100,000-plot township layout from a GeoPackage, against ogr2ogr loading the same file.

Never touches the real database. It creates the scratch database landreg_bench_layouts next to it and migrates
it, lays out one township in UTM 42N (a grid of 20 m × 20 m plots in blocks of 10 × 10, the township and block
outlines passing through every plot corner), and writes the plots to a GeoPackage in EPSG:32642 with ogr2ogr
(attributes plot_no, block, use). Then, each in its own process so its peak memory is its own:
  1. the dry run: `layout_check` (read with GDAL, transform to 4326, COPY to a temporary table, every check);
  2. the import: `layout_commit` (the same checks again, then one INSERT … SELECT through every land-rule and
     history trigger, and the deferred land rules asked at once), in one transaction;
  3. ogr2ogr loading the same file into a bare PostGIS table (no rules, no history; -t_srs EPSG:4326, COPY,
     spatial index), the floor for getting those features into PostGIS at all.
Time is wall clock; peak memory is the process's peak resident set (VmHWM), which leaves out the PostgreSQL
backend's own memory. The ratio is import time over ogr2ogr time, measured in the same run.
The scratch database is dropped at the end, whatever happens.

Run: set -a; . .data/env; set +a; .venv/bin/python bench/layout_import.py [--plots 100000] [--keep] [--scratch NAME]
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg2
from scratch import connection_params, create_database, database_url, drop_database

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SCRATCH = "landreg_bench_layouts"
PLOT = 20.0
BLOCK = 10  # plots per block side
X0, Y0 = 500000.0, 3806000.0  # UTM 42N, near 69°E 34.4°N
CODE = "BENCH-LAYOUT"


def pg_dsn(dbname: str) -> str:
    return "PG:" + " ".join(f"{k}='{v}'" for k, v in connection_params(dbname).items())


def _high_water_mib(pid: int) -> int | None:
    """VmHWM, the peak resident memory of this process image (reset by exec, unlike ru_maxrss after a fork)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) // 1024
    except OSError:
        return None
    return None


def run_measured(command: list[str], env=None) -> tuple[float, int, str]:
    """Run a process; (wall seconds, peak resident memory in MiB, stdout). The peak is read from /proc while the
    process runs (every 20 ms) and, for our own children, reported by the child itself just before it exits."""
    out = tempfile.TemporaryFile()
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=out, stderr=subprocess.PIPE, env=env)
    peak = 0
    while process.poll() is None:
        peak = max(peak, _high_water_mib(process.pid) or 0)
        time.sleep(0.02)
    seconds = time.perf_counter() - start
    out.seek(0)
    text = out.read().decode()
    if process.returncode:
        raise RuntimeError(f"{command[0]} failed ({process.returncode}): {process.stderr.read().decode()[-2000:]}")
    return seconds, peak, text


# --- the scratch township and its file ------------------------------------------------------------------------


def build(plots: int, gpkg: Path) -> dict:
    from django.core.management import call_command
    from django.db import connection

    from landreg import roles
    from landreg.services import roles_sync, user_create
    from parcels.models import AdminArea

    assert connection.settings_dict["NAME"] == SCRATCH, "refusing to build benchmark data outside the scratch database"
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrated = time.perf_counter()
    roles_sync()
    user_create(username="bench.admin", password="x", roles=[roles.ADMINISTRATOR], national=True, is_superuser=True)
    province = AdminArea.objects.create(level="province", pcode="AF06", name_en="Nangarhar")
    cols = 250
    rows = -(-plots // cols)
    width, height = cols * PLOT, rows * PLOT
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO townships_township (code, name, name_prs, name_ps, province_id, legal_basis, geom, status, "
            "planned_services, is_demo, created_at, updated_at) VALUES (%s, 'Bench layout', '', '', %s, "
            "'decree_305_2018', ST_Multi(ST_Transform(ST_Segmentize(ST_MakeEnvelope(%s, %s, %s, %s, 32642), %s), "
            "4326)), 'planned', '', true, now(), now()) RETURNING id",
            [CODE, province.pk, X0, Y0, X0 + width, Y0 + height, PLOT],
        )
        township = cursor.fetchone()[0]
        cursor.execute(
            """
            INSERT INTO townships_block (township_id, code, geom, created_at, updated_at)
            SELECT %(t)s, bx || '-' || by,
                   ST_Transform(ST_Segmentize(ST_MakeEnvelope(%(x0)s + bx * %(side)s, %(y0)s + by * %(side)s,
                       %(x0)s + least((bx + 1) * %(side)s, %(w)s), %(y0)s + least((by + 1) * %(side)s, %(h)s), 32642),
                       %(plot)s), 4326), now(), now()
              FROM generate_series(0, ceil(%(w)s / %(side)s)::int - 1) bx,
                   generate_series(0, ceil(%(h)s / %(side)s)::int - 1) by
            """,
            {"t": township, "x0": X0, "y0": Y0, "side": BLOCK * PLOT, "w": width, "h": height, "plot": PLOT},
        )
        cursor.execute("SELECT count(*) FROM townships_block")
        blocks = cursor.fetchone()[0]
    laid_out = time.perf_counter()
    plots_sql = (
        f"SELECT (i + 1)::text AS plot_no, ((i % {cols}) / {BLOCK}) || '-' || ((i / {cols}) / {BLOCK}) AS block, "
        f"CASE WHEN i % 50 = 0 THEN 'commercial' ELSE 'residential' END AS use, "
        f"ST_MakeEnvelope({X0} + (i % {cols}) * {PLOT}, {Y0} + (i / {cols}) * {PLOT}, "
        f"{X0} + (i % {cols} + 1) * {PLOT}, {Y0} + (i / {cols} + 1) * {PLOT}, 32642) AS geom "
        f"FROM generate_series(0, {plots - 1}) AS i"
    )
    subprocess.run(
        [
            "ogr2ogr",
            "-f",
            "GPKG",
            str(gpkg),
            pg_dsn(SCRATCH),
            "-sql",
            plots_sql,
            "-nln",
            "plots",
            "-a_srs",
            "EPSG:32642",
            "-nlt",
            "POLYGON",
        ],
        check=True,
        capture_output=True,
    )
    connection.close()
    return {
        "township": township,
        "blocks": blocks,
        "migrate_s": migrated - started,
        "layout_s": laid_out - migrated,
        "file_s": time.perf_counter() - laid_out,
        "file_mb": gpkg.stat().st_size / 1e6,
    }


# --- the measured steps, each in a child process ----------------------------------------------------------------


def child(step: str, gpkg: Path, layout_import: int | None) -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from townships import layouts
    from townships.models import LayoutImport, Township

    user = get_user_model().objects.get(username="bench.admin")
    start = time.perf_counter()
    marks = {}  # stage -> seconds since start when its last progress report came

    def progress(stage, done, total):
        marks[f"{stage} {done}/{total}" if stage in ("written", "checked") else stage] = time.perf_counter() - start

    if step == "check":
        checked = layouts.layout_check(
            township=Township.objects.get(code=CODE),
            path=gpkg,
            name=gpkg.name,
            by=user,
            mapping=layouts.Mapping("plot_no", "block", "use"),
            progress=progress,
        )
    else:
        checked = layouts.layout_commit(
            layout_import=LayoutImport.objects.get(pk=layout_import), by=user, progress=progress
        )
    print(
        json.dumps(
            {
                "id": checked.pk,
                "status": checked.status,
                "counts": checked.counts,
                "seconds_inside": time.perf_counter() - start,
                "peak_mib": _high_water_mib(os.getpid()),
                "marks": marks,
            }
        )
    )


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        memory = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError):
        memory = "?"
    conn = psycopg2.connect(**connection_params(SCRATCH))
    with conn.cursor() as cursor:
        cursor.execute("SELECT current_setting('server_version'), postgis_lib_version(), postgis_geos_version()")
        pg, postgis, geos = cursor.fetchone()
    conn.close()
    gdal = subprocess.run(["ogr2ogr", "--version"], capture_output=True, text=True).stdout.strip()
    return f"{os.cpu_count()} cores ({cpu}), {memory} GiB, PostgreSQL {pg}, PostGIS {postgis}, GEOS {geos}, {gdal}"


def main():
    global SCRATCH
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plots", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database afterwards")
    parser.add_argument(
        "--scratch",
        default=SCRATCH,
        help="name of the scratch database (give each concurrent run its own; it must start with landreg_bench_)",
    )
    parser.add_argument("--child", choices=["check", "commit"], help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--import-id", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not args.scratch.startswith("landreg_bench_"):
        parser.error("--scratch must start with landreg_bench_")
    SCRATCH = args.scratch
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "landreg.settings")
    if args.child:
        child(args.child, args.file, args.import_id)
        return

    load_before = " ".join(f"{v:.1f}" for v in os.getloadavg())
    original_url = os.environ["DATABASE_URL"]
    drop_database(SCRATCH)
    create_database(SCRATCH)
    work = Path(tempfile.mkdtemp(prefix="bench_layout_"))
    try:
        os.environ["DATABASE_URL"] = database_url(SCRATCH)
        os.environ["MEDIA_ROOT"] = str(work / "media")
        import django

        django.setup()
        gpkg = work / "layout.gpkg"
        print(f"# building {SCRATCH} and a {args.plots:,}-plot GeoPackage", flush=True)
        built = build(args.plots, gpkg)
        print(built, flush=True)
        me = [sys.executable, str(Path(__file__).resolve())]
        check_s, check_mb, out = run_measured([*me, "--child", "check", "--file", str(gpkg)], env=os.environ)
        checked = json.loads(out.strip().splitlines()[-1])
        check_mb = max(check_mb, checked["peak_mib"] or 0)
        print("check", check_s, check_mb, checked, flush=True)
        assert checked["status"] == "checked", checked
        commit_s, commit_mb, out = run_measured(
            [*me, "--child", "commit", "--file", str(gpkg), "--import-id", str(checked["id"])], env=os.environ
        )
        committed = json.loads(out.strip().splitlines()[-1])
        commit_mb = max(commit_mb, committed["peak_mib"] or 0)
        print("commit", commit_s, commit_mb, committed, flush=True)
        assert committed["status"] == "committed" and committed["counts"]["added"] == args.plots, committed
        conn = psycopg2.connect(**connection_params(SCRATCH))
        with conn.cursor() as cursor:
            cursor.execute("SELECT count(*), round(sum(area_m2)) FROM townships_plot")
            count, area = cursor.fetchone()
            cursor.execute("SELECT count(*) FROM townships_plotevent")
            events = cursor.fetchone()[0]
        conn.close()
        ogr_s, ogr_mb, _out = run_measured(
            [
                "ogr2ogr",
                "-f",
                "PostgreSQL",
                pg_dsn(SCRATCH),
                str(gpkg),
                "-nln",
                "bare_plots",
                "-t_srs",
                "EPSG:4326",
                "-lco",
                "GEOMETRY_NAME=geom",
                "-lco",
                "SPATIAL_INDEX=GIST",
                "-nlt",
                "POLYGON",
            ]
        )
        print("ogr2ogr", ogr_s, ogr_mb, flush=True)

        print(f"\n## Layout import, {time.strftime('%Y-%m-%d')} (`bench/layout_import.py`)\n")
        print(
            f"machine: {machine()}; load average before and after: {load_before} / "
            f"{' '.join(f'{v:.1f}' for v in os.getloadavg())}"
        )
        print(
            f"data: one township, {args.plots:,} plots of 20 m × 20 m in {built['blocks']:,} blocks; GeoPackage "
            f"{built['file_mb']:.1f} MB in EPSG:32642 (attributes plot_no, block, use); the import wrote "
            f"{count:,} plots ({area:,.0f} m² measured by the database) and {events:,} history events\n"
        )
        print("| step | seconds | plots/s | peak memory (MiB) | ratio to ogr2ogr |")
        print("|---|---:|---:|---:|---:|")
        for name, seconds, mb in (
            ("dry run: `layout_check` (read, transform, stage, every check)", check_s, check_mb),
            (
                "import: `layout_commit` (checks again, insert with rules and history, one transaction)",
                commit_s,
                commit_mb,
            ),
            ("`ogr2ogr` into a bare PostGIS table (no rules, no history)", ogr_s, ogr_mb),
        ):
            print(f"| {name} | {seconds:.1f} | {args.plots / seconds:,.0f} | {mb} | {seconds / ogr_s:.1f} |")
        print(
            f"\ndry run then import: {check_s + commit_s:.1f} s, {(check_s + commit_s) / ogr_s:.1f} × ogr2ogr. "
            f"Process start-up and Django set-up are inside each child's time "
            f"(inside: check {checked['seconds_inside']:.1f} s, import {committed['seconds_inside']:.1f} s)."
        )
        for name, result in (("dry run", checked), ("import", committed)):
            print(
                f"{name}, seconds from the start of the call to the end of each stage: "
                + ", ".join(f"{stage} {t:.1f}" for stage, t in result["marks"].items())
            )
    finally:
        os.environ["DATABASE_URL"] = original_url
        if not args.keep:
            from django.db import connections

            connections.close_all()
            drop_database(SCRATCH)
        import shutil

        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
