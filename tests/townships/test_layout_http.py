"""Layout import over HTTP: the REST API, the web pages and the management command. Never a 500."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from tests.townships.layout_files import allocate, clean_layout, faulty_layout, truncate, write_layout
from townships.models import LayoutImport, LayoutSource, Plot

API = "/api/v1/layout-imports/"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def gis_client(client, users):
    client.force_login(users["gis"])
    return client


def upload(client, path, township, **fields):
    with open(path, "rb") as f:
        data = {
            "file": f,
            "township": township.code,
            "number_field": "PLOT_NO",
            "block_field": "BLOCK",
            "use_field": "USE",
            **fields,
        }
        return client.post(API, data)


def test_the_api_checks_then_imports(gis_client, township, frame, tmp_path):
    answer = upload(gis_client, write_layout(tmp_path, "gpkg", frame, clean_layout()), township, source="Survey")
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["status"] == "checked" and body["counts"]["added"] == 14 and len(body["sha256"]) == 64
    assert not Plot.objects.exists()
    done = gis_client.post(f"{API}{body['id']}/commit/", {}, content_type="application/json")
    assert done.status_code == 200 and done.json()["status"] == "committed"
    assert Plot.objects.filter(township=township).count() == 14
    listed = gis_client.get(API).json()
    assert listed["results"][0]["id"] == body["id"]


def test_the_api_reports_a_faulty_layout_and_refuses_to_commit_it(gis_client, township, frame, tmp_path):
    body = upload(gis_client, write_layout(tmp_path, "geojson", frame, faulty_layout(), srid=4326), township).json()
    assert body["status"] == "rejected"
    assert set(body["counts"]["reasons"]) == {"self_intersection", "overlap", "outside_township", "duplicate_number"}
    messages = [p["message"] for f in body["report"]["features"] for p in f["problems"]]
    assert any("crosses itself" in m for m in messages)
    refused = gis_client.post(f"{API}{body['id']}/commit/", {}, content_type="application/json")
    assert refused.status_code == 409 and not Plot.objects.exists()
    problems = gis_client.get(body["problems_url"])
    assert problems.status_code == 200 and problems["Content-Type"] == "application/geopackage+sqlite3"
    assert b"SQLite format 3" in b"".join(problems.streaming_content)[:100]


@pytest.mark.parametrize("fmt", ["gpkg", "shp", "geojson", "kml", "dxf"])
def test_the_api_answers_a_truncated_file_with_a_clear_400(gis_client, township, frame, tmp_path, fmt):
    cut = truncate(write_layout(tmp_path, fmt, frame, clean_layout()), keep=0.3)
    named = cut.with_name("cut" + cut.suffix)
    cut.rename(named)
    answer = upload(gis_client, named, township, srid=32642)
    assert answer.status_code == 400, answer.content
    assert answer.json()["detail"]


def test_the_api_refuses_a_file_without_crs_and_says_how_to_fix_it(gis_client, township, frame, tmp_path):
    path = write_layout(tmp_path, "shp", frame, clean_layout(), declare_crs=False)
    answer = upload(gis_client, path, township)
    assert answer.status_code == 400 and "srid" in answer.json()["detail"]
    assert upload(gis_client, path, township, srid=32642).status_code == 201


def test_the_api_refuses_an_oversized_upload_before_reading_it(gis_client, township, frame, tmp_path, settings):
    path = write_layout(tmp_path, "gpkg", frame, clean_layout())
    settings.LANDREG_MAX_UPLOAD_BYTES = 5000
    answer = upload(gis_client, path, township)
    assert answer.status_code == 413 and "limit" in answer.json()["detail"]


def test_the_api_moves_an_allocated_plot_only_when_confirmed(
    gis_client, users, township, frame, tmp_path, make_household
):
    first = upload(gis_client, write_layout(tmp_path / "1", "gpkg", frame, clean_layout()), township).json()
    gis_client.post(f"{API}{first['id']}/commit/", {}, content_type="application/json")
    allocate(Plot.objects.get(number="2"), make_household(), users["officer_nangarhar"])
    edited = clean_layout()
    edited[1] = ("2", "A", "residential", [(20, 0), (40, 0), (40, 24), (20, 24), (20, 0)])
    second = upload(gis_client, write_layout(tmp_path / "2", "gpkg", frame, edited), township).json()
    assert second["status"] == "needs_confirmation" and second["report"]["allocated_moves"] == ["2"]
    refused = gis_client.post(f"{API}{second['id']}/commit/", {}, content_type="application/json")
    assert refused.status_code == 409 and "allocation" in refused.json()["detail"]
    done = gis_client.post(
        f"{API}{second['id']}/commit/", {"confirm_allocated_moves": True}, content_type="application/json"
    )
    assert done.status_code == 200 and done.json()["confirmed_allocated_moves"]


@pytest.mark.parametrize("use_values", [{"RES": {}}, {"RES": []}, {"RES": 1}])
def test_the_api_refuses_use_values_that_are_not_text(gis_client, township, frame, tmp_path, use_values):
    """A use written as an object, a list or a number is a 400 that says so, never a 500."""
    answer = upload(
        gis_client, write_layout(tmp_path, "gpkg", frame, clean_layout()), township, use_values=json.dumps(use_values)
    )
    assert answer.status_code == 400, answer.content
    assert "as text" in str(answer.json()) and "RES" in str(answer.json())
    assert not LayoutImport.objects.exists()


def test_the_api_still_maps_use_values_written_as_text(gis_client, township, frame, tmp_path):
    answer = upload(
        gis_client,
        write_layout(tmp_path, "gpkg", frame, clean_layout()),
        township,
        use_values=json.dumps({"RES": "residential"}),
    )
    assert answer.status_code == 201, answer.content
    assert answer.json()["mapping"]["use_values"] == {"RES": "residential"}
    refused = upload(
        gis_client, write_layout(tmp_path / "2", "gpkg", frame, clean_layout()), township, use_values='{"RES": "x"}'
    )
    assert refused.status_code == 400 and "residential" in str(refused.json())


def test_the_api_parses_uploads_with_the_projects_parsers(gis_client, township, frame, tmp_path):
    """A NUL character in a form field is refused by the parser, naming the field, before the file is kept."""
    answer = upload(gis_client, write_layout(tmp_path, "gpkg", frame, clean_layout()), township, source="Sur\x00vey")
    assert answer.status_code == 400, answer.content
    assert "NUL" in answer.json()["detail"] and "source" in answer.json()["detail"]
    assert not LayoutImport.objects.exists() and not LayoutSource.objects.exists()


def test_a_land_officer_may_not_import(client, users, township, frame, tmp_path):
    client.force_login(users["officer_nangarhar"])
    answer = upload(client, write_layout(tmp_path, "gpkg", frame, clean_layout()), township)
    assert answer.status_code == 403
    assert client.get("/layouts/").status_code == 403


@pytest.mark.django_db(transaction=True)  # the import streams from its own thread and database connection
def test_the_web_pages_map_check_and_import(gis_client, township, frame, tmp_path):
    page = gis_client.get("/layouts/")
    assert page.status_code == 200 and b"Import a township layout" in page.content
    path = write_layout(tmp_path, "dxf", frame, clean_layout(), srid=32642, declare_crs=False)
    with open(path, "rb") as f:
        answer = gis_client.post("/layouts/", {"township": township.pk, "file": f, "source": "Ariana"})
    assert answer.status_code == 302 and answer["Location"] == "/layouts/mapping/"
    mapping = gis_client.get("/layouts/mapping/")
    assert b"declares no coordinate reference system" in mapping.content
    answer = gis_client.post("/layouts/mapping/", {"number_field": "Text", "block_field": "Layer", "srid": "32642"})
    assert answer.status_code == 302
    checked = LayoutImport.objects.get()
    assert answer["Location"] == f"/layouts/{checked.pk}/"
    report = gis_client.get(answer["Location"])
    assert b"14 features: 14 valid" in report.content
    streamed = gis_client.post(f"/layouts/{checked.pk}/commit/")
    text = b"".join(streamed.streaming_content).decode()
    assert 'id="import-done"' in text and "14 plots added" in text, text
    assert Plot.objects.filter(township=township).count() == 14
    # The same source's next file is checked as soon as it is uploaded.
    assert LayoutSource.objects.get(name="Ariana").stated_srid == 32642
    with open(path, "rb") as f:
        again = gis_client.post("/layouts/", {"township": township.pk, "file": f, "source": "Ariana"})
    assert again.status_code == 302 and again["Location"].startswith("/layouts/") and "mapping" not in again["Location"]
    assert b"14 unchanged" in gis_client.get(again["Location"]).content


def test_the_web_page_answers_a_corrupt_file_with_a_sentence(gis_client, township, tmp_path):
    path = tmp_path / "plots.gpkg"
    path.write_bytes(b"SQLite format 3\0" + b"\x00" * 3000)
    with open(path, "rb") as f:
        answer = gis_client.post("/layouts/", {"township": township.pk, "file": f})
    assert answer.status_code == 200 and b"could not be read as GeoPackage" in answer.content


def test_the_web_page_refuses_an_oversized_upload(gis_client, township, frame, tmp_path, settings):
    path = write_layout(tmp_path, "gpkg", frame, clean_layout())
    settings.LANDREG_MAX_UPLOAD_BYTES = 5000
    with open(path, "rb") as f:
        answer = gis_client.post("/layouts/", {"township": township.pk, "file": f})
    assert answer.status_code == 413 and b"limit" in answer.content


def test_the_command_checks_and_imports(township, frame, users, tmp_path):
    path = write_layout(tmp_path, "shp", frame, clean_layout(), srid=4326)
    out = io.StringIO()
    args = [
        str(path),
        "--township",
        township.code,
        "--user",
        "gis",
        "--number-field",
        "PLOT_NO",
        "--block-field",
        "BLOCK",
        "--use-field",
        "USE",
        "--source",
        "Partner",
    ]
    call_command("import_layout", *args, stdout=out)
    assert "14 features: 14 valid" in out.getvalue() and not Plot.objects.exists()
    call_command(
        "import_layout",
        str(path),
        "--township",
        township.code,
        "--user",
        "gis",
        "--source",
        "Partner",
        "--commit",
        stdout=out,
    )
    assert "14 added" in out.getvalue() and Plot.objects.count() == 14


def test_the_command_refuses_a_faulty_layout_and_writes_the_problems(township, frame, users, tmp_path):
    path = write_layout(tmp_path, "gpkg", frame, faulty_layout())
    out = io.StringIO()
    with pytest.raises(CommandError, match="Nothing imported"):
        call_command(
            "import_layout",
            str(path),
            "--township",
            township.code,
            "--user",
            "gis",
            "--number-field",
            "PLOT_NO",
            "--block-field",
            "BLOCK",
            "--commit",
            "--report",
            str(tmp_path / "p.gpkg"),
            stdout=out,
        )
    assert "crosses itself" in out.getvalue() and (tmp_path / "p.gpkg").exists() and not Plot.objects.exists()


def test_the_command_says_how_to_state_a_crs(township, frame, users, tmp_path):
    path = write_layout(tmp_path, "dxf", frame, clean_layout(), declare_crs=False)
    with pytest.raises(CommandError, match="--srid"):
        call_command("import_layout", str(path), "--township", township.code, "--user", "gis", "--number-field", "Text")


def test_an_upload_growing_past_the_limit_is_stopped_while_streaming(settings, rf):
    """A client whose Content-Length is missing or wrong is stopped by the upload handler as the bytes arrive (the
    one handler both faces put first: landreg.uploads)."""
    from django.core.files.uploadhandler import StopUpload

    from api.rest.layout_imports import UploadLimit as api_handler
    from landreg.uploads import UploadLimit
    from webmap.layouts.views import UploadLimit as page_handler

    assert api_handler is page_handler is UploadLimit
    settings.LANDREG_MAX_UPLOAD_BYTES = 100_000
    request = rf.post("/layouts/")
    handler = UploadLimit(request)
    assert handler.receive_data_chunk(b"x" * 60_000, 0) == b"x" * 60_000
    with pytest.raises(StopUpload):
        handler.receive_data_chunk(b"x" * 60_000, 60_000)
    assert request.layout_upload_too_large


@pytest.mark.django_db(transaction=True)  # the import streams from its own thread and database connection
def test_the_web_page_lists_allocated_plots_and_moves_them_only_when_confirmed(
    gis_client, users, township, frame, tmp_path, make_household
):
    first = upload(gis_client, write_layout(tmp_path / "1", "gpkg", frame, clean_layout()), township).json()
    gis_client.post(f"{API}{first['id']}/commit/", {}, content_type="application/json")
    allocate(Plot.objects.get(number="2"), make_household(), users["officer_nangarhar"])
    edited = clean_layout()
    edited[1] = ("2", "A", "residential", [(20, 0), (40, 0), (40, 24), (20, 24), (20, 0)])
    second = upload(gis_client, write_layout(tmp_path / "2", "gpkg", frame, edited), township).json()
    report = gis_client.get(f"/layouts/{second['id']}/").content.decode()
    assert 'id="allocated-moves"' in report and 'name="confirm_allocated_moves"' in report
    refused = b"".join(gis_client.post(f"/layouts/{second['id']}/commit/").streaming_content).decode()
    assert "Nothing was written" in refused and "allocation" in refused
    assert Plot.objects.get(number="2").area_m2 == 500
    done = gis_client.post(f"/layouts/{second['id']}/commit/", {"confirm_allocated_moves": "yes"})
    assert "0 plots added, 1 changed" in b"".join(done.streaming_content).decode()
    assert Plot.objects.get(number="2").area_m2 == 480
