"""The multi-row plot rules, checked once per transaction for every plot it touched, in set-based SQL
(townships/sql/0014_plot_rules_as_a_set.sql): a bulk insert is judged as a whole and the error names the rule and
both plots; a topological edit in several statements is accepted at a real COMMIT; a writer cannot switch the
check off; and on random multi-row inserts the database agrees, plot by plot, with a slow reference check written
row by row in Python with shapely."""

import io
import random

import psycopg2
import pytest
from psycopg2.extras import execute_values
from shapely.geometry import box

from tests.db.conftest import X0, Y0, as_ewkt, connect, insert_township, refused
from tests.db.test_gis_roles_sql import gis_login

TOLERANCE_M2 = 0.01  # landreg_tolerance_m2()

ROW = (
    "(%s, %s, %s, ST_Transform(ST_MakeEnvelope(%s, %s, %s, %s, 32642), 4326), 'residential', 'available', now(), now())"
)
MULTI_ROW_INSERT = (
    "INSERT INTO townships_plot (township_id, block_id, number, geom, use, status, created_at, updated_at) VALUES %s"
)


def insert_rows(cursor, township, plots):
    """One multi-row INSERT of plots given as (block, number, x0, y0, x1, y1) in metres from the frame origin;
    returns the (id, number) of each."""
    return execute_values(
        cursor,
        MULTI_ROW_INSERT + " RETURNING id, number",
        [(township, block, number, X0 + x0, Y0 + y0, X0 + x1, Y0 + y1) for block, number, x0, y0, x1, y1 in plots],
        template=ROW,
        page_size=len(plots),
        fetch=True,
    )


