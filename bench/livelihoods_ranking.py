"""Benchmark: ranking people for an opportunity, and opportunities for a person (livelihoods/matching.py), against the
bare PostGIS distance query over the same rows.

Never touches the real database: a scratch database landreg_bench_<pid> is created next to it, migrated, filled,
and dropped at the end. The data, in one province near Jalalabad (UTM 42N), written set-based with the user
triggers of the bulk-loaded tables switched off for the load (the rules are not what is measured; the tables are
the application's, which owns them):

  - 20 townships of 2,500 plots each (20 m × 25 m), 10 districts with boundaries;
  - --households households (default 100,000) of 5 people, two of them adults with a skills profile (200,000
    profiles) and one or two ISCO-08 occupations each; half the households hold a handed-over plot, the others are
    located by their current district;
  - one opportunity asking for carpenters and masons, and --opportunities open opportunities (default 5,000)
    spread over the province, for the second question.

The load switches the tables' triggers off, so the matching table (livelihoods_matchprofile) is then rebuilt from
scratch (livelihoods.matching.match_profiles_rebuild, what `manage.py rebuild_match_profiles` runs): its time is
reported.

Measured, each --repeat times (default 7), median and best, after one warm-up, the statements taken in turn
(current, previous, baseline, current, …) so that each sees the same load:
  1. rank_people(opportunity, limit=50): every eligible profile of the province scored in parts and ranked;
     baseline: the bare distance query: each profiled person's plot (or district point) to the opportunity in the
     UTM zone, ordered, limit 50. Ratio ranking / baseline.
  2. rank_opportunities(person, limit=50) over the open opportunities; baseline: the bare distance from the
     person's plot to each opportunity, ordered, limit 50.
  "previous": livelihoods/matching.py as committed (`git show HEAD:…`, or --before FILE), on the same database,
  with the rows of both compared (they must be equal); --no-before to skip it.
  3. The cost of the matching table's triggers to a bulk import: 10,000 households of 5 people inserted set-based,
     then one UPDATE of all of them (of the columns the table copies), and a household location each, with the
     triggers on and then off (the insert into households and persons fires none of them).

Results are printed as a Markdown section (machine, date, data size, the figures, the ratios).

Run: set -a; . .data/env; set +a; .venv/bin/python bench/livelihoods_ranking.py [--households N] [--opportunities N]
"""

import argparse
import datetime
import importlib.util
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
LON, LAT, UTM = 70.5, 34.4, 32642
BULK_TABLES = [
    "parcels_adminarea",
    "townships_township",
    "townships_block",
    "townships_plot",
    "households_household",
    "households_person",
    "allocations_allocation",
    "livelihoods_skillsprofile",
    "livelihoods_occupation",
    "livelihoods_opportunity",
]
CODES = ["7112", "7115", "7126", "7131", "7212", "7231", "7411", "7512", "7531", "8322", "9313", "9211", "5221", "6121"]


class _Cursor:
    """A cursor whose statements without parameters may write %% as those with parameters do."""

    def __init__(self, cursor):
        self.cursor = cursor

    def execute(self, sql, params=None):
        self.cursor.execute(sql.replace("%%", "%") if params is None else sql, params)

    def fetchone(self):
        return self.cursor.fetchone()


