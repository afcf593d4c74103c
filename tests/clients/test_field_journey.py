"""A field officer's day on the phone, in Debian's Chromium with an emulated position and no connection, in English
and Dari: a visit off the plot is refused on site (the phone measures the distance to the plot's edge as PostGIS
does), a position left over from the previous plot is not used, the photo is shown before saving, and the server's
refusals come back in the page's language. Screenshots go to tests/artifacts/ for a person to look at."""

from datetime import date
from pathlib import Path

import pytest
from django.db import connection
from django.utils import translation

from allocations.services import allocation_propose, allocation_transition
from demo.sample_photos import site_jpeg
from landreg.calendar import local_digits
from shelters.models import Inspection, OccupancyCheck
from shelters.selectors import checklist_label, plot_cards, stage_name
from shelters.services import assignment_create, shelter_project_create
from townships import services as township_services

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def shelter(plots, make_household, users, field_officer):
    """Plot 0 with a shelter project (nothing passed yet); plots 0 and 1 assigned to the field officer today."""
    officer = users["officer_nangarhar"]
    household = make_household(registered_by=officer)
    allocation = allocation_propose(household=household, plot=plots[0], proposed_by=officer)
    allocation = allocation_transition(allocation=allocation, action="approve", by=users["committee"], reference="C-1")
    project = shelter_project_create(
        allocation=allocation, implementing_partner="NGO", modality="conditional_cash", by=officer
    )
    assignment_create(officer=field_officer, plot=plots[0], due_on=date.today(), by=officer)
    assignment_create(officer=field_officer, plot=plots[1], due_on=date.today(), by=officer, purpose="occupancy")
    return project


def at(frame, x, y):
    """The point x metres east and y metres north of the township's south-west corner (the plots' frame)."""
    return frame.rect(x - 0.5, y - 0.5, 1, 1).centroid


def phone(browser, where, **options):
    return browser.new_context(
        viewport=PHONE,
        geolocation={"latitude": where.y, "longitude": where.x, "accuracy": 5},
        permissions=["geolocation"],
        **options,
    )


def log_in(page, url, language):
    page.goto(f"{url}/field/")
    page.fill("#id_username", "field.n")
    page.fill("#id_password", "x")
    page.click("button[type=submit]")
    page.wait_for_selector("button.plot")
    if language != "en":  # as the officer does: the language switch in the bar
        with page.expect_navigation():
            page.select_option("select[name=language]", language)
        page.wait_for_selector("button.plot")
    assert page.get_attribute("html", "lang") == language
    assert page.evaluate("navigator.serviceWorker.ready.then(() => true)")


def metres(page, n, language) -> str:
    """How the page writes n metres: the catalogue's unit, the language's digits."""
    text = page.evaluate("(n) => interpolate(gettext('%(n)s m'), { n }, true)", local_digits(str(n), language))
    return text.replace(" ", "\u00a0")  # kept on one line


def snapshot(page, name):
    page.evaluate("window.scrollTo(0, 0)")  # the bar is sticky: from the top, the full page reads as on the phone
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def queue_count(page) -> str:
    return page.get_attribute("#queue-count", "data-count")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["en", "fa"])
