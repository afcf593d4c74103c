"""The field API: every rule answers with a sentence and the right status; retries never duplicate."""

import base64
import io
import json
import uuid
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from allocations.services import allocation_propose
from demo.sample_photos import site_jpeg
from shelters.models import Inspection, OccupancyCheck
from shelters.services import assignment_create
from tests.landreg.test_data_sharing import agreement_create

API = "/api/v1/field"


def basic(username, password="x"):
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()}


def visit(plot, stage, point, key=None, photos=1, seed=0, **extra):
    body = {
        "client_uuid": str(key or uuid.uuid4()),
        "plot": plot.pk,
        "stage": stage,
        "inspected_on": timezone.localdate().isoformat(),
        "result": "pass",
        "lat": point.y,
        "lon": point.x,
        "accuracy_m": "6",
        "checklist": json.dumps({"footing_depth_ok": True}),
        "remarks": "ok",
        "photos": [
            SimpleUploadedFile(f"p{i}.jpg", site_jpeg(lat=point.y, lon=point.x, seed=seed * 10 + i))
            for i in range(photos)
        ],
    }
    body.update(extra)
    return body


def test_an_inspection_is_recorded_once_however_often_it_is_sent(client, project, field_officer, on_plot):
    key = uuid.uuid4()
    first = client.post(
        f"{API}/inspections/", visit(project.plot, "foundation", on_plot, key, seed=1), **basic("field.n")
    )
    assert first.status_code == 201, first.content
    again = client.post(
        f"{API}/inspections/", visit(project.plot, "foundation", on_plot, key, seed=1), **basic("field.n")
    )
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert again.json()["created"] is False and Inspection.objects.count() == 1
    assert client.get(f"{API}/inspections/{key}/", **basic("field.n")).json()["stage"] == "foundation"


def test_the_field_api_needs_a_login(client, project, on_plot):
    assert client.post(f"{API}/inspections/", visit(project.plot, "foundation", on_plot)).status_code in (401, 403)
    assert client.get(f"{API}/assignments/").status_code in (401, 403)


def test_a_stage_out_of_order_is_refused_with_a_sentence(client, project, field_officer, on_plot):
    response = client.post(f"{API}/inspections/", visit(project.plot, "roof", on_plot), **basic("field.n"))
    assert response.status_code == 400
    assert response.json()["codes"] == ["shelter_stages_pass_in_order"]
    assert "pass in order" in response.json()["detail"]


def test_a_visit_away_from_the_plot_is_refused(client, project, field_officer, frame):
    far = frame.rect(10, 300, 1, 1).centroid
    response = client.post(f"{API}/inspections/", visit(project.plot, "foundation", far), **basic("field.n"))
    assert response.status_code == 400 and response.json()["codes"] == ["gps_outside_plot"]


@pytest.mark.parametrize(
    "upload, phrase",
    [
        (lambda p: SimpleUploadedFile("x.jpg", b"not an image at all"), "is not a photo"),
        (lambda p: SimpleUploadedFile("x.jpg", site_jpeg(exif=False, seed=11)), "no EXIF"),
    ],
)
def test_bad_photos_are_refused_through_the_api(client, project, field_officer, on_plot, upload, phrase):
    body = visit(project.plot, "foundation", on_plot, photos=0)
    body["photos"] = [upload(on_plot)]
    response = client.post(f"{API}/inspections/", body, **basic("field.n"))
    assert response.status_code == 400 and phrase in response.json()["detail"]
    assert not Inspection.objects.exists()


def test_an_oversized_photo_is_refused_through_the_api(client, project, field_officer, on_plot, settings):
    settings.LANDREG_MAX_PHOTO_BYTES = 5000
    response = client.post(f"{API}/inspections/", visit(project.plot, "foundation", on_plot), **basic("field.n"))
    assert response.status_code == 400 and "the limit is" in response.json()["detail"]


def test_a_duplicate_photo_is_refused_through_the_api(client, project, field_officer, on_plot):
    assert (
        client.post(
            f"{API}/inspections/", visit(project.plot, "foundation", on_plot, seed=5), **basic("field.n")
        ).status_code
        == 201
    )
    response = client.post(
        f"{API}/inspections/", visit(project.plot, "walls_to_lintel", on_plot, seed=5), **basic("field.n")
    )
    assert response.status_code == 400 and "already submitted" in response.json()["detail"]


