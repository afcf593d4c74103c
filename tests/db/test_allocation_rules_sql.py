"""Allocation rules for clients that bypass Django: the database refuses."""

import psycopg2

from tests.db.conftest import as_ewkt, insert_township, refused
from tests.db.test_concurrency import ALLOCATION_INSERT, HOUSEHOLD_INSERT


def setup(raw):
    township, block = insert_township(raw)
    raw.execute(
        "INSERT INTO townships_plot (township_id, block_id, number, geom, use, status, created_at, "
        "updated_at) VALUES (%s, %s, '1', ST_GeomFromEWKT(%s), 'residential', 'available', now(), now()) "
        "RETURNING id",
        (township, block, as_ewkt(raw, 0, 0, 20, 25)),
    )
    plot = raw.fetchone()[0]
    raw.execute(
        "INSERT INTO townships_plot (township_id, block_id, number, geom, use, status, created_at, "
        "updated_at) VALUES (%s, %s, '2', ST_GeomFromEWKT(%s), 'residential', 'available', now(), now()) "
        "RETURNING id",
        (township, block, as_ewkt(raw, 20, 0, 40, 25)),
    )
    plot2 = raw.fetchone()[0]
    households = []
    for code in ("SQL-1", "SQL-2"):
        raw.execute(HOUSEHOLD_INSERT, (code,))
        households.append(raw.fetchone()[0])
    return plot, plot2, households


def test_it_refuses_a_second_active_allocation_of_a_plot(raw):
    plot, _, households = setup(raw)
    assert refused(raw, ALLOCATION_INSERT, (households[0], plot)) is None
    error = refused(raw, ALLOCATION_INSERT, (households[1], plot))
    assert isinstance(error, psycopg2.errors.UniqueViolation)
    assert error.diag.constraint_name == "one_active_allocation_per_plot"


def test_it_refuses_a_second_active_allocation_for_a_household(raw):
    plot, plot2, households = setup(raw)
    refused(raw, ALLOCATION_INSERT, (households[0], plot))
    error = refused(raw, ALLOCATION_INSERT, (households[0], plot2))
    assert error.diag.constraint_name == "one_active_allocation_per_household"


def test_a_revoked_allocation_no_longer_holds_the_plot(raw):
    plot, _, households = setup(raw)
    raw.execute(ALLOCATION_INSERT + " RETURNING id", (households[0], plot))
    allocation = raw.fetchone()[0]
    raw.execute(
        "UPDATE allocations_allocation SET status = 'revoked', revocation_reason = 'fraud', "
        "end_date = current_date WHERE id = %s",
        (allocation,),
    )
    assert refused(raw, ALLOCATION_INSERT, (households[1], plot)) is None


def test_it_refuses_revoking_without_a_reason(raw):
    plot, _, households = setup(raw)
    raw.execute(ALLOCATION_INSERT + " RETURNING id", (households[0], plot))
    allocation = raw.fetchone()[0]
    error = refused(raw, "UPDATE allocations_allocation SET status = 'revoked' WHERE id = %s", (allocation,))
    assert error.diag.constraint_name == "revoked_allocation_has_reason"


def test_it_refuses_to_delete_an_allocation(raw):
    plot, _, households = setup(raw)
    refused(raw, ALLOCATION_INSERT, (households[0], plot))
    error = refused(raw, "DELETE FROM allocations_allocation WHERE plot_id = %s", (plot,))
    assert error.diag.constraint_name == "allocations_are_never_deleted"
    raw.execute("SELECT count(*) FROM allocations_allocation WHERE plot_id = %s", (plot,))
    assert raw.fetchone()[0] == 1


def test_it_refuses_to_reopen_a_revoked_allocation(raw):
    plot, _, households = setup(raw)
    raw.execute(ALLOCATION_INSERT + " RETURNING id", (households[0], plot))
    allocation = raw.fetchone()[0]
    raw.execute(
        "UPDATE allocations_allocation SET status = 'revoked', revocation_reason = 'error', "
        "end_date = current_date WHERE id = %s",
        (allocation,),
    )
    error = refused(raw, "UPDATE allocations_allocation SET status = 'occupied' WHERE id = %s", (allocation,))
    assert error.diag.constraint_name == "ended_allocation_is_final"


def test_it_refuses_moving_an_allocation_to_another_plot(raw):
    plot, plot2, households = setup(raw)
    raw.execute(ALLOCATION_INSERT + " RETURNING id", (households[0], plot))
    allocation = raw.fetchone()[0]
    error = refused(raw, "UPDATE allocations_allocation SET plot_id = %s WHERE id = %s", (plot2, allocation))
    assert error.diag.constraint_name == "allocation_parties_are_fixed"


def test_it_refuses_to_move_a_plot_that_holds_an_active_allocation(raw):
    plot, plot2, households = setup(raw)
    raw.execute(ALLOCATION_INSERT, (households[0], plot))
    shrink = "UPDATE townships_plot SET geom = ST_GeomFromEWKT(%s) WHERE id = %s"
    error = refused(raw, shrink, (as_ewkt(raw, 0, 0, 18, 25), plot))
    assert error is not None and "allocated_plot_keeps_its_outline" in str(error)
    assert refused(raw, "UPDATE townships_plot SET status = status WHERE id = %s", (plot,)) is None  # not the outline
    assert refused(raw, shrink, (as_ewkt(raw, 22, 0, 40, 25), plot2)) is None  # a free plot moves
    raw.execute("SELECT set_config('landreg.confirm_allocated_moves', 'on', true)")  # a confirmed layout import
    assert refused(raw, shrink, (as_ewkt(raw, 0, 0, 18, 25), plot)) is None
