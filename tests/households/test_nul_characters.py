"""A NUL character in any text of a household is refused with a sentence, through every door, never a 500."""

import io

import pytest
from django.core.exceptions import ValidationError

from households.bulk import households_import
from households.models import Household, Person
from households.services import household_register, household_update

HEADER = "province,category,size,head_name,father_name,sex,tazkira\n"


def test_the_service_refuses_a_nul_in_any_text_and_writes_nothing(provinces, users):
    for head in (
        {"name": "Wa\x00li", "sex": "m"},
        {"name": "Wali", "father_name": "Kh\x00an", "sex": "m"},
        {"name": "Wali", "sex": "m", "tazkira": "1400\x00"},
    ):
        with pytest.raises(ValidationError, match="holds a NUL character; remove it"):
            household_register(
                province=provinces["nangarhar"],
                size=3,
                category="idp",
                head=head,
                registered_by=users["officer_nangarhar"],
            )
    with pytest.raises(ValidationError, match="NUL character"):
        household_register(
            province=provinces["nangarhar"],
            size=3,
            category="idp",
            head={"name": "Wali", "sex": "m"},
            members=[{"relationship": "child", "name": "Zar\x00", "sex": "f"}],
        )
    assert not Household.objects.exists() and not Person.objects.exists()


def test_an_update_with_a_nul_is_refused(make_household, users):
    household = make_household()
    with pytest.raises(ValidationError, match="NUL character"):
        household_update(household=household, by=users["officer_nangarhar"], country_returned_from="I\x00")


@pytest.mark.parametrize("dry_run", [True, False])
def test_the_list_import_reports_the_row_and_registers_nothing(users, dry_run):
    content = HEADER + "AF06,idp,3,Gul,Noor,m,\nAF06,idp,3,Wa\x00li,Khan,m,\n"
    report = households_import(
        name="list.csv", content=content.encode(), by=users["officer_nangarhar"], dry_run=dry_run
    )
    assert [r.outcome for r in report.rows] == ["create", "invalid"] and not report.committed
    assert report.rows[1].messages == ["Column head_name holds a NUL character, which no text may contain; remove it."]
    assert not Household.objects.exists()


def test_the_api_import_answers_with_the_row_not_a_500(client, users):
    client.force_login(users["officer_nangarhar"])
    upload = io.BytesIO((HEADER + "AF06,idp,3,Wali,Kh\x00an,m,\n").encode())
    upload.name = "list.csv"
    response = client.post("/api/v1/households/import/", {"file": upload, "dry_run": "false"})
    assert response.status_code == 200 and response.json()["committed"] is False
    assert "father_name holds a NUL character" in response.json()["rows"][0]["messages"][0]
    assert not Household.objects.exists()


def test_the_api_registration_refuses_a_nul_with_a_400(client, users):
    client.force_login(users["officer_nangarhar"])
    body = {"province": "AF06", "size": 3, "category": "idp", "head": {"name": "Wa\x00li", "sex": "m"}}
    response = client.post("/api/v1/households/", body, content_type="application/json")
    assert response.status_code == 400 and "NUL character" in response.content.decode()  # the parsers say where
    assert not Household.objects.exists()


def test_the_registration_page_refuses_a_nul_on_the_form(client, users, provinces):
    client.force_login(users["officer_nangarhar"])
    response = client.post(
        "/households/new/",
        {
            "province": provinces["nangarhar"].pk,
            "size": 3,
            "category": "idp",
            "head-name": "Wa\x00li",
            "head-sex": "m",
            "m-TOTAL_FORMS": "0",
            "m-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200 and "Null characters are not allowed" in response.content.decode()
    assert not Household.objects.exists()


def test_the_list_page_search_with_a_nul_is_a_400_with_a_sentence(client, users, make_household):
    make_household()
    client.force_login(users["officer_nangarhar"])
    response = client.get("/households/", {"q": "HH\x00"})
    assert response.status_code == 400
    assert "The search holds a NUL character" in response.content.decode()
