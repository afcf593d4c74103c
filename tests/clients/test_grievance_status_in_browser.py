"""An anonymous status check in Debian's Chromium: a complainant opens /complaint-status/ without logging in,
switches the page to their language, types the reference from their paper (small letters, no dashes) and sees
the status and its dates in Shamsi, and nothing personal; the reference never reaches the address bar. A mistyped
one gets the sentence. Screenshots: tests/artifacts/grievance-status-*.png (English, Dari, Pashto)."""

from pathlib import Path

import pytest
from django.core.cache import cache
from django.utils import translation

from grievances.services import grievance_receive, grievance_transition
from landreg.calendar import shamsi_date

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
DESCRIPTION = "Zarghona Qasemi: the tranche for the roof was never paid"


@pytest.fixture
def acknowledged(users, provinces, make_household):
    household = make_household(head={"name": "Zarghona Qasemi", "father_name": "Abdul Wahid", "sex": "f"})
    grievance = grievance_receive(
        by=users["officer_nangarhar"],
        channel="hotline",
        category="shelter_payment",
        description=DESCRIPTION,
        province=provinces["nangarhar"],
        household=household,
    )
    return grievance_transition(grievance=grievance, action="acknowledge", by=users["officer_nangarhar"])


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["en", "fa", "ps"])
def test_an_anonymous_complainant_checks_the_status_with_the_reference(live_server, browser, acknowledged, language):
    cache.clear()
    context = browser.new_context(viewport={"width": 420, "height": 900})
    page = context.new_page()
    refused_by_csp = []
    page.on("console", lambda m: refused_by_csp.append(m.text) if "Content Security Policy" in m.text else None)
    try:
        page.goto(f"{live_server.url}/complaint-status/")
        if language != "en":  # as a visitor does: the language switch in the bar
            with page.expect_navigation():
                page.select_option("select[name=language]", language)
        assert page.get_attribute("html", "lang") == language
        assert page.get_attribute("html", "dir") == ("ltr" if language == "en" else "rtl")

        # A mistyped reference first: the sentence, nothing else.
        page.fill(
            "#reference", acknowledged.reference[:-1] + "9" if acknowledged.reference[-1] != "9" else "G-2222-2222"
        )
        page.click("form.reference-form button[type=submit]")
        page.wait_for_selector("#status-not-found")
        assert not page.is_visible("#status-answer")
        if language == "en":
            page.screenshot(path=str(ARTIFACTS / "grievance-status-not-found-en.png"), full_page=True)

        typed = acknowledged.reference.lower().replace("-", "")  # as read over the phone and typed quickly
        page.fill("#reference", typed)
        page.click("form.reference-form button[type=submit]")
        page.wait_for_selector("#status-answer")
        answer = page.inner_text("#status-answer")
        with translation.override(language):
            assert str(acknowledged.Status.ACKNOWLEDGED.label) in answer
        assert shamsi_date(acknowledged.received_at, language) in answer
        assert shamsi_date(acknowledged.acknowledged_at, language) in answer
        body = page.inner_text("body")
        for secret in ("Zarghona", "tranche", acknowledged.household.code, "Nangarhar", acknowledged.reference):
            assert secret not in body, secret
        assert page.url == f"{live_server.url}/complaint-status/"  # the reference went in the form, not the URL
        assert page.input_value("#reference") == ""  # and is not written back
        page.screenshot(path=str(ARTIFACTS / f"grievance-status-{language}.png"), full_page=True)
        assert refused_by_csp == []
    finally:
        context.close()
