"""Grievance rules for clients that bypass Django (psql, QGIS, a script), rule by rule: the database refuses, and
names the rule. The connection is the application's own role, the tables' owner: the rules hold for it too."""

import datetime

import pytest

from tests.db.conftest import as_ewkt, refused
from tests.db.test_allocation_rules_sql import setup
from tests.db.test_concurrency import ALLOCATION_INSERT
from tests.db.test_workflow_rules_sql import make_user

GRIEVANCE_INSERT = (
    "INSERT INTO grievances_grievance (reference, channel, category, sensitive, province_id, description, "
    "description_sealed, status, acknowledge_due, resolve_due, plot_id) "
    "VALUES (%(reference)s, 'office', %(category)s, %(sensitive)s, "
    "(SELECT id FROM parcels_adminarea WHERE pcode = 'AF99'), %(description)s, %(sealed)s, %(status)s, "
    "now() + interval '1 year', now() + interval '1 year', %(plot)s) RETURNING id"
)
STEP = (
    "INSERT INTO grievances_grievancestep (grievance_id, action, from_status, to_status, at, note, referred_to) "
    "VALUES (%s, %s, %s, %s, now(), %s, '')"
)
STATUS_RULE = "grievance_status_changes_with_a_step"


def grievance(
    raw,
    *,
    reference="G-2345-6789",
    category="other",
    sensitive=False,
    description="Broken pump.",
    sealed=None,
    plot=None,
    with_step=True,
):
    raw.execute(
        GRIEVANCE_INSERT,
        {
            "reference": reference,
            "category": category,
            "sensitive": sensitive,
            "description": description,
            "sealed": sealed,
            "status": "received",
            "plot": plot,
        },
    )
    pk = raw.fetchone()[0]
    if with_step:
        raw.execute(STEP, (pk, "receive", "", "received", ""))
    return pk


def step_to(raw, pk, action, from_status, to_status, note=""):
    raw.execute(STEP, (pk, action, from_status, to_status, note))
    raw.execute("UPDATE grievances_grievance SET status = %s WHERE id = %s", (to_status, pk))


def judged(raw):
    return refused(raw, f"SET CONSTRAINTS {STATUS_RULE} IMMEDIATE")


@pytest.fixture
def province(raw):
    """The AF99 province, a township, two plots, two households. A grievance's status and its step are judged
    together at commit, as for any client; the tests that are about it judge it with judged()."""
    rows = setup(raw)
    raw.execute(f"SET CONSTRAINTS {STATUS_RULE} DEFERRED")
    return rows


# --- deadlines ------------------------------------------------------------------------------------------------------


def test_deadlines_come_from_the_policy_whatever_the_client_types(raw, province):
    pk = grievance(raw)
    raw.execute(
        "SELECT acknowledge_due - received_at, resolve_due - received_at, refer_due, next_due = acknowledge_due "
        "FROM grievances_grievance WHERE id = %s",
        (pk,),
    )
    acknowledge, resolve, refer, next_is_acknowledge = raw.fetchone()
    assert (acknowledge, resolve, refer, next_is_acknowledge) == (
        datetime.timedelta(hours=72),
        datetime.timedelta(days=30),
        None,
        True,
    )  # the policy's deadlines, as durations from when it was received

    raw.execute("UPDATE grievances_grievance SET resolve_due = now() + interval '5 years' WHERE id = %s", (pk,))
    raw.execute("SELECT resolve_due - received_at FROM grievances_grievance WHERE id = %s", (pk,))
    assert raw.fetchone()[0] == datetime.timedelta(days=30)  # deadlines are set when received, never typed


def test_a_sensitive_grievance_is_to_be_referred_within_24_hours(raw, province):
    pk = grievance(raw, category="sea", sensitive=True, description="", sealed=b"gAAAAtoken")
    raw.execute("SELECT refer_due - received_at, next_due = refer_due FROM grievances_grievance WHERE id = %s", (pk,))
    refer, next_is_refer = raw.fetchone()
    assert refer == datetime.timedelta(hours=24) and next_is_refer


