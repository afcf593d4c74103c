"""Bulk registration from a border list: dry run row by row, then all or nothing."""

import io

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from households.bulk import ListError, households_import
from households.models import DuplicateFlag, Household
from landreg import roles
from landreg.services import user_create

HEADER = "province,category,size,head_name,father_name,sex,date_of_birth,tazkira,return_date,crossing_point,landless\n"
GOOD = [
    "AF06,documented_returnee,6,Gul Agha,Noor Mohammad,m,1979-05-02,1400-0101-11111,1403/05/12,torkham,yes\n",
    "AF06,deportee,9,Bibi Zainab,Abdul Ghafoor,f,,1400-0101-22222,2024-09-01,torkham,yes\n",
]


def run(content, user, dry_run=True, name="list.csv"):
    return households_import(
        name=name, content=content.encode() if isinstance(content, str) else content, by=user, dry_run=dry_run
    )


def test_a_dry_run_reports_each_row_and_writes_nothing(users, make_household):
    make_household(head={"name": "Existing", "father_name": "X", "sex": "m", "tazkira": "1400-0101-33333"})
    content = (
        HEADER
        + "".join(GOOD)
        + (
            "AF06,tourist,0,Someone,,x,1990-13-40,,,,maybe\n"  # invalid in several ways
            "AF06,idp,4,Wali,Khan,m,,1400-0101-11111,,,no\n"  # same tazkira as row 2
            "AF06,idp,4,Shir,Khan,m,,۱۴۰۰-۰۱۰۱-۳۳۳۳۳,,,no\n"  # already registered (typed in Dari digits)
        )
    )
    before = Household.objects.count()
    report = run(content, users["officer_nangarhar"])
    assert [(r.row, r.outcome) for r in report.rows] == [
        (2, "create"),
        (3, "create"),
        (4, "invalid"),
        (5, "duplicate"),
        (6, "duplicate"),
    ]
    invalid = " ".join(report.rows[2].messages)
    for expected in ("Category “tourist”", "size “0”", "Sex must be f or m", "1990-13-40", "yes or no"):
        assert expected in invalid
    assert report.rows[3].messages == ["Same tazkira number as row 2 of this list."]
    assert report.rows[4].messages[0].startswith("Same tazkira number as registered household HH-")
    assert Household.objects.count() == before and not report.committed


def test_the_real_run_is_all_or_nothing(users):
    content = HEADER + "".join(GOOD) + "AF06,idp,x,Wali,Khan,m,,,,,no\n"
    report = run(content, users["officer_nangarhar"], dry_run=False)
    assert not report.committed and report.counts == {"create": 2, "duplicate": 0, "invalid": 1}
    assert not Household.objects.exists()


def test_a_clean_list_registers_everyone_with_shamsi_dates_converted(users):
    report = run(HEADER + "".join(GOOD), users["officer_nangarhar"], dry_run=False)
    assert report.committed and report.counts["create"] == 2
    gul = Household.objects.get(members__name="Gul Agha")
    assert str(gul.return_date) == "2024-08-02" and gul.landless_declared and gul.registered_by.username == "officer.n"
    assert all(r.code for r in report.rows)


def test_similar_names_are_registered_and_flagged(users, make_household):
    import datetime

    make_household(
        head={
            "name": "Gul Agha",
            "father_name": "Noor Mohammad",
            "sex": "m",
            "date_of_birth": datetime.date(1979, 5, 2),
        }
    )
    report = run(HEADER + GOOD[0].replace("1400-0101-11111", ""), users["officer_nangarhar"], dry_run=False)
    assert report.committed and "possible duplicate of HH-" in report.rows[0].messages[0]
    assert DuplicateFlag.objects.filter(reason="similar_head").count() == 1


def test_an_xlsx_list_works_too(users):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER.strip().split(","))
    for line in GOOD:
        sheet.append(line.strip().split(","))
    buffer = io.BytesIO()
    book.save(buffer)
    report = run(buffer.getvalue(), users["officer_nangarhar"], name="border.xlsx", dry_run=False)
    assert report.committed and Household.objects.count() == 2


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("list.csv", b"province,category\xff\xfe\n", "not UTF-8"),
        ("list.csv", b"province,size\nAF06,3\n", r"lacks the column\(s\) category, head_name, sex"),
        ("list.csv", b"", "empty"),
        ("list.xlsx", b"PK\x03\x04 truncated", "not a readable XLSX"),
    ],
)
def test_a_broken_file_gets_a_sentence_saying_what_to_fix(users, name, content, message):
    with pytest.raises(ListError, match=message):
        run(content, users["officer_nangarhar"], name=name)


