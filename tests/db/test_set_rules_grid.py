"""The plot set check's way for large sets (townships/sql/0017_plot_set_copy.sql): the touched plots and their
untouched neighbours copied once, their exact boxes joined on a grid, ST_Relate asked only for the pairs whose boxes
overlap. The same answer as the way through townships_plot's spatial index, on the same plots: a bulk insert with an
overlap at row 500 of 1,000 is refused naming both plots, shared edges moved in several statements are accepted at a
real COMMIT, the random inserts agree with shapely row by row, and the way falls back to the index when the grid
would not pay or when a writer's own table takes the copy's name.

landreg.plot_set_copy_from (a number of touched plots) moves the threshold for these tests: it chooses the way,
never the answer. Which way a check took is read from its DEBUG message."""

from collections import deque

import psycopg2
import pytest

from tests.db import test_set_rules
from tests.db.conftest import connect, insert_township
from tests.db.test_gis_roles_sql import gis_login
from tests.db.test_set_rules import grid, insert_rows, plots_of, reshape


def low_threshold(cursor, plots=100):
    cursor.execute("SELECT set_config('landreg.plot_set_copy_from', %s, false)", (str(plots),))
    cursor.execute("SET client_min_messages = debug1")
    cursor.connection.notices = deque()  # every message kept (a list keeps the last 50)


def ways(cursor):
    """The ways the set checks took since the last call, from their DEBUG messages: 'grid' or 'index'."""
    notes = [n for n in cursor.connection.notices if "plot_set_violations:" in n]
    cursor.connection.notices.clear()
    return ["grid" if n.rstrip().endswith("by the grid") else "index" for n in notes]


def violations(cursor, ids, copy_from):
    cursor.execute("SELECT set_config('landreg.plot_set_copy_from', %s, true)", (str(copy_from),))
    cursor.execute("SELECT plot_id, plot_number, rule, detail FROM plot_set_violations(%s)", (ids,))
    return cursor.fetchall()


def test_the_threshold_is_the_documented_one(raw):
    raw.execute("SELECT landreg_plot_set_copy_from()")
    assert raw.fetchone()[0] == 20_000


def test_row_500_of_1000_over_row_3_is_refused_by_the_grid_naming_both(raw):
    township, _ = insert_township(raw)  # 500 m × 300 m: room for 40 × 25 plots of 10 m
    low_threshold(raw)
    plots = grid(1000)
    _, number, x0, y0, x1, y1 = plots[2]
    plots[499] = (None, "500", x0 + 5, y0, x1 + 5, y1)  # half over plot 3 (and half over plot 4)
    raw.execute("SAVEPOINT bulk")
    with pytest.raises(psycopg2.errors.CheckViolation) as error:
        insert_rows(raw, township, plots)
    raw.execute("ROLLBACK TO SAVEPOINT bulk")
    assert error.value.diag.constraint_name == "plots_do_not_overlap"
    assert error.value.diag.message_primary.startswith("plots_do_not_overlap: plot 3: the plot overlaps plot 500 by 50")
    assert ways(raw) == ["grid"]


def test_both_ways_give_the_same_violations_in_the_same_order(raw):
    """1,000 plots with overlaps, a plot out of the township and a pair of identical plots, written with the
    check deferred: every violation, both ways, row for row."""
    township, block = insert_township(raw)
    raw.execute("SET CONSTRAINTS ALL DEFERRED")
    plots = grid(1000)
    plots[499] = (None, "500", 25.0, 0.0, 35.0, 10.0)  # over plots 3 and 4
    plots[700] = (None, "701", 495.0, 290.0, 505.0, 300.0)  # half out of the township
    plots[800] = (None, "801", *plots[801][2:])  # the same square as plot 802
    plots[900] = (block, "901", *plots[900][2:])  # given block A, which covers x < 200, y < 100 only
    ids = [plot_id for plot_id, _ in insert_rows(raw, township, plots)]
    low_threshold(raw)
    by_grid = violations(raw, ids, 100)
    assert ways(raw) == ["grid"]
    by_index = violations(raw, ids, 1_000_000)
    assert ways(raw) == []  # below the threshold: the index, silently
    assert by_grid == by_index
    rules = {(number, rule) for _, number, rule, _ in by_grid}
    assert {
        ("3", "plots_do_not_overlap"),
        ("500", "plots_do_not_overlap"),
        ("701", "plot_inside_township"),
        ("801", "plots_do_not_overlap"),
        ("802", "plots_do_not_overlap"),
        ("901", "plot_inside_block"),
    } <= rules


def test_shared_edges_moved_in_several_statements_are_accepted_by_the_grid_at_commit(committed):
    cursor, township = committed["cursor"], committed["township"]
    cursor.execute("BEGIN")
    insert_rows(cursor, township, grid(1000))
    cursor.execute("COMMIT")
    low_threshold(cursor, 20)
    # In each of 25 rows, plot 2 grows over half of plots 1 and 3, then they shrink, statement by statement: in
    # between, 50 pairs overlap; at COMMIT, the edit as a whole keeps the rules.
    cursor.execute("BEGIN")
    for row in range(25):
        y = row * 10.0
        reshape(cursor, township, str(row * 40 + 2), 5, y, 25, y + 10)
    for row in range(25):
        y = row * 10.0
        reshape(cursor, township, str(row * 40 + 1), 0, y, 5, y + 10)
        reshape(cursor, township, str(row * 40 + 3), 25, y, 30, y + 10)
    cursor.execute("COMMIT")
    assert ways(cursor) == ["grid"]
    areas = dict(plots_of(cursor, township))
    assert [(areas["41"], areas["42"], areas["43"])] == [(50.0, 200.0, 50.0)]
    assert sum(areas.values()) == 100_000.0


