"""A field-submission import acts for whoever uploads it: their provinces bound every row, the inspector a row names
is recorded only when a field officer of that plot within those provinces, and every visit records its uploader."""

import json

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command

from allocations.services import allocation_transition
from demo.sample_photos import site_jpeg
from landreg import roles
from landreg.services import user_create
from shelters.kobo import submissions_import
from shelters.models import ImportRun, Inspection, OccupancyCheck
from tests.shelters.test_kobo_import import kobo_row


@pytest.fixture
def field_herat(provinces):
    return user_create(username="field.h", password="x", roles=[roles.FIELD_OFFICER], provinces=[provinces["herat"]])


def export(rows, on_plot, seed=500):
    """The JSON export of these rows and their photos."""
    photos = {row["photo1"]: site_jpeg(lat=on_plot.y, lon=on_plot.x, seed=seed + n) for n, row in enumerate(rows)}
    return json.dumps({"results": rows}).encode(), photos


def test_an_officer_of_herat_creates_nothing_on_nangarhar_plots_in_a_nangarhar_officer_s_name(
    project, users, field_officer, on_plot
):
    rows = [
        kobo_row(1, "NAN-TEST/0", "foundation", on_plot.y, on_plot.x, username="field.n"),
        kobo_row(2, "NAN-TEST/0", "walls_to_lintel", on_plot.y, on_plot.x, username="field.n"),
    ]
    data, photos = export(rows, on_plot)
    report = submissions_import(form="inspection", data=data, attachments=photos, by=users["officer_herat"])
    assert report["created"] == 0 and not Inspection.objects.exists()
    assert [(r["row"], r["code"], r["reason"]) for r in report["rejected"]] == [
        (1, "unknown_plot", "no such plot in your provinces"),
        (2, "unknown_plot", "no such plot in your provinces"),
    ]
    # The refusal is the same as for a plot that does not exist: nothing about the Nangarhar township.
    assert "Test township" not in json.dumps(report)
    assert ImportRun.objects.get().by == users["officer_herat"]


def test_an_occupancy_import_from_another_province_does_not_move_the_allocation(held, users, field_officer, on_plot):
    officer = users["officer_nangarhar"]
    allocation = allocation_transition(allocation=held, action="assign", by=officer)
    allocation = allocation_transition(allocation=allocation, action="issue_letter", by=officer)
    allocation = allocation_transition(
        allocation=allocation, action="hand_over", by=field_officer, point=on_plot, accuracy_m=5
    )
    row = kobo_row(3, "NAN-TEST/0", "", on_plot.y, on_plot.x, username="field.n")
    row["finding"] = "present"
    data, photos = export([row], on_plot)
    report = submissions_import(form="occupancy", data=data, attachments=photos, by=users["officer_herat"])
    assert report["created"] == 0 and report["rejected"][0]["code"] == "unknown_plot"
    allocation.refresh_from_db()
    assert allocation.status == "handed_over" and not OccupancyCheck.objects.exists()


def test_the_inspector_and_the_uploader_are_both_recorded(project, users, field_officer, on_plot):
    data, photos = export([kobo_row(4, "NAN-TEST/0", "foundation", on_plot.y, on_plot.x, username="field.n")], on_plot)
    report = submissions_import(form="inspection", data=data, attachments=photos, by=users["officer_nangarhar"])
    assert report["created"] == 1
    inspection = Inspection.objects.get()
    assert inspection.inspector == field_officer and inspection.uploaded_by == users["officer_nangarhar"]


def test_a_visit_sent_from_the_field_records_its_sender_as_uploader(inspect, field_officer):
    assert inspect("foundation").uploaded_by == field_officer


@pytest.mark.parametrize("named", ["committee.n", "field.h"])
def test_an_inspector_who_is_not_a_field_officer_of_the_plot_is_not_recorded(
    project, users, field_officer, field_herat, on_plot, named
):
    """committee.n is of Nangarhar but no field officer; field.h is a field officer, of Herat."""
    data, photos = export([kobo_row(5, "NAN-TEST/0", "foundation", on_plot.y, on_plot.x, username=named)], on_plot)
    report = submissions_import(form="inspection", data=data, attachments=photos, by=field_officer)
    assert report["created"] == 0 and not Inspection.objects.exists()
    assert report["rejected"][0]["code"] == "inspector_not_allowed"
    assert named in report["rejected"][0]["message"]


