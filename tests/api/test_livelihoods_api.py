"""Livelihoods over REST (/api/v1/livelihoods/): opportunities (officers, and partners under their agreement),
ranked matches with the score in parts, skills profiles, referrals and their steps, attendance and pay, survey
rounds and the rounds due, occupation search, Kobo imports and the XLSForms. Refusals are sentences (400 to fix the
input, 403 not allowed, 404 outside the caller's scope) and write nothing."""

# The livelihood fixtures are imported from tests/livelihoods/conftest.py, and tests name them as arguments.
# ruff: noqa: F811

import datetime
import io
import json
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from pyxform.xls2xform import convert

from landreg import roles
from landreg.models import PersonalDataAccess as AccessLog
from landreg.services import user_create
from livelihoods import services
from livelihoods.models import AttendanceWeek, Opportunity, Referral, SkillsProfile, SurveyRound
from livelihoods.survey import questions
from tests.api.test_schemathesis import api_schema, fuzz, in_process, quiet_request_log  # noqa: F401
from tests.livelihoods.conftest import (  # noqa: F401  (the livelihood fixtures)
    adult,
    agreement,
    bounded,
    handed_over,
    media_in_tmp,
    post,
    profiled,
    provider,
    reference_data,
    referred_and_accepted,
)

API = "/api/v1/livelihoods"


def good_answers(**changes):
    answers = {q["code"]: q["max"] for q in questions()}
    answers.update(changes)
    return answers


@pytest.fixture
def client_as():
    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make


def opportunity_body(bounded, frame, provider=None, **changes):
    point = frame.rect(250, 150, 1, 1).centroid
    body = {
        "kind": "tvet",
        "title": "Carpentry course",
        "province": bounded.pk,
        "places_offered": 10,
        "start_on": timezone.localdate().isoformat(),
        "end_on": (timezone.localdate() + datetime.timedelta(days=90)).isoformat(),
        "point": {"type": "Point", "coordinates": [point.x, point.y]},
        "isco_codes": ["7115"],
    }
    if provider is not None:
        body["provider"] = provider.pk
    body.update(changes)
    return body