def test_a_visit_off_the_plot_is_refused_on_the_phone_until_the_officer_stands_on_it(
    live_server, browser, shelter, plots, frame, tmp_path, settings, language
):
    settings.MEDIA_ROOT = tmp_path / "media"
    off = at(frame, 10, -48)  # 48 m south of plot 0's edge (its centre is 60 m away)
    on = at(frame, 10, 12)  # inside plot 0
    context = phone(browser, off)
    page = context.new_page()
    try:
        log_in(page, live_server.url, language)
        context.set_offline(True)
        page.wait_for_selector("#net.offline")

        page.click(f"button.plot[data-plot='{plots[0].pk}']")
        assert metres(page, 48, language) in page.inner_text("#card")  # to the plot's edge, not its centre
        page.click("#start-inspection")
        form = "#inspection-form"
        page.wait_for_selector(f"{form} .on-plot.bad")
        refusal = page.inner_text(f"{form} .on-plot")
        assert metres(page, 48, language) in refusal and metres(page, 30, language) in refusal
        assert local_digits("2", language) in page.inner_text(f"{form} .position-rule")  # the age limit, said

        # The stage and checklist come in the page's language, from the list of plots kept on the phone.
        with translation.override(language):
            expected_items = [checklist_label(code) for code in ("footing_depth_ok", "plinth_level")]
            expected_stage = stage_name(shelter.programme.stages.get(code="foundation"))
        items = page.locator("#checklist label").all_inner_texts()
        assert [text.strip() for text in items[:2]] == expected_items
        assert page.locator("#stage option:checked").inner_text() == expected_stage

        page.check("#checklist input[value=footing_depth_ok]")
        page.check("#result-pass")
        photo = site_jpeg(lat=on.y, lon=on.x, seed=41)
        page.set_input_files("#photos", files=[{"name": "IMG_0041.jpg", "mimeType": "image/jpeg", "buffer": photo}])
        # The photo is shown before saving (an object URL the CSP allows), with its size.
        page.wait_for_function(
            f"() => {{ const i = document.querySelector('{form} .previews img');"
            " return i && i.complete && i.naturalWidth > 0 && i.src.startsWith('blob:'); }"
        )
        kilobytes = page.evaluate("(n) => interpolate(gettext('%(n)s KB'), { n }, true)", "")
        assert "IMG_0041.jpg" in page.inner_text(f"{form} .previews") and kilobytes.strip() in page.inner_text(
            f"{form} .previews"
        )

        page.click("#save-inspection")
        page.wait_for_function(f"() => document.querySelector('{form} .error').textContent !== ''")
        assert page.inner_text(f"{form} .error") == refusal  # refused here, with the reason: nothing queued
        assert page.evaluate("landregField.queueAll().then((items) => items.length)") == 0
        snapshot(page, f"field-off-plot-{language}.png")

        # The officer walks onto the plot; the form follows the phone's position and says so.
        context.set_geolocation({"latitude": on.y, "longitude": on.x, "accuracy": 5})
        page.wait_for_selector(f"{form} .on-plot.ok")
        assert page.inner_text(f"{form} .error") == ""  # the refusal is gone once on the plot
        assert page.evaluate(
            "(n) => interpolate(gettext('You stand on plot %(number)s.'), { number: n }, true)", "0"
        ) == (page.inner_text(f"{form} .on-plot"))
        snapshot(page, f"field-on-plot-{language}.png")
        page.click("#save-inspection")
        page.wait_for_function("() => document.querySelector('#queue-count').dataset.count === '1'")
        queued = page.inner_text("#queue")
        assert expected_stage in queued and "foundation" not in queued  # the stage's name, never its code
        snapshot(page, f"field-queue-{language}.png")

        context.set_offline(False)
        page.wait_for_function("() => document.querySelector('#queue-count').dataset.count === '0'", timeout=20000)
        inspection = Inspection.objects.get()
        assert inspection.distance_m == 0 and inspection.photos.count() == 1
    finally:
        context.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["en", "fa"])
def test_a_position_left_from_the_previous_plot_is_not_used(
    live_server, browser, shelter, plots, frame, tmp_path, settings, language
):
    """Plot 1 lies next to plot 0: a fix taken on plot 0 is within the tolerance of plot 1's edge. Once it is over
    two minutes old (the GPS lost its signal on the way), the phone asks for a new one instead of using it."""
    settings.MEDIA_ROOT = tmp_path / "media"
    on_plot_0 = at(frame, 10, 12)
    on_plot_1 = at(frame, 30, 12)
    context = phone(browser, on_plot_0)
    page = context.new_page()
    page.clock.install()
    try:
        log_in(page, live_server.url, language)
        page.wait_for_function("() => document.querySelector('#position').textContent.includes('±')")
        context.clear_permissions()  # no new fix from here on
        page.clock.fast_forward("03:00")  # the walk to the next plot

        page.click(f"button.plot[data-plot='{plots[1].pk}']")
        page.click("#start-occupancy")
        form = "#occupancy-form"
        page.wait_for_selector(f"{form} .on-plot.bad")
        stale = page.evaluate(
            "(n) => interpolate(gettext('Your position is %(min)s minutes old: update the position where you stand.'),"
            " { min: n }, true)",
            local_digits("3", language),
        )
        assert page.inner_text(f"{form} .on-plot") == stale
        page.check(f"{form} input[name=finding][value=present]")
        page.click(f"{form} button[type=submit]")
        page.wait_for_function(f"() => document.querySelector('{form} .error').textContent !== ''")
        assert page.inner_text(f"{form} .error") == stale
        assert page.evaluate("landregField.queueAll().then((items) => items.length)") == 0
        snapshot(page, f"field-stale-position-{language}.png")

        # The GPS is back; "Update position" takes a new fix on plot 1, and the check is saved.
        context.grant_permissions(["geolocation"])
        context.set_geolocation({"latitude": on_plot_1.y, "longitude": on_plot_1.x, "accuracy": 5})
        page.click(f"{form} .locate")
        page.wait_for_selector(f"{form} .on-plot.ok")
        page.click(f"{form} button[type=submit]")  # online: saved, then sent at once
        page.wait_for_function("() => document.querySelector('#last-sync').textContent !== ''", timeout=20000)
        # The queue's count is redrawn after the sync's time: wait for it rather than read it at once.
        page.wait_for_function("() => document.querySelector('#queue-count').dataset.count === '0'", timeout=20000)
        assert queue_count(page) == "0"
        check = OccupancyCheck.objects.get()
        assert (check.plot_id, check.finding, check.distance_m) == (plots[1].pk, "present", 0)
    finally:
        context.close()


