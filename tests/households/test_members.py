"""Members can be added and corrected after registration, with their history kept; through the services, the
household page and the API, within the officer's provinces."""

import datetime
import html

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from households.models import DuplicateFlag, Person
from households.services import person_add, person_update
from landreg.history import history_of


def test_a_member_is_added_and_corrected_and_the_history_says_so(make_household, users):
    officer = users["officer_nangarhar"]
    household = make_household()
    child = person_add(household=household, by=officer, relationship="child", name="Zarmina", sex="f")
    person_update(person=child, by=officer, name="Zarmeena", date_of_birth=datetime.date(2015, 3, 21))
    child.refresh_from_db()
    assert (child.name, child.date_of_birth) == ("Zarmeena", datetime.date(2015, 3, 21))
    history = history_of(child)
    assert [h["action"] for h in history] == ["insert", "update"]
    assert {"name", "date_of_birth"} <= set(history[1]["changed"])


def test_a_tazkira_number_given_replaces_and_an_empty_one_keeps(make_household, users):
    officer = users["officer_nangarhar"]
    head = make_household(
        head={"name": "Gul", "father_name": "Noor", "sex": "m", "tazkira": "1400-1-1111"}
    ).members.get()
    person_update(person=head, by=officer, tazkira="")
    head.refresh_from_db()
    assert head.tazkira_last4 == "1111"
    person_update(person=head, by=officer, tazkira="1400-1-2222")
    head.refresh_from_db()
    assert head.tazkira_last4 == "2222"


def test_a_number_added_to_a_member_flags_the_duplicate(make_household, users):
    make_household(head={"name": "Wali", "father_name": "Khan", "sex": "m", "tazkira": "1400-0101-55555"})
    second = make_household(head={"name": "Noor", "father_name": "Gul", "sex": "m"})
    assert not DuplicateFlag.objects.exists()
    person_update(person=second.members.get(), by=users["officer_nangarhar"], tazkira="1400 0101 55555")
    assert DuplicateFlag.objects.get(household=second).reason == "same_tazkira"


def test_another_provinces_officer_and_a_committee_member_cannot_edit(make_household, users):
    household = make_household()
    head = household.members.get()
    with pytest.raises(PermissionDenied):
        person_update(person=head, by=users["officer_herat"], name="X")
    with pytest.raises(PermissionDenied):
        person_add(household=household, by=users["committee"], relationship="child", name="Y", sex="m")
    head.refresh_from_db()
    assert head.name != "X" and household.members.count() == 1


def test_a_second_head_is_refused_with_a_sentence(make_household, users):
    household = make_household()
    with pytest.raises(ValidationError):
        person_add(household=household, by=users["officer_nangarhar"], relationship="head", name="Two", sex="m")
    assert household.members.count() == 1


def test_a_phone_that_is_not_one_is_refused(make_household, users):
    with pytest.raises(ValidationError, match="phone number in digits"):
        person_add(
            household=make_household(),
            by=users["officer_nangarhar"],
            relationship="child",
            name="Y",
            sex="m",
            phone="call me",
        )


def test_the_history_is_kept_by_the_database_for_an_edit_outside_django(make_household):
    from django.db import connection

    head = make_household().members.get()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE households_person SET name = 'Shir Agha' WHERE id = %s", [head.pk])
        cursor.execute("SELECT name_key FROM households_person WHERE id = %s", [head.pk])
        key = cursor.fetchone()[0]
    assert [h["action"] for h in history_of(head)][-1] == "update"
    cursor_key = Person.objects.get(pk=head.pk).name_key
    assert key == cursor_key != "" and key == "şaraka"


# --- the page ----------------------------------------------------------------------------------------------------


def test_the_page_adds_and_edits_a_member_and_shows_the_history(client, make_household, users):
    household = make_household()
    client.force_login(users["officer_nangarhar"])
    added = client.post(
        f"/households/{household.pk}/",
        {"action": "add_member", "new-relationship": "child", "new-name": "Zarmina", "new-sex": "f"},
    )
    assert added.status_code == 302
    child = household.members.get(name="Zarmina")
    edited = client.post(
        f"/households/{household.pk}/",
        {
            "action": "member",
            "person": child.pk,
            f"p{child.pk}-relationship": "child",
            f"p{child.pk}-name": "Zarmeena",
            f"p{child.pk}-sex": "f",
            f"p{child.pk}-date_of_birth": "1394-01-01",
        },
    )
    assert edited.status_code == 302
    child.refresh_from_db()
    assert child.name == "Zarmeena" and child.date_of_birth == datetime.date(2015, 3, 21)
    page = html.unescape(client.get(f"/households/{household.pk}/").content.decode())
    assert "changed: Date of birth, Name" in page and "officer.n" in page


def test_the_page_refuses_a_member_of_another_household(client, make_household, users):
    household, other = make_household(), make_household()
    client.force_login(users["officer_nangarhar"])
    stranger = other.members.get()
    response = client.post(
        f"/households/{household.pk}/",
        {"action": "member", "person": stranger.pk, f"p{stranger.pk}-name": "X", f"p{stranger.pk}-sex": "m"},
    )
    assert response.status_code == 400 and "not one of this household's" in html.unescape(response.content.decode())
    stranger.refresh_from_db()
    assert stranger.name != "X"


def test_a_committee_member_sees_the_refusal_on_the_page(client, make_household, users):
    household = make_household()
    client.force_login(users["committee"])
    response = client.post(
        f"/households/{household.pk}/",
        {"action": "add_member", "new-relationship": "child", "new-name": "Y", "new-sex": "m"},
    )
    assert response.status_code == 403 and household.members.count() == 1


# --- the API -----------------------------------------------------------------------------------------------------


def test_the_api_adds_and_corrects_a_member_and_gives_the_history(client, make_household, users):
    household = make_household()
    client.force_login(users["officer_nangarhar"])
    url = f"/api/v1/households/{household.pk}/members/"
    created = client.post(
        url,
        {"relationship": "child", "name": "Zarmina", "sex": "f", "tazkira": "1400-9-8765"},
        content_type="application/json",
    )
    assert created.status_code == 201 and created.json()["tazkira_last4"] == "8765"
    assert "1400-9-8765" not in created.content.decode()
    person = created.json()["id"]
    patched = client.patch(f"{url}{person}/", {"name": "Zarmeena"}, content_type="application/json")
    assert patched.status_code == 200 and patched.json()["name"] == "Zarmeena"
    history = client.get(f"{url}{person}/history/").json()
    assert [h["action"] for h in history] == ["insert", "update"] and "name" in history[1]["changed"]
    assert client.patch(f"{url}999999/", {"name": "X"}, content_type="application/json").status_code == 404
    missing = client.post(url, {"name": "No relation", "sex": "f"}, content_type="application/json")
    assert missing.status_code == 400


def test_the_api_refuses_another_provinces_officer(client, make_household, users):
    household = make_household()
    client.force_login(users["officer_herat"])
    response = client.post(
        f"/api/v1/households/{household.pk}/members/",
        {"relationship": "child", "name": "X", "sex": "f"},
        content_type="application/json",
    )
    assert response.status_code == 404 and household.members.count() == 1
