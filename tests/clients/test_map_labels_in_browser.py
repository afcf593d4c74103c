"""The map's labels as a person sees them, in a real browser (Debian's Chromium, WebGL through SwiftShader): a plot
cut by tile edges has its number written once; at national and provincial zoom the townships are circles with
their names and counts of plots, and the provinces are named, in the page's language (Dari and Pashto names
joined and right to left, by our own copy of MapLibre's right-to-left plugin). The printed dashboard has a
footer naming the township and the date. Screenshots and the printed page go to tests/artifacts/."""

import re
import shutil
import subprocess

import pytest
from django.contrib.gis.geos import MultiPolygon

from tests.api.test_tiles import plot_on_tile_corner
from tests.clients.test_map_in_browser import ARTIFACTS, Watched
from townships import services

IDLE = "() => window.landregMapLoaded && landregMap.loaded() && landregMap.areTilesLoaded()"
RENDERED = "(layer) => landregMap.queryRenderedFeatures({layers: [layer]}).map(f => f.properties)"
PROVINCES_NAMED = (
    "() => new Set(landregMap.queryRenderedFeatures({layers: ['province-names']}).map(f => f.properties.pcode)).size"
)


def rendered(watched, layer: str) -> list[dict]:
    return watched.page.evaluate(RENDERED, layer)


def go(watched, lon: float, lat: float, zoom: float):
    watched.page.evaluate(f"() => landregMap.jumpTo({{center: [{lon}, {lat}], zoom: {zoom}}})")
    watched.page.wait_for_function(IDLE, timeout=30000)


@pytest.fixture
def corner_plot(township, frame):
    return plot_on_tile_corner(township, frame)


@pytest.fixture
def named_land(provinces, township, plots, frame):
    """The test township with a Dari name and its plots in three statuses, inside Nangarhar (about 120 km × 80 km
    around it); Herat drawn further west."""
    services.township_update(township=township, name_prs="شهرک آزمایشی", name_ps="د ازموینې ښارګوټی")
    services.plot_update(plot=plots[1], status="allocated")
    services.plot_update(plot=plots[2], status="disputed")
    provinces["nangarhar"].geom = MultiPolygon(frame.rect(-60000, -40000, 120000, 80000))
    provinces["nangarhar"].save()
    provinces["herat"].geom = MultiPolygon(frame.rect(-300000, -40000, 120000, 80000))
    provinces["herat"].save()
    return township


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["en", "fa", "ps"])
def test_at_provincial_zoom_townships_are_circles_with_names_and_counts(
    live_server, browser, users, named_land, language
):
    ARTIFACTS.mkdir(exist_ok=True)
    officer = Watched(browser, live_server)
    officer.login("officer.n")
    if language != "en":
        with officer.page.expect_navigation():
            officer.page.select_option("select[name=language]", language)
        officer.page.wait_for_selector("html[dir=rtl]")
    centre = named_land.geom.centroid

    go(officer, centre.x - 0.35, centre.y, 7.5)
    officer.page.wait_for_function(PROVINCES_NAMED)
    officer.page.wait_for_function(
        "() => landregMap.queryRenderedFeatures({layers: ['township-names']}).length > 0", timeout=10000
    )
    [circle] = rendered(officer, "township-circles")
    [label] = rendered(officer, "township-names")
    assert (circle["code"], circle["plots"], circle["available"], circle["allocated"]) == ("NAN-TEST", 3, 1, 1)
    assert label["code"] == "NAN-TEST"
    assert {p["pcode"] for p in rendered(officer, "province-names")} == {"AF06"}
    text_field = officer.page.evaluate(
        "() => JSON.stringify(landregMap.getLayoutProperty('township-names', 'text-field'))"
    )
    if language != "en":
        field, name = {"fa": ("name_prs", "شهرک آزمایشی"), "ps": ("name_ps", "د ازموینې ښارګوټی")}[language]
        assert f'["coalesce",["get","{field}"],["get","name"]]' in text_field
        assert officer.page.evaluate("() => maplibregl.getRTLTextPluginStatus()") == "loaded"
        assert "fa-AF" in text_field  # the counts in Dari and Pashto digits
        assert f"{name} (NAN-TEST)" in officer.page.inner_text("#township-switcher")
    else:
        assert "name_prs" not in text_field and "شهرک" not in officer.page.inner_text("#township-switcher")
    officer.page.screenshot(path=str(ARTIFACTS / f"map-provincial-{language}.png"))

    go(officer, centre.x - 2, centre.y, 5)  # national: both provinces named, the township a circle
    officer.page.wait_for_function(f"() => ({PROVINCES_NAMED})() === 2")
    assert len(rendered(officer, "township-circles")) == 1
    officer.page.screenshot(path=str(ARTIFACTS / f"map-national-{language}.png"))
    officer.check_clean()
    officer.close()


