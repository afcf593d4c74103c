"""The land officer's and the committee's whole journey on the map, in a real browser, as people do it: clicks and
typing, never the API. An officer proposes (choosing the household by name), the committee rejects one proposal
and approves another in Dari (maker-checker holds), the officer assigns, prints the letter in English and then in
Dari (one number, nothing superseded), records it as given, hands over with a GPS point, confirms occupancy,
titles, prints the deed, and re-issues it deliberately with a reason; the verification page says, in Dari with the
Dari township name, which paper stands. Screenshots of each step go to tests/artifacts/ (journey-*.png)."""

import re
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from allocations.documents import document_standing, document_verify_url
from allocations.models import Allocation, AllocationDocument, AllocationDocumentPrint
from households.eligibility import default_scheme
from households.models import EligibilityAssessment
from tests.clients.test_map_in_browser import PLOTS_RENDERED, Watched
from townships import services as township_services
from townships.models import Entitlement, Plot

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
TOWNSHIP_DARI = "شهرک سمرخیل"


def shot(watched, name):
    ARTIFACTS.mkdir(exist_ok=True)
    watched.page.screenshot(path=str(ARTIFACTS / f"journey-{name}.png"))


def wait_until(check, what, timeout=30):
    """Poll the database until the live server has done what the browser asked (a print is logged when the PDF is
    served to the window the officer opened)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


def panel_status(watched, status):
    watched.page.wait_for_function(
        f"() => document.getElementById('plot-panel').dataset.status === '{status}'", timeout=20000
    )


def plain(text):
    """Text as read, without the Unicode isolates that keep codes and names in order in right-to-left sentences."""
    return re.sub("[\u2066-\u2069]", "", text)


def says(watched, text):
    """Wait until the map's message says this (it replaces the one before), and return the whole message."""
    watched.page.wait_for_function(
        "(text) => { const m = document.getElementById('map-message'); "
        "return !m.hidden && m.textContent.replace(/[\\u2066-\\u2069]/g, '').includes(text); }",
        arg=text,
        timeout=20000,
    )
    return plain(watched.page.inner_text("#map-message"))


def take_step(watched, action, fill=None):
    """Open a step's dialog, read what it will do, fill it in and confirm it; the dialog's text is returned."""
    watched.page.click(f"#plot-panel button[data-action={action}]")
    watched.page.wait_for_selector("#step-dialog[open]")
    said = plain(watched.page.inner_text("#step-dialog"))
    for selector, value in (fill or {}).items():
        watched.page.fill(f"#step-dialog {selector}", value)
    watched.page.click("#step-dialog button.confirm")
    return said


def switch_to_dari(watched):
    with watched.page.expect_navigation():
        watched.page.select_option("header select[name=language]", "fa")
    watched.page.wait_for_selector("html[dir=rtl]")
    watched.page.wait_for_function(PLOTS_RENDERED, timeout=30000)


def click_map_at(watched, point):
    xy = watched.page.evaluate(f"() => landregMap.project([{point.x}, {point.y}])")
    box = watched.page.locator("#map canvas").bounding_box()
    watched.page.mouse.click(box["x"] + xy["x"], box["y"] + xy["y"])


@pytest.fixture
def journey(plots, township, make_household, frame):
    Entitlement.objects.create(township=township, min_members=1, max_members=10, plot_biswa=5)
    township_services.facility_create(
        township=township, kind="water_point", name="Water point 2", geom=frame.rect(50, 40, 1, 1).centroid
    )
    township.name_prs = TOWNSHIP_DARI
    township.save(update_fields=["name_prs"])
    households = {
        "habibullah": make_household(size=6, head={"name": "Habibullah", "father_name": "Gul", "sex": "m"}),
        "zarmina": make_household(size=5, head={"name": "Zarmina", "father_name": "Noor", "sex": "f"}),
    }
    for household, why in (
        (households["habibullah"], "Returned from Pakistan in 2024 with no land."),
        (households["zarmina"], "Female-headed household, landless."),
    ):
        EligibilityAssessment.objects.create(
            household=household,
            scheme=default_scheme(),
            eligible=True,
            priority_score=3,
            results=[{"criterion": "returnee", "passed": True, "explanation": why}],
        )
    return households


def propose(officer, plot, household):
    officer.click_plot(plot)
    officer.page.click("#propose-start")
    officer.page.wait_for_selector("#propose-form")
    form = officer.page.inner_text("#propose-form")
    # A person chooses: nothing is pre-selected, and each candidate is shown by name, with why they are eligible.
    assert officer.page.locator("#propose-form input[name=household]:checked").count() == 0
    assert officer.page.is_disabled("#propose-form button[type=submit]")
    assert household.members.get(relationship="head").name in form and "Eligible because" in form
    officer.page.check(f"#propose-form label[data-code='{household.code}'] input")
    return form


