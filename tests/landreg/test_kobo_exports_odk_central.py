"""ODK Central's export zip (landreg/kobo_exports.py): the main CSV and a CSV per repeat group, joined by PARENT_KEY
and KEY, read as Kobo's JSON nests them, end to end through the border registration import (movements/kobo.py,
manage.py import_border_kobo) and the livelihoods import (livelihoods/kobo.py), each idempotent; and a hostile zip
refused whole with a sentence, nothing written.

The zips are built here as ODK Central builds them, from the XLSForm we hand out (its survey sheet's types and
names, groups and repeats), so a renamed field or a new group breaks these tests rather than a border team's import."""

import csv
import datetime
import io
import uuid
import zipfile

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from landreg import roles
from landreg.kobo_exports import ZIP_MAX_MEMBERS, export_rows
from landreg.services import user_create
from livelihoods.kobo import submissions_import
from livelihoods.models import ImportedSubmission, SkillsProfile
from livelihoods.xlsform import PROFILE_FORM_ID, form_bytes
from movements.kobo import border_submissions_import
from movements.models import Arrival, ArrivalMember
from movements.xlsform import FORM_ID, xlsform_bytes
from parcels.models import CrossingPoint
from tests.livelihoods.conftest import adult, reference_data  # noqa: F401  (the livelihood fixtures)

# The columns ODK Central adds to the main CSV around the form's own.
CENTRAL_AFTER = ("KEY", "SubmitterID", "SubmitterName", "AttachmentsPresent", "AttachmentsExpected", "Status",
                 "ReviewState", "DeviceID", "Edits", "FormVersion")  # fmt: skip


def form_tables(xlsform: bytes) -> dict[str, list[str]]:
    """The CSV columns ODK Central exports for a form, from its XLSForm: {"": main columns, repeat: columns}. A
    field's column is its group path joined by "-", from the innermost repeat; a geopoint is four columns."""
    book = openpyxl.load_workbook(io.BytesIO(xlsform), read_only=True)
    rows = list(book["survey"].iter_rows(values_only=True))
    header = [str(c) for c in rows[0]]
    kind, name = header.index("type"), header.index("name")
    tables, stack = {"": ["SubmissionDate"]}, []  # stack: ("group" | "repeat", name)

    def where() -> tuple[str, list[str]]:
        """The table of the innermost repeat ("" for the main one) and the groups since it."""
        groups = []
        for k, n in reversed(stack):
            if k == "repeat":
                return n, groups
            groups.insert(0, n)
        return "", groups

    for row in rows[1:]:
        qtype, qname = str(row[kind] or "").strip(), str(row[name] or "").strip()
        if not qtype:
            continue
        if qtype in ("end_group", "end group", "end_repeat", "end repeat"):
            stack.pop()
            continue
        table, groups = where()
        if qtype in ("begin_group", "begin group"):
            stack.append(("group", qname))
        elif qtype in ("begin_repeat", "begin repeat"):
            tables[table].append("SET-OF-" + "-".join([*groups, qname]))
            stack.append(("repeat", qname))
            tables[qname] = []
        elif qtype == "geopoint":
            column = "-".join([*groups, qname])
            tables[table] += [f"{column}-{part}" for part in ("Latitude", "Longitude", "Altitude", "Accuracy")]
        else:
            tables[table].append("-".join([*groups, qname]))
    tables[""] += ["meta-instanceID", *CENTRAL_AFTER]
    for repeat in tables:
        if repeat:
            tables[repeat] += ["PARENT_KEY", "KEY"]
    return tables


