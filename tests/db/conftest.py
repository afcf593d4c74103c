"""Plain database connections that bypass Django, standing in for QGIS, psql or any other client."""

import psycopg2
import pytest
from django.db import connection


def connect():
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    # Never touch a real database: these connections commit on their own.
    assert params["dbname"].startswith("test_"), f"refusing to run raw SQL tests on {params['dbname']}"
    return psycopg2.connect(**params)


WORKFLOW_LOG_RULE = "status_changes_with_a_transition"


def judge_the_workflow(cursor):
    """Run the workflow-log check of this transaction now, as COMMIT would."""
    cursor.execute(f"SET CONSTRAINTS {WORKFLOW_LOG_RULE} IMMEDIATE")


@pytest.fixture
def raw(db, django_db_blocker):
    """A cursor on its own connection to the test database; everything it does is rolled back."""
    with django_db_blocker.unblock():
        conn = connect()
    try:
        with conn.cursor() as cursor:
            # The multi-row land rules run at commit; these tests never commit, so they ask for them now.
            # tests/db/test_rules_at_commit.py shows the deferred behaviour itself.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            # Except the workflow log: an allocation's status change and its transition row are judged together
            # at commit, so tests that write an allocation as a shorthand need not log it; the rule's own tests
            # (tests/db/test_status_changes_with_a_transition_sql.py) run the check with judge_the_workflow().
            cursor.execute(f"SET CONSTRAINTS {WORKFLOW_LOG_RULE} DEFERRED")
            yield cursor
    finally:
        conn.rollback()
        conn.close()


@pytest.fixture
def committed(db, django_db_blocker):
    """Base data committed for real, so that other connections see it; removed afterwards (with the allocations,
    their workflow steps and the households coded RACE-… that the test committed)."""
    with django_db_blocker.unblock():
        conn = connect()
    conn.autocommit = True
    cursor = conn.cursor()
    township, block = insert_township(cursor, code="RACE")
    data = {"township": township, "block": block, "cursor": cursor}
    yield data
    guards = [
        ("allocations_allocationtransition", "allocation_transitions_are_append_only"),
        ("allocations_allocation", "allocations_are_never_deleted"),
    ]
    for table, guard in guards:
        cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {guard}")
    cursor.execute(
        "DELETE FROM allocations_allocationtransition WHERE allocation_id IN (SELECT a.id "
        "FROM allocations_allocation a JOIN townships_plot p ON p.id = a.plot_id WHERE p.township_id = %s)",
        (township,),
    )
    cursor.execute(
        "DELETE FROM allocations_allocation WHERE plot_id IN (SELECT id FROM townships_plot WHERE township_id = %s)",
        (township,),
    )
    for table, guard in guards:
        cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {guard}")
    cursor.execute("DELETE FROM households_household WHERE code LIKE 'RACE-%%'")
    cursor.execute("DELETE FROM townships_plot WHERE township_id = %s", (township,))
    cursor.execute("DELETE FROM townships_block WHERE township_id = %s", (township,))
    cursor.execute("DELETE FROM townships_township WHERE id = %s", (township,))
    cursor.execute("DELETE FROM parcels_adminarea WHERE pcode = 'AF99'")
    conn.close()


def refused(cursor, sql, params=()):
    """Run sql in a savepoint and return the database's error (or None if it was accepted)."""
    cursor.execute("SAVEPOINT attempt")
    try:
        cursor.execute(sql, params)
    except psycopg2.Error as exc:
        cursor.execute("ROLLBACK TO SAVEPOINT attempt")
        return exc
    cursor.execute("RELEASE SAVEPOINT attempt")
    return None


X0, Y0 = 500000.0, 3806000.0  # near 70.5°E 34.4°N


def rect(x0, y0, x1, y1):
    """EWKT of a rectangle given in metres from the frame origin, as a raw client would send it."""
    return (
        "SELECT ST_AsEWKT(ST_Transform(ST_SetSRID(ST_MakeEnvelope(%s, %s, %s, %s), 32642), 4326))",
        (X0 + x0, Y0 + y0, X0 + x1, Y0 + y1),
    )


def as_ewkt(cursor, x0, y0, x1, y1):
    sql, params = rect(x0, y0, x1, y1)
    cursor.execute(sql, params)
    return cursor.fetchone()[0]


def insert_township(cursor, code="RAW", w=500, h=300):
    cursor.execute(
        "INSERT INTO parcels_adminarea (level, pcode, iso_code, name_en, name_prs, name_ps) "
        "VALUES ('province', 'AF99', '', 'Test province', '', '') "
        "ON CONFLICT (pcode) DO UPDATE SET name_en = EXCLUDED.name_en RETURNING id"
    )
    province = cursor.fetchone()[0]
    cursor.execute(
        "INSERT INTO townships_township (code, name, name_prs, name_ps, province_id, legal_basis, geom, status, "
        "planned_services, is_demo, created_at, updated_at) VALUES (%s, %s, '', '', %s, 'decree_305_2018', "
        "ST_Multi(ST_GeomFromEWKT(%s)), 'planned', '', false, now(), now()) RETURNING id",
        (code, f"Township {code}", province, as_ewkt(cursor, 0, 0, w, h)),
    )
    township = cursor.fetchone()[0]
    cursor.execute(
        "INSERT INTO townships_block (township_id, code, geom, created_at, updated_at) "
        "VALUES (%s, 'A', ST_GeomFromEWKT(%s), now(), now()) RETURNING id",
        (township, as_ewkt(cursor, 0, 0, 200, 100)),
    )
    return township, cursor.fetchone()[0]


PLOT_INSERT = (
    "INSERT INTO townships_plot (township_id, block_id, number, geom, use, status, created_at, updated_at) "
    "VALUES (%s, %s, %s, ST_GeomFromEWKT(%s), 'residential', 'available', now(), now())"
)


def insert_plot(cursor, township, block, number, x0, y0, x1, y1):
    return refused(cursor, PLOT_INSERT + " RETURNING id", (township, block, number, as_ewkt(cursor, x0, y0, x1, y1)))