@pytest.mark.django_db(transaction=True)
def test_the_officer_and_the_committee_take_an_allocation_from_proposal_to_deed(
    live_server, browser, users, plots, journey, field_officer, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LANDREG_PUBLIC_URL = live_server.url
    habibullah, zarmina = journey["habibullah"], journey["zarmina"]
    rejected_plot, plot = plots[0], plots[2]

    # --- the officer proposes two plots, choosing each household by name ------------------------------------------
    officer = Watched(browser, live_server)
    officer.login("officer.n")
    form = propose(officer, rejected_plot, zarmina)
    assert "Zarmina" in form and "Habibullah" in form
    shot(officer, "1-propose-en")
    officer.page.click("#propose-form button[type=submit]")
    says(officer, f"Plot 0 proposed for household {zarmina.code} (Zarmina); waiting for a committee member")
    panel_status(officer, "reserved")
    propose(officer, plot, habibullah)
    officer.page.click("#propose-form button[type=submit]")
    says(officer, f"Plot 2 proposed for household {habibullah.code} (Habibullah)")
    panel_status(officer, "reserved")
    # Maker-checker: the officer who proposed is offered no approval.
    assert officer.page.locator("#plot-panel button[data-action=approve]").count() == 0
    officer.check_clean()
    officer.close()

    # --- the committee, in Dari, rejects one proposal and approves the other -------------------------------------
    committee = Watched(browser, live_server)
    committee.login("committee.n")
    switch_to_dari(committee)
    committee.click_plot(rejected_plot)
    assert TOWNSHIP_DARI in committee.page.inner_text("#plot-panel")
    committee.page.click("#plot-panel button[data-action=reject]")
    committee.page.wait_for_selector("#step-dialog[open]")
    shot(committee, "2-reject-dialog-fa")
    committee.page.click("#step-dialog button.confirm")  # no reason: the dialog stays open and says what to fix
    committee.page.wait_for_selector("#step-dialog textarea[name=reason]:invalid")
    committee.page.fill("#step-dialog textarea[name=reason]", "The household holds land in Kama district.")
    committee.page.click("#step-dialog button.confirm")
    says(committee, zarmina.code)
    panel_status(committee, "available")
    assert Allocation.objects.get(plot=rejected_plot).status == "rejected"

    committee.click_plot(plot)
    said = take_step(committee, "approve", {"input[name=reference]": "NAN-CMT-1405-07"})
    assert "Habibullah" in said
    panel_status(committee, "allocated")
    approved = says(committee, habibullah.code)  # on the Dari page: "plot 2 approved for …" in Dari
    assert "Habibullah" in approved and "تأیید شد" in approved and "approved" not in approved, approved
    shot(committee, "3-approved-fa")
    committee.check_clean()
    committee.close()

    # --- the officer assigns, prints the letter in English then in Dari, records it as given ----------------------
    officer = Watched(browser, live_server)
    officer.login("officer.n")
    officer.click_plot(plot)
    # The next step comes first; revoking is folded away below.
    first_step = officer.page.locator("#next-steps button").first
    assert first_step.get_attribute("data-action") == "assign"
    assert not officer.page.is_visible("#plot-panel button[data-action=revoke]")
    said = take_step(officer, "assign")
    assert f"Plot 2 is assigned to household {habibullah.code} (Habibullah)" in said
    says(officer, "Next: issue and print the allocation letter")
    officer.page.wait_for_selector("#plot-panel button[data-issue=letter]")
    assert officer.page.locator("#plot-panel button[data-action=issue-letter]").count() == 0  # print it first

    officer.page.click("#plot-panel button[data-issue=letter]")
    officer.page.wait_for_selector("#step-dialog[open]")
    officer.page.select_option("#step-dialog select[name=print_language]", "en")
    officer.page.click("#step-dialog button.confirm")
    officer.page.wait_for_selector("#documents li[data-number='NAN-TEST-L-000001']")
    letter = AllocationDocument.objects.get(kind="letter")
    wait_until(lambda: letter.prints.count() >= 1, "the English print")
    officer.page.click("#documents li[data-number='NAN-TEST-L-000001'] a[data-language=fa]")
    wait_until(lambda: letter.prints.filter(language="fa").exists(), "the Dari print")
    assert AllocationDocument.objects.filter(kind="letter").count() == 1
    assert document_standing(letter) == "valid"
    assert sorted(letter.prints.values_list("language", flat=True)) == ["en", "fa"]
    officer.page.wait_for_function(
        "() => { const li = document.querySelector('#documents li'); "
        "return li && li.innerText.includes('printed 2 times'); }",
        timeout=10000,
    )
    shot(officer, "4-letter-printed-en")

    said = take_step(officer, "issue-letter")
    assert "NAN-TEST-L-000001" in said
    panel_status(officer, "allocated")
    officer.page.wait_for_selector("#plot-panel button[data-action=hand-over]")
    says(officer, "Next: hand the plot over on site, with a GPS point")

    # --- hand-over: a point clicked off the plot is refused with a sentence; the device's GPS fix is taken -------
    officer.page.click("#plot-panel button[data-action=hand-over]")
    officer.page.wait_for_selector("#step-dialog[open]")
    officer.page.click("#step-dialog button.gps-map")
    far = plots[0].geom.centroid  # 40 m away, beyond the 30 m tolerance
    click_map_at(officer, far)
    officer.page.wait_for_selector("#step-dialog[open]")
    assert "Point on the map" in officer.page.inner_text("#step-dialog .gps-point")
    assert officer.page.get_attribute("#plot-panel", "data-plot") == str(plot.pk)  # the click chose no other plot
    officer.page.click("#step-dialog button.confirm")
    officer.page.wait_for_selector("#step-dialog .dialog-error:not([hidden])")
    assert "m from plot 2; handover must be done on the plot" in officer.page.inner_text("#step-dialog .dialog-error")
    shot(officer, "5-handover-refused-en")
    on_the_plot = plot.geom.point_on_surface
    officer.context.grant_permissions(["geolocation"], origin=live_server.url)
    officer.context.set_geolocation({"latitude": on_the_plot.y, "longitude": on_the_plot.x, "accuracy": 6})
    officer.page.click("#step-dialog button.gps-device")
    officer.page.wait_for_function("() => document.querySelector('#step-dialog .gps-point').textContent.includes('±')")
    officer.page.click("#step-dialog button.confirm")
    panel_status(officer, "handed_over")
    says(officer, f"Plot 2 handed over to household {habibullah.code} (Habibullah)")
    allocation = Allocation.objects.get(plot=plot, status="handed_over")
    assert allocation.handover_accuracy_m == 6 and allocation.handover_point.distance(on_the_plot) < 1e-6

    take_step(officer, "confirm-occupancy")
    panel_status(officer, "occupied")
    officer.page.wait_for_selector("#plot-panel button[data-action=title]")
    said = take_step(officer, "title")
    assert "deed" in said
    officer.page.wait_for_selector("#plot-panel button[data-issue=deed]")
    assert Allocation.objects.get(pk=allocation.pk).status == "titled"

    # --- the deed is printed, then deliberately re-issued with a reason -----------------------------------------
    officer.page.click("#plot-panel button[data-issue=deed]")
    officer.page.wait_for_selector("#step-dialog[open]")
    officer.page.select_option("#step-dialog select[name=print_language]", "fa")
    officer.page.click("#step-dialog button.confirm")
    officer.page.wait_for_selector("#documents li[data-number='NAN-TEST-D-000001']")
    deed = AllocationDocument.objects.get(kind="deed")
    officer.page.click("#documents li[data-number='NAN-TEST-D-000001'] button.reissue")
    officer.page.wait_for_selector("#step-dialog[open]")
    warning = plain(officer.page.inner_text("#step-dialog"))
    assert "NAN-TEST-D-000001" in warning and "SUPERSEDED" in warning
    officer.page.click("#step-dialog button.confirm")  # no reason yet: refused in the dialog
    officer.page.wait_for_selector("#step-dialog select[name=reissue_reason]:invalid")
    officer.page.select_option("#step-dialog select[name=reissue_reason]", "damaged")
    officer.page.fill("#step-dialog textarea[name=reissue_note]", "Torn in the rain.")
    shot(officer, "6-reissue-dialog-en")
    officer.page.click("#step-dialog button.confirm")
    officer.page.wait_for_selector("#documents li[data-number='NAN-TEST-D-000002']")
    says(officer, "NAN-TEST-D-000002 issued for plot 2; it supersedes NAN-TEST-D-000001")
    reissued = AllocationDocument.objects.get(number="NAN-TEST-D-000002")
    assert (reissued.supersedes, reissued.reissue_reason) == (deed, "damaged")
    assert [document_standing(d) for d in (deed, reissued, letter)] == ["superseded", "valid", "valid"]
    shot(officer, "7-documents-en")
    assert AllocationDocumentPrint.objects.filter(document__in=[deed, reissued]).count() >= 2
    switch_to_dari(officer)
    officer.click_plot(plot)
    officer.page.wait_for_selector("#documents li[data-number='NAN-TEST-D-000002']")
    panel = officer.page.inner_text("#plot-panel")
    assert TOWNSHIP_DARI in panel and "۵۰۰" in panel
    facility = officer.page.inner_text("#plot-panel ul.facilities li")
    assert facility.count("Water point") == 1 and "Water point 2" in facility, facility
    shot(officer, "7-documents-fa")
    refused = f"status of 400 (Bad Request) ({live_server.url}/api/v1/allocations/{allocation.pk}/hand-over/)"
    officer.check_clean(expected=[refused])  # the hand-over refused on purpose, above
    officer.close()

    # --- the verification pages, in Dari, with the Dari township name --------------------------------------------
    visitor = browser.new_context(locale="fa-AF", viewport={"width": 900, "height": 1000}).new_page()
    for document, standing, name in ((deed, "جایگزین شده", "superseded"), (letter, "معتبر", "valid")):
        visitor.goto(live_server.url + urlsplit(document_verify_url(document)).path)
        text = visitor.inner_text("main")
        assert standing in text and TOWNSHIP_DARI in text and document.number in text
        assert "Habibullah" not in text and habibullah.code not in text
        visitor.screenshot(path=str(ARTIFACTS / f"journey-8-verify-{name}-fa.png"), full_page=True)
    visitor.context.close()
    assert Plot.objects.get(pk=plot.pk).status == "occupied"
