"""Workflow rules the database keeps for any client: maker-checker, plot status, append-only log."""

from tests.db.conftest import refused
from tests.db.test_allocation_rules_sql import setup
from tests.db.test_concurrency import ALLOCATION_INSERT


def make_user(raw, name):
    raw.execute(
        "INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email, is_staff, "
        "is_active, date_joined) VALUES ('', false, %s, '', '', '', false, true, now()) RETURNING id",
        (name,),
    )
    return raw.fetchone()[0]


def test_the_proposer_cannot_approve_through_sql(raw):
    plot, _, households = setup(raw)
    officer = make_user(raw, "sql.officer")
    raw.execute(
        ALLOCATION_INSERT.replace("revocation_reason,", "revocation_reason, proposed_by_id,").replace(
            "'', '', '',", "'', '', %s, '',", 1
        )
        + " RETURNING id",
        (households[0], plot, officer),
    )
    allocation = raw.fetchone()[0]
    error = refused(
        raw,
        "UPDATE allocations_allocation SET status = 'approved', approved_by_id = %s, "
        "decision_reference = 'R-1' WHERE id = %s",
        (officer, allocation),
    )
    assert error.diag.constraint_name == "approval_by_a_checker"
    checker = make_user(raw, "sql.checker")
    assert (
        refused(
            raw,
            "UPDATE allocations_allocation SET status = 'approved', approved_by_id = %s, "
            "decision_reference = 'R-1' WHERE id = %s",
            (checker, allocation),
        )
        is None
    )


def test_the_plot_status_follows_an_allocation_written_in_sql(raw):
    plot, _, households = setup(raw)
    raw.execute(ALLOCATION_INSERT + " RETURNING id", (households[0], plot))
    allocation = raw.fetchone()[0]
    raw.execute("SELECT status FROM townships_plot WHERE id = %s", (plot,))
    assert raw.fetchone()[0] == "reserved"
    raw.execute(
        "UPDATE allocations_allocation SET status = 'revoked', revocation_reason = 'error', "
        "end_date = current_date WHERE id = %s",
        (allocation,),
    )
    raw.execute("SELECT status FROM townships_plot WHERE id = %s", (plot,))
    assert raw.fetchone()[0] == "available"


def test_handover_without_a_gps_point_is_refused(raw):
    plot, _, households = setup(raw)
    raw.execute(ALLOCATION_INSERT + " RETURNING id", (households[0], plot))
    allocation = raw.fetchone()[0]
    error = refused(
        raw,
        "UPDATE allocations_allocation SET status = 'handed_over', decision_reference = 'R' WHERE id = %s",
        (allocation,),
    )
    assert error.diag.constraint_name == "handover_has_gps_point"


def test_the_workflow_log_cannot_be_rewritten(raw):
    plot, _, households = setup(raw)
    raw.execute(ALLOCATION_INSERT + " RETURNING id", (households[0], plot))
    allocation = raw.fetchone()[0]
    raw.execute(
        "INSERT INTO allocations_allocationtransition (allocation_id, from_status, to_status, at, reason, "
        "reference) VALUES (%s, '', 'proposed', now(), 'x', '') RETURNING id",
        (allocation,),
    )
    transition = raw.fetchone()[0]
    error = refused(raw, "UPDATE allocations_allocationtransition SET reason = 'forged' WHERE id = %s", (transition,))
    assert error.diag.constraint_name == "allocation_transitions_are_append_only"
    error = refused(raw, "DELETE FROM allocations_allocationtransition WHERE id = %s", (transition,))
    assert error.diag.constraint_name == "allocation_transitions_are_append_only"
