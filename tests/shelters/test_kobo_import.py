"""A realistic KoboToolbox JSON export (and an ODK Central CSV) imported twice: each inspection once, and a
report of the rejected rows and why."""

import csv
import io
import json

import pytest
from django.core.management import call_command

from demo.sample_photos import site_jpeg
from shelters.kobo import submissions_import
from shelters.models import ImportRun, Inspection


def kobo_row(n, plot_ref, stage, lat, lon, result="pass", photo=True, username="field.n"):
    instance = f"7c1e5a9e-0000-4000-8000-{n:012d}"
    row = {
        "_id": 410000 + n,
        "formhub/uuid": "c0ffee00c0ffee00c0ffee00c0ffee00",
        "start": "2026-11-28T08:10:00.000+04:30",
        "end": "2026-11-28T08:25:00.000+04:30",
        "today": "2026-11-28",
        "username": username,
        "plot_ref": plot_ref,
        "stage": stage,
        "checklist": "footing_depth_ok plinth_level",
        "result": result,
        "gps": f"{lat} {lon} 612.4 4.9",
        "remarks": "Good work",
        "__version__": "vHk7Zj3nYq",
        "meta/instanceID": f"uuid:{instance}",
        "meta/instanceName": f"{plot_ref} 2026-11-28",
        "_xform_id_string": "landreg_inspection",
        "_uuid": instance,
        "_attachments": [],
        "_status": "submitted_via_web",
        "_geolocation": [lat, lon],
        "_submission_time": "2026-11-28T04:01:12",
        "_tags": [],
        "_notes": [],
        "_validation_status": {},
        "_submitted_by": username,
    }
    if photo:
        name = f"1764300000{n:03d}.jpg"
        row["photo1"] = name
        row["_attachments"] = [
            {
                "download_url": f"https://kf.kobotoolbox.org/api/v2/assets/aXyZ/data/{410000 + n}/attachments/{n}/",
                "mimetype": "image/jpeg",
                "filename": f"shelter_team/attachments/c0ffee/{instance}/{name}",
                "instance": 410000 + n,
                "xform": 1234,
                "id": n,
            }
        ]
    return row


@pytest.fixture
def export(project, on_plot, frame, tmp_path):
    far = frame.rect(10, 230, 1, 1).centroid
    rows = [
        kobo_row(1, "NAN-TEST/0", "foundation", on_plot.y, on_plot.x),
        kobo_row(2, "NAN-TEST/0", "latrine", on_plot.y, on_plot.x),  # roof, doors not passed
        kobo_row(3, "NAN-TEST/99", "foundation", on_plot.y, on_plot.x),  # no such plot
        kobo_row(4, "NAN-TEST/0", "walls_to_lintel", far.y, far.x),  # ~200 m away
        kobo_row(5, "NAN-TEST/0", "walls_to_lintel", on_plot.y, on_plot.x),
    ]
    media = tmp_path / "media"
    media.mkdir()
    for n, row in enumerate(rows, start=1):
        if "photo1" in row:
            (media / row["photo1"]).write_bytes(site_jpeg(lat=on_plot.y, lon=on_plot.x, seed=1000 + n))
    document = {"count": len(rows), "next": None, "previous": None, "results": rows}
    path = tmp_path / "landreg_inspection.json"
    path.write_text(json.dumps(document))
    return path, media


def test_a_kobo_export_imported_twice_creates_each_inspection_once(export, users, field_officer):
    path, media = export
    first = submissions_import(
        form="inspection", data=path.read_bytes(), filename=path.name, attachments=media, by=users["officer_nangarhar"]
    )
    assert (first["rows"], first["created"], first["already_imported"]) == (5, 2, 0)
    assert {r["row"]: r["reason"] for r in first["rejected"]} == {
        2: "stage out of order",
        3: "no such plot in your provinces",
        4: "GPS outside tolerance",
    }
    again = submissions_import(
        form="inspection", data=path.read_bytes(), filename=path.name, attachments=media, by=users["officer_nangarhar"]
    )
    assert (again["created"], again["already_imported"], len(again["rejected"])) == (0, 2, 3)
    assert Inspection.objects.count() == 2
    inspections = Inspection.objects.order_by("id")
    assert [i.stage.code for i in inspections] == ["foundation", "walls_to_lintel"]
    assert all(i.source == "kobo" and i.inspector == field_officer and i.photos.count() == 1 for i in inspections)
    assert str(inspections[0].client_uuid) == "7c1e5a9e-0000-4000-8000-000000000001"
    assert ImportRun.objects.count() == 2


def test_the_management_command_imports_and_prints_the_report(export, users, field_officer, capsys):
    path, media = export
    call_command("import_field_submissions", str(path), "--media", str(media), "--user", "officer.n")
    report = json.loads(capsys.readouterr().out)
    assert report["created"] == 2 and len(report["rejected"]) == 3
    call_command("import_field_submissions", str(path), "--media", str(media), "--user", "officer.n")
    assert Inspection.objects.count() == 2


def test_an_odk_central_csv_export_is_read(project, on_plot, users, field_officer, tmp_path):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "SubmissionDate",
            "start",
            "end",
            "today",
            "username",
            "plot_ref",
            "stage",
            "checklist",
            "result",
            "gps-Latitude",
            "gps-Longitude",
            "gps-Altitude",
            "gps-Accuracy",
            "photo1",
            "photo2",
            "photo3",
            "remarks",
            "meta-instanceID",
            "KEY",
            "SubmitterID",
            "SubmitterName",
            "AttachmentsPresent",
            "AttachmentsExpected",
            "Status",
            "ReviewState",
            "DeviceID",
            "Edits",
            "FormVersion",
        ]
    )
    writer.writerow(
        [
            "2026-11-28T04:01:12.000Z",
            "2026-11-28T08:10:00.000+04:30",
            "2026-11-28T08:25:00.000+04:30",
            "2026-11-28",
            "field.n",
            "NAN-TEST/0",
            "foundation",
            "footing_depth_ok",
            "pass",
            on_plot.y,
            on_plot.x,
            "612",
            "4.5",
            "1764300000777.jpg",
            "",
            "",
            "",
            "uuid:2a0c4b1e-1111-4222-8333-444455556666",
            "uuid:2a0c4b1e-1111-4222-8333-444455556666",
            "12",
            "field.n",
            "1",
            "1",
            "",
            "",
            "collect:abc",
            "0",
            "2026112804",
        ]
    )
    photo = {"1764300000777.jpg": site_jpeg(lat=on_plot.y, lon=on_plot.x, seed=777)}
    for _ in range(2):
        report = submissions_import(
            form="inspection",
            data=out.getvalue().encode(),
            filename="landreg_inspection.csv",
            attachments=photo,
            by=users["officer_nangarhar"],
        )
    assert report["already_imported"] == 1 and Inspection.objects.get().source == "odk"


def test_a_row_whose_photo_is_missing_is_rejected_with_the_reason(project, on_plot, users, field_officer):
    data = json.dumps({"results": [kobo_row(9, "NAN-TEST/0", "foundation", on_plot.y, on_plot.x)]}).encode()
    report = submissions_import(form="inspection", data=data, attachments={}, by=users["officer_nangarhar"])
    assert report["rejected"][0]["reason"] == "photo missing from the attachments"
