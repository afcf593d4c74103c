"""The database's second line behind the workflow, met from Django: the services satisfy it, and a write that goes
around them (the admin, a script, the ORM) is refused, naming the rule."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction

from allocations.ballots import ballot_approve_list, ballot_create, ballot_draw
from allocations.models import Allocation, AllocationTransition
from allocations.services import allocation_propose, allocation_transition
from households.models import Household
from landreg import roles
from landreg.services import user_create
from tests.allocations.test_ballot import round_  # noqa: F401  (fixture)
from townships.models import Plot
from townships.services import plot_update


def commit_checks():
    """Run the checks that wait for COMMIT now (pytest-django's tests never commit)."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS status_changes_with_a_transition IMMEDIATE")


def refused_by(rule):
    """Whether an exception (a ValidationError explaining the database's refusal, or the DatabaseError itself)
    comes from the named database rule."""

    def check(exc):
        while exc is not None:
            if getattr(getattr(exc, "diag", None), "constraint_name", None) == rule:
                return True
            exc = exc.__cause__
        return False

    return check


def step(allocation, action, user, **kwargs):
    return allocation_transition(allocation=allocation, action=action, by=user, **kwargs)


@pytest.fixture
def proposed(plots, make_household, users):
    household = make_household(registered_by=users["officer_nangarhar"])
    return allocation_propose(household=household, plot=plots[0], proposed_by=users["officer_nangarhar"])


def test_every_workflow_step_leaves_the_transition_the_database_asks_for(
    proposed, users, field_officer, frame, make_household
):
    officer, committee = users["officer_nangarhar"], users["committee"]
    a = step(proposed, "approve", committee, reference="CMT-1")
    for action in ("assign", "issue_letter"):
        a = step(a, action, officer)
    a = step(a, "suspend", officer, reason="Second claimant")
    a = step(a, "appeal", officer, reason="Documents")
    a = step(a, "reinstate", committee, reason="Claim rejected", reference="CMT-2")
    a = step(a, "hand_over", field_officer, point=frame.rect(5, 5, 1, 1).centroid, accuracy_m=5)
    a = step(a, "confirm_occupancy", field_officer)
    step(a, "transfer", officer, heir=make_household(), reason="Head died; son inherits")
    commit_checks()  # the steps ran in savepoints of the test's transaction: their rows still count
    heir = Allocation.objects.get(transferred_from=a)
    assert (heir.status, Plot.objects.get(pk=a.plot_id).status) == ("occupied", "occupied")
    assert AllocationTransition.objects.filter(allocation=a).count() == 10


def test_a_status_saved_outside_the_workflow_is_refused_at_commit(proposed, users):
    # The issue: the proposal was set to approved in the Django admin, and no transition was written.
    proposed.status, proposed.approved_by, proposed.decision_reference = "approved", users["committee"], "CMT-9"
    with pytest.raises(DatabaseError) as refusal, transaction.atomic():
        proposed.save()
        commit_checks()
    assert refused_by("status_changes_with_a_transition")(refusal.value)
    assert "went from proposed to approved without a workflow step" in str(refusal.value)


def herat_committee_member(provinces):
    return user_create(
        username="committee.h", password="x", roles=[roles.COMMITTEE_MEMBER], provinces=[provinces["herat"]]
    )


def test_an_approval_in_the_name_of_someone_outside_the_committee_of_the_province_is_refused(
    proposed, users, provinces
):
    # The issue: officer.herat approved a Nangarhar proposal in his own name through the admin. The service refuses
    # him (role, province); a write around it meets the database.
    with pytest.raises(PermissionDenied):
        step(proposed, "approve", users["officer_herat"], reference="CMT-9")
    for approver in (users["officer_herat"], herat_committee_member(provinces)):
        with pytest.raises(DatabaseError) as refusal, transaction.atomic():
            Allocation.objects.filter(pk=proposed.pk).update(
                status="approved", approved_by=approver, decision_reference="CMT-9"
            )
        assert refused_by("approval_by_a_committee_member_in_scope")(refusal.value)
    assert Allocation.objects.get(pk=proposed.pk).status == "proposed"


def test_a_plot_under_an_allocation_cannot_be_given_another_status_by_the_land_services(proposed, users):
    plot = Plot.objects.get(pk=proposed.plot_id)
    assert plot.status == "reserved"
    with pytest.raises((ValidationError, DatabaseError)) as refusal, transaction.atomic():
        plot_update(plot=plot, status="available")
    assert refused_by("plot_status_follows_the_workflow")(refusal.value)
    step(proposed, "revoke", users["officer_nangarhar"], reason_code="error", reason="Wrong household")
    plot = plot_update(plot=Plot.objects.get(pk=plot.pk), status="cancelled")  # free again: the plan decides
    assert plot.status == "cancelled"


def test_a_ballot_draw_logs_every_allocation_it_writes(round_, users):  # noqa: F811
    ballot = ballot_create(
        township=round_, reference="NAN-TEST-R1", witnesses=["a", "b"], by=users["officer_nangarhar"]
    )
    ballot_approve_list(ballot=ballot, by=users["committee"], decision_reference="CMT-77")
    ballot_draw(ballot=ballot, by=users["officer_nangarhar"])
    commit_checks()
    drawn = Allocation.objects.filter(decision_reference="NAN-TEST-R1")
    assert drawn.count() == 8
    assert AllocationTransition.objects.filter(allocation__in=drawn, from_status="", to_status="assigned").count() == 8


def test_only_a_committee_member_of_the_province_who_registered_no_household_on_it_approves_a_ballot_list(
    round_,  # noqa: F811
    users,
    provinces,
):
    ballot = ballot_create(
        township=round_, reference="NAN-TEST-R1", witnesses=["a", "b"], by=users["officer_nangarhar"]
    )
    with pytest.raises(PermissionDenied, match="outside your provinces"):
        ballot_approve_list(ballot=ballot, by=herat_committee_member(provinces), decision_reference="CMT-77")
    registrar = users["committee"]
    Household.objects.filter(pk=ballot.entries.last().household_id).update(registered_by=registrar)
    with pytest.raises(ValidationError, match="You registered a household on this list"):
        ballot_approve_list(ballot=ballot, by=registrar, decision_reference="CMT-77")


def test_an_officer_of_another_province_cannot_draw_the_ballot(round_, users):  # noqa: F811
    ballot = ballot_create(
        township=round_, reference="NAN-TEST-R1", witnesses=["a", "b"], by=users["officer_nangarhar"]
    )
    ballot_approve_list(ballot=ballot, by=users["committee"], decision_reference="CMT-77")
    with pytest.raises(PermissionDenied, match="outside your provinces"):
        ballot_draw(ballot=ballot, by=users["officer_herat"])
    assert not Allocation.objects.filter(decision_reference="NAN-TEST-R1").exists()