def _csv(columns: list[str], rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\r\n", extrasaction="raise")
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return out.getvalue().encode()


def central_zip(xlsform: bytes, form_id: str, submissions: list[dict], *, extra: dict | None = None) -> bytes:
    """An ODK Central export zip of these submissions: each a dict of field names (the short names of the form)
    with a repeat's entries as a list under the repeat's name, and "instanceID". Fields the form does not have are
    an error, so the submissions follow the form."""
    tables = form_tables(xlsform)
    short = {t: {c.split("-")[-1] if not c.startswith("SET-OF-") else c: c for c in cols} for t, cols in tables.items()}
    out = {t: [] for t in tables}

    def place(table: str, values: dict, key: str, parent: str = "") -> None:
        row = {}
        for field, value in values.items():
            if isinstance(value, list):
                for n, entry in enumerate(value, start=1):
                    place(field, entry, f"{key}/{field}[{n}]", key)
                column = next(c for c in tables[table] if c.startswith("SET-OF-") and c.split("-")[-1] == field)
                row[column] = f"{key}/{field}"
                continue
            row[short[table][field]] = value
        if table:
            row.update({"PARENT_KEY": parent, "KEY": key})
        else:
            row.update({"SubmissionDate": timezone.now().isoformat(), "meta-instanceID": key, "KEY": key,
                        "SubmitterName": "border.team", "Status": "", "ReviewState": "", "Edits": "0"})  # fmt: skip
        out[table].append(row)

    for submission in submissions:
        values = dict(submission)
        place("", values, "uuid:" + values.pop("instanceID"))
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        for table, columns in tables.items():
            z.writestr(f"{form_id}-{table}.csv" if table else f"{form_id}.csv", _csv(columns, out[table]))
        for name, content in (extra or {}).items():
            z.writestr(name, content)
    return archive.getvalue()


def hostile_zip(members: dict[str, bytes], *, encrypted: bool = False) -> bytes:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in members.items():
            z.writestr(zipfile.ZipInfo(name), content, compress_type=zipfile.ZIP_DEFLATED)
    data = bytearray(archive.getvalue())
    if encrypted:  # the "encrypted" flag of the first member, as a password-protected zip sets it
        data[6] |= 0x1
        data[data.index(b"PK\x01\x02") + 8] |= 0x1
    return bytes(data)


def refusal(data: bytes, filename: str = "export.zip") -> tuple[str, str]:
    with pytest.raises(ValidationError) as caught:
        export_rows(data, filename)
    error = caught.value.error_dict["file"][0]
    return error.code, " ".join(error.messages)


# --- the border registration form, end to end ------------------------------------------------------------------------


@pytest.fixture
def torkham(provinces):
    return CrossingPoint.objects.create(
        code="torkham", name_en="Torkham", province=provinces["nangarhar"], neighbouring_country="PK", main=True,
        geom="SRID=4326;POINT(71.093 34.102)", source="test", precision_km=2,
    )  # fmt: skip


def border_submission(*members, **fields) -> dict:
    values = {
        "instanceID": str(uuid.uuid4()),
        "crossing_point": "torkham",
        "crossed_at": (timezone.now() - datetime.timedelta(hours=3)).isoformat(timespec="milliseconds"),
        "direction": "in",
        "category": "deported",
        "country_of_asylum": "PK",
        "years_abroad": "7",
        "documents_held": "tazkira por_card",
        "travelling": "family" if len(members) > 1 else "alone",
        "destination_province": "AF06",
        "members": list(members),
        "member_count": str(len(members)),
        "vulnerabilities": "female_headed",
        "assistance": "cash",
    }
    values.update(fields)
    return values


def member(name: str, relationship: str = "head", sex: str = "m", band: str = "18_59", **fields) -> dict:
    return {"relationship": relationship, "name": name, "sex": sex, "age_band": band, **fields}


def test_the_border_forms_central_zip_has_a_csv_for_its_members_repeat(db, torkham):
    tables = form_tables(xlsform_bytes())
    assert set(tables) == {"", "members"}
    assert "crossing-crossing_point" in tables[""] and "destination-destination_province" in tables[""]
    assert "SET-OF-members" in tables[""] and "gps-Latitude" in tables[""]
    assert tables["members"][:3] == ["relationship", "name", "father_name"]
    assert tables["members"][-2:] == ["PARENT_KEY", "KEY"]


def test_a_central_zip_of_border_registrations_is_imported_once_with_each_familys_members(torkham, field_officer):
    family = border_submission(
        member("Sher Agha Safi", father_name="Gul Agha", date_of_birth="1980-03-01", tazkira="1399-0101-12345"),
        member("Bibi Gul", "spouse", "f"),
        member("Zarmina", "child", "f", "5_17"),
    )
    alone = border_submission(member("Wali Khan", tazkira="1399-0101-99999"), category="spontaneous_undocumented")
    data = central_zip(xlsform_bytes(), FORM_ID, [family, alone])
    first = border_submissions_import(data=data, filename=f"{FORM_ID}.csv.zip", by=field_officer)
    assert (first["rows"], first["created"], first["already_imported"], first["rejected"]) == (2, 2, 0, [])
    arrival = Arrival.objects.get(client_uuid=family["instanceID"])
    assert list(arrival.members.order_by("pk").values_list("relationship", "name", "sex", "age_band")) == [
        ("head", "Sher Agha Safi", "m", "18_59"),
        ("spouse", "Bibi Gul", "f", "18_59"),
        ("child", "Zarmina", "f", "5_17"),
    ]
    head = arrival.members.get(relationship="head")
    assert head.tazkira_last4 == "2345" and head.date_of_birth == datetime.date(1980, 3, 1)
    assert arrival.documents_held == ["tazkira", "por_card"] and arrival.years_abroad == 7
    assert arrival.household is not None and arrival.household.size == 3
    assert Arrival.objects.get(client_uuid=alone["instanceID"]).travelling == "alone"

    again = border_submissions_import(data=data, filename=f"{FORM_ID}.csv.zip", by=field_officer)
    assert (again["created"], again["already_imported"], again["rejected"]) == (0, 2, [])
    assert Arrival.objects.count() == 2 and ArrivalMember.objects.count() == 4


def test_manage_py_import_border_kobo_reads_a_central_zip_and_records_nothing_twice(torkham, field_officer, tmp_path):
    path = tmp_path / "border.csv.zip"
    path.write_bytes(
        central_zip(xlsform_bytes(), FORM_ID, [border_submission(member("Ali Ahmadzai"), member("Sara", "child"))])
    )
    for _time in range(2):
        out = io.StringIO()
        call_command("import_border_kobo", str(path), "--user", field_officer.username, stdout=out)
    assert '"already_imported": 1' in out.getvalue()
    assert Arrival.objects.count() == 1 and ArrivalMember.objects.count() == 2


def test_a_hostile_zip_is_refused_whole_by_the_border_import(torkham, field_officer):
    good = central_zip(xlsform_bytes(), FORM_ID, [border_submission(member("Ali"), member("Sara", "child"))])
    with zipfile.ZipFile(io.BytesIO(good)) as z:
        members = {i.filename: z.read(i) for i in z.infolist()}
    orphan = (
        members[f"{FORM_ID}-members.csv"].decode() + "Omar,child,,,,m,5_17,,,,uuid:nobody,uuid:nobody/members[1]\r\n"
    )
    members[f"{FORM_ID}-members.csv"] = orphan.encode()
    with pytest.raises(ValidationError) as caught:
        border_submissions_import(data=hostile_zip(members), filename="b.zip", by=field_officer)
    assert "PARENT_KEY" in " ".join(caught.value.messages)
    assert Arrival.objects.count() == 0


# --- the livelihoods profile form, end to end ------------------------------------------------------------------------


def test_a_central_zip_of_skills_profiles_is_imported_once(adult, field_officer):  # noqa: F811
    person = adult(age=30)
    profile = {
        "instanceID": str(uuid.uuid4()),
        "today": timezone.localdate().isoformat(),
        "username": "field.n",
        "household_ref": person.household.code,
        "person_id": str(person.pk),
        "education": "primary",
        "literacy_dari": "basic",
        "literacy_pashto": "none",
        "literacy_english": "none",
        "occupation1_isco": "7115",
        "occupation1_years": "6",
        "occupation1_learnt_in": "iran",
        "certificates": "First aid",
        "languages": "prs pus",
        "can_work_outside_home": "yes",
        "workplace_accepted": "any",
        "care_duties": "no",
        "disability": "no",
        "max_travel_km": "8",
    }
    xlsform = form_bytes("profile")
    assert "occupation1-occupation1_isco" in form_tables(xlsform)[""]  # in its group, as Central names it
    data = central_zip(xlsform, PROFILE_FORM_ID, [profile])
    first = submissions_import(form="profile", data=data, filename="profiles.zip", by=field_officer)
    assert (first["created"], first["already_imported"], first["rejected"]) == (1, 0, [])
    saved = SkillsProfile.objects.get(person=person)
    assert list(saved.occupations.values_list("isco_id", flat=True)) == ["7115"] and saved.languages == ["prs", "pus"]
    again = submissions_import(form="profile", data=data, filename="profiles.zip", by=field_officer)
    assert (again["created"], again["already_imported"]) == (0, 1)
    assert ImportedSubmission.objects.count() == 1


# --- the reader ------------------------------------------------------------------------------------------------------


def test_repeats_within_repeats_are_nested_and_media_and_set_of_columns_left_out():
    data = hostile_zip(
        {
            "f.csv": b"SubmissionDate,grp-a,SET-OF-plots,meta-instanceID,KEY\r\n"
            b"2025-08-02,1,uuid:s/plots,uuid:s,uuid:s\r\n",
            "f-plots.csv": b"n,PARENT_KEY,KEY,SET-OF-plots\r\n"
            b"1,uuid:s,uuid:s/plots[1],x\r\n2,uuid:s,uuid:s/plots[2],x\r\n",
            "f-trees~1.csv": b"kind,PARENT_KEY,KEY\r\nfig,uuid:s/plots[2],uuid:s/plots[2]/trees[1]\r\n",
            "media/photo.jpg": b"\xff\xd8\xff",
        }
    )
    (row,) = export_rows(data, "f.zip")
    assert row["a"] == "1" and row["grp-a"] == "1" and row["instanceID"] == "uuid:s"
    assert [p["n"] for p in row["plots"]] == ["1", "2"]
    assert row["plots"][1]["trees"] == [{"kind": "fig"}] and "trees" not in row["plots"][0]
    assert "SET-OF-plots" not in row and "PARENT_KEY" not in row["plots"][0] and "KEY" not in row["plots"][0]


def test_a_zip_bomb_is_refused_by_its_unpacked_size(settings):
    settings.LANDREG_MAX_UPLOAD_BYTES = 100_000
    data = hostile_zip({"f.csv": b"a,KEY\r\n" + b"0" * 2_000_000})
    assert len(data) < 100_000
    code, message = refusal(data)
    assert code == "zip_too_large" and message.startswith("The zip unpacks to more than") and "import limit" in message


def test_a_zip_that_lies_about_its_sizes_is_still_stopped_at_the_limit(settings):
    settings.LANDREG_MAX_UPLOAD_BYTES = 100_000
    data = bytearray(hostile_zip({"f.csv": b"a,KEY\r\n" + b"0" * 2_000_000}))
    # Declare the member 10 bytes long, in its local header and in the central directory.
    local = data.index(b"PK\x03\x04")
    data[local + 22 : local + 26] = (10).to_bytes(4, "little")
    central = data.index(b"PK\x01\x02")
    data[central + 24 : central + 28] = (10).to_bytes(4, "little")
    code, _message = refusal(bytes(data))
    assert code in ("zip_too_large", "zip_damaged")


def test_a_zip_of_too_many_files_is_refused():
    data = hostile_zip({f"f-{n}.csv": b"" for n in range(ZIP_MAX_MEMBERS + 1)})
    code, message = refusal(data)
    assert code == "zip_too_many_members" and f"holds {ZIP_MAX_MEMBERS + 1} files" in message


@pytest.mark.parametrize("name", ["../f.csv", "/etc/f.csv", "a/../../f.csv", "C:/f.csv", "a\\..\\f.csv"])
def test_a_name_leading_outside_the_archive_is_refused_unread(name):
    code, message = refusal(hostile_zip({"f.csv": b"a,KEY\r\n1,uuid:s\r\n", name: b"a\r\n"}))
    assert code == "zip_unsafe_name" and "leading outside the archive" in message


def test_a_zip_holding_two_files_of_one_name_is_refused_unread():
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z, pytest.warns(UserWarning):  # zipfile warns of the duplicate name
        z.writestr("f.csv", b"a,KEY\r\n1,uuid:s\r\n")
        z.writestr("f.csv", b"a,KEY\r\n2,uuid:t\r\n")
    code, message = refusal(archive.getvalue())
    assert code == "zip_unsafe_name" and "two files of the same name" in message


def test_a_repeat_row_whose_parent_key_matches_no_row_refuses_the_file():
    data = hostile_zip(
        {
            "f.csv": b"a,meta-instanceID,KEY\r\n1,uuid:s,uuid:s\r\n",
            "f-members.csv": b"name,PARENT_KEY,KEY\r\n"
            b"Ali,uuid:s,uuid:s/members[1]\r\nOmar,uuid:x,uuid:x/members[1]\r\n",
        }
    )
    code, message = refusal(data)
    assert code == "zip_parent_key_unknown"
    assert message.startswith("Row 3 of f-members.csv belongs to “uuid:x” (its PARENT_KEY), which no row")


def test_a_csv_in_the_zip_that_is_not_utf8_is_refused_by_name():
    code, message = refusal(hostile_zip({"f.csv": "a,KEY\r\nمحمد,uuid:s\r\n".encode("cp1256")}))
    assert code == "file_not_utf8" and message.startswith("f.csv in the zip is not UTF-8 text")


@pytest.mark.parametrize(
    "members,words",
    [
        ({"f-members.csv": b"name,PARENT_KEY,KEY\r\n"}, "it holds 0 main CSVs"),
        ({"f.csv": b"a,KEY\r\n", "g.csv": b"b,KEY\r\n"}, "it holds 2 main CSVs"),
        ({"f.csv": b"a,KEY\r\n1,uuid:s\r\n2,uuid:s\r\n"}, "Row 3 of f.csv repeats the KEY uuid:s"),
    ],
)
def test_a_zip_that_is_not_one_forms_export_is_refused(members, words):
    assert words in refusal(hostile_zip(members))[1]


def test_an_encrypted_or_damaged_zip_is_refused():
    assert refusal(hostile_zip({"f.csv": b"a,KEY\r\n"}, encrypted=True))[0] == "zip_encrypted"
    assert refusal(b"PK\x03\x04 not really a zip")[0] == "zip_damaged"
    assert refusal(b'{"results": []}', "export.zip")[0] == "zip_damaged"


def test_a_border_officer_of_another_province_imports_nothing_from_the_zip(torkham, provinces, users):
    herat = user_create(username="field.h", password="x", roles=[roles.FIELD_OFFICER], provinces=[provinces["herat"]])
    data = central_zip(xlsform_bytes(), FORM_ID, [border_submission(member("Ali"), member("Sara", "child"))])
    report = border_submissions_import(data=data, filename="b.zip", by=herat)
    assert report["created"] == 0 and report["rejected"][0]["code"] == "permission"
    assert Arrival.objects.count() == 0
