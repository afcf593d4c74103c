"""Grievances in a real browser, as people work: clicks and typing, never the API.

A land officer opens a land dispute from the plot panel, drawing the claimed outline on the map corner by corner;
the plot turns "disputed" (orange) on the map; the officer acknowledges it; a committee member, in Dari, resolves
it (the claim rejected) and the plot's colour changes back. Then a grievance is recorded from the officers' pages,
acknowledged, resolved, and the loop closed; its receipt opens as a PDF. Screenshots in English, Dari and Pashto
go to tests/artifacts/grievance-*.png."""

import subprocess

import pytest
from django.contrib.gis.geos import Point

from grievances.models import Grievance, LandDispute
from tests.clients.test_map_in_browser import Watched
from tests.clients.test_officer_journey import ARTIFACTS, click_map_at, panel_status, plain, says, switch_to_dari
from townships.models import Entitlement, Plot

ORANGE, GREEN = "255,127,0", "77,175,74"  # disputed and available (townships/map_style.py)
SCRIPT = '<script>alert("x")</script>'


def shot(watched, name, full_page=False):
    ARTIFACTS.mkdir(exist_ok=True)
    watched.page.screenshot(path=str(ARTIFACTS / f"grievance-{name}.png"), full_page=full_page)


def colour_is(watched, plot, colour):
    watched.page.wait_for_function(
        """([id, colour]) => {
          const f = landregMap.queryRenderedFeatures({layers: ['plots-fill']}).find(f => f.properties.id === id);
          if (!f) return false;
          const c = f.layer.paint['fill-color'];
          return [c.r, c.g, c.b].map(v => Math.round(v * 255)).join(',') === colour;
        }""",
        arg=[plot.pk, colour],
        timeout=20000,
    )


def switch_language(watched, code):
    with watched.page.expect_navigation():
        watched.page.select_option("header select[name=language]", code)
    watched.page.wait_for_selector(f"html[lang={code}]")


@pytest.fixture
def map_plots(plots, township):
    Entitlement.objects.create(township=township, min_members=1, max_members=10, plot_biswa=5)
    return plots


