# ruff: noqa: F811  (the fixtures imported from other test modules are used by their names)
"""Livelihood opportunities as a published layer (OGC API - Features and vector tiles): open ones only, kind, sector,
places, dates, pay, provider and province, never a referral or a person; places filled under 5 suppressed;
read-only; a partner sees them only under an agreement that shares livelihood_opportunities."""

import datetime
from decimal import Decimal

import mapbox_vector_tile
import pytest
from django.contrib.gis.geos import MultiPolygon
from django.core.cache import cache
from django.utils import timezone

from livelihoods import services
from tests.api.test_tiles import tile_of, url
from tests.livelihoods.conftest import (  # noqa: F401  (fixtures)
    adult,
    agreement,
    bounded,
    media_in_tmp,
    post,
    profiled,
    provider,
    reference_data,
    referred_and_accepted,
)

PROPERTIES = {
    "kind",
    "sector",
    "isic",
    "places_offered",
    "places_filled",
    "start_on",
    "end_on",
    "stipend_monthly",
    "daily_wage",
    "days_offered",
    "currency",
    "provider",
    "province",
}


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def posted(post, frame, users):
    today = timezone.localdate()
    course = post(
        title="Carpentry with Ustad Nasrullah", isic="16", stipend_monthly=Decimal("3500.00"), places_offered=12
    )
    canal = post(
        kind="cash_for_work",
        title="Canal clearing at Haji Gul's farm",
        point=None,
        area=MultiPolygon(frame.rect(100, 200, 300, 50)),
        daily_wage=Decimal("450.00"),
        days_offered=20,
        places_offered=40,
        end_on=today + datetime.timedelta(days=30),
    )
    closed = post(title="Tailoring (closed)")
    services.opportunity_close(opportunity=closed, by=users["officer_nangarhar"])
    return {"course": course, "canal": canal, "closed": closed}


def items(client, **params) -> dict:
    response = client.get("/ogc/collections/opportunities/items", params)
    assert response.status_code == 200, response.content
    return response.json()


def test_open_opportunities_are_published_with_no_title_and_no_person(client, users, posted):
    client.force_login(users["officer_nangarhar"])
    page = items(client)
    features = {f["id"]: f for f in page["features"]}
    assert set(features) == {posted["course"].pk, posted["canal"].pk}  # not the closed one
    course = features[posted["course"].pk]
    assert course["geometry"]["type"] == "Point"
    assert course["properties"] == {
        "kind": "tvet",
        "sector": "C",
        "isic": "16",
        "places_offered": 12,
        "places_filled": 0,
        "start_on": posted["course"].start_on.isoformat(),
        "end_on": posted["course"].end_on.isoformat(),
        "stipend_monthly": 3500.0,
        "daily_wage": None,
        "days_offered": None,
        "currency": "AFN",
        "provider": "Skills Partner NGO",
        "province": "AF06",
    }
    canal = features[posted["canal"].pk]
    assert canal["geometry"]["type"] == "MultiPolygon"
    assert canal["properties"]["daily_wage"] == 450.0 and canal["properties"]["days_offered"] == 20
    text = client.get("/ogc/collections/opportunities/items").content.decode()
    assert "Nasrullah" not in text and "Haji Gul" not in text and "Carpentry" not in text


def test_opportunities_are_filtered_by_their_queryables_and_their_place(client, users, posted, frame):
    client.force_login(users["gis"])
    cash = items(client, filter="kind = 'cash_for_work' AND daily_wage > 400")
    assert [f["id"] for f in cash["features"]] == [posted["canal"].pk]
    assert [f["id"] for f in items(client, sector="C")["features"]] == [posted["course"].pk]
    x0, y0, x1, y1 = frame.rect(200, 140, 100, 20).extent  # around the course's point, away from the canal
    assert [f["id"] for f in items(client, bbox=f"{x0},{y0},{x1},{y1}")["features"]] == [posted["course"].pk]
    inside = frame.rect(150, 210, 10, 10).wkt  # inside the canal's area
    spatial = items(client, filter=f"S_INTERSECTS(geometry, {inside})")
    assert [f["id"] for f in spatial["features"]] == [posted["canal"].pk]
    ordered = items(client, sortby="-places_offered", properties="places_offered")
    assert [f["properties"] for f in ordered["features"]] == [{"places_offered": 40}, {"places_offered": 12}]
    refused = client.get("/ogc/collections/opportunities/items", {"filter": "title LIKE '%Ustad%'"})
    assert refused.status_code == 400 and "only the queryables of opportunities" in refused.json()["detail"]
    assert set(client.get("/ogc/collections/opportunities/queryables").json()["properties"]) == {
        *PROPERTIES,
        "geometry",
    }


def test_places_filled_under_5_are_suppressed_in_the_collection_and_the_tiles(client, users, referred_and_accepted):
    opportunity = referred_and_accepted.opportunity
    opportunity.refresh_from_db()
    assert opportunity.places_filled == 1
    client.force_login(users["admin"])
    [feature] = items(client)["features"]
    assert feature["properties"]["places_filled"] is None
    lon, lat = opportunity.point.coords
    x, y = tile_of(lon, lat, 14)
    response = client.get(url("opportunities", 14, x, y))
    assert response.status_code == 200
    [tiled] = mapbox_vector_tile.decode(response.content)["opportunities"]["features"]
    assert tiled["id"] == opportunity.pk
    assert "places_filled" not in tiled["properties"] and tiled["properties"]["places_offered"] == 10
    assert "Carpentry" not in str(tiled)


def test_a_partner_sees_opportunities_only_under_an_agreement_that_shares_them(client, users, agreement, posted):
    client.force_login(users["partner"])
    assert items(client)["features"] == []  # the agreement shares the township summary only
    lon, lat = posted["course"].point.coords
    x, y = tile_of(lon, lat, 14)
    refused = client.get(url("opportunities", 14, x, y))
    assert refused.status_code == 403 and "does not include" in refused.json()["detail"]
    agreement.datasets = [*agreement.datasets, "livelihood_opportunities"]
    agreement.save()
    cache.clear()
    assert {f["id"] for f in items(client)["features"]} == {posted["course"].pk, posted["canal"].pk}
    assert client.get(url("opportunities", 14, x, y)).status_code == 200
    agreement.provinces.set([])
    cache.clear()
    assert items(client)["features"] == []


def test_an_edit_gives_the_opportunity_tiles_a_new_etag(client, users, posted):
    client.force_login(users["gis"])
    lon, lat = posted["course"].point.coords
    x, y = tile_of(lon, lat, 14)
    first = client.get(url("opportunities", 14, x, y))
    services.opportunity_close(opportunity=posted["course"], by=users["officer_nangarhar"])
    changed = client.get(url("opportunities", 14, x, y), HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed["ETag"] != first["ETag"]
    ids = (
        []
        if changed.status_code == 204
        else [f["id"] for f in mapbox_vector_tile.decode(changed.content)["opportunities"]["features"]]
    )  # noqa: E501
    assert posted["course"].pk not in ids
