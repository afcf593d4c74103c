"""An officer posts an opportunity whose place is an area drawn on the map (OpenLayers' Draw, in Debian's
Chromium): a click per corner, the first corner again to close it. The area goes to the server as GeoJSON, the
opportunity's page draws it, and the ranking measures the household whose plot lies inside it at 0 km. English and
Dari; screenshots tests/artifacts/livelihoods-area-*.png; no console error and no request beyond the test server."""

# ruff: noqa: F811  (the livelihood fixtures are imported, then asked for by name)

import json

import pytest

from allocations.services import allocation_propose, allocation_transition
from livelihoods import selectors
from livelihoods.models import Opportunity
from tests.clients.test_map_in_browser import ARTIFACTS, Watched
from tests.livelihoods.conftest import (  # noqa: F401  (fixtures)
    adult,
    agreement,
    bounded,
    media_in_tmp,
    profiled,
    provider,
    reference_data,
)


def shot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"livelihoods-area-{name}.png"), full_page=True)


def log_in(watched, username, language):
    page = watched.page
    page.goto(f"{watched.server}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "x")
    with page.expect_navigation():
        page.click("input[type=submit]")
    if language != "en":
        with page.expect_navigation():
            page.select_option("header select[name=language]", language)
    page.wait_for_selector(f"html[lang={language}]")


@pytest.fixture
def on_plot(profiled, plots, users):
    """A carpenter whose household holds plot 0 (approved): located by the plot."""
    person = profiled()
    a = allocation_propose(household=person.household, plot=plots[0], proposed_by=users["officer_nangarhar"])
    allocation_transition(allocation=a, action="approve", by=users["committee"], reference="CMT-AREA")
    return person


def pixel(page, lon, lat):
    """Where a place is on the drawing map, in page pixels."""
    at = page.evaluate(
        "([lon, lat]) => landregWhereMap.getPixelFromCoordinate(ol.proj.fromLonLat([lon, lat]))", [lon, lat]
    )
    box = page.locator("#pick-map").bounding_box()
    return box["x"] + at[0], box["y"] + at[1]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["en", "fa"])
def test_an_officer_draws_an_opportunitys_area_and_the_ranking_measures_from_it(
    live_server, browser, users, bounded, provider, frame, on_plot, language
):
    officer = Watched(browser, live_server)
    log_in(officer, "officer.n", language)
    page = officer.page
    page.goto(f"{officer.server}/livelihoods/opportunities/new/")
    page.wait_for_selector("#pick-map[data-ready='1']", timeout=30000)
    page.select_option("#id_provider", str(provider.pk))
    page.select_option("#id_kind", "cash_for_work")
    page.fill("#id_title", "Canal clearing around the township")
    page.select_option("#id_province", str(bounded.pk))
    page.fill("#id_places_offered", "20")
    page.fill("#id_daily_wage", "350")
    page.fill("#id_days_offered", "24")
    page.check("input[name=location][value=area]")
    assert page.is_hidden("#id_lon") and page.is_visible("#area-clear")

    # Zoomed to the township, as the officer would, then a click per corner and the first corner again.
    view = frame.rect(-1500, -1500, 3600, 3300)
    page.evaluate(
        "(e) => landregWhereMap.getView().fit(ol.proj.transformExtent(e, 'EPSG:4326', 'EPSG:3857'))",
        list(view.extent),
    )
    page.locator("#pick-map").scroll_into_view_if_needed()
    page.wait_for_timeout(300)  # the view settles before pixels are read
    outline = frame.rect(-400, -300, 1300, 900)
    corners = list(outline.coords[0][:4]) + [outline.coords[0][0]]
    for lon, lat in corners:
        x, y = pixel(page, lon, lat)
        page.mouse.click(x, y)
        page.wait_for_timeout(350)  # separate clicks, not a double-click
    page.wait_for_selector("#pick-map[data-drawn='1']")
    drawn = json.loads(page.input_value("#id_area"))
    assert drawn["type"] == "Polygon" and len(drawn["coordinates"][0]) == 5
    assert page.inner_text("#area-size")
    shot(page, f"post-{language}")
    page.focus("#opportunity-form button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_selector("#opportunity-title")

    o = Opportunity.objects.get()
    assert o.point is None and o.area is not None
    assert o.area.contains(frame.rect(10, 10, 1, 1).centroid)  # the township's plot lies inside
    page.wait_for_selector("#opportunity-map[data-ready='1']", timeout=30000)
    assert page.get_attribute("#opportunity-where", "data-kind") == "area"
    [row] = [r for r in selectors.people_ranked_for(users["officer_nangarhar"], o) if r["person"] == on_plot.pk]
    assert row["located_by"] == "plot" and row["distance_km"] == 0 and row["parts"]["distance"] == 1
    assert page.locator(f"#ranked tr[data-person='{on_plot.pk}']").count() == 1
    shot(page, f"detail-{language}")
    officer.check_clean()
    officer.close()
