"""Livelihoods in a real browser (Debian's Chromium), as people work: clicks and typing.

A land officer opens the map, clicks the allocated plot, sees "Opportunities near this household", refers the
household's carpenter from the panel (confirmed in the dialog), and finds the referral on the opportunity's page.
A partner posts an opportunity for its agreement's province, clicking its place on the small map. Every livelihoods
page is then looked at in English and Dari (right to left): screenshots go to tests/artifacts/livelihoods-*.png.
No console error, and no request leaves the test server."""

import datetime

import pytest
from django.utils import timezone

from households.models import Person
from livelihoods import services
from livelihoods.models import Opportunity, Referral
from livelihoods.survey import questions
from tests.clients.test_map_in_browser import ARTIFACTS, Watched
from tests.clients.test_officer_journey import plain, says
from tests.livelihoods.conftest import (  # noqa: F401  (fixtures)
    adult,
    agreement,
    born_years_ago,
    bounded,
    handed_over,
    media_in_tmp,
    post,
    profiled,
    provider,
    reference_data,
)
from townships.models import Entitlement

# ruff: noqa: F811  (the livelihood fixtures are imported, then asked for by name)


def shot(page, name, full_page=True):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"livelihoods-{name}.png"), full_page=full_page)


def log_in(watched, username, language="en"):
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
def near(handed_over, post, users, township, plots):
    """The allocated plot's household: its head, 30, a carpenter with a skills profile; a carpentry course 300 m
    away. The map's plots are sized for the township's entitlement."""
    Entitlement.objects.create(township=township, min_members=1, max_members=10, plot_biswa=5)
    officer = users["officer_nangarhar"]
    head = handed_over.household.members.get(relationship="head")
    Person.objects.filter(pk=head.pk).update(date_of_birth=born_years_ago(30))
    services.skills_profile_save(
        person=head, by=officer, occupations=[{"isco": "7115", "years": 6, "learnt_in": "iran"}]
    )
    return {"plot": plots[0], "person": head, "course": post(title="Carpentry course, Jalalabad TVET")}


@pytest.mark.django_db(transaction=True)
def test_an_officer_refers_a_household_member_from_the_plot_panel(live_server, browser, users, near):
    officer = Watched(browser, live_server)
    officer.login("officer.n")
    officer.click_plot(near["plot"])
    page = officer.page
    page.wait_for_selector("#plot-livelihoods")
    section = plain(page.inner_text("#plot-livelihoods"))
    assert "Carpentry course, Jalalabad TVET" in section and near["person"].name in section
    shot(page, "panel-en", full_page=False)
    page.click(f"#plot-livelihoods button.refer[data-person='{near['person'].pk}']")
    page.wait_for_selector("#step-dialog[open]")
    assert "is referred to" in plain(page.inner_text("#step-dialog"))
    page.click("#step-dialog button.confirm")
    assert "referred to “Carpentry course, Jalalabad TVET”" in says(officer, "referred to")
    page.wait_for_selector(f"#plot-livelihoods li[data-person='{near['person'].pk}'] .referral-status")
    referral = Referral.objects.get()
    assert referral.status == "referred" and referral.person == near["person"]

    with officer.context.expect_page() as tab:
        page.click("#plot-livelihoods a[href*='/livelihoods/opportunities/']")
    opened = tab.value
    opened.wait_for_selector("#referrals")
    row = opened.locator(f"#referrals tr[data-referral='{referral.pk}']")
    assert row.get_attribute("data-status") == "referred" and near["person"].name in row.inner_text()
    opened.wait_for_selector("#opportunity-map[data-ready='1']", timeout=30000)
    shot(opened, "opportunity-en")
    opened.close()

    with page.expect_navigation():
        page.select_option("header select[name=language]", "fa")
    page.wait_for_selector("html[dir=rtl]")
    page.wait_for_function("() => window.landregMapLoaded", timeout=30000)
    officer.click_plot(near["plot"])
    page.wait_for_selector("#plot-livelihoods .referral-status")
    shot(page, "panel-fa", full_page=False)
    officer.check_clean()
    officer.close()