def grid(n, side=10.0, columns=40):
    """n plots of side × side metres, numbered 1…n, in rows of `columns`, no block."""
    cells = [((i % columns) * side, (i // columns) * side) for i in range(n)]
    return [(None, str(i + 1), x, y, x + side, y + side) for i, (x, y) in enumerate(cells)]


def test_a_multi_row_insert_where_row_500_of_1000_overlaps_row_3_is_refused_naming_both(raw):
    township, _ = insert_township(raw)  # 500 m × 300 m: room for 40 × 25 plots of 10 m
    plots = grid(1000)
    _, number, x0, y0, x1, y1 = plots[2]
    plots[499] = (None, "500", x0 + 5, y0, x1 + 5, y1)  # half over plot 3 (and half over plot 4)
    raw.execute("SAVEPOINT bulk")
    with pytest.raises(psycopg2.errors.CheckViolation) as error:
        insert_rows(raw, township, plots)
    raw.execute("ROLLBACK TO SAVEPOINT bulk")
    assert error.value.diag.constraint_name == "plots_do_not_overlap"
    message = error.value.diag.message_primary
    assert message.startswith("plots_do_not_overlap: plot 3: the plot overlaps plot 500 by 50")


def test_the_same_thousand_plots_without_the_overlap_are_accepted_and_measured(raw):
    township, _ = insert_township(raw)
    insert_rows(raw, township, grid(1000))
    raw.execute("SELECT count(*), min(area_m2), max(area_m2) FROM townships_plot WHERE township_id = %s", (township,))
    assert [float(v) for v in raw.fetchone()] == [1000, 100.0, 100.0]


def test_a_bulk_insert_is_judged_against_the_plots_already_there(raw):
    township, _ = insert_township(raw)
    insert_rows(raw, township, grid(40))  # the first row of plots, y 0…10
    fresh = [(None, str(100 + i), i * 10.0, 10.0, i * 10.0 + 10, 20.0) for i in range(40)]
    fresh[17] = (None, "117", 170.0, 8.0, 180.0, 18.0)  # 2 m into plot 18
    error = refused(raw, *_multi_row(raw, township, fresh))
    assert error.diag.constraint_name == "plots_do_not_overlap"
    assert error.diag.message_primary.startswith("plots_do_not_overlap: plot 117: the plot overlaps plot 18 by 20")


def _multi_row(cursor, township, plots):
    values = ", ".join(
        cursor.mogrify(ROW, (township, block, number, X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)).decode()
        for block, number, x0, y0, x1, y1 in plots
    )
    return MULTI_ROW_INSERT.replace("%s", values), ()


# --- at a real COMMIT ---------------------------------------------------------------------------------------------


def plots_of(cursor, township):
    cursor.execute("SELECT number, area_m2 FROM townships_plot WHERE township_id = %s ORDER BY number", (township,))
    return [(number, float(area)) for number, area in cursor.fetchall()]


def reshape(cursor, township, number, x0, y0, x1, y1):
    cursor.execute(
        "UPDATE townships_plot SET geom = ST_GeomFromEWKT(%s) WHERE township_id = %s AND number = %s",
        (as_ewkt(cursor, x0, y0, x1, y1), township, number),
    )


def test_a_multi_statement_transaction_that_moves_shared_edges_is_accepted_at_commit(committed):
    cursor, township, block = committed["cursor"], committed["township"], committed["block"]
    cursor.execute("BEGIN")
    insert_rows(cursor, township, [(block, str(i + 1), i * 20.0, 0.0, i * 20.0 + 20, 25.0) for i in range(3)])
    cursor.execute("COMMIT")
    # Plot 2 grows into both neighbours first, then they shrink, statement by statement: in between, plot 2
    # overlaps plots 1 and 3; at COMMIT, the edit as a whole keeps the rules.
    cursor.execute("BEGIN")
    reshape(cursor, township, "2", 15, 0, 45, 25)
    reshape(cursor, township, "1", 0, 0, 15, 25)
    reshape(cursor, township, "3", 45, 0, 60, 25)
    cursor.execute("COMMIT")
    assert plots_of(cursor, township) == [("1", 375.0), ("2", 750.0), ("3", 375.0)]


def test_an_edit_that_leaves_an_overlap_is_refused_at_commit_and_nothing_is_kept(committed):
    cursor, township, block = committed["cursor"], committed["township"], committed["block"]
    cursor.execute("BEGIN")
    insert_rows(cursor, township, [(block, str(i + 1), i * 20.0, 0.0, i * 20.0 + 20, 25.0) for i in range(3)])
    cursor.execute("COMMIT")
    cursor.execute("BEGIN")
    reshape(cursor, township, "2", 15, 0, 45, 25)
    reshape(cursor, township, "1", 0, 0, 15, 25)  # and plot 3 is never moved
    with pytest.raises(psycopg2.errors.CheckViolation) as error:
        cursor.execute("COMMIT")
    assert error.value.diag.constraint_name == "plots_do_not_overlap"
    assert "plot 2: the plot overlaps plot 3 by 125" in error.value.diag.message_primary
    assert plots_of(cursor, township) == [("1", 500.0), ("2", 500.0), ("3", 500.0)]


def test_each_transaction_is_checked_afresh(committed):
    """The plots noted by one transaction are forgotten at its end; the next is checked for its own."""
    cursor, township, block = committed["cursor"], committed["township"], committed["block"]
    cursor.execute("BEGIN")
    insert_rows(cursor, township, [(block, "1", 0.0, 0.0, 20.0, 25.0)])
    cursor.execute("COMMIT")
    cursor.execute("BEGIN")
    insert_rows(cursor, township, [(block, "2", 10.0, 0.0, 30.0, 25.0)])
    with pytest.raises(psycopg2.errors.CheckViolation):
        cursor.execute("COMMIT")
    cursor.execute("BEGIN")
    insert_rows(cursor, township, [(block, "2", 20.0, 0.0, 40.0, 25.0)])
    cursor.execute("COMMIT")
    assert plots_of(cursor, township) == [("1", 500.0), ("2", 500.0)]


# --- the writer cannot switch the check off -----------------------------------------------------------------------


def overlap_still_refused_after(committed, hostile):
    """Plot 1 committed; then a fresh session of a GIS editor runs `hostile(cursor)` and writes plot 2 over plot 1
    (in either order, as `hostile` decides): the commit is refused for the overlap, and only plot 1 is stored."""
    cursor, township, block = committed["cursor"], committed["township"], committed["block"]
    insert_rows(cursor, township, [(block, "1", 0.0, 0.0, 20.0, 25.0)])
    conn = connect()
    try:
        with conn.cursor() as login:
            gis_login(login, "landreg_gis_editor", "AF99")
            hostile(login, lambda: insert_rows(login, township, [(block, "2", 10.0, 0.0, 30.0, 25.0)]))
            with pytest.raises(psycopg2.errors.CheckViolation) as error:
                login.execute("COMMIT")
            assert error.value.diag.constraint_name == "plots_do_not_overlap"
    finally:
        conn.rollback()
        conn.close()
    assert plots_of(cursor, township) == [("1", 500.0)]


@pytest.mark.parametrize(
    "own_tables",
    [
        ["landreg_plot_queue", "landreg_plot_check"],  # the queue's and the event's names (0018)
        ["landreg_plots_to_check", "landreg_plots_checked"],  # the temporary tables of 0014
    ],
)
def test_a_gis_login_cannot_swallow_the_plots_to_check_with_tables_of_its_own(committed, own_tables):
    """First, temporary tables of the login's own under the land rules' names, which drop every row written to
    them; then the overlapping plot."""

    def hostile(login, write_the_overlap):
        for table in own_tables:
            login.execute(f"CREATE TEMPORARY TABLE {table} (xact xid8, plot_id bigint, id bigint)")
            login.execute(f"CREATE RULE swallow AS ON INSERT TO {table} DO INSTEAD NOTHING")
            login.execute(f"GRANT ALL ON {table} TO PUBLIC")
        write_the_overlap()

    overlap_still_refused_after(committed, hostile)


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT * FROM public.landreg_plot_queue",
        "DELETE FROM public.landreg_plot_queue",
        "TRUNCATE public.landreg_plot_check",
        "DELETE FROM public.landreg_plot_check",
        "INSERT INTO public.landreg_plot_check VALUES (pg_current_xact_id())",
        "CREATE RULE swallow AS ON INSERT TO public.landreg_plot_queue DO INSTEAD NOTHING",
        "ALTER TABLE public.landreg_plot_check DISABLE TRIGGER plots_keep_the_land_rules",
    ],
)
def test_a_gis_login_cannot_touch_the_queue_of_plots_to_check(committed, statement):
    """The listed plots and the pending event live in permanent tables that no login but the application's may
    read or change: tried after writing an overlapping plot, each is refused, and the overlap still is."""

    def hostile(login, write_the_overlap):
        write_the_overlap()
        login.execute("SAVEPOINT hostile")
        with pytest.raises((psycopg2.errors.InsufficientPrivilege, psycopg2.errors.ObjectNotInPrerequisiteState)):
            login.execute(statement)
        login.execute("ROLLBACK TO SAVEPOINT hostile")

    overlap_still_refused_after(committed, hostile)


def envelope(x0, y0, x1, y1):
    return f"ST_Transform(ST_MakeEnvelope({X0 + x0}, {Y0 + y0}, {X0 + x1}, {Y0 + y1}, 32642), 4326)"


def test_every_way_of_writing_plots_lists_them_for_the_check(raw):
    """COPY (ogr2ogr -append, QGIS's DB Manager import), MERGE (insert and update) and an upsert (INSERT … ON
    CONFLICT DO UPDATE, ogr2ogr -upsert) reach the statement triggers' transition tables like INSERT and UPDATE:
    each overlap they write is refused at commit, naming both plots."""
    township, block = insert_township(raw)
    insert_rows(raw, township, [(block, "1", 0.0, 0.0, 20.0, 25.0), (block, "2", 30.0, 0.0, 50.0, 25.0)])
    raw.execute("SET CONSTRAINTS plots_keep_the_land_rules DEFERRED")
    same_plot = "p.number = s.number AND p.township_id = %s"
    writes = {
        "copy": None,
        "merge insert": (
            f"MERGE INTO townships_plot p USING (VALUES ('3')) AS s(number) ON {same_plot} "
            "WHEN NOT MATCHED THEN INSERT (township_id, block_id, number, geom, use, status, created_at, updated_at) "
            f"VALUES (%s, %s, s.number, {envelope(10, 0, 30, 25)}, 'residential', 'available', now(), now())",
            (township, township, block),
            "plot 3: the plot overlaps plot 1",
        ),
        "merge update": (
            f"MERGE INTO townships_plot p USING (VALUES ('2')) AS s(number) ON {same_plot} "
            f"WHEN MATCHED THEN UPDATE SET geom = {envelope(10, 0, 30, 25)}",
            (township,),
            "plot 2: the plot overlaps plot 1",
        ),
        "upsert": (
            "INSERT INTO townships_plot (township_id, block_id, number, geom, use, status, created_at, updated_at) "
            f"VALUES (%s, %s, '2', {envelope(10, 0, 30, 25)}, 'residential', 'available', now(), now()) "
            "ON CONFLICT (township_id, number) DO UPDATE SET geom = EXCLUDED.geom",
            (township, block),
            "plot 2: the plot overlaps plot 1",
        ),
    }
    for name, write in writes.items():
        raw.execute("SAVEPOINT write")
        if write is None:  # two rows, the second over the first
            raw.execute(
                f"SELECT ST_AsEWKT({envelope(0, 40, 20, 60)}), ST_AsEWKT({envelope(10, 40, 30, 60)})",
            )
            first, second = raw.fetchone()
            rows = "".join(
                f"{township}\t{block}\t{number}\t{shape}\tresidential\tavailable\tnow\tnow\n"
                for number, shape in (("4", first), ("5", second))
            )
            raw.copy_expert(
                "COPY townships_plot (township_id, block_id, number, geom, use, status, created_at, updated_at) "
                "FROM STDIN",
                io.StringIO(rows),
            )
            expected = "plot 4: the plot overlaps plot 5"
        else:
            sql, params, expected = write
            raw.execute(sql, params)
        with pytest.raises(psycopg2.errors.CheckViolation) as error:
            raw.execute("SET CONSTRAINTS plots_keep_the_land_rules IMMEDIATE")
        assert error.value.diag.constraint_name == "plots_do_not_overlap", name
        assert expected in error.value.diag.message_primary, name
        raw.execute("ROLLBACK TO SAVEPOINT write")
        raw.execute("SET CONSTRAINTS plots_keep_the_land_rules DEFERRED")


def queue_rows(cursor):
    """(listed plots, pending events) of this transaction, as the application's role sees them."""
    cursor.execute(
        "SELECT (SELECT count(*) FROM landreg_plot_queue WHERE xact = pg_current_xact_id()),"
        " (SELECT count(*) FROM landreg_plot_check WHERE xact = pg_current_xact_id())"
    )
    return cursor.fetchone()


def test_one_event_per_transaction_whatever_the_number_of_statements(raw):
    """Three statements list their plots and queue one event; the check empties both; a later statement queues a
    new one; a savepoint rolled back takes its listed plots and its event with it, and the check still runs."""
    township, _ = insert_township(raw)
    raw.execute("SET CONSTRAINTS plots_keep_the_land_rules DEFERRED")
    for start in (0, 10, 20):
        insert_rows(
            raw,
            township,
            [(None, str(start + i), 12.0 * (start + i), 0.0, 12.0 * (start + i) + 10, 10.0) for i in range(10)],
        )
    assert queue_rows(raw) == (30, 1)
    raw.execute("UPDATE townships_plot SET use = 'commercial' WHERE township_id = %s AND number = '1'", (township,))
    assert queue_rows(raw) == (30, 1)  # nothing the rules look at changed
    raw.execute(
        "UPDATE townships_plot SET geom = ST_Translate(geom, 0, 0.000001) WHERE township_id = %s AND number = '1'",
        (township,),
    )
    assert queue_rows(raw) == (31, 1)
    raw.execute("SET CONSTRAINTS plots_keep_the_land_rules IMMEDIATE")
    assert queue_rows(raw) == (0, 0)
    raw.execute("SET CONSTRAINTS plots_keep_the_land_rules DEFERRED")
    raw.execute("SAVEPOINT s")
    insert_rows(raw, township, [(None, "100", 0.0, 50.0, 10.0, 60.0)])
    assert queue_rows(raw) == (1, 1)
    raw.execute("ROLLBACK TO SAVEPOINT s")
    assert queue_rows(raw) == (0, 0)
    insert_rows(raw, township, [(None, "101", 5.0, 5.0, 15.0, 15.0)])  # over plot 0
    assert queue_rows(raw) == (1, 1)
    with pytest.raises(psycopg2.errors.CheckViolation) as error:
        raw.execute("SET CONSTRAINTS plots_keep_the_land_rules IMMEDIATE")
    assert error.value.diag.constraint_name == "plots_do_not_overlap"
    assert "plot 101: the plot overlaps plot 0" in error.value.diag.message_primary


def test_nothing_is_left_in_the_queue_after_commit_or_rollback(committed):
    cursor, township, block = committed["cursor"], committed["township"], committed["block"]
    cursor.execute("BEGIN")
    insert_rows(cursor, township, [(block, "1", 0.0, 0.0, 20.0, 25.0)])
    cursor.execute("COMMIT")
    cursor.execute("BEGIN")
    insert_rows(cursor, township, [(block, "2", 30.0, 0.0, 40.0, 25.0)])
    cursor.execute("ROLLBACK")
    cursor.execute("SELECT (SELECT count(*) FROM landreg_plot_queue), (SELECT count(*) FROM landreg_plot_check)")
    assert cursor.fetchone() == (0, 0)


def test_dropping_the_noted_plots_mid_transaction_does_not_skip_their_check(raw):
    """DISCARD TEMP drops the session's temporary tables, the noted plots with them; a plot written before it is
    still checked at commit, by its own firing."""
    township, block = insert_township(raw)
    raw.execute("SET CONSTRAINTS ALL DEFERRED")
    insert_rows(raw, township, [(block, "1", 0.0, 0.0, 20.0, 25.0), (block, "2", 10.0, 0.0, 30.0, 25.0)])
    raw.execute("DISCARD TEMP")
    insert_rows(raw, township, [(block, "3", 40.0, 0.0, 60.0, 25.0)])  # fine, and noted afresh
    with pytest.raises(psycopg2.errors.CheckViolation) as error:
        raw.execute("SET CONSTRAINTS ALL IMMEDIATE")  # what COMMIT does
    assert error.value.diag.constraint_name == "plots_do_not_overlap"
    assert "plot 1: the plot overlaps plot 2" in error.value.diag.message_primary


# --- against a reference check ------------------------------------------------------------------------------------

# The frame of the random layouts: a township of 120 m × 60 m with two blocks, and a few plots already there.
TOWNSHIP = box(0, 0, 120, 60)
BLOCKS = {"A": box(0, 0, 60, 60), "B": box(60, 0, 120, 40)}
EXISTING = [("A", "E1", 0, 0, 10, 10), ("A", "E2", 20, 20, 30, 30), ("B", "E3", 70, 10, 80, 20)]


def reference_violations(township, blocks, plots):
    """The rules of each new plot, row by row: (number, rule, the other plot's number or None)."""
    found = set()
    everyone = [(number, box(x0, y0, x1, y1)) for _, number, x0, y0, x1, y1 in EXISTING + plots]
    for block, number, x0, y0, x1, y1 in plots:
        shape = box(x0, y0, x1, y1)
        if shape.difference(township).area > TOLERANCE_M2:
            found.add((number, "plot_inside_township", None))
        if block is not None and shape.difference(blocks[block]).area > TOLERANCE_M2:
            found.add((number, "plot_inside_block", None))
        for other_number, other in everyone:
            if other_number != number and shape.intersection(other).area > TOLERANCE_M2:
                found.add((number, "plots_do_not_overlap", other_number))
    return found


def random_plots(rng, count):
    """Plots on a 5 m grid, so that they overlap by whole square metres, share edges, or stay apart: most inside
    their block, now and then one anywhere (out of its block, or of the township)."""
    plots = []
    for i in range(count):
        w, h = rng.choice((5, 10, 15)), rng.choice((5, 10))
        block = rng.choice(("A", "A", "B", None))
        x_min, y_min, x_max, y_max = BLOCKS[block].bounds if block and rng.random() < 0.9 else (-5, -5, 125, 65)
        x0 = rng.randrange(int(x_min), int(x_max) - w + 1, 5)
        y0 = rng.randrange(int(y_min), int(y_max) - h + 1, 5)
        plots.append((block, f"N{i}", x0, y0, x0 + w, y0 + h))
    return plots


def test_a_thousand_random_multi_row_inserts_agree_with_a_reference_check_on_every_row(raw):
    township, block = insert_township(raw, w=200, h=100)
    raw.execute("DELETE FROM townships_block WHERE id = %s", (block,))  # its block A is larger than TOWNSHIP
    raw.execute(
        "UPDATE townships_township SET geom = ST_Multi(ST_GeomFromEWKT(%s)) WHERE id = %s",
        (as_ewkt(raw, *TOWNSHIP.bounds), township),
    )
    blocks = {}
    for code, shape in BLOCKS.items():
        x0, y0, x1, y1 = shape.bounds
        raw.execute(
            "INSERT INTO townships_block (township_id, code, geom) VALUES (%s, %s, ST_GeomFromEWKT(%s)) RETURNING id",
            (township, f"R{code}", as_ewkt(raw, x0, y0, x1, y1)),
        )
        blocks[code] = raw.fetchone()[0]
    insert_rows(raw, township, [(blocks[b], n, x0, y0, x1, y1) for b, n, x0, y0, x1, y1 in EXISTING])
    rng = random.Random(20261129)
    refusals = 0
    for _ in range(1000):
        plots = random_plots(rng, rng.randint(2, 6))
        expected = reference_violations(TOWNSHIP, BLOCKS, plots)
        rows = [(blocks.get(b), n, x0, y0, x1, y1) for b, n, x0, y0, x1, y1 in plots]
        raw.execute("SAVEPOINT random")
        raw.execute("SET CONSTRAINTS plots_keep_the_land_rules DEFERRED")
        ids = [plot_id for plot_id, _ in insert_rows(raw, township, rows)]
        # Every violation of every row, as the set check sees them.
        raw.execute("SELECT plot_number, rule, detail FROM plot_set_violations(%s)", (ids,))
        found = {(number, rule, _other(detail)) for number, rule, detail in raw.fetchall()}
        assert found == expected, plots
        # And the verdict at commit: refused exactly when a row breaks a rule, naming a rule it breaks.
        try:
            raw.execute("SET CONSTRAINTS plots_keep_the_land_rules IMMEDIATE")
        except psycopg2.errors.CheckViolation as error:
            refusals += 1
            rule, plot = error.diag.constraint_name, error.diag.message_primary.split(":")[1].strip()
            assert any(r == rule and f"plot {n}" == plot for n, r, _ in expected), (plots, str(error))
        else:
            assert not expected, plots
        raw.execute("ROLLBACK TO SAVEPOINT random")
    assert 100 < refusals < 900  # both verdicts were exercised


def _other(detail):
    """The other plot named by an overlap's detail ('the plot overlaps plot E2 by 25.00 m²'), else None."""
    return detail.split("overlaps plot ")[1].split(" ")[0] if "overlaps plot " in detail else None
