"""The land rules survive a plain `pg_dump | psql` copy of the database, and do not depend on the caller's search path.

pg_dump's restore script empties the search path. A trigger whose WHEN clause compared geometries with
IS DISTINCT FROM could not be created again ("operator is not unique: public.geometry = public.geometry") and a
plain psql restore went on without it, silently. Every function the project defines now runs with
`search_path = public, pg_temp` (pg_temp last, as PostgreSQL's docs advise for SECURITY DEFINER functions).
"""

import os
import shutil
import subprocess
from pathlib import Path

import psycopg2
import pytest
from django.db import connection

from tests.db.conftest import PLOT_INSERT, as_ewkt, connect, insert_plot, insert_township, refused
from tests.db.test_gis_roles_sql import gis_login, township_in_another_province

# The module fixture below needs the test database set up even when only the copy's tests are selected.
pytestmark = pytest.mark.django_db

# Functions of the project: in public, not a member of an extension (PostGIS, pg_trgm).
PROJECT_FUNCTIONS = """
SELECT p.oid::regprocedure::text, p.prosecdef, p.proconfig
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname = 'public' AND p.prokind IN ('f', 'p')
   AND NOT EXISTS (SELECT FROM pg_depend d
                    WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
"""

TRIGGERS = """
SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'public' AND NOT t.tgisinternal
"""

CONSTRAINTS = """
SELECT c.relname, k.conname FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'public'
"""


def client(params, name):
    """A PostgreSQL client binary of the server's major version (Debian's layout), else the one on PATH."""
    conn = psycopg2.connect(**params)
    try:
        major = conn.server_version // 10000
    finally:
        conn.close()
    debian = Path(f"/usr/lib/postgresql/{major}/bin/{name}")
    found = str(debian) if debian.exists() else shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed")
    return found


def client_env(params):
    env = {**os.environ, "PGUSER": params.get("user", ""), "PGHOST": params.get("host", "")}
    if params.get("port"):
        env["PGPORT"] = str(params["port"])
    if params.get("password"):
        env["PGPASSWORD"] = params["password"]
    return env


def admin(params, statement):
    conn = psycopg2.connect(**params)
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute(statement)
    finally:
        conn.close()


def names(cursor, query):
    cursor.execute(query)
    return set(cursor.fetchall())


