"""Water points, roads and services uploaded through the API (POST /api/v1/planning/access-layers/) and the rasters
page: each kind of layer and file, the import's report, the refusals (role, province, bad file, hostile file name,
wrong layer, too large, a feature outside the province) with a sentence and nothing written; and the page in a real
browser in English and Dari (tests/artifacts/planning-access-{en,fa}.png)."""

import json
import shutil
import subprocess
import threading
import zipfile
from pathlib import Path

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from landreg import roles
from landreg.services import user_create
from planning.models import Road, ServicePoint, WaterPoint
from tests.api.test_schemathesis import (  # noqa: F401 - the fuzzing's fixtures
    api_schema,
    fuzz,
    in_process,
    landscape,
    quiet_request_log,
)
from tests.clients.conftest import CHROMIUM

pytestmark = pytest.mark.django_db
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
API = "/api/v1/planning/access-layers/"


def box(west, south, east, north):
    return MultiPolygon(Polygon.from_bbox((west, south, east, north)), srid=4326)


@pytest.fixture
def bounded(provinces):
    """Nangarhar and Herat with (rough, rectangular) boundaries, so the database can tell inside from outside."""
    provinces["nangarhar"].geom = box(70.0, 33.9, 71.5, 34.9)
    provinces["nangarhar"].save()
    provinces["herat"].geom = box(61.0, 33.5, 63.0, 35.0)
    provinces["herat"].save()
    return provinces


@pytest.fixture
def gis_herat(bounded, users):
    return user_create(username="gis.h", password="x", roles=[roles.GIS_SPECIALIST], provinces=[bounded["herat"]])


def geojson_bytes(features) -> bytes:
    return json.dumps(
        {
            "type": "FeatureCollection",
            "features": [{"type": "Feature", "properties": props, "geometry": geom} for props, geom in features],
        }
    ).encode()


def pt(lon, lat):
    return {"type": "Point", "coordinates": [lon, lat]}


WELLS = geojson_bytes(
    [
        ({"type": "Well", "name": "W1", "status": "functional"}, pt(70.50, 34.40)),
        ({"type": "tap", "name": "T1", "status": "broken"}, pt(70.51, 34.40)),
        ({"type": "", "name": "R1"}, pt(70.52, 34.40)),
    ]
)
ROADS_KML = (
    b'<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
    b'<Placemark><name>Main</name><ExtendedData><Data name="class"><value>paved</value></Data></ExtendedData>'
    b"<LineString><coordinates>70.50,34.40,560 70.52,34.41,570</coordinates></LineString></Placemark>"
    b"<Placemark><name>Tracks</name><MultiGeometry>"
    b"<LineString><coordinates>70.50,34.42,0 70.51,34.42,0</coordinates></LineString>"
    b"<LineString><coordinates>70.51,34.42,0 70.51,34.43,0</coordinates></LineString>"
    b"</MultiGeometry></Placemark></Document></kml>"
)
SERVICES = geojson_bytes(
    [({"kind": "school", "name": "S"}, pt(70.5, 34.4)), ({"kind": "Clinic", "name": "C"}, pt(70.6, 34.4))]
)


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def nothing_written():
    return not (WaterPoint.objects.exists() or Road.objects.exists() or ServicePoint.objects.exists())


# --- the API ----------------------------------------------------------------------------------------------------


def test_the_api_imports_water_points_and_answers_the_report(client, bounded, users):
    client.force_login(users["gis"])
    answer = client.post(
        API,
        {
            "file": upload("wells.geojson", WELLS),
            "layer": "water_points",
            "province": "AF06",
            "kind_field": "type",
            "default_kind": "reservoir",
            "name_field": "name",
            "status_field": "status",
        },
    )
    assert answer.status_code == 201, answer.content
    assert answer.json() == {
        "layer": "water_points",
        "province": "AF06",
        "file_name": "wells.geojson",
        "source": "wells.geojson",
        "imported": 3,
        "held": {"water_points": 3, "functional_water_points": 2, "roads": 0, "services": 0},
    }
    assert sorted(WaterPoint.objects.values_list("name", "kind", "functional", "source")) == [
        ("R1", "reservoir", True, "wells.geojson"),
        ("T1", "tap", False, "wells.geojson"),
        ("W1", "well", True, "wells.geojson"),
    ]


