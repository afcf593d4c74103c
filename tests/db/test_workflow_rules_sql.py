"""Workflow rules the database keeps for any client: maker-checker, plot status, append-only log."""

from tests.db.conftest import refused
from tests.db.test_allocation_rules_sql import setup
from tests.db.test_concurrency import ALLOCATION_INSERT


def make_user(raw, name, role="committee_member", pcodes=None):
    """A user with a role (a Django group) working in the provinces given by p-code (None: nationally).

    By default a national committee member, who may approve allocations anywhere."""
    raw.execute(
        "INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email, is_staff, "
        "is_active, date_joined) VALUES ('', false, %s, '', '', '', false, true, now()) RETURNING id",
        (name,),
    )
    user = raw.fetchone()[0]
    raw.execute(
        "WITH g AS (INSERT INTO auth_group (name) VALUES (%s) ON CONFLICT (name) DO NOTHING RETURNING id) "
        "INSERT INTO auth_user_groups (user_id, group_id) "
        "SELECT %s, id FROM (SELECT id FROM g UNION SELECT id FROM auth_group WHERE name = %s) r",
        (role, user, role),
    )
    raw.execute(
        "INSERT INTO landreg_userscope (user_id, national) VALUES (%s, %s) RETURNING id", (user, pcodes is None)
    )
    scope = raw.fetchone()[0]
    for pcode in pcodes or ():
        raw.execute(
            "INSERT INTO landreg_userscope_provinces (userscope_id, adminarea_id) "
            "SELECT %s, id FROM parcels_adminarea WHERE pcode = %s",
            (scope, pcode),
        )
    return user


