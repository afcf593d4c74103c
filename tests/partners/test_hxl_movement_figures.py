# ruff: noqa: F811  (the fixtures imported from other test modules are used by their names)
"""The partners' returns and displacement figures (partners/exports.py: movement_figures) as HXL CSV: arrivals and
flow counts per week and month, IDP sites by district, with HDX hashtags; every cell of 1 to 4 people "<5", a
sex and age split with a small cell left blank (no cell found by subtraction), no name and no ID digit, refused
without an agreement naming the dataset, and logged."""

import csv
import datetime
import io

import pytest
from django.utils import timezone

from landreg.models import PersonalDataAccess
from landreg.sharing import SUPPRESSED
from movements.figures import figures_refresh
from movements.flows import flow_counts_replace
from movements.services import idp_site_create, site_estimate_record
from tests.landreg.test_data_sharing import agreement_create
from tests.movements.conftest import border_herat, family, points, register  # noqa: F401  (fixtures)

EXPORT = "/api/v1/partner/exports/movement_figures.csv"
SECRETS = ["Sher Agha Safi", "Bibi Gul", "Abdul Wahid", "1400-8888-12345", "12345", "Haji Karim"]
SUNDAY = datetime.datetime(2025, 8, 3, 8, tzinfo=datetime.UTC)  # 12:30 in Kabul; the week began Saturday 2 August
SPLIT = ["f", "m", *[f"{s}_{b}" for s in "fm" for b in ("0_4", "5_17", "18_59", "60_plus")]]


@pytest.fixture
def recorded(register, points, provinces, users, field_officer, border_herat):
    """At Torkham on Sunday 3 August 2025: two families of three registered, bound for Nangarhar (the head of one
    with a tazkira), one of two bound for Herat; the border team counted 12 with a split and 30 without one.
    At Islam Qala the same day: 3 counted. A camp in Nangarhar with two estimates, a host community with one."""
    register(crossed_at=SUNDAY, members=family("Sher Agha Safi", "Bibi Gul", "Zarmina", tazkira="1400-8888-12345"))
    register(crossed_at=SUNDAY, members=family("Gul Ahmad", "Nazo", "Wali"))
    register(crossed_at=SUNDAY, members=family("Rahim Dad", "Shirin"), destination_province=provinces["herat"])
    split = {"female": 5, "male": 7, "f_0_4": 1, "f_5_17": 2, "f_18_59": 2, "f_60_plus": 0}
    split |= {"m_0_4": 1, "m_5_17": 2, "m_18_59": 3, "m_60_plus": 1}
    rows = [
        {
            "direction": "in",
            "category": "deported",
            "travelling": "family",
            "method": "headcount",
            "total": 12,
            **split,
        },
        {"direction": "in", "category": "documented", "travelling": "alone", "method": "headcount", "total": 30},
    ]
    flow_counts_replace(
        crossing_point=points["torkham"], day=SUNDAY.date(), source="border_team", by=field_officer, rows=rows
    )  # noqa: E501
    three = [{"direction": "in", "category": "deported", "travelling": "alone", "method": "headcount", "total": 3}]
    flow_counts_replace(
        crossing_point=points["islam_qala"], day=SUNDAY.date(), source="iom", by=border_herat, rows=three
    )  # noqa: E501
    figures_refresh()
    officer, today = users["officer_nangarhar"], timezone.localdate()
    camp = idp_site_create(
        code="haji-karim-camp", province=provinces["nangarhar"], by=officer, name="Haji Karim's land", kind="camp",
        geom="SRID=4326;POINT(70.41 34.41)",
    )  # fmt: skip
    for round, days, idps, returnees in (("R1", 90, 500, 40), ("R2", 10, 800, 3)):
        site_estimate_record(
            site=camp, round=round, assessed_on=today - datetime.timedelta(days=days), method="headcount", by=officer,
            arrival_idps=idps, returned_idps=20, returnees_from_abroad=returnees,
        )  # fmt: skip
    host = idp_site_create(
        code="host-1", province=provinces["nangarhar"], by=officer, name="Host village", kind="host_community",
        geom="SRID=4326;POINT(70.45 34.42)",
    )  # fmt: skip
    site_estimate_record(
        site=host, round="R1", assessed_on=today, method="key_informant", by=officer, arrival_idps=2,
        returnees_from_abroad=60,
    )  # fmt: skip


