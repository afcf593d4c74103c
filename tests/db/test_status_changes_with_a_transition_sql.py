"""status_changes_with_a_transition, for clients that bypass Django: an allocation's status changes only together
with its workflow step, written by the same transaction (savepoints included), whatever the order of the writes."""

import psycopg2

from tests.db.conftest import as_ewkt, connect, judge_the_workflow, refused
from tests.db.test_allocation_rules_sql import setup
from tests.db.test_concurrency import ALLOCATION_INSERT, ALLOCATION_PROPOSE, HOUSEHOLD_INSERT
from tests.db.test_workflow_rules_sql import make_user

RULE = "status_changes_with_a_transition"
STEP = (
    "INSERT INTO allocations_allocationtransition (allocation_id, from_status, to_status, at, reason, reference) "
    "VALUES (%s, %s, %s, now(), 'SQL step.', '')"
)
APPROVE = (
    "UPDATE allocations_allocation SET status = 'approved', approved_by_id = %s, approved_at = now(), "
    "decision_reference = 'CMT-SQL' WHERE id = %s"
)


def proposed(raw):
    """A proposal written as the workflow writes it (allocation and first step), and a committee member."""
    plot, _, households = setup(raw)
    raw.execute(ALLOCATION_PROPOSE + " RETURNING allocation_id", (households[0], plot))
    return raw.fetchone()[0], make_user(raw, "sql.checker")


def judged(raw):
    """The database's verdict at commit: None if accepted, else the error."""
    return refused(raw, f"SET CONSTRAINTS {RULE} IMMEDIATE")


def test_a_proposal_written_with_its_step_is_accepted(raw):
    proposed(raw)
    assert judged(raw) is None


def test_an_allocation_inserted_without_a_step_is_refused_at_commit(raw):
    plot, _, households = setup(raw)
    raw.execute(ALLOCATION_INSERT, (households[0], plot))  # accepted for now: the rule is judged at commit
    error = judged(raw)
    assert error.diag.constraint_name == RULE
    assert "was written as proposed without a workflow step to proposed" in str(error)


def test_approving_without_a_step_is_refused_at_commit(raw):
    # The issue: an officer set a proposal to approved in the Django admin, and no transition was written.
    allocation, checker = proposed(raw)
    judge_the_workflow(raw)
    raw.execute("SET CONSTRAINTS status_changes_with_a_transition DEFERRED")
    raw.execute(APPROVE, (checker, allocation))
    error = judged(raw)
    assert error.diag.constraint_name == RULE
    assert "went from proposed to approved without a workflow step from proposed to approved" in str(error)


def test_the_step_may_come_before_or_after_the_status_change(raw):
    allocation, checker = proposed(raw)
    raw.execute(STEP, (allocation, "proposed", "approved"))
    raw.execute(APPROVE, (checker, allocation))
    raw.execute("UPDATE allocations_allocation SET status = 'assigned' WHERE id = %s", (allocation,))
    raw.execute(STEP, (allocation, "approved", "assigned"))
    assert judged(raw) is None


def test_an_allocation_may_be_logged_before_it_is_inserted(raw):
    plot, _, households = setup(raw)
    raw.execute("SET CONSTRAINTS ALL DEFERRED")  # as a client's transaction is by default
    raw.execute("SELECT nextval(pg_get_serial_sequence('allocations_allocation', 'id'))")
    allocation = raw.fetchone()[0]
    raw.execute(STEP, (allocation, "", "proposed"))  # its foreign key is checked at commit too
    raw.execute(
        ALLOCATION_INSERT.replace("(household_id,", "(id, household_id,").replace("(%s,", "(%s, %s,", 1),
        (allocation, households[0], plot),
    )
    assert refused(raw, "SET CONSTRAINTS ALL IMMEDIATE") is None


def test_a_step_that_does_not_match_the_change_does_not_count(raw):
    allocation, checker = proposed(raw)
    raw.execute(STEP, (allocation, "assigned", "approved"))  # a step from another status
    raw.execute(APPROVE, (checker, allocation))
    assert judged(raw).diag.constraint_name == RULE


def test_a_step_written_in_a_released_savepoint_counts(raw):
    # Django's nested atomic() blocks are savepoints: the step's row then carries a subtransaction's id.
    allocation, checker = proposed(raw)
    raw.execute("SAVEPOINT service")
    raw.execute(STEP, (allocation, "proposed", "approved"))
    raw.execute("RELEASE SAVEPOINT service")
    raw.execute(APPROVE, (checker, allocation))
    assert judged(raw) is None


def test_a_step_rolled_back_with_its_savepoint_does_not_count(raw):
    allocation, checker = proposed(raw)
    raw.execute(APPROVE, (checker, allocation))
    raw.execute("SAVEPOINT service")
    raw.execute(STEP, (allocation, "proposed", "approved"))
    raw.execute("ROLLBACK TO SAVEPOINT service")
    assert judged(raw).diag.constraint_name == RULE


def test_other_changes_of_an_allocation_need_no_step(raw):
    allocation, _ = proposed(raw)
    judge_the_workflow(raw)
    raw.execute(
        "UPDATE allocations_allocation SET notes = 'Checked the file.', status = status WHERE id = %s", (allocation,)
    )
    assert judged(raw) is None


def test_a_step_written_by_an_earlier_transaction_does_not_count(committed):
    """Real commits: the same step (proposed → rejected) logged in an earlier transaction does not let a later
    transaction reject the proposal without logging it again."""
    cursor = committed["cursor"]
    cursor.execute(
        "INSERT INTO townships_plot (township_id, block_id, number, geom, use, status, created_at, updated_at) "
        "VALUES (%s, %s, '1', ST_GeomFromEWKT(%s), 'residential', 'available', now(), now()) RETURNING id",
        (committed["township"], committed["block"], as_ewkt(cursor, 0, 0, 20, 25)),
    )
    plot = cursor.fetchone()[0]
    cursor.execute(HOUSEHOLD_INSERT, ("RACE-LOG",))
    household = cursor.fetchone()[0]
    conn = connect()
    try:
        with conn.cursor() as client:
            client.execute(ALLOCATION_PROPOSE + " RETURNING allocation_id", (household, plot))
            allocation = client.fetchone()[0]
            client.execute(STEP, (allocation, "proposed", "rejected"))  # logged, though not (yet) done
        conn.commit()
        with conn.cursor() as client:
            client.execute("UPDATE allocations_allocation SET status = 'rejected' WHERE id = %s", (allocation,))
        try:
            conn.commit()
            error = None
        except psycopg2.Error as exc:
            error = exc
            conn.rollback()
        assert error is not None and error.diag.constraint_name == RULE
        with conn.cursor() as client:
            client.execute("UPDATE allocations_allocation SET status = 'rejected' WHERE id = %s", (allocation,))
            client.execute(STEP, (allocation, "proposed", "rejected"))
        conn.commit()
        with conn.cursor() as client:
            client.execute("SELECT status FROM allocations_allocation WHERE id = %s", (allocation,))
            assert client.fetchone()[0] == "rejected"
    finally:
        conn.close()