def test_the_api_imports_roads_from_kml_with_a_source(client, bounded, users):
    client.force_login(users["admin"])
    answer = client.post(
        API,
        {
            "file": upload("roads.kml", ROADS_KML),
            "layer": "roads",
            "province": "AF06",
            "kind_field": "class",
            "default_kind": "track",
            "name_field": "Name",
            "source": "Provincial roads survey 2025",
        },
    )
    assert answer.status_code == 201, answer.content
    report = answer.json()
    assert report["imported"] == 3 and report["held"]["roads"] == 3  # the multi-part road is two roads
    assert Road.objects.filter(road_class="track").count() == 2
    assert set(Road.objects.values_list("source", flat=True)) == {"Provincial roads survey 2025"}


@pytest.mark.skipif(not shutil.which("ogr2ogr"), reason="needs GDAL's ogr2ogr")
def test_the_api_imports_services_from_a_geopackage_and_a_zipped_shapefile(client, bounded, users, tmp_path):
    source = tmp_path / "services.geojson"
    source.write_bytes(SERVICES)
    gpkg = tmp_path / "services.gpkg"
    subprocess.run(["ogr2ogr", "-f", "GPKG", str(gpkg), str(source)], check=True)
    shp = tmp_path / "shp"
    subprocess.run(["ogr2ogr", "-f", "ESRI Shapefile", str(shp), str(source)], check=True)
    (shp / "services.prj").unlink()
    archive = tmp_path / "services.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for part in shp.iterdir():
            z.write(part, part.name)
    client.force_login(users["gis"])
    fields = {"layer": "services", "province": "AF06", "kind_field": "kind", "name_field": "name"}
    answer = client.post(API, {**fields, "file": upload("services.gpkg", gpkg.read_bytes())})
    assert answer.status_code == 201 and answer.json()["imported"] == 2
    no_crs = client.post(API, {**fields, "file": upload("services.zip", archive.read_bytes())})
    assert no_crs.status_code == 400 and "declares no coordinate reference system" in no_crs.json()["detail"]
    assert ServicePoint.objects.count() == 2  # nothing more
    stated = client.post(API, {**fields, "srid": 4326, "file": upload("services.zip", archive.read_bytes())})
    assert stated.status_code == 201 and stated.json()["held"]["services"] == 4


def test_the_api_refuses_roles_that_may_not_import_and_provinces_outside_the_users(client, bounded, users, gis_herat):
    fields = {"layer": "water_points", "province": "AF06", "default_kind": "well"}
    for who in (users["officer_nangarhar"], users["committee"], users["partner"]):
        client.force_login(who)
        refused = client.post(API, {**fields, "file": upload("wells.geojson", WELLS)})
        assert refused.status_code == 403
        assert "Only a GIS specialist or an administrator" in refused.json()["detail"]
    client.force_login(gis_herat)
    refused = client.post(API, {**fields, "file": upload("wells.geojson", WELLS)})
    assert refused.status_code == 403 and "outside your provinces" in refused.json()["detail"]
    client.logout()
    assert client.post(API, {**fields, "file": upload("wells.geojson", WELLS)}).status_code in (401, 403)
    assert nothing_written()


def test_the_api_refuses_bad_input_with_a_sentence_and_writes_nothing(client, bounded, users):
    client.force_login(users["gis"])
    fields = {"layer": "water_points", "province": "AF06", "default_kind": "well"}

    def refused(**changes):
        answer = client.post(API, {**fields, **changes})
        assert answer.status_code == 400, answer.content
        return json.dumps(answer.json(), ensure_ascii=False)

    assert "could not be read as GeoJSON" in refused(file=upload("junk.geojson", b"{ not json"))
    assert "Send a GeoPackage" in refused(file=upload("wells.exe", WELLS))
    assert "Send a GeoPackage" in refused(file=upload("wells.vrt", WELLS))
    assert "The layer is one of water_points, roads, services" in refused(
        file=upload("wells.geojson", WELLS), layer="water"
    )
    assert "No province has the p-code “AF99”" in refused(file=upload("wells.geojson", WELLS), province="AF99")
    assert "GDAL knows" in refused(file=upload("wells.geojson", WELLS), srid=999999)
    line = geojson_bytes([({}, {"type": "LineString", "coordinates": [[70.5, 34.4], [70.6, 34.4]]})])
    assert "Feature 1 is a LineString; the water layer holds Point" in refused(file=upload("l.geojson", line))
    canal = geojson_bytes([({"type": "well"}, pt(70.5, 34.4)), ({"type": "canal"}, pt(70.5, 34.4))])
    assert "Feature 2: “canal” is not one of" in refused(file=upload("c.geojson", canal), kind_field="type")
    assert "holds no features" in refused(file=upload("empty.geojson", geojson_bytes([])))
    assert nothing_written()


