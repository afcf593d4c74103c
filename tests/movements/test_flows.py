"""Flow counts: one row per key; a re-import of a day from a source replaces that day's counts (never adds), the
history keeps the earlier values; imports are all or nothing with a dry run, and bad rows get their sentences."""

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from openpyxl import Workbook

from movements.flows import FlowFileError, flow_counts_import, flow_counts_replace
from movements.models import FlowCount
from movements.selectors import flow_counts_visible_to

DAY = "2025-08-02"
HEADER = "crossing_point,day,direction,category,travelling,source,method,total,female,male," + (
    "f_0_4,f_5_17,f_18_59,f_60_plus,m_0_4,m_5_17,m_18_59,m_60_plus"
)


def csv_of(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


ROW_FAMILY = f"torkham,{DAY},in,deported,family,border_team,headcount,120,58,62,14,20,20,4,14,22,22,4"
ROW_ALONE = f"Torkham,{DAY},in,deported,alone,border_team,headcount,40,,,,,,,,,,"
ROW_IOM = f"torkham,{DAY},in,deported,family,iom,key_informant,130,,,,,,,,,,"


def test_an_import_writes_each_key_once_with_its_split(points, field_officer):
    report = flow_counts_import(
        name="day.csv", content=csv_of(ROW_FAMILY, ROW_ALONE, ROW_IOM), by=field_officer, dry_run=False
    )
    assert report.committed and report.counts["new"] == 3
    family = FlowCount.objects.get(travelling="family", source="border_team")
    assert (family.total, family.female, family.m_18_59) == (120, 58, 22)
    assert FlowCount.objects.get(travelling="alone").female is None


def test_a_dry_run_writes_nothing_and_says_what_would_happen(points, field_officer):
    flow_counts_import(name="day.csv", content=csv_of(ROW_FAMILY, ROW_ALONE), by=field_officer, dry_run=False)
    changed = ROW_FAMILY.replace(",120,58,62,14,", ",121,59,62,15,")
    report = flow_counts_import(name="day.csv", content=csv_of(changed), by=field_officer, dry_run=True)
    assert [(r.row, r.outcome) for r in report.rows] == [(2, "replace")]
    assert report.rows[0].messages == ["Replaces 120 recorded before."]
    assert report.removed == [
        "Torkham, 2025-08-02, border_team: in deported alone (40) is no longer given and is removed."
    ]
    assert not report.committed
    assert FlowCount.objects.get(travelling="family").total == 120 and FlowCount.objects.count() == 2


def test_a_reimport_of_the_day_replaces_never_adds_and_history_keeps_the_earlier_values(points, field_officer):
    flow_counts_import(name="day.csv", content=csv_of(ROW_FAMILY, ROW_ALONE, ROW_IOM), by=field_officer, dry_run=False)
    changed = ROW_FAMILY.replace(",120,58,62,14,", ",121,59,62,15,")
    report = flow_counts_import(name="day.csv", content=csv_of(changed), by=field_officer, dry_run=False)
    assert report.committed
    family = FlowCount.objects.get(travelling="family", source="border_team")
    assert family.total == 121  # replaced, not 241
    assert not FlowCount.objects.filter(travelling="alone").exists()  # the day's border-team count no longer given
    assert FlowCount.objects.get(source="iom").total == 130  # another source's count of the day stays
    totals = [e.total for e in family.history_events.order_by("pgh_id")]
    assert totals == [120, 121]
    removed = FlowCount.history_events.field.model.objects.filter(travelling="alone", pgh_label="delete")
    assert [e.total for e in removed] == [40]
    # the same file again changes nothing
    again = flow_counts_import(name="day.csv", content=csv_of(changed), by=field_officer, dry_run=False)
    assert [r.outcome for r in again.rows] == ["same"] and family.history_events.count() == 2


def test_bad_rows_get_a_sentence_each_and_nothing_is_written(points, field_officer):
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    rows = [
        ROW_FAMILY,
        ROW_FAMILY.replace("torkham", "wagah"),
        ROW_ALONE.replace(",40,", ",-3,"),
        ROW_IOM.replace(DAY, tomorrow),
        ROW_FAMILY.replace("border_team", "unhcr").replace(",58,62,", ",50,62,"),
        ROW_FAMILY.replace("border_team", "iom").replace(",14,20,20,4,", ",14,20,20,9,"),
        ROW_FAMILY,
    ]
    report = flow_counts_import(name="day.csv", content=csv_of(*rows), by=field_officer, dry_run=False)
    assert not report.committed and not FlowCount.objects.exists()
    messages = {r.row: r.messages for r in report.rows if r.outcome == "invalid"}
    assert messages[3] == ["Crossing point “wagah” is not known; write its code (torkham, islam_qala…) or its name."]
    assert messages[4] == ["total is -3: a count cannot be negative."]
    assert messages[5] == [f"Date {tomorrow} is in the future."]
    assert messages[6] == [
        "Female 50 and male 62 add up to 112, not the total 120.",
        "The female age cells add up to 58, not 50.",
    ]
    assert messages[7] == [
        "The sex and age cells add up to 125, not the total 120.",
        "The female age cells add up to 63, not 58.",
    ]
    assert messages[8] == ["This row repeats the key of row 2."]
    assert report.rows[0].outcome == "new"


def test_a_crossing_point_outside_the_officers_provinces_is_refused_row_by_row(points, border_herat):
    report = flow_counts_import(name="day.csv", content=csv_of(ROW_FAMILY), by=border_herat, dry_run=False)
    assert report.rows[0].messages == ["Crossing point Torkham is outside your provinces."]
    assert not FlowCount.objects.exists()


def test_who_may_import(points, users):
    for user in (users["partner"], users["gis"], users["committee"]):
        with pytest.raises(PermissionDenied):
            flow_counts_import(name="day.csv", content=csv_of(ROW_FAMILY), by=user)


def test_an_unreadable_file_is_refused_as_a_whole(points, field_officer):
    with pytest.raises(FlowFileError, match="lacks the column"):
        flow_counts_import(name="day.csv", content=b"crossing,day\ntorkham,2025-08-02\n", by=field_officer)
    with pytest.raises(FlowFileError, match="not UTF-8"):
        flow_counts_import(name="day.csv", content="crossing_point\n".encode("utf-16"), by=field_officer)
    with pytest.raises(FlowFileError):
        flow_counts_import(name="day.xlsx", content=b"PK\x03\x04 not a workbook", by=field_officer)


def test_an_xlsx_file_with_a_shamsi_date_imports_too(points, field_officer):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    sheet.append(["Islam Qala", "1404/05/11", "in", "spontaneous_undocumented", "alone", "iom", "headcount", 7])
    data = io.BytesIO()
    book.save(data)
    border = field_officer
    report = flow_counts_import(name="day.xlsx", content=data.getvalue(), by=border, dry_run=False)
    assert report.rows[0].messages == ["Crossing point Islam Qala is outside your provinces."]
    from landreg.services import user_create

    national = user_create(username="nat", password="x", roles=["field_officer"], national=True)
    report = flow_counts_import(name="day.xlsx", content=data.getvalue(), by=national, dry_run=False)
    assert report.committed
    assert FlowCount.objects.get().day == datetime.date(2025, 8, 2)


def test_the_days_grid_replaces_the_day_and_names_what_it_removed(points, field_officer):
    day = datetime.date(2025, 8, 2)
    rows = [
        {"direction": "in", "category": "deported", "travelling": "family", "method": "headcount", "total": 10},
        {"direction": "in", "category": "deported", "travelling": "alone", "method": "headcount", "total": 3},
    ]
    assert (
        flow_counts_replace(
            crossing_point=points["torkham"], day=day, source="border_team", rows=rows, by=field_officer
        )
        == []
    )
    removed = flow_counts_replace(
        crossing_point=points["torkham"], day=day, source="border_team", rows=rows[:1], by=field_officer
    )
    assert removed == ["Torkham, 2025-08-02, border_team: in deported alone (3) is no longer given and is removed."]
    with pytest.raises(ValidationError) as refusal:
        flow_counts_replace(
            crossing_point=points["torkham"],
            day=day,
            source="border_team",
            rows=[rows[0], {**rows[0], "female": 4, "male": 5}, rows[0]],
            by=field_officer,
        )
    assert refusal.value.messages == [
        "Line 2: Female 4 and male 5 add up to 9, not the total 10.",
        "Line 3 repeats in deported family.",
    ]
    with pytest.raises(PermissionDenied):
        flow_counts_replace(crossing_point=points["islam_qala"], day=day, source="iom", rows=rows, by=field_officer)


def test_counts_are_read_in_the_readers_provinces(points, field_officer, border_herat, users):
    flow_counts_import(name="day.csv", content=csv_of(ROW_FAMILY), by=field_officer, dry_run=False)
    assert flow_counts_visible_to(field_officer).count() == 1
    assert flow_counts_visible_to(border_herat).count() == 0
    assert flow_counts_visible_to(users["partner"]).count() == 0
    assert flow_counts_visible_to(users["gis"]).count() == 1
