"""A field officer hears complaints offline in Debian's Chromium: one not about a plot, and a dispute on a plot
from its card. They wait in the phone's queue (and survive a reload offline); back online each is recorded exactly
once, the references come back to give the complainants, and sending a form again records nothing new. A form
the server refuses shows the sentence. Then the field API itself: idempotent on the client UUID, bounded by scope,
a sentence for every bad field. Screenshots: tests/artifacts/field-grievance-*.png."""

import uuid
from datetime import date
from pathlib import Path

import pytest
from django.utils import timezone

from grievances.models import Grievance
from landreg.calendar import local_digits, shamsi_date
from shelters.services import assignment_create
from tests.api.test_schemathesis import api_schema, fuzz, in_process, quiet_request_log  # noqa: F401

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
PHONE = {"width": 390, "height": 844}
URL = "/api/v1/field/grievances/"


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


def snapshot(page, name):
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def queued(page, n):
    page.wait_for_function(f"() => document.querySelector('#queue-count').dataset.count === '{n}'", timeout=20000)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["en", "fa"])
def test_complaints_heard_offline_are_recorded_once_when_back_online(
    live_server, browser, plots, users, provinces, field_officer, frame, language
):
    assignment_create(officer=field_officer, plot=plots[0], due_on=date.today(), by=users["officer_nangarhar"])
    here = frame.rect(10, 12, 1, 1).centroid
    context = browser.new_context(
        viewport=PHONE,
        geolocation={"latitude": here.y, "longitude": here.x, "accuracy": 5},
        permissions=["geolocation"],
    )
    page = context.new_page()
    try:
        log_in(page, live_server.url, language)
        context.set_offline(True)
        page.wait_for_selector("#net.offline")

        # A complaint about a tranche, not about a plot: its category and province chosen on the form.
        page.click("#start-grievance")
        assert page.is_visible("#grievance-category") and page.is_visible("#grievance-province")
        page.select_option("#grievance-category", "shelter_payment")
        page.select_option("#grievance-province", str(provinces["nangarhar"].pk))
        page.fill("#grievance-description", 'The second tranche was not paid. <script>alert("x")</script>')
        page.check("#grievance-consent")
        page.click("#save-grievance")
        queued(page, 1)

        # A dispute on the plot, from its card: no category or province to choose.
        page.click(f"button.plot[data-plot='{plots[0].pk}']")
        page.click("#start-dispute")
        assert not page.is_visible("#grievance-category") and not page.is_visible("#grievance-province")
        assert page.is_visible(".dispute-only")
        page.fill("#grievance-description", "The neighbour's wall takes three metres of the plot.")
        snapshot(page, f"field-grievance-form-{language}.png")
        page.click("#save-grievance")
        queued(page, 2)
        assert Grievance.objects.count() == 0
        queue = page.inner_text("#queue")
        assert queue.count(page.evaluate("gettext('waiting to sync')")) == 2
        assert shamsi_date(timezone.localdate(), language) in queue
        assert local_digits(plots[0].number, language) in queue or plots[0].number in queue
        snapshot(page, f"field-grievance-queued-{language}.png")

        # Still offline, the page opens again from the service worker, the queue kept.
        page.reload()
        page.wait_for_selector("button.plot")
        queued(page, 2)
        page.evaluate("landregField.queueAll().then((items) => { window.keptCopy = items[0]; })")

        context.set_offline(False)  # the 'online' event sends the queue
        queued(page, 0)
        assert Grievance.objects.count() == 2
        general = Grievance.objects.get(category="shelter_payment")
        dispute = Grievance.objects.get(category="land_dispute")
        assert (general.channel, general.received_by, general.province) == (
            "field_visit",
            field_officer,
            provinces["nangarhar"],
        )
        assert general.consent_to_share and general.plot is None and general.language == language
        assert general.description.endswith('<script>alert("x")</script>')  # kept as text
        assert (dispute.plot, dispute.township, dispute.channel) == (plots[0], plots[0].township, "field_visit")
        page.wait_for_selector("#grievances-sent:not([hidden])")
        references = page.inner_text("#grievance-references")
        assert general.reference in references and dispute.reference in references
        inline = "document.querySelectorAll('script:not([src]):not([type=\"application/json\"])').length"
        assert page.evaluate(inline) == 0  # the description stayed text
        snapshot(page, f"field-grievance-sent-{language}.png")

        # The same form again (a retry whose answer was lost) records nothing new.
        page.evaluate("landregField.queuePut(window.keptCopy).then(() => landregField.sync())")
        queued(page, 0)
        assert Grievance.objects.count() == 2
        assert page.locator("#grievance-references li").count() == 2
    finally:
        context.close()


