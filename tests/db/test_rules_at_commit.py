"""The multi-row land rules judge a transaction as a whole, at commit: a topological edit in QGIS — a vertex
shared by two plots moved, saved as two UPDATEs — passes, and a real overlap is still refused."""

import psycopg2
import pytest

from tests.db.conftest import as_ewkt, connect, insert_township


@pytest.fixture
def deferred(db, django_db_blocker):
    """A plain connection left in the default mode: checks run at commit (here: at SET CONSTRAINTS)."""
    with django_db_blocker.unblock():
        conn = connect()
    cursor = conn.cursor()
    township, block = insert_township(cursor)
    for number, x in (("1", 0), ("2", 20)):
        cursor.execute(
            "INSERT INTO townships_plot (township_id, block_id, number, geom) VALUES (%s, %s, %s, ST_GeomFromEWKT(%s))",
            (township, block, number, as_ewkt(cursor, x, 0, x + 20, 25)),
        )
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the layout itself is fine
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    yield cursor, township
    conn.rollback()
    conn.close()


def move_shared_edge(cursor, township, x):
    """Move the edge between plots 1 and 2 to x metres, the way QGIS saves it: plot 1 first, then plot 2."""
    cursor.execute(
        "UPDATE townships_plot SET geom = ST_GeomFromEWKT(%s) WHERE township_id = %s AND number = '1'",
        (as_ewkt(cursor, 0, 0, x, 25), township),
    )
    cursor.execute(
        "UPDATE townships_plot SET geom = ST_GeomFromEWKT(%s) WHERE township_id = %s AND number = '2'",
        (as_ewkt(cursor, x, 0, 40, 25), township),
    )


def test_growing_a_plot_into_its_neighbour_that_shrinks_in_the_same_edit_is_accepted(deferred):
    cursor, township = deferred
    move_shared_edge(cursor, township, 25)  # plot 1 grows first: for a moment it overlaps plot 2
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # what COMMIT does
    cursor.execute("SELECT number, area_m2 FROM townships_plot WHERE township_id = %s ORDER BY number", (township,))
    assert [(n, float(a)) for n, a in cursor.fetchall()] == [("1", 625.0), ("2", 375.0)]


def test_an_edit_that_leaves_an_overlap_is_refused_at_commit_naming_the_rule(deferred):
    cursor, township = deferred
    cursor.execute(
        "UPDATE townships_plot SET geom = ST_GeomFromEWKT(%s) WHERE township_id = %s AND number = '1'",
        (as_ewkt(cursor, 0, 0, 25, 25), township),
    )  # and plot 2 is never moved back
    with pytest.raises(psycopg2.errors.CheckViolation) as error:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    assert error.value.diag.constraint_name == "plots_do_not_overlap"