def test_rows_outside_the_officers_provinces_are_invalid_and_say_so(users):
    """A Herat row (AF32 here) in a Nangarhar officer's list: a real province, not theirs."""
    before = Household.objects.count()
    report = run(HEADER + GOOD[0].replace("AF06", "AF32") + GOOD[1], users["officer_nangarhar"])
    assert [(r.outcome, r.messages) for r in report.rows] == [
        ("invalid", ["Province “AF32” is outside your provinces."]),
        ("create", []),
    ]
    assert run(HEADER + GOOD[0].replace("AF06", "AF32"), users["officer_nangarhar"], dry_run=False).counts == {
        "create": 0,
        "duplicate": 0,
        "invalid": 1,
    }
    assert Household.objects.count() == before


def test_a_province_code_that_does_not_exist_is_told_apart(users):
    report = run(HEADER + GOOD[0].replace("AF06", "AF99"), users["officer_nangarhar"])
    assert report.rows[0].outcome == "invalid"
    assert report.rows[0].messages == [
        "Province “AF99” is neither a province p-code (AF01…AF34) nor a province's name."
    ]


@pytest.mark.parametrize("province", ["Nangarhar", "nangarhar", " NANGARHAR ", "ننگرهار", "AF06", "af06"])
def test_a_province_is_its_p_code_or_its_name_in_any_language(users, province):
    report = run(HEADER + GOOD[0].replace("AF06", province, 1), users["officer_nangarhar"])
    assert report.rows[0].outcome == "create", report.rows[0].messages


def test_the_template_is_a_list_that_checks_clean(client, users):
    client.force_login(users["officer_nangarhar"])
    response = client.get("/households/import/template.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    content = response.content
    assert content.startswith("\ufeff".encode())  # spreadsheet programs then read it as UTF-8
    report = run(content.decode("utf-8-sig"), users["officer_nangarhar"])
    assert [(r.outcome, r.messages) for r in report.rows] == [("create", [])]


def test_the_template_is_for_land_officers_only(client, users):
    client.force_login(users["partner"])
    assert client.get("/households/import/template.csv").status_code == 403
    assert client.get("/households/import/").status_code == 403


def test_a_national_officer_registers_rows_of_any_province(users):
    national = user_create(username="officer.national", password="x", roles=[roles.LAND_OFFICER], national=True)
    report = run(HEADER + GOOD[0].replace("AF06", "AF32") + GOOD[1], national)
    assert [r.outcome for r in report.rows] == ["create", "create"]


def test_the_command_shows_progress_and_refuses_a_bad_list(users, tmp_path, capsys):
    path = tmp_path / "list.csv"
    path.write_text(HEADER + "".join(GOOD) * 1, encoding="utf-8")
    call_command("import_households", str(path), "--as-user", "officer.n", "--commit")
    out = capsys.readouterr().out
    assert "checked 2/2" in out and "registered: 2 to create" in out
    path.write_text(HEADER + "AF06,idp,x,Wali,Khan,m,,,,,no\n", encoding="utf-8")
    with pytest.raises(CommandError, match="nothing registered"):
        call_command("import_households", str(path), "--as-user", "officer.n", "--commit")


def test_the_api_refuses_an_oversized_upload_before_reading_it(client, users, settings):
    client.force_login(users["officer_nangarhar"])
    settings.LANDREG_MAX_UPLOAD_BYTES = 100
    response = client.post("/api/v1/households/import/", {"file": io.BytesIO((HEADER + GOOD[0] * 5).encode())})
    assert response.status_code == 413 and "limit" in response.json()["detail"]


def test_the_api_dry_run_and_commit(client, users):
    client.force_login(users["officer_nangarhar"])
    dry = client.post("/api/v1/households/import/", {"file": io.BytesIO((HEADER + GOOD[0]).encode())})
    assert dry.status_code == 200 and dry.json()["counts"] == {"create": 1, "duplicate": 0, "invalid": 0}
    done = client.post(
        "/api/v1/households/import/", {"file": io.BytesIO((HEADER + GOOD[0]).encode()), "dry_run": "false"}
    )
    assert done.status_code == 201 and done.json()["committed"] is True
    broken = client.post("/api/v1/households/import/", {"file": io.BytesIO(b"\xff\xfe")})
    assert broken.status_code == 400 and "UTF-8" in broken.json()["detail"]