def test_a_feature_outside_the_province_refuses_the_whole_file(client, bounded, users):
    client.force_login(users["gis"])
    mixed = geojson_bytes([({"name": "in"}, pt(70.5, 34.4)), ({"name": "in Herat"}, pt(62.2, 34.35))])
    answer = client.post(
        API,
        {"file": upload("mixed.geojson", mixed), "layer": "water_points", "province": "AF06", "default_kind": "well"},
    )
    assert answer.status_code == 400
    assert "must lie in its province" in answer.json()["detail"] and "Nangarhar (AF06)" in answer.json()["detail"]
    assert nothing_written()


def test_a_hostile_file_name_is_reduced_to_a_plain_one(client, bounded, users):
    client.force_login(users["gis"])
    hostile = '<img src=x onerror="alert(1)">;rm -rf ~;' + "x" * 300 + ".GeoJSON"
    answer = client.post(
        API, {"file": upload(hostile, WELLS), "layer": "water_points", "province": "AF06", "default_kind": "well"}
    )
    assert answer.status_code == 201, answer.content
    name = answer.json()["file_name"]
    assert name.endswith(".geojson") and len(name) <= 90
    assert set(name) <= set("abcdefghijklmnopqrstuvwxyz0123456789_-.")
    assert set(WaterPoint.objects.values_list("source", flat=True)) == {name}
    back_to_front = client.post(
        API,
        {"file": upload("..\\..\\etc\\passwd.kml", b"not a KML"), "layer": "roads", "province": "AF06"},
    )
    assert back_to_front.status_code == 400  # refused, read only as KML, and the path never shown
    detail = back_to_front.json()["detail"]
    assert detail.startswith("The file could not be read as KML") and "etc" not in detail


def test_an_upload_over_the_limit_is_refused_unread(client, bounded, users, settings):
    settings.LANDREG_MAX_UPLOAD_BYTES = 2000
    client.force_login(users["gis"])
    big = geojson_bytes([({"name": f"W{i}"}, pt(70.5, 34.4)) for i in range(100)])
    answer = client.post(
        API, {"file": upload("big.geojson", big), "layer": "water_points", "province": "AF06", "default_kind": "well"}
    )
    assert answer.status_code == 413 and "upload limit" in answer.json()["detail"]
    assert nothing_written()


def test_the_schema_describes_the_upload(client, users):
    client.force_login(users["admin"])
    schema = client.get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/planning/access-layers/"]["post"]
    assert "multipart/form-data" in operation["requestBody"]["content"]
    assert {"201", "400", "403"} <= set(operation["responses"])


def test_no_generated_upload_answers_a_server_error(api_schema, landscape, users, quiet_request_log):  # noqa: F811
    """Schemathesis on this one operation, as the GIS specialist who may import (tests/api/test_schemathesis.py runs
    every operation; this one also gets the boundary cases)."""
    operation = api_schema.include(path=API, method="POST")
    errors = fuzz(operation, landscape, role="gis_specialist", user=users["gis"], boundary_cases=30)
    assert errors.sent > 20
    assert not errors.found, errors.report()


# --- the page ---------------------------------------------------------------------------------------------------

PAGE = "/planning/rasters/"
UPLOAD = "/planning/rasters/access-layers/"


