"""A field officer conducts a reintegration survey round offline in Debian's Chromium: the round due shows among
today's work, a round with a question unanswered is not queued, the answered round waits in the queue, and back
online it is recorded once, scored by the database, and leaves the list. Then the field API itself: the same
round sent twice is one, an answer off its scale is a sentence, a household outside the officer's provinces is not
found. Screenshots: tests/artifacts/field-survey-*.png."""

# ruff: noqa: F811 (the fixtures imported from the movements and livelihoods tests are arguments here)

import uuid
from pathlib import Path

import pytest

from landreg import roles
from landreg.services import user_create
from livelihoods import survey
from livelihoods.models import SurveyAssignment, SurveyQuestion, SurveyRound
from livelihoods.reference import seed_survey_questions
from livelihoods.services import survey_assignment_create
from tests.livelihoods.conftest import handed_over  # noqa: F401 (fixture)

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
PHONE = {"width": 390, "height": 844}
URL = "/api/v1/field/survey-rounds/"


@pytest.fixture(autouse=True)
def survey_questions(db):
    """The scoring table the migration seeds (a transactional test elsewhere may have flushed it)."""
    if not SurveyQuestion.objects.exists():
        seed_survey_questions(SurveyQuestion)


@pytest.fixture
def assigned(handed_over, users, field_officer):
    return survey_assignment_create(
        officer=field_officer, allocation=handed_over, round="baseline", by=users["officer_nangarhar"]
    )


def queued(page, n):
    page.wait_for_function(f"() => document.querySelector('#queue-count').dataset.count === '{n}'", timeout=20000)


def snapshot(page, name):
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["en", "fa"])
def test_a_survey_round_conducted_offline_is_recorded_once_when_back_online(
    live_server, browser, assigned, field_officer, language
):
    household = assigned.allocation.household
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/field/")
        page.fill("#id_username", "field.n")
        page.fill("#id_password", "x")
        page.click("button[type=submit]")
        page.wait_for_selector("button.survey-round")
        if language != "en":
            with page.expect_navigation():
                page.select_option("select[name=language]", language)
            page.wait_for_selector("button.survey-round")
        assert household.code in page.inner_text("#surveys")
        assert page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        context.set_offline(True)
        page.wait_for_selector("#net.offline")
        page.click("button.survey-round")
        questions = survey.questions()
        assert page.locator("#survey-form fieldset[data-question]").count() == len(questions)

        # Every question but the last answered with its highest answer: refused on the phone, nothing queued.
        for q in questions[:-1]:
            page.check(f"#survey-form input[name={q['code']}][value='{q['max']}']")
        page.click("#save-survey")
        page.wait_for_selector(f"fieldset.missing[data-question={questions[-1]['code']}]")
        assert page.inner_text("#survey-form .error")
        assert page.evaluate("landregField.queueAll().then((items) => items.length)") == 0
        page.check(f"#survey-form input[name={questions[-1]['code']}][value='{questions[-1]['max']}']")
        snapshot(page, f"field-survey-form-{language}.png")
        page.click("#save-survey")
        queued(page, 1)
        assert page.locator("button.survey-round").count() == 0  # queued: no longer due on the phone
        snapshot(page, f"field-survey-queued-{language}.png")
        page.evaluate("landregField.queueAll().then((items) => { window.keptCopy = items[0]; })")
        assert SurveyRound.objects.count() == 0

        context.set_offline(False)
        queued(page, 0)
        recorded = SurveyRound.objects.get()
        assert (recorded.household, recorded.round, recorded.officer, recorded.source) == (
            household,
            "baseline",
            field_officer,
            "field_app",
        )
        highest = {q["code"]: q["max"] for q in questions}
        assert recorded.score_composite == survey.score(highest)["composite"]  # as the database scored it
        assert SurveyAssignment.objects.get().done_at is not None

        page.evaluate("landregField.queuePut(window.keptCopy).then(() => landregField.sync())")
        queued(page, 0)
        assert SurveyRound.objects.count() == 1
        snapshot(page, f"field-survey-sent-{language}.png")
    finally:
        context.close()


