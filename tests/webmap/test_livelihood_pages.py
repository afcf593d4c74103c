"""The livelihoods pages for officers and partners: opportunities (list, page, new, change), a person's skills profile
with their ranked opportunities, referrals from suggestion to their end, cash-for-work attendance and payments,
survey rounds due and recorded. Each page: who may use it (wrong role 403), what scope bounds it (another province
404), what bad input gets (400 with a sentence, nothing written), and that views of personal data are logged."""

# ruff: noqa: F811  (the livelihood fixtures are imported, then asked for by name)

import datetime
import json

import pytest
from django.test import Client
from django.utils import timezone

from landreg import roles
from landreg.models import PersonalDataAccess
from landreg.services import user_create
from livelihoods import services
from livelihoods.models import AttendanceWeek, Opportunity, Referral, SkillsProfile, SurveyRound
from livelihoods.survey import questions
from tests.livelihoods.conftest import (  # noqa: F401  (fixtures)
    adult,
    agreement,
    bounded,
    handed_over,
    media_in_tmp,
    post,
    profiled,
    provider,
    reference_data,
)


def client_of(user, language="en"):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def text_of(response) -> str:
    return response.content.decode()


@pytest.fixture
def officer(users):
    return users["officer_nangarhar"]


@pytest.fixture
def ranked(post, profiled):
    """A carpentry course near the township, and a 30-year-old carpenter of Nangarhar with six years' experience."""
    return post(), profiled()


# --- opportunities ----------------------------------------------------------------------------------------------------


def test_the_list_shows_the_officers_provinces_and_filters_by_kind_and_open_now(post, officer, users):
    course = post(title="Carpentry course")
    closed = post(title="Old masonry course", kind="apprenticeship")
    services.opportunity_close(opportunity=closed, by=officer)
    page = client_of(officer).get("/livelihoods/")
    assert page.status_code == 200
    assert "Carpentry course" in text_of(page) and "Old masonry course" in text_of(page)
    only_open = client_of(officer).get("/livelihoods/?open_now=on")
    assert "Carpentry course" in text_of(only_open) and "Old masonry course" not in text_of(only_open)
    by_kind = client_of(officer).get("/livelihoods/?kind=apprenticeship")
    assert "Old masonry course" in text_of(by_kind) and "Carpentry course" not in text_of(by_kind)
    herat = client_of(users["officer_herat"]).get("/livelihoods/")
    assert course.title not in text_of(herat)


def test_a_filter_outside_the_choices_is_a_400_with_a_sentence(post, officer, provinces):
    post()
    page = client_of(officer).get(f"/livelihoods/?province={provinces['herat'].pk}")
    assert page.status_code == 400 and "Choose one of your provinces." in text_of(page)
    assert client_of(officer).get("/livelihoods/?kind=%3Cscript%3E").status_code == 400


def test_the_opportunity_page_ranks_the_eligible_people_with_the_score_in_parts_and_logs_it(ranked, officer):
    course, carpenter = ranked
    before = PersonalDataAccess.objects.count()
    page = client_of(officer).get(f"/livelihoods/opportunities/{course.pk}/")
    body = text_of(page)
    assert page.status_code == 200
    assert carpenter.name in body and carpenter.household.code in body
    assert 'data-part="skills"' in body and "Skills: 7115" in body and "Distance:" in body
    assert "0 of 10 places filled" in body
    assert 'id="opportunity-feature"' in body  # the small map's point
    logged = PersonalDataAccess.objects.order_by("-pk")[: PersonalDataAccess.objects.count() - before]
    assert any(carpenter.pk in log.object_ids and log.what == "households.Person" for log in logged)


def test_another_provinces_officer_gets_a_404_and_a_partner_of_another_provider_too(ranked, users, provinces):
    course, _ = ranked
    assert client_of(users["officer_herat"]).get(f"/livelihoods/opportunities/{course.pk}/").status_code == 404
    stranger = user_create(username="partner.other", password="x", roles=[roles.PARTNER], national=True)
    assert client_of(stranger).get(f"/livelihoods/opportunities/{course.pk}/").status_code == 404


def test_the_gis_specialist_sees_the_opportunity_but_no_people(ranked, users):
    course, carpenter = ranked
    page = client_of(users["gis"]).get(f"/livelihoods/opportunities/{course.pk}/")
    assert page.status_code == 200 and carpenter.name not in text_of(page) and 'id="ranked"' not in text_of(page)