def test_the_page_lists_what_the_provinces_hold_and_offers_the_form_to_importers(client, bounded, users):
    WaterPoint.objects.create(province=bounded["nangarhar"], kind="well", functional=False, geom="POINT(70.5 34.4)")
    ServicePoint.objects.create(province=bounded["herat"], kind="school", geom="POINT(62.2 34.35)")
    client.force_login(users["officer_nangarhar"])
    text = client.get(PAGE).content.decode()
    assert 'id="access-counts"' in text and 'id="access-upload"' not in text
    assert "Nangarhar</strong>: water points: 1 (0 functional); roads: 0; services: 0" in text
    assert "Herat" not in text  # not in the officer's provinces
    client.force_login(users["gis"])
    text = client.get(PAGE).content.decode()
    assert 'id="access-upload"' in text and reverse("planning-access-upload") in text
    assert "Herat</strong>: water points: 0 (0 functional); roads: 0; services: 1" in text


@pytest.mark.parametrize(
    ("layer", "name", "content", "fields", "model", "sentence"),
    [
        ("water", "wells.geojson", WELLS, {"kind_field": "type", "default_kind": "well"}, WaterPoint, "3 water points"),
        ("road", "roads.kml", ROADS_KML, {"kind_field": "class", "default_kind": "track"}, Road, "3 roads"),
        ("service", "services.geojson", SERVICES, {"kind_field": "kind"}, ServicePoint, "2 services"),
    ],
)
def test_the_page_imports_each_kind_and_shows_the_report(
    client, bounded, users, layer, name, content, fields, model, sentence
):
    client.force_login(users["gis"])
    answer = client.post(
        UPLOAD, {"file": upload(name, content), "layer": layer, "province": bounded["nangarhar"].pk, **fields}
    )
    assert answer.status_code == 302 and answer["Location"].endswith("/planning/rasters/#access-layers")
    assert model.objects.filter(province=bounded["nangarhar"]).exists()
    text = client.get(PAGE).content.decode()
    assert f"{sentence} imported into Nangarhar from {name}." in text
    assert f"{sentence} imported" not in client.get(PAGE).content.decode()  # shown once


def test_the_page_report_is_in_dari(client, bounded, users):
    client.force_login(users["gis"])
    answer = client.post(
        UPLOAD,
        {
            "file": upload("wells.geojson", WELLS),
            "layer": "water",
            "province": bounded["nangarhar"].pk,
            "default_kind": "well",
        },
    )
    assert answer.status_code == 302
    client.cookies["django_language"] = "fa"
    text = client.get(PAGE, HTTP_ACCEPT_LANGUAGE="fa").content.decode()
    assert 'dir="rtl"' in text
    report = text.split('id="access-report"')[1].split("</div>")[0]
    assert "ننگرهار" in report and "۳" in report  # the province's Dari name, the count in Dari digits


def test_the_page_refuses_roles_provinces_and_bad_files_and_writes_nothing(client, bounded, users, gis_herat):
    nangarhar = bounded["nangarhar"].pk
    client.force_login(users["officer_nangarhar"])
    answer = client.post(UPLOAD, {"file": upload("w.geojson", WELLS), "layer": "water", "province": nangarhar})
    assert answer.status_code == 403
    client.force_login(gis_herat)
    answer = client.post(UPLOAD, {"file": upload("w.geojson", WELLS), "layer": "water", "province": nangarhar})
    assert answer.status_code == 400 and "Select a valid choice" in answer.content.decode()
    client.force_login(users["gis"])
    for changes, sentence in [
        ({"file": upload("junk.geojson", b"{ not json")}, "could not be read as GeoJSON"),
        ({"file": upload("w.dxf", WELLS)}, "Send a GeoPackage"),
        ({"layer": "plots"}, "Select a valid choice"),
        ({"file": upload("mixed.geojson", geojson_bytes([({}, pt(62.2, 34.35))]))}, "must lie in its province"),
    ]:
        data = {"file": upload("w.geojson", WELLS), "layer": "water", "province": nangarhar, "default_kind": "well"}
        answer = client.post(UPLOAD, {**data, **changes})
        assert answer.status_code == 400, changes
        assert sentence in answer.content.decode()
        assert 'id="access-upload"' in answer.content.decode()  # the form again, to correct
    assert nothing_written()


