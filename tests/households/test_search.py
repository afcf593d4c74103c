"""Finding people: by code, name (any spelling, either script), father's name, phone and tazkira number; within the
officer's provinces; logged, without the digits of an ID or phone number."""

import html

import pytest

from households.selectors import households_search
from landreg.models import PersonalDataAccess


@pytest.fixture
def sher_agha(make_household):
    return make_household(
        head={
            "name": "Sher Agha",
            "father_name": "Gul Mohammad",
            "name_local": "شیر آغا",
            "sex": "m",
            "phone": "0700 123 456",
            "tazkira": "1400-0101-23456",
        }
    )


@pytest.fixture
def in_herat(make_household):
    return make_household(
        province="herat",
        head={"name": "Shir Agha", "father_name": "Gul Muhammad", "sex": "m", "phone": "0799 000 111"},
    )


def search(user, **criteria):
    return list(households_search(user, where="test", **criteria))


@pytest.mark.parametrize("text", ["Sher Agha", "shir aga", "Sher Aqa", "SHER", "شير اغا", "HH-0001"])
def test_a_household_is_found_by_its_code_or_a_name_however_spelt(users, sher_agha, in_herat, text):
    assert search(users["officer_nangarhar"], text=text) == [sher_agha]  # never the Herat namesake


def test_by_fathers_name_phone_and_tazkira(users, sher_agha, make_household):
    make_household(head={"name": "Wali", "father_name": "Noor", "sex": "m", "tazkira": "1400-0101-99999"})
    officer = users["officer_nangarhar"]
    assert search(officer, father_name="Gul Muhammad") == [sher_agha]
    assert search(officer, phone="+93 700 123 456") == [sher_agha]
    assert search(officer, phone="۰۷۰۰۱۲۳۴۵۶") == [sher_agha]  # typed in Dari digits
    assert search(officer, tazkira="۱۴۰۰ ۰۱۰۱ ۲۳۴۵۶") == [sher_agha]
    assert search(officer, tazkira="1400-0101-2345") == []  # an exact match only: the hash of another number
    assert search(officer, phone="123") == []
    assert search(officer, text="Sher", tazkira="1400-0101-99999") == []  # every criterion must hold


def test_a_member_other_than_the_head_is_found(users, make_household):
    household = make_household(
        head={"name": "Gul", "father_name": "Noor", "sex": "m"},
        members=[{"relationship": "spouse", "name": "Bibi Zainab", "sex": "f"}],
    )
    assert search(users["officer_nangarhar"], text="Zaynab") == [household]


def test_the_search_is_logged_without_digits(users, sher_agha):
    officer = users["officer_nangarhar"]
    search(officer, text="Sher", phone="0700123456", tazkira="1400-0101-23456")
    entry = PersonalDataAccess.objects.get(user=officer, what="households.Person")
    assert entry.action == "list" and "Sher" in entry.where
    assert "tazkira number" in entry.where and "phone number" in entry.where
    assert not any(digits in entry.where for digits in ("23456", "1400", "0700", "123456"))


def test_a_partner_cannot_search(users, sher_agha):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        search(users["partner"], text="Sher")


def test_the_page_finds_a_name_and_logs_the_list(client, users, sher_agha, in_herat):
    client.force_login(users["officer_nangarhar"])
    response = client.post("/households/", {"q": "Shir Aga"})
    page = html.unescape(response.content.decode())
    assert response.status_code == 200 and sher_agha.code in page and "Sher Agha" in page
    assert in_herat.code not in page and "No households in your provinces yet." not in page
    listed = PersonalDataAccess.objects.filter(what="households.Household", action="list").latest("at")
    assert listed.object_ids == [sher_agha.pk]
    nothing = client.post("/households/", {"q": "Nobody Atall"}).content.decode()
    assert "No household in your provinces matches this search." in nothing


def test_the_page_searches_by_tazkira_and_the_page_shows_no_digits(client, users, sher_agha):
    client.force_login(users["officer_nangarhar"])
    page = client.post("/households/", {"tazkira": "1400-0101-23456"}).content.decode()
    assert sher_agha.code in page and "1400-0101-23456" not in page  # not echoed, not in the page's address


def test_the_api_searches_the_same_way(client, users, sher_agha, in_herat):
    client.force_login(users["officer_nangarhar"])
    body = client.get("/api/v1/households/", {"q": "Shir Aqa"}).json()
    assert [h["code"] for h in body["results"]] == [sher_agha.code]
    body = client.get("/api/v1/households/", {"tazkira": "1400 0101 23456"}).json()
    assert [h["code"] for h in body["results"]] == [sher_agha.code]
