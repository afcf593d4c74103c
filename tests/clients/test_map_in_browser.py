"""The land officers' map in a real browser (Debian's Chromium, WebGL through SwiftShader): plots render from our
vector tiles, a click opens the plot panel, an officer proposes and a committee member approves and the plot
changes colour, the Dari page is right to left with Shamsi dates, no console errors, no request leaves the test
server. Screenshots in English and Dari go to tests/artifacts/ for a person to look at."""

from pathlib import Path

import pytest

from parcels.services import imagery_import
from townships.models import Entitlement, Plot

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
DARI_MONTHS = ("حمل", "ثور", "جوزا", "سرطان", "اسد", "سنبله", "میزان", "عقرب", "قوس", "جدی", "دلو", "حوت")
PLOTS_RENDERED = (
    "() => window.landregMapLoaded && landregMap.queryRenderedFeatures({layers: ['plots-fill']}).length >= 3"
)
RENDERED_STATUS = """(id) => {
  const f = landregMap.queryRenderedFeatures({layers: ['plots-fill']}).find(f => f.properties.id === id);
  if (!f) return null;
  const c = f.layer.paint && f.layer.paint['fill-color'];
  return {status: f.properties.status, colour: c ? [c.r, c.g, c.b].map(v => Math.round(v * 255)).join(',') : null};
}"""


@pytest.fixture
def webgl_browser(browser):
    """The shared Chromium (tests/clients/conftest.py) draws WebGL in software, as MapLibre needs.
    One Playwright per test session: a second sync Playwright inside the first's event loop is refused."""
    return browser


class Watched:
    """A browser page whose console errors and requests are recorded."""

    def __init__(self, browser, live_server):
        self.context = browser.new_context(viewport={"width": 1280, "height": 850})
        self.page = self.context.new_page()
        self.errors, self.requests = [], []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.server = live_server.url

    def _console(self, message):
        if message.type == "error":
            self.errors.append(f"{message.text} ({message.location.get('url')})")

    def login(self, username, password="x"):
        self.page.goto(f"{self.server}/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", password)
        with self.page.expect_navigation():
            self.page.click("input[type=submit]")
        self.page.wait_for_function(PLOTS_RENDERED, timeout=30000)

    def click_plot(self, plot):
        centre = plot.geom.centroid
        point = self.page.evaluate(f"() => landregMap.project([{centre.x}, {centre.y}])")
        box = self.page.locator("#map canvas").bounding_box()
        self.page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
        self.page.wait_for_function(f"() => document.getElementById('plot-panel').dataset.plot === '{plot.pk}'")

    def rendered(self, plot):
        return self.page.evaluate(RENDERED_STATUS, plot.pk)

    def wait_for_status(self, plot, status):
        self.page.wait_for_function(
            f"() => {{ const r = ({RENDERED_STATUS})({plot.pk}); return r && r.status === '{status}'; }}",
            timeout=20000,
        )

    def check_clean(self, expected=()):
        """No console error (but the ones a test provokes on purpose), no request beyond the test server."""
        errors = [e for e in self.errors if not any(x in e for x in expected)]
        assert not errors, errors
        outside = [u for u in self.requests if not u.startswith((self.server, "data:", "blob:"))]
        assert not outside, outside

    def close(self):
        self.context.close()


def drone_image(path, plot):
    """A 200 m × 200 m orthophoto (0.5 m pixels, UTM 42N) around a plot: grey ground."""
    import numpy
    import rasterio
    from pyproj import Transformer
    from rasterio.transform import from_origin

    x, y = Transformer.from_crs(4326, 32642, always_xy=True).transform(plot.geom.centroid.x, plot.geom.centroid.y)
    with rasterio.open(
        path, "w", driver="GTiff", width=400, height=400, count=3, dtype="uint8",
        crs="EPSG:32642", transform=from_origin(x - 100, y + 100, 0.5, 0.5),
    ) as out:  # fmt: skip
        out.write(numpy.full((3, 400, 400), 150, dtype="uint8"))
    return path


@pytest.fixture
def map_plots(plots, township):
    Entitlement.objects.create(township=township, min_members=1, max_members=10, plot_biswa=5)
    return plots


