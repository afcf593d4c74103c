"""A border officer registers families at Torkham offline in Debian's Chromium: two families wait in the phone's
queue (one of them with a tazkira already registered to a household); a third with the same tazkira as the first
is caught on the phone before it is saved. Back online, the queue is sent: one family is registered and linked,
the other is kept for a land officer's decision and listed on the phone as such, never merged. Sent again, nothing
doubles. Screenshots: tests/artifacts/field-border-*.png."""

# ruff: noqa: F811 (the fixtures imported from the movements and livelihoods tests are arguments here)

from pathlib import Path

import pytest
from django.utils import timezone

from households.models import Household
from movements.models import Arrival, ArrivalReview
from movements.services import arrival_register
from tests.movements.conftest import points  # noqa: F401 (fixture)

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
PHONE = {"width": 390, "height": 844}
REGISTERED_TAZKIRA = "1398-0202-77777"


def log_in(page, url, language):
    page.goto(f"{url}/field/")
    page.fill("#id_username", "field.n")
    page.fill("#id_password", "x")
    page.click("button[type=submit]")
    page.wait_for_selector("#start-border")
    if language != "en":
        with page.expect_navigation():
            page.select_option("select[name=language]", language)
        page.wait_for_selector("#start-border")
    assert page.get_attribute("html", "lang") == language
    assert page.evaluate("navigator.serviceWorker.ready.then(() => true)")


def queued(page, n):
    page.wait_for_function(f"() => document.querySelector('#queue-count').dataset.count === '{n}'", timeout=20000)


def member(page, n, *, name, sex, band="", born="", tazkira=""):
    row = f"#border-members li.member:nth-child({n})"
    if page.locator(row).count() == 0:
        page.click("#border-add-member")
    page.fill(f"{row} [data-field=name]", name)
    page.check(f"{row} input[data-field=sex][value={sex}]")
    if born:
        page.fill(f"{row} [data-field=date_of_birth]", born)
    if band:
        page.select_option(f"{row} [data-field=age_band]", band)
    if tazkira:
        page.fill(f"{row} [data-field=tazkira]", tazkira)