def test_an_officer_posts_an_opportunity_from_the_form(officer, bounded, township, frame, provider):
    at = frame.rect(100, 100, 1, 1).centroid
    form = {
        "provider": provider.pk,
        "kind": "cash_for_work",
        "title": "Canal clearing",
        "province": bounded.pk,
        "township": township.pk,
        "lon": f"{at.x:.6f}",
        "lat": f"{at.y:.6f}",
        "places_offered": 20,
        "start_on": "1405-09-01",
        "sex": "any",
        "age_min": 18,
        "age_max": 60,
        "workplace": "mixed",
        "daily_wage": "450",
        "days_offered": 24,
        "isco_codes": "9312, 9313",
    }
    response = client_of(officer).post("/livelihoods/opportunities/new/", form)
    assert response.status_code == 302, text_of(response)
    o = Opportunity.objects.get(title="Canal clearing")
    assert response["Location"] == f"/livelihoods/opportunities/{o.pk}/"
    assert o.isco_codes == ["9312", "9313"] and o.township == township and o.posted_by == officer
    assert o.start_on.year == 2026  # typed in the Solar Hijri calendar


def _posting(bounded, frame, **fields):
    at = frame.rect(100, 100, 1, 1).centroid
    return {
        "kind": "tvet",
        "title": "Tailoring course",
        "province": bounded.pk,
        "lon": f"{at.x:.6f}",
        "lat": f"{at.y:.6f}",
        "places_offered": 12,
        "start_on": "1405-09-01",
        "sex": "f",
        "age_min": 15,
        "age_max": 45,
        "workplace": "women_only",
        **fields,
    }


def test_a_point_outside_the_province_or_an_end_before_the_start_is_refused_with_a_sentence(
    officer, bounded, frame, provider
):
    far = frame.rect(90000, 90000, 1, 1).centroid
    outside = _posting(bounded, frame, provider=provider.pk, lon=f"{far.x:.6f}", lat=f"{far.y:.6f}")
    response = client_of(officer).post("/livelihoods/opportunities/new/", outside)
    assert response.status_code == 400 and "outside Nangarhar" in text_of(response)
    backwards = _posting(bounded, frame, provider=provider.pk, end_on="1405-08-01")
    response = client_of(officer).post("/livelihoods/opportunities/new/", backwards)
    assert response.status_code == 400 and "ends" in text_of(response).lower()
    assert not Opportunity.objects.exists()


def test_a_partner_posts_for_its_agreements_province_as_its_provider(users, bounded, frame, agreement):
    response = client_of(users["partner"]).post("/livelihoods/opportunities/new/", _posting(bounded, frame))
    assert response.status_code == 302, text_of(response)
    o = Opportunity.objects.get()
    assert o.provider.agreement == agreement and o.posted_by == users["partner"]


def test_a_partner_cannot_post_outside_its_agreements_provinces(users, bounded, frame, agreement, provinces):
    page = client_of(users["partner"]).get("/livelihoods/opportunities/new/")
    assert "Herat" not in text_of(page) and "Nangarhar" in text_of(page)
    response = client_of(users["partner"]).post(
        "/livelihoods/opportunities/new/", _posting(bounded, frame, province=provinces["herat"].pk)
    )
    assert response.status_code == 400
    assert "Choose one of the provinces offered: you may post only there." in text_of(response)
    assert not Opportunity.objects.exists()


def test_a_partner_without_a_current_agreement_and_a_gis_specialist_may_not_post(users, bounded, frame):
    refused = client_of(users["partner"]).post("/livelihoods/opportunities/new/", _posting(bounded, frame))
    assert refused.status_code == 400  # no province offered at all
    assert client_of(users["gis"]).get("/livelihoods/opportunities/new/").status_code == 403
    assert not Opportunity.objects.exists()


def test_the_opportunity_is_changed_and_places_never_go_below_those_filled(post, officer, profiled, users):
    o = post(places_offered=2)
    r = services.referral_suggest(opportunity=o, person=profiled(), by=officer)
    r = services.referral_step(referral=r, to_status="referred", by=officer)
    services.referral_step(referral=r, to_status="accepted", by=officer)
    url = f"/livelihoods/opportunities/{o.pk}/edit/"
    assert client_of(officer).get(url).status_code == 200
    form = {"title": "Carpentry course, second intake", "places_offered": 5, "end_on": ""}
    assert client_of(officer).post(url, form).status_code == 302
    o.refresh_from_db()
    assert o.title == "Carpentry course, second intake" and o.places_offered == 5 and o.end_on is None
    too_few = client_of(officer).post(url, {**form, "places_offered": 0})
    assert too_few.status_code == 400
    o.refresh_from_db()
    assert o.places_offered == 5
    assert client_of(users["officer_herat"]).post(url, form).status_code == 404
    closed = client_of(officer).post(url, {"action": "close"})
    assert closed.status_code == 302
    o.refresh_from_db()
    assert o.status == "closed"