# --- status and steps -----------------------------------------------------------------------------------------------


def test_a_grievance_written_with_its_first_step_is_accepted(raw, province):
    grievance(raw)
    assert judged(raw) is None


def test_a_grievance_written_without_a_step_is_refused_at_commit(raw, province):
    grievance(raw, with_step=False)
    error = judged(raw)
    assert error.diag.constraint_name == STATUS_RULE
    assert "was written as received without a step to received" in str(error)


def test_a_status_changed_without_a_step_is_refused(raw, province):
    pk = grievance(raw)
    raw.execute("UPDATE grievances_grievance SET status = 'acknowledged' WHERE id = %s", (pk,))
    error = judged(raw)
    assert error.diag.constraint_name == STATUS_RULE
    assert "went from received to acknowledged without a step" in str(error)


def test_a_status_changed_with_its_step_is_accepted_and_dated(raw, province):
    pk = grievance(raw)
    step_to(raw, pk, "acknowledge", "received", "acknowledged")
    raw.execute(
        "SELECT acknowledged_at IS NOT NULL, next_due = resolve_due FROM grievances_grievance WHERE id = %s", (pk,)
    )
    assert raw.fetchone() == (True, True)


@pytest.mark.parametrize(
    "action, from_status, to_status",
    [
        ("resolve", "received", "resolved"),  # skipping acknowledgement
        ("close", "received", "closed"),
        ("acknowledge", "acknowledged", "under_review"),  # the action leads elsewhere
        ("review", "acknowledged", "under_review"),  # the grievance is not acknowledged
        ("rewrite", "received", "received"),  # no such action
        ("open_dispute", "received", "acknowledged"),  # opening a dispute keeps the status
    ],
)
def test_a_step_out_of_order_is_refused(raw, province, action, from_status, to_status):
    pk = grievance(raw)
    error = refused(raw, STEP, (pk, action, from_status, to_status, ""))
    assert error.diag.constraint_name == "grievance_transitions_in_order"


def test_a_dispute_is_opened_on_an_open_grievance_keeping_its_status(raw, province):
    pk = grievance(raw, category="land_dispute")
    raw.execute(STEP, (pk, "open_dispute", "received", "received", ""))
    step_to(raw, pk, "acknowledge", "received", "acknowledged")
    step_to(raw, pk, "resolve", "acknowledged", "resolved")
    error = refused(raw, STEP, (pk, "open_dispute", "resolved", "resolved", ""))
    assert error.diag.constraint_name == "grievance_transitions_in_order"


def test_a_grievance_is_received_once(raw, province):
    pk = grievance(raw)
    error = refused(raw, STEP, (pk, "receive", "", "received", ""))
    assert error.diag.constraint_name == "grievance_transitions_in_order"
    assert "already received" in str(error)


def test_steps_are_append_only_even_for_the_tables_owner(raw, province):
    pk = grievance(raw)
    raw.execute(
        "SELECT pg_has_role(current_user, "
        "(SELECT relowner FROM pg_class WHERE relname = 'grievances_grievancestep'), 'MEMBER')"
    )
    assert raw.fetchone()[0]  # this connection owns the table
    for sql in (
        "UPDATE grievances_grievancestep SET note = 'rewritten' WHERE grievance_id = %s",
        "DELETE FROM grievances_grievancestep WHERE grievance_id = %s",
    ):
        error = refused(raw, sql, (pk,))
        assert error.diag.constraint_name == "grievance_steps_are_append_only", sql


def test_grievances_are_never_deleted(raw, province):
    pk = grievance(raw)
    error = refused(raw, "DELETE FROM grievances_grievance WHERE id = %s", (pk,))
    assert error.diag.constraint_name == "grievances_are_never_deleted"


