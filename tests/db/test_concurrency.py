"""Two clients racing for the same land: the database lets exactly one of them win."""

import threading
import time

import psycopg2

from tests.db.conftest import as_ewkt, connect

HOUSEHOLD_INSERT = (
    "INSERT INTO households_household (code, province_id, size, category, country_returned_from, return_type, "
    "crossing_point, female_headed, disability, elderly_head, unaccompanied_child, chronic_illness, "
    "landless_declared, prior_beneficiary, status, is_demo, created_at, updated_at) "
    "VALUES (%s, (SELECT id FROM parcels_adminarea WHERE pcode = 'AF99'), 5, 'idp', '', '', '', false, false, "
    "false, false, false, true, false, 'eligible', false, now(), now()) RETURNING id"
)
ALLOCATION_INSERT = (
    "INSERT INTO allocations_allocation (household_id, plot_id, method, status, proposed_at, decision_reference, "
    "revocation_reason, notes, is_demo, updated_at) VALUES (%s, %s, 'committee', 'proposed', now(), '', '', '', "
    "false, now())"
)
# The same proposal as the workflow writes it: the allocation and its first step, in one statement (the database
# refuses at commit an allocation whose status has no transition row written by the same transaction).
ALLOCATION_PROPOSE = (
    f"WITH a AS ({ALLOCATION_INSERT} RETURNING id, status) "
    "INSERT INTO allocations_allocationtransition (allocation_id, from_status, to_status, at, reason, reference) "
    "SELECT id, '', status, now(), 'Proposed in SQL.', '' FROM a"
)


def race(first, second, observer):
    """The first client writes and keeps its transaction open; the second writes the conflicting row.

    The second must wait for the first (we watch it wait in pg_locks), then be refused once the first commits.
    Returns (outcome of first, outcome of second): "committed" or the database error.
    """
    conn_a, conn_b = connect(), connect()
    outcome = {}

    def second_client():
        try:
            with conn_b.cursor() as cursor:
                cursor.execute(*second)
            conn_b.commit()
            outcome["second"] = "committed"
        except psycopg2.Error as exc:
            conn_b.rollback()
            outcome["second"] = exc

    try:
        with conn_a.cursor() as cursor:
            cursor.execute(*first)
        thread = threading.Thread(target=second_client)
        thread.start()
        for _ in range(500):  # until the second client is blocked behind the first (at most ~5 s)
            observer.execute(
                "SELECT count(*) FROM pg_locks WHERE pid = %s AND NOT granted", (conn_b.get_backend_pid(),)
            )
            if observer.fetchone()[0] or not thread.is_alive():
                break
            time.sleep(0.01)
        waited = thread.is_alive()
        conn_a.commit()
        thread.join(timeout=30)
        return "committed", outcome["second"], waited
    finally:
        conn_a.close()
        conn_b.close()


def commit_together(statements):
    """Each statement in its own connection and transaction; then all COMMIT at the same moment. The land rules
    run at commit, so this is where two clients drawing overlapping plots meet. Returns each outcome."""
    connections = [connect() for _ in statements]
    for conn, (sql, params) in zip(connections, statements, strict=True):
        with conn.cursor() as cursor:
            cursor.execute(sql, params)  # neither sees the other's uncommitted plot
    barrier = threading.Barrier(len(connections))
    outcomes = [None] * len(connections)

    def commit(i, conn):
        barrier.wait()
        try:
            conn.commit()
            outcomes[i] = "committed"
        except psycopg2.Error as exc:
            conn.rollback()
            outcomes[i] = exc

    threads = [threading.Thread(target=commit, args=(i, c)) for i, c in enumerate(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    for conn in connections:
        conn.close()
    return outcomes


def test_two_clients_drawing_overlapping_plots_at_once_cannot_both_succeed(committed):
    cursor = committed["cursor"]
    sql = (
        "INSERT INTO townships_plot (township_id, block_id, number, geom, use, status, created_at, updated_at) "
        "VALUES (%s, %s, %s, ST_GeomFromEWKT(%s), 'residential', 'available', now(), now())"
    )
    for attempt in range(3):  # three races, each with both commits released together
        base = attempt * 60
        outcomes = commit_together(
            [
                (
                    sql,
                    (committed["township"], committed["block"], f"{attempt}a", as_ewkt(cursor, base, 0, base + 20, 25)),
                ),
                (
                    sql,
                    (
                        committed["township"],
                        committed["block"],
                        f"{attempt}b",
                        as_ewkt(cursor, base + 10, 0, base + 30, 25),
                    ),
                ),
            ]
        )
        assert outcomes.count("committed") == 1, outcomes
        loser = next(o for o in outcomes if o != "committed")
        assert isinstance(loser, psycopg2.errors.CheckViolation)
        assert loser.diag.constraint_name == "plots_do_not_overlap"
    cursor.execute("SELECT count(*) FROM townships_plot WHERE township_id = %s", (committed["township"],))
    assert cursor.fetchone()[0] == 3


def test_two_officers_allocating_one_plot_at_once_cannot_both_succeed(committed):
    cursor = committed["cursor"]
    cursor.execute(
        "INSERT INTO townships_plot (township_id, block_id, number, geom, use, status, created_at, "
        "updated_at) VALUES (%s, %s, '1', ST_GeomFromEWKT(%s), 'residential', 'available', now(), now()) "
        "RETURNING id",
        (committed["township"], committed["block"], as_ewkt(cursor, 0, 0, 20, 25)),
    )
    plot = cursor.fetchone()[0]
    households = []
    for code in ("RACE-1", "RACE-2"):
        cursor.execute(HOUSEHOLD_INSERT, (code,))
        households.append(cursor.fetchone()[0])
    first, second, waited = race(
        (ALLOCATION_PROPOSE, (households[0], plot)), (ALLOCATION_PROPOSE, (households[1], plot)), cursor
    )
    assert waited
    assert first == "committed"
    assert isinstance(second, psycopg2.errors.UniqueViolation)
    assert second.diag.constraint_name == "one_active_allocation_per_plot"
    cursor.execute("SELECT count(*) FROM allocations_allocation WHERE plot_id = %s", (plot,))
    assert cursor.fetchone()[0] == 1