# --- referrals --------------------------------------------------------------------------------------------------------


def test_an_officer_refers_from_the_ranked_list_and_the_referral_shows_on_the_page(ranked, officer):
    course, carpenter = ranked
    url = f"/livelihoods/opportunities/{course.pk}/"
    response = client_of(officer).post(
        "/livelihoods/refer/", {"opportunity": course.pk, "person": carpenter.pk, "step": "referred", "next": url}
    )
    assert response.status_code == 302 and response["Location"] == url
    referral = Referral.objects.get()
    assert referral.status == "referred" and [s.to_status for s in referral.steps.all()] == ["referred"]
    page = text_of(client_of(officer).get(url))
    assert f'data-referral="{referral.pk}" data-status="referred"' in page


def test_a_referral_from_the_map_is_json_and_csrf_protected(ranked, officer):
    course, carpenter = ranked
    client = Client(enforce_csrf_checks=True)
    client.force_login(officer)
    body = json.dumps({"opportunity": course.pk, "person": carpenter.pk})
    refused = client.post("/livelihoods/refer/", body, content_type="application/json")
    assert refused.status_code == 403 and not Referral.objects.exists()
    client.get("/")  # the map page sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    done = client.post("/livelihoods/refer/", body, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert done.status_code == 201, done.content
    assert done.json()["status"] == "referred" and carpenter.name in done.json()["detail"]