def test_the_reference_has_the_published_form(raw, province):
    for bad in ("G-0000-0000", "G-ABCD-EFG1", "12345", "G-abcd-efgh"):
        error = refused(
            raw,
            GRIEVANCE_INSERT,
            {
                "reference": bad,
                "category": "other",
                "sensitive": False,
                "description": "x",
                "sealed": None,
                "status": "received",
                "plot": None,
            },
        )
        assert error.diag.constraint_name == "grievance_reference_format", bad


# --- sensitivity ----------------------------------------------------------------------------------------------------


def test_a_sensitive_grievance_in_clear_is_refused(raw, province):
    row = {"reference": "G-2345-6789", "status": "received", "plot": None}
    error = refused(
        raw,
        GRIEVANCE_INSERT,
        {**row, "category": "sea", "sensitive": True, "description": "In clear.", "sealed": b"gAAAAtoken"},
    )
    assert error.diag.constraint_name == "sensitive_grievance_text_sealed"
    error = refused(
        raw, GRIEVANCE_INSERT, {**row, "category": "sea", "sensitive": False, "description": "x", "sealed": None}
    )
    assert error.diag.constraint_name == "sensitive_categories_are_sensitive"


def test_a_clear_note_on_a_sensitive_grievance_is_refused(raw, province):
    pk = grievance(raw, category="staff_conduct", sensitive=True, description="", sealed=b"gAAAAtoken")
    error = refused(raw, STEP, (pk, "acknowledge", "received", "acknowledged", "The accused officer is X."))
    assert error.diag.constraint_name == "sensitive_grievance_text_sealed"


def test_sensitivity_is_fixed(raw, province):
    pk = grievance(raw)
    error = refused(
        raw,
        "UPDATE grievances_grievance SET sensitive = true, description = '', description_sealed = 'x' WHERE id = %s",
        (pk,),
    )
    assert error.diag.constraint_name == "grievance_sensitivity_is_fixed"


# --- land disputes --------------------------------------------------------------------------------------------------

DISPUTE_INSERT = (
    "INSERT INTO grievances_landdispute (grievance_id, plot_id, claimed_outline, overlap_m2, plot_status_before, "
    "decision, opened_at) VALUES (%s, %s, ST_GeomFromEWKT(%s), %s, 'available', '', now()) RETURNING id"
)


def dispute(raw, plot, outline=None, overlap=None):
    pk = grievance(raw, category="land_dispute", plot=plot)
    raw.execute(DISPUTE_INSERT, (pk, plot, outline, overlap))
    return pk, raw.fetchone()[0]


def test_the_overlap_is_measured_by_the_database_in_the_utm_zone(raw, province):
    plot = province[0]  # 0..20 × 0..25 m
    _, pk = dispute(raw, plot, outline=as_ewkt(raw, 15, 0, 25, 10), overlap=9999)
    raw.execute("SELECT overlap_m2 FROM grievances_landdispute WHERE id = %s", (pk,))
    assert float(raw.fetchone()[0]) == pytest.approx(50, abs=0.05)
    raw.execute("UPDATE grievances_landdispute SET overlap_m2 = 1 WHERE id = %s", (pk,))
    raw.execute("SELECT overlap_m2 FROM grievances_landdispute WHERE id = %s", (pk,))
    assert float(raw.fetchone()[0]) == pytest.approx(50, abs=0.05)


def test_an_invalid_claimed_outline_is_refused(raw, province):
    pk = grievance(raw, category="land_dispute", plot=province[0])
    bow_tie = "SRID=4326;POLYGON((70.5 34.4,70.501 34.401,70.501 34.4,70.5 34.401,70.5 34.4))"
    error = refused(raw, DISPUTE_INSERT, (pk, province[0], bow_tie, None))
    assert error.diag.constraint_name == "land_dispute_outline_valid"


def test_no_allocation_is_written_for_a_disputed_plot(raw, province):
    plot, _, households = province
    dispute(raw, plot)
    error = refused(raw, ALLOCATION_INSERT, (households[0], plot))
    assert error.diag.constraint_name == "plot_not_allocated_while_disputed"
    assert "plot 1 has an open land dispute (grievance G-2345-6789)" in str(error)