def load(cursor, households: int, opportunities: int) -> None:
    cursor = _Cursor(cursor)
    for table in BULK_TABLES:
        cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
    cursor.execute("SET LOCAL synchronous_commit = off")
    # The province: 100 km × 100 km centred near Jalalabad; ten districts as 10 km strips across it.
    frame = f"ST_Transform(ST_SetSRID(ST_MakeEnvelope(%s, %s, %s, %s), {UTM}), 4326)"
    cursor.execute(f"SELECT ST_X(p), ST_Y(p) FROM ST_Transform(ST_SetSRID(ST_MakePoint({LON}, {LAT}), 4326), {UTM}) p")
    x0, y0 = cursor.fetchone()
    cursor.execute(
        "INSERT INTO parcels_adminarea (level, pcode, iso_code, name_en, name_prs, name_ps, geom) "
        f"VALUES ('province', 'AF06', 'AF-NAN', 'Nangarhar', '', '', ST_Multi({frame})) RETURNING id",
        (x0 - 50000, y0 - 50000, x0 + 50000, y0 + 50000),
    )
    province = cursor.fetchone()[0]
    cursor.execute(
        "INSERT INTO parcels_adminarea (level, pcode, iso_code, name_en, name_prs, name_ps, parent_id, geom) "
        f"SELECT 'district', 'AF06' || lpad(d::text, 2, '0'), '', 'District ' || d, '', '', %s, "
        f"ST_Multi(ST_Transform(ST_SetSRID(ST_MakeEnvelope(%s - 50000 + (d - 1) * 10000, %s - 50000, "
        f"%s - 50000 + d * 10000, %s + 50000), {UTM}), 4326)) FROM generate_series(1, 10) d",
        (province, x0, y0, x0, y0),
    )
    # 20 townships of 50 × 50 plots (1,000 m × 1,250 m), on a 5 × 4 grid 15 km apart.
    cursor.execute(
        "INSERT INTO townships_township (code, name, name_prs, name_ps, province_id, legal_basis, geom, utm_srid, "
        "status, "
        "planned_services, is_demo, created_at, updated_at) "
        "SELECT 'T' || t, 'Township ' || t, '', '', %s, 'decree_305_2018', "
        f"ST_Multi(ST_Transform(ST_SetSRID(ST_MakeEnvelope(ox, oy, ox + 1000, oy + 1250), {UTM}), 4326)), {UTM}, "
        "'open', "
        "'', false, now(), now() FROM (SELECT t, %s - 40000 + ((t - 1) %% 5) * 15000 AS ox, "
        "%s - 30000 + ((t - 1) / 5) * 15000 AS oy FROM generate_series(1, 20) t) g",
        (province, x0, y0),
    )
    cursor.execute(
        "INSERT INTO townships_plot (township_id, number, geom, area_m2, use, status, created_at, updated_at) "
        f"SELECT t.id, (i * 50 + j)::text, ST_Transform(ST_SetSRID(ST_MakeEnvelope(ST_XMin(u) + i * 20, ST_YMin(u) + "
        "j * 25, "
        f"ST_XMin(u) + i * 20 + 20, ST_YMin(u) + j * 25 + 25), {UTM}), 4326), 500, 'residential', 'handed_over', "
        "now(), now() "
        f"FROM townships_township t CROSS JOIN LATERAL (SELECT ST_Transform(t.geom, {UTM}) AS u) z "
        "CROSS JOIN generate_series(0, 49) i CROSS JOIN generate_series(0, 49) j"
    )
    # Households: two profiled adults each; half hold a plot.
    cursor.execute(
        "INSERT INTO households_household (code, province_id, size, category, current_district_id, female_headed, "
        "disability, elderly_head, status) "
        "SELECT 'B-' || n, %s, 5, (ARRAY['documented_returnee', 'undocumented_returnee', 'deportee', 'idp'])[1 + n %% "
        "4], "
        "(SELECT id FROM parcels_adminarea WHERE pcode = 'AF06' || lpad((1 + n %% 10)::text, 2, '0')), "
        "n %% 7 = 0, n %% 11 = 0, n %% 13 = 0, 'allocated' FROM generate_series(1, %s) n",
        (province, households),
    )
    cursor.execute(
        "INSERT INTO households_person (household_id, relationship, name, sex, date_of_birth) "
        "SELECT h.id, CASE WHEN k = 1 THEN 'head' ELSE 'spouse' END, 'Person ' || h.id || '-' || k, "
        "CASE WHEN (h.id + k) %% 2 = 0 THEN 'f' ELSE 'm' END, "
        "date '2026-01-01' - ((16 + (h.id * 7 + k * 13) %% 50) * 365 + (h.id %% 300))::int "
        "FROM households_household h CROSS JOIN generate_series(1, 2) k"
    )
    cursor.execute(
        "INSERT INTO households_person (household_id, relationship, name, sex, date_of_birth) "
        "SELECT h.id, 'child', 'Child ' || h.id || '-' || k, CASE WHEN k %% 2 = 0 THEN 'f' ELSE 'm' END, "
        "date '2020-01-01' + (k * 300)::int FROM households_household h CROSS JOIN generate_series(1, 3) k"
    )
    cursor.execute(
        "WITH hh AS (SELECT id, row_number() OVER (ORDER BY id) AS r FROM households_household WHERE id %% 2 = 0), "
        "pl AS (SELECT id, row_number() OVER (ORDER BY id) AS r FROM townships_plot) "
        "INSERT INTO allocations_allocation (household_id, plot_id, method, status, proposed_at, decision_reference, "
        "revocation_reason, notes, is_demo, updated_at, start_date, handover_point, suspended_from) "
        "SELECT hh.id, pl.id, 'committee', 'handed_over', now(), 'BENCH', '', '', false, now(), date '2025-06-01', "
        "(SELECT ST_Centroid(geom) FROM townships_plot WHERE id = pl.id), '' FROM hh JOIN pl ON pl.r = hh.r"
    )
    cursor.execute(
        "INSERT INTO livelihoods_skillsprofile (person_id, education, literacy_dari, literacy_pashto, "
        "literacy_english, "
        "languages, certificates, can_work_outside_home, workplace_accepted, care_duties, disability, max_travel_km, "
        "created_at, updated_at) "
        "SELECT p.id, 'primary', 'basic', 'none', 'none', '{prs}', '{}', p.id %% 9 <> 0, "
        "CASE WHEN p.sex = 'f' AND p.id %% 3 = 0 THEN 'women_only' ELSE 'any' END, false, false, "
        "CASE WHEN p.id %% 4 = 0 THEN 5 ELSE NULL END, now(), now() "
        "FROM households_person p WHERE p.relationship IN ('head', 'spouse')"
    )
    cursor.execute(
        "INSERT INTO livelihoods_occupation (profile_id, isco_code, years, learnt_in) "
        "SELECT s.id, (%s::text[])[1 + (s.id * 31 + k * 17) %% %s], (s.id + k) %% 12, "
        "(ARRAY['iran', 'pakistan', 'afghanistan', 'other'])[1 + (s.id + k) %% 4] "
        "FROM livelihoods_skillsprofile s CROSS JOIN generate_series(1, 2) k WHERE k = 1 OR s.id %% 2 = 0 "
        "ON CONFLICT DO NOTHING",
        (CODES, len(CODES)),
    )
    cursor.execute(
        "INSERT INTO livelihoods_provider (name, kind, created_at) VALUES ('Bench provider', 'ngo', now()) RETURNING id"
    )
    provider = cursor.fetchone()[0]
    cursor.execute("SELECT id FROM livelihoods_matchingprogramme WHERE code = 'default'")
    programme = cursor.fetchone()[0]
    opportunity_sql = (
        "INSERT INTO livelihoods_opportunity (provider_id, programme_id, kind, title, description, isco_codes, sex, "
        "age_min, "
        "age_max, categories, province_id, vulnerability_priorities, vulnerable_only, workplace, point, "
        "places_offered, "
        "places_filled, start_on, end_on, currency, status, created_at, updated_at, daily_wage, days_offered) "
        "SELECT %(provider)s, %(programme)s, (ARRAY['cash_for_work', 'tvet', 'apprenticeship', 'job_placement'])[1 + "
        "n %% 4], "
        "'Opportunity ' || n, '', ARRAY[(%(codes)s::text[])[1 + n %% %(ncodes)s]], (ARRAY['any', 'any', 'f', 'm'])[1 "
        "+ n %% 4], "
        "15, 64, '{}', %(province)s, ARRAY['female_headed', 'disability'], false, "
        "(ARRAY['mixed', 'women_only', 'mixed'])[1 + n %% 3], "
        f"ST_Transform(ST_SetSRID(ST_MakePoint(%(x0)s - 45000 + (n * 7919) %% 90000, %(y0)s - 45000 + (n * 104729) %% "
        f"90000), {UTM}), 4326), "
        "20, 0, date '2026-01-01', date '2027-12-31', 'AFN', 'open', now(), now(), 450, 40 FROM generate_series(1, "
        "%(n)s) n"
    )
    cursor.execute(
        opportunity_sql,
        {
            "provider": provider,
            "programme": programme,
            "codes": CODES,
            "ncodes": len(CODES),
            "province": province,
            "x0": x0,
            "y0": y0,
            "n": opportunities,
        },
    )
    # The opportunity the first question ranks people for: carpenters and masons, in the middle of the province.
    cursor.execute(
        "INSERT INTO livelihoods_opportunity (provider_id, programme_id, kind, title, description, isco_codes, sex, "
        "age_min, "
        "age_max, categories, province_id, vulnerability_priorities, vulnerable_only, workplace, point, "
        "places_offered, "
        "places_filled, start_on, end_on, currency, status, created_at, updated_at) VALUES (%s, %s, 'apprenticeship', "
        "'Carpentry and masonry', '', ARRAY['7115', '7112'], 'any', 15, 64, '{}', %s, '{}', false, 'mixed', "
        f"ST_Transform(ST_SetSRID(ST_MakePoint(%s, %s), {UTM}), 4326), 50, 0, date '2026-01-01', NULL, 'AFN', 'open', "
        "now(), now()) "
        "RETURNING id",
        (provider, programme, province, x0, y0),
    )
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # Django's foreign keys are deferred: check them now
    for table in BULK_TABLES:
        cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")


