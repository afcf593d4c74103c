"""Nothing published — OGC API features, vector tiles, TileJSON — carries a household's name, code or ID number,
even for plots that are allocated to named households."""

import csv
import io
import json

import pytest
from django.core.cache import cache

from allocations.services import allocation_propose
from grievances.models import Grievance
from grievances.selectors import AGE_BANDS
from tests.api.test_tiles import decode, township_tile_url

SECRETS = ["Zarghona Qasemi", "Abdul Wahid Qasemi", "1400-9999-77777", "77777", "PoR5550001"]


@pytest.fixture
def allocated(plots, make_household, users):
    household = make_household(
        head={
            "name": "Zarghona Qasemi",
            "father_name": "Abdul Wahid Qasemi",
            "sex": "f",
            "tazkira": "1400-9999-77777",
            "por": "PoR5550001",
        }
    )
    allocation_propose(household=household, plot=plots[0], proposed_by=users["officer_nangarhar"])
    cache.clear()
    return household


def assert_clean(text: str, household):
    for secret in [*SECRETS, household.code]:
        assert secret not in text, f"{secret!r} was published"


def test_ogc_api_features_publish_no_personal_data(client, users, allocated):
    client.force_login(users["admin"])  # even an administrator gets no personal data from the layers
    for name in ("townships", "blocks", "plots", "facilities", "provinces"):
        page = client.get(f"/ogc/collections/{name}/items?limit=1000")
        assert page.status_code == 200
        assert_clean(page.content.decode(), allocated)
        for item in page.json()["features"][:5]:
            assert_clean(client.get(f"/ogc/collections/{name}/items/{item['id']}").content.decode(), allocated)
    assert_clean(client.get("/ogc/collections").content.decode(), allocated)


def test_vector_tiles_and_tilejson_publish_no_personal_data(client, users, allocated, frame):
    client.force_login(users["admin"])
    tiles = [(layer, 16, (30, 12)) for layer in ("townships", "blocks", "plots", "facilities")]
    tiles += [("provinces", 10, (30, 12)), ("township-points", 10, (250, 150)), ("township-points", 5, (250, 150))]
    for layer, z, at in tiles:
        response = client.get(township_tile_url(frame, layer=layer, z=z, at=at))
        if response.status_code == 200:
            assert_clean(json.dumps(decode(response), default=str), allocated)
        assert_clean(client.get(f"/tiles/{layer}.json").content.decode(), allocated)
    # The township's point counts the allocated plot (by status), and says nothing of who holds it.
    point = decode(client.get(township_tile_url(frame, layer="township-points", z=10, at=(250, 150))))
    assert point["township-points"]["features"][0]["properties"]["reserved"] == 1


DESCRIPTION = "Zarghona Qasemi says the wall of Abdul Wahid Qasemi takes 20 m2 of her plot"


@pytest.fixture
def complained(allocated, users, provinces, plots):
    """Complaints by the named household: one about its plot, one sensitive, with names and ID numbers in the text."""
    from grievances.services import grievance_receive

    officer = users["officer_nangarhar"]
    return [
        grievance_receive(
            by=officer,
            channel="office",
            category=category,
            description=f"{DESCRIPTION}; tazkira 1400-9999-77777, PoR5550001",
            province=provinces["nangarhar"],
            plot=plots[0],
            household=allocated,
        )
        for category in ("land_dispute", "staff_conduct")
    ]


def test_the_grievance_summary_publishes_no_name_id_digit_or_description(client, users, provinces, complained):
    from tests.landreg.test_data_sharing import agreement_create

    agreement_create(users=[users["partner"]], provinces=[provinces["nangarhar"]], datasets=["grievance_summary"])
    household = complained[0].household
    for user in (users["partner"], users["admin"]):
        client.force_login(user)
        response = client.get("/api/v1/partner/exports/grievance_summary.csv", {"province": "AF06"})
        assert response.status_code == 200
        text = b"".join(response.streaming_content).decode()
        assert_clean(text, household)
        assert "wall" not in text and "m2" not in text  # nothing of the description
        for grievance in complained:
            assert grievance.reference not in text
        # Every cell is a code from a closed list or a count: there is nowhere for a name or a digit of an ID.
        for province, township, category, status, band, count in list(csv.reader(io.StringIO(text)))[2:]:
            assert (province, township) in {("AF06", ""), ("AF06", "NAN-TEST")}
            assert category in Grievance.Category.values and status in Grievance.Status.values
            assert band in [key for key, *_rest in AGE_BANDS]
            assert count == "<5" or (count.isdigit() and int(count) >= 5)


def test_the_public_status_page_publishes_nothing_personal(client, complained):
    from django.core.cache import cache

    cache.clear()
    for grievance in complained:
        page = client.post("/complaint-status/", {"reference": grievance.reference}).content.decode()
        assert 'id="status-answer"' in page
        assert_clean(page, grievance.household)
        assert "wall" not in page and "Conduct of staff" not in page