@pytest.mark.django_db(transaction=True)
def test_a_dispute_is_opened_with_its_outline_drawn_then_resolved_and_the_plot_changes_back(
    live_server, browser, users, map_plots, frame
):
    plot = map_plots[1]  # 20..40 m × 0..25 m
    officer = Watched(browser, live_server)
    officer.login("officer.n")
    colour_is(officer, plot, GREEN)
    officer.click_plot(plot)
    officer.page.wait_for_selector("#plot-panel button[data-grievance=open-dispute]")
    assert "No open grievance about this plot." in officer.page.inner_text("#plot-grievances")
    officer.page.click("#plot-panel button[data-grievance=open-dispute]")
    officer.page.wait_for_selector("#step-dialog[open]")
    said = plain(officer.page.inner_text("#step-dialog"))
    assert "Plot 1 will show as disputed" in said and "cannot be allocated" in said
    officer.page.fill("#step-dialog textarea[name=description]", "The neighbour's new wall takes the back of the plot.")

    # The claimed outline: four corners clicked on the map, from the plot's middle over its back into the next plot.
    officer.page.click("#step-dialog #draw-outline")
    officer.page.wait_for_selector("#draw-bar:not([hidden])")
    assert officer.page.locator("#step-dialog[open]").count() == 0
    corners = [(30, 12), (50, 12), (50, 22), (30, 22)]
    for x, y in corners[:3]:
        click_map_at(officer, _point(frame, x, y))
    assert officer.page.is_enabled("#draw-finish"), officer.page.inner_text("#draw-bar")
    click_map_at(officer, _point(frame, 45, 5))  # a wrong corner, undone
    officer.page.click("#draw-undo")
    click_map_at(officer, _point(frame, *corners[3]))
    assert "4 corners drawn" in officer.page.inner_text("#draw-bar")
    assert officer.page.get_attribute("#plot-panel", "data-plot") == str(plot.pk)  # the clicks chose no plot
    shot(officer, "1-outline-drawn-en")
    officer.page.click("#draw-finish")
    officer.page.wait_for_selector("#step-dialog[open]")
    assert "Outline drawn with 4 corners" in officer.page.inner_text("#step-dialog .outline-drawn")
    shot(officer, "2-dispute-dialog-en")
    officer.page.click("#step-dialog button.confirm")
    message = says(officer, "opened over plot 1; the plot shows as disputed")
    panel_status(officer, "disputed")
    colour_is(officer, plot, ORANGE)
    dispute = LandDispute.objects.get(plot=plot)
    reference = dispute.grievance.reference
    assert reference in message
    assert float(dispute.overlap_m2) == pytest.approx(100, rel=0.05)  # 10 m × 10 m of the plot is claimed
    assert Plot.objects.get(pk=plot.pk).status == "disputed"
    officer.page.wait_for_selector(f"#plot-grievances li[data-reference='{reference}']")
    assert "m²" in officer.page.inner_text("#plot-panel .dispute-facts")
    # A land officer acknowledges it; deciding it is a committee member's.
    assert officer.page.locator("#plot-panel button[data-grievance=resolve-dispute]").count() == 0
    officer.page.click("#plot-panel button[data-grievance=acknowledge-dispute]")
    officer.page.wait_for_selector("#step-dialog[open]")
    officer.page.click("#step-dialog button.confirm")
    says(officer, "acknowledged. Next: a committee member decides it")
    officer.page.wait_for_selector(f"#plot-grievances li[data-reference='{reference}'][data-status=acknowledged]")
    shot(officer, "3-disputed-en")
    officer.check_clean()
    officer.close()

    # --- a committee member, in Dari, resolves it: the claim rejected, the plot available again -----------------
    committee = Watched(browser, live_server)
    committee.login("committee.n")
    switch_to_dari(committee)
    colour_is(committee, plot, ORANGE)
    committee.click_plot(plot)
    committee.page.wait_for_selector("#plot-panel button[data-grievance=resolve-dispute]")
    assert committee.page.locator("#plot-panel button[data-grievance=open-dispute]").count() == 0  # one is open
    committee.page.click("#plot-panel button[data-grievance=resolve-dispute]")
    committee.page.wait_for_selector("#step-dialog[open]")
    committee.page.click("#step-dialog button.confirm")  # no decision yet: refused in the dialog
    committee.page.wait_for_selector("#step-dialog select[name=decision]:invalid")
    committee.page.select_option("#step-dialog select[name=decision]", "rejected")
    committee.page.fill("#step-dialog textarea[name=note]", "The survey of 1403 stands; the wall is to be moved.")
    shot(committee, "4-resolve-dialog-fa")
    committee.page.click("#step-dialog button.confirm")
    says(committee, reference)
    panel_status(committee, "available")
    colour_is(committee, plot, GREEN)
    shot(committee, "5-resolved-fa")
    assert Plot.objects.get(pk=plot.pk).status == "available"
    assert LandDispute.objects.get(pk=dispute.pk).decision == "rejected"
    assert Grievance.objects.get(reference=reference).status == "resolved"
    committee.check_clean()
    committee.close()


def _point(frame, x, y):
    """A point x, y metres from the frame's origin (tests/conftest.py), in longitude and latitude."""
    lon, lat = frame.to_wgs.transform(frame.x0 + x, frame.y0 + y)
    return Point(lon, lat, srid=4326)


