"""Skills profiles from the field app (`POST /api/v1/field/skills-profiles/`, `GET /api/v1/field/isco/`, and the
households offered with today's work in `GET /api/v1/field/assignments/`): recorded through the service the
officers' page uses, once per form, never over a change made on the server since the form was opened unless the
officer chooses to (the profile's history keeps the earlier one); every refusal a sentence, nothing written."""

# ruff: noqa: F811 (the fixtures imported from the livelihoods tests are arguments here)

import datetime
import json
import uuid

import pytest
from django.apps import apps
from django.test import Client

from households.models import Person
from households.services import person_add
from landreg.models import PersonalDataAccess
from livelihoods import services
from livelihoods.models import ImportedSubmission, Occupation, SkillsProfile
from livelihoods.services import survey_assignment_create
from tests.livelihoods.conftest import born_years_ago, handed_over, reference_data  # noqa: F401 (fixtures)

URL = "/api/v1/field/skills-profiles/"


def client_of(user):
    client = Client()
    client.force_login(user)
    return client


def send(user, body, **headers):
    return client_of(user).post(URL, json.dumps(body), content_type="application/json", **headers)


def form(who, **changes):
    body = {
        "client_uuid": str(uuid.uuid4()),
        "person": who.pk,
        "seen_updated_at": None,
        "education": "primary",
        "literacy_dari": "basic",
        "literacy_pashto": "none",
        "literacy_english": "none",
        "occupations": [{"isco": "7115", "years": 6, "learnt_in": "iran"}],
        "certificates": ["NSDP carpentry, level 2"],
        "languages": ["prs", "ps"],
        "can_work_outside_home": True,
        "workplace_accepted": "any",
        "care_duties": False,
        "disability": False,
        "max_travel_km": 8,
    }
    body.update(changes)
    return body


@pytest.fixture
def family(handed_over, users):
    """The handed-over household: its head (40) and a daughter of 12."""
    household = handed_over.household
    head = household.members.get(relationship="head")
    Person.objects.filter(pk=head.pk).update(date_of_birth=born_years_ago(40))
    head.refresh_from_db()
    child = person_add(
        household=household,
        by=users["officer_nangarhar"],
        relationship="child",
        name="Daughter",
        sex="f",
        date_of_birth=born_years_ago(12),
    )
    return {"allocation": handed_over, "head": head, "child": child}


@pytest.fixture
def assigned(family, users, field_officer):
    survey_assignment_create(
        officer=field_officer, allocation=family["allocation"], round="baseline", by=users["officer_nangarhar"]
    )
    return family


def test_the_households_of_the_day_come_with_their_members_aged_15_and_over(assigned, field_officer):
    body = client_of(field_officer).get("/api/v1/field/assignments/").json()
    (household,) = body["skills"]
    assert household["household"] == assigned["allocation"].household.code
    assert [m["person"] for m in household["members"]] == [assigned["head"].pk]  # not the 12-year-old
    assert household["members"][0]["profile"] is None
    assert PersonalDataAccess.objects.filter(what="households.Person", user=field_officer).exists()


def test_an_officer_without_work_in_a_household_is_offered_none(family, field_officer):
    assert client_of(field_officer).get("/api/v1/field/assignments/").json()["skills"] == []


def test_the_isco_list_for_the_phone_has_every_unit_group_in_three_languages(field_officer):
    rows = client_of(field_officer).get("/api/v1/field/isco/").json()["occupations"]
    assert len(rows) == 436 and all(len(r["code"]) == 4 for r in rows)
    carpenter = next(r for r in rows if r["code"] == "7115")
    assert carpenter["en"] and carpenter["prs"] and carpenter["ps"]
    assert Client().get("/api/v1/field/isco/").status_code in (401, 403)  # reference data, but for logged-in users
    assert Client().post("/api/v1/field/skills-profiles/", "{}", content_type="application/json").status_code in (
        401,
        403,
    )


