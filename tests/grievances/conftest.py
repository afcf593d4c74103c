"""Grievance fixtures: the shared provinces, township, plots and users, plus a grievance focal point, a second and
a third committee member (appeals need three people), and a plot held by a household (allocation approved)."""

import pytest

from allocations.services import allocation_propose, allocation_transition
from landreg import roles
from landreg.services import user_create
from tests.db.conftest import raw  # noqa: F401  (the raw-SQL fixture)


@pytest.fixture
def people(users, provinces, field_officer):
    nangarhar = [provinces["nangarhar"]]
    return {
        **users,
        "field": field_officer,
        "focal": user_create(
            username="focal.n",
            password="x",
            roles=[roles.GRIEVANCE_FOCAL_POINT],
            provinces=nangarhar,
            email="focal.n@example.org",
        ),
        "focal_herat": user_create(
            username="focal.h", password="x", roles=[roles.GRIEVANCE_FOCAL_POINT], provinces=[provinces["herat"]]
        ),
        "committee2": user_create(
            username="committee2.n", password="x", roles=[roles.COMMITTEE_MEMBER], provinces=nangarhar
        ),
        "committee3": user_create(
            username="committee3.n", password="x", roles=[roles.COMMITTEE_MEMBER], provinces=nangarhar
        ),
        "administrator": user_create(
            username="administrator.n",
            password="x",
            roles=[roles.ADMINISTRATOR],
            provinces=nangarhar,
            email="admin.n@example.org",
        ),
    }


@pytest.fixture
def held(plots, make_household, people):
    """Plot 0 allocated (approved) to a household."""
    household = make_household(registered_by=people["officer_nangarhar"])
    allocation = allocation_propose(household=household, plot=plots[0], proposed_by=people["officer_nangarhar"])
    return allocation_transition(allocation=allocation, action="approve", by=people["committee"], reference="CMT-1")


@pytest.fixture
def rejected(plots, make_household, people):
    """A proposal of plot 1 rejected by the committee member `committee`."""
    household = make_household(registered_by=people["officer_nangarhar"])
    allocation = allocation_propose(household=household, plot=plots[1], proposed_by=people["officer_nangarhar"])
    return allocation_transition(
        allocation=allocation, action="reject", by=people["committee"], reason="Not the poorest.", reference="CMT-2"
    )