def test_the_proposer_cannot_approve_through_sql(raw):
    plot, _, households = setup(raw)
    officer = make_user(raw, "sql.officer", "land_officer", ["AF99"])
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
    checker = make_user(raw, "sql.checker")
    error = refused(
        raw,
        "UPDATE allocations_allocation SET status = 'handed_over', decision_reference = 'R', approved_by_id = %s "
        "WHERE id = %s",
        (checker, allocation),
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


APPROVER_INSERT = (
    "INSERT INTO allocations_allocation (household_id, plot_id, method, status, proposed_at, decision_reference, "
    "revocation_reason, notes, is_demo, updated_at, proposed_by_id, approved_by_id, approved_at) "
    "VALUES (%s, %s, 'ballot', %s, now(), 'CMT-SQL', '', '', false, now(), %s, %s, now()) RETURNING id"
)


def test_maker_checker_holds_for_an_allocation_written_straight_as_assigned(raw):
    # A ballot writes its allocations as assigned: the approval they carry is checked like any other.
    plot, _, households = setup(raw)
    officer = make_user(raw, "sql.officer", "land_officer", ["AF99"])
    error = refused(raw, APPROVER_INSERT, (households[0], plot, "assigned", officer, officer))
    assert error.diag.constraint_name == "approval_by_a_checker"
    error = refused(raw, APPROVER_INSERT, (households[0], plot, "letter_issued", officer, None))
    assert error.diag.constraint_name == "approval_by_a_checker"
    assert "an approval must name its approver" in str(error)
    checker = make_user(raw, "sql.checker")
    assert refused(raw, APPROVER_INSERT, (households[0], plot, "assigned", officer, checker)) is None


def test_an_approver_cannot_be_swapped_for_the_proposer_later(raw):
    plot, _, households = setup(raw)
    officer = make_user(raw, "sql.officer", "committee_member", ["AF99"])
    raw.execute(APPROVER_INSERT, (households[0], plot, "assigned", officer, make_user(raw, "sql.checker")))
    allocation = raw.fetchone()[0]
    error = refused(raw, "UPDATE allocations_allocation SET approved_by_id = %s WHERE id = %s", (officer, allocation))
    assert error.diag.constraint_name == "approval_by_a_checker"
    error = refused(raw, "UPDATE allocations_allocation SET approved_by_id = NULL WHERE id = %s", (allocation,))
    assert error.diag.constraint_name == "approval_by_a_checker"


def test_the_approver_is_a_committee_member_of_the_province(raw):
    # The issue: officer.herat approved a Nangarhar proposal in his own name, through the admin.
    plot, _, households = setup(raw)  # province AF99
    raw.execute(
        "INSERT INTO parcels_adminarea (level, pcode, name_en) VALUES ('province', 'AF98', 'Other province') "
        "ON CONFLICT (pcode) DO NOTHING"
    )
    officer = make_user(raw, "sql.officer", "land_officer", ["AF99"])
    raw.execute(
        ALLOCATION_INSERT.replace("revocation_reason,", "revocation_reason, proposed_by_id,").replace(
            "'', '', '',", "'', '', %s, '',", 1
        )
        + " RETURNING id",
        (households[0], plot, officer),
    )
    allocation = raw.fetchone()[0]
    approve = (
        "UPDATE allocations_allocation SET status = 'approved', approved_by_id = %s, decision_reference = 'R-1' "
        "WHERE id = %s"
    )
    for approver in (
        make_user(raw, "sql.other_officer", "land_officer", None),  # national, but not on the committee
        make_user(raw, "sql.committee_elsewhere", "committee_member", ["AF98"]),
    ):
        error = refused(raw, approve, (approver, allocation))
        assert error.diag.constraint_name == "approval_by_a_committee_member_in_scope"
        assert "the approver must be an active committee member whose provinces include AF99" in str(error)
    former = make_user(raw, "sql.former_member", "committee_member", ["AF99"])
    raw.execute("UPDATE auth_user SET is_active = false WHERE id = %s", (former,))
    error = refused(raw, approve, (former, allocation))
    assert error.diag.constraint_name == "approval_by_a_committee_member_in_scope"
    member = make_user(raw, "sql.committee_here", "committee_member", ["AF99"])
    assert refused(raw, approve, (member, allocation)) is None
    # Later steps do not re-judge the approver, who may since have left the committee.
    raw.execute("DELETE FROM auth_user_groups WHERE user_id = %s", (member,))
    assert refused(raw, "UPDATE allocations_allocation SET status = 'assigned' WHERE id = %s", (allocation,)) is None


def test_a_superuser_may_approve_anywhere(raw):
    plot, _, households = setup(raw)
    officer = make_user(raw, "sql.officer", "land_officer", ["AF99"])
    admin = make_user(raw, "sql.admin", "administrator", [])
    raw.execute("UPDATE auth_user SET is_superuser = true WHERE id = %s", (admin,))
    assert refused(raw, APPROVER_INSERT, (households[0], plot, "approved", officer, admin)) is None


def test_a_transfer_carries_the_original_approval(raw):
    # The heir's allocation continues the right: its approver is the original one, who need not still be on the
    # committee, nor differ from whoever registered the heir's household.
    plot, _, households = setup(raw)
    officer = make_user(raw, "sql.officer", "land_officer", ["AF99"])
    member = make_user(raw, "sql.committee_here", "committee_member", ["AF99"])
    raw.execute(APPROVER_INSERT, (households[0], plot, "assigned", officer, member))
    original = raw.fetchone()[0]
    raw.execute(
        "UPDATE allocations_allocation SET status = 'transferred', end_date = current_date WHERE id = %s", (original,)
    )
    raw.execute("DELETE FROM auth_user_groups WHERE user_id = %s", (member,))
    raw.execute("UPDATE households_household SET registered_by_id = %s WHERE id = %s", (member, households[1]))
    heir = APPROVER_INSERT.replace("approved_at)", "approved_at, transferred_from_id)").replace(
        "now()) RETURNING", "now(), %s) RETURNING"
    )
    assert refused(raw, heir, (households[1], plot, "assigned", officer, member, original)) is None
    # Someone else's name as approver is a new approval, and is judged as one.
    stranger = make_user(raw, "sql.stranger", "land_officer", ["AF99"])
    raw.execute("SELECT id FROM allocations_allocation WHERE transferred_from_id = %s", (original,))
    error = refused(
        raw, "UPDATE allocations_allocation SET approved_by_id = %s WHERE id = %s", (stranger, raw.fetchone()[0])
    )
    assert error.diag.constraint_name == "approval_by_a_committee_member_in_scope"
