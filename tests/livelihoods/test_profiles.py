"""Skills profiles: for people aged 15 and over, within the officer's provinces, occupations from ISCO-08."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from households.models import Person
from livelihoods.models import SkillsProfile
from livelihoods.services import skills_profile_save


def test_an_officer_records_a_profile_with_occupations_learnt_abroad(adult, users):
    person = adult(age=32, sex="f")
    profile = skills_profile_save(
        person=person,
        by=users["officer_nangarhar"],
        education="primary",
        literacy_dari="fluent",
        occupations=[
            {"isco": "7531", "years": 8, "learnt_in": "iran"},
            {"isco": "7533", "years": 2, "learnt_in": "pakistan"},
        ],
        certificates=["NSDP tailoring, level 2"],
        languages=["prs", "ps"],
        workplace_accepted="women_only",
        care_duties=True,
        max_travel_km=4,
    )
    assert sorted(profile.occupations.values_list("isco_id", "learnt_in")) == [("7531", "iran"), ("7533", "pakistan")]
    assert profile.workplace_accepted == "women_only" and profile.max_travel_km == 4


def test_saving_again_replaces_the_occupations(adult, users):
    person = adult()
    skills_profile_save(
        person=person, by=users["officer_nangarhar"], occupations=[{"isco": "7115", "years": 3, "learnt_in": "iran"}]
    )
    skills_profile_save(
        person=person,
        by=users["officer_nangarhar"],
        occupations=[{"isco": "8322", "years": 1, "learnt_in": "afghanistan"}],
    )
    assert list(SkillsProfile.objects.get(person=person).occupations.values_list("isco_id", flat=True)) == ["8322"]


def test_a_person_under_15_has_no_profile(adult, users):
    person = adult(age=14)
    with pytest.raises(ValidationError) as exc:
        skills_profile_save(person=person, by=users["officer_nangarhar"])
    assert "15 or over" in str(exc.value) and "is 14" in str(exc.value)
    assert not SkillsProfile.objects.exists()


def test_a_person_without_a_date_of_birth_has_no_profile_yet(adult, users):
    person = adult()
    Person.objects.filter(pk=person.pk).update(date_of_birth=None)
    with pytest.raises(ValidationError, match="no date of birth"):
        skills_profile_save(person=person, by=users["officer_nangarhar"])


def test_an_occupation_must_be_an_isco_unit_group(adult, users):
    with pytest.raises(ValidationError, match="not an ISCO-08 unit group"):
        skills_profile_save(
            person=adult(), by=users["officer_nangarhar"], occupations=[{"isco": "71", "years": 1, "learnt_in": "iran"}]
        )
    with pytest.raises(ValidationError, match="learnt_in"):
        skills_profile_save(
            person=adult(),
            by=users["officer_nangarhar"],
            occupations=[{"isco": "7115", "years": 1, "learnt_in": "moon"}],
        )
    with pytest.raises(ValidationError, match="between 0 and 80"):
        skills_profile_save(
            person=adult(),
            by=users["officer_nangarhar"],
            occupations=[{"isco": "7115", "years": 200, "learnt_in": "iran"}],
        )
    assert not SkillsProfile.objects.exists()


def test_an_officer_of_another_province_and_a_partner_are_refused(adult, users):
    person = adult()
    with pytest.raises(PermissionDenied, match="outside your provinces"):
        skills_profile_save(person=person, by=users["officer_herat"])
    with pytest.raises(PermissionDenied):
        skills_profile_save(person=person, by=users["partner"])


def test_hostile_text_is_refused_with_a_sentence(adult, users):
    with pytest.raises(ValidationError, match="NUL"):
        skills_profile_save(person=adult(), by=users["officer_nangarhar"], certificates=["ok\x00"])