@pytest.mark.django_db(transaction=True)
def test_a_partner_posts_an_opportunity_clicking_its_place_on_the_map(live_server, browser, users, agreement, bounded):
    partner = Watched(browser, live_server)
    log_in(partner, "partner")
    page = partner.page
    page.goto(f"{partner.server}/livelihoods/partner/")
    page.click("#post-opportunity")
    page.wait_for_selector("#pick-map[data-ready='1']", timeout=30000)
    assert page.locator("#id_province option").all_inner_texts() == ["---------", "Nangarhar"]
    page.select_option("#id_kind", "tvet")
    page.fill("#id_title", "Tailoring course for women")
    page.select_option("#id_province", label="Nangarhar")
    page.fill(".isco-search .isco-q", "tailor")
    page.click(".isco-results button[data-code='7531']")
    assert page.input_value("#id_isco_codes") == "7531"
    page.locator("#pick-map").scroll_into_view_if_needed()
    box = page.locator("#pick-map canvas").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert page.input_value("#id_lon") and page.input_value("#id_lat")
    page.fill("#id_places_offered", "12")
    page.select_option("#id_sex", "f")
    page.select_option("#id_workplace", "women_only")
    page.fill("#id_stipend_monthly", "3000")
    shot(page, "post-en")
    # Sent from the keyboard: a full-page screenshot resizes the window for a moment, and the map follows it, so a
    # click at the button's place could land beside it.
    page.focus("#opportunity-form button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_selector("#opportunity-title")
    o = Opportunity.objects.get()
    assert o.title == "Tailoring course for women" and o.provider.agreement == agreement
    assert o.isco_codes == ["7531"] and o.province == bounded and o.sex == "f"
    assert "Tailoring course for women" in page.inner_text("#opportunity-title")
    page.goto(f"{partner.server}/livelihoods/partner/")
    assert "Tailoring course for women" in page.inner_text("#partner-opportunities")
    shot(page, "partner-en")
    with page.expect_navigation():
        page.select_option("header select[name=language]", "fa")
    page.wait_for_selector("html[dir=rtl]")
    shot(page, "partner-fa")
    page.goto(f"{partner.server}/livelihoods/opportunities/new/")
    page.wait_for_selector("#pick-map[data-ready='1']", timeout=30000)
    shot(page, "post-fa")
    partner.check_clean()
    partner.close()


@pytest.fixture
def every_page(near, users, post, profiled, frame):
    """Something on each page: a referral stepped to enrolled in a cash-for-work opportunity, a week of attendance
    unpaid, the handed-over household's baseline round due (and its 3-month one recorded for another)."""
    officer = users["officer_nangarhar"]
    start = timezone.localdate() - datetime.timedelta(days=21)
    canal = post(
        kind="cash_for_work",
        title="Canal clearing, Behsud",
        daily_wage=450,
        days_offered=24,
        start_on=start,
        isco_codes=[],
        point=frame.rect(600, 400, 1, 1).centroid,
    )
    worker = profiled(age=26, occupations=(("9312", 2),))
    r = services.referral_suggest(opportunity=canal, person=worker, by=officer)
    for step in ("referred", "accepted", "enrolled"):
        r = services.referral_step(referral=r, to_status=step, by=officer)
    week = services.week_start(timezone.localdate() - datetime.timedelta(days=14))
    services.attendance_record(referral=r, week_start=week, days_worked=5, by=officer)
    return {**near, "canal": canal, "worker": worker}


@pytest.mark.django_db(transaction=True)
def test_every_livelihoods_page_in_english_and_dari(live_server, browser, users, every_page, township, provinces):
    watched = Watched(browser, live_server)
    log_in(watched, "officer.n")
    page = watched.page
    allocation = every_page["plot"].allocations.get()
    pages = {
        "list": "/livelihoods/",
        "cash-for-work": f"/livelihoods/opportunities/{every_page['canal'].pk}/",
        "profile": f"/livelihoods/people/{every_page['person'].pk}/skills/",
        "attendance": f"/livelihoods/opportunities/{every_page['canal'].pk}/attendance/",
        "payments": "/livelihoods/payments/",
        "rounds": "/livelihoods/rounds/",
        "round": f"/livelihoods/rounds/{allocation.pk}/baseline/",
        "township": f"/livelihoods/townships/{township.pk}/",
        "at-risk": f"/livelihoods/at-risk/?province={provinces['nangarhar'].pk}",
        "dashboard": f"/townships/{township.code}/dashboard/",
        "edit": f"/livelihoods/opportunities/{every_page['course'].pk}/edit/",
    }
    for language in ("en", "fa"):
        if language == "fa":
            with page.expect_navigation():
                page.select_option("header select[name=language]", "fa")
            page.wait_for_selector("html[dir=rtl]")
        for name, url in pages.items():
            response = page.goto(f"{watched.server}{url}")
            assert response.status == 200, (name, language)
            if name == "cash-for-work":
                page.wait_for_selector("#opportunity-map[data-ready='1']", timeout=30000)
                page.click("#ranked details.score summary")  # the worker's score, opened in its parts
            shot(page, f"{name}-{language}")
    # The profile's occupation search, in Dari, fills the first empty row.
    page.goto(f"{watched.server}/livelihoods/people/{every_page['person'].pk}/skills/")
    page.fill(".isco-search .isco-q", "نجار")
    page.click(".isco-results button[data-code='7115']")
    assert page.input_value("#id_isco_1") == "7115"
    # A round recorded from the page, in Dari.
    page.goto(f"{watched.server}/livelihoods/rounds/{allocation.pk}/baseline/")
    for q in questions():
        page.select_option(f"#id_q_{q['code']}", str(q["max"]))
    with page.expect_navigation():
        page.click("#round-form button[type=submit]")
    assert allocation.survey_rounds.count() == 1
    watched.check_clean()
    watched.close()