@pytest.mark.django_db(transaction=True)
def test_a_grievance_recorded_from_the_pages_is_acknowledged_resolved_and_its_loop_closed(
    live_server, browser, users, map_plots, township, tmp_path
):
    officer = Watched(browser, live_server)
    officer.login("officer.n")
    officer.page.click("header a[href='/grievances/']")
    officer.page.wait_for_selector("h1")
    officer.page.click("a[href='/grievances/new/']")
    officer.page.select_option("#id_channel", "hotline")
    officer.page.select_option("#id_category", "shelter_payment")
    officer.page.select_option("#id_township", str(township.pk))
    officer.page.fill("#id_plot_number", "2")
    officer.page.fill("#id_description", "The second tranche was not paid. " + SCRIPT)
    officer.page.select_option("#id_language", "ps")
    shot(officer, "6-new-en", full_page=True)
    with officer.page.expect_navigation():
        officer.page.click("button[type=submit].primary")
    grievance = Grievance.objects.get()
    assert officer.page.url.endswith(f"/grievances/{grievance.reference}/")
    assert f"Grievance {grievance.reference} recorded" in officer.page.inner_text("main")
    assert SCRIPT in officer.page.inner_text("#description")  # shown as the words typed
    assert officer.page.locator("#description script").count() == 0

    def take(action, **fields):
        if officer.page.get_attribute(f"details[data-action={action}]", "open") is None:
            officer.page.click(f"details[data-action={action}] summary")
        for name, value in fields.items():
            officer.page.fill(f"details[data-action={action}] [name={action}-{name}]", value)
        with officer.page.expect_navigation():
            officer.page.click(f"details[data-action={action}] button.confirm")

    officer.page.click("details[data-action=acknowledge] summary")
    assert "Records that the complainant was told" in officer.page.inner_text("details[data-action=acknowledge]")
    shot(officer, "7-acknowledge-confirm-en", full_page=True)
    take("acknowledge", note="Phoned the complainant.")
    assert officer.page.get_attribute("#status", "data-status") == "acknowledged"
    take("resolve", note="Tranche paid on 5 Jadi.")
    assert officer.page.get_attribute("#status", "data-status") == "resolved"
    assert "Next: tell the complainant the outcome" in officer.page.inner_text("main")
    take("close_loop", note="Told on the phone.")
    officer.page.wait_for_selector("#loop-closed")
    steps = officer.page.inner_text("#steps")
    assert all(s in steps for s in ("Received", "Acknowledged", "Resolved", "loop closed", "officer.n"))
    shot(officer, "8-loop-closed-en", full_page=True)

    # The receipt for the complainant opens as a PDF in each language; its first page is kept as a picture.
    for code in ("en", "fa", "ps"):
        receipt = officer.page.get_attribute(f"a[data-language={code}]", "href")
        pdf = officer.page.request.get(live_server.url + receipt)
        assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf" and pdf.body()[:5] == b"%PDF-"
        (tmp_path / f"{code}.pdf").write_bytes(pdf.body())
        subprocess.run(
            ["pdftoppm", "-png", "-r", "70", "-singlefile", str(tmp_path / f"{code}.pdf"),
             str(ARTIFACTS / f"grievance-receipt-{code}")],
            check=True,
        )  # fmt: skip

    # The same page, the list and the dashboard in Dari and Pashto: right to left, Shamsi dates.
    for code in ("fa", "ps"):
        switch_language(officer, code)
        assert officer.page.get_attribute("html", "dir") == "rtl"
        shot(officer, f"9-detail-{code}", full_page=True)
    officer.page.goto(f"{live_server.url}/grievances/")
    shot(officer, "10-list-ps", full_page=True)
    switch_language(officer, "fa")
    shot(officer, "10-list-fa", full_page=True)
    officer.page.goto(f"{live_server.url}/grievances/dashboard/")
    shot(officer, "11-dashboard-fa", full_page=True)
    switch_language(officer, "en")
    shot(officer, "11-dashboard-en", full_page=True)
    officer.page.goto(f"{live_server.url}/grievances/")
    shot(officer, "10-list-en", full_page=True)
    officer.check_clean()
    officer.close()
