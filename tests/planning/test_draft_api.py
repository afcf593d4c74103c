"""The layout draft API (/api/v1/planning/…): who may draft, bad input as a 400 with a sentence, the commit."""

import json

import pytest
from django.contrib.gis.geos import MultiPolygon

from parcels.models import LandParcel
from townships import services as township_services
from townships.models import Block, LayoutImport, Plot


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Drafts, their GeoPackages and the import's kept files go to a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def site(provinces, frame):
    outline = frame.ring([(0, 0), (300, 10), (320, 200), (-10, 220)])
    parcel = LandParcel.objects.create(
        reference="NAN-LP-88", province=provinces["nangarhar"], geom=MultiPolygon(outline)
    )
    township = township_services.township_create(
        code="NAN-API",
        name="API township",
        province=provinces["nangarhar"],
        legal_basis="decree_305_2018",
        geom=MultiPolygon(frame.rect(-40, -20, 400, 300)),
    )
    return parcel, township


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_a_gis_specialist_drafts_downloads_and_commits(client, users, site):
    parcel, township = site
    client.force_login(users["gis"])
    answer = post(client, f"/api/v1/planning/parcels/{parcel.pk}/drafts/", {"township": "NAN-API", "setback_m": 4})
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["status"] == "checked"
    assert body["figures"]["plots"] == body["counts"]["added"] - body["figures"]["reserve_blocks"]
    assert body["parameters"]["setback_m"] == 4
    gpkg = client.get(body["geopackage_url"])
    assert gpkg.status_code == 200 and b"".join(gpkg.streaming_content)[:16] == b"SQLite format 3\x00"
    report = client.get(f"/api/v1/layout-imports/{body['layout_import']}/")
    assert report.json()["source"] == "Layout draft (landreg)"
    done = client.post(f"/api/v1/planning/drafts/{body['layout_import']}/commit/")
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "committed"
    assert Plot.objects.filter(township=township).count() == body["counts"]["added"]
    again = client.post(f"/api/v1/planning/drafts/{body['layout_import']}/commit/")
    assert again.status_code == 400 and "already been imported" in again.json()["detail"]


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"township": "NAN-API", "setback_m": -3}, "cannot be negative"),
        ({"township": "NAN-API", "road_width_m": "wide"}, "not a number"),
        ({"township": "NAN-API", "plot_biswa": 100, "setback_m": 60}, "Not a single whole"),
        ({"township": "NAN-API", "colour": "red"}, "Unknown parameters: colour"),
        ({"township": "NAN-API", "exclude": {"type": "Point", "coordinates": [70.5, 34.4]}}, "not a Point"),
        ({"township": "NAN-API", "exclude": "garbage"}, "not a GeoJSON geometry"),
        ({"township": "NOPE"}, "NAN-API"),
    ],
)
def test_bad_input_is_a_400_with_a_sentence_and_nothing_kept(client, users, site, body, words):
    parcel, _township = site
    client.force_login(users["gis"])
    answer = post(client, f"/api/v1/planning/parcels/{parcel.pk}/drafts/", body)
    assert answer.status_code == 400
    assert words in answer.json()["detail"]
    assert not LayoutImport.objects.exists()


def test_a_body_that_is_not_json_is_a_400(client, users, site):
    parcel, _township = site
    client.force_login(users["gis"])
    answer = client.post(f"/api/v1/planning/parcels/{parcel.pk}/drafts/", "[1, 2", content_type="application/json")
    assert answer.status_code == 400


def test_a_land_officer_may_not_draft_and_another_province_sees_no_parcel(client, users, site, provinces):
    parcel, _township = site
    client.force_login(users["officer_nangarhar"])
    assert post(client, f"/api/v1/planning/parcels/{parcel.pk}/drafts/", {"township": "NAN-API"}).status_code == 403
    from landreg import roles
    from landreg.services import user_create

    herat = user_create(username="gis.h", password="x", roles=[roles.GIS_SPECIALIST], provinces=[provinces["herat"]])
    client.force_login(herat)
    assert post(client, f"/api/v1/planning/parcels/{parcel.pk}/drafts/", {"township": "NAN-API"}).status_code == 404
    client.logout()
    assert post(client, f"/api/v1/planning/parcels/{parcel.pk}/drafts/", {"township": "NAN-API"}).status_code in (
        401,
        403,
    )
    assert not LayoutImport.objects.exists() and not Block.objects.exists()


def test_an_ordinary_layout_import_is_not_a_draft(client, users, site):
    parcel, township = site
    other = LayoutImport.objects.create(
        township=township,
        file_name="x.gpkg",
        sha256="0" * 64,
        size_bytes=1,
        file_format="GeoPackage",
        status="checked",
        created_by=users["gis"],
    )
    client.force_login(users["gis"])
    assert client.get(f"/api/v1/planning/drafts/{other.pk}/").status_code == 404
    assert client.post(f"/api/v1/planning/drafts/{other.pk}/commit/").status_code == 404
