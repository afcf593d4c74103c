"""Partners' hotlines refer complaints over REST (/api/v1/grievance-referrals/): under a data-sharing agreement
that names grievance referrals and covers the province, the reference back (201), and later the status and dates
of their own cases only. Refusals (anonymous, officers, no agreement, another province, another partner's case,
hostile or malformed input) are sentences, and write nothing."""

import pytest
from django.test import Client

from grievances.models import Grievance
from grievances.sealing import unseal
from grievances.services import grievance_transition
from landreg import roles
from landreg.services import user_create
from tests.api.test_schemathesis import api_schema, fuzz, in_process, quiet_request_log  # noqa: F401
from tests.landreg.test_data_sharing import END, agreement_create

URL = "/api/v1/grievance-referrals/"
CALL = {
    "category": "shelter_payment",
    "description": "The second tranche of the Ahmadzai family was not paid; they called our hotline twice.",
    "province": "AF06",
    "language": "ps",
    "consent_to_share": True,
}
STATUS_AND_DATES = {
    "reference",
    "status",
    "received_at",
    "acknowledged_at",
    "referred_at",
    "resolved_at",
    "closed_at",
    "loop_closed_at",
}


@pytest.fixture
def referring(users, provinces):
    """The partner's agreement: Nangarhar, grievance referrals among its datasets."""
    return agreement_create(
        users=[users["partner"]],
        provinces=[provinces["nangarhar"]],
        datasets=["township_summary", "grievance_referrals"],
    )


@pytest.fixture
def other_partner(users, provinces):
    other = user_create(username="partner.other", password="x", roles=[roles.PARTNER], national=True)
    agreement_create(
        users=[other], provinces=[provinces["nangarhar"]], datasets=["grievance_referrals"], reference="DSA-OTHER-1"
    )
    return other


def refer(client, user, body=None, **kwargs):
    client.force_login(user)
    return client.post(URL, body if body is not None else CALL, content_type="application/json", **kwargs)


def test_a_partner_refers_a_case_and_gets_its_reference_back(client, users, provinces, referring):
    response = refer(client, users["partner"])
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == STATUS_AND_DATES
    assert body["status"] == "received" and body["acknowledged_at"] is None
    grievance = Grievance.objects.get(reference=body["reference"])
    assert grievance.channel == "partner_referral" and grievance.referred_by == users["partner"]
    assert grievance.received_by is None and grievance.province == provinces["nangarhar"]
    assert (grievance.category, grievance.language, grievance.consent_to_share) == ("shelter_payment", "ps", True)
    assert grievance.description == CALL["description"]
    assert "Ahmadzai" not in response.content.decode()  # the description is never given back


def test_a_referral_sent_twice_with_its_client_uuid_is_one_case(client, users, referring, other_partner):
    call = {**CALL, "client_uuid": "6f1c2d9e-8a57-4d0b-9a51-0b8f3c1e2a44"}
    first, again = refer(client, users["partner"], call), refer(client, users["partner"], call)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json() and Grievance.objects.count() == 1
    taken = refer(Client(), other_partner, call)  # another partner's system cannot reach the case by its id
    assert taken.status_code == 400 and "client_uuid" in taken.json()["errors"]
    assert Grievance.objects.count() == 1


def test_a_sensitive_referral_is_sealed_and_answers_the_same_fields(client, users, referring):
    response = refer(client, users["partner"], {**CALL, "category": "sea", "description": "Asked for sex for a plot"})
    assert response.status_code == 201 and set(response.json()) == STATUS_AND_DATES
    grievance = Grievance.objects.get(reference=response.json()["reference"])
    assert grievance.sensitive and grievance.description == ""
    assert unseal(bytes(grievance.description_sealed)) == "Asked for sex for a plot"


def test_the_partner_lists_only_its_own_cases_with_status_and_dates(client, users, referring, other_partner):
    mine = refer(client, users["partner"]).json()["reference"]
    theirs = refer(Client(), other_partner).json()["reference"]
    grievance_transition(
        grievance=Grievance.objects.get(reference=mine), action="acknowledge", by=users["officer_nangarhar"]
    )
    client.force_login(users["partner"])
    listed = client.get(URL).json()
    assert [row["reference"] for row in listed["results"]] == [mine]
    assert set(listed["results"][0]) == STATUS_AND_DATES
    assert listed["results"][0]["status"] == "acknowledged" and listed["results"][0]["acknowledged_at"]
    assert theirs not in str(listed)
    one = client.get(f"{URL}{mine.lower()}/")
    assert one.status_code == 200 and one.json()["reference"] == mine


def test_another_partners_case_is_the_same_404_as_no_case(client, users, referring, other_partner):
    theirs = refer(Client(), other_partner).json()["reference"]
    client.force_login(users["partner"])
    other, missing, malformed = (client.get(f"{URL}{ref}/") for ref in (theirs, "G-2222-2222", "not-a-reference"))
    assert other.status_code == missing.status_code == malformed.status_code == 404
    assert other.json() == missing.json() == malformed.json()