@pytest.fixture(scope="module")
def restored(django_db_setup, django_db_blocker):
    """The migrated test database copied with pg_dump and restored with plain psql (ON_ERROR_STOP on) into a new
    database: yields (the original's connection parameters, the copy's, psql's stderr); drops the copy."""
    with django_db_blocker.unblock():
        conn = connect()
    params = {k: v for k, v in conn.get_dsn_parameters().items() if k in ("dbname", "user", "host", "port")}
    conn.close()
    if connection.settings_dict.get("PASSWORD"):
        params["password"] = connection.settings_dict["PASSWORD"]
    original = params["dbname"]
    copy = f"{original}_copy"[:63]
    assert copy.startswith("test_")
    env = client_env(params)
    dump = subprocess.run(
        # The rows of spatial_ref_sys belong to PostGIS, which the new database already has.
        [client(params, "pg_dump"), "--exclude-table-data=public.spatial_ref_sys", "--dbname", original],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    # The extensions are already installed in the new database (template1 has them) and belong to the superuser:
    # the role that restores may not comment on them. Everything else of the dump is restored as it is.
    script = "".join(
        line for line in dump.stdout.splitlines(keepends=True) if not line.startswith("COMMENT ON EXTENSION ")
    )
    admin(params, f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')
    admin(params, f'CREATE DATABASE "{copy}"')
    try:
        restore = subprocess.run(
            [client(params, "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "--dbname", copy, "-f", "-"],
            input=script,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert restore.returncode == 0, restore.stderr
        yield params, {**params, "dbname": copy}, restore.stderr
    finally:
        admin(params, f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')


@pytest.fixture
def copy_cursor(restored):
    conn = psycopg2.connect(**restored[1])
    try:
        with conn.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            yield cursor
    finally:
        conn.rollback()
        conn.close()


def test_a_plain_psql_restore_is_clean(restored):
    assert "ERROR" not in restored[2]


def test_every_trigger_and_named_constraint_is_in_the_copy(restored):
    original, copy, _ = restored
    found = {}
    for which, params in (("original", original), ("copy", copy)):
        conn = psycopg2.connect(**params)
        try:
            with conn.cursor() as cursor:
                found[which] = (names(cursor, TRIGGERS), names(cursor, CONSTRAINTS))
        finally:
            conn.close()
    triggers, constraints = found["original"]
    assert ("townships_plot", "plots_keep_the_land_rules_when_reshaped") in triggers  # the query sees the rules
    assert triggers - found["copy"][0] == set()
    assert constraints - found["copy"][1] == set()


def test_the_copy_refuses_an_overlapping_plot_and_a_plot_outside_its_township(copy_cursor):
    township, block = insert_township(copy_cursor)
    assert insert_plot(copy_cursor, township, block, "1", 0, 0, 20, 25) is None
    error = insert_plot(copy_cursor, township, block, "2", 15, 0, 35, 25)
    assert error.diag.constraint_name == "plots_do_not_overlap"
    error = insert_plot(copy_cursor, township, None, "3", 490, 0, 520, 25)
    assert error.diag.constraint_name == "plot_inside_township"


def test_the_copy_keeps_the_rules_on_reshaping(copy_cursor):
    """The rules on reshaping are the triggers whose WHEN clause compares geometries: the ones a restore dropped."""
    cursor = copy_cursor
    township, block = insert_township(cursor)
    insert_plot(cursor, township, block, "1", 0, 0, 20, 25)
    cursor.execute(PLOT_INSERT + " RETURNING id", (township, block, "2", as_ewkt(cursor, 30, 0, 50, 25)))
    plot = cursor.fetchone()[0]
    reshape = "UPDATE townships_plot SET geom = ST_GeomFromEWKT(%s) WHERE id = %s RETURNING area_m2"
    cursor.execute(reshape, (as_ewkt(cursor, 30, 0, 50, 30), plot))
    assert float(cursor.fetchone()[0]) == 600.0  # measured again
    error = refused(cursor, reshape, (as_ewkt(cursor, 10, 0, 30, 25), plot))
    assert error.diag.constraint_name == "plots_do_not_overlap"
    error = refused(
        cursor,
        "UPDATE townships_block SET geom = ST_GeomFromEWKT(%s) WHERE id = %s",
        (as_ewkt(cursor, 0, 0, 600, 100), block),
    )
    assert error.diag.constraint_name == "block_inside_township"
    error = refused(
        cursor,
        "UPDATE townships_township SET geom = ST_Multi(ST_GeomFromEWKT(%s)) WHERE id = %s",
        (as_ewkt(cursor, 0, 0, 40, 300), township),
    )
    assert error.diag.constraint_name == "block_inside_township"


def test_the_rules_do_not_depend_on_the_callers_search_path(raw):
    township, block = insert_township(raw)
    insert_plot(raw, township, block, "1", 0, 0, 20, 25)
    raw.execute(PLOT_INSERT + " RETURNING id", (township, block, "2", as_ewkt(raw, 30, 0, 50, 25)))
    plot = raw.fetchone()[0]
    moved = as_ewkt(raw, 10, 0, 30, 25)
    raw.execute("SET LOCAL search_path = ''")  # as in pg_dump's scripts
    error = refused(
        raw, "UPDATE public.townships_plot SET geom = public.ST_GeomFromEWKT(%s) WHERE id = %s", (moved, plot)
    )
    assert error.diag.constraint_name == "plots_do_not_overlap"


def test_every_project_function_has_a_fixed_search_path(raw):
    raw.execute(PROJECT_FUNCTIONS)
    functions = raw.fetchall()
    assert any(name.startswith("plot_check_at_commit") for name, _, _ in functions)
    assert any(name.startswith("pgtrigger_") for name, _, _ in functions)
    missing = [name for name, _, config in functions if not any(c.startswith("search_path=") for c in config or [])]
    assert missing == []
    definers = {name: config for name, definer, config in functions if definer}
    assert definers  # the GIS logins' province checks, the plot status kept from the allocations
    wrong = {name: config for name, config in definers.items() if "search_path=public, pg_temp" not in config}
    assert wrong == {}


def test_a_gis_login_cannot_steer_the_rules_with_objects_of_its_own(raw):
    """pg_temp comes last in the rules' path: a login's temporary tables do not shadow the project's, and
    PostgreSQL never looks up functions or operators in pg_temp unless a call names it."""
    township, block = insert_township(raw)
    other, other_block = township_in_another_province(raw)
    login = gis_login(raw, "landreg_gis_editor", "AF99")
    # A list of provinces that would let the login edit everywhere, read by the SECURITY DEFINER province checks
    # if pg_temp came first; and functions that would answer "yes, every province" in their place.
    raw.execute("CREATE TEMP TABLE landreg_gisloginprovince (role_name name, province_id bigint)")
    raw.execute("INSERT INTO pg_temp.landreg_gisloginprovince VALUES (%s, NULL)", (login,))
    raw.execute(
        "CREATE FUNCTION pg_temp.landreg_gis_login_provinces(login name) RETURNS SETOF bigint "
        "LANGUAGE sql AS $$ SELECT id FROM public.parcels_adminarea $$"
    )
    raw.execute(
        "CREATE FUNCTION pg_temp.landreg_gis_login_may_edit(login name, province bigint, what text) "
        "RETURNS boolean LANGUAGE sql AS $$ SELECT true $$"
    )
    # An empty stand-in for the plots, read by the overlap rule if pg_temp came first.
    raw.execute(
        "CREATE TEMP TABLE townships_plot (id bigint, number text, township_id bigint, block_id bigint, "
        "geom public.geometry)"
    )
    raw.execute("SET LOCAL search_path = pg_temp, public")

    plot_insert = PLOT_INSERT.replace("INSERT INTO townships_plot", "INSERT INTO public.townships_plot")
    error = refused(raw, plot_insert, (other, other_block, "1", as_ewkt(raw, 0, 0, 20, 25)))
    assert error.diag.constraint_name == "township_in_login_provinces"
    assert refused(raw, plot_insert, (township, block, "1", as_ewkt(raw, 0, 0, 20, 25))) is None
    error = refused(raw, plot_insert, (township, block, "2", as_ewkt(raw, 15, 0, 35, 25)))
    assert error.diag.constraint_name == "plots_do_not_overlap"