def test_an_ineligible_person_is_refused_with_the_services_sentence_and_nothing_is_written(post, officer, profiled):
    course = post(age_max=25)
    older = profiled(age=40)
    response = client_of(officer).post(
        "/livelihoods/refer/",
        json.dumps({"opportunity": course.pk, "person": older.pk}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "the opportunity takes people aged 15 to 25" in response.json()["detail"]
    assert not Referral.objects.exists()
    page = client_of(officer).post("/livelihoods/refer/", {"opportunity": course.pk, "person": older.pk})
    assert page.status_code == 400 and "aged 15 to 25" in text_of(page)


def test_hostile_or_out_of_scope_referrals_are_refused(ranked, users, officer, adult):
    course, carpenter = ranked
    herat_person = adult(province="herat")
    bad = [
        ({"opportunity": "x", "person": carpenter.pk}, 400),
        ({"opportunity": course.pk, "person": herat_person.pk}, 404),
        ({"opportunity": course.pk, "person": carpenter.pk, "step": "accepted"}, 400),
        ({"opportunity": "9" * 30, "person": carpenter.pk}, 404),
        ({"opportunity": course.pk, "person": "-1"}, 400),
    ]
    for data, status in bad:
        response = client_of(officer).post("/livelihoods/refer/", json.dumps(data), content_type="application/json")
        assert response.status_code == status, (data, response.content)
    response = client_of(users["officer_herat"]).post(
        "/livelihoods/refer/", json.dumps({"opportunity": course.pk, "person": carpenter.pk}), "application/json"
    )
    assert response.status_code == 404
    for role_user in (users["partner"], users["gis"], users["committee"]):
        response = client_of(role_user).post(
            "/livelihoods/refer/", json.dumps({"opportunity": course.pk, "person": carpenter.pk}), "application/json"
        )
        assert response.status_code == 403
    body = client_of(officer).post("/livelihoods/refer/", b"[1, 2", content_type="application/json")
    assert body.status_code == 400
    assert not Referral.objects.exists()
    elsewhere = client_of(officer).post(
        "/livelihoods/refer/", {"opportunity": course.pk, "person": carpenter.pk, "next": "https://example.org/x"}
    )
    assert elsewhere.status_code == 302 and elsewhere["Location"] == "/livelihoods/"  # never off the site


def test_a_referral_is_stepped_to_its_end_with_dates_and_a_reason_to_end_it(ranked, officer, users):
    course, carpenter = ranked
    r = services.referral_suggest(opportunity=course, person=carpenter, by=officer)
    url = f"/livelihoods/referrals/{r.pk}/step/"
    p = f"r{r.pk}-"
    today = timezone.localdate()
    assert client_of(officer).post(url, {p + "to_status": "referred"}).status_code == 302
    # the partner accepts it, then (a land officer recording the provider's answer) enrols, then it drops out
    assert client_of(users["partner"]).post(url, {p + "to_status": "accepted"}).status_code == 302
    assert client_of(officer).post(url, {p + "to_status": "enrolled", p + "day": "1405-01-01"}).status_code == 400
    assert client_of(officer).post(url, {p + "to_status": "enrolled"}).status_code == 302
    no_reason = client_of(officer).post(url, {p + "to_status": "dropped_out"})
    assert no_reason.status_code == 400 and "Say why the referral ends." in text_of(no_reason)
    done = client_of(officer).post(url, {p + "to_status": "dropped_out", p + "reason": "Moved to Kabul"})
    assert done.status_code == 302
    r.refresh_from_db()
    assert r.status == "dropped_out"
    assert [(s.to_status, s.day) for s in r.steps.order_by("at", "id")][-1] == ("dropped_out", today)
    course.refresh_from_db()
    assert course.places_filled == 0  # the drop-out freed its place


def test_steps_a_role_may_not_take_are_not_offered_and_refused(ranked, officer, field_officer, users):
    course, carpenter = ranked
    r = services.referral_suggest(opportunity=course, person=carpenter, by=officer)
    r = services.referral_step(referral=r, to_status="referred", by=officer)
    url = f"/livelihoods/referrals/{r.pk}/step/"
    p = f"r{r.pk}-"
    refused = client_of(field_officer).post(url, {p + "to_status": "accepted"})
    assert refused.status_code == 400 and "Select a valid choice" in text_of(refused)
    assert client_of(users["officer_herat"]).post(url, {p + "to_status": "refused"}).status_code == 404
    assert client_of(users["gis"]).post(url, {p + "to_status": "refused"}).status_code == 404
    r.refresh_from_db()
    assert r.status == "referred"


# --- the partner's view -----------------------------------------------------------------------------------------------


def test_the_partner_sees_its_referrals_pseudonymous_without_names(ranked, officer, users):
    course, carpenter = ranked
    r = services.referral_suggest(opportunity=course, person=carpenter, by=officer)
    services.referral_step(referral=r, to_status="referred", by=officer)
    for url in ("/livelihoods/partner/", f"/livelihoods/opportunities/{course.pk}/"):
        page = client_of(users["partner"]).get(url)
        body = text_of(page)
        assert page.status_code == 200
        assert f'data-referral="{r.pk}"' in body
        assert carpenter.name not in body and carpenter.household.code not in body
        assert "25-59" in body
    stranger = user_create(username="partner.other", password="x", roles=[roles.PARTNER], national=True)
    other = text_of(client_of(stranger).get("/livelihoods/partner/"))
    assert f'data-referral="{r.pk}"' not in other and course.title not in other
    assert client_of(officer).get("/livelihoods/partner/").status_code == 403


def test_the_partner_accepts_a_referral_from_its_page(ranked, officer, users):
    course, carpenter = ranked
    r = services.referral_suggest(opportunity=course, person=carpenter, by=officer)
    services.referral_step(referral=r, to_status="referred", by=officer)
    page = text_of(client_of(users["partner"]).get(f"/livelihoods/opportunities/{course.pk}/"))
    assert f'action="/livelihoods/referrals/{r.pk}/step/"' in page
    response = client_of(users["partner"]).post(
        f"/livelihoods/referrals/{r.pk}/step/", {f"r{r.pk}-to_status": "accepted"}
    )
    assert response.status_code == 302
    r.refresh_from_db()
    assert r.status == "accepted"


# --- skills profiles --------------------------------------------------------------------------------------------------


def _profile_form(**fields):
    return {
        "education": "primary",
        "literacy_dari": "basic",
        "literacy_pashto": "none",
        "literacy_english": "none",
        "languages": "prs, ps",
        "certificates": "NSDP carpentry, level 2",
        "can_work_outside_home": "on",
        "workplace_accepted": "any",
        "max_travel_km": "8",
        "isco_0": "7115",
        "years_0": "6",
        "learnt_in_0": "iran",
        **fields,
    }


def test_an_officer_records_a_skills_profile_and_sees_the_ranked_opportunities(post, adult, officer):
    course = post()
    person = adult(age=28)
    url = f"/livelihoods/people/{person.pk}/skills/"
    page = client_of(officer).get(url)
    assert page.status_code == 200 and "no profile yet" in text_of(page)
    response = client_of(officer).post(url, _profile_form())
    assert response.status_code == 302, text_of(response)
    profile = SkillsProfile.objects.get(person=person)
    assert profile.languages == ["prs", "ps"] and profile.certificates == ["NSDP carpentry, level 2"]
    assert [(o.isco_id, float(o.years), o.learnt_in) for o in profile.occupations.all()] == [("7115", 6.0, "iran")]
    page = text_of(client_of(officer).get(url))
    assert f'data-opportunity="{course.pk}"' in page and course.title in page
    assert "Carpenters and joiners" in page  # the saved code's title beside it
    assert PersonalDataAccess.objects.filter(what="households.Person", object_ids__contains=[person.pk]).exists()


def test_a_profile_is_refused_under_15_or_with_an_unknown_occupation_with_a_sentence(adult, officer):
    child = adult(age=13)
    url = f"/livelihoods/people/{child.pk}/skills/"
    response = client_of(officer).post(url, _profile_form())
    assert response.status_code == 400 and "15" in text_of(response) and "is 13" in text_of(response)
    grown = adult(age=30)
    response = client_of(officer).post(f"/livelihoods/people/{grown.pk}/skills/", _profile_form(isco_0="9999"))
    assert response.status_code == 400 and "is not an ISCO-08 unit group" in text_of(response)
    missing_where = client_of(officer).post(f"/livelihoods/people/{grown.pk}/skills/", _profile_form(learnt_in_0=""))
    assert missing_where.status_code == 400 and "Say where this occupation was learnt." in text_of(missing_where)
    assert not SkillsProfile.objects.exists()


def test_the_profile_page_is_bounded_by_province_and_role(adult, users, field_officer):
    person = adult()
    url = f"/livelihoods/people/{person.pk}/skills/"
    assert client_of(users["officer_herat"]).get(url).status_code == 404
    assert client_of(users["partner"]).get(url).status_code == 403
    assert client_of(users["gis"]).get(url).status_code == 403
    assert client_of(users["committee"]).get(url).status_code == 403
    assert client_of(field_officer).get(url).status_code == 200
    assert client_of(users["officer_nangarhar"]).get("/livelihoods/people/999999/skills/").status_code == 404


def test_the_occupation_search_answers_in_three_languages(users):
    client = client_of(users["officer_nangarhar"])
    english = client.get("/livelihoods/occupations/?q=carpenter").json()["results"]
    assert "7115" in [o["code"] for o in english]
    dari = client.get("/livelihoods/occupations/?q=نجار").json()["results"]
    assert "7115" in [o["code"] for o in dari]
    assert client.get("/livelihoods/occupations/?q=").json()["results"] == []
    assert Client().get("/livelihoods/occupations/?q=carpenter").status_code == 302  # sign in first


# --- cash for work ----------------------------------------------------------------------------------------------------


@pytest.fixture
def enrolled(post, profiled, officer):
    """A cash-for-work opportunity (450 AFN a day, 24 days) started three weeks ago, and a worker enrolled in it."""
    start = timezone.localdate() - datetime.timedelta(days=21)
    o = post(
        kind="cash_for_work", title="Canal clearing", daily_wage=450, days_offered=24, start_on=start, isco_codes=[]
    )
    r = services.referral_suggest(opportunity=o, person=profiled(), by=officer)
    for step in ("referred", "accepted", "enrolled"):
        r = services.referral_step(referral=r, to_status=step, by=officer)
    return r


def test_attendance_is_recorded_by_week_and_marked_paid_for_good(enrolled, officer):
    url = f"/livelihoods/opportunities/{enrolled.opportunity_id}/attendance/"
    week = services.week_start(timezone.localdate() - datetime.timedelta(days=14))
    from landreg.calendar import shamsi_numeric

    page = client_of(officer).get(url)
    assert page.status_code == 200 and enrolled.person.name in text_of(page)
    form = {"action": "record", "referral": enrolled.pk, "week_start": shamsi_numeric(week), "days_worked": 5}
    assert client_of(officer).post(url, form).status_code == 302
    recorded = AttendanceWeek.objects.get()
    assert recorded.days_worked == 5 and recorded.amount_due == 2250
    seven = client_of(officer).post(url, {**form, "days_worked": 7})
    assert seven.status_code == 400
    not_saturday = client_of(officer).post(
        url, {**form, "week_start": shamsi_numeric(week + datetime.timedelta(days=1))}
    )
    assert not_saturday.status_code == 400 and "Saturday" in text_of(not_saturday)
    due = text_of(client_of(officer).get("/livelihoods/payments/"))
    assert f'data-week="{recorded.pk}"' in due
    paid = client_of(officer).post(
        url, {"action": "pay", "week": recorded.pk, f"w{recorded.pk}-reference": "HAW-2026-118"}
    )
    assert paid.status_code == 302
    recorded.refresh_from_db()
    assert recorded.paid_on == timezone.localdate() and recorded.payment_reference == "HAW-2026-118"
    again = client_of(officer).post(url, {**form, "days_worked": 2})
    assert again.status_code == 400 and "paid" in text_of(again).lower()
    recorded.refresh_from_db()
    assert recorded.days_worked == 5
    assert f'data-week="{recorded.pk}"' not in text_of(client_of(officer).get("/livelihoods/payments/"))


def test_attendance_is_bounded_by_province_and_role(enrolled, users):
    url = f"/livelihoods/opportunities/{enrolled.opportunity_id}/attendance/"
    assert client_of(users["officer_herat"]).get(url).status_code == 404
    assert client_of(users["gis"]).get(url).status_code == 403
    partner_page = client_of(users["partner"]).get(url)
    assert partner_page.status_code == 200 and enrolled.person.name not in text_of(partner_page)
    assert client_of(users["partner"]).get("/livelihoods/payments/").status_code == 403


# --- survey rounds ----------------------------------------------------------------------------------------------------


def _answers(**changed):
    best = {q["code"]: q["max"] for q in questions()}
    return {f"q_{code}": value for code, value in {**best, **changed}.items()}


def test_the_rounds_due_list_the_handed_over_household_and_a_round_is_recorded(handed_over, officer):
    page = text_of(client_of(officer).get("/livelihoods/rounds/"))
    assert f'data-allocation="{handed_over.pk}" data-round="baseline"' in page
    url = f"/livelihoods/rounds/{handed_over.pk}/baseline/"
    form = client_of(officer).get(url)
    assert form.status_code == 200 and "Economic" in text_of(form)
    response = client_of(officer).post(url, _answers())
    assert response.status_code == 302, text_of(response)
    survey = SurveyRound.objects.get()
    assert survey.round == "baseline" and survey.score_composite is not None and survey.source == "office"
    page = text_of(client_of(officer).get("/livelihoods/rounds/"))
    assert f'data-allocation="{handed_over.pk}" data-round="baseline"' not in page


def test_an_answer_out_of_scale_or_missing_is_refused_with_a_sentence(handed_over, officer):
    url = f"/livelihoods/rounds/{handed_over.pk}/baseline/"
    out_of_scale = client_of(officer).post(url, _answers(work=9))
    assert out_of_scale.status_code == 400
    assert "Choose one of the answers offered for this question." in text_of(out_of_scale)
    missing = _answers()
    del missing["q_safety"]
    unanswered = client_of(officer).post(url, missing)
    assert unanswered.status_code == 400 and "Answer this question." in text_of(unanswered)
    assert not SurveyRound.objects.exists()


def test_rounds_are_bounded_by_province_and_role(handed_over, users):
    url = f"/livelihoods/rounds/{handed_over.pk}/baseline/"
    assert client_of(users["officer_herat"]).get(url).status_code == 404
    assert client_of(users["officer_nangarhar"]).get(f"/livelihoods/rounds/{handed_over.pk}/m24/").status_code == 404
    assert client_of(users["partner"]).get(url).status_code == 403
    assert client_of(users["gis"]).get("/livelihoods/rounds/").status_code == 403
    herat = text_of(client_of(users["officer_herat"]).get("/livelihoods/rounds/"))
    assert handed_over.household.code not in herat


# --- in Dari ----------------------------------------------------------------------------------------------------------


def test_the_pages_read_right_to_left_in_dari_with_shamsi_dates(ranked, officer):
    course, carpenter = ranked
    for url in (
        "/livelihoods/",
        f"/livelihoods/opportunities/{course.pk}/",
        f"/livelihoods/people/{carpenter.pk}/skills/",
    ):
        page = client_of(officer, "fa").get(url)
        body = text_of(page)
        assert page.status_code == 200 and 'dir="rtl"' in body, url
    listing = text_of(client_of(officer, "fa").get("/livelihoods/"))
    assert any(
        month in listing
        for month in ("حمل", "ثور", "جوزا", "سرطان", "اسد", "سنبله", "میزان", "عقرب", "قوس", "جدی", "دلو", "حوت")
    )