@pytest.mark.parametrize("to_status", ["approved", "assigned", "handed_over", "transferred"])
def test_a_disputed_plots_allocation_does_not_move_on_nor_is_reinstated(raw, province, to_status):
    plot, _, households = province
    raw.execute(ALLOCATION_INSERT + " RETURNING id", (households[0], plot))
    allocation = raw.fetchone()[0]
    checker = make_user(raw, "sql.checker")
    raw.execute(
        "UPDATE allocations_allocation SET status = 'suspended', suspended_from = 'approved', approved_by_id = %s, "
        "approved_at = now(), decision_reference = 'CMT' WHERE id = %s",
        (checker, allocation),
    )
    dispute(raw, plot)
    extra = ", handover_point = ST_SetSRID(ST_MakePoint(70.5, 34.4), 4326)" if to_status != "approved" else ""
    error = refused(raw, f"UPDATE allocations_allocation SET status = %s{extra} WHERE id = %s", (to_status, allocation))
    assert error.diag.constraint_name == "plot_not_allocated_while_disputed"
    # Revoking stays possible: that is how an upheld dispute is answered.
    assert (
        refused(
            raw,
            "UPDATE allocations_allocation SET status = 'revoked', revocation_reason = 'error', end_date = now() "
            "WHERE id = %s",
            (allocation,),
        )
        is None
    )


def test_once_decided_the_plot_may_be_allocated_and_the_decision_is_final(raw, province):
    plot, _, households = province
    checker = make_user(raw, "sql.decider")
    _, pk = dispute(raw, plot)
    raw.execute(
        "UPDATE grievances_landdispute SET decision = 'rejected', decided_by_id = %s, decided_at = now() WHERE id = %s",
        (checker, pk),
    )
    assert refused(raw, ALLOCATION_INSERT, (households[0], plot)) is None
    error = refused(raw, "UPDATE grievances_landdispute SET decision = 'upheld' WHERE id = %s", (pk,))
    assert error.diag.constraint_name == "land_dispute_decision_is_final"
    error = refused(raw, "UPDATE grievances_landdispute SET decision = 'maybe', decided_at = NULL WHERE id = %s", (pk,))
    assert error.diag.constraint_name in ("land_dispute_decision_is_final", "land_dispute_decision_recorded")


def test_a_decision_without_who_and_when_is_refused(raw, province):
    _, pk = dispute(raw, province[0])
    error = refused(raw, "UPDATE grievances_landdispute SET decision = 'upheld' WHERE id = %s", (pk,))
    assert error.diag.constraint_name == "land_dispute_decision_recorded"


def test_a_dispute_is_resolved_only_once_decided(raw, province):
    g, pk = dispute(raw, province[0])
    step_to(raw, g, "acknowledge", "received", "acknowledged")
    step_to(raw, g, "resolve", "acknowledged", "resolved")
    error = judged(raw)
    assert error.diag.constraint_name == "grievance_resolved_with_a_decision"


# --- appeals --------------------------------------------------------------------------------------------------------

APPEAL_INSERT = (
    "INSERT INTO grievances_appeal (grievance_id, allocation_id, appealed_status, decision, lodged_at) "
    "VALUES (%s, %s, 'whatever', '', now()) RETURNING id, appealed_status, appealed_decision_by_id"
)


def refusal_of(raw, province):
    """A proposal rejected by a committee member of AF99; returns (allocation, the rejecter)."""
    plot, _, households = province
    rejecter = make_user(raw, "sql.rejecter", pcodes=["AF99"])
    raw.execute(ALLOCATION_INSERT + " RETURNING id", (households[0], plot))
    allocation = raw.fetchone()[0]
    raw.execute(
        "INSERT INTO allocations_allocationtransition (allocation_id, from_status, to_status, by_id, at, reason, "
        "reference) VALUES (%s, 'proposed', 'rejected', %s, now(), 'No.', 'CMT')",
        (allocation, rejecter),
    )
    raw.execute("UPDATE allocations_allocation SET status = 'rejected', end_date = now() WHERE id = %s", (allocation,))
    return allocation, rejecter