def post_json(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


# --- opportunities ------------------------------------------------------------------------------------------------


def test_an_officer_posts_an_opportunity_and_reads_it_back(client_as, users, provider, bounded, frame, township):
    client = client_as(users["officer_nangarhar"])
    response = post_json(client, f"{API}/opportunities/", opportunity_body(bounded, frame, provider))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["title"] == "Carpentry course" and body["provider"] == provider.pk and body["places_left"] == 10
    assert body["point"]["type"] == "Point"
    assert client.get(f"{API}/opportunities/{body['id']}/").json()["id"] == body["id"]
    listed = client.get(f"{API}/opportunities/").json()
    assert [o["id"] for o in listed["results"]] == [body["id"]]


def test_a_partner_posts_for_its_agreements_province_as_its_own_organisation(
    client_as, users, provider, bounded, frame, township
):
    response = post_json(client_as(users["partner"]), f"{API}/opportunities/", opportunity_body(bounded, frame))
    assert response.status_code == 201, response.content
    assert response.json()["provider"] == provider.pk


def test_a_partner_cannot_post_in_a_province_outside_its_agreement(client_as, users, provider, provinces, frame):
    body = opportunity_body(provinces["herat"], frame)
    response = post_json(client_as(users["partner"]), f"{API}/opportunities/", body)
    assert response.status_code == 403
    assert "does not cover Herat" in response.json()["detail"]
    assert not Opportunity.objects.exists()


def test_a_partner_without_an_agreement_is_told_so(client_as, bounded, frame, township):
    loner = user_create(username="partner.loner", password="x", roles=[roles.PARTNER], national=True)
    response = post_json(client_as(loner), f"{API}/opportunities/", opportunity_body(bounded, frame))
    assert response.status_code == 403
    assert "under no data-sharing agreement" in response.json()["detail"]
    assert not Opportunity.objects.exists()


def test_an_officer_of_another_province_may_not_post_there(client_as, users, provider, bounded, frame):
    response = post_json(
        client_as(users["officer_herat"]), f"{API}/opportunities/", opportunity_body(bounded, frame, provider)
    )
    assert response.status_code == 403 and "outside your provinces" in response.json()["detail"]
    assert not Opportunity.objects.exists()


def test_wrong_roles_may_not_post(client_as, users, provider, bounded, frame):
    for who in ("committee", "gis"):
        response = post_json(client_as(users[who]), f"{API}/opportunities/", opportunity_body(bounded, frame, provider))
        assert response.status_code == 403, who
    assert not Opportunity.objects.exists()


@pytest.mark.parametrize(
    "changes, field, words",
    [
        ({"end_on": "2020-01-01"}, "end_on", "end"),
        ({"point": {"type": "Point", "coordinates": [62.2, 34.3]}}, "point", "outside Nangarhar"),
        ({"point": {"type": "Point", "coordinates": [500, 34]}}, "point", "longitude"),
        ({"point": {"type": "Polygon", "coordinates": "x"}}, "point", "GeoJSON"),
        ({"point": None}, "point", ""),
        ({"places_offered": 0}, "places_offered", ""),
        ({"kind": "lottery"}, "kind", "Choose kind"),
        ({"isco_codes": ["9999"]}, "isco_codes", "not in the list"),
        ({"age_min": 40, "age_max": 20}, "", ""),
        ({"kind": "cash_for_work"}, "daily_wage", ""),
    ],
)
def test_bad_opportunities_get_a_sentence_and_nothing_is_written(
    client_as, users, provider, bounded, frame, township, changes, field, words
):
    response = post_json(
        client_as(users["officer_nangarhar"]),
        f"{API}/opportunities/",
        opportunity_body(bounded, frame, provider, **changes),
    )
    assert response.status_code == 400, response.content
    text = response.content.decode()
    assert words in text
    if field:
        assert field in text
    assert not Opportunity.objects.exists()


def test_places_offered_never_fall_below_places_filled(client_as, users, referred_and_accepted):
    opportunity = referred_and_accepted.opportunity
    client = client_as(users["officer_nangarhar"])
    response = client.patch(
        f"{API}/opportunities/{opportunity.pk}/", json.dumps({"places_offered": 0}), content_type="application/json"
    )
    assert response.status_code == 400
    services.opportunity_update(opportunity=opportunity, by=users["admin"], places_offered=1)
    response = client.patch(
        f"{API}/opportunities/{opportunity.pk}/", json.dumps({"end_on": "2000-01-01"}), content_type="application/json"
    )
    assert response.status_code == 400 and "end" in response.content.decode()
    response = client.patch(
        f"{API}/opportunities/{opportunity.pk}/", json.dumps({"title": "Joinery"}), content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["title"] == "Joinery"
    opportunity.refresh_from_db()
    assert (opportunity.places_offered, opportunity.places_filled) == (1, 1)


def test_closing_and_other_provinces(client_as, users, post):
    o = post()
    assert client_as(users["officer_herat"]).post(f"{API}/opportunities/{o.pk}/close/").status_code == 404
    assert client_as(users["partner"]).post(f"{API}/opportunities/{o.pk}/close/").json()["status"] == "closed"


# --- ranked matches and profiles --------------------------------------------------------------------------------


def test_ranked_people_and_opportunities_carry_the_score_in_parts(client_as, users, post, profiled):
    o = post()
    person = profiled()
    client = client_as(users["officer_nangarhar"])
    [row] = client.get(f"{API}/opportunities/{o.pk}/people/").json()
    assert row["person"] == person.pk and set(row["parts"]) == {"skills", "distance", "vulnerability", "workplace"}
    assert len(row["explanation"]) == 4 and row["score"] > 0
    [mine] = client.get(f"{API}/people/{person.pk}/opportunities/").json()
    assert mine["opportunity"] == o.pk and mine["score"] == row["score"]
    assert AccessLog.objects.filter(user=users["officer_nangarhar"], what="households.Person").exists()


def test_ranked_lists_are_refused_outside_scope_and_for_partners(client_as, users, post, profiled):
    o = post()
    person = profiled()
    assert client_as(users["officer_herat"]).get(f"{API}/opportunities/{o.pk}/people/").status_code == 404
    assert client_as(users["partner"]).get(f"{API}/opportunities/{o.pk}/people/").status_code == 403
    assert client_as(users["officer_herat"]).get(f"{API}/people/{person.pk}/opportunities/").status_code == 404
    response = client_as(users["officer_nangarhar"]).get(f"{API}/opportunities/{o.pk}/people/?limit=100000")
    assert response.status_code == 400 and "limit" in response.json()["detail"]


def test_a_profile_is_written_and_read_over_the_api(client_as, users, adult):
    person = adult(age=25, sex="f")
    client = client_as(users["officer_nangarhar"])
    body = {
        "education": "upper_secondary",
        "literacy_dari": "fluent",
        "occupations": [{"isco": "7531", "years": 4, "learnt_in": "iran"}],
        "languages": ["prs", "pus"],
        "workplace_accepted": "women_only",
        "max_travel_km": 5,
    }
    response = client.put(f"{API}/people/{person.pk}/profile/", json.dumps(body), content_type="application/json")
    assert response.status_code == 200, response.content
    got = client.get(f"{API}/people/{person.pk}/profile/").json()
    assert got["occupations"][0]["isco"] == "7531" and got["workplace_accepted"] == "women_only"
    assert AccessLog.objects.filter(what="livelihoods.SkillsProfile").exists()


@pytest.mark.parametrize(
    "body, words",
    [
        ({"occupations": [{"isco": "1", "years": 4, "learnt_in": "iran"}]}, "unit group"),
        ({"literacy_dari": "good"}, "Choose literacy_dari"),
        ({"max_travel_km": -3}, "max_travel_km"),
        ({"occupations": [{"isco": "7531", "years": 400, "learnt_in": "iran"}]}, "years"),
    ],
)
def test_bad_profiles_get_a_sentence(client_as, users, adult, body, words):
    person = adult(age=25)
    response = client_as(users["officer_nangarhar"]).put(
        f"{API}/people/{person.pk}/profile/", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 400 and words in response.content.decode()
    assert not SkillsProfile.objects.exists()


def test_a_profile_of_a_child_or_another_province_is_refused(client_as, users, adult):
    child = adult(age=12)
    response = client_as(users["officer_nangarhar"]).put(
        f"{API}/people/{child.pk}/profile/", json.dumps({}), content_type="application/json"
    )
    assert response.status_code == 400 and "15" in response.content.decode()
    herat = adult(age=30, province="herat")
    response = client_as(users["officer_nangarhar"]).put(
        f"{API}/people/{herat.pk}/profile/", json.dumps({}), content_type="application/json"
    )
    assert response.status_code == 404
    assert client_as(users["partner"]).get(f"{API}/people/{herat.pk}/profile/").status_code == 403
    assert not SkillsProfile.objects.exists()


# --- referrals, attendance, pay ----------------------------------------------------------------------------------


def test_a_referral_goes_from_suggested_to_enrolled_over_the_api(client_as, users, post, profiled):
    o = post()
    person = profiled()
    officer, partner = client_as(users["officer_nangarhar"]), client_as(users["partner"])
    response = post_json(officer, f"{API}/referrals/", {"opportunity": o.pk, "person": person.pk})
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert post_json(officer, f"{API}/referrals/{pk}/steps/", {"to_status": "referred"}).status_code == 200
    response = post_json(partner, f"{API}/referrals/{pk}/steps/", {"to_status": "accepted"})
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    assert "name" not in json.dumps(response.json()) and person.name not in response.content.decode()
    response = post_json(partner, f"{API}/referrals/{pk}/steps/", {"to_status": "enrolled"})
    assert response.json()["status"] == "enrolled"
    assert [r["status"] for r in partner.get(f"{API}/referrals/").json()] == ["enrolled"]
    assert officer.get(f"{API}/referrals/{pk}/").json()["steps"][-1]["to_status"] == "enrolled"


def test_referral_refusals_are_sentences(client_as, users, post, profiled):
    o = post(sex="f")
    man = profiled(sex="m")
    officer = client_as(users["officer_nangarhar"])
    response = post_json(officer, f"{API}/referrals/", {"opportunity": o.pk, "person": man.pk})
    assert response.status_code == 400 and "for women only" in response.json()["detail"].lower()
    assert (
        post_json(client_as(users["partner"]), f"{API}/referrals/", {"opportunity": o.pk, "person": man.pk}).status_code
        == 403
    )
    response = post_json(
        client_as(users["officer_herat"]), f"{API}/referrals/", {"opportunity": o.pk, "person": man.pk}
    )
    assert response.status_code == 400 and "in your provinces" in response.json()["detail"]
    assert not Referral.objects.exists()


def test_a_step_out_of_order_or_dated_before_the_last_is_refused(client_as, users, post, profiled):
    r = services.referral_suggest(opportunity=post(), person=profiled(), by=users["officer_nangarhar"])
    officer = client_as(users["officer_nangarhar"])
    assert post_json(officer, f"{API}/referrals/{r.pk}/steps/", {"to_status": "completed"}).status_code == 400
    response = post_json(officer, f"{API}/referrals/{r.pk}/steps/", {"to_status": "refused"})
    assert response.status_code == 400 and "Say why" in response.content.decode()
    assert post_json(officer, f"{API}/referrals/{r.pk}/steps/", {"to_status": "referred"}).status_code == 200
    response = post_json(officer, f"{API}/referrals/{r.pk}/steps/", {"to_status": "accepted", "day": "1999-01-01"})
    assert response.status_code == 400 and "previous step" in response.content.decode()
    assert (
        post_json(
            client_as(users["officer_herat"]), f"{API}/referrals/{r.pk}/steps/", {"to_status": "referred"}
        ).status_code
        == 404
    )
    r.refresh_from_db()
    assert r.status == "referred" and r.steps.count() == 1


def test_cash_for_work_weeks_are_recorded_and_paid_once(client_as, users, post, profiled):
    o = post(
        kind="cash_for_work",
        daily_wage=500,
        days_offered=20,
        start_on=timezone.localdate() - datetime.timedelta(days=30),
    )
    r = services.referral_suggest(opportunity=o, person=profiled(), by=users["officer_nangarhar"])
    for status in ("referred", "accepted", "enrolled"):
        r = services.referral_step(referral=r, to_status=status, by=users["officer_nangarhar"])
    partner = client_as(users["partner"])
    saturday = services.week_start(timezone.localdate() - datetime.timedelta(days=7))
    response = post_json(
        partner, f"{API}/referrals/{r.pk}/attendance/", {"week_start": saturday.isoformat(), "days_worked": 5}
    )
    assert response.status_code == 200, response.content
    week = response.json()
    assert float(week["amount_due"]) == 2500
    assert [w["id"] for w in partner.get(f"{API}/payments-due/").json()["results"]] == [week["id"]]
    response = post_json(partner, f"{API}/attendance/{week['id']}/pay/", {"reference": "PAY-1"})
    assert response.status_code == 200 and response.json()["paid_on"]
    assert post_json(partner, f"{API}/attendance/{week['id']}/pay/", {}).status_code == 400
    response = post_json(
        partner, f"{API}/referrals/{r.pk}/attendance/", {"week_start": saturday.isoformat(), "days_worked": 2}
    )
    assert response.status_code == 400 and AttendanceWeek.objects.get().days_worked == 5
    response = post_json(
        partner,
        f"{API}/referrals/{r.pk}/attendance/",
        {"week_start": (saturday + datetime.timedelta(days=1)).isoformat(), "days_worked": 2},
    )
    assert response.status_code == 400 and "Saturday" in response.content.decode()


# --- survey rounds ------------------------------------------------------------------------------------------------


def test_a_survey_round_is_recorded_once_per_uuid(client_as, field_officer, handed_over):
    client = client_as(field_officer)
    key = str(uuid.uuid4())
    body = {"allocation": handed_over.pk, "round": "baseline", "answers": good_answers(), "client_uuid": key}
    first = post_json(client, f"{API}/survey-rounds/", body)
    assert first.status_code == 201, first.content
    assert first.json()["score_composite"] is not None
    again = post_json(client, f"{API}/survey-rounds/", body)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert SurveyRound.objects.count() == 1


def test_a_survey_answer_outside_its_scale_is_a_sentence_and_nothing_is_written(client_as, field_officer, handed_over):
    body = {"allocation": handed_over.pk, "round": "baseline", "answers": good_answers(safety=5)}
    response = post_json(client_as(field_officer), f"{API}/survey-rounds/", body)
    assert response.status_code == 400 and "the answer to safety is 5; choose 0 to 2" in response.json()["detail"]
    assert not SurveyRound.objects.exists()


def test_survey_rounds_due_and_refusals(client_as, users, field_officer, handed_over):
    rows = client_as(users["officer_nangarhar"]).get(f"{API}/survey-rounds/due/?horizon_days=0").json()
    assert [r["round"] for r in rows] == ["baseline"]
    assert client_as(users["partner"]).get(f"{API}/survey-rounds/due/").status_code == 403
    assert client_as(users["officer_nangarhar"]).get(f"{API}/survey-rounds/due/?horizon_days=9999").status_code == 400
    body = {"allocation": handed_over.pk, "round": "baseline", "answers": good_answers()}
    assert post_json(client_as(users["officer_herat"]), f"{API}/survey-rounds/", body).status_code == 400


# --- occupations, forms, Kobo -------------------------------------------------------------------------------------


def test_occupation_search_in_three_languages(client_as, users):
    client = client_as(users["partner"])
    assert client.get(f"{API}/occupations/?q=7115").json()[0]["code"] == "7115"
    assert any(o["code"] == "7115" for o in client.get(f"{API}/occupations/?q=carpenter").json())


@pytest.mark.parametrize("form", ["profile", "survey"])
def test_the_xlsforms_download_and_pass_pyxform(client_as, users, form):
    response = client_as(users["officer_nangarhar"]).get(f"{API}/forms/{form}.xlsx")
    assert response.status_code == 200
    warnings = []
    xml = convert(xlsform=io.BytesIO(response.content), file_type=".xlsx", warnings=warnings).xform
    assert "instanceID" in xml and "/household_ref" in xml
    assert not [w for w in warnings if "error" in w.lower()], warnings
    assert Client().get(f"{API}/forms/{form}.xlsx").status_code == 401


def test_a_kobo_survey_export_is_imported_over_the_api(client_as, field_officer, handed_over):
    row = {
        "meta/instanceID": f"uuid:{uuid.uuid4()}",
        "today": timezone.localdate().isoformat(),
        "household_ref": handed_over.household.code,
        "round": "baseline",
        **{f"economic/{k}": str(v) for k, v in good_answers().items()},
    }
    upload = SimpleUploadedFile("export.json", json.dumps({"results": [row]}).encode(), "application/json")
    response = client_as(field_officer).post(f"{API}/imports/", {"file": upload, "form": "survey"})
    assert response.status_code == 200, response.content
    assert response.json()["created"] == 1 and SurveyRound.objects.get().source == "kobo"
    bad = SimpleUploadedFile("export.json", b"\xff\xfe not utf8", "application/json")
    response = client_as(field_officer).post(f"{API}/imports/", {"file": bad, "form": "survey"})
    assert response.status_code == 400 and "UTF-8" in response.json()["detail"]
    assert client_as(field_officer).post(f"{API}/imports/", {"form": "survey"}).status_code == 400


# --- fuzzing ------------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_no_generated_request_answers_a_server_error(
    api_schema,
    users,
    post,
    profiled,
    field_officer,
    handed_over,
    quiet_request_log,  # noqa: F811
):
    o = post()
    person = profiled()
    r = services.referral_suggest(opportunity=o, person=person, by=users["officer_nangarhar"])
    livelihoods = api_schema.include(path_regex="^/api/v1/livelihoods/")
    landscape = {
        "paths": {
            "/api/v1/livelihoods/opportunities/{id}": {"id": o.pk},
            "/api/v1/livelihoods/people/{id}": {"id": person.pk},
            "/api/v1/livelihoods/referrals/{id}": {"id": r.pk},
        },
        "references": {
            "province": o.province_id,
            "provider": o.provider_id,
            "opportunity": o.pk,
            "person": person.pk,
            "allocation": handed_over.pk,
        },
    }
    for who in (users["officer_nangarhar"], users["partner"], field_officer):
        errors = fuzz(livelihoods, landscape, role=who.username, user=who, max_examples=15)
        assert errors.sent > 0
        assert not errors.found, errors.report()
