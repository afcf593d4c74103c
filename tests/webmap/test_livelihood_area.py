"""An opportunity's place as an area drawn on the posting page's map (GeoJSON in the hidden field `area`), or a
point as before. The server reads the GeoJSON itself (livelihoods.services.location_from_geojson, as the API does):
a valid polygon of a sane size, inside the province (the database's rule, its sentence); hostile GeoJSON is a 400
with a sentence, never a 500, and nothing is written. The ranking measures people from the area."""

# ruff: noqa: F811  (the livelihood fixtures are imported, then asked for by name)

import json
import re

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from livelihoods import selectors, services
from livelihoods.models import Opportunity
from tests.livelihoods.conftest import (  # noqa: F401  (fixtures)
    adult,
    agreement,
    bounded,
    post,
    profiled,
    provider,
    reference_data,
)

NEW = "/livelihoods/opportunities/new/"


def client_of(user, language="en"):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def posting(bounded, provider, **fields):
    return {
        "provider": provider.pk,
        "kind": "cash_for_work",
        "title": "Canal clearing",
        "province": bounded.pk,
        "places_offered": 30,
        "start_on": "1405-09-01",
        "sex": "any",
        "age_min": 18,
        "age_max": 60,
        "workplace": "mixed",
        "daily_wage": "350",
        "days_offered": 24,
        **fields,
    }


def geojson(polygon) -> str:
    return polygon.geojson


def test_an_area_drawn_on_the_map_is_the_opportunitys_place(users, bounded, provider, frame):
    canal = frame.rect(-300, -300, 1200, 200)  # a strip along the township's south edge
    response = client_of(users["officer_nangarhar"]).post(
        NEW, posting(bounded, provider, location="area", area=geojson(canal))
    )
    assert response.status_code == 302, response.content.decode()
    o = Opportunity.objects.get()
    assert o.point is None and o.area is not None and o.area.geom_type == "MultiPolygon"
    assert o.area[0].equals_exact(canal, tolerance=1e-7)
    page = client_of(users["officer_nangarhar"]).get(f"/livelihoods/opportunities/{o.pk}/")
    assert page.context["feature"]["geometry"]["type"] == "MultiPolygon"  # the small map draws the area
    assert 'data-kind="area"' in page.content.decode()


def test_a_point_is_still_taken_and_a_form_without_the_choice_gives_a_point(users, bounded, provider, frame):
    at = frame.rect(100, 100, 1, 1).centroid
    officer = client_of(users["officer_nangarhar"])
    response = officer.post(NEW, posting(bounded, provider, lon=f"{at.x:.6f}", lat=f"{at.y:.6f}"))
    assert response.status_code == 302, response.content.decode()
    assert Opportunity.objects.get().area is None


def test_the_ranking_measures_people_from_the_area(users, bounded, provider, frame, profiled, plots):
    from allocations.services import allocation_propose, allocation_transition

    officer = users["officer_nangarhar"]
    person = profiled()
    a = allocation_propose(household=person.household, plot=plots[0], proposed_by=officer)
    allocation_transition(allocation=a, action="approve", by=users["committee"], reference="CMT-AREA")
    covering = frame.rect(-1000, -1000, 3000, 3000)  # the plot lies inside: distance 0
    inside = services.opportunity_post(
        provider=provider,
        by=officer,
        kind="tvet",
        title="Inside",
        province=bounded,
        places_offered=5,
        start_on=timezone.localdate(),
        area=services.location_from_geojson(covering.geojson, "area", ("Polygon", "MultiPolygon")),
        isco_codes=["7115"],
    )
    away = services.opportunity_post(
        provider=provider,
        by=officer,
        kind="tvet",
        title="Away",
        province=bounded,
        places_offered=5,
        start_on=timezone.localdate(),
        area=services.location_from_geojson(frame.rect(4000, 0, 500, 500).geojson, "area", ("Polygon",)),
        isco_codes=["7115"],
    )
    [near_row] = [r for r in selectors.people_ranked_for(officer, inside) if r["person"] == person.pk]
    [far_row] = [r for r in selectors.people_ranked_for(officer, away) if r["person"] == person.pk]
    assert near_row["distance_km"] == pytest.approx(0, abs=0.01) and near_row["located_by"] == "plot"
    # From the plot's centroid to the area's nearest edge: about 4 km east, not to the area's centre.
    assert 3.5 < far_row["distance_km"] < 4.0
    assert near_row["parts"]["distance"] > far_row["parts"]["distance"]