def test_an_appeal_records_what_and_who_it_appeals_whatever_was_typed(raw, province):
    allocation, rejecter = refusal_of(raw, province)
    raw.execute(APPEAL_INSERT, (grievance(raw, category="appeal"), allocation))
    _, status, decided_by = raw.fetchone()
    assert (status, decided_by) == ("rejected", rejecter)


def test_only_a_refusal_or_revocation_is_appealed(raw, province):
    plot, _, households = province
    raw.execute(ALLOCATION_INSERT + " RETURNING id", (households[0], plot))
    proposal = raw.fetchone()[0]
    error = refused(raw, APPEAL_INSERT, (grievance(raw, category="appeal"), proposal))
    assert error.diag.constraint_name == "appeal_against_a_refusal_or_revocation"


def test_the_appeal_is_decided_and_checked_by_two_other_committee_members(raw, province):
    allocation, rejecter = refusal_of(raw, province)
    raw.execute(APPEAL_INSERT, (grievance(raw, category="appeal"), allocation))
    appeal = raw.fetchone()[0]
    decider = make_user(raw, "sql.decider", pcodes=["AF99"])
    checker = make_user(raw, "sql.checker", pcodes=["AF99"])
    officer = make_user(raw, "sql.officer", role="land_officer", pcodes=["AF99"])
    decide = "UPDATE grievances_appeal SET decision = 'upheld', decided_by_id = %s, decided_at = now() WHERE id = %s"
    check = "UPDATE grievances_appeal SET checked_by_id = %s, checked_at = now() WHERE id = %s"
    rule = "appeal_decided_by_another_committee_member"

    assert refused(raw, decide, (rejecter, appeal)).diag.constraint_name == rule  # who decided what is appealed
    assert refused(raw, decide, (officer, appeal)).diag.constraint_name == rule  # not a committee member
    assert refused(raw, check, (checker, appeal)).diag.constraint_name == rule  # checked before it is decided
    assert refused(raw, decide, (decider, appeal)) is None
    assert refused(raw, check, (decider, appeal)).diag.constraint_name == rule  # maker-checker
    assert refused(raw, check, (rejecter, appeal)).diag.constraint_name == rule
    assert refused(raw, check, (checker, appeal)) is None
    error = refused(raw, "UPDATE grievances_appeal SET decision = 'dismissed' WHERE id = %s", (appeal,))
    assert error.diag.constraint_name == "appeal_decision_is_final"


def test_who_lodged_the_appeal_does_not_decide_it(raw, province):
    allocation, _ = refusal_of(raw, province)
    lodger = make_user(raw, "sql.lodger", pcodes=["AF99"])
    g = grievance(raw, category="appeal")
    raw.execute("UPDATE grievances_grievance SET received_by_id = %s WHERE id = %s", (lodger, g))
    raw.execute(APPEAL_INSERT, (g, allocation))
    appeal = raw.fetchone()[0]
    error = refused(
        raw,
        "UPDATE grievances_appeal SET decision = 'upheld', decided_by_id = %s, decided_at = now() WHERE id = %s",
        (lodger, appeal),
    )
    assert error.diag.constraint_name == "appeal_decided_by_another_committee_member"
    assert "lodged the appeal" in str(error)


def test_one_open_appeal_per_allocation(raw, province):
    allocation, _ = refusal_of(raw, province)
    raw.execute(APPEAL_INSERT, (grievance(raw, category="appeal"), allocation))
    error = refused(raw, APPEAL_INSERT, (grievance(raw, reference="G-3456-789A", category="appeal"), allocation))
    assert error.diag.constraint_name == "one_open_appeal_per_allocation"