BASELINE_PEOPLE = f"""
SELECT p.id, ST_Distance(ST_Transform(coalesce(ST_Centroid(pl.geom), ST_PointOnSurface(d.geom)), {UTM}),
                         (SELECT ST_Transform(point, {UTM}) FROM livelihoods_opportunity WHERE id = %(o)s)) AS m
  FROM livelihoods_skillsprofile s
  JOIN households_person p ON p.id = s.person_id
  JOIN households_household h ON h.id = p.household_id
  LEFT JOIN allocations_allocation a ON a.household_id = h.id AND a.status = 'handed_over'
  LEFT JOIN townships_plot pl ON pl.id = a.plot_id
  LEFT JOIN parcels_adminarea d ON d.id = h.current_district_id
 WHERE h.province_id = (SELECT province_id FROM livelihoods_opportunity WHERE id = %(o)s)
 ORDER BY m LIMIT 50
"""

BASELINE_OPPORTUNITIES = f"""
SELECT o.id, ST_Distance(ST_Transform(o.point, {UTM}), (SELECT ST_Transform(ST_Centroid(pl.geom), {UTM})
       FROM allocations_allocation a JOIN townships_plot pl ON pl.id = a.plot_id JOIN households_person p
         ON p.household_id = a.household_id WHERE p.id = %(p)s)) AS m
  FROM livelihoods_opportunity o WHERE o.status = 'open' ORDER BY m LIMIT 50
"""


