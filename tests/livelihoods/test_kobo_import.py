"""Kobo/ODK exports of the skills profile and reintegration survey forms: imported once per submission UUID, each row
bounded by the uploader's provinces, each refused row reported with its reason and nothing of it written; a file
that cannot be read is refused whole. The same through manage.py import_livelihood_kobo."""

import csv
import io
import json
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone
from pyxform.xls2xform import convert

from livelihoods.kobo import read_rows, submissions_import
from livelihoods.models import SkillsProfile, SurveyRound
from livelihoods.survey import questions
from livelihoods.xlsform import form_bytes


def good_answers(**changes):
    answers = {q["code"]: q["max"] for q in questions()}
    answers.update(changes)
    return answers


def profile_row(person, **changes):
    row = {
        "meta/instanceID": f"uuid:{uuid.uuid4()}",
        "today": timezone.localdate().isoformat(),
        "username": "field.n",
        "household_ref": person.household.code,
        "person_id": str(person.pk),
        "education": "primary",
        "literacy_dari": "basic",
        "literacy_pashto": "none",
        "literacy_english": "none",
        "occupation1/occupation1_isco": "7115",
        "occupation1/occupation1_years": "6",
        "occupation1/occupation1_learnt_in": "iran",
        "occupation2/occupation2_isco": "7112",
        "occupation2/occupation2_years": "2",
        "occupation2/occupation2_learnt_in": "pakistan",
        "certificates": "TVET carpentry level 1; First aid",
        "languages": "prs pus",
        "can_work_outside_home": "yes",
        "workplace_accepted": "any",
        "care_duties": "no",
        "disability": "no",
        "max_travel_km": "8",
    }
    row.update(changes)
    return row


def survey_row(allocation, **changes):
    row = {
        "meta/instanceID": f"uuid:{uuid.uuid4()}",
        "today": timezone.localdate().isoformat(),
        "household_ref": allocation.household.code,
        "round": "baseline",
        "gps": "34.40 70.50 550 5",
        **{f"economic/{code}": str(value) for code, value in good_answers().items()},
    }
    row.update(changes)
    return row


def export(rows) -> bytes:
    return json.dumps({"results": rows}).encode()


def test_a_profile_export_is_imported_once_however_often_it_is_sent(adult, field_officer):
    person = adult(age=30)
    data = export([profile_row(person)])
    first = submissions_import(form="profile", data=data, filename="profiles.json", by=field_officer)
    assert (first["created"], first["already_imported"], first["rejected"]) == (1, 0, [])
    profile = SkillsProfile.objects.get(person=person)
    assert sorted(profile.occupations.values_list("isco_id", flat=True)) == ["7112", "7115"]
    assert profile.certificates == ["TVET carpentry level 1", "First aid"] and profile.languages == ["prs", "pus"]
    assert float(profile.max_travel_km) == 8
    # an officer corrects the profile on the pages; importing the same export again changes nothing
    profile.education = "upper_secondary"
    profile.save()
    again = submissions_import(form="profile", data=data, filename="profiles.json", by=field_officer)
    assert (again["created"], again["already_imported"]) == (0, 1)
    assert SkillsProfile.objects.get(person=person).education == "upper_secondary"
    assert [r["status"] for r in again["results"]] == ["already_imported"]


def test_profile_rows_are_bounded_by_the_uploaders_provinces_and_checked(adult, field_officer):
    here, there, child = adult(age=30), adult(age=30, province="herat"), adult(age=10)
    rows = [
        profile_row(here, **{"occupation1/occupation1_isco": "99"}),
        profile_row(there),
        profile_row(here, person_id=str(there.pk)),
        profile_row(child),
        profile_row(here, can_work_outside_home="perhaps"),
        profile_row(here, **{"meta/instanceID": ""}),
        profile_row(here, certificates="bad\x00byte"),
        profile_row(here),
    ]
    report = submissions_import(form="profile", data=export(rows), by=field_officer)
    assert report["created"] == 1 and report["rows"] == 8
    reasons = {r["row"]: r["code"] for r in report["rejected"]}
    assert reasons == {
        1: "isco_unknown",
        2: "unknown_household",
        3: "unknown_person",
        4: "skills_profile_for_15_and_over",
        5: "yes_no",
        6: "client_uuid_required",
        7: "nul_character",
    }
    # another province's household gets the same answer as no household at all
    assert "in your provinces" in report["rejected"][1]["message"]
    assert list(SkillsProfile.objects.values_list("person_id", flat=True)) == [here.pk]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM livelihoods_importedsubmission")
        assert cursor.fetchone()[0] == 1


