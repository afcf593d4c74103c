"""A field officer inspects a shelter offline in Debian's Chromium (emulated GPS, camera photo with EXIF), goes
back online: exactly one inspection reaches the server, and sending the same visit again creates nothing."""

from datetime import date

import pytest
from django.utils import timezone

from allocations.services import allocation_propose, allocation_transition
from demo.sample_photos import site_jpeg
from landreg.calendar import shamsi_date
from shelters.models import Inspection, Photo
from shelters.services import assignment_create, shelter_project_create


def queue_count(page) -> str:
    return page.get_attribute("#queue-count", "data-count")


@pytest.mark.django_db(transaction=True)
def test_an_inspection_made_offline_is_synced_exactly_once(
    live_server, browser, plots, make_household, users, field_officer, frame, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    officer = users["officer_nangarhar"]
    household = make_household(registered_by=officer)
    allocation = allocation_propose(household=household, plot=plots[0], proposed_by=officer)
    allocation = allocation_transition(allocation=allocation, action="approve", by=users["committee"], reference="C-9")
    project = shelter_project_create(
        allocation=allocation,
        implementing_partner="NGO",
        modality="conditional_cash",
        by=officer,
        tranches=[("foundation", 40000)],
    )
    for plot in plots:
        assignment_create(officer=field_officer, plot=plot, due_on=date.today(), by=officer)
    here = frame.rect(10, 12, 1, 1).centroid  # inside plot 0

    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        geolocation={"latitude": here.y, "longitude": here.x, "accuracy": 5},
        permissions=["geolocation"],
    )
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/field/")
        page.fill("#id_username", "field.n")
        page.fill("#id_password", "x")
        page.click("button[type=submit]")
        page.wait_for_selector("button.plot")
        # nearest first: plot 0, where the officer stands
        page.wait_for_function(f"() => document.querySelector('button.plot').dataset.plot === '{plots[0].pk}'")
        assert page.evaluate("navigator.serviceWorker.ready.then(() => true)")

        context.set_offline(True)
        page.wait_for_selector("#net.offline")
        page.click(f"button.plot[data-plot='{plots[0].pk}']")
        page.click("#start-inspection")
        page.wait_for_function("() => document.querySelector('#inspection-view .gps-text').textContent.includes('±')")
        assert page.input_value("#stage") == "foundation"
        page.check("#checklist input[value=footing_depth_ok]")
        page.check("#result-pass")
        photo = site_jpeg(lat=here.y, lon=here.x, seed=2026)
        page.set_input_files("#photos", files=[{"name": "IMG_2026.jpg", "mimeType": "image/jpeg", "buffer": photo}])
        page.fill("#inspection-form textarea[name=remarks]", "Foundation done")
        page.click("#save-inspection")
        page.wait_for_function("() => document.querySelector('#queue-count').dataset.count === '1'")
        assert "waiting to sync" in page.inner_text("#queue")
        # The visit's date is written in Shamsi with the Afghan month names, not the Iranian ones.
        assert shamsi_date(timezone.localdate(), "en") in page.inner_text("#queue")
        assert Inspection.objects.count() == 0

        # Still offline, the page opens again from the service worker, with today's plots and the queue.
        page.reload()
        page.wait_for_selector("button.plot")
        page.wait_for_function("() => document.querySelector('#queue-count').dataset.count === '1'")
        page.evaluate("landregField.queueAll().then((items) => { window.keptCopy = items[0]; })")

        context.set_offline(False)  # the page's 'online' event sends the queue
        page.wait_for_function("() => document.querySelector('#queue-count').dataset.count === '0'", timeout=20000)
        assert Inspection.objects.count() == 1
        inspection = Inspection.objects.get()
        assert (inspection.project_id, inspection.stage.code, inspection.result) == (project.pk, "foundation", "pass")
        assert inspection.checklist == {"footing_depth_ok": True} and inspection.remarks == "Foundation done"
        assert inspection.photos.count() == 1 and inspection.accuracy_m == 5

        # A second sync of the same visit (a retry whose answer was lost) creates nothing.
        page.evaluate("landregField.queuePut(window.keptCopy).then(() => landregField.sync())")
        page.wait_for_function("() => document.querySelector('#queue-count').dataset.count === '0'")
        page.click("#sync-now")
        page.wait_for_timeout(500)
        assert Inspection.objects.count() == 1 and Photo.objects.count() == 1
        assert queue_count(page) == "0"
    finally:
        context.close()


@pytest.mark.django_db(transaction=True)
def test_a_visit_the_server_refuses_shows_why_and_can_be_discarded(
    live_server, browser, plots, make_household, users, field_officer, frame, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    officer = users["officer_nangarhar"]
    household = make_household(registered_by=officer)
    allocation = allocation_propose(household=household, plot=plots[0], proposed_by=officer)
    allocation = allocation_transition(allocation=allocation, action="approve", by=users["committee"], reference="C-9")
    shelter_project_create(allocation=allocation, implementing_partner="NGO", modality="in_kind", by=officer)
    assignment_create(officer=field_officer, plot=plots[0], due_on=date.today(), by=officer)
    here = frame.rect(10, 12, 1, 1).centroid
    context = browser.new_context(
        geolocation={"latitude": here.y, "longitude": here.x, "accuracy": 5}, permissions=["geolocation"]
    )
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/field/")
        page.fill("#id_username", "field.n")
        page.fill("#id_password", "x")
        page.click("button[type=submit]")
        page.click(f"button.plot[data-plot='{plots[0].pk}']")
        page.click("#start-inspection")
        page.wait_for_function("() => document.querySelector('#inspection-view .gps-text').textContent.includes('±')")
        page.check("#result-pass")
        screenshot = site_jpeg(seed=7, exif=False)  # a screenshot or a messaging-app copy: no EXIF
        page.set_input_files("#photos", files=[{"name": "shot.jpg", "mimeType": "image/jpeg", "buffer": screenshot}])
        page.click("#save-inspection")
        page.wait_for_selector("#queue li.refused")
        assert "no EXIF" in page.inner_text("#queue li.refused")
        assert Inspection.objects.count() == 0
        page.click("#queue li.refused >> text=Discard")
        page.wait_for_function("() => document.querySelector('#queue-count').dataset.count === '0'")
    finally:
        context.close()
