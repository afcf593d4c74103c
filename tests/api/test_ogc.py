"""OGC API - Features over HTTP: Parts 1 to 4, the way QGIS and GDAL use them."""

import base64
import json

import pytest

from townships import services
from townships.models import Plot

QGIS_CLASSES = [
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
]


@pytest.fixture
def gis(client, users):
    client.force_login(users["gis"])
    return client


@pytest.fixture
def layout(township, frame):
    for i in range(5):
        services.plot_create(
            township=township,
            block=township.block_a,
            number=str(i + 1),
            status="available",
            geom=frame.rect(i * 20, 0, 20, 25),
        )
    return township


def feature(frame, x, number, **props):
    geom = json.loads(frame.rect(x, 30, 20, 25).json)
    return {
        "type": "Feature",
        "geometry": geom,
        "properties": {"number": number, "township": "NAN-TEST", "block": "A", "use": "residential", **props},
    }


def match(client, url) -> dict:
    """The If-Match header an edit needs: the ETag of the feature as just read."""
    return {"If-Match": client.get(url)["ETag"]}


def test_landing_and_conformance_declare_what_qgis_checks(gis):
    links = {link["rel"] for link in gis.get("/ogc/").json()["links"]}
    assert {"service-desc", "conformance", "data"} <= links
    conforms = gis.get("/ogc/conformance").json()["conformsTo"]
    assert all(c in conforms for c in QGIS_CLASSES)
    assert "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs" in conforms


def test_items_page_with_next_links_and_no_personal_data(gis, layout):
    page = gis.get("/ogc/collections/plots/items?limit=2")
    assert page["Content-Type"] == "application/geo+json" and page["Content-Crs"].startswith("<http")
    body = page.json()
    assert body["numberReturned"] == 2 and any(link["rel"] == "next" for link in body["links"])
    properties = {"number", "township", "block", "use", "status", "area_m2", "shelter_stage", "site_fit"}
    assert set(body["features"][0]["properties"]) == properties
    last = gis.get("/ogc/collections/plots/items?limit=2&offset=4").json()
    assert last["numberReturned"] == 1 and not any(link["rel"] == "next" for link in last["links"])


def test_bbox_in_crs84_and_in_epsg_4326_latitude_first(gis, layout, frame):
    x0, y0, x1, y1 = frame.rect(0, 0, 30, 10).extent  # plots 1 and 2
    crs84 = gis.get(f"/ogc/collections/plots/items?bbox={x0},{y0},{x1},{y1}").json()
    assert sorted(f["properties"]["number"] for f in crs84["features"]) == ["1", "2"]
    epsg = gis.get(
        f"/ogc/collections/plots/items?bbox={y0},{x0},{y1},{x1}&bbox-crs=http://www.opengis.net/def/crs/EPSG/0/4326"
    ).json()
    assert sorted(f["properties"]["number"] for f in epsg["features"]) == ["1", "2"]


def test_output_in_utm_and_in_latitude_first_4326(gis, layout):
    utm = gis.get("/ogc/collections/plots/items?limit=1&crs=http://www.opengis.net/def/crs/EPSG/0/32642")
    assert utm["Content-Crs"] == "<http://www.opengis.net/def/crs/EPSG/0/32642>"
    x, y = utm.json()["features"][0]["geometry"]["coordinates"][0][0]
    assert 400_000 < x < 700_000 and 3_700_000 < y < 3_900_000
    flipped = gis.get("/ogc/collections/plots/items?limit=1&crs=http://www.opengis.net/def/crs/EPSG/0/4326").json()
    lat, lon = flipped["features"][0]["geometry"]["coordinates"][0][0]
    assert 34 < lat < 35 and 70 < lon < 71
    assert gis.get("/ogc/collections/plots/items?crs=EPSG:9999").status_code == 400


def test_cql2_text_filters_with_properties_and_space(gis, layout, frame):
    Plot.objects.filter(number="3").update(status="reserved")
    one = gis.get("/ogc/collections/plots/items", {"filter": "status = 'reserved'"}).json()
    assert [f["properties"]["number"] for f in one["features"]] == ["3"]
    x0, y0, x1, y1 = frame.rect(0, 0, 30, 10).extent
    spatial = gis.get(
        "/ogc/collections/plots/items",
        {
            "filter": f"S_INTERSECTS(geometry, POLYGON(({x0} {y0},{x1} {y0},{x1} {y1},{x0} {y1},{x0} {y0}))) "
            "AND status = 'available'"
        },
    ).json()
    assert sorted(f["properties"]["number"] for f in spatial["features"]) == ["1", "2"]
    bad = gis.get("/ogc/collections/plots/items", {"filter": "status === 'x' AND"})
    assert bad.status_code == 400 and "could not be understood" in bad.json()["detail"]
    assert gis.get("/ogc/collections/plots/items?status=reserved").json()["numberReturned"] == 1