def test_a_survey_export_records_rounds_once_and_refuses_bad_answers(handed_over, field_officer):
    good = survey_row(handed_over)
    outside = survey_row(handed_over, **{"economic/safety": "5"}, round="m3")
    report = submissions_import(form="survey", data=export([good, outside]), by=field_officer)
    assert report["created"] == 1
    [refused] = report["rejected"]
    assert refused["row"] == 2 and refused["code"] == "survey_answer_within_its_scale"
    assert "the answer to safety is 5; choose 0 to 2" in refused["message"]
    survey = SurveyRound.objects.get()
    assert survey.source == "kobo" and str(survey.client_uuid) == good["meta/instanceID"].removeprefix("uuid:")
    assert survey.point is not None and survey.score_composite is not None
    again = submissions_import(form="survey", data=export([good]), by=field_officer)
    assert (again["created"], again["already_imported"]) == (0, 1) and SurveyRound.objects.count() == 1


def test_a_survey_of_a_household_without_a_handover_or_elsewhere_is_refused(
    make_household, handed_over, field_officer, users
):
    waiting = make_household(registered_by=users["officer_nangarhar"])
    herat = make_household(province="herat")
    rows = [
        survey_row(handed_over, household_ref=waiting.code),
        survey_row(handed_over, household_ref=herat.code),
        survey_row(handed_over, gps="north of the river"),
    ]
    report = submissions_import(form="survey", data=export(rows), by=field_officer)
    assert [r["code"] for r in report["rejected"]] == ["not_handed_over", "unknown_household", "gps_invalid"]
    assert not SurveyRound.objects.exists()


def test_a_csv_export_from_odk_central_is_read_with_its_group_paths(handed_over, field_officer):
    row = survey_row(handed_over)
    row = {key.replace("/", "-"): value for key, value in row.items()}
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(row))
    writer.writeheader()
    writer.writerow(row)
    report = submissions_import(form="survey", data=out.getvalue().encode(), filename="export.csv", by=field_officer)
    assert report["created"] == 1, report


@pytest.mark.parametrize(
    "data, code",
    [
        (b"\xff\xfe\x00", "file_not_utf8"),
        (b'{"results": [1, 2]}', "file_not_submissions"),
        (b"{not json", "file_invalid_json"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_whole(data, code):
    with pytest.raises(ValidationError) as error:
        read_rows(data, "export.json")
    assert error.value.error_dict["file"][0].code == code


def test_only_officers_import_and_only_the_two_forms(users, field_officer):
    with pytest.raises(PermissionDenied):
        submissions_import(form="profile", data=export([]), by=users["partner"])
    with pytest.raises(ValidationError):
        submissions_import(form="inspection", data=export([]), by=field_officer)


def test_the_command_imports_as_the_user_it_names(adult, field_officer, tmp_path):
    person = adult(age=30)
    path = tmp_path / "profiles.json"
    path.write_bytes(export([profile_row(person)]))
    out = io.StringIO()
    call_command("import_livelihood_kobo", str(path), form="profile", user="field.n", stdout=out)
    assert json.loads(out.getvalue())["created"] == 1
    with pytest.raises(CommandError, match="no active user"):
        call_command("import_livelihood_kobo", str(path), form="profile", user="nobody")
    with pytest.raises(CommandError, match="Only a"):
        call_command("import_livelihood_kobo", str(path), form="profile", user="partner")


def test_the_profile_xlsform_passes_pyxform_with_every_field_the_import_reads(db):
    warnings = []
    xml = convert(xlsform=io.BytesIO(form_bytes("profile")), file_type=".xlsx", warnings=warnings).xform
    for name in (
        "household_ref",
        "person_id",
        "education",
        "literacy_dari",
        "occupation1_isco",
        "occupation3_years",
        "certificates",
        "languages",
        "can_work_outside_home",
        "workplace_accepted",
        "max_travel_km",
    ):
        assert f"/{name}" in xml, name
    assert "instanceID" in xml
    assert not [w for w in warnings if "error" in w.lower()], warnings
