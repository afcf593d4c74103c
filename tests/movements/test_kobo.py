"""The border registration XLSForm (pyxform accepts it: what KoboToolbox and ODK Central run on upload) and the
import of its exports: idempotent on the submission UUID, bounded by the importer's provinces, a report per row,
the same refusals as the service, over the API and from manage.py import_border_kobo."""

import datetime
import io
import json
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import timezone
from pyxform.xls2xform import convert

from households.models import Household
from movements.kobo import border_submissions_import
from movements.models import Arrival, ArrivalMember, ArrivalReview
from movements.xlsform import FORM_ID, xlsform_bytes


def submission(tazkira: str = "", **fields) -> dict:
    """A Kobo JSON export's submission, with its groups in the keys as Kobo writes them; the head's tazkira number
    made up unless given."""
    tazkira = tazkira or f"1399-{uuid.uuid4().int % 10**8:08d}"
    row = {
        "_uuid": "",
        "meta/instanceID": f"uuid:{uuid.uuid4()}",
        "crossing/crossing_point": "torkham",
        "crossing/crossed_at": (timezone.now() - datetime.timedelta(hours=5)).isoformat(),
        "crossing/direction": "in",
        "crossing/category": "deported",
        "crossing/country_of_asylum": "PK",
        "crossing/years_abroad": "12",
        "crossing/documents_held": "por_card tazkira",
        "crossing/travelling": "family",
        "destination/destination_province": "AF06",
        "members": [
            {
                "members/relationship": "head",
                "members/name": "Wali Khan",
                "members/father_name": "Gul Khan",
                "members/sex": "m",
                "members/age_band": "18_59",
                "members/tazkira": tazkira,
            },
            {
                "members/relationship": "spouse",
                "members/name": "Shabnam",
                "members/sex": "f",
                "members/age_band": "18_59",
                "members/date_of_birth": "1990-02-01",
            },
        ],  # fmt: skip
        "member_count": "2",
        "vulnerabilities": "female_headed",
        "assistance": "cash transport",
    }
    row.update(fields)
    return row


def export(*rows) -> bytes:
    return json.dumps({"count": len(rows), "results": list(rows)}).encode()


def test_the_xlsform_passes_pyxform_with_the_crossing_points_and_a_repeat_for_members(points, districts):
    warnings = []
    xml = convert(xlsform=io.BytesIO(xlsform_bytes()), file_type=".xlsx", warnings=warnings).xform
    assert FORM_ID in xml and "instanceID" in xml
    assert 'nodeset="/data/members"' in xml  # the repeat group
    for field in ("crossing_point", "crossed_at", "category", "destination_district", "tazkira", "age_band"):
        assert f"/{field}" in xml
    for code in ("torkham", "islam_qala", "AF0601", "deported", "unaccompanied_child", "60_plus"):
        assert f"<value>{code}</value>" in xml or f">{code}<" in xml
    assert "ننگرهار" in xml  # Dari labels of the reference data
    assert not [w for w in warnings if "error" in w.lower()], warnings


def test_a_submission_is_recorded_once_however_often_it_is_imported(points, field_officer):
    data = export(submission(), submission())
    first = border_submissions_import(data=data, filename="border.json", by=field_officer)
    assert (first["rows"], first["created"], first["already_imported"], first["rejected"]) == (2, 2, 0, [])
    again = border_submissions_import(data=data, filename="border.json", by=field_officer)
    assert (again["created"], again["already_imported"]) == (0, 2)
    assert Arrival.objects.count() == 2 and ArrivalMember.objects.count() == 4
    arrival = Arrival.objects.first()
    assert arrival.documents_held == ["por_card", "tazkira"] and arrival.assistance == ["cash", "transport"]
    assert arrival.household is not None and arrival.years_abroad == 12


def test_each_bad_row_is_rejected_with_its_sentence_and_the_rest_recorded(points, field_officer, districts):
    rows = [
        submission(),
        submission(**{"crossing/crossing_point": "nowhere"}),
        submission(members=[]),
        submission(**{"destination/destination_district": "AF3201"}),  # a district of Herat, bound for Nangarhar
        submission(**{"destination/destination_province": "PK01"}),
        submission(**{"crossing/crossed_at": "2999-01-01T08:00:00"}),
        submission(**{"meta/instanceID": ""}),
        submission(**{"crossing/crossing_point": "islam_qala"}),  # Herat: not the importer's province
        submission(members=[{"members/name": "A\x00", "members/sex": "m", "members/age_band": "18_59"}]),
    ]
    report = border_submissions_import(data=export(*rows), filename="border.json", by=field_officer)
    assert report["created"] == 1
    rejected = {r["row"]: (r["code"], r["message"]) for r in report["rejected"]}
    assert rejected[2][1].startswith("“nowhere” is not a crossing point")
    assert "Record the members" in rejected[3][1]
    assert "Injil is not in Nangarhar" in rejected[4][1]
    assert "not a province of Afghanistan" in rejected[5][1]
    assert "in the future" in rejected[6][1]
    assert rejected[7][0] == "client_uuid_required"
    assert rejected[8] == ("permission", "Crossing point Islam Qala is outside your provinces.")
    assert rejected[9][0] == "nul_character"
    assert Arrival.objects.count() == 1 and ArrivalMember.objects.count() == 2