@pytest.mark.django_db(transaction=True)
def test_officer_proposes_committee_approves_and_the_plot_changes_colour(
    live_server, webgl_browser, users, map_plots, make_household
):
    household = make_household(size=6)
    ARTIFACTS.mkdir(exist_ok=True)
    plot = map_plots[1]

    officer = Watched(webgl_browser, live_server)
    officer.login("officer.n")
    assert officer.rendered(plot)["status"] == "available"
    officer.click_plot(plot)
    panel = officer.page.inner_text("#plot-panel")
    assert "Plot 1" in panel and "Available" in panel and "500" in panel and "biswa" in panel
    officer.page.screenshot(path=str(ARTIFACTS / "map-en.png"))
    before = officer.rendered(plot)["colour"]
    officer.page.click("#propose-start")
    officer.page.wait_for_selector("#propose-form")
    assert household.code in officer.page.inner_text("#propose-form")
    officer.page.check(f"#propose-form label[data-code='{household.code}'] input")
    officer.page.click("#propose-form button[type=submit]")
    officer.wait_for_status(plot, "reserved")
    officer.page.wait_for_function("() => document.getElementById('plot-panel').dataset.status === 'reserved'")
    reserved = officer.rendered(plot)["colour"]
    assert reserved != before
    officer.check_clean()
    officer.close()

    committee = Watched(webgl_browser, live_server)
    committee.login("committee.n")
    committee.click_plot(plot)
    committee.page.click("#plot-panel button[data-action=approve]")
    committee.page.fill("#step-dialog input[name=reference]", "NAN-CMT-1405-07")
    committee.page.click("#step-dialog button.confirm")
    committee.wait_for_status(plot, "allocated")
    assert committee.rendered(plot)["colour"] not in (before, reserved)
    assert Plot.objects.get(pk=plot.pk).status == "allocated"

    with committee.page.expect_navigation():
        committee.page.select_option("select[name=language]", "fa")
    committee.page.wait_for_selector("html[dir=rtl]")
    committee.page.wait_for_function(PLOTS_RENDERED, timeout=30000)
    committee.click_plot(plot)
    committee.page.wait_for_selector("#plot-panel .history li")
    history = committee.page.inner_text("#plot-panel .history")
    assert any(month in history for month in DARI_MONTHS), history
    assert committee.page.get_attribute("html", "lang") == "fa"
    committee.page.screenshot(path=str(ARTIFACTS / "map-fa.png"))
    committee.check_clean()
    committee.close()


@pytest.mark.django_db(transaction=True)
def test_a_plot_taken_a_moment_ago_gives_a_clear_message_and_refreshes(
    live_server, webgl_browser, users, map_plots, make_household
):
    from allocations.services import allocation_propose

    first = make_household(size=6)
    other = make_household(size=5)
    plot = map_plots[0]
    officer = Watched(webgl_browser, live_server)
    officer.login("officer.n")
    officer.click_plot(plot)
    officer.page.click("#propose-start")
    officer.page.wait_for_selector("#propose-form")
    officer.page.check(f"#propose-form label[data-code='{first.code}'] input")
    # Another officer takes the plot while this one is choosing.
    allocation_propose(household=other, plot=plot, proposed_by=users["officer_nangarhar"])
    officer.page.click("#propose-form button[type=submit]")
    officer.page.wait_for_selector("#map-message.error")
    assert "moment ago" in officer.page.inner_text("#map-message")
    officer.wait_for_status(plot, "reserved")
    officer.check_clean(expected=["status of 409 (Conflict) (http://localhost:"])  # the refusal itself
    officer.close()


@pytest.mark.django_db(transaction=True)
def test_imagery_search_and_the_dashboard(live_server, webgl_browser, users, map_plots, provinces, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    imagery = imagery_import(
        source_path=drone_image(tmp_path / "drone.tif", map_plots[0]), name="Drone", province=provinces["nangarhar"]
    )
    officer = Watched(webgl_browser, live_server)
    officer.login("officer.n")
    officer.page.wait_for_function(f"() => landregMap.getLayer('imagery-{imagery.pk}') && landregMap.areTilesLoaded()")
    tiles = [u for u in officer.requests if f"/tiles/imagery/{imagery.pk}/" in u]
    assert tiles, "the map asked for no imagery tile"
    officer.page.fill("#map-search-q", "2")
    officer.page.click("#map-search button[type=submit]")
    officer.page.click("#map-search-results button")
    officer.page.wait_for_function(f"() => document.getElementById('plot-panel').dataset.plot === '{map_plots[2].pk}'")
    officer.page.click("#dashboard-link")
    officer.page.wait_for_selector(".dashboard")
    assert "NAN-TEST" in officer.page.inner_text("h1")
    assert officer.page.locator(".bar-row[data-code=available] .bar-n").inner_text().startswith("3")
    officer.page.screenshot(path=str(ARTIFACTS / "dashboard-en.png"), full_page=True)
    officer.check_clean()
    officer.close()


@pytest.mark.django_db(transaction=True)
def test_a_plot_on_unfit_ground_says_so_before_anyone_is_proposed(
    live_server, webgl_browser, users, map_plots, make_household
):
    from planning.models import PlotSite

    make_household(size=6)
    plot = map_plots[2]
    # Figures as `manage.py recompute_plot_sites` leaves them for a plot on a steep slope (planning/selectors.py).
    PlotSite.objects.update_or_create(
        plot=plot,
        defaults={"slope_mean_pct": 24.0, "share_over_10_pct": 90.0, "share_over_20_pct": 70.0, "fit": "not_fit"},
    )
    PlotSite.objects.filter(plot=plot).update(stale=False)
    officer = Watched(webgl_browser, live_server)
    officer.login("officer.n")
    outlined = "() => landregMap.queryRenderedFeatures({layers: ['plots-unfit']}).map(f => f.properties.id)"
    officer.page.wait_for_function(f"() => ({outlined})().length > 0")
    assert set(officer.page.evaluate(outlined)) == {plot.pk}  # only it is drawn dashed red on the map
    officer.click_plot(plot)
    assert "Not fit" in officer.page.inner_text("#plot-panel .plot-site")
    officer.page.click("#propose-start")
    officer.page.wait_for_selector("#propose-form")
    warning = officer.page.inner_text("#propose-site-warning")
    assert "not fit to live on" in warning and "slope" in warning
    officer.page.screenshot(path=str(ARTIFACTS / "map-unfit-ground-en.png"))
    officer.check_clean()
    officer.close()
