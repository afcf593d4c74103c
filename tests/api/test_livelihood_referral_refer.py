"""One way to make a referral (livelihoods.services.referral_refer): the officers' pages and the map panel's Refer
(`POST /livelihoods/refer/`) and the REST API (`POST /api/v1/livelihoods/referrals/`) go through the same service,
so the same checks answer at every door: the caller's role and provinces, eligibility, an open opportunity with a
place left, once per person and opportunity; nothing half-written."""

# The livelihood fixtures are imported from tests/livelihoods/conftest.py, and tests name them as arguments.
# ruff: noqa: F811

import datetime
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from livelihoods import services
from livelihoods.models import Opportunity, Referral, ReferralStep
from tests.livelihoods.conftest import (  # noqa: F401  (the livelihood fixtures)
    adult,
    agreement,
    bounded,
    post,
    profiled,
    provider,
    reference_data,
)

API = "/api/v1/livelihoods/referrals/"
PAGE = "/livelihoods/refer/"


def client_of(user):
    client = Client()
    client.force_login(user)
    return client


def api_refer(user, body):
    return client_of(user).post(API, json.dumps(body), content_type="application/json")


def page_refer(user, body):
    return client_of(user).post(PAGE, json.dumps(body), content_type="application/json")


# --- the service -------------------------------------------------------------------------------------------------


def test_referral_refer_suggests_and_refers_in_one_go(users, post, profiled):
    referral = services.referral_refer(opportunity=post(), person=profiled(), by=users["officer_nangarhar"])
    assert referral.status == "referred"
    assert [s.to_status for s in referral.steps.all()] == ["referred"]
    assert referral.match["score"] is not None  # the match that ranked the person is kept with it


def test_referral_refer_may_stop_at_suggested(users, post, profiled):
    referral = services.referral_refer(
        opportunity=post(), person=profiled(), by=users["officer_nangarhar"], step="suggested"
    )
    assert referral.status == "suggested" and not referral.steps.exists()


def test_referral_refer_refuses_another_step_than_suggested_or_referred(users, post, profiled):
    with pytest.raises(ValidationError) as refused:
        services.referral_refer(opportunity=post(), person=profiled(), by=users["officer_nangarhar"], step="accepted")
    assert "the provider takes the next steps" in str(refused.value)
    assert not Referral.objects.exists()


def test_a_full_or_closed_or_ended_opportunity_takes_no_referral(users, post, profiled):
    officer = users["officer_nangarhar"]
    full = post(places_offered=1)
    first = services.referral_refer(opportunity=full, person=profiled(), by=officer)
    services.referral_step(referral=first, to_status="accepted", by=officer)
    with pytest.raises(ValidationError) as refused:
        services.referral_refer(opportunity=full, person=profiled(), by=officer)
    assert "Every place of this opportunity is taken" in str(refused.value) and "1 of 1 places filled" in str(
        refused.value
    )
    closed = services.opportunity_close(opportunity=post(), by=officer)
    with pytest.raises(ValidationError) as refused:
        services.referral_refer(opportunity=closed, person=profiled(), by=officer)
    assert "closed" in str(refused.value)
    ended = post(start_on=timezone.localdate() - datetime.timedelta(days=30))
    Opportunity.objects.filter(pk=ended.pk).update(end_on=timezone.localdate() - datetime.timedelta(days=1))
    with pytest.raises(ValidationError) as refused:
        services.referral_refer(opportunity=ended, person=profiled(), by=officer)
    assert "ended on" in str(refused.value)
    assert Referral.objects.count() == 1


def test_an_ineligible_person_is_refused_and_nothing_is_written(users, post, profiled):
    with pytest.raises(ValidationError) as refused:
        services.referral_refer(opportunity=post(sex="f"), person=profiled(sex="m"), by=users["officer_nangarhar"])
    assert "for women only" in str(refused.value).lower()
    assert not Referral.objects.exists() and not ReferralStep.objects.exists()


def test_roles_and_provinces_are_checked_by_the_service(users, post, profiled):
    o, person = post(), profiled()
    with pytest.raises(PermissionDenied):
        services.referral_refer(opportunity=o, person=person, by=users["partner"])
    with pytest.raises(PermissionDenied):
        services.referral_refer(opportunity=o, person=person, by=users["committee"])
    with pytest.raises(PermissionDenied):
        services.referral_refer(opportunity=o, person=person, by=users["officer_herat"])
    assert not Referral.objects.exists()


# --- the doors: the page (and the map panel, which posts to it) and the REST API ------------------------------------


def test_the_page_and_the_api_make_the_same_referral(users, post, profiled):
    officer = users["officer_nangarhar"]
    o = post()
    by_page = page_refer(officer, {"opportunity": o.pk, "person": profiled().pk, "step": "referred"})
    by_api = api_refer(officer, {"opportunity": o.pk, "person": profiled().pk, "step": "referred"})
    assert by_page.status_code == 201 and by_api.status_code == 201
    assert by_page.json()["status"] == by_api.json()["status"] == "referred"
    assert sorted(r.steps.count() for r in Referral.objects.all()) == [1, 1]


def test_the_api_still_suggests_by_default(users, post, profiled):
    response = api_refer(users["officer_nangarhar"], {"opportunity": post().pk, "person": profiled().pk})
    assert response.status_code == 201 and response.json()["status"] == "suggested"


@pytest.mark.parametrize("door", [page_refer, api_refer])
def test_every_door_refuses_a_full_opportunity_with_the_same_sentence(door, users, post, profiled):
    officer = users["officer_nangarhar"]
    full = post(places_offered=1)
    services.referral_step(
        referral=services.referral_refer(opportunity=full, person=profiled(), by=officer),
        to_status="accepted",
        by=officer,
    )
    response = door(officer, {"opportunity": full.pk, "person": profiled().pk, "step": "referred"})
    assert response.status_code == 400
    assert "Every place of this opportunity is taken" in response.json()["detail"]
    assert Referral.objects.count() == 1


@pytest.mark.parametrize("door", [page_refer, api_refer])
def test_every_door_refuses_a_second_referral_of_the_same_person(door, users, post, profiled):
    officer = users["officer_nangarhar"]
    o, person = post(), profiled()
    assert door(officer, {"opportunity": o.pk, "person": person.pk, "step": "referred"}).status_code == 201
    again = door(officer, {"opportunity": o.pk, "person": person.pk, "step": "referred"})
    assert again.status_code == 400 and Referral.objects.count() == 1


def test_out_of_scope_is_not_found_at_both_doors(users, post, profiled):
    o, person = post(), profiled()
    herat = users["officer_herat"]
    assert page_refer(herat, {"opportunity": o.pk, "person": person.pk}).status_code == 404
    response = api_refer(herat, {"opportunity": o.pk, "person": person.pk})
    assert response.status_code == 400 and "in your provinces" in response.json()["detail"]
    assert not Referral.objects.exists()


@pytest.mark.parametrize("step", ["accepted", "completed", "nonsense", "", 3, None, ["referred"], "<script>x</script>"])
def test_the_api_refuses_a_step_other_than_suggested_or_referred_with_a_sentence(users, post, profiled, step):
    answer = api_refer(users["officer_nangarhar"], {"opportunity": post().pk, "person": profiled().pk, "step": step})
    assert answer.status_code == 400, answer.content
    assert "step is suggested (the default) or referred" in answer.json()["step"][0]  # what to fix, not the input
    assert "<script>" not in answer.content.decode()
    assert not Referral.objects.exists()  # nothing half-written