def snapshot(page, name):
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["en", "fa"])
def test_families_registered_offline_are_sent_once_and_a_registered_id_waits_for_a_decision(
    live_server, browser, users, provinces, field_officer, points, language
):
    registered = arrival_register(
        crossing_point=points["torkham"],
        crossed_at=timezone.now() - timezone.timedelta(days=40),
        category="deported",
        country_of_asylum="PK",
        travelling="alone",
        members=[{"name": "Gul Ahmad Zazai", "sex": "m", "age_band": "18_59", "tazkira": REGISTERED_TAZKIRA}],
        destination_province=provinces["nangarhar"],
        by=users["officer_nangarhar"],
    ).household
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    try:
        log_in(page, live_server.url, language)
        context.set_offline(True)
        page.wait_for_selector("#net.offline")
        page.click("#start-border")
        assert page.input_value("#border-country") == "PK"  # Torkham's other side
        assert page.input_value("#border-province") == str(provinces["nangarhar"].pk)

        # Family 1: a father, his wife and a child; the child's age band follows from the date of birth.
        member(page, 1, name="Sher Agha Safi", sex="m", born="1985-03-21", tazkira="1400-0101-23456")
        member(page, 2, name="Bibi Gul", sex="f", band="18_59")
        member(page, 3, name="Zarmina", sex="f", born=f"{timezone.localdate().year - 8}-01-10")
        assert page.input_value("#border-members li.member:nth-child(3) [data-field=age_band]") == "5_17"
        page.check("input[name=vulnerabilities][value=medical_case]")
        page.check("input[name=assistance][value=cash]")
        snapshot(page, f"field-border-form-{language}.png")
        page.click("#border-save")
        queued(page, 1)
        # Saved: the members are cleared for the next family, the crossing point and country stay.
        assert page.locator("#border-members li.member").count() == 1
        assert page.input_value("#border-members [data-field=name]") == ""
        assert page.input_value("#border-country") == "PK"

        # Family 2: a man alone whose tazkira (typed with spaces) is registered to another household.
        member(page, 1, name="Gul Ahmad", sex="m", band="18_59", tazkira="1398 0202 77777")
        page.keyboard.press("Enter")  # keyboard only: Enter saves and opens the next family
        queued(page, 2)

        # Family 3: the same tazkira as family 1, on this phone today: caught before it is saved.
        member(page, 1, name="Sher Agha", sex="m", band="18_59", tazkira="۱۴۰۰۰۱۰۱۲۳۴۵۶")  # Dari digits
        page.click("#border-save")
        page.wait_for_selector("#border-duplicates:not([hidden])")
        warning = page.inner_text("#border-duplicates")
        assert "Sher Agha Safi" in warning and ("3456" in warning or "۳۴۵۶" in warning)
        snapshot(page, f"field-border-duplicate-{language}.png")
        queued(page, 2)  # not saved
        page.click("#border-view .back")
        assert Arrival.objects.count() == 1  # only the one registered before

        page.evaluate(
            "landregField.queueAll().then((items) => { window.keptCopy = items.find((i) => i.members.length === 3); })"
        )
        context.set_offline(False)  # the 'online' event sends the queue
        queued(page, 0)
        assert Arrival.objects.count() == 3
        linked = Arrival.objects.get(members__name="Sher Agha Safi")
        flagged = Arrival.objects.get(members__name="Gul Ahmad")
        assert linked.household is not None and linked.household != registered
        assert (linked.travelling, linked.vulnerabilities, linked.assistance) == ("family", ["medical_case"], ["cash"])
        assert flagged.household is None
        assert list(ArrivalReview.objects.values_list("arrival", "candidate")) == [(flagged.pk, registered.pk)]

        page.wait_for_selector("#border-flagged:not([hidden]) li.flagged")
        waiting = page.inner_text("#border-flagged")
        assert registered.code in waiting and "Gul Ahmad Zazai" in waiting
        assert page.locator("#border-flagged button.decide-attach").count() == 0  # a field officer does not decide
        snapshot(page, f"field-border-flagged-{language}.png")

        # The first family's form again (a retry whose answer was lost): nothing new.
        page.evaluate("landregField.queuePut(window.keptCopy).then(() => landregField.sync())")
        queued(page, 0)
        assert Arrival.objects.count() == 3 and Household.objects.count() == 2
        assert ArrivalReview.objects.count() == 1
        assert page.locator("#border-flagged li").count() == 1
    finally:
        context.close()


@pytest.mark.django_db(transaction=True)
def test_a_land_officer_decides_on_a_flagged_family_from_the_phone(live_server, browser, users, provinces, points):
    arrival_register(
        crossing_point=points["torkham"],
        crossed_at=timezone.now() - timezone.timedelta(days=3),
        category="deported",
        country_of_asylum="PK",
        travelling="alone",
        members=[{"name": "Gul Ahmad Zazai", "sex": "m", "age_band": "18_59", "tazkira": REGISTERED_TAZKIRA}],
        destination_province=provinces["nangarhar"],
        by=users["officer_nangarhar"],
    )
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/field/")
        page.fill("#id_username", users["officer_nangarhar"].username)
        page.fill("#id_password", "x")
        page.click("button[type=submit]")
        page.click("#start-border")
        member(page, 1, name="Gul Ahmad", sex="m", band="18_59", tazkira=REGISTERED_TAZKIRA)
        page.click("#border-save")
        page.wait_for_selector("#border-flagged li.flagged button.decide-attach")
        page.click("#border-flagged button.decide-attach")
        page.wait_for_selector("#border-flagged li.decided")
        arrival = Arrival.objects.get(members__name="Gul Ahmad")
        assert arrival.household.members.get(relationship="head").name == "Gul Ahmad Zazai"
        assert ArrivalReview.objects.get().decision == "attached"
        snapshot(page, "field-border-decided-en.png")
    finally:
        context.close()
