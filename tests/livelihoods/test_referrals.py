"""Referrals: suggested → referred → accepted → enrolled → completed, or refused, or dropped out; each step dated
with a reason where it ends; eligibility and places checked with a sentence."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from livelihoods.models import Referral, ReferralStep
from livelihoods.selectors import referrals_for_partner, referrals_visible_to
from livelihoods.services import referral_step, referral_suggest


@pytest.fixture
def officer(users):
    return users["officer_nangarhar"]


def test_a_referral_goes_from_suggestion_to_completion(post, profiled, officer, users):
    o = post(places_offered=2)
    r = referral_suggest(opportunity=o, person=profiled(), by=officer)
    assert (
        r.status == "suggested"
        and r.match["score"] > 0
        and set(r.match["parts"]) == {"skills", "distance", "vulnerability", "workplace"}
    )
    for status, by in [
        ("referred", officer),
        ("accepted", users["partner"]),
        ("enrolled", users["partner"]),
        ("completed", users["partner"]),
    ]:
        r = referral_step(referral=r, to_status=status, by=by)
        assert r.status == status
    o.refresh_from_db()
    assert o.places_filled == 1
    steps = list(r.steps.values_list("from_status", "to_status"))
    assert steps == [
        ("suggested", "referred"),
        ("referred", "accepted"),
        ("accepted", "enrolled"),
        ("enrolled", "completed"),
    ]


def test_dropping_out_frees_the_place_and_needs_a_reason(referred_and_accepted, users):
    r = referral_step(referral=referred_and_accepted, to_status="enrolled", by=users["partner"])
    with pytest.raises(ValidationError, match="Say why"):
        referral_step(referral=r, to_status="dropped_out", by=users["partner"])
    r = referral_step(referral=r, to_status="dropped_out", by=users["partner"], reason="Moved to Kabul")
    r.opportunity.refresh_from_db()
    assert r.status == "dropped_out" and r.opportunity.places_filled == 0


def test_a_step_out_of_order_is_refused_with_the_states_it_may_take(post, profiled, officer, users):
    r = referral_suggest(opportunity=post(), person=profiled(), by=officer)
    with pytest.raises(ValidationError) as exc:
        referral_step(referral=r, to_status="enrolled", by=officer)
    assert "can next be referred or refused" in str(exc.value)
    assert not ReferralStep.objects.exists()


def test_an_ended_referral_takes_no_step(post, profiled, officer):
    r = referral_suggest(opportunity=post(), person=profiled(), by=officer)
    r = referral_step(referral=r, to_status="refused", by=officer, reason="Declined: works already")
    with pytest.raises(ValidationError, match="nothing: it has ended"):
        referral_step(referral=r, to_status="referred", by=officer)


def test_a_step_dated_before_the_previous_one_is_refused(post, profiled, officer):
    r = referral_suggest(opportunity=post(), person=profiled(), by=officer)
    r = referral_step(referral=r, to_status="referred", by=officer, day=timezone.localdate())
    with pytest.raises(ValidationError, match="previous step"):
        referral_step(
            referral=r,
            to_status="refused",
            by=officer,
            reason="x",
            day=timezone.localdate() - datetime.timedelta(days=3),
        )


@pytest.mark.parametrize(
    "opportunity, person, sentence",
    [
        ({"sex": "f"}, {}, "for women only"),
        ({"age_min": 18, "age_max": 24}, {"age": 30}, "is 30; the opportunity takes people aged 18 to 24"),
        ({"categories": ["idp"]}, {}, "the household is Documented returnee"),
        ({"vulnerability_priorities": ["female_headed"], "vulnerable_only": True}, {}, "female-headed"),
    ],
)
def test_referring_someone_not_eligible_says_why(post, profiled, officer, opportunity, person, sentence):
    o = post(**opportunity)
    with pytest.raises(ValidationError) as exc:
        referral_suggest(opportunity=o, person=profiled(**person), by=officer)
    assert "does not meet the opportunity's eligibility" in str(exc.value) and sentence in str(exc.value)
    assert not Referral.objects.exists()


def test_a_person_without_a_profile_is_not_eligible(post, adult, officer):
    with pytest.raises(ValidationError, match="no skills profile yet"):
        referral_suggest(opportunity=post(), person=adult(), by=officer)


def test_a_household_of_another_province_is_not_eligible(post, profiled, users):
    person = profiled(household={"province": "herat"})
    with pytest.raises(PermissionDenied):
        referral_suggest(opportunity=post(), person=person, by=users["officer_nangarhar"])
    with pytest.raises(ValidationError, match="another province"):
        referral_suggest(opportunity=post(), person=person, by=users["admin"])


def test_the_last_place_goes_to_one_person_only(post, profiled, officer, users):
    o = post(places_offered=1)
    first, second = (referral_suggest(opportunity=o, person=profiled(), by=officer) for _ in range(2))
    first = referral_step(
        referral=referral_step(referral=first, to_status="referred", by=officer),
        to_status="accepted",
        by=users["partner"],
    )
    second = referral_step(referral=second, to_status="referred", by=officer)
    with pytest.raises(ValidationError) as exc:
        referral_step(referral=second, to_status="accepted", by=users["partner"])
    assert "Every place of this opportunity is taken" in str(exc.value) and "1 of 1 places filled" in str(exc.value)
    second.refresh_from_db()
    assert second.status == "referred"


def test_a_person_is_suggested_once_per_opportunity(post, profiled, officer):
    o, person = post(), profiled()
    referral_suggest(opportunity=o, person=person, by=officer)
    with pytest.raises(ValidationError, match="already been put forward"):
        referral_suggest(opportunity=o, person=person, by=officer)


def test_a_partner_takes_only_the_providers_steps(post, profiled, officer, users):
    r = referral_suggest(opportunity=post(), person=profiled(), by=officer)
    with pytest.raises(PermissionDenied):
        referral_step(referral=r, to_status="referred", by=users["partner"])
    with pytest.raises(PermissionDenied):
        referral_suggest(opportunity=r.opportunity, person=profiled(), by=users["partner"])


def test_a_field_officer_refers_but_leaves_the_providers_steps(post, profiled, field_officer, officer):
    r = referral_suggest(opportunity=post(), person=profiled(), by=field_officer)
    r = referral_step(referral=r, to_status="referred", by=field_officer)
    with pytest.raises(PermissionDenied, match="provider"):
        referral_step(referral=r, to_status="accepted", by=field_officer)


def test_partners_see_their_referrals_without_names(referred_and_accepted, users):
    rows = referrals_for_partner(users["partner"])
    assert len(rows) == 1
    row = rows[0]
    assert row["status"] == "accepted" and row["age_band"] == "25-59" and row["sex"] == "m"
    text = str(rows)
    person = referred_and_accepted.person
    assert person.name not in text and person.household.code not in text
    assert referrals_visible_to(users["partner"]).count() == 0
    assert referrals_visible_to(users["officer_nangarhar"]).count() == 1
    assert referrals_visible_to(users["officer_herat"]).count() == 0
