"""Livelihood fixtures: Nangarhar with its boundary, adults with skills profiles, a provider under a partner's
agreement, opportunities near the test township, a household whose plot was handed over."""

import datetime

import pytest
from django.contrib.gis.geos import MultiPolygon
from django.utils import timezone

from allocations.services import allocation_propose, allocation_transition
from households.models import Person
from landreg.models import DataSharingAgreement
from livelihoods import services
from livelihoods.models import IscoOccupation, IsicActivity, MatchingProgramme, SurveyQuestion
from livelihoods.reference import load_isco, load_isic, seed_default_programme, seed_survey_questions
from tests.db.conftest import raw  # noqa: F401  (the raw-SQL fixture)


@pytest.fixture(autouse=True)
def reference_data(db):
    """The shipped reference data (a transactional test elsewhere may have flushed it)."""
    if not IscoOccupation.objects.exists():
        load_isco(IscoOccupation)
        load_isic(IsicActivity)
    if not SurveyQuestion.objects.exists():
        seed_survey_questions(SurveyQuestion)
    seed_default_programme(MatchingProgramme)


@pytest.fixture
def bounded(provinces, frame):
    """Nangarhar's boundary: 40 km × 40 km around the test township."""
    nangarhar = provinces["nangarhar"]
    nangarhar.geom = MultiPolygon(frame.rect(-20000, -20000, 40000, 40000))
    nangarhar.save()
    return nangarhar


def born_years_ago(years: int, days: int = 30) -> datetime.date:
    today = timezone.localdate()
    return today.replace(year=today.year - years) - datetime.timedelta(days=days)


@pytest.fixture
def adult(make_household, users):
    """A household's head, of a given age and sex, in Nangarhar (or a province named)."""

    def make(age=30, sex="m", province="nangarhar", **household):
        h = make_household(province=province, registered_by=users[f"officer_{province}"], **household)
        head = h.members.get(relationship="head")
        Person.objects.filter(pk=head.pk).update(date_of_birth=born_years_ago(age), sex=sex)
        head.refresh_from_db()
        return head

    return make


@pytest.fixture
def profiled(adult, users):
    """An adult with a skills profile: occupations [(isco, years)], other profile fields as given."""

    def make(occupations=(("7115", 6),), age=30, sex="m", household=None, **profile):
        person = adult(age=age, sex=sex, **(household or {}))
        services.skills_profile_save(
            person=person,
            by=users["admin"],
            occupations=[{"isco": code, "years": years, "learnt_in": "iran"} for code, years in occupations],
            **profile,
        )
        return person

    return make


@pytest.fixture
def agreement(users, provinces):
    a = DataSharingAgreement.objects.create(
        partner_name="Skills Partner NGO",
        purpose="Livelihood referrals",
        reference="DSA-LV-1",
        signed_on=datetime.date(2025, 1, 1),
        valid_from=datetime.date(2025, 1, 1),
        valid_until=timezone.localdate() + datetime.timedelta(days=365),
        datasets=["township_summary"],
    )
    a.users.add(users["partner"])
    a.provinces.add(provinces["nangarhar"])
    return a


@pytest.fixture
def provider(agreement, users):
    return services.provider_create(name="Skills Partner NGO", agreement=agreement, by=users["officer_nangarhar"])


@pytest.fixture
def post(provider, users, bounded, frame, township):
    """Post an opportunity near the test township (a point 250 m × 150 m into it unless told)."""

    def make(**fields):
        defaults = {
            "provider": provider,
            "by": users["officer_nangarhar"],
            "kind": "tvet",
            "title": "Carpentry course",
            "province": bounded,
            "places_offered": 10,
            "start_on": timezone.localdate(),
            "end_on": timezone.localdate() + datetime.timedelta(days=90),
            "point": frame.rect(250, 150, 1, 1).centroid,
            "isco_codes": ["7115"],
        }
        defaults.update(fields)
        return services.opportunity_post(**defaults)

    return make


@pytest.fixture
def handed_over(plots, make_household, users, field_officer, frame):
    """Plot 0 handed over to a household today (its head 40, with a skills profile-free household)."""
    household = make_household(registered_by=users["officer_nangarhar"])
    officer = users["officer_nangarhar"]
    a = allocation_propose(household=household, plot=plots[0], proposed_by=officer)
    a = allocation_transition(allocation=a, action="approve", by=users["committee"], reference="CMT-LV")
    a = allocation_transition(allocation=a, action="assign", by=officer)
    a = allocation_transition(allocation=a, action="issue_letter", by=officer)
    on_plot = frame.rect(10, 12, 1, 1).centroid
    return allocation_transition(allocation=a, action="hand_over", by=field_officer, point=on_plot, accuracy_m=5)


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def referred_and_accepted(post, profiled, users):
    o = post()
    r = services.referral_suggest(opportunity=o, person=profiled(), by=users["officer_nangarhar"])
    r = services.referral_step(referral=r, to_status="referred", by=users["officer_nangarhar"])
    return services.referral_step(referral=r, to_status="accepted", by=users["partner"])
