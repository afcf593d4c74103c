"""The allocation workflow, step by step: who may do what, when, and the record each step leaves."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from allocations.models import Allocation
from allocations.services import allocation_propose, allocation_transition
from households.models import Household


@pytest.fixture
def proposed(plots, make_household, users):
    household = make_household(registered_by=users["officer_nangarhar"])
    return allocation_propose(
        household=household, plot=plots[0], proposed_by=users["officer_nangarhar"], reason="Top of the priority list"
    )


def step(allocation, action, user, **kwargs):
    return allocation_transition(allocation=allocation, action=action, by=user, **kwargs)


def test_a_household_goes_from_proposal_to_title(proposed, users, field_officer, frame):
    officer, committee = users["officer_nangarhar"], users["committee"]
    a = step(proposed, "approve", committee, reference="NAN-CMT-2026-014")
    a = step(a, "assign", officer)
    a = step(a, "issue_letter", officer)
    a = step(a, "hand_over", field_officer, point=frame.rect(5, 5, 1, 1).centroid, accuracy_m=6)
    a = step(a, "confirm_occupancy", field_officer)
    a = step(a, "title", officer)
    a.plot.refresh_from_db()
    assert (a.status, a.plot.status) == ("titled", "occupied")
    log = list(a.transitions.values_list("from_status", "to_status", "by__username"))
    assert log == [
        ("", "proposed", "officer.n"),
        ("proposed", "approved", "committee.n"),
        ("approved", "assigned", "officer.n"),
        ("assigned", "letter_issued", "officer.n"),
        ("letter_issued", "handed_over", "field.n"),
        ("handed_over", "occupied", "field.n"),
        ("occupied", "titled", "officer.n"),
    ]
    assert a.transitions.first().reason == "Top of the priority list"
    assert Household.objects.get(pk=a.household_id).status == "allocated"


def test_the_plot_status_follows_the_allocation(proposed, users):
    plot = proposed.plot
    plot.refresh_from_db()
    assert plot.status == "reserved"
    step(proposed, "approve", users["committee"], reference="R-1")
    plot.refresh_from_db()
    assert plot.status == "allocated"
    step(proposed, "revoke", users["officer_nangarhar"], reason_code="error", reason="Wrong household")
    plot.refresh_from_db()
    assert plot.status == "available"


def test_the_proposer_cannot_approve_even_as_a_committee_member(plots, make_household, users):
    from landreg import roles
    from landreg.services import user_create

    both = user_create(
        username="both",
        password="x",
        roles=[roles.LAND_OFFICER, roles.COMMITTEE_MEMBER],
        provinces=[plots[0].township.province],
    )
    allocation = allocation_propose(household=make_household(), plot=plots[0], proposed_by=both)
    with pytest.raises(ValidationError) as error:
        step(allocation, "approve", both, reference="R-1")
    assert "another committee member must approve it" in str(error.value)
    assert Allocation.objects.get(pk=allocation.pk).status == "proposed"


def test_whoever_registered_the_household_cannot_approve(plots, make_household, users):
    from landreg import roles
    from landreg.services import user_create

    registrar = user_create(
        username="registrar",
        password="x",
        roles=[roles.LAND_OFFICER, roles.COMMITTEE_MEMBER],
        provinces=[plots[0].township.province],
    )
    household = make_household(registered_by=registrar)
    allocation = allocation_propose(household=household, plot=plots[0], proposed_by=users["officer_nangarhar"])
    with pytest.raises(ValidationError, match="registered this household"):
        step(allocation, "approve", registrar, reference="R-1")


def test_approval_needs_a_decision_reference(proposed, users):
    with pytest.raises(ValidationError, match="committee decision reference"):
        step(proposed, "approve", users["committee"], reference=" ")


def test_an_invalid_transition_is_refused_with_a_sentence(proposed, users):
    with pytest.raises(ValidationError) as error:
        step(proposed, "issue_letter", users["officer_nangarhar"])
    assert error.value.messages == [
        "This allocation is proposed, so it cannot be given a letter; that is possible only when it is assigned."
    ]
    assert error.value.code == "invalid_transition"


def test_a_land_officer_cannot_approve(proposed, users):
    with pytest.raises(PermissionDenied, match="Only a committee member may"):
        step(proposed, "approve", users["officer_nangarhar"], reference="R-1")


def test_an_officer_of_another_province_cannot_touch_the_allocation(proposed, users):
    with pytest.raises(PermissionDenied, match="outside your provinces"):
        step(proposed, "revoke", users["officer_herat"], reason_code="error")


def test_an_ineligible_household_cannot_be_proposed(plots, make_household, users):
    with pytest.raises(ValidationError, match="is not eligible"):
        allocation_propose(
            household=make_household(status="registered"), plot=plots[0], proposed_by=users["officer_nangarhar"]
        )


def _to_letter_issued(allocation, users):
    step(allocation, "approve", users["committee"], reference="R-1")
    step(allocation, "assign", users["officer_nangarhar"])
    return step(allocation, "issue_letter", users["officer_nangarhar"])


def test_handover_needs_a_gps_point_on_the_plot(proposed, users, field_officer, frame):
    allocation = _to_letter_issued(proposed, users)
    with pytest.raises(ValidationError) as error:
        step(allocation, "hand_over", field_officer, point=frame.rect(100, 100, 1, 1).centroid, accuracy_m=5)
    assert "m from plot 0; handover must be done on the plot (within 30 m)" in error.value.messages[0]
    # 25 m east of the plot's edge is within the 30 m tolerance.
    done = step(allocation, "hand_over", field_officer, point=frame.rect(45, 10, 0.1, 0.1).centroid, accuracy_m=5)
    assert done.status == "handed_over" and done.handover_point is not None


def test_handover_refuses_a_poor_gps_fix(proposed, users, field_officer, frame):
    allocation = _to_letter_issued(proposed, users)
    with pytest.raises(ValidationError, match="wait for a better fix"):
        step(allocation, "hand_over", field_officer, point=frame.rect(5, 5, 1, 1).centroid, accuracy_m=150)


def test_suspension_appeal_and_reinstatement_return_to_where_it_was(proposed, users):
    allocation = _to_letter_issued(proposed, users)
    with pytest.raises(ValidationError, match="Say why"):
        step(allocation, "suspend", users["officer_nangarhar"], reason=" ")
    step(allocation, "suspend", users["officer_nangarhar"], reason="Complaint of a second claimant")
    step(allocation, "appeal", users["officer_nangarhar"], reason="Household appeals with documents")
    back = step(allocation, "reinstate", users["committee"], reason="Claim rejected", reference="R-2")
    assert back.status == "letter_issued" and back.suspended_from == ""


def test_transfer_by_inheritance_continues_the_right_for_the_heir(
    proposed, users, field_officer, frame, make_household
):
    allocation = _to_letter_issued(proposed, users)
    step(allocation, "hand_over", field_officer, point=frame.rect(5, 5, 1, 1).centroid, accuracy_m=5)
    heir = make_household()
    old = step(allocation, "transfer", users["officer_nangarhar"], heir=heir, reason="Head died; son inherits")
    new = Allocation.objects.get(transferred_from=old)
    assert (old.status, new.status, new.household, new.plot_id) == ("transferred", "handed_over", heir, old.plot_id)


def test_a_revoked_allocation_stays_in_the_record_and_the_plot_can_be_proposed_again(proposed, users, make_household):
    step(proposed, "revoke", users["officer_nangarhar"], reason_code="non_occupancy", reason="Never came")
    again = allocation_propose(household=make_household(), plot=proposed.plot, proposed_by=users["officer_nangarhar"])
    assert again.status == "proposed"
    assert Allocation.objects.filter(plot=proposed.plot).count() == 2
    with pytest.raises(ValidationError, match="cannot be revoked"):
        step(proposed, "revoke", users["officer_nangarhar"], reason_code="error")


def test_a_plot_holding_an_active_allocation_keeps_its_outline(plots, make_household, users, frame):
    from townships.services import plot_update

    allocation_propose(household=make_household(), plot=plots[0], proposed_by=users["officer_nangarhar"])
    with pytest.raises(ValidationError) as refusal:
        plot_update(plot=plots[0], geom=frame.rect(2, 2, 15, 15))
    assert "holds an active allocation" in str(refusal.value) and "layout import" in str(refusal.value)
    plot_update(plot=plots[1], geom=frame.rect(22, 2, 15, 15))  # a free plot may be reshaped
