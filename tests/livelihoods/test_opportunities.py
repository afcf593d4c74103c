"""Posting opportunities: officers in their provinces, partners under their agreement; bad input refused with a
sentence and nothing written."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from livelihoods.models import Opportunity
from livelihoods.services import opportunity_close, opportunity_places_set, provider_for_agreement


def test_an_officer_posts_an_opportunity_in_the_province(post):
    o = post()
    assert o.places_filled == 0 and o.programme.code == "default" and o.isco_codes == ["7115"]


def test_a_partner_posts_for_the_provinces_of_its_agreement(post, users):
    o = post(by=users["partner"], kind="cash_for_work", title="Canal cleaning", daily_wage=500, days_offered=20)
    assert o.posted_by == users["partner"]


def test_a_partner_is_refused_outside_its_agreement(post, users, provinces, agreement):
    with pytest.raises(PermissionDenied, match="does not cover"):
        post(by=users["partner"], province=provinces["herat"], point=None, area=None)
    agreement.valid_until = timezone.localdate() - datetime.timedelta(days=1)
    agreement.save()
    with pytest.raises(PermissionDenied, match="not current"):
        post(by=users["partner"])
    agreement.valid_until = timezone.localdate() + datetime.timedelta(days=10)
    agreement.save()
    agreement.users.remove(users["partner"])
    with pytest.raises(PermissionDenied, match="does not act for"):
        post(by=users["partner"])
    assert not Opportunity.objects.exists()


def test_an_officer_of_another_province_is_refused(post, users):
    with pytest.raises(PermissionDenied, match="outside your provinces"):
        post(by=users["officer_herat"])


def test_a_provider_is_found_for_its_agreement(provider, agreement):
    assert provider_for_agreement(agreement) == provider


def test_an_end_before_the_start_is_refused(post):
    with pytest.raises(ValidationError) as exc:
        post(end_on=timezone.localdate() - datetime.timedelta(days=1))
    assert "ends on or after the day it starts" in str(exc.value)
    assert not Opportunity.objects.exists()


def test_a_location_outside_the_province_is_refused(post, frame):
    with pytest.raises(ValidationError) as exc:
        post(point=frame.rect(60000, 0, 1, 1).centroid)
    assert "must lie in its province" in str(exc.value) and "outside Nangarhar" in str(exc.value)
    assert not Opportunity.objects.exists()


def test_a_township_of_another_province_is_refused(post, provinces, frame, township):
    from django.contrib.gis.geos import MultiPolygon

    from townships import services as township_services

    herat_township = township_services.township_create(
        code="HER-T",
        name="Herat T",
        province=provinces["herat"],
        legal_basis="decree_305_2018",
        geom=MultiPolygon(frame.rect(1000, 1000, 100, 100)),
    )
    with pytest.raises(ValidationError, match="in another province"):
        post(township=herat_township)


def test_a_point_and_an_area_at_once_or_neither_is_refused(post, frame):
    from django.contrib.gis.geos import MultiPolygon

    with pytest.raises(ValidationError, match="a point .* or an area"):
        post(area=MultiPolygon(frame.rect(0, 0, 50, 50)))
    with pytest.raises(ValidationError, match="a point .* or an area"):
        post(point=None)


def test_unknown_codes_are_refused(post):
    with pytest.raises(ValidationError, match="not in the list"):
        post(isco_codes=["9999"])
    with pytest.raises(ValidationError, match="not in the list"):
        post(categories=["tourist"])
    with pytest.raises(ValidationError, match="ISIC"):
        post(isic="ZZ")


def test_cash_for_work_needs_a_wage_and_days(post):
    with pytest.raises(ValidationError, match="daily wage"):
        post(kind="cash_for_work")


def test_places_offered_cannot_fall_below_places_filled(post, users, referred_and_accepted):
    o = referred_and_accepted.opportunity
    o.refresh_from_db()
    assert o.places_filled == 1
    with pytest.raises(ValidationError, match="more places filled than it offers"):
        opportunity_places_set(opportunity=o, places_offered=0, by=users["officer_nangarhar"])
    o.refresh_from_db()
    assert o.places_offered == 10
    assert opportunity_places_set(opportunity=o, places_offered=1, by=users["officer_nangarhar"]).places_offered == 1


def test_a_closed_opportunity_takes_nobody(post, users, profiled):
    from livelihoods.services import referral_step, referral_suggest

    o = post()
    r = referral_suggest(opportunity=o, person=profiled(), by=users["officer_nangarhar"])
    r = referral_step(referral=r, to_status="referred", by=users["officer_nangarhar"])
    opportunity_close(opportunity=o, by=users["officer_nangarhar"])
    with pytest.raises(ValidationError, match="Every place of this opportunity is taken"):
        referral_step(referral=r, to_status="accepted", by=users["partner"])
