"""A field officer fills a skills profile offline in Debian's Chromium: the members aged 15 or over of a household
they visit are offered (not the 12-year-old), the occupation is found in the ISCO-08 list kept on the phone by a
word in the page's language, a code not in the list is refused on the phone, the profile waits in the queue, and
back online it is recorded once through the officers' service; sent again, nothing doubles. Then a profile changed
at the office while the phone was offline: the phone shows the conflict, the officer sends theirs on top, and the
profile's history keeps the office's. Screenshots: tests/artifacts/field-skills-*.png."""

# ruff: noqa: F811 (the fixtures imported from the livelihoods tests are arguments here)

import time
from pathlib import Path

import pytest
from django.apps import apps

from households.models import Person
from households.services import person_add
from livelihoods import services
from livelihoods.models import ImportedSubmission, IscoOccupation, Occupation, SkillsProfile
from livelihoods.reference import load_isco
from livelihoods.services import survey_assignment_create
from tests.livelihoods.conftest import born_years_ago, handed_over  # noqa: F401 (fixture)

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
PHONE = {"width": 390, "height": 844}
# What the officer types to find a carpenter, in the page's language.
CARPENTER = {"en": "carpent", "fa": "نجار"}


@pytest.fixture
def isco(db):
    """The shipped ISCO-08 list (a transactional test elsewhere may have flushed it)."""
    if not IscoOccupation.objects.exists():
        load_isco(IscoOccupation)


@pytest.fixture
def visited(handed_over, users, field_officer, isco):
    """The handed-over household, with its head (40) and a daughter (12), has a survey round assigned today."""
    household = handed_over.household
    head = household.members.get(relationship="head")
    Person.objects.filter(pk=head.pk).update(date_of_birth=born_years_ago(40))
    head.refresh_from_db()
    person_add(
        household=household,
        by=users["officer_nangarhar"],
        relationship="child",
        name="Daughter",
        sex="f",
        date_of_birth=born_years_ago(12),
    )
    survey_assignment_create(
        officer=field_officer, allocation=handed_over, round="baseline", by=users["officer_nangarhar"]
    )
    return head


def queued(page, n):
    page.wait_for_function(f"() => document.querySelector('#queue-count').dataset.count === '{n}'", timeout=20000)


def snapshot(page, name):
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def isco_kept_on_the_phone(page) -> int:
    for _attempt in range(100):
        n = page.evaluate("landregField.storeGet('isco').then((rows) => (rows ? rows.length : 0))")
        if n:
            return n
        time.sleep(0.1)
    return 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["en", "fa"])
def test_a_skills_profile_filled_offline_is_recorded_once_when_back_online(
    live_server, browser, visited, field_officer, users, language
):
    head = visited
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/field/")
        page.fill("#id_username", "field.n")
        page.fill("#id_password", "x")
        page.click("button[type=submit]")
        page.wait_for_selector("button.skills-person")
        if language != "en":
            with page.expect_navigation():
                page.select_option("select[name=language]", language)
            page.wait_for_selector("button.skills-person")
        # Only the head is offered: the daughter is 12.
        assert page.locator("button.skills-person").count() == 1
        assert page.get_attribute("button.skills-person", "data-person") == str(head.pk)
        assert page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        assert isco_kept_on_the_phone(page) == 436
        snapshot(page, f"field-skills-list-{language}.png")

        context.set_offline(True)
        page.wait_for_selector("#net.offline")
        page.click("button.skills-person")
        page.select_option("#skills-form select[name=education]", "primary")
        page.select_option("#skills-form select[name=literacy_dari]", "fluent")
        row = page.locator("#skills-form .occupation").nth(0)
        row.locator("[data-field=search]").fill(CARPENTER[language])
        row.locator(".isco-choice[data-code='7115']").click()
        assert "7115" in row.locator(".isco-chosen").inner_text()
        row.locator("[data-field=years]").fill("6")
        row.locator("[data-field=learnt_in]").select_option("iran")
        # A second occupation typed as a code that is not in the list: refused on the phone, nothing queued.
        page.click("#skills-add-occupation")
        second = page.locator("#skills-form .occupation").nth(1)
        second.locator("[data-field=search]").fill("9999")
        assert second.locator(".isco-choice").count() == 0
        page.click("#save-skills")
        page.wait_for_selector("#skills-form .occupation.missing")
        assert "9999" in page.inner_text("#skills-form .error")
        assert page.evaluate("landregField.queueAll().then((items) => items.length)") == 0
        second.locator(".remove-occupation").click()
        page.check("#skills-form input[name=languages][value=prs]")
        page.check("#skills-form input[name=languages][value=ps]")
        page.fill("#skills-form textarea[name=certificates]", "NSDP carpentry, level 2")
        page.fill("#skills-form input[name=max_travel_km]", "8")
        snapshot(page, f"field-skills-form-{language}.png")
        page.click("#save-skills")
        queued(page, 1)
        snapshot(page, f"field-skills-queued-{language}.png")
        page.evaluate("landregField.queueAll().then((items) => { window.keptCopy = items[0]; })")
        assert not SkillsProfile.objects.exists()

        context.set_offline(False)
        queued(page, 0)
        profile = SkillsProfile.objects.get()
        assert (profile.person, profile.recorded_by, profile.education, profile.literacy_dari) == (
            head,
            field_officer,
            "primary",
            "fluent",
        )
        assert (profile.languages, profile.certificates, float(profile.max_travel_km)) == (
            ["prs", "ps"],
            ["NSDP carpentry, level 2"],
            8.0,
        )
        assert [(o.isco_id, float(o.years), o.learnt_in) for o in Occupation.objects.all()] == [("7115", 6.0, "iran")]

        # The same form sent again (an answer lost on the way): nothing doubles.
        page.evaluate("landregField.queuePut(window.keptCopy).then(() => landregField.sync())")
        queued(page, 0)
        assert SkillsProfile.objects.count() == 1 and Occupation.objects.count() == 1
        assert ImportedSubmission.objects.count() == 1
        page.wait_for_selector("button.skills-person.recorded")
        snapshot(page, f"field-skills-sent-{language}.png")

        # Offline again, the officer corrects the profile; meanwhile the office records another version.
        context.set_offline(True)
        page.wait_for_selector("#net.offline")
        page.click("button.skills-person")
        assert page.input_value("#skills-form select[name=education]") == "primary"  # opens on the recorded one
        page.select_option("#skills-form select[name=education]", "tvet")
        page.click("#save-skills")
        queued(page, 1)
        services.skills_profile_save(person=head, by=users["officer_nangarhar"], education="university")
        office = SkillsProfile.objects.get()
        context.set_offline(False)
        page.wait_for_selector("#queue li.refused")
        assert "officer.n" in page.inner_text("#queue li.refused")
        assert SkillsProfile.objects.get().education == "university"  # not overwritten unseen
        snapshot(page, f"field-skills-conflict-{language}.png")
        page.click("#queue li.refused button.retry")
        queued(page, 0)
        assert SkillsProfile.objects.get().education == "tvet"
        kept = apps.get_model("livelihoods", "SkillsProfileEvent").objects.filter(pgh_obj_id=office.pk)
        assert "university" in set(kept.values_list("education", flat=True))
    finally:
        context.close()
