"""Occupancy checks: present confirms a handed-over allocation; anything else raises an allocation review."""

import uuid

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from allocations.services import allocation_transition
from shelters.models import AllocationReview, OccupancyCheck
from shelters.services import occupancy_check_submit


def check(plot, officer, point, finding, key=None, **kwargs):
    return occupancy_check_submit(
        client_uuid=key or uuid.uuid4(),
        plot=plot,
        finding=finding,
        checked_on=timezone.localdate(),
        by=officer,
        point=point,
        accuracy_m=5,
        **kwargs,
    )


def test_present_on_a_handed_over_plot_confirms_occupancy(held, users, field_officer, on_plot):
    officer = users["officer_nangarhar"]
    a = allocation_transition(allocation=held, action="assign", by=officer)
    a = allocation_transition(allocation=a, action="issue_letter", by=officer)
    a = allocation_transition(allocation=a, action="hand_over", by=field_officer, point=on_plot, accuracy_m=5)
    result, created = check(a.plot, field_officer, on_plot, "present")
    a.refresh_from_db()
    assert created and a.status == "occupied" and result.allocation == a
    assert not AllocationReview.objects.exists()


@pytest.mark.parametrize("finding", ["absent", "usurped", "empty"])
def test_anything_but_present_raises_an_allocation_review(held, field_officer, on_plot, finding):
    result, _ = check(held.plot, field_officer, on_plot, finding, remarks="Neighbours say they left")
    review = AllocationReview.objects.get()
    assert (review.reason, review.allocation, review.occupancy_check) == (finding, held, result)
    held.refresh_from_db()
    assert held.status == "approved"  # a review is for people to decide; nothing is revoked automatically


def test_a_retried_check_is_recorded_once(held, field_officer, on_plot):
    key = uuid.uuid4()
    check(held.plot, field_officer, on_plot, "absent", key=key)
    _, created = check(held.plot, field_officer, on_plot, "absent", key=key)
    assert not created and OccupancyCheck.objects.count() == 1 and AllocationReview.objects.count() == 1


def test_a_check_away_from_the_plot_is_refused(held, field_officer, frame):
    with pytest.raises(ValidationError) as refusal:
        check(held.plot, field_officer, frame.rect(10, 150, 1, 1).centroid, "absent")
    assert "must be made on the plot" in " ".join(refusal.value.messages)
