"""In a real browser (Debian's Chromium): a border team registers a family on one screen (adding a member with the
page's button), enters a day's grid of flow counts, and a land officer sees the returns dashboard and the family's
journey on its small map, in English and Dari. Screenshots go to tests/artifacts/movements-*.png; no script is
refused by the Content-Security-Policy and nothing is fetched from the internet."""

import datetime
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.utils import timezone

from landreg import roles
from landreg.services import roles_sync, user_create
from movements.figures import figures_refresh
from movements.models import Arrival, FlowCount
from movements.services import arrival_register, idp_site_create, site_estimate_record
from parcels.models import CrossingPoint

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def shot(page, what: str, language: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"movements-{what}-{language}.png"), full_page=True)


def log_in(page, url: str, username: str, password: str) -> None:
    page.goto(url)
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("input[type=submit]")


def switch_language(page, code: str) -> None:
    with page.expect_navigation():
        page.select_option("select[name=language]", code)


@pytest.fixture
def border(provinces):
    roles_sync()
    provinces["nangarhar"].geom = MultiPolygon(Polygon.from_bbox((69.9, 33.9, 71.2, 34.6)), srid=4326)
    provinces["herat"].geom = MultiPolygon(Polygon.from_bbox((61.0, 33.5, 63.5, 35.5)), srid=4326)
    for province in provinces.values():
        province.save()
    torkham = CrossingPoint.objects.create(
        code="torkham",
        name_en="Torkham",
        name_prs="تورخم",
        province=provinces["nangarhar"],
        neighbouring_country="PK",
        main=True,
        geom="SRID=4326;POINT(71.093 34.102)",
        source="test",
        precision_km=2,
    )
    user_create(
        username="border.n", password="border-pass-12", roles=[roles.FIELD_OFFICER], provinces=[provinces["nangarhar"]]
    )
    user_create(
        username="officer.n", password="officer-pass-12", roles=[roles.LAND_OFFICER], provinces=[provinces["nangarhar"]]
    )
    return torkham


@pytest.mark.django_db(transaction=True)
def test_a_family_registered_a_days_grid_and_the_dashboard_in_the_browser(
    live_server, page, border, provinces, tmp_path
):
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on(
        "request",
        lambda r: problems.append(r.url) if not r.url.startswith((live_server.url, "data:", "blob:")) else None,
    )

    # The border team registers a family of three on one screen.
    log_in(page, f"{live_server.url}/movements/arrivals/new/", "border.n", "border-pass-12")
    page.select_option("#id_category", "deported")
    page.select_option("#id_country", "PK")
    page.fill("#id_years_abroad", "9")
    page.check("input[name=vulnerabilities][value=medical_case]")
    page.check("input[name=assistance][value=cash]")
    page.select_option("#id_destination_province", str(provinces["nangarhar"].pk))
    members = [
        ("head", "Nazir Ahmad", "m", "18_59", "1400-0101-55555"),
        ("spouse", "Mariam", "f", "18_59", ""),
        ("child", "Sana", "f", "0_4", ""),
    ]
    page.click("#add-member")  # a third row, from the page's template
    for i, (relationship, name, sex, band, tazkira) in enumerate(members):
        page.select_option(f"#id_m-{i}-relationship", relationship)
        page.fill(f"#id_m-{i}-name", name)
        page.select_option(f"#id_m-{i}-sex", sex)
        page.select_option(f"#id_m-{i}-age_band", band)
        if tazkira:
            page.fill(f"#id_m-{i}-tazkira", tazkira)
    shot(page, "register", "en")
    with page.expect_navigation():
        page.click("#register")
    assert "Arrival recorded and linked to household" in page.content(), page.inner_text("main")[:3000]
    arrival = Arrival.objects.get()
    assert arrival.members.count() == 3 and arrival.household.members.count() == 3
    assert "…5555" in page.content() and "55555" not in page.content().replace("…5555", "")
    shot(page, "arrival", "en")
    switch_language(page, "fa")
    assert "تورخم" in page.content() and page.locator("html[dir=rtl]").count() == 1
    shot(page, "arrival", "fa")
    page.goto(f"{live_server.url}/movements/arrivals/new/")
    shot(page, "register", "fa")

    # The day's grid: in × deported × family with its split, in × deported × alone as a total.
    switch_language(page, "en")
    day = timezone.localdate() - datetime.timedelta(days=1)
    page.goto(f"{live_server.url}/movements/flows/?crossing_point={border.pk}&day={day.isoformat()}&source=border_team")
    for cell, n in zip(
        ("f_0_4", "f_5_17", "f_18_59", "f_60_plus", "m_0_4", "m_5_17", "m_18_59", "m_60_plus"),
        (5, 8, 20, 2, 6, 9, 22, 3),
        strict=True,
    ):
        page.fill(f"input[name=r0_{cell}]", str(n))
    page.fill("input[name=r1_total]", "31")
    with page.expect_navigation():
        page.click("#save-grid")
    assert "2 counts saved for Torkham." in page.content()
    assert sorted(FlowCount.objects.values_list("travelling", "total")) == [("alone", 31), ("family", 75)]
    shot(page, "grid", "en")
    switch_language(page, "fa")
    shot(page, "grid", "fa")

    # A file of counts: checked first (nothing written), then imported.
    switch_language(page, "en")
    counts = tmp_path / "counts.csv"
    counts.write_text(
        "crossing_point,day,direction,category,travelling,source,method,total\n"
        f"Torkham,{day.isoformat()},in,deported,alone,border_team,headcount,33\n"
        f"torkham,{day.isoformat()},in,documented,family,border_team,headcount,12\n",
        encoding="utf-8",
    )
    page.goto(f"{live_server.url}/movements/flows/import/")
    page.set_input_files("input[name=file]", str(counts))
    with page.expect_navigation():
        page.click("text=Check the file")
    assert "1 new, 1 replacing an earlier count, 0 unchanged, 0 invalid." in page.content()
    assert "is no longer given and is removed" in page.content()  # the family's split count, not in the file
    shot(page, "import", "en")
    with page.expect_navigation():
        page.click("#commit")
    page.wait_for_selector("#import-done")
    assert sorted(FlowCount.objects.values_list("category", "total")) == [("deported", 33), ("documented", 12)]

    # A land officer sees the dashboard (the figures brought up to date, as the timer does) and the journey.
    figures_refresh()
    page.context.clear_cookies()
    log_in(page, f"{live_server.url}/movements/dashboard/", "officer.n", "officer-pass-12")
    assert page.locator("#weekly-chart polyline").count() == 1
    assert page.locator("#destinations-map path").count() == 2
    assert "Torkham: 3" in page.content()
    site = idp_site_create(
        code="nan-sheikh-mesri",
        name="Sheikh Mesri",
        name_prs="شیخ مصری",
        kind="informal_settlement",
        province=provinces["nangarhar"],
        geom=Polygon.from_bbox((70.40, 34.40, 70.46, 34.44)),
        by=User.objects.get(username="officer.n"),
    )
    site_estimate_record(
        site=site,
        round="1404-R1",
        assessed_on=timezone.localdate(),
        method="headcount",
        by=User.objects.get(username="officer.n"),
        arrival_idps=1200,
        returned_idps=310,
        returnees_from_abroad=4,
    )
    page.reload()
    assert "Sheikh Mesri" in page.content()
    shot(page, "dashboard", "en")
    switch_language(page, "fa")
    assert "تورخم" in page.content()
    shot(page, "dashboard", "fa")
    page.goto(f"{live_server.url}/movements/sites/{site.code}/")
    page.wait_for_selector("#minimap[data-ready]", timeout=30000)
    shot(page, "site", "fa")
    page.goto(f"{live_server.url}/movements/households/{arrival.household_id}/journey/")
    page.wait_for_selector("#minimap[data-ready]", timeout=30000)
    assert page.locator("#journey li").count() >= 3
    shot(page, "journey", "fa")
    switch_language(page, "en")
    page.wait_for_selector("#minimap[data-ready]", timeout=30000)
    shot(page, "journey", "en")
    page.goto(f"{live_server.url}/movements/sites/{site.code}/")
    page.wait_for_selector("#minimap[data-ready]", timeout=30000)
    shot(page, "site", "en")
    page.goto(f"{live_server.url}/movements/arrivals/")
    assert "Nazir Ahmad" in page.content()
    shot(page, "arrivals", "en")
    assert problems == []


