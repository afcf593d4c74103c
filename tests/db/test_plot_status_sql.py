"""plot_status_follows_the_workflow, in raw SQL: a plot's status is its allocation's, for every client; a GIS login
(QGIS, or the OGC API's database login) plans plots but never allocates, frees or disputes them."""

from tests.db.conftest import PLOT_INSERT, as_ewkt, refused
from tests.db.test_allocation_rules_sql import setup
from tests.db.test_concurrency import ALLOCATION_INSERT
from tests.db.test_gis_roles_sql import gis_login
from tests.db.test_workflow_rules_sql import make_user

RULE = "plot_status_follows_the_workflow"
SET_STATUS = "UPDATE townships_plot SET status = %s WHERE id = %s"


def plot_status(raw, plot):
    raw.execute("SELECT status FROM townships_plot WHERE id = %s", (plot,))
    return raw.fetchone()[0]


def occupied(raw):
    """Plot 1 occupied by a household under an active allocation, as in the issue (plot 10 of the report)."""
    plot, plot2, households = setup(raw)
    raw.execute(ALLOCATION_INSERT + " RETURNING id", (households[0], plot))
    allocation = raw.fetchone()[0]
    raw.execute(
        "UPDATE allocations_allocation SET status = 'occupied', approved_by_id = %s, decision_reference = 'R-1', "
        "handover_point = (SELECT ST_PointOnSurface(geom) FROM townships_plot WHERE id = %s) WHERE id = %s",
        (make_user(raw, "sql.checker"), plot, allocation),
    )
    return plot, plot2, allocation


def test_a_gis_login_cannot_free_an_occupied_plot(raw):
    plot, _, _ = occupied(raw)
    assert plot_status(raw, plot) == "occupied"
    login = gis_login(raw, "landreg_gis_editor", "AF99")
    for status in ("available", "cancelled", "disputed"):
        error = refused(raw, SET_STATUS, (status, plot))
        assert error.diag.constraint_name == RULE, status
        assert "plot 1 is held by an active allocation, so its status is occupied" in str(error)
    raw.execute("RESET ROLE")
    assert plot_status(raw, plot) == "occupied"
    assert login not in str(error)  # the refusal speaks of the plot, not of who holds it


def test_the_application_cannot_give_an_allocated_plot_another_status_either(raw):
    plot, _, allocation = occupied(raw)
    for status in ("available", "handed_over", "usurped"):
        error = refused(raw, SET_STATUS, (status, plot))
        assert error.diag.constraint_name == RULE, status
    # The workflow moves it: suspending the allocation disputes the plot, revoking it frees the plot.
    raw.execute(
        "UPDATE allocations_allocation SET status = 'suspended', suspended_from = 'occupied' WHERE id = %s",
        (allocation,),
    )
    assert plot_status(raw, plot) == "disputed"
    raw.execute(
        "UPDATE allocations_allocation SET status = 'revoked', revocation_reason = 'non_occupancy', "
        "end_date = current_date WHERE id = %s",
        (allocation,),
    )
    assert plot_status(raw, plot) == "available"
    assert refused(raw, SET_STATUS, ("usurped", plot)) is None  # no allocation holds it any more


def test_a_gis_login_plans_free_plots_among_planned_available_and_cancelled(raw):
    _, plot2, _ = occupied(raw)
    gis_login(raw, "landreg_gis_editor", "AF99")
    for status in ("planned", "cancelled", "available"):
        assert refused(raw, SET_STATUS, (status, plot2)) is None, status
    for status in ("reserved", "allocated", "handed_over", "occupied", "disputed", "usurped"):
        error = refused(raw, SET_STATUS, (status, plot2))
        assert error.diag.constraint_name == RULE, status
        assert "may set a plot's status only among planned, available and cancelled" in str(error)


def test_a_gis_login_cannot_undo_a_status_set_by_officers(raw):
    _, plot2, _ = occupied(raw)
    raw.execute(SET_STATUS, ("usurped", plot2))  # reported by a field officer, on a plot no allocation holds
    gis_login(raw, "landreg_gis_editor", "AF99")
    error = refused(raw, SET_STATUS, ("available", plot2))
    assert error.diag.constraint_name == RULE


def test_a_gis_login_draws_new_plots_only_in_a_planning_status(raw):
    plot, _, _ = occupied(raw)
    raw.execute("SELECT township_id, block_id FROM townships_plot WHERE id = %s", (plot,))
    township, block = raw.fetchone()
    gis_login(raw, "landreg_gis_editor", "AF99")
    allocated = PLOT_INSERT.replace("'available', now()", "'allocated', now()")
    error = refused(raw, allocated, (township, block, "3", as_ewkt(raw, 40, 0, 60, 25)))
    assert error.diag.constraint_name == RULE
    assert refused(raw, PLOT_INSERT, (township, block, "3", as_ewkt(raw, 40, 0, 60, 25))) is None


def test_other_edits_of_an_allocated_plot_by_a_gis_login_still_go_through(raw):
    plot, _, _ = occupied(raw)
    gis_login(raw, "landreg_gis_editor", "AF99")
    raw.execute("UPDATE townships_plot SET use = use, status = status WHERE id = %s RETURNING status", (plot,))
    assert raw.fetchone()[0] == "occupied"
