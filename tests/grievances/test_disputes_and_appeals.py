"""Land disputes (the plot disputed through the allocation workflow, and back) and appeals (another committee
member decides, yet another checks)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from allocations.models import Allocation
from allocations.services import allocation_propose, allocation_transition
from grievances import selectors, services
from grievances.models import Appeal, LandDispute

pytestmark = pytest.mark.django_db


def open_dispute(people, plot, **fields):
    values = {
        "plot": plot,
        "by": people["officer_nangarhar"],
        "description": "My neighbour's wall takes part of my plot.",
        "channel": "office",
    }
    values.update(fields)
    return services.dispute_open(**values)


def ready(grievance, people):
    return services.grievance_transition(grievance=grievance, action="acknowledge", by=people["officer_nangarhar"])


def status_of(plot):
    plot.refresh_from_db(fields=["status"])
    return plot.status


def test_a_dispute_on_a_held_plot_suspends_its_allocation_and_the_plot_is_disputed(people, held):
    g = open_dispute(people, held.plot)

    held.refresh_from_db()
    assert held.status == "suspended" and held.suspended_from == "approved"
    assert status_of(held.plot) == "disputed"
    dispute = g.land_dispute
    assert dispute.suspended_allocation == held and dispute.plot_status_before == "allocated"
    assert g.category == "land_dispute" and g.allocation == held and g.plot == held.plot


def test_while_disputed_the_allocation_cannot_be_reinstated_through_the_workflow(people, held):
    open_dispute(people, held.plot)

    with pytest.raises(ValidationError) as refusal:
        allocation_transition(allocation=held, action="reinstate", by=people["committee"])

    assert refusal.value.error_dict["plot"][0].code == "plot_not_allocated_while_disputed"
    assert f"plot {held.plot.number} has an open land dispute" in refusal.value.messages[0]


def test_a_free_plot_in_dispute_cannot_be_proposed(people, plots, make_household):
    open_dispute(people, plots[2])
    assert status_of(plots[2]) == "disputed"

    with pytest.raises(ValidationError):
        allocation_propose(household=make_household(), plot=plots[2], proposed_by=people["officer_nangarhar"])
    assert not Allocation.objects.filter(plot=plots[2]).exists()


def test_a_proposal_on_a_disputed_plot_cannot_be_approved(people, plots, make_household):
    household = make_household(registered_by=people["officer_nangarhar"])
    proposal = allocation_propose(household=household, plot=plots[2], proposed_by=people["officer_nangarhar"])
    open_dispute(people, plots[2])
    assert status_of(plots[2]) == "reserved"  # the plot follows its proposal; the approval is what is held back

    with pytest.raises(ValidationError) as refusal:
        allocation_transition(allocation=proposal, action="approve", by=people["committee"], reference="CMT-9")
    assert refusal.value.error_dict["plot"][0].code == "plot_not_allocated_while_disputed"


@pytest.mark.parametrize("decision", ["rejected", "settled"])
def test_rejected_or_settled_reinstates_the_allocation_and_the_plot_returns(people, held, decision):
    g = ready(open_dispute(people, held.plot), people)

    g = services.dispute_resolve(grievance=g, decision=decision, by=people["committee2"], note="The record stands.")

    held.refresh_from_db()
    assert held.status == "approved" and status_of(held.plot) == "allocated"
    assert g.status == "resolved" and g.resolved_at is not None
    dispute = LandDispute.objects.get(grievance=g)
    assert (dispute.decision, dispute.decided_by) == (decision, people["committee2"])
    assert g.steps.order_by("id").last().action == "decide_dispute"


def test_upheld_revokes_the_allocation_and_withdraws_the_plot(people, held):
    g = ready(open_dispute(people, held.plot), people)

    services.dispute_resolve(grievance=g, decision="upheld", by=people["committee2"], note="The claimant owns it.")

    held.refresh_from_db()
    assert held.status == "revoked" and held.revocation_reason == "error"
    assert status_of(held.plot) == "cancelled"


def test_upheld_rejects_a_proposal_of_the_plot_and_withdraws_it(people, plots, make_household):
    household = make_household(registered_by=people["officer_nangarhar"])
    proposal = allocation_propose(household=household, plot=plots[2], proposed_by=people["officer_nangarhar"])
    g = ready(open_dispute(people, plots[2]), people)

    services.dispute_resolve(grievance=g, decision="upheld", by=people["committee"], note="The claimant owns it.")

    proposal.refresh_from_db()
    assert proposal.status == "rejected" and status_of(plots[2]) == "cancelled"


def test_upheld_usurpation_keeps_the_holders_right(people, held):
    g = ready(
        open_dispute(people, held.plot, category="usurpation", description="A commander built on my plot."), people
    )

    services.dispute_resolve(grievance=g, decision="upheld", by=people["committee2"], note="Usurped; police told.")

    held.refresh_from_db()
    assert held.status == "approved" and status_of(held.plot) == "allocated"


def test_a_free_plot_returns_to_its_status_before(people, plots):
    g = ready(open_dispute(people, plots[2]), people)
    services.dispute_resolve(grievance=g, decision="rejected", by=people["committee"], note="No claim.")
    assert status_of(plots[2]) == "available"


def test_a_second_dispute_keeps_the_plot_disputed_until_both_are_decided(people, held):
    first = ready(open_dispute(people, held.plot), people)
    second = ready(open_dispute(people, held.plot, description="I claim it too."), people)
    assert second.land_dispute.plot_status_before == "allocated"

    services.dispute_resolve(grievance=first, decision="rejected", by=people["committee2"], note="No.")
    held.refresh_from_db()
    assert held.status == "suspended" and status_of(held.plot) == "disputed"

    services.dispute_resolve(grievance=second, decision="settled", by=people["committee2"], note="Agreed.")
    held.refresh_from_db()
    assert held.status == "approved" and status_of(held.plot) == "allocated"


def test_a_dispute_is_resolved_only_with_a_decision(people, held):
    g = ready(open_dispute(people, held.plot), people)

    with pytest.raises(ValidationError, match="record the committee's decision"):
        services.grievance_transition(grievance=g, action="resolve", by=people["officer_nangarhar"], note="Done.")
    with pytest.raises(ValidationError) as refusal:
        services.dispute_resolve(grievance=g, decision="maybe", by=people["committee2"], note="x")
    assert "decision" in refusal.value.message_dict
    with pytest.raises(PermissionDenied):
        services.dispute_resolve(grievance=g, decision="rejected", by=people["officer_nangarhar"], note="x")
    with pytest.raises(PermissionDenied, match="outside your provinces"):
        services.dispute_open(plot=held.plot, by=people["officer_herat"], description="x", channel="office")


def test_a_dispute_is_decided_once(people, plots):
    g = ready(open_dispute(people, plots[2]), people)
    services.dispute_resolve(grievance=g, decision="rejected", by=people["committee"], note="No claim.")
    with pytest.raises(ValidationError, match="already decided"):
        services.dispute_resolve(grievance=g, decision="upheld", by=people["committee"], note="Changed my mind.")


def test_the_overlap_of_the_claimed_outline_is_measured_in_m2_by_the_database(people, plots, frame):
    # Plot 0 is 0..20 × 0..25 m; the claimed outline covers x 15..25 × y 0..10: 5 × 10 = 50 m² inside plot 0.
    g = open_dispute(people, plots[0], claimed_outline=frame.rect(15, 0, 10, 10))

    assert float(LandDispute.objects.get(grievance=g).overlap_m2) == pytest.approx(50, abs=0.05)


def test_a_claimed_outline_that_is_not_a_polygon_gets_a_sentence(people, plots, frame):
    bow_tie = frame.ring([(0, 0), (10, 10), (10, 0), (0, 10)])
    with pytest.raises(ValidationError, match="not a valid polygon"):
        open_dispute(people, plots[0], claimed_outline=bow_tie)
    with pytest.raises(ValidationError, match="not a polygon that can be read"):
        open_dispute(people, plots[0], claimed_outline="POLYGON((nonsense")
    assert not LandDispute.objects.exists()


# --- appeals ------------------------------------------------------------------------------------------------------


def lodge(people, allocation, by="officer_nangarhar"):
    return services.appeal_lodge(
        allocation=allocation, by=people[by], description="We are landless; please reconsider.", channel="office"
    )


def test_an_appeal_goes_to_another_committee_member(people, rejected):
    g = lodge(people, rejected)

    appeal = Appeal.objects.get(grievance=g)
    assert appeal.appealed_status == "rejected" and appeal.appealed_decision_by == people["committee"]
    assert g.category == "appeal" and g.household == rejected.household
    assert g.assigned_to == people["committee2"]  # not the one who rejected


def test_the_one_who_decided_cannot_decide_the_appeal_nor_the_decider_check_it(people, rejected):
    g = ready(lodge(people, rejected), people)

    with pytest.raises(PermissionDenied, match="You made the decision appealed"):
        services.appeal_decide(grievance=g, decision="upheld", by=people["committee"], note="I stand by it.")
    g = services.appeal_decide(grievance=g, decision="upheld", by=people["committee2"], note="Landless, eligible.")
    with pytest.raises(PermissionDenied, match="You decided this appeal"):
        services.appeal_check(grievance=g, by=people["committee2"])
    with pytest.raises(PermissionDenied, match="You made the decision appealed"):
        services.appeal_check(grievance=g, by=people["committee"])
    with pytest.raises(ValidationError, match="is an appeal"):
        services.grievance_transition(grievance=g, action="resolve", by=people["officer_nangarhar"], note="x")

    g = services.appeal_check(grievance=g, by=people["committee3"])

    appeal = Appeal.objects.get(grievance=g)
    assert (appeal.decision, appeal.decided_by, appeal.checked_by) == (
        "upheld",
        people["committee2"],
        people["committee3"],
    )
    assert g.status == "resolved"


def test_who_lodged_the_appeal_cannot_decide_it(people, rejected):
    g = ready(lodge(people, rejected, by="committee2"), people)
    with pytest.raises(PermissionDenied, match="You lodged this appeal"):
        services.appeal_decide(grievance=g, decision="dismissed", by=people["committee2"], note="No.")


def test_only_a_refusal_or_a_revocation_is_appealed_and_once(people, held, rejected):
    with pytest.raises(ValidationError, match="only a refusal"):
        lodge(people, held)
    lodge(people, rejected)
    with pytest.raises(ValidationError, match="already under appeal"):
        lodge(people, rejected)


def test_an_appeal_against_a_revocation_names_the_revoker(people, held):
    revoked = allocation_transition(
        allocation=held, action="revoke", by=people["officer_nangarhar"], reason_code="non_occupancy"
    )
    g = lodge(people, revoked, by="field")
    assert Appeal.objects.get(grievance=g).appealed_decision_by == people["officer_nangarhar"]


def test_the_allowed_actions_follow_the_rules(people, rejected):
    g = ready(lodge(people, rejected), people)
    assert "decide_appeal" not in selectors.grievance_allowed_actions(people["committee"], g)
    assert "decide_appeal" in selectors.grievance_allowed_actions(people["committee2"], g)
    g = services.appeal_decide(grievance=g, decision="dismissed", by=people["committee2"], note="Not eligible.")
    assert "check_appeal" not in selectors.grievance_allowed_actions(people["committee2"], g)
    assert "check_appeal" in selectors.grievance_allowed_actions(people["committee3"], g)
    assert "resolve" not in selectors.grievance_allowed_actions(people["officer_nangarhar"], g)


def test_the_plot_colour_comes_back_through_the_layer_version(people, held):
    """The map's tiles follow the plot's status: a resolved dispute changes the plots layer's version."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT landreg_layer_versions(ARRAY['plots'])")
        before = cursor.fetchone()[0]
    g = ready(open_dispute(people, held.plot), people)
    services.dispute_resolve(grievance=g, decision="settled", by=people["committee2"], note="Agreed.")
    with connection.cursor() as cursor:
        cursor.execute("SELECT landreg_layer_versions(ARRAY['plots'])")
        assert cursor.fetchone()[0] != before


