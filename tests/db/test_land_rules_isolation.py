"""The land rules between writers that commit at the same time (townships/sql/0019_land_rules_between_writers.sql):
a block shrunk while another transaction writes a plot into it waits for that transaction and is then refused;
REPEATABLE READ, whose snapshot cannot see what the other writer committed, is refused for land records; two
SERIALIZABLE writers of overlapping plots cannot both commit; and no login can attach the project's SECURITY
DEFINER trigger functions to a table of its own."""

import psycopg2
import pytest

from tests.db.conftest import as_ewkt, connect
from tests.db.test_concurrency import race
from tests.db.test_gis_roles_sql import gis_login

PLOT_INSERT = (
    "INSERT INTO townships_plot (township_id, block_id, number, geom, use, status, created_at, updated_at) "
    "VALUES (%s, %s, %s, ST_GeomFromEWKT(%s), 'residential', 'available', now(), now())"
)


def test_a_block_shrunk_while_a_plot_is_written_into_it_waits_and_is_refused(committed):
    """The plot's writer has run its checks (the plot is inside the block) and not yet committed; the block's writer
    shrinks the block away from where the plot is. The block's check waits for the plot's transaction, then sees the
    plot and refuses. Without the lock both committed: a plot outside its block."""
    cursor, township, block = committed["cursor"], committed["township"], committed["block"]
    plot = (PLOT_INSERT + "; SET CONSTRAINTS ALL IMMEDIATE", (township, block, "1", as_ewkt(cursor, 150, 0, 200, 25)))
    shrink = (
        "UPDATE townships_block SET geom = ST_GeomFromEWKT(%s) WHERE id = %s",
        (as_ewkt(cursor, 0, 0, 100, 100), block),
    )
    first, second, waited = race(plot, shrink, cursor)
    assert first == "committed"
    assert waited, "the block's check did not wait for the plot's writer"
    assert isinstance(second, psycopg2.errors.CheckViolation), second
    assert second.diag.constraint_name == "plot_inside_block"
    cursor.execute("SELECT ST_Area(ST_Transform(geom, 32642))::int FROM townships_block WHERE id = %s", (block,))
    assert cursor.fetchone()[0] > 100 * 100  # the block kept its outline


def test_a_township_shrunk_while_a_plot_is_written_into_it_waits_and_is_refused(committed):
    cursor, township, block = committed["cursor"], committed["township"], committed["block"]
    cursor.execute(
        "UPDATE townships_block SET geom = ST_GeomFromEWKT(%s) WHERE id = %s", (as_ewkt(cursor, 0, 0, 100, 100), block)
    )
    plot = (PLOT_INSERT + "; SET CONSTRAINTS ALL IMMEDIATE", (township, None, "1", as_ewkt(cursor, 300, 0, 350, 25)))
    shrink = (
        "UPDATE townships_township SET geom = ST_Multi(ST_GeomFromEWKT(%s)) WHERE id = %s",
        (as_ewkt(cursor, 0, 0, 200, 300), township),
    )
    first, second, waited = race(plot, shrink, cursor)
    assert first == "committed" and waited
    assert isinstance(second, psycopg2.errors.CheckViolation), second
    assert second.diag.constraint_name == "plot_inside_township"


@pytest.mark.parametrize(
    ("write", "rule"),
    [
        (PLOT_INSERT, "plots_keep_the_land_rules"),
        ("UPDATE townships_block SET geom = ST_GeomFromEWKT(%s) WHERE id = %s", "blocks_keep_the_land_rules"),
        (
            "UPDATE townships_township SET geom = ST_Multi(ST_GeomFromEWKT(%s)) WHERE id = %s",
            "township_keeps_its_blocks_and_plots",
        ),
    ],
)
def test_land_records_are_not_written_at_repeatable_read(committed, write, rule):
    cursor, township, block = committed["cursor"], committed["township"], committed["block"]
    params = {
        "plots_keep_the_land_rules": (township, block, "1", as_ewkt(cursor, 0, 0, 20, 25)),
        "blocks_keep_the_land_rules": (as_ewkt(cursor, 0, 0, 300, 200), block),
        "township_keeps_its_blocks_and_plots": (as_ewkt(cursor, 0, 0, 600, 400), township),
    }[rule]
    conn = connect()
    try:
        with conn.cursor() as writer:
            writer.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            writer.execute(write, params)
            with pytest.raises(psycopg2.errors.CheckViolation) as error:
                writer.execute("COMMIT")
        assert error.value.diag.constraint_name == rule
        assert "REPEATABLE READ transaction cannot see" in error.value.diag.message_primary
    finally:
        conn.rollback()
        conn.close()
    cursor.execute("SELECT count(*) FROM townships_plot WHERE township_id = %s", (township,))
    assert cursor.fetchone()[0] == 0


def test_two_serializable_writers_of_overlapping_plots_cannot_both_commit(committed):
    cursor, township, block = committed["cursor"], committed["township"], committed["block"]
    first, second = connect(), connect()
    try:
        for conn in (first, second):
            with conn.cursor() as c:
                c.execute("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE")
                c.execute("SELECT 1")  # both snapshots taken before either writes
        with first.cursor() as c:
            c.execute(PLOT_INSERT, (township, block, "A", as_ewkt(cursor, 0, 0, 20, 25)))
        first.commit()
        outcome = "committed"
        try:
            with second.cursor() as c:
                c.execute(PLOT_INSERT, (township, block, "B", as_ewkt(cursor, 10, 0, 30, 25)))
            second.commit()
        except (psycopg2.errors.SerializationFailure, psycopg2.errors.CheckViolation) as exc:
            second.rollback()
            outcome = exc
        assert outcome != "committed"
    finally:
        first.close()
        second.close()
    cursor.execute("SELECT number FROM townships_plot WHERE township_id = %s", (township,))
    assert cursor.fetchall() == [("A",)]


PROJECT_DEFINER_TRIGGER_FUNCTIONS = """
SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname = 'public' AND p.prosecdef AND p.prorettype = 'trigger'::regtype
"""


def test_no_security_definer_trigger_function_is_executable_by_public(raw):
    raw.execute(PROJECT_DEFINER_TRIGGER_FUNCTIONS)
    functions = [name for (name,) in raw.fetchall()]
    assert "plot_check_at_commit()" in functions and "plot_note_for_commit()" in functions
    raw.execute(
        "SELECT f FROM unnest(%s::text[]) AS f WHERE has_function_privilege('landreg_gis_editor', f, 'EXECUTE') "
        "OR EXISTS (SELECT 1 FROM pg_proc p, aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a "
        "WHERE p.oid = f::regprocedure AND a.grantee = 0)",
        (functions,),
    )
    assert raw.fetchall() == []


@pytest.mark.parametrize("function", ["plot_note_for_commit", "plot_check_at_commit", "plot_keep_allocated_outline"])
def test_a_gis_login_cannot_attach_the_rules_functions_to_a_table_of_its_own(raw, function):
    """The reviewer's way in: a temporary table of the login's own with a trigger calling a SECURITY DEFINER trigger
    function, to write the queue of plots to check, or run the function as the application's role."""
    gis_login(raw, "landreg_gis_editor", "AF99")
    raw.execute(
        "CREATE TEMPORARY TABLE fake (id bigint, geom geometry, township_id bigint, block_id bigint, xact xid8)"
    )
    with pytest.raises(psycopg2.errors.InsufficientPrivilege):
        raw.execute(
            f"CREATE TRIGGER f AFTER INSERT ON fake REFERENCING NEW TABLE AS new_plots "
            f"FOR EACH STATEMENT EXECUTE FUNCTION public.{function}()"
        )