def test_an_edge_moved_over_a_neighbour_is_refused_by_the_grid_at_commit_and_nothing_is_kept(committed):
    cursor, township = committed["cursor"], committed["township"]
    cursor.execute("BEGIN")
    insert_rows(cursor, township, grid(1000))
    cursor.execute("COMMIT")
    low_threshold(cursor, 20)
    cursor.execute("BEGIN")
    for row in range(25):
        y = row * 10.0
        reshape(cursor, township, str(row * 40 + 2), 5, y, 25, y + 10)
        reshape(cursor, township, str(row * 40 + 1), 0, y, 5, y + 10)
        if row != 12:  # in row 13, plot 483 keeps its place under plot 482's new edge
            reshape(cursor, township, str(row * 40 + 3), 25, y, 30, y + 10)
    with pytest.raises(psycopg2.errors.CheckViolation) as error:
        cursor.execute("COMMIT")
    assert error.value.diag.constraint_name == "plots_do_not_overlap"
    assert "plot 482: the plot overlaps plot 483 by 50" in error.value.diag.message_primary
    assert ways(cursor) == ["grid"]
    assert set(plots_of(cursor, township)) == {(str(i + 1), 100.0) for i in range(1000)}


def test_a_thousand_random_multi_row_inserts_agree_with_the_reference_check_by_the_grid_too(raw):
    low_threshold(raw, 0)
    test_set_rules.test_a_thousand_random_multi_row_inserts_agree_with_a_reference_check_on_every_row(raw)
    taken = ways(raw)
    # Two checks per insert; some take the index (their extent holds more of the old plots than new ones).
    assert taken.count("grid") > 1000, (taken.count("grid"), taken.count("index"))


def test_scattered_plots_of_a_full_township_take_the_index_and_are_judged_the_same(raw):
    """Every fifth plot of 1,000 moved: their extent holds four untouched plots for each touched one."""
    township, _ = insert_township(raw)
    insert_rows(raw, township, grid(1000))
    low_threshold(raw)
    raw.execute("SET CONSTRAINTS ALL DEFERRED")
    for i in range(0, 1000, 5):
        x, y = (i % 40) * 10.0, (i // 40) * 10.0
        reshape(raw, township, str(i + 1), x + 1, y, x + 11, y + 10)  # 1 m over the next plot
    raw.execute(
        "SELECT array_agg(id ORDER BY id) FROM townships_plot WHERE township_id = %s AND number::int %% 5 = 1",
        (township,),
    )
    ids = raw.fetchone()[0]
    found = violations(raw, ids, 100)
    assert ways(raw) == ["index"]
    assert len({number for _, number, _, _ in found}) == 200
    with pytest.raises(psycopg2.errors.CheckViolation) as error:
        raw.execute("SET CONSTRAINTS ALL IMMEDIATE")
    assert "plot 1: the plot overlaps plot 2 by 10" in error.value.diag.message_primary


def test_one_very_large_plot_takes_the_index(raw):
    """999 plots of 2 m and one of 422 m × 300 m: the grid would list that one in thousands of cells; the check
    takes the index, and finds its overlaps."""
    township, _ = insert_township(raw)
    low_threshold(raw)
    raw.execute("SET CONSTRAINTS ALL DEFERRED")
    plots = grid(999, side=2.0, columns=40)  # 80 m × 50 m
    plots.append((None, "big", 78.0, 0.0, 500.0, 300.0))  # over the last small plot of each row
    ids = [plot_id for plot_id, _ in insert_rows(raw, township, plots)]
    found = violations(raw, ids, 100)
    assert ways(raw) == ["index"]
    assert ("big", "plots_do_not_overlap") in {(number, rule) for _, number, rule, _ in found}


def test_a_table_of_the_copys_name_made_first_sends_the_check_to_the_index(committed):
    """A GIS login that makes its own temporary table under the copy's name (one that swallows every row) before
    a large write gains nothing: the check takes the index, and refuses the overlap."""
    cursor, township, block = committed["cursor"], committed["township"], committed["block"]
    conn = connect()
    try:
        with conn.cursor() as login:
            gis_login(login, "landreg_gis_editor", "AF99")
            login.execute(
                "CREATE TEMPORARY TABLE landreg_plot_set_copy (id bigint, number text, township_id bigint, "
                "block_id bigint, geom geometry, touched boolean, x0 float8, x1 float8, y0 float8, y1 float8)"
            )
            login.execute("CREATE RULE swallow AS ON INSERT TO landreg_plot_set_copy DO INSTEAD NOTHING")
            login.execute("GRANT ALL ON landreg_plot_set_copy TO PUBLIC")
            low_threshold(login, 10)
            plots = [
                (block, str(i + 1), (i % 20) * 10.0, (i // 20) * 10.0, (i % 20) * 10.0 + 10, (i // 20) * 10.0 + 10)
                for i in range(100)
            ]
            plots[50] = (block, "51", 5.0, 0.0, 15.0, 10.0)  # over plots 1 and 2
            insert_rows(login, township, plots)
            with pytest.raises(psycopg2.errors.CheckViolation) as error:
                login.execute("COMMIT")
            assert error.value.diag.constraint_name == "plots_do_not_overlap"
            assert "overlaps plot 51" in error.value.diag.message_primary
            assert ways(login) == ["index"]
    finally:
        conn.rollback()
        conn.close()
    assert plots_of(cursor, township) == []