def test_a_shelter_needs_an_allocated_plot_through_the_api(client, plots, make_household, users):
    household = make_household()
    proposed = allocation_propose(household=household, plot=plots[2], proposed_by=users["officer_nangarhar"])
    client.force_login(users["officer_nangarhar"])
    response = client.post(
        f"{API}/projects/",
        {"allocation": proposed.pk, "implementing_partner": "NGO", "modality": "in_kind"},
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["codes"] == ["shelter_project_needs_active_allocation"]


def test_a_tranche_is_paid_through_the_api_only_after_its_inspection(client, project, users, field_officer, on_plot):
    tranche = project.tranches.get(stage__code="foundation")
    refused = client.post(
        f"{API}/tranches/{tranche.pk}/pay/", {}, content_type="application/json", **basic("officer.n")
    )
    assert refused.status_code == 400 and refused.json()["codes"] == ["tranche_paid_after_passed_inspection"]
    client.post(f"{API}/inspections/", visit(project.plot, "foundation", on_plot), **basic("field.n"))
    client.force_login(users["officer_nangarhar"])
    paid = client.post(f"{API}/tranches/{tranche.pk}/pay/", {"reference": "H-1"}, content_type="application/json")
    assert paid.status_code == 200 and paid.json()["released_by_inspection"] == Inspection.objects.get().pk


def test_today_s_plots_come_nearest_first(client, project, plots, users, field_officer, frame):
    for plot in plots:
        assignment_create(officer=field_officer, plot=plot, due_on=date.today(), by=users["officer_nangarhar"])
    near_plot_2 = frame.rect(55, 10, 1, 1).centroid
    client.force_login(field_officer)
    body = client.get(f"{API}/assignments/", {"lat": near_plot_2.y, "lon": near_plot_2.x}).json()
    assert [a["plot"]["number"] for a in body["assignments"]] == ["2", "1", "0"]
    card = body["assignments"][2]["plot"]
    assert card["shelter"]["next_stage"] == "foundation" and card["household"]["code"].startswith("HH-")
    assert body["assignments"][0]["plot"]["distance_m"] == 0


def test_a_plot_card_naming_its_household_is_a_logged_view(client, project, field_officer):
    from landreg.models import PersonalDataAccess

    client.force_login(field_officer)
    card = client.get(f"{API}/plots/{project.plot_id}/").json()
    assert card["household"]["code"] == project.household.code
    logged = PersonalDataAccess.objects.get(user=field_officer, action="view")
    assert logged.object_ids == [project.household_id]


def test_a_field_officer_of_another_province_sees_nothing(client, project, provinces, on_plot):
    from landreg import roles
    from landreg.services import user_create

    user_create(username="field.h", password="x", roles=[roles.FIELD_OFFICER], provinces=[provinces["herat"]])
    response = client.post(f"{API}/inspections/", visit(project.plot, "foundation", on_plot), **basic("field.h"))
    assert response.status_code == 404


def test_an_occupancy_check_raises_a_review_through_the_api(client, held, field_officer, on_plot):
    body = {
        "client_uuid": str(uuid.uuid4()),
        "plot": held.plot_id,
        "finding": "usurped",
        "checked_on": timezone.localdate().isoformat(),
        "lat": on_plot.y,
        "lon": on_plot.x,
    }
    response = client.post(f"{API}/occupancy-checks/", body, **basic("field.n"))
    assert response.status_code == 201 and response.json()["review_raised"] is True
    assert client.post(f"{API}/occupancy-checks/", body, **basic("field.n")).status_code == 200
    assert OccupancyCheck.objects.count() == 1


def test_the_township_report(client, project, users, field_officer, on_plot):
    client.post(f"{API}/inspections/", visit(project.plot, "foundation", on_plot), **basic("field.n"))
    client.force_login(users["officer_nangarhar"])
    report = client.get(f"{API}/townships/{project.plot.township_id}/report/").json()
    foundation = next(s for s in report["shelters"]["by_stage"] if s["code"] == "foundation")
    assert foundation["shelters"] == 1 and report["inspections_this_week"]["passed"] == 1
    assert report["tranches"]["due"] == {"count": 1, "amounts": {"AFN": "40000.00"}}
    assert report["tranches"]["not_yet_due"]["count"] == 1
    client.logout()
    assert client.get(f"{API}/townships/{project.plot.township_id}/report/", **basic("officer.h")).status_code == 404


def test_the_xlsforms_download(client, users, db):
    client.force_login(users["officer_nangarhar"])
    response = client.get(f"{API}/forms/inspection.xlsx")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client.get(f"{API}/forms/nothing.xlsx").status_code == 404


def test_an_export_is_imported_through_the_api(client, project, users, field_officer, on_plot):
    import zipfile

    from tests.shelters.test_kobo_import import kobo_row

    row = kobo_row(1, "NAN-TEST/0", "foundation", on_plot.y, on_plot.x)
    media = io.BytesIO()
    with zipfile.ZipFile(media, "w") as archive:
        archive.writestr(f"attachments/{row['photo1']}", site_jpeg(lat=on_plot.y, lon=on_plot.x, seed=4242))
    client.force_login(users["officer_nangarhar"])
    for expected in ({"created": 1, "already_imported": 0}, {"created": 0, "already_imported": 1}):
        media.seek(0)
        response = client.post(
            f"{API}/imports/",
            {
                "form": "inspection",
                "file": SimpleUploadedFile("export.json", json.dumps({"results": [row]}).encode()),
                "attachments": SimpleUploadedFile("media.zip", media.getvalue()),
            },
        )
        assert response.status_code == 200, response.content
        assert {k: response.json()[k] for k in expected} == expected


def test_the_shelter_stage_is_published_in_tiles_and_ogc_without_personal_data(client, project, users, inspect, frame):
    from django.core.cache import cache

    from tests.api.test_tiles import decode, township_tile_url

    cache.clear()
    client.force_login(users["gis"])
    ogc = client.get("/ogc/collections/plots/items?limit=100").json()
    by_number = {f["properties"]["number"]: f["properties"] for f in ogc["features"]}
    assert by_number["0"]["shelter_stage"] == "not_started" and by_number["1"]["shelter_stage"] is None
    before = client.get(township_tile_url(frame, layer="plots", z=16))
    inspect("foundation")
    after = client.get(township_tile_url(frame, layer="plots", z=16))
    assert before["ETag"] != after["ETag"]  # a passed stage gives the plots layer a new version
    features = {f["properties"]["number"]: f["properties"] for f in decode(after)["plots"]["features"]}
    assert features["0"]["shelter_stage"] == "foundation" and "shelter_stage" not in features["1"]
    one = client.get(f"/ogc/collections/plots/items/{project.plot_id}").json()
    assert one["properties"]["shelter_stage"] == "foundation"
    assert client.get("/ogc/collections/plots/items?shelter_stage=foundation").json()["numberReturned"] == 1
    for text in (json.dumps(ogc), json.dumps(one), json.dumps(decode(after), default=str)):
        assert project.household.code not in text and "Shelter Partner NGO" not in text


def test_the_openapi_schema_documents_the_field_api(db, capsys):
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn")
    schema = capsys.readouterr().out
    for path in ("/api/v1/field/inspections/", "/api/v1/field/occupancy-checks/", "/api/v1/field/imports/"):
        assert path in schema
    assert "multipart/form-data" in schema


def test_an_inspection_uuid_is_not_readable_outside_the_scope(client, project, field_officer, on_plot, provinces):
    from landreg import roles
    from landreg.services import user_create

    key = uuid.uuid4()
    client.post(f"{API}/inspections/", visit(project.plot, "foundation", on_plot, key), **basic("field.n"))
    user_create(username="field.h2", password="x", roles=[roles.FIELD_OFFICER], provinces=[provinces["herat"]])
    assert client.get(f"{API}/inspections/{key}/", **basic("field.h2")).status_code == 404
    resent = client.post(f"{API}/inspections/", visit(project.plot, "foundation", on_plot, key), **basic("field.h2"))
    assert resent.status_code in (403, 404)


def test_a_plot_card_names_no_one_to_roles_without_personal_data(client, project, users, provinces):
    from landreg.models import PersonalDataAccess

    agreement_create(users=[users["partner"]], provinces=[provinces["nangarhar"]])
    for who in ("partner", "gis"):
        client.force_login(users[who])
        card = client.get(f"{API}/plots/{project.plot_id}/").json()
        assert card["household"] is None and project.household.code not in str(card), who
    assert not PersonalDataAccess.objects.exists()


def test_a_partner_without_an_agreement_gets_no_plot_card_but_the_agreement_sentence(client, project, users):
    client.force_login(users["partner"])
    response = client.get(f"{API}/plots/{project.plot_id}/")
    assert response.status_code == 403
    assert response.json()["detail"].startswith("Your account is not covered by any data-sharing agreement")
    assert "Shelter Partner NGO" not in response.content.decode()


def test_a_plot_card_outside_the_partners_agreement_answers_as_a_plot_that_does_not_exist(
    client, project, users, provinces
):
    agreement_create(users=[users["partner"]], provinces=[provinces["herat"]])
    client.force_login(users["partner"])
    outside = client.get(f"{API}/plots/{project.plot_id}/")
    missing = client.get(f"{API}/plots/{project.plot_id + 1000}/")
    assert outside.status_code == missing.status_code == 403 and outside.json() == missing.json()
    assert "Herat (AF32) only" in outside.json()["detail"] and "Shelter Partner NGO" not in outside.content.decode()


@pytest.mark.parametrize("who", ["partner", "officer_herat"])
def test_a_township_report_outside_the_scope_answers_as_one_that_does_not_exist(client, project, users, provinces, who):
    """The same status and body for another province's township and for no township at all."""
    agreement_create(users=[users["partner"]], provinces=[provinces["herat"]])
    client.force_login(users[who])
    outside = client.get(f"{API}/townships/{project.plot.township_id}/report/")
    missing = client.get(f"{API}/townships/{project.plot.township_id + 1000}/report/")
    assert outside.status_code == missing.status_code == (403 if who == "partner" else 404)
    assert outside.json() == missing.json()