@pytest.mark.django_db(transaction=True)
def test_a_plot_cut_by_tile_edges_shows_its_number_once(live_server, browser, users, corner_plot):
    plot, _z, (lon, lat) = corner_plot
    officer = Watched(browser, live_server)
    officer.login("officer.n")

    for zoom in (17, 18.5):
        go(officer, lon, lat, zoom)
        pieces = [p for p in rendered(officer, "plots-fill") if p["id"] == plot.pk]
        numbers = [p for p in rendered(officer, "plot-numbers") if p["id"] == plot.pk]
        assert len(pieces) == 4, zoom  # the outline comes in four tiles ...
        assert [n["number"] for n in numbers] == ["156"], zoom  # ... its number is written once
    officer.page.screenshot(path=str(ARTIFACTS / "map-plot-number-once.png"))
    officer.check_clean()
    officer.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["en", "fa"])
def test_the_printed_dashboard_has_its_footer_on_every_page(
    live_server, browser, users, named_land, make_household, language
):
    from households.eligibility import default_scheme
    from households.models import EligibilityAssessment

    scheme = default_scheme()
    for score in range(1, 13):  # households waiting at twelve priorities: twelve more rows, over two pages
        household = make_household(size=4)
        EligibilityAssessment.objects.create(household=household, scheme=scheme, eligible=True, priority_score=score)
    ARTIFACTS.mkdir(exist_ok=True)
    officer = Watched(browser, live_server)
    officer.login("officer.n")
    if language != "en":
        with officer.page.expect_navigation():
            officer.page.select_option("select[name=language]", language)
    with officer.page.expect_navigation():
        officer.page.click("#dashboard-link")
    officer.page.wait_for_selector(".dashboard")
    bar = officer.page.locator(".bar-row[data-code=available] rect")
    assert float(bar.get_attribute("width")) == pytest.approx(33.3)  # one plot of three: a third of the bar
    if language == "fa":
        assert "۱ (۳۳٪)" in officer.page.inner_text(".bar-row[data-code=available]")
    officer.page.screenshot(path=str(ARTIFACTS / f"dashboard-{language}.png"), full_page=True)

    officer.page.emulate_media(media="print")
    pdf = ARTIFACTS / f"dashboard-{language}.pdf"
    officer.page.pdf(path=str(pdf), format="A4", print_background=True)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info)[1])
    assert pages >= 2
    for number in range(1, pages + 1):
        text = subprocess.run(
            ["pdftotext", "-f", str(number), "-l", str(number), "-layout", str(pdf), "-"],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        assert "NAN-TEST" in text, number
        if language == "en":
            assert "Province Nangarhar" in text and re.search(r"\(\d+ \w+ 20\d\d\)", text), number
    assert shutil.which("pdftoppm")
    subprocess.run(
        ["pdftoppm", "-png", "-r", "110", str(pdf), str(ARTIFACTS / f"dashboard-print-{language}")], check=True
    )
    officer.check_clean()
    officer.close()