def test_create_update_conflict_and_delete(gis, layout, frame):
    created = gis.post("/ogc/collections/plots/items", feature(frame, 0, "10"), content_type="application/geo+json")
    assert created.status_code == 201, created.content
    url = created["Location"].replace("http://testserver", "")
    assert created.json()["properties"]["area_m2"] == 500.0
    etag = gis.get(url)["ETag"]
    overlap = gis.post("/ogc/collections/plots/items", feature(frame, 10, "11"), content_type="application/geo+json")
    assert overlap.status_code == 409 and overlap.json()["rules"] == ["plots_do_not_overlap"]
    assert "must not overlap" in overlap.json()["detail"]
    patched = gis.patch(
        url,
        {"properties": {"use": "commercial"}},
        content_type="application/merge-patch+json",
        headers={"If-Match": etag},
    )
    assert patched.status_code == 200 and patched["ETag"] != etag
    stale = gis.patch(
        url,
        {"properties": {"use": "residential"}},
        content_type="application/merge-patch+json",
        headers={"If-Match": etag},
    )
    assert stale.status_code == 412 and "changed by someone else" in stale.json()["detail"]
    replaced = gis.put(url, feature(frame, 40, "10"), content_type="application/geo+json", headers=match(gis, url))
    assert replaced.status_code == 200
    assert gis.delete(url, headers=match(gis, url)).status_code == 204
    assert gis.get(url).status_code == 404


def test_a_plot_with_an_allocation_cannot_be_deleted(gis, layout, make_household, users):
    from allocations.services import allocation_propose

    plot = Plot.objects.get(number="1")
    allocation_propose(household=make_household(), plot=plot, proposed_by=users["officer_nangarhar"])
    url = f"/ogc/collections/plots/items/{plot.pk}"
    response = gis.delete(url, headers=match(gis, url))
    assert response.status_code == 409 and "cannot be deleted" in response.json()["detail"]


def test_options_answers_allow_for_the_users_role(client, users, layout, provinces):
    from tests.landreg.test_data_sharing import agreement_create

    plot = Plot.objects.first()
    agreement_create(users=[users["partner"]], provinces=[provinces["nangarhar"]])  # partners read under one
    expected = {
        "gis": ("GET, HEAD, OPTIONS, POST", "GET, HEAD, OPTIONS, PUT, PATCH, DELETE"),
        "officer_nangarhar": ("GET, HEAD, OPTIONS", "GET, HEAD, OPTIONS"),
        "partner": ("GET, HEAD, OPTIONS", "GET, HEAD, OPTIONS"),
    }
    for who, (items_allow, item_allow) in expected.items():
        client.force_login(users[who])
        assert client.options("/ogc/collections/plots/items")["Allow"] == items_allow, who
        assert client.options(f"/ogc/collections/plots/items/{plot.pk}")["Allow"] == item_allow, who
    client.force_login(users["officer_nangarhar"])
    refused = client.patch(
        f"/ogc/collections/plots/items/{plot.pk}",
        {"properties": {"status": "planned"}},
        content_type="application/json",
    )
    assert refused.status_code == 403


def test_http_basic_works_and_anonymous_is_asked_to_log_in(client, users, layout):
    users["gis"].set_password("basic-pass-1")
    users["gis"].save()
    token = base64.b64encode(b"gis:basic-pass-1").decode()
    assert client.get("/ogc/collections", headers={"Authorization": f"Basic {token}"}).status_code == 200
    anonymous = client.get("/ogc/collections/plots/items")
    assert anonymous.status_code == 401 and anonymous["WWW-Authenticate"].startswith("Basic")


def test_an_officer_sees_only_the_townships_of_their_provinces(client, users, layout):
    client.force_login(users["officer_herat"])
    assert client.get("/ogc/collections/plots/items").json()["numberReturned"] == 0


def test_a_write_that_is_not_json_is_refused_so_no_cross_site_form_can_edit(gis, layout, frame):
    body = json.dumps(feature(frame, 0, "20"))
    form_like = gis.post("/ogc/collections/plots/items", body, content_type="text/plain")
    assert form_like.status_code == 415 and "application/geo+json" in form_like.json()["detail"]
    assert not Plot.objects.filter(number="20").exists()
