"""Bad input to the field API and the import gets a sentence (a JSON 400, a CommandError), never a 500 or a
traceback, and writes nothing; a record of another province is answered as not found, without naming it."""

import io
import json
import uuid
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import timezone

from demo.sample_photos import site_jpeg
from shelters.kobo import Attachments, submissions_import
from shelters.models import FieldAssignment, ImportRun, Inspection, ShelterProject
from tests.shelters.test_field_api import API, basic, visit
from tests.shelters.test_kobo_import import kobo_row


def refused(response, status=400):
    """The answer is a JSON refusal with a sentence (not an HTML 500)."""
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    detail = response.json()["detail"]
    assert detail.endswith(".") and len(detail.split()) >= 4, detail
    return response.json()


# --- JSON bodies --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("body", ["0", "[1, 2]", '"pay"', "null"])
def test_a_tranche_payment_body_that_is_not_an_object_is_refused(client, project, users, body):
    tranche = project.tranches.get(stage__code="foundation")
    client.force_login(users["officer_nangarhar"])
    answer = refused(client.post(f"{API}/tranches/{tranche.pk}/pay/", body, content_type="application/json"))
    assert "JSON object" in answer["detail"]
    tranche.refresh_from_db()
    assert tranche.paid_on is None


@pytest.mark.parametrize("allocation", ["abc", [1], {"id": 1}, True, 1.5, -3, None])
def test_a_project_on_an_allocation_that_is_not_an_id_is_refused(client, held, users, allocation):
    client.force_login(users["officer_nangarhar"])
    body = {"allocation": allocation, "implementing_partner": "NGO", "modality": "in_kind"}
    answer = refused(client.post(f"{API}/projects/", body, content_type="application/json"))
    assert "allocation must be the record's id" in answer["detail"]
    assert not ShelterProject.objects.exists()


@pytest.mark.parametrize(
    "tranches", ["abc", [1, 2], [{"stage": "foundation"}], {"stage": "foundation", "amount": 1}, [{"amount": 5}]]
)
def test_tranches_that_are_not_a_list_of_stage_and_amount_are_refused(client, held, users, tranches):
    client.force_login(users["officer_nangarhar"])
    body = {"allocation": held.pk, "implementing_partner": "NGO", "modality": "in_kind", "tranches": tranches}
    answer = refused(client.post(f"{API}/projects/", body, content_type="application/json"))
    assert answer["codes"] == ["tranches_invalid"]
    assert not ShelterProject.objects.exists()


@pytest.mark.parametrize("amount", ["abc", [1], "NaN", -5])
def test_a_bad_tranche_amount_leaves_no_project_behind(client, held, users, amount):
    client.force_login(users["officer_nangarhar"])
    body = {
        "allocation": held.pk,
        "implementing_partner": "NGO",
        "modality": "in_kind",
        "tranches": [{"stage": "foundation", "amount": amount}],
    }
    refused(client.post(f"{API}/projects/", body, content_type="application/json"))
    assert not ShelterProject.objects.exists()


def test_a_nul_byte_in_a_project_or_a_payment_is_refused(client, held, project, users):
    client.force_login(users["officer_nangarhar"])
    tranche = project.tranches.get(stage__code="foundation")
    answer = refused(
        client.post(f"{API}/tranches/{tranche.pk}/pay/", {"reference": "H\x00-1"}, content_type="application/json")
    )
    assert "NUL character" in answer["detail"]
    tranche.refresh_from_db()
    assert tranche.paid_on is None


def test_a_too_long_payment_reference_is_refused_with_a_sentence(client, project, users, field_officer, on_plot):
    client.post(f"{API}/inspections/", visit(project.plot, "foundation", on_plot), **basic("field.n"))
    tranche = project.tranches.get(stage__code="foundation")
    client.force_login(users["officer_nangarhar"])
    answer = refused(
        client.post(f"{API}/tranches/{tranche.pk}/pay/", {"reference": "R" * 61}, content_type="application/json")
    )
    assert answer["codes"] == ["reference_too_long"]
    tranche.refresh_from_db()
    assert tranche.paid_on is None


@pytest.mark.parametrize("field", ["remarks", "stage", "client_uuid"])
def test_a_nul_byte_in_an_inspection_is_refused(client, project, field_officer, on_plot, field):
    body = visit(project.plot, "foundation", on_plot)
    body[field] = f"{body[field]}\x00"
    answer = refused(client.post(f"{API}/inspections/", body, **basic("field.n")))
    assert "NUL character" in answer["detail"]
    assert not Inspection.objects.exists()


def test_a_nul_byte_in_json_remarks_is_refused(client, held, field_officer, on_plot):
    body = {
        "client_uuid": str(uuid.uuid4()),
        "plot": held.plot_id,
        "finding": "absent",
        "checked_on": timezone.localdate().isoformat(),
        "lat": on_plot.y,
        "lon": on_plot.x,
        "remarks": "gone\x00",
    }
    client.force_login(field_officer)
    answer = refused(client.post(f"{API}/occupancy-checks/", body, content_type="application/json"))
    assert "NUL character" in answer["detail"]