def timed_together(fns: list, repeat: int) -> list[tuple[float, float]]:
    """Each function's median and best of `repeat` runs, after a warm-up each, the functions taken in turn."""
    for fn in fns:
        fn()
    times = [[] for _ in fns]
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            start = time.perf_counter()
            fn()
            times[i].append(time.perf_counter() - start)
    return [(statistics.median(t), min(t)) for t in times]


def previous_matching(path: str | None):
    """livelihoods/matching.py as committed (or the file given), as a module of its own."""
    source = (
        Path(path).read_text()
        if path
        else subprocess.run(
            ["git", "show", "HEAD:livelihoods/matching.py"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout
    )
    spec = importlib.util.spec_from_loader("matching_previous", loader=None)
    module = importlib.util.module_from_spec(spec)
    exec(compile(source, "matching_previous.py", "exec"), module.__dict__)  # noqa: S102 (our own committed file)
    return module


def same_rows(a: list[dict], b: list[dict]) -> bool:
    keys = ("opportunity", "person", "score", "parts", "distance_km", "best_isco", "located_by")
    return [tuple(str(r[k]) for k in keys) for r in a] == [tuple(str(r[k]) for k in keys) for r in b]


IMPORT_HOUSEHOLDS = 10_000


def import_cost(connection, province: int, triggers_on: bool) -> tuple[float, float, float]:
    """Seconds to insert 10,000 households with 5 people each, to update all of them, and to record a location
    each, in one transaction rolled back; the matching table's triggers on or off."""
    from django.db import transaction

    toggle = "ENABLE" if triggers_on else "DISABLE"
    names = ["match_profiles_follow_updates", "match_profiles_follow_inserts"]
    tables = ["households_household", "households_person", "movements_householdlocation"]
    with transaction.atomic(), connection.cursor() as cursor:
        for table in tables:
            for name in names:
                cursor.execute("SELECT 1 FROM pg_trigger WHERE tgrelid = %s::regclass AND tgname = %s", [table, name])
                if cursor.fetchone():
                    cursor.execute(f"ALTER TABLE {table} {toggle} TRIGGER {name}")
        started = time.perf_counter()
        cursor.execute(
            "INSERT INTO households_household (code, province_id, size, category, female_headed, disability, "
            "elderly_head, status) SELECT 'IMP-' || n, %s, 5, 'idp', false, false, false, 'registered' "
            "FROM generate_series(1, %s) n",
            [province, IMPORT_HOUSEHOLDS],
        )
        cursor.execute(
            "INSERT INTO households_person (household_id, relationship, name, sex, date_of_birth) "
            "SELECT h.id, CASE WHEN k = 1 THEN 'head' ELSE 'child' END, 'Imported ' || h.id || '-' || k, "
            "CASE WHEN k %% 2 = 0 THEN 'f' ELSE 'm' END, date '1990-01-01' + k * 400 "
            "FROM households_household h CROSS JOIN generate_series(1, 5) k WHERE h.code LIKE %s",
            ["IMP-%"],
        )
        inserted = time.perf_counter()
        cursor.execute("UPDATE households_household SET female_headed = true WHERE code LIKE %s", ["IMP-%"])
        updated = time.perf_counter()
        cursor.execute(
            "INSERT INTO movements_householdlocation (household_id, status, since, province_id, recorded_in_id) "
            "SELECT id, 'in_host_community', date '2026-05-01', province_id, province_id FROM households_household "
            "WHERE code LIKE %s",
            ["IMP-%"],
        )
        located = time.perf_counter()
        transaction.set_rollback(True)
    return inserted - started, updated - inserted, located - updated


def timed(fn, repeat: int) -> tuple[float, float]:
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times)


def run(args) -> str:
    import django

    django.setup()
    from django.db import connection, transaction

    from livelihoods.matching import match_profiles_rebuild, rank_opportunities, rank_people

    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        load(cursor, args.households, args.opportunities)
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    match_profiles_rebuild()
    rebuild_s = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("SELECT max(id) FROM livelihoods_opportunity")
        opportunity = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM livelihoods_skillsprofile")
        profiles = cursor.fetchone()[0]
        cursor.execute(
            "SELECT p.id FROM households_person p JOIN allocations_allocation a ON a.household_id = p.household_id "
            "JOIN livelihoods_skillsprofile s ON s.person_id = p.id WHERE p.relationship = 'head' ORDER BY p.id LIMIT 1"
        )
        person = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM livelihoods_opportunity WHERE status = 'open'")
        open_opportunities = cursor.fetchone()[0]

    def baseline(sql, params):
        def go():
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                cursor.fetchall()

        return go

    today = datetime.date(2026, 6, 1)
    eligible = len(rank_people(opportunity, limit=10_000_000))
    ranked = len(rank_opportunities(person, today=today, limit=100_000))
    previous = None if args.no_before else previous_matching(args.before)
    loads = [os.getloadavg()[0]]
    new_people = lambda: rank_people(opportunity, limit=50)  # noqa: E731
    new_opps = lambda: rank_opportunities(person, today=today, limit=50)  # noqa: E731
    if previous:
        old_people = lambda: previous.rank_people(opportunity, limit=50)  # noqa: E731
        old_opps = lambda: previous.rank_opportunities(person, today=today, limit=50)  # noqa: E731
        equal = same_rows(new_people(), old_people()) and same_rows(new_opps(), old_opps())
        people, people_old, people_base = timed_together(
            [new_people, old_people, baseline(BASELINE_PEOPLE, {"o": opportunity})], args.repeat
        )
        loads.append(os.getloadavg()[0])
        opps, opps_old, opps_base = timed_together(
            [new_opps, old_opps, baseline(BASELINE_OPPORTUNITIES, {"p": person})], args.repeat * 3
        )
    else:
        people, people_base = timed_together([new_people, baseline(BASELINE_PEOPLE, {"o": opportunity})], args.repeat)
        loads.append(os.getloadavg()[0])
        opps, opps_base = timed_together([new_opps, baseline(BASELINE_OPPORTUNITIES, {"p": person})], args.repeat * 3)
    loads.append(os.getloadavg()[0])
    with connection.cursor() as cursor:
        cursor.execute("SELECT province_id FROM livelihoods_opportunity WHERE id = %s", [opportunity])
        province = cursor.fetchone()[0]
    imports = {True: [], False: []}
    for i in range(5):
        for on in (True, False) if i % 2 == 0 else (False, True):
            imports[on].append(import_cost(connection, province, on))
    loads.append(os.getloadavg()[0])
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    ms = lambda s: f"{s * 1000:.0f} ms"  # noqa: E731

    def median_of(runs, i):
        return statistics.median(r[i] for r in runs)

    lines = [
        f"## Livelihoods: ranking people and opportunities ({datetime.date.today().isoformat()})",
        "",
        f"Machine: {platform.node()}, {os.cpu_count()} cores ({cpu}), shared with other work, load average (1 min) "
        f"{', '.join(f'{x:.1f}' for x in loads)} (start, after people, after opportunities, after imports); "
        f"PostgreSQL {server}; scratch database filled in {load_s:.0f} s, the matching table rebuilt in "
        f"{rebuild_s:.1f} s. `bench/livelihoods_ranking.py --households {args.households} "
        f"--opportunities {args.opportunities}`, median (best) of {args.repeat} runs (people) and {args.repeat * 3} "
        "(opportunities) after a warm-up, the statements taken in turn.",
        "",
        f"Data: one province, {profiles:,} skills profiles ({args.households:,} households of 5, half on a "
        f"handed-over plot, the rest located by district), 50,000 plots in 20 townships, {open_opportunities:,} "
        "open opportunities.",
        "",
        "| question | rows scored | ranking (livelihoods/matching.py) | bare PostGIS distance query | ratio |"
        + (" previous statement | new / previous |" if previous else ""),
        "|---|---|---|---|---|" + ("---|---|" if previous else ""),
        f"| people for one opportunity (goal < 1 s) | {eligible:,} eligible of {profiles:,} | {ms(people[0])} "
        f"({ms(people[1])}) | {ms(people_base[0])} ({ms(people_base[1])}) | {people[0] / people_base[0]:.2f} |"
        + (f" {ms(people_old[0])} ({ms(people_old[1])}) | {people[0] / people_old[0]:.2f} |" if previous else ""),
        f"| opportunities for one person (goal < 100 ms) | {ranked:,} eligible of {open_opportunities:,} | "
        f"{ms(opps[0])} ({ms(opps[1])}) | {ms(opps_base[0])} ({ms(opps_base[1])}) | {opps[0] / opps_base[0]:.2f} |"
        + (f" {ms(opps_old[0])} ({ms(opps_old[1])}) | {opps[0] / opps_old[0]:.2f} |" if previous else ""),
        "",
    ]
    if previous:
        lines += [f"The previous and the current statement gave the same 50 rows for both questions: {equal}.", ""]
    lines += [
        f"Bulk import of {IMPORT_HOUSEHOLDS:,} households ({IMPORT_HOUSEHOLDS * 5:,} people), median of 5, the "
        "matching table's triggers on / off:",
        "",
        "| step | triggers on | triggers off | on / off |",
        "|---|---|---|---|",
    ]
    for i, step in enumerate(["insert households and people", "update every household's flags", "a location each"]):
        on, off = median_of(imports[True], i), median_of(imports[False], i)
        lines.append(f"| {step} | {ms(on)} | {ms(off)} | {on / off:.2f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--opportunities", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--before", help="the previous livelihoods/matching.py to compare with (default: git HEAD's)")
    parser.add_argument("--no-before", action="store_true", help="measure the current statement only")
    args = parser.parse_args()
    if "DATABASE_URL" not in os.environ:
        sys.exit("DATABASE_URL is not set: run `set -a; . .data/env; set +a` first")
    create_database(SCRATCH)
    try:
        env = {**os.environ, "DATABASE_URL": database_url(SCRATCH)}
        migrate = [sys.executable, "manage.py", "migrate", "--no-input", "--skip-checks", "-v", "0"]
        subprocess.run(migrate, cwd=ROOT, env=env, check=True)
        os.environ["DATABASE_URL"] = database_url(SCRATCH)  # from here on Django sees only the scratch database
        print(run(args))
    finally:
        from django.db import connections

        connections.close_all()
        drop_database(SCRATCH)


if __name__ == "__main__":
    main()
