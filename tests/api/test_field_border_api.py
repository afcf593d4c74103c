"""The field API of border registration, as a phone (or a script) sends it: a family recorded once however often
it is sent, an ID number registered to another household answered "review" (never merged), the same person sent
from two phones flagged at the second sync, the land officer's decision, scope, and a sentence for every bad field."""

# ruff: noqa: F811 (the fixtures imported from the movements and livelihoods tests are arguments here)

import datetime
import uuid

import pytest
from django.utils import timezone

from households.models import Household
from landreg import roles
from landreg.models import PersonalDataAccess
from landreg.services import user_create
from movements.models import Arrival, ArrivalMember, ArrivalReview
from tests.movements.conftest import districts, points  # noqa: F401 (fixtures)

URL = "/api/v1/field/arrivals/"


def family(points, provinces, *, tazkira="1400-0101-23456", **fields):
    body = {
        "client_uuid": str(uuid.uuid4()),
        "crossing_point": points["torkham"].pk,
        "crossed_at": (timezone.now() - datetime.timedelta(minutes=20)).isoformat(),
        "category": "deported",
        "country_of_asylum": "PK",
        "years_abroad": 12,
        "documents_held": ["tazkira"],
        "vulnerabilities": ["medical_case"],
        "assistance": ["cash", "transport"],
        "destination_province": provinces["nangarhar"].pk,
        "members": [
            {
                "name": "Sher Agha Safi",
                "father_name": "Abdul Wahid",
                "sex": "m",
                "age_band": "18_59",
                "date_of_birth": "1985-03-21",
                "tazkira": tazkira,
            },
            {"name": "Bibi Gul", "relationship": "spouse", "sex": "f", "age_band": "18_59"},
            {"name": "Zarmina", "relationship": "child", "sex": "f", "age_band": "5_17"},
        ],
    }
    body.update(fields)
    return body


def send(client, user, body):
    client.force_login(user)
    return client.post(URL, body, content_type="application/json")


def test_a_family_sent_twice_is_one_arrival_and_one_household(client, field_officer, points, provinces):
    body = family(points, provinces)
    first = send(client, field_officer, body)
    again = send(client, field_officer, body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["status"] == "linked" and first.json()["household"]
    assert again.json()["created"] is False and again.json()["id"] == first.json()["id"]
    assert Arrival.objects.count() == 1 and Household.objects.count() == 1
    arrival = Arrival.objects.get()
    assert (arrival.travelling, arrival.members.count(), arrival.assistance) == ("family", 3, ["cash", "transport"])
    assert ArrivalMember.objects.get(relationship="head").tazkira_last4 == "3456"
    assert "23456" not in first.content.decode()


def test_an_id_registered_to_another_household_is_answered_review_not_merged(client, field_officer, points, provinces):
    registered = send(client, field_officer, family(points, provinces)).json()["household"]
    # The same tazkira on a second phone (another form): flagged at its sync, never merged into the first.
    other = family(
        points,
        provinces,
        members=[
            {"name": "Sher Aga Safi", "sex": "m", "age_band": "18_59", "tazkira": "1400 0101 23456"},
        ],
    )
    response = send(client, field_officer, other)
    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["household"]) == ("review", None)
    [review] = body["reviews"]
    assert (review["candidate"], review["candidate_head"], review["matching"]) == (
        registered,
        "Sher Agha Safi",
        ["3456"],
    )
    assert body["may_decide"] is False  # a field officer: a land officer decides
    assert Household.objects.count() == 1 and ArrivalReview.objects.count() == 1
    assert PersonalDataAccess.objects.filter(what="households.Household", action="view").exists()
    # Sent again: the same answer, nothing doubles.
    again = send(client, field_officer, other)
    assert again.status_code == 200 and again.json()["status"] == "review"
    assert Arrival.objects.count() == 2 and ArrivalReview.objects.count() == 1