def download(client, user, province="AF06"):
    client.force_login(user)
    return client.get(EXPORT, {"province": province})


def table(response) -> tuple[list[str], list[str], list[dict]]:
    assert response.status_code == 200, response.content
    text = b"".join(response.streaming_content).decode()
    header, tags, *rows = list(csv.reader(io.StringIO(text)))
    return header, tags, [dict(zip(header, row, strict=True)) for row in rows]


@pytest.fixture
def sharing(users, provinces):
    return agreement_create(users=[users["partner"]], provinces=[provinces["nangarhar"]], datasets=["movement_figures"])


def test_the_figures_carry_the_hashtags_hdx_users_know(client, users, recorded, sharing):
    header, tags, rows = table(download(client, users["partner"]))
    tag = dict(zip(header, tags, strict=True))
    assert tag["province"] == "#adm1+code" and tag["district"] == "#adm2+code"
    assert tag["date_reported"] == "#date+reported"
    assert tag["returnees"] == "#affected+returnees+ind" and tag["idps"] == "#affected+idps+ind"
    assert tag["returnees_f"] == "#affected+returnees+ind+f" and tag["returnees_m"] == "#affected+returnees+ind+m"
    assert tag["returnees_f_0_4"] == "#affected+returnees+ind+f+children+age0_4"
    assert tag["returnees_m_18_59"] == "#affected+returnees+ind+m+adults"
    assert tag["returnees_f_60_plus"] == "#affected+returnees+ind+f+elderly"
    assert all(t.startswith("#") for t in tags)
    kinds = {r["figure"] for r in rows}
    assert kinds == {"arrivals", "flow_counts", "idp_sites"}


def test_every_small_cell_is_suppressed_and_a_split_with_one_is_left_blank(client, users, recorded, sharing):
    _header, _tags, rows = table(download(client, users["partner"]))
    week = {
        (r["figure"], r["category"], r["province"], r["source"]): r
        for r in rows
        if r["period"] == "week" and r["figure"] != "idp_sites"
    }
    # Six people registered at Torkham bound for Nangarhar: 2 men 18-59, 2 women 18-59, 2 girls 5-17
    nangarhar = week[("arrivals", "deported", "AF06", "registrations")]
    assert nangarhar["date_reported"] == "2025-08-02" and nangarhar["crossing_point"] == "torkham"
    assert nangarhar["returnees"] == "6"
    assert [nangarhar[f"returnees_{c}"] for c in SPLIT] == [""] * 10  # 2 women: a small cell; the split is blank
    # Two bound for Herat, through Nangarhar's crossing point: in Nangarhar's file, suppressed
    assert week[("arrivals", "deported", "AF32", "registrations")]["returnees"] == SUPPRESSED
    counted = week[("flow_counts", "deported", "AF06", "border_team")]
    assert counted["returnees"] == "12" and [counted[f"returnees_{c}"] for c in SPLIT] == [""] * 10
    unsplit = week[("flow_counts", "documented", "AF06", "border_team")]
    assert unsplit["returnees"] == "30"
    assert unsplit["returnees_f"] == "" and unsplit["returnees_m"] == ""  # 30 of unknown sex: nothing to split
    assert not any(r["crossing_point"] == "islam_qala" for r in rows)  # Herat's crossing point: not this file
    camps = {r["category"]: r for r in rows if r["figure"] == "idp_sites"}
    assert camps["camp"]["idps"] == "820" and camps["camp"]["returnees"] == SUPPRESSED  # the latest round: 3
    assert camps["camp"]["date_reported"] == (timezone.localdate() - datetime.timedelta(days=10)).isoformat()
    assert camps["host_community"]["idps"] == SUPPRESSED and camps["host_community"]["returnees"] == "60"
    counts = [r[c] for r in rows for c in ("returnees", "idps", *[f"returnees_{s}" for s in SPLIT])]
    for value in counts:
        assert value in ("", SUPPRESSED, "0") or (value.isdigit() and int(value) >= 5), value


