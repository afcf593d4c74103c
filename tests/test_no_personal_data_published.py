"""Nothing published — OGC API features, vector tiles, TileJSON — carries a household's name, code or ID number,
even for plots that are allocated to named households."""

import json

import pytest
from django.core.cache import cache

from allocations.services import allocation_propose
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