@pytest.mark.parametrize("checklist", ["5", '"yes"', "[1, 2]", "not json"])
def test_a_checklist_that_is_not_an_object_is_refused(client, project, field_officer, on_plot, checklist):
    body = visit(project.plot, "foundation", on_plot, checklist=checklist)
    answer = refused(client.post(f"{API}/inspections/", body, **basic("field.n")))
    assert answer["codes"] == ["checklist_invalid"]
    assert not Inspection.objects.exists()


@pytest.mark.parametrize("lat, lon", [("nan", "70.5"), ("34.4", "inf"), ("95", "70.5"), ("abc", "70.5")])
def test_a_gps_point_that_is_not_one_is_refused(client, project, field_officer, on_plot, lat, lon):
    body = visit(project.plot, "foundation", on_plot, lat=lat, lon=lon)
    answer = refused(client.post(f"{API}/inspections/", body, **basic("field.n")))
    assert answer["codes"] == ["gps_invalid"]
    assert not Inspection.objects.exists()


def test_an_assignment_with_a_made_up_purpose_is_refused(client, plots, users, field_officer):
    client.force_login(users["officer_nangarhar"])
    body = {"officer": "field.n", "plot": plots[0].pk, "due_on": "2026-12-01", "purpose": "picnic"}
    answer = refused(client.post(f"{API}/assignments/", body, content_type="application/json"))
    assert answer["codes"] == ["purpose_invalid"]
    body.update(purpose="inspection", officer="field\x00.n")
    refused(client.post(f"{API}/assignments/", body, content_type="application/json"))
    assert not FieldAssignment.objects.exists()


# --- other provinces ----------------------------------------------------------------------------------------------


def test_a_tranche_or_allocation_of_another_province_is_not_found_and_not_named(client, project, held, users):
    client.force_login(users["officer_herat"])
    tranche = project.tranches.get(stage__code="foundation")
    paid = client.post(f"{API}/tranches/{tranche.pk}/pay/", {}, content_type="application/json")
    started = client.post(
        f"{API}/projects/",
        {"allocation": held.pk, "implementing_partner": "NGO", "modality": "in_kind"},
        content_type="application/json",
    )
    for response in (paid, started):
        assert response.status_code == 404 and "Test township" not in response.content.decode()


def test_a_uuid_resent_from_another_province_does_not_name_its_township(project, field_officer, provinces, on_plot):
    from django.core.exceptions import PermissionDenied

    from landreg import roles
    from landreg.services import user_create
    from shelters.services import inspection_submit

    def send(by):
        return inspection_submit(
            client_uuid=key,
            plot=project.plot,
            stage="foundation",
            inspected_on=timezone.localdate(),
            by=by,
            result="fail",
            point=on_plot,
        )

    key = uuid.uuid4()
    send(field_officer)
    herat = user_create(username="field.h4", password="x", roles=[roles.FIELD_OFFICER], provinces=[provinces["herat"]])
    with pytest.raises(PermissionDenied) as refusal:
        send(herat)
    assert "Test township" not in str(refusal.value) and "outside your provinces" in str(refusal.value)


# --- imports through the API ----------------------------------------------------------------------------------------


def _import(client, content, name="export.json", attachments=None, **fields):
    body = {"form": "inspection", "file": SimpleUploadedFile(name, content), **fields}
    if attachments is not None:
        body["attachments"] = SimpleUploadedFile("media.zip", attachments)
    return client.post(f"{API}/imports/", body)


@pytest.mark.parametrize(
    "content, name, phrase",
    [
        ("plot_ref,stage\nNAN-TEST/0,foundation é\n".encode("cp1256", "replace") + b"\xff\xfe", "x.csv", "UTF-8"),
        (b'{"results": [', "x.json", "not valid JSON"),
        (b"5", "x.json", "list its submissions as objects"),
        (b"[1, 2]", "x.json", "list its submissions as objects"),
        (b'{"results": {"a": 1}}', "x.json", "list its submissions as objects"),
        (b'{"count": 0}', "x.json", "list its submissions as objects"),
    ],
)
def test_an_export_that_cannot_be_read_is_refused_with_a_json_sentence(client, project, users, content, name, phrase):
    client.force_login(users["officer_nangarhar"])
    answer = refused(_import(client, content, name))
    assert phrase in answer["detail"] and "file" in answer["errors"]
    assert not ImportRun.objects.exists() and not Inspection.objects.exists()


def test_attachments_that_are_not_a_zip_are_refused(client, project, users, on_plot):
    client.force_login(users["officer_nangarhar"])
    row = kobo_row(1, "NAN-TEST/0", "foundation", on_plot.y, on_plot.x)
    answer = refused(_import(client, json.dumps([row]).encode(), attachments=b"PK\x03\x04 this is no zip"))
    assert "not a zip" in answer["detail"] and "attachments" in answer["errors"]
    assert not ImportRun.objects.exists() and not Inspection.objects.exists()