def heard_in_the_field(people, plot):
    """A land dispute recorded by a field officer as a complaint about the plot: the plot is not yet disputed."""
    return services.grievance_receive(
        by=people["field"],
        channel="field_visit",
        category="land_dispute",
        description="The neighbour built a wall on this plot.",
        plot=plot,
    )


def test_a_land_dispute_heard_in_the_field_is_opened_later_on_its_own_record(people, held):
    g = heard_in_the_field(people, held.plot)
    assert status_of(held.plot) == "allocated"
    assert "open_dispute" not in selectors.grievance_allowed_actions(people["field"], g)
    assert "open_dispute" in selectors.grievance_allowed_actions(people["officer_nangarhar"], g)

    g = services.dispute_open_for(grievance=g, by=people["officer_nangarhar"], note="Seen on site.")

    held.refresh_from_db()
    assert held.status == "suspended" and status_of(held.plot) == "disputed"
    assert g.land_dispute.suspended_allocation == held and g.allocation == held
    assert [s.action for s in g.steps.order_by("id")] == ["receive", "open_dispute"]
    assert "open_dispute" not in selectors.grievance_allowed_actions(people["officer_nangarhar"], g)

    services.dispute_resolve(grievance=ready(g, people), decision="settled", by=people["committee2"], note="Agreed.")
    held.refresh_from_db()
    assert held.status == "approved" and status_of(held.plot) == "allocated"


def test_opening_a_dispute_on_a_record_is_refused_with_a_sentence(people, held, plots):
    g = heard_in_the_field(people, held.plot)
    with pytest.raises(PermissionDenied):
        services.dispute_open_for(grievance=g, by=people["field"])
    services.dispute_open_for(grievance=g, by=people["officer_nangarhar"])
    with pytest.raises(ValidationError) as twice:
        services.dispute_open_for(grievance=g, by=people["officer_nangarhar"])
    assert "already a land dispute" in twice.value.messages[0]

    other = services.grievance_receive(
        by=people["officer_nangarhar"],
        channel="office",
        category="shelter_payment",
        description="The second tranche is late.",
        plot=plots[2],
    )
    with pytest.raises(ValidationError) as not_land:
        services.dispute_open_for(grievance=other, by=people["officer_nangarhar"])
    assert "only a land dispute or a usurpation about a plot opens a dispute" in not_land.value.messages[0]
    assert status_of(plots[2]) != "disputed" and not LandDispute.objects.filter(grievance=other).exists()
