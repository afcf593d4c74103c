"""The partners' grievance summary (partners/exports.py: grievance_summary): complaints counted by township,
category, status and age band as HXL CSV, under an agreement that names it; every count under 5 suppressed,
sensitive categories (and complaints marked sensitive) never below the province, each complaint in one row."""

import csv
import datetime
import io

import pytest
from django.utils import timezone

from grievances.services import grievance_receive
from landreg.models import PersonalDataAccess
from landreg.sharing import SUPPRESSED
from partners.exports import csv_lines, grievance_summary
from tests.landreg.test_data_sharing import agreement_create

SENSITIVE = {"staff_conduct", "sea", "data_protection"}
COLUMNS = ["province", "township", "category", "status", "age_band", "grievances"]


@pytest.fixture
def complaints(users, provinces, plots):
    """In Nangarhar: 6 land disputes and 2 usurpations about plots of NAN-TEST, 3 SEA complaints about a plot,
    1 land dispute about a plot marked sensitive, 2 'other' complaints not about a plot, 5 shelter complaints
    received 40 days ago; in Herat, 1."""
    officer = users["officer_nangarhar"]
    now = timezone.now()

    def receive(n, category, plot=None, province="nangarhar", by=officer, **extra):
        return [
            grievance_receive(
                by=by,
                channel="office",
                category=category,
                description=f"{category} {i}: Zarghona Qasemi, tazkira 1400-9999-77777",
                province=provinces[province],
                plot=plot,
                **extra,
            )
            for i in range(n)
        ]

    receive(6, "land_dispute", plots[0])
    receive(2, "usurpation", plots[1])
    receive(3, "sea", plots[2])
    receive(1, "land_dispute", plots[2], sensitive=True)
    receive(2, "other")
    receive(5, "shelter_payment", plots[0], received_at=now - datetime.timedelta(days=40))
    receive(1, "other", province="herat", by=users["officer_herat"])
    return now


def rows_of(data) -> list[list[str]]:
    return list(csv.reader(io.StringIO("".join(csv_lines(data)))))


def test_complaints_are_counted_by_township_category_status_and_age(users, provinces, complaints):
    rows = rows_of(grievance_summary(user=users["admin"], province=provinces["nangarhar"], now=complaints))
    assert rows[0] == COLUMNS
    assert rows[1] == ["#adm1+code", "#loc+code", "#event+category+code", "#status+code", "#date+age+band",
                       "#indicator+grievances+num"]  # fmt: skip
    assert sorted(rows[2:]) == sorted(
        [
            ["AF06", "", "sea", "received", "under_3_days", SUPPRESSED],
            ["AF06", "", "land_dispute", "received", "under_3_days", SUPPRESSED],  # the one marked sensitive
            ["AF06", "", "other", "received", "under_3_days", SUPPRESSED],  # not about a township
            ["AF06", "NAN-TEST", "land_dispute", "received", "under_3_days", "6"],
            ["AF06", "NAN-TEST", "usurpation", "received", "under_3_days", SUPPRESSED],
            ["AF06", "NAN-TEST", "shelter_payment", "received", "over_30_days", "5"],
        ]
    )


def test_every_small_cell_is_suppressed(users, provinces, complaints):
    rows = rows_of(grievance_summary(user=users["admin"], province=provinces["nangarhar"], now=complaints))[2:]
    counts = [row[-1] for row in rows]
    assert SUPPRESSED in counts
    assert all(n == SUPPRESSED or int(n) >= 5 for n in counts), counts
    assert "0" not in counts  # a combination with no complaint has no row


def test_sensitive_categories_are_never_below_the_province(users, provinces, complaints):
    rows = rows_of(grievance_summary(user=users["admin"], province=provinces["nangarhar"], now=complaints))[2:]
    assert {row[1] for row in rows if row[2] in SENSITIVE} == {""}
    # The land dispute marked sensitive is not in the township's land dispute row: 6, not 7.
    assert ["AF06", "NAN-TEST", "land_dispute", "received", "under_3_days", "6"] in rows


def test_each_complaint_is_in_exactly_one_row(users, provinces, complaints):
    """Disjoint rows: no province total to subtract a township's rows from."""
    data = grievance_summary(user=users["admin"], province=provinces["nangarhar"], now=complaints)
    assert len(data.object_ids) == 19 and data.count == 6
    keys = [tuple(row[:5]) for row in rows_of(data)[2:]]
    assert len(keys) == len(set(keys))


def test_the_partner_downloads_it_under_an_agreement_that_names_it(client, users, provinces, complaints):
    agreement_create(users=[users["partner"]], provinces=[provinces["nangarhar"]], datasets=["grievance_summary"])
    client.force_login(users["partner"])
    response = client.get("/api/v1/partner/exports/grievance_summary.csv", {"province": "AF06"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == COLUMNS and len(rows) == 8
    log = PersonalDataAccess.objects.get(action="export")
    assert log.what == "grievances.Grievance" and "grievance_summary agreement DSA-2026-001" in log.where
    herat = client.get("/api/v1/partner/exports/grievance_summary.csv", {"province": "AF32"})
    assert herat.status_code == 403 and "does not cover Herat (AF32)" in herat.json()["detail"]


def test_an_agreement_without_the_grievance_summary_refuses_it(client, users, provinces, complaints):
    agreement_create(users=[users["partner"]], provinces=[provinces["nangarhar"]])
    client.force_login(users["partner"])
    response = client.get("/api/v1/partner/exports/grievance_summary.csv", {"province": "AF06"})
    assert response.status_code == 403 and "does not include Grievance summary" in response.json()["detail"]


def test_the_referrals_are_not_a_file(client, users, provinces):
    agreement_create(users=[users["partner"]], provinces=[provinces["nangarhar"]], datasets=["grievance_referrals"])
    client.force_login(users["partner"])
    response = client.get("/api/v1/partner/exports/grievance_referrals.csv", {"province": "AF06"})
    assert response.status_code == 400 and "/api/v1/grievance-referrals/" in response.json()["detail"]


def test_the_partners_page_offers_the_summary_and_says_how_to_refer(client, users, provinces):
    agreement_create(
        users=[users["partner"]],
        provinces=[provinces["nangarhar"]],
        datasets=["grievance_summary", "grievance_referrals"],
    )
    client.force_login(users["partner"])
    page = client.get("/partners/").content.decode()
    assert "/api/v1/partner/exports/grievance_summary.csv?province=AF06" in page
    assert "Referring complaints" in page and "/api/v1/grievance-referrals/" in page
    assert "grievance_referrals.csv" not in page


def test_the_partners_page_says_nothing_of_referrals_without_them(client, users, provinces):
    agreement_create(users=[users["partner"]], provinces=[provinces["nangarhar"]], datasets=["grievance_summary"])
    client.force_login(users["partner"])
    page = client.get("/partners/").content.decode()
    assert "Referring complaints" not in page