def test_an_inactive_field_officer_named_in_the_file_is_not_recorded(project, users, field_officer, on_plot):
    retired = user_create(
        username="field.old", password="x", roles=[roles.FIELD_OFFICER], provinces=[project.plot.township.province]
    )
    retired.is_active = False
    retired.save()
    data, photos = export(
        [kobo_row(6, "NAN-TEST/0", "foundation", on_plot.y, on_plot.x, username="field.old")], on_plot
    )
    report = submissions_import(form="inspection", data=data, attachments=photos, by=field_officer)
    assert report["created"] == 0 and report["rejected"][0]["code"] == "inspector_not_allowed"


def test_the_inspector_named_for_the_file_must_cover_the_plot(project, users, field_herat, on_plot):
    row = kobo_row(7, "NAN-TEST/0", "foundation", on_plot.y, on_plot.x, username="kobo_team_account")
    data, photos = export([row], on_plot)
    report = submissions_import(
        form="inspection", data=data, attachments=photos, by=users["officer_nangarhar"], inspector=field_herat
    )
    assert report["created"] == 0 and report["rejected"][0]["code"] == "inspector_not_allowed"


def test_a_username_that_is_no_landreg_user_takes_the_inspector_named_for_the_file(
    project, users, field_officer, on_plot
):
    row = kobo_row(8, "NAN-TEST/0", "foundation", on_plot.y, on_plot.x, username="kobo_team_account")
    data, photos = export([row], on_plot)
    refused = submissions_import(form="inspection", data=data, attachments=photos, by=users["officer_nangarhar"])
    assert refused["rejected"][0]["code"] == "inspector_not_allowed"
    report = submissions_import(
        form="inspection", data=data, attachments=photos, by=users["officer_nangarhar"], inspector=field_officer
    )
    assert report["created"] == 1 and Inspection.objects.get().inspector == field_officer


def test_a_land_officer_cannot_record_a_visit_as_their_own(project, users, on_plot):
    """A row naming no one is the uploader's own visit, and a land officer does not inspect."""
    data, photos = export([kobo_row(9, "NAN-TEST/0", "foundation", on_plot.y, on_plot.x, username="")], on_plot)
    report = submissions_import(form="inspection", data=data, attachments=photos, by=users["officer_nangarhar"])
    assert report["created"] == 0 and report["rejected"][0]["code"] == "permission"


@pytest.mark.parametrize("who", ["partner", "gis", "committee"])
def test_only_field_officers_land_officers_and_administrators_import(project, users, field_officer, on_plot, who):
    data, photos = export([kobo_row(10, "NAN-TEST/0", "foundation", on_plot.y, on_plot.x)], on_plot)
    with pytest.raises(PermissionDenied):
        submissions_import(form="inspection", data=data, attachments=photos, by=users[who])
    assert not Inspection.objects.exists() and not ImportRun.objects.exists()


# --- the command ---------------------------------------------------------------------------------------------------


@pytest.fixture
def export_file(project, on_plot, tmp_path):
    rows = [kobo_row(11, "NAN-TEST/0", "foundation", on_plot.y, on_plot.x)]
    data, photos = export(rows, on_plot)
    (tmp_path / "landreg_inspection.json").write_bytes(data)
    media = tmp_path / "photos"
    media.mkdir()
    for name, content in photos.items():
        (media / name).write_bytes(content)
    return tmp_path / "landreg_inspection.json", media


def test_the_command_refuses_without_the_uploader(export_file, field_officer):
    path, media = export_file
    with pytest.raises(CommandError, match="--user"):
        call_command("import_field_submissions", str(path), "--media", str(media))
    assert not Inspection.objects.exists()


def test_the_command_refuses_an_uploader_who_may_not_import(export_file, users, field_officer):
    path, media = export_file
    with pytest.raises(CommandError, match="Only a"):
        call_command("import_field_submissions", str(path), "--media", str(media), "--user", "partner")
    with pytest.raises(CommandError, match="no active user"):
        call_command("import_field_submissions", str(path), "--media", str(media), "--user", "nobody")
    assert not Inspection.objects.exists() and not ImportRun.objects.exists()


def test_the_command_imports_for_the_uploader_in_their_provinces_only(export_file, users, field_officer, capsys):
    path, media = export_file
    call_command("import_field_submissions", str(path), "--media", str(media), "--user", "officer.h")
    assert json.loads(capsys.readouterr().out)["rejected"][0]["code"] == "unknown_plot"
    assert not Inspection.objects.exists()
    call_command("import_field_submissions", str(path), "--media", str(media), "--user", "officer.n")
    assert Inspection.objects.get().uploaded_by == users["officer_nangarhar"]


def test_the_command_refuses_an_inspector_who_is_not_a_field_officer(export_file, users):
    path, media = export_file
    with pytest.raises(CommandError, match="not an active field officer"):
        call_command(
            "import_field_submissions", str(path), "--media", str(media), "--user", "officer.n", "--inspector", "gis"
        )
    assert not ImportRun.objects.exists()
