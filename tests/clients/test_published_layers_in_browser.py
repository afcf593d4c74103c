# ruff: noqa: F811  (the fixtures imported from other test modules are used by their names)
"""The published layers on the officers' map, in a real browser (Debian's Chromium): border crossing points, IDP sites
and livelihood opportunities are offered as boxes to tick (off at first), drawn from their vector tiles, and a click
on one shows its figures ("fewer than 5" for a suppressed count) in English and in Dari (right to left, Dari digits,
Solar Hijri dates). No console error, no request beyond the test server. Screenshots to tests/artifacts/."""

import datetime

import pytest
from django.utils import timezone

from movements.figures import figures_refresh
from movements.flows import flow_counts_replace
from movements.services import idp_site_create, site_estimate_record
from partners.published import last_periods
from tests.clients.test_map_in_browser import ARTIFACTS, Watched, webgl_browser  # noqa: F401  (a fixture)
from tests.livelihoods.conftest import agreement, bounded, post, provider, reference_data  # noqa: F401  (fixtures)
from tests.movements.conftest import family, points, register  # noqa: F401  (fixtures)

DARI_DIGITS = "۰۱۲۳۴۵۶۷۸۹"
RENDERED = "(layer) => landregMap.getLayer(layer) && landregMap.queryRenderedFeatures({layers: [layer]}).length > 0"


@pytest.fixture
def published(register, points, users, provinces, field_officer, post):
    """Last week at Torkham: 6 registered, 40 counted; an IDP site and an opportunity near the test township."""
    sunday = last_periods()["week"] + datetime.timedelta(days=1)
    crossed = datetime.datetime.combine(sunday, datetime.time(8), tzinfo=datetime.UTC)
    for names in (("Sher Agha Safi", "Bibi Gul", "Zarmina"), ("Gul Ahmad", "Nazo", "Wali")):
        register(crossed_at=crossed, members=family(*names))
    row = {"direction": "in", "category": "deported", "travelling": "family", "method": "headcount", "total": 40}
    flow_counts_replace(
        crossing_point=points["torkham"], day=sunday, source="border_team", by=field_officer, rows=[row]
    )
    figures_refresh()
    officer = users["officer_nangarhar"]
    site = idp_site_create(
        code="nan-site", province=provinces["nangarhar"], by=officer, name="Site", kind="informal_settlement",
        geom="SRID=4326;POINT(70.47 34.43)",
    )  # fmt: skip
    site_estimate_record(
        site=site, round="R1", assessed_on=timezone.localdate(), method="headcount", by=officer, arrival_idps=420,
        returned_idps=3, returnees_from_abroad=80,
    )  # fmt: skip
    return post(places_offered=25)


def click_at(watched, lon, lat):
    point = watched.page.evaluate(f"() => landregMap.project([{lon}, {lat}])")
    box = watched.page.locator("#map canvas").bounding_box()
    watched.page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
    watched.page.wait_for_selector(".maplibregl-popup .published-popup")
    return watched.page.inner_text(".maplibregl-popup .published-popup")


def show_everything(watched):
    watched.page.wait_for_function("() => window.landregPublishedReady === true", timeout=30000)
    boxes = watched.page.locator("#published-layers input.published-toggle")
    assert boxes.count() == 3
    for i in range(3):
        assert not boxes.nth(i).is_checked()  # off at first: the land layers come first
        boxes.nth(i).check()
    watched.page.evaluate("() => landregMap.fitBounds([[70.35, 34.05], [71.2, 34.5]], {duration: 0})")
    for layer in ("crossing-points", "idp-sites-points", "opportunities-points"):
        watched.page.wait_for_function(RENDERED, arg=layer, timeout=30000)


def close_popup(watched):
    watched.page.click(".maplibregl-popup-close-button")