def test_a_profile_from_the_phone_is_recorded_once(family, field_officer):
    head = family["head"]
    body = form(head)
    first = send(field_officer, body)
    assert first.status_code == 201, first.content
    answer = first.json()
    assert answer["created"] is True and answer["profile"]["occupations"][0]["isco"] == "7115"
    profile = SkillsProfile.objects.get(person=head)
    assert (profile.education, profile.recorded_by, profile.languages) == ("primary", field_officer, ["prs", "ps"])
    again = send(field_officer, body)
    assert again.status_code == 200 and again.json()["created"] is False
    assert SkillsProfile.objects.count() == 1 and Occupation.objects.count() == 1
    assert ImportedSubmission.objects.filter(uuid=body["client_uuid"], person=head).count() == 1


def test_the_service_records_a_form_once_and_the_same_way_as_the_page(family, field_officer):
    head = family["head"]
    key = uuid.uuid4()
    fields = {"education": "tvet", "occupations": [{"isco": "7531", "years": 3, "learnt_in": "pakistan"}]}
    profile, created = services.skills_profile_submit(
        person=head, by=field_officer, client_uuid=key, seen_updated_at=None, **fields
    )
    assert created and profile.education == "tvet"
    again, created = services.skills_profile_submit(
        person=head, by=field_officer, client_uuid=key, seen_updated_at=None, **fields
    )
    assert not created and again.pk == profile.pk and Occupation.objects.count() == 1


def test_a_profile_changed_on_the_server_meanwhile_is_a_conflict_until_the_officer_sends_theirs_on_top(
    family, field_officer, users
):
    head = family["head"]
    opened = send(field_officer, form(head, education="primary")).json()["profile"]["updated_at"]
    # At the office, while the phone is offline: a land officer corrects the profile.
    services.skills_profile_save(person=head, by=users["officer_nangarhar"], education="university", occupations=[])
    office = SkillsProfile.objects.get(person=head)
    offline = form(head, education="upper_secondary", seen_updated_at=opened)
    conflict = send(field_officer, offline)
    assert conflict.status_code == 409
    answer = conflict.json()
    assert answer["codes"] == ["profile_changed_meanwhile"] and "officer.n" in answer["detail"]
    assert answer["profile"]["education"] == "university"
    assert SkillsProfile.objects.get(person=head).education == "university"  # nothing written
    assert not ImportedSubmission.objects.filter(uuid=offline["client_uuid"]).exists()

    # The officer chooses to send theirs on top of the change they have now seen.
    on_top = send(field_officer, {**offline, "seen_updated_at": answer["profile"]["updated_at"]})
    assert on_top.status_code == 201
    assert SkillsProfile.objects.get(person=head).education == "upper_secondary"
    # The office's version is kept in the profile's history.
    kept = (
        apps.get_model("livelihoods", "SkillsProfileEvent")
        .objects.filter(pgh_obj_id=office.pk)
        .values_list("education", flat=True)
    )
    assert "university" in list(kept)


def test_a_new_profile_made_at_the_office_meanwhile_is_a_conflict_too(family, field_officer, users):
    head = family["head"]
    services.skills_profile_save(person=head, by=users["officer_nangarhar"], education="university")
    response = send(field_officer, form(head, seen_updated_at=None))
    assert response.status_code == 409 and "after this form was opened" in response.json()["detail"]


def test_a_person_under_15_is_refused_with_a_sentence(family, field_officer):
    response = send(field_officer, form(family["child"]))
    assert response.status_code == 400
    assert "15" in response.json()["detail"] and not SkillsProfile.objects.exists()


def test_an_isco_code_not_in_the_list_is_refused_with_a_sentence(family, field_officer):
    response = send(
        field_officer, form(family["head"], occupations=[{"isco": "9999", "years": 2, "learnt_in": "iran"}])
    )
    assert response.status_code == 400 and "9999" in response.json()["detail"]
    assert "search the occupation list" in response.json()["detail"]
    assert not SkillsProfile.objects.exists() and not ImportedSubmission.objects.exists()


def test_a_household_outside_the_officers_provinces_is_not_found(family, users, provinces):
    from landreg import roles
    from landreg.services import user_create

    herat = user_create(username="field.h", password="x", roles=[roles.FIELD_OFFICER], provinces=[provinces["herat"]])
    response = send(herat, form(family["head"]))
    assert response.status_code == 404 and not SkillsProfile.objects.exists()
    nobody = send(herat, form(family["head"], person=10**9))
    assert nobody.status_code == 404 and nobody.json() == response.json()  # the same answer: nothing revealed