def test_an_id_number_registered_elsewhere_waits_for_a_decision(points, field_officer, make_household):
    other = make_household(head={"name": "Other", "father_name": "X", "sex": "m", "tazkira": "1399-0303-44444"})
    report = border_submissions_import(
        data=export(submission(tazkira="1399-0303-44444")), filename="b.json", by=field_officer
    )
    assert report["created"] == 1 and len(report["awaiting_review"]) == 1
    assert ArrivalReview.objects.get().candidate == other
    assert Household.objects.count() == 1


def test_a_csv_export_with_indexed_member_columns(points, field_officer):
    crossed = (timezone.now() - datetime.timedelta(hours=5)).strftime("%Y-%m-%dT%H:%M:%S")
    header = ("meta/instanceID,crossing_point,crossed_at,category,country_of_asylum,documents_held,travelling,"
              "destination_province,members[1]/name,members[1]/relationship,members[1]/sex,members[1]/age_band,"
              "members[2]/name,members[2]/relationship,members[2]/sex,members[2]/age_band")  # fmt: skip
    line = f"uuid:{uuid.uuid4()},torkham,{crossed},documented,IR,none,family,AF06,Ali,head,m,18_59,Sara,child,f,0_4"
    report = border_submissions_import(data=f"{header}\n{line}\n".encode(), filename="b.csv", by=field_officer)
    assert report["created"] == 1, report
    assert sorted(ArrivalMember.objects.values_list("name", flat=True)) == ["Ali", "Sara"]


@pytest.mark.parametrize(
    "data,words",
    [(b"\xff\xfe", "not UTF-8"), (b'{"results": 5}', "must list its submissions"), (b"{nope", "not valid JSON")],
)
def test_a_file_that_is_no_export_is_refused_whole(points, field_officer, data, words):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match=words):
        border_submissions_import(data=data, filename="x.json", by=field_officer)
    assert not Arrival.objects.exists()


def test_who_may_import(points, users):
    from django.core.exceptions import PermissionDenied

    for role in ("gis", "partner", "committee"):
        with pytest.raises(PermissionDenied):
            border_submissions_import(data=export(submission()), filename="b.json", by=users[role])
    assert not Arrival.objects.exists()


def test_the_api_serves_the_form_and_imports_an_export(client, points, field_officer, users):
    client.force_login(field_officer)
    form = client.get("/api/v1/movements/forms/border-registration.xlsx")
    assert form.status_code == 200 and form["Content-Disposition"].endswith('landreg_border_registration.xlsx"')
    upload = SimpleUploadedFile("border.json", export(submission()), content_type="application/json")
    answer = client.post("/api/v1/movements/kobo-imports/", {"file": upload})
    assert answer.status_code == 200 and answer.json()["created"] == 1
    bad = client.post("/api/v1/movements/kobo-imports/", {"file": SimpleUploadedFile("x.json", b"{nope")})
    assert bad.status_code == 400 and "not valid JSON" in bad.json()["detail"]
    client.force_login(users["gis"])
    refused = client.post(
        "/api/v1/movements/kobo-imports/", {"file": SimpleUploadedFile("b.json", export(submission()))}
    )
    assert refused.status_code == 403
    client.logout()
    assert client.get("/api/v1/movements/forms/border-registration.xlsx").status_code == 401


def test_the_command_imports_as_the_user_named(points, field_officer, tmp_path, capsys):
    path = tmp_path / "border.json"
    path.write_bytes(export(submission()))
    call_command("import_border_kobo", str(path), "--user", field_officer.username)
    assert json.loads(capsys.readouterr().out)["created"] == 1
    call_command("import_border_kobo", str(path), "--user", field_officer.username)
    assert json.loads(capsys.readouterr().out)["already_imported"] == 1
    with pytest.raises(CommandError, match="no active user"):
        call_command("import_border_kobo", str(path), "--user", "nobody")
    (tmp_path / "bad.json").write_bytes(b"{nope")
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("import_border_kobo", str(tmp_path / "bad.json"), "--user", field_officer.username)