def test_an_area_outside_the_province_gets_the_databases_sentence(users, bounded, provider, frame):
    far = frame.rect(30000, 30000, 1000, 1000)  # beyond the 20 km boundary
    response = client_of(users["officer_nangarhar"]).post(
        NEW, posting(bounded, provider, location="area", area=geojson(far))
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "The opportunity must lie in its province" in text and "outside Nangarhar" in text
    assert 'id="area-errors"' in text  # beside the map, not lost at the top
    assert not Opportunity.objects.exists()


# Two triangles crossing at one point: a self-intersecting outline.
BOWTIE = json.dumps(
    {
        "type": "Polygon",
        "coordinates": [[[70.50, 34.40], [70.51, 34.41], [70.51, 34.40], [70.50, 34.41], [70.50, 34.40]]],
    }
)


@pytest.mark.parametrize(
    "area, sentence",
    [
        ("", "Draw the area on the map"),
        ("not json", "GeoJSON Polygon or MultiPolygon"),
        ("[" * 100001 + "]" * 100001, "too detailed"),
        ("[" * 5000 + "]" * 5000, "GeoJSON Polygon or MultiPolygon"),
        ('{"type": "Point", "coordinates": [70.5, 34.4]}', "GeoJSON Polygon or MultiPolygon"),
        ('{"type": "Polygon", "coordinates": "x"}', "GeoJSON Polygon or MultiPolygon"),
        ('{"type": "Polygon", "coordinates": [[[NaN, 34.4], [70.6, 34.4], [70.6, 34.5], [NaN, 34.4]]]}', "longitude"),
        ('{"type": "Polygon", "coordinates": [[[700, 34.4], [701, 34.4], [701, 35], [700, 34.4]]]}', "longitude"),
        (BOWTIE, "not a valid shape"),
        ('{"type": "GeometryCollection", "geometries": []}', "GeoJSON Polygon or MultiPolygon"),
        ('{"type": "Polygon", "coordinates": [[[70.5, 34.4], [70.5001, 34.4], [70.5, 34.4001], [70.5, 34.4]]]}', "m²"),
        ('{"type": "Polygon", "coordinates": [[[69, 33], [72, 33], [72, 36], [69, 36], [69, 33]]]}', "km²"),
        ("<script>alert(1)</script>", "GeoJSON Polygon or MultiPolygon"),
    ],
)
def test_a_hostile_or_mistaken_area_is_a_sentence_and_nothing_is_written(users, bounded, provider, area, sentence):
    response = client_of(users["officer_nangarhar"]).post(NEW, posting(bounded, provider, location="area", area=area))
    assert response.status_code == 400
    text = response.content.decode()
    assert sentence in text, text[:3000]
    assert "<script>alert(1)</script>" not in text
    assert not Opportunity.objects.exists()


def test_too_many_corners_are_refused_before_the_database_measures_them(frame):
    corners = [(i * 0.5, (i % 2) * 3.0 + i * 0.001) for i in range(3000)]
    ring = frame.ring([(0, 0), *corners, (1500, 500), (0, 500)])
    with pytest.raises(ValidationError) as refused:
        services.location_from_geojson(ring.geojson, "area", ("Polygon",))
    assert "corners" in str(refused.value)


def test_the_api_reads_an_area_the_same_way(users, bounded, provider, frame):
    body = {
        "kind": "tvet",
        "title": "Carpentry course",
        "province": bounded.pk,
        "provider": provider.pk,
        "places_offered": 10,
        "start_on": "2026-12-01",
        "area": json.loads(BOWTIE),
    }
    client = client_of(users["officer_nangarhar"])
    response = client.post("/api/v1/livelihoods/opportunities/", json.dumps(body), content_type="application/json")
    assert response.status_code == 400 and "not a valid shape" in response.json()["detail"]
    body["area"] = json.loads(frame.rect(0, 0, 300, 300).geojson)
    response = client.post("/api/v1/livelihoods/opportunities/", json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.content
    assert Opportunity.objects.get().area is not None


def test_the_page_offers_the_drawing_without_loading_anything_from_the_internet(users):
    page = client_of(users["officer_nangarhar"]).get(NEW)
    text = page.content.decode()
    assert "vendor/ol/ol.js" in text and "webmap/livelihoods/where.js" in text
    assert 'name="area"' in text and 'value="area"' in text
    assert not re.search(r'(src|href)="https?://(?!testserver)', text)