def test_the_page_escapes_and_reduces_a_hostile_file_name(client, bounded, users):
    client.force_login(users["gis"])
    hostile = upload('<script>alert("x")</script>.geojson', b"{ not json")
    answer = client.post(UPLOAD, {"file": hostile, "layer": "water", "province": bounded["nangarhar"].pk})
    text = answer.content.decode()
    assert answer.status_code == 400 and "could not be read as GeoJSON" in text
    assert "<script>alert" not in text and "&lt;script&gt;" not in text  # reduced, not only escaped


def test_the_page_refuses_an_upload_over_the_limit(client, bounded, users, settings):
    settings.LANDREG_MAX_UPLOAD_BYTES = 2000
    client.force_login(users["gis"])
    big = geojson_bytes([({"name": f"W{i}"}, pt(70.5, 34.4)) for i in range(100)])
    answer = client.post(
        UPLOAD, {"file": upload("big.geojson", big), "layer": "water", "province": bounded["nangarhar"].pk}
    )
    assert answer.status_code == 413 and "upload limit" in answer.content.decode()
    assert nothing_written()


def test_a_get_of_the_upload_address_goes_back_to_the_page(client, users):
    client.force_login(users["gis"])
    assert client.get(UPLOAD)["Location"] == PAGE
    client.force_login(users["officer_nangarhar"])
    assert client.get(UPLOAD).status_code == 403


# --- in a real browser ------------------------------------------------------------------------------------------


def in_chromium(steps) -> None:
    """steps(page) in Debian's Chromium, under a Playwright of its own thread. One thread holds one Playwright, and
    tests/clients' session-wide browser, once another module has started it, lives on in this one to the end."""
    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    failed = []

    def run():
        try:
            with sync_playwright() as playwright:
                chromium = playwright.chromium.launch(
                    executable_path=CHROMIUM,
                    args=["--no-sandbox", "--disable-background-networking", "--disable-component-update"],
                )
                try:
                    steps(chromium.new_context(viewport={"width": 1280, "height": 900}).new_page())
                finally:
                    chromium.close()
        except BaseException as exc:  # noqa: BLE001 - raised again in the test's thread
            failed.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if failed:
        raise failed[0]


@pytest.mark.django_db(transaction=True)
def test_a_gis_specialist_uploads_water_points_in_the_browser(live_server, bounded, users, tmp_path):
    ARTIFACTS.mkdir(exist_ok=True)
    wells = tmp_path / "wells.geojson"
    wells.write_bytes(WELLS)
    nangarhar = str(bounded["nangarhar"].pk)

    def steps(page):
        problems = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on(
            "request",
            lambda r: problems.append(r.url) if not r.url.startswith((live_server.url, "data:", "blob:")) else None,
        )
        page.goto(f"{live_server.url}{PAGE}")
        page.fill("#id_username", "gis")
        page.fill("#id_password", "x")
        with page.expect_navigation():
            page.click("input[type=submit]")
        page.select_option("#access-upload select[name=layer]", "water")
        page.select_option("#access-upload select[name=province]", nangarhar)
        page.set_input_files("#access-upload input[name=file]", str(wells))
        page.fill("#access-upload input[name=kind_field]", "type")
        page.fill("#access-upload input[name=default_kind]", "reservoir")
        page.fill("#access-upload input[name=name_field]", "name")
        page.fill("#access-upload input[name=status_field]", "status")
        with page.expect_navigation():
            page.click("#access-upload button")
        report = page.locator("#access-report").inner_text()
        assert "3 water points imported into Nangarhar from wells.geojson." in report
        assert "water points: 3 (2 functional)" in page.locator("#access-counts").inner_text()
        page.screenshot(path=str(ARTIFACTS / "planning-access-en.png"), full_page=True)
        with page.expect_navigation():
            page.select_option("select[name=language]", "fa")
        assert page.locator("html").get_attribute("dir") == "rtl"
        assert "ننگرهار" in page.locator("#access-counts").inner_text()
        page.screenshot(path=str(ARTIFACTS / "planning-access-fa.png"), full_page=True)
        assert not problems, problems

    in_chromium(steps)
    assert WaterPoint.objects.count() == 3
