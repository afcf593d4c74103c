"""Household registration over HTTP: ID numbers go in but never come out; duplicates and evidence."""

import hashlib
import io

import pytest

from households.eligibility import default_scheme
from households.models import Document, Household, Person
from landreg.models import PersonalDataAccess

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 10 10]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


@pytest.fixture
def officer_client(client, users):
    client.force_login(users["officer_nangarhar"])
    return client


def register(client, **overrides):
    body = {
        "province": "AF06",
        "size": 7,
        "category": "documented_returnee",
        "country_returned_from": "PK",
        "crossing_point": "torkham",
        "landless_declared": True,
        "head": {
            "name": "Gul Agha",
            "father_name": "Noor Mohammad",
            "sex": "m",
            "date_of_birth": "1979-05-02",
            "tazkira": "1400-0101-23456",
            "por": "PoR1234567",
        },
        "members": [{"relationship": "spouse", "name": "Bibi Gul", "sex": "f"}],
    }
    body.update(overrides)
    return client.post("/api/v1/households/", body, content_type="application/json")


def test_registering_a_household_never_echoes_its_id_numbers(officer_client, users):
    response = register(officer_client)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["code"].startswith("AF06-")
    assert {m["relationship"]: m["tazkira_last4"] for m in body["members"]} == {"head": "3456", "spouse": ""}
    assert "1400" not in response.content.decode() and "PoR123" not in response.content.decode()
    household = Household.objects.get(code=body["code"])
    assert household.registered_by == users["officer_nangarhar"] and household.members.count() == 2
    assert "23456" not in str(list(Person.objects.values()))


def test_a_second_registration_with_the_same_tazkira_shows_the_possible_duplicate(officer_client):
    first = register(officer_client).json()
    second = register(
        officer_client, head={"name": "Other", "father_name": "X", "sex": "m", "tazkira": "1400 0101 23456"}
    ).json()
    assert [(d["candidate_code"], d["reason"]) for d in second["possible_duplicates"]] == [
        (first["code"], "same_tazkira")
    ]
    flag_id = second["possible_duplicates"][0]["id"]
    decided = officer_client.post(
        f"/api/v1/households/{second['id']}/duplicates/{flag_id}/decide/",
        {"decision": "same_household", "decision_note": "Registered twice at Torkham"},
        content_type="application/json",
    )
    assert decided.status_code == 200 and decided.json()["decision"] == "same_household"


def test_bad_registration_input_is_a_400_saying_what_to_fix(officer_client):
    response = register(officer_client, size=0, province="AF99")
    assert response.status_code == 400
    assert "province" in response.json()
    response = register(officer_client, head={"name": "", "sex": "x"})
    assert response.status_code == 400 and "head" in response.json()


def test_an_officer_cannot_register_in_another_province(officer_client):
    response = register(officer_client, province="AF32")
    assert response.status_code == 403 and "outside your provinces" in response.json()["detail"]


def test_evidence_upload_records_its_hash_and_refuses_what_is_not_a_scan(officer_client, settings):
    household = register(officer_client).json()
    url = f"/api/v1/households/{household['id']}/documents/"
    ok = officer_client.post(url, {"kind": "por_card", "number": "PoR1234567", "file": io.BytesIO(PDF)})
    assert ok.status_code == 201, ok.content
    assert ok.json()["sha256"] == hashlib.sha256(PDF).hexdigest() and ok.json()["number_last4"] == "4567"
    exe = officer_client.post(url, {"kind": "other", "file": io.BytesIO(b"MZ\x90\x00 not a scan")})
    assert exe.status_code == 400 and "PDF, JPEG or PNG" in str(exe.json())
    settings.LANDREG_MAX_DOCUMENT_BYTES = 10
    big = officer_client.post(url, {"kind": "other", "file": io.BytesIO(PDF)})
    assert big.status_code == 400 and "the limit is" in str(big.json())
    assert Document.objects.count() == 1


def test_eligibility_is_assessed_over_http_with_explanations(officer_client):
    default_scheme()
    household = register(officer_client).json()
    response = officer_client.post(
        f"/api/v1/households/{household['id']}/assess/", {"scheme": "decree-305-2018"}, content_type="application/json"
    )
    assert response.status_code == 201
    body = response.json()
    assert body["eligible"] is False
    assert {r["criterion"]: r["passed"] for r in body["results"]} == {
        "category_with_evidence": False,
        "tazkira_present": True,
        "landless_declared": True,
        "not_prior_beneficiary": True,
    }


def test_a_partner_cannot_list_or_register_households(client, users):
    client.force_login(users["partner"])
    assert client.get("/api/v1/households/").status_code == 403
    assert register(client).status_code == 403
    assert not PersonalDataAccess.objects.exists()