@pytest.mark.django_db(transaction=True)
def test_the_published_layers_are_toggled_and_explained_in_english_and_dari(
    live_server, webgl_browser, users, published, plots
):
    ARTIFACTS.mkdir(exist_ok=True)
    officer = Watched(webgl_browser, live_server)
    officer.login("officer.n")
    legend = officer.page.inner_text("#published-layers")
    for label in ("Returns and livelihoods", "Border crossing points", "IDP sites", "Livelihood opportunities"):
        assert label in legend
    show_everything(officer)
    torkham = click_at(officer, 71.093, 34.102)
    assert "Torkham" in torkham
    assert "Arrivals registered last week\n6" in torkham.replace("\t", "\n")
    assert "Counted by the border teams last week\n40" in torkham.replace("\t", "\n")
    officer.page.screenshot(path=str(ARTIFACTS / "published-layers-map-en.png"))
    close_popup(officer)
    site = click_at(officer, 70.47, 34.43)
    assert "Informal settlement" in site and "503" in site
    assert "withheld" in site and "420" not in site  # 3 returned IDPs: a small cell, so no group is given
    close_popup(officer)
    lon, lat = published.point.coords
    course = click_at(officer, lon, lat)
    assert "Skills Partner NGO" in course and "0 of 25 filled" in course and "Carpentry" not in course
    officer.page.screenshot(path=str(ARTIFACTS / "published-layers-opportunity-en.png"))
    officer.check_clean()

    with officer.page.expect_navigation():
        officer.page.select_option("select[name=language]", "fa")
    officer.page.wait_for_selector("html[dir=rtl]")
    officer.page.wait_for_function("() => window.landregMapLoaded", timeout=30000)
    show_everything(officer)
    torkham = click_at(officer, 71.093, 34.102)
    assert "تورخم" in torkham  # the Dari name from the tile
    assert "۶" in torkham and "۴۰" in torkham and not any(d in torkham for d in "0123456789")
    officer.page.screenshot(path=str(ARTIFACTS / "published-layers-map-fa.png"))
    close_popup(officer)
    site = click_at(officer, 70.47, 34.43)
    shamsi = timezone.localdate()  # estimated today: a Solar Hijri year 14xx, in Dari digits
    assert "۱۴" in site and str(shamsi.year) not in site
    officer.page.screenshot(path=str(ARTIFACTS / "published-layers-site-fa.png"))
    officer.check_clean()
    officer.close()


@pytest.mark.django_db(transaction=True)
def test_a_partner_without_the_datasets_gets_no_boxes(live_server, webgl_browser, users, provinces, plots):
    from tests.landreg.test_data_sharing import agreement_create

    agreement_create(users=[users["partner"]], provinces=[provinces["nangarhar"]])  # the layout, not the figures
    partner = Watched(webgl_browser, live_server)
    partner.login("partner")
    partner.page.wait_for_function("() => window.landregPublishedReady === true", timeout=30000)
    assert partner.page.locator("#published-layers").count() == 0
    # The refused TileJSON answers are the browser's to log; nothing else may fail.
    partner.check_clean(expected=("403",))
    partner.close()


@pytest.mark.django_db(transaction=True)
def test_the_data_for_partners_page_lists_the_layers_in_english_and_dari(live_server, webgl_browser, users, provinces):
    from tests.landreg.test_data_sharing import agreement_create

    agreement_create(
        users=[users["partner"]],
        provinces=[provinces["nangarhar"]],
        datasets=["movement_figures", "livelihood_opportunities", "livelihood_referrals"],
    )
    partner = Watched(webgl_browser, live_server)
    partner.page.goto(f"{partner.server}/partners/")
    partner.page.fill("#id_username", "partner")
    partner.page.fill("#id_password", "x")
    with partner.page.expect_navigation():
        partner.page.click("input[type=submit]")
    partner.page.wait_for_selector("#partner-layers")
    layers = partner.page.inner_text("#partner-layers")
    assert "/ogc/collections/crossing-points" in layers and "/tiles/opportunities.json" in layers
    tables = partner.page.inner_text("table.downloads")
    assert "Returns and displacement figures" in tables and "Livelihood referrals" in tables
    partner.page.screenshot(path=str(ARTIFACTS / "published-layers-partner-data-en.png"), full_page=True)
    with partner.page.expect_navigation():
        partner.page.select_option("select[name=language]", "fa")
    partner.page.wait_for_selector("html[dir=rtl]")
    partner.page.wait_for_selector("#partner-layers")
    partner.page.screenshot(path=str(ARTIFACTS / "published-layers-partner-data-fa.png"), full_page=True)
    partner.check_clean()
    partner.close()