@pytest.mark.django_db(transaction=True)
def test_the_phone_measures_the_distance_to_a_plot_as_postgis_does(
    live_server, browser, shelter, plots, township, frame, field_officer
):
    """The phone's distance (field.js, over the outline the card carries) against shelter_plot_distance_m, for
    points inside, on the edge, just outside, beyond a corner, in the notch of an L-shaped plot, and far away."""
    l_plot = township_services.plot_create(
        township=township,
        block=township.block_b,
        number="L1",
        geom=frame.ring([(230, 10), (270, 10), (270, 30), (250, 30), (250, 60), (230, 60)]),
        status="available",
    )
    cases = [
        (plots[0], (10, 12)),  # inside: 0
        (plots[0], (20, 10)),  # on the shared edge with plot 1: 0
        (plots[0], (-0.3, 5)),  # just outside
        (plots[0], (10, -48)),  # 48 m south
        (plots[0], (-30, -40)),  # beyond a corner: 50 m
        (plots[0], (600, 400)),  # far
        (l_plot, (240, 20)),  # inside the L
        (l_plot, (260, 45)),  # in its notch: 10 m
        (l_plot, (300, 80)),
    ]
    cards = plot_cards(field_officer, [plots[0].pk, l_plot.pk])
    context = phone(browser, at(frame, 10, 12))
    page = context.new_page()
    try:
        log_in(page, live_server.url, "en")
        for plot, (x, y) in cases:
            point = at(frame, x, y)
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT shelter_plot_distance_m(%s, ST_SetSRID(ST_MakePoint(%s, %s), 4326))",
                    [plot.pk, point.x, point.y],
                )
                postgis = cursor.fetchone()[0]
            card = cards[plot.pk]
            phone_metres = page.evaluate(
                "([outline, lat, lon, srid]) => landregField.plotEdgeMetres(outline, lat, lon, srid)",
                [card["outline"], point.y, point.x, card["township"]["utm_srid"]],
            )
            assert phone_metres == pytest.approx(postgis, abs=0.01), (plot.number, x, y)
        assert page.evaluate(
            "([o, lat, lon]) => landregField.plotEdgeMetres(o, lat, lon, 32642)",
            [cards[l_plot.pk]["outline"], at(frame, 260, 45).y, at(frame, 260, 45).x],
        ) == pytest.approx(10, abs=0.01)
    finally:
        context.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["en", "fa"])
def test_a_refusal_after_sync_comes_back_in_the_page_s_language(
    live_server, browser, shelter, plots, frame, tmp_path, settings, language
):
    settings.MEDIA_ROOT = tmp_path / "media"
    on = at(frame, 10, 12)
    context = phone(browser, on, locale="en-US")  # the browser itself asks for English
    page = context.new_page()
    sent = []
    page.on(
        "request",
        lambda r: (
            sent.append(r.headers.get("accept-language"))
            if r.method == "POST" and "/field/inspections" in r.url
            else None
        ),
    )
    try:
        log_in(page, live_server.url, language)
        page.click(f"button.plot[data-plot='{plots[0].pk}']")
        page.click("#start-inspection")
        page.wait_for_selector("#inspection-form .on-plot.ok")
        page.check("#result-pass")
        screenshot = site_jpeg(seed=77, exif=False)  # a messaging-app copy: no EXIF, which the server refuses
        page.set_input_files("#photos", files=[{"name": "copy.jpg", "mimeType": "image/jpeg", "buffer": screenshot}])
        page.click("#save-inspection")
        page.wait_for_selector("#queue li.refused")
        assert sent and set(sent) == {language}
        with translation.override(language):
            expected = translation.gettext(
                "The photo %(name)s carries no EXIF data (the time it was taken). Take the photo with the phone's "
                "camera; screenshots, edited or messaging-app copies lose it."
            ) % {"name": "copy.jpg"}
        assert expected in page.inner_text("#queue li.refused")
        if language == "fa":
            assert "EXIF" in expected and "عکس" in expected  # the catalogue has it in Dari
        snapshot(page, f"field-refused-{language}.png")
        assert Inspection.objects.count() == 0
    finally:
        context.close()