def test_a_split_with_no_small_cell_is_given(client, users, points, field_officer, provinces):
    split = {"female": 20, "male": 25, "f_0_4": 5, "f_5_17": 5, "f_18_59": 5, "f_60_plus": 5}
    split |= {"m_0_4": 5, "m_5_17": 5, "m_18_59": 10, "m_60_plus": 5}
    row = {"direction": "in", "category": "deported", "travelling": "family", "method": "headcount", "total": 45}
    flow_counts_replace(
        crossing_point=points["torkham"], day=SUNDAY.date(), source="iom", by=field_officer, rows=[row | split]
    )  # noqa: E501
    figures_refresh()
    _header, _tags, rows = table(download(client, users["admin"]))
    [week] = [r for r in rows if r["period"] == "week"]
    assert [week[f"returnees_{c}"] for c in SPLIT] == ["20", "25", "5", "5", "5", "5", "5", "5", "10", "5"]


def test_the_file_names_no_one_and_carries_no_id_digit(client, users, recorded, sharing):
    response = download(client, users["partner"])
    text = b"".join(response.streaming_content).decode()
    for secret in SECRETS:
        assert secret not in text
    assert "haji-karim" not in text and "Host village" not in text


def test_refused_without_an_agreement_that_names_the_dataset_and_for_other_roles(client, users, provinces, recorded):
    refused = download(client, users["partner"])
    assert refused.status_code == 403 and "not covered by any data-sharing agreement" in refused.json()["detail"]
    agreement_create(users=[users["partner"]], provinces=[provinces["nangarhar"]])  # summary, records, layout
    refused = download(client, users["partner"])
    assert refused.status_code == 403 and "does not include" in refused.json()["detail"]
    assert "Returns and displacement figures" in refused.json()["detail"]
    officer = download(client, users["officer_nangarhar"])
    assert officer.status_code == 403 and "your role has its own exports" in officer.json()["detail"]
    assert not PersonalDataAccess.objects.filter(action="export").exists()


def test_refused_for_a_province_the_agreement_does_not_cover(client, users, recorded, sharing):
    refused = download(client, users["partner"], province="AF32")
    assert refused.status_code == 403 and "does not cover Herat (AF32)" in refused.json()["detail"]
    assert download(client, users["partner"], province="AF99").status_code == 400


def test_every_download_is_logged_under_its_agreement(client, users, recorded, sharing):
    table(download(client, users["partner"]))
    [log] = PersonalDataAccess.objects.filter(action="export")
    assert log.user == users["partner"] and log.what == "movements.figures"
    assert f"movement_figures agreement {sharing.reference} (#{sharing.pk})" in log.where


def test_the_data_for_partners_page_offers_the_file_and_the_map_layers(client, users, provinces, sharing):
    from django.urls import reverse

    client.force_login(users["partner"])
    page = client.get(reverse("partner-data")).content.decode()
    assert f"{EXPORT}?province=AF06" in page
    assert "/ogc/collections/crossing-points" in page and "/tiles/idp-sites.json" in page
    assert "/ogc/collections/opportunities" not in page  # livelihood_opportunities is not shared
    sharing.datasets = [*sharing.datasets, "livelihood_opportunities"]
    sharing.save()
    assert "/tiles/opportunities.json" in client.get(reverse("partner-data")).content.decode()