# The field API the page sends to, as a phone (or a script) would.


def answers(**changed):
    values = {q["code"]: q["max"] for q in survey.questions()}
    values.update(changed)
    return values


def send(client, user, household_allocation, **fields):
    client.force_login(user)
    body = {
        "client_uuid": str(uuid.uuid4()),
        "allocation": household_allocation.pk,
        "round": "baseline",
        "answers": answers(),
    }
    body.update(fields)
    return client.post(URL, body, content_type="application/json")


def test_the_rounds_due_come_with_the_days_assignments_and_the_questions(client, assigned, field_officer):
    client.force_login(field_officer)
    body = client.get("/api/v1/field/assignments/", HTTP_ACCEPT_LANGUAGE="en").json()
    [row] = body["surveys"]
    assert (row["allocation"], row["round"], row["household"]) == (
        assigned.allocation_id,
        "baseline",
        assigned.allocation.household.code,
    )
    assert [q["code"] for q in body["survey_questions"]] == [q["code"] for q in survey.questions()]
    assert all(q["choices"] and q["min"] <= q["max"] for q in body["survey_questions"])


def test_a_round_sent_twice_is_one_round(client, handed_over, field_officer):
    key = str(uuid.uuid4())
    first = send(client, field_officer, handed_over, client_uuid=key)
    again = send(client, field_officer, handed_over, client_uuid=key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] and again.json()["created"] is False
    assert first.json()["scores"]["composite"] == float(survey.score(answers())["composite"])
    assert SurveyRound.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "sentence"),
    [
        ({"answers": answers(safety=7)}, "choose 0 to 2"),
        ({"answers": answers(safety="2")}, "choose 0 to 2"),
        ({"answers": {"safety": 2}}, "are not answered"),
        ({"answers": [1, 2]}, "set of question: value"),
        ({"round": "m99"}, "Choose round from"),
        ({"conducted_on": "2999-01-01"}, "in the future"),
        ({"conducted_on": "1/1/2026"}, "YYYY-MM-DD"),
        ({"client_uuid": "x"}, "client_uuid must be the UUID"),
        ({"allocation": "first"}, "whole number"),
    ],
)
def test_bad_answers_get_a_sentence_and_nothing_is_written(
    client,
    handed_over,
    field_officer,
    fields,
    sentence,
):
    response = send(client, field_officer, handed_over, **fields)
    assert response.status_code == 400, response.content
    assert sentence in response.json()["detail"]
    assert SurveyRound.objects.count() == 0


def test_a_household_outside_the_officers_provinces_is_not_found(client, handed_over, provinces):
    herat = user_create(username="field.h", password="x", roles=[roles.FIELD_OFFICER], provinces=[provinces["herat"]])
    response = send(client, herat, handed_over)
    assert response.status_code == 404 and SurveyRound.objects.count() == 0


def test_a_partner_may_not_record_a_round(client, handed_over, users):
    response = send(client, users["partner"], handed_over)
    assert response.status_code == 404 and SurveyRound.objects.count() == 0


def test_another_officers_form_id_is_refused(client, handed_over, users, field_officer):
    key = str(uuid.uuid4())
    assert send(client, users["officer_nangarhar"], handed_over, client_uuid=key).status_code == 201
    response = send(client, field_officer, handed_over, client_uuid=key)
    assert response.status_code == 400 and "another officer" in response.json()["detail"]


HOSTILE = [None, 0, -1, 1.5, True, "", "x" * 1000, [], {}, [[]], {"a": 1}, 10**20, "2026-13-45"]


def test_hostile_values_in_any_field_get_an_answer_never_a_500(client, handed_over, field_officer):
    for name in ["client_uuid", "allocation", "round", "answers", "conducted_on", "lat", "lon", "answers.safety"]:
        for value in HOSTILE:
            if name == "answers.safety":
                response = send(client, field_officer, handed_over, answers=answers(safety=value))
            else:
                response = send(client, field_officer, handed_over, **{name: value})
            assert response.status_code in (200, 201, 400, 403, 404, 409), (name, value, response.content[:300])
            if response.status_code >= 400:
                assert response.json()["detail"], (name, value)