@pytest.mark.django_db(transaction=True)
def test_a_complaint_the_server_refuses_shows_the_sentence_and_can_be_discarded(
    live_server, browser, plots, users, provinces, field_officer
):
    assignment_create(officer=field_officer, plot=plots[0], due_on=date.today(), by=users["officer_nangarhar"])
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    try:
        log_in(page, live_server.url, "en")
        # A form for Herat (say the phone kept it from an old assignment): outside the officer's provinces.
        page.evaluate(
            """(herat) => landregField.queuePut({
                client_uuid: crypto.randomUUID(), kind: "grievance", category: "other", category_name: "Other",
                plot: "", plot_number: "", province: String(herat), description: "Heard in Herat",
                language: "en", anonymous: false, consent_to_share: false, dispute: false,
                recorded_on: "2026-11-29", saved_at: new Date().toISOString(), error: ""
            }).then(() => landregField.sync())""",
            provinces["herat"].pk,
        )
        page.wait_for_selector("#queue li.refused")
        refused = page.inner_text("#queue li.refused")
        assert "Choose one of your provinces." in refused and "Log in again" not in refused
        snapshot(page, "field-grievance-refused-en.png")
        assert Grievance.objects.count() == 0
        page.click("#queue li.refused >> text=Discard")
        queued(page, 0)
    finally:
        context.close()


# The field API the page sends to, as a phone (or a script) would.


def send(client, user, **fields):
    client.force_login(user)
    body = {"client_uuid": str(uuid.uuid4()), "category": "other", "description": "Heard at the well", **fields}
    return client.post(URL, body, content_type="application/json")


def test_a_form_sent_twice_is_one_grievance(client, field_officer, provinces):
    form = str(uuid.uuid4())
    first = send(client, field_officer, client_uuid=form, province=provinces["nangarhar"].pk)
    again = send(client, field_officer, client_uuid=form, province=provinces["nangarhar"].pk)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["reference"] == again.json()["reference"] and again.json()["created"] is False
    assert Grievance.objects.count() == 1


def test_another_officers_form_id_is_refused(client, field_officer, users, provinces):
    form = str(uuid.uuid4())
    assert (
        send(client, users["officer_nangarhar"], client_uuid=form, province=provinces["nangarhar"].pk).status_code
        == 201
    )
    response = send(client, field_officer, client_uuid=form, province=provinces["nangarhar"].pk)
    assert response.status_code == 400 and "another officer" in response.json()["detail"]


def test_the_phone_s_time_is_kept_as_when_it_was_heard(client, field_officer, provinces):
    heard = timezone.now() - timezone.timedelta(days=2)
    response = send(client, field_officer, province=provinces["nangarhar"].pk, recorded_at=heard.isoformat())
    assert response.status_code == 201
    # The phone's moment, as sent (to the second: the form's clock shows no finer).
    assert Grievance.objects.get().received_at.replace(microsecond=0) == heard.replace(microsecond=0)


def test_a_dispute_on_a_plot_is_recorded_as_a_land_dispute_about_it(client, field_officer, users, plots):
    assignment_create(officer=field_officer, plot=plots[1], due_on=date.today(), by=users["officer_nangarhar"])
    response = send(client, field_officer, plot=plots[1].pk, dispute=True, category="sea")
    assert response.status_code == 201
    grievance = Grievance.objects.get()
    assert (grievance.category, grievance.plot, grievance.province) == (
        "land_dispute",
        plots[1],
        plots[1].township.province,
    )


def test_a_plot_outside_the_officer_s_scope_is_a_404(client, users, provinces, plots):
    response = send(client, users["officer_herat"], plot=plots[0].pk)
    assert response.status_code == 404 and not Grievance.objects.exists()


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"client_uuid": "not-a-uuid"}, "client_uuid"),
        ({"client_uuid": None}, "client_uuid"),
        ({"province": None}, "province"),
        ({"province": "AF06"}, "province"),
        ({"category": "bribery"}, "category"),
        ({"category": ["other"]}, "category"),
        ({"description": ""}, "description"),
        ({"description": "x" * 10_001}, "description"),
        ({"anonymous": "perhaps"}, "anonymous"),
        ({"dispute": True}, "plot"),
        ({"recorded_at": "yesterday"}, "recorded_at"),
        ({"recorded_at": "2026-13-45T10:00:00"}, "recorded_at"),
        ({"recorded_at": "2020-01-01T10:00:00+04:30"}, "received_at"),
        ({"plot": "seven"}, "plot"),
        ({"language": "de"}, "language"),
    ],
)
def test_bad_fields_are_a_400_with_a_sentence(client, field_officer, provinces, fields, field):
    fields = {"province": provinces["nangarhar"].pk, **fields}
    response = send(client, field_officer, **fields)
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"] and response.json()["detail"]
    assert not Grievance.objects.exists()


def test_a_partner_may_not_record_a_grievance_here(client, users, provinces):
    response = send(client, users["partner"], province=provinces["nangarhar"].pk)
    assert response.status_code == 403 and not Grievance.objects.exists()


def test_no_generated_request_answers_a_server_error(api_schema, users, field_officer, plots, quiet_request_log):  # noqa: F811
    field_grievances = api_schema.include(path_regex="^/api/v1/field/grievances/")
    landscape = {"paths": {}, "references": {"plot": plots[0].pk, "province": plots[0].township.province_id}}
    for who in (field_officer, users["officer_nangarhar"], users["partner"]):
        errors = fuzz(field_grievances, landscape, role=who.username, user=who, max_examples=25)
        assert errors.sent > 0
        assert not errors.found, errors.report()