@pytest.mark.parametrize("role", ["partner", "committee", "gis"])
def test_roles_that_do_not_record_profiles_are_refused(family, users, role):
    assert send(users[role], form(family["head"])).status_code == 403
    assert not SkillsProfile.objects.exists()


def test_a_uuid_of_another_officers_form_is_refused(family, field_officer, users):
    body = form(family["head"])
    assert send(field_officer, body).status_code == 201
    response = send(users["officer_nangarhar"], {**body, "seen_updated_at": None})
    assert response.status_code == 400 and "client_uuid" in response.json()["errors"]


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"occupations": "7115"}, "occupations"),
        ({"occupations": [["7115", 6]]}, "occupations"),
        ({"occupations": [{"isco": "7115", "years": 6, "learnt_in": "iran"}] * 11}, "occupations"),
        ({"occupations": [{"isco": "7115", "years": "many", "learnt_in": "iran"}]}, "occupations"),
        ({"occupations": [{"isco": "7115", "years": 6, "learnt_in": "mars"}]}, "learnt_in"),
        ({"certificates": "one, two"}, "certificates"),
        ({"certificates": [{"a": 1}]}, "certificates"),
        ({"languages": ["english language"]}, "languages"),
        ({"education": {"$gt": ""}}, "education"),
        ({"literacy_dari": "very"}, "literacy_dari"),
        ({"workplace_accepted": "men_only"}, "workplace_accepted"),
        ({"care_duties": "perhaps"}, "care_duties"),
        ({"max_travel_km": -3}, "max_travel_km"),
        ({"max_travel_km": "NaN"}, "max_travel_km"),
        ({"max_travel_km": [1]}, "max_travel_km"),
        ({"seen_updated_at": "yesterday"}, "seen_updated_at"),
        ({"seen_updated_at": "2026-13-45T10:00:00+04:30"}, "seen_updated_at"),
        ({"seen_updated_at": "2026-11-30T10:00:00"}, "seen_updated_at"),
        ({"client_uuid": "not-a-uuid"}, "client_uuid"),
        ({"person": "1 OR 1=1"}, "person"),
        ({"certificates": ["NUL\x00here"]}, "body"),
    ],
)
def test_hostile_or_malformed_fields_are_sentences_and_write_nothing(family, field_officer, changes, field):
    response = send(field_officer, form(family["head"], **changes))
    assert response.status_code == 400, response.content
    answer = response.json()
    # A NUL character is refused by the parser itself, before any field is read: a sentence, without `errors`.
    assert answer["detail"] and (field in answer.get("errors", {}) or (field == "body" and "NUL" in answer["detail"]))
    assert not SkillsProfile.objects.exists() and not ImportedSubmission.objects.exists()


def test_a_body_that_is_not_an_object_is_refused(field_officer):
    response = client_of(field_officer).post(URL, json.dumps([1, 2]), content_type="application/json")
    assert response.status_code == 400 and response.json()["detail"]


def test_the_answer_is_in_the_phones_language(family, field_officer):
    response = send(field_officer, form(family["child"]), HTTP_ACCEPT_LANGUAGE="fa")
    assert response.status_code == 400
    assert any("\u0600" <= c <= "\u06ff" for c in response.json()["detail"])


def test_date_of_birth_in_the_offer_is_the_persons(assigned, field_officer):
    member = client_of(field_officer).get("/api/v1/field/assignments/").json()["skills"][0]["members"][0]
    assert datetime.date.fromisoformat(member["date_of_birth"]) == assigned["head"].date_of_birth


@pytest.mark.django_db(transaction=True)
def test_the_same_form_sent_twice_at_once_is_recorded_once(family, field_officer):
    """Two sends of one form racing (a phone retrying while its first send is still on the way): the UUID is
    claimed first, so the second waits for the first and answers with what it made."""
    import threading

    from django.db import connection

    body = form(family["head"])
    start = threading.Barrier(2)
    answers = []

    def send_once():
        try:
            start.wait()
            answers.append(send(field_officer, body).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send_once) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(answers) == [200, 201]
    assert SkillsProfile.objects.count() == 1 and Occupation.objects.count() == 1
    assert ImportedSubmission.objects.count() == 1