@pytest.mark.django_db(transaction=True)
def test_the_other_movements_pages_in_english_and_dari(live_server, page, border, provinces):
    """The arrivals to decide, the arrivals list, the sites and the site form, the import page: looked at in both
    languages, with no script refused and nothing from the internet."""
    from households.services import household_register

    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on(
        "request",
        lambda r: problems.append(r.url) if not r.url.startswith((live_server.url, "data:", "blob:")) else None,
    )
    officer = User.objects.get(username="officer.n")
    household_register(
        code="HH-0001",
        province=provinces["nangarhar"],
        size=2,
        category="documented_returnee",
        head={"name": "Nazir Ahmad", "father_name": "Gul Ahmad", "sex": "m", "tazkira": "1400-0101-55555"},
        registered_by=officer,
    )
    arrival_register(
        crossing_point=border,
        crossed_at=timezone.now() - datetime.timedelta(hours=3),
        category="deported",
        country_of_asylum="PK",
        travelling="family",
        members=[
            {
                "name": "Nazir Ahmad",
                "father_name": "Gul Ahmad",
                "sex": "m",
                "age_band": "18_59",
                "tazkira": "14000101-55555",
            },
            {"name": "Mariam", "sex": "f", "age_band": "18_59"},
        ],
        destination_province=provinces["nangarhar"],
        by=officer,
    )
    idp_site_create(
        code="nan-camp-1",
        name="Camp one",
        name_prs="کمپ یک",
        kind="camp",
        province=provinces["nangarhar"],
        geom=Polygon.from_bbox((70.40, 34.40, 70.46, 34.44)).centroid,
        by=officer,
    )
    log_in(page, f"{live_server.url}/movements/arrivals/reviews/", "officer.n", "officer-pass-12")
    for language in ("en", "fa"):
        if language == "fa":
            switch_language(page, "fa")
        for what, url in (
            ("reviews", "/movements/arrivals/reviews/"),
            ("arrivals", "/movements/arrivals/"),
            ("sites", "/movements/sites/"),
            ("site-form", "/movements/sites/new/"),
            ("import", "/movements/flows/import/"),
        ):
            if (what, language) == ("arrivals", "en"):
                continue  # taken by the journey above
            page.goto(f"{live_server.url}{url}")
            shot(page, what, language)
    page.goto(f"{live_server.url}/movements/arrivals/reviews/")
    page.select_option("select[name$=decision]", "attached")
    with page.expect_navigation():
        page.click(".review form button")
    assert Arrival.objects.get().household.code == "HH-0001"
    assert problems == []