def test_a_province_outside_the_agreement_is_refused_and_nothing_is_written(client, users, referring):
    response = refer(client, users["partner"], {**CALL, "province": "AF32"})
    assert response.status_code == 403
    assert "does not cover Herat (AF32)" in response.json()["detail"]
    assert not Grievance.objects.exists()


def test_an_agreement_without_referrals_is_refused_with_what_to_ask_for(client, users, provinces):
    agreement_create(users=[users["partner"]], provinces=[provinces["nangarhar"]])  # the three data products only
    response = refer(client, users["partner"])
    assert response.status_code == 403 and "does not include Grievance referrals" in response.json()["detail"]
    assert not Grievance.objects.exists()


def test_without_a_current_agreement_the_partner_is_refused(client, users, provinces):
    assert "not covered by any data-sharing agreement" in refer(client, users["partner"]).json()["detail"]
    agreement_create(
        users=[users["partner"]],
        provinces=[provinces["nangarhar"]],
        datasets=["grievance_referrals"],
        valid_from=END.replace(year=END.year - 5),
        valid_until=END.replace(year=END.year - 3),
    )
    response = refer(client, users["partner"])
    assert response.status_code == 403 and "ended on" in response.json()["detail"]
    assert not Grievance.objects.exists()


def test_anonymous_callers_are_refused(client, referring):
    assert client.post(URL, CALL, content_type="application/json").status_code in (401, 403)
    assert client.get(URL).status_code in (401, 403)
    assert not Grievance.objects.exists()


@pytest.mark.parametrize("who", ["officer_nangarhar", "admin", "gis"])
def test_other_roles_use_their_own_doors(client, users, referring, who):
    response = refer(client, users[who])
    assert response.status_code == 403 and "partner organisations' hotlines" in response.json()["detail"]
    assert client.get(URL).status_code == 403
    assert not Grievance.objects.exists()


@pytest.mark.parametrize(
    "change, field",
    [
        ({"category": "bribery"}, "category"),
        ({"category": ["sea"]}, "category"),
        ({"description": ""}, "description"),
        ({"description": "   "}, "description"),
        ({"description": 42}, "description"),
        ({"description": "x" * 5001}, "description"),
        ({"province": ""}, "province"),
        ({"province": "AF99"}, None),
        ({"province": "AF06" * 10}, "province"),
        ({"province": {"pcode": "AF06"}}, "province"),
        ({"language": "de"}, "language"),
        ({"consent_to_share": "maybe"}, "consent_to_share"),
        ({"anonymous": [True]}, "anonymous"),
        ({"client_uuid": "not-a-uuid"}, "client_uuid"),
        ({"client_uuid": 12}, "client_uuid"),
    ],
)
def test_bad_input_is_a_400_with_a_sentence_and_writes_nothing(client, users, referring, change, field):
    response = refer(client, users["partner"], {**CALL, **change})
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["detail"].endswith(".") and len(body["detail"]) > 20
    if field:
        assert field in body["errors"]
    assert not Grievance.objects.exists()


@pytest.mark.parametrize("body", [[], "text", 42, None])
def test_a_body_that_is_not_an_object_is_a_400(client, users, referring, body):
    client.force_login(users["partner"])
    response = client.post(URL, body, content_type="application/json")
    assert response.status_code == 400 and response.json()["detail"]


def test_a_nul_character_is_a_400(client, users, referring):
    response = refer(client, users["partner"], {**CALL, "description": "before\x00after"})
    assert response.status_code == 400 and "NUL" in response.json()["detail"]


@pytest.mark.parametrize(
    "text",
    [
        '<script>alert("x")</script><img src=x onerror=alert(1)>',
        '=HYPERLINK("http://evil.example","click")',
        "\u202eتلفن نمبر ۰۷۰۰۱۲۳۴۵۶ \U0001f600",
    ],
)
def test_hostile_text_is_kept_as_text_and_never_echoed(client, users, referring, text):
    response = refer(client, users["partner"], {**CALL, "description": text})
    assert response.status_code == 201
    assert text not in response.content.decode() and "<script>" not in response.content.decode()
    assert Grievance.objects.get().description == text


def test_no_generated_request_answers_a_server_error(api_schema, users, referring, other_partner, quiet_request_log):  # noqa: F811
    referrals = api_schema.include(path_regex="^/api/v1/grievance-referrals/")
    landscape = {"paths": {}, "references": {"province": "AF06"}}
    for who in (users["partner"], users["officer_nangarhar"]):
        errors = fuzz(referrals, landscape, role=who.username, user=who, max_examples=25)
        assert errors.sent > 0
        assert not errors.found, errors.report()
