"""Fixtures for the map and dashboard tests: plots sized for an entitlement, facilities near and far."""

import pytest

from tests.landreg.test_data_sharing import agreement_create
from townships import services as township_services
from townships.models import Entitlement


@pytest.fixture
def entitled_plots(plots, township):
    """The three 20 m × 25 m plots (5 biswa) of the shared fixture, 5 biswa being the entitlement of 1–10 people."""
    Entitlement.objects.create(township=township, min_members=1, max_members=10, plot_biswa=5)
    Entitlement.objects.create(township=township, min_members=11, plot_biswa=10)
    return plots


@pytest.fixture
def facilities(township, frame):
    near = township_services.facility_create(
        township=township, kind="water_point", name="Well 1", geom=frame.rect(30, 60, 1, 1).centroid
    )
    far = township_services.facility_create(
        township=township, kind="school", name="Far school", geom=frame.rect(480, 280, 1, 1).centroid
    )
    return {"near": near, "far": far}


@pytest.fixture
def signed(users, provinces):
    """The partner's data-sharing agreement: Nangarhar only, every dataset, current."""
    return agreement_create(users=[users["partner"]], provinces=[provinces["nangarhar"]])
