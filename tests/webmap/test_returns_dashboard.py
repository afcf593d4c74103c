"""The returns dashboard (/movements/dashboard/): arrivals per week per crossing point (an inline SVG line chart),
categories and vulnerabilities, destinations by province (an SVG map from the provinces' outlines simplified in
PostGIS), IDP sites by size, and the households registered at the border that now hold a plot. From the figures,
bounded by the reader's provinces (a partner's: its agreements'), small cells suppressed for roles without
personal data; in three languages, nothing from the internet."""

import datetime

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.utils import timezone

from movements.dashboards import arrival_vulnerabilities, arrivals_by_week, province_outlines, week_start
from movements.figures import figures_refresh
from movements.flows import flow_counts_replace
from movements.services import idp_site_create, site_estimate_record
from tests.landreg.test_data_sharing import agreement_create
from tests.movements.conftest import family
from tests.webmap import test_movement_pages as pages
from tests.webmap.test_movement_pages import get, text

# The crossing points, officers and the registering helper of the pages' tests.
points, register, officer, border_herat = pages.points, pages.register, pages.officer, pages.border_herat

LANGUAGES = ("en", "fa", "ps")


@pytest.fixture
def outlined(provinces):
    """Both provinces with a rough outline, for the map."""
    provinces["nangarhar"].geom = MultiPolygon(Polygon.from_bbox((69.9, 33.9, 71.2, 34.6)), srid=4326)
    provinces["herat"].geom = MultiPolygon(Polygon.from_bbox((61.0, 33.5, 63.5, 35.5)), srid=4326)
    for province in provinces.values():
        province.save()
    return provinces


@pytest.fixture
def arrivals(register, points, provinces, border_herat):
    """Six families at Torkham bound for Nangarhar (this week and three weeks ago) and one of two people at Islam
    Qala bound for Herat, one of them with vulnerabilities; figures brought up to date."""
    now = timezone.now() - datetime.timedelta(hours=1)
    for weeks_ago in (0, 0, 0, 3, 3, 3):
        register(crossed_at=now - datetime.timedelta(weeks=weeks_ago), members=family("A B", "C D", "E", "F"))
    register(
        crossing_point=points["islam_qala"],
        country_of_asylum="IR",
        destination_province=provinces["herat"],
        category="spontaneous_undocumented",
        vulnerabilities=["female_headed", "medical_case"],
        members=family("G H", "I J"),
        by=border_herat,
    )
    figures_refresh()


def test_the_dashboard_renders_for_every_role_and_language(client, arrivals, outlined, users, field_officer):
    for user in (*users.values(), field_officer):
        for language in LANGUAGES:
            response = get(client, user, "/movements/dashboard/", language=language)
            assert response.status_code in (200, 403), (user, language)
            if user.username != "partner":
                assert response.status_code == 200, (user.username, language)
    html = text(get(client, users["officer_nangarhar"], "/movements/dashboard/", language="fa"))
    assert 'dir="rtl"' in html and 'id="weekly-chart"' in html and "تورخم" in html
    assert "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html


def test_the_weekly_chart_follows_the_figures_per_crossing_point(client, arrivals, officer, users):
    weekly = arrivals_by_week(officer, weeks=8)
    assert [s["point"].code for s in weekly["series"]] == ["torkham"]  # Islam Qala is Herat's
    assert weekly["series"][0]["counts"][-1] == 12 and weekly["series"][0]["counts"][-4] == 12
    assert weekly["weeks"][-1] == week_start(timezone.localdate())
    assert weekly["weeks"][-1].isoweekday() == 6  # a Saturday
    html = text(get(client, officer, "/movements/dashboard/", {"weeks": "8"}))
    assert html.count("<polyline") == 1 and "Torkham: 24" in html
    national = arrivals_by_week(users["admin"], weeks=8)
    assert sorted(s["point"].code for s in national["series"]) == ["islam_qala", "torkham"]


def test_small_cells_are_suppressed_for_roles_without_personal_data(client, arrivals, users, outlined):
    gis = text(get(client, users["gis"], "/movements/dashboard/"))
    assert "&lt;5" in gis  # Islam Qala's two people, Herat's destination, the vulnerabilities
    assert "Counts of 1 to 4 are shown as" in gis
    assert arrival_vulnerabilities(users["gis"], since=timezone.localdate(), until=timezone.localdate()) == [
        {"vulnerability": "female_headed", "arrivals": "<5"},
        {"vulnerability": "medical_case", "arrivals": "<5"},
    ]
    admin = text(get(client, users["admin"], "/movements/dashboard/"))
    assert "Female-headed household" in admin and "&lt;5" not in admin


def test_a_partner_reads_only_the_provinces_its_agreement_shares(client, arrivals, users, provinces):
    assert get(client, users["partner"], "/movements/dashboard/").status_code == 200  # without agreement: nothing
    assert "Torkham" not in text(get(client, users["partner"], "/movements/dashboard/"))
    agreement_create(users=[users["partner"]], provinces=[provinces["nangarhar"]], datasets=("movement_figures",))
    html = text(get(client, users["partner"], "/movements/dashboard/"))
    assert "Torkham" in html and "Islam Qala" not in html


def test_destinations_are_a_map_of_provinces_from_postgis(client, arrivals, outlined, officer, users):
    outlines = province_outlines()
    assert set(outlines["provinces"]) == {p.pk for p in outlined.values()}
    assert all(path.startswith("M ") for path in outlines["provinces"].values())
    html = text(get(client, users["admin"], "/movements/dashboard/"))
    assert html.count("<path d=") == 2 and "Nangarhar: 24" in html and "Herat: 2" in html


def test_sites_by_size_and_the_border_households_that_hold_a_plot(
    client, arrivals, outlined, officer, users, plots, make_household, register
):
    from allocations.services import allocation_propose

    site = idp_site_create(
        code="nan-1",
        name="Sheikh Mesri",
        kind="camp",
        province=outlined["nangarhar"],
        geom=Polygon.from_bbox((70.40, 34.40, 70.42, 34.42)),
        by=officer,
    )
    site_estimate_record(
        site=site, round="R1", assessed_on=timezone.localdate(), method="headcount", by=officer, arrival_idps=900
    )
    household = register(household=make_household()).household
    allocation_propose(household=household, plot=plots[0], proposed_by=officer)
    html = text(get(client, officer, "/movements/dashboard/"))
    assert "Sheikh Mesri" in html and "900" in html
    assert "1 of 7 households registered at the border now hold a plot." in html
    gis = text(get(client, users["gis"], "/movements/dashboard/"))
    assert "&lt;5 of 8 households" in gis


def test_flow_counts_are_read_one_source_at_a_time(client, points, field_officer, officer):
    flow_counts_replace(
        crossing_point=points["torkham"],
        day=timezone.localdate(),
        source="iom",
        rows=[{"direction": "in", "category": "deported", "travelling": "family", "method": "estimate", "total": 700}],
        by=field_officer,
    )
    figures_refresh()
    html = text(get(client, officer, "/movements/dashboard/", {"source": "iom"}))
    assert "Torkham: 700" in html and "flow counts" in html
    assert "Torkham: 700" not in text(get(client, officer, "/movements/dashboard/", {"source": "unhcr"}))
    bad = get(client, officer, "/movements/dashboard/", {"source": "gossip", "weeks": "1000"})
    assert bad.status_code == 400 and "Select a valid choice" in text(bad)