def test_a_land_officer_decides_on_the_phone_and_the_phone_reads_it(client, users, field_officer, points, provinces):
    officer = users["officer_nangarhar"]
    send(client, field_officer, family(points, provinces))
    flagged = family(
        points,
        provinces,
        members=[{"name": "S. A. Safi", "sex": "m", "age_band": "18_59", "tazkira": "1400-0101-23456"}],
    )
    review = send(client, field_officer, flagged).json()["reviews"][0]["id"]
    refused = client.post(
        f"/api/v1/field/arrival-reviews/{review}/decide/", {"decision": "attached"}, content_type="application/json"
    )
    assert refused.status_code == 403 and "land officer" in refused.json()["detail"]
    client.force_login(officer)
    empty = client.post(f"/api/v1/field/arrival-reviews/{review}/decide/", {}, content_type="application/json")
    assert empty.status_code == 400 and "Choose whether" in empty.json()["detail"]
    decided = client.post(
        f"/api/v1/field/arrival-reviews/{review}/decide/", {"decision": "attached"}, content_type="application/json"
    )
    assert decided.status_code == 200 and decided.json()["status"] == "linked"
    client.force_login(field_officer)
    now = client.get(f"{URL}{flagged['client_uuid']}/").json()
    assert (now["status"], now["reviews"][0]["decision"]) == ("linked", "attached")
    assert Household.objects.count() == 1


def test_a_crossing_point_outside_the_officers_provinces_is_refused(client, field_officer, points, provinces):
    response = send(client, field_officer, family(points, provinces, crossing_point=points["islam_qala"].pk))
    assert response.status_code == 403 and "outside your provinces" in response.json()["detail"]
    assert Arrival.objects.count() == 0


def test_a_partner_and_a_committee_member_may_not_register(client, users, points, provinces):
    committee = user_create(
        username="c.n", password="x", roles=[roles.COMMITTEE_MEMBER], provinces=[provinces["nangarhar"]]
    )
    response = send(client, committee, family(points, provinces))
    assert response.status_code == 403 and Arrival.objects.count() == 0


def test_another_officers_form_id_is_refused(client, users, field_officer, points, provinces):
    body = family(points, provinces)
    assert send(client, users["officer_nangarhar"], body).status_code == 201
    response = send(client, field_officer, body)
    assert response.status_code == 400 and "another officer" in response.json()["detail"]


@pytest.mark.parametrize(
    ("change", "sentence"),
    [
        ({"members": []}, "Record the members"),
        ({"members": "Sher Agha"}, "Record the members"),
        ({"members": [{"name": "A", "sex": "x", "age_band": "18_59"}]}, "choose female or male"),
        ({"members": [{"name": "A", "sex": "m", "age_band": "18_59", "password": "x"}]}, "is not a member's field"),
        (
            {"members": [{"name": "A", "sex": "m", "age_band": "18_59", "date_of_birth": "2999-01-01"}]},
            "not a past date",
        ),
        ({"members": [{"name": "A", "sex": "m", "age_band": "18_59", "date_of_birth": "21/03/1985"}]}, "YYYY-MM-DD"),
        ({"members": [{"name": ["A"], "sex": "m", "age_band": "18_59"}]}, "must be text"),
        ({"members": [{"name": "A" * 151, "sex": "m", "age_band": "18_59"}]}, "longer than"),
        ({"members": [{"name": "", "sex": "m", "age_band": "18_59"}]}, "has no name"),
        ({"members": [{"name": "A\x00", "sex": "m", "age_band": "18_59"}]}, "NUL"),
        ({"members": [{"name": "A", "sex": "m", "age_band": "18_59"}] * 41}, "at most 40"),
        ({"crossing_point": 999999}, "Choose one of your crossing points."),
        ({"crossing_point": "torkham"}, "whole number"),
        ({"destination_province": 999999}, "Choose a province of Afghanistan."),
        ({"category": "tourist"}, "Choose the category of return."),
        ({"category": "avr"}, "repatriation form"),
        ({"country_of_asylum": "Pakistan"}, "two-letter code"),
        ({"years_abroad": "many"}, "Years abroad"),
        ({"years_abroad": 300}, "Years abroad"),
        ({"vulnerabilities": "medical"}, "list of codes"),
        ({"assistance": ["money"]}, "is not one of"),
        ({"crossed_at": "yesterday"}, "ISO 8601"),
        ({"crossed_at": (timezone.now() + datetime.timedelta(days=1)).isoformat()}, "in the future"),
        ({"client_uuid": "not-a-uuid"}, "client_uuid must be the UUID"),
    ],
)
def test_bad_input_gets_a_sentence_and_nothing_is_written(client, field_officer, points, provinces, change, sentence):
    response = send(client, field_officer, family(points, provinces, **change))
    assert response.status_code == 400, response.content
    assert sentence in response.json()["detail"]
    assert Arrival.objects.count() == 0 and Household.objects.count() == 0