def test_an_unknown_inspector_for_the_import_is_refused(client, project, users, on_plot):
    client.force_login(users["officer_nangarhar"])
    row = kobo_row(1, "NAN-TEST/0", "foundation", on_plot.y, on_plot.x)
    answer = refused(_import(client, json.dumps([row]).encode(), inspector="nobody"))
    assert answer["codes"] == ["inspector_not_allowed"]
    assert not ImportRun.objects.exists()


def test_a_partner_may_not_import(client, project, users, on_plot):
    client.force_login(users["partner"])
    row = kobo_row(1, "NAN-TEST/0", "foundation", on_plot.y, on_plot.x)
    assert _import(client, json.dumps([row]).encode()).status_code == 403
    assert not ImportRun.objects.exists()


def test_a_row_with_a_nul_byte_or_a_bad_value_is_rejected_with_its_reason(project, users, field_officer, on_plot):
    rows = [kobo_row(n, "NAN-TEST/0", "foundation", on_plot.y, on_plot.x) for n in range(1, 6)]
    rows[0]["remarks"] = "ok\x00"
    rows[1]["gps"] = "north east"
    rows[2]["plot_ref"] = {"township": "NAN-TEST"}
    rows[3]["checklist"] = 7
    rows[4]["_attachments"] = ["not an object"]
    photos = {row["photo1"]: site_jpeg(lat=on_plot.y, lon=on_plot.x, seed=900 + n) for n, row in enumerate(rows)}
    report = submissions_import(
        form="inspection", data=json.dumps(rows).encode(), attachments=photos, by=users["officer_nangarhar"]
    )
    assert {r["row"]: r["code"] for r in report["rejected"]} == {
        1: "nul_character",
        2: "gps_invalid",
        3: "text_required",
        4: "checklist_invalid",
    }
    assert report["created"] == 1  # row 5: a malformed _attachments entry is ignored; photo1 names the file


# --- attachments ----------------------------------------------------------------------------------------------------


def test_a_huge_attachment_is_read_no_further_than_the_photo_limit(settings):
    settings.LANDREG_MAX_PHOTO_BYTES = 5000
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as out:
        out.writestr("media/big.jpg", b"\0" * 5_000_000)  # 5 MB that compresses to a few kB
    attachments = Attachments(io.BytesIO(archive.getvalue()))
    assert len(archive.getvalue()) < 20_000 and len(attachments.get("big.jpg")) == 5001


def test_a_zip_of_too_many_files_is_refused(monkeypatch):
    from shelters import kobo

    monkeypatch.setattr(kobo, "MAX_ATTACHMENT_FILES", 3)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as out:
        for n in range(4):
            out.writestr(f"{n}.jpg", b"x")
    with pytest.raises(ValidationError) as refusal:
        Attachments(io.BytesIO(archive.getvalue()))
    assert "at most 3" in " ".join(refusal.value.messages)


# --- the command --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content, name, phrase",
    [
        (b"plot_ref,stage\n\xff\xfeNAN-TEST/0,foundation\n", "export.csv", "not UTF-8"),
        (b'{"results": [}', "export.json", "not valid JSON"),
        (b'[{"plot_ref": "NAN-TEST/0"}, 3]', "export.json", "as objects"),
        (b"PK\x03\x04 broken", "export.zip", "not a zip"),
    ],
)
def test_the_command_refuses_an_unreadable_export_in_one_line(users, tmp_path, content, name, phrase):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(CommandError, match=phrase) as refusal:
        call_command("import_field_submissions", str(path), "--user", "officer.n")
    assert "\n" not in str(refusal.value) and "Traceback" not in str(refusal.value)
    assert not ImportRun.objects.exists()


def test_the_command_refuses_media_that_are_not_a_zip_or_missing(users, tmp_path):
    export = tmp_path / "export.json"
    export.write_text("[]")
    (tmp_path / "media.zip").write_bytes(b"not a zip")
    with pytest.raises(CommandError, match="not a zip"):
        call_command("import_field_submissions", str(export), "--media", str(tmp_path / "media.zip"), "--user", "admin")
    with pytest.raises(CommandError, match="no attachments file"):
        call_command("import_field_submissions", str(export), "--media", str(tmp_path / "none.zip"), "--user", "admin")
    with pytest.raises(CommandError, match="is not a file"):
        call_command("import_field_submissions", str(tmp_path), "--user", "admin")
    assert not ImportRun.objects.exists()


def test_the_services_refuse_a_nul_byte_whoever_calls_them(project, field_officer, on_plot, inspect):
    """The field pages, the API and the import all reach the same services: the refusal is there too."""
    with pytest.raises(ValidationError) as refusal:
        inspect("foundation", result="fail", photos=[], remarks="cracked\x00")
    assert "nul_character" in {e.code for errors in refusal.value.error_dict.values() for e in errors}
    assert not Inspection.objects.exists()