def test_a_district_outside_the_destination_province_is_refused(client, field_officer, points, provinces, districts):
    response = send(client, field_officer, family(points, provinces, destination_district=districts["injil"].pk))
    assert response.status_code == 400 and "is not in Nangarhar" in response.json()["detail"]
    ok = send(client, field_officer, family(points, provinces, destination_district=districts["behsud"].pk))
    assert ok.status_code == 201 and Arrival.objects.get().destination_district == districts["behsud"]


def test_a_time_without_its_offset_is_the_local_time(client, field_officer, points, provinces):
    response = send(client, field_officer, family(points, provinces, crossed_at="2026-01-10T09:30:00"))
    assert response.status_code == 201
    assert timezone.localtime(Arrival.objects.get().crossed_at).strftime("%Y-%m-%d %H:%M") == "2026-01-10 09:30"


def test_a_list_body_is_refused_with_a_sentence(client, field_officer):
    client.force_login(field_officer)
    response = client.post(URL, [1, 2], content_type="application/json")
    assert response.status_code == 400 and "JSON object" in response.json()["detail"]


def test_an_arrival_of_another_province_is_not_found_by_uuid(client, field_officer, points, provinces, users):
    herat = user_create(username="field.h", password="x", roles=[roles.FIELD_OFFICER], provinces=[provinces["herat"]])
    body = family(points, provinces)
    send(client, field_officer, body)
    client.force_login(herat)
    assert client.get(f"{URL}{body['client_uuid']}/").status_code == 404


def test_the_same_head_without_an_id_on_a_second_phone_is_registered_and_flagged_for_the_office(
    client, field_officer, points, provinces
):
    head = {
        "name": "Sher Agha Safi",
        "father_name": "Abdul Wahid",
        "sex": "m",
        "age_band": "18_59",
        "date_of_birth": "1985-03-21",
    }
    first = send(client, field_officer, family(points, provinces, members=[head]))
    second = send(client, field_officer, family(points, provinces, members=[head]))
    assert (first.json()["possible_duplicates"], second.json()["status"]) == (0, "linked")
    assert second.json()["possible_duplicates"] == 1  # the office compares the two households; nothing merged
    assert Household.objects.count() == 2


HOSTILE = [None, 0, -1, 1.5, True, "", "x" * 1000, [], {}, [[]], {"a": 1}, 10**20, "2026-13-45", "١٢"]


def test_hostile_values_in_any_field_get_an_answer_never_a_500(client, field_officer, points, provinces):
    body = family(points, provinces)
    member = body["members"][0]
    for name in [*body, *(f"members.0.{k}" for k in member)]:
        for value in HOSTILE:
            sent = family(points, provinces)
            if name.startswith("members.0."):
                sent["members"][0][name.split(".")[-1]] = value
            else:
                sent[name] = value
            response = send(client, field_officer, sent)
            assert response.status_code in (200, 201, 400, 403, 404), (name, value, response.content[:300])
            if response.status_code >= 400:
                assert response.json()["detail"], (name, value)
