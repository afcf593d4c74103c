"""The movements admin: scoped by province like the selectors, ID numbers never in clear, views of personal data
logged, records written by the services shown only."""

from django.test import Client

from landreg import roles
from landreg.models import PersonalDataAccess
from landreg.services import user_create

from .conftest import family


def test_an_arrival_in_the_admin_shows_last_digits_only_and_is_logged(register, users):
    arrival = register(
        category="avr",
        repatriation_form="VRF-2025-778899",
        members=family("Sher Agha", "Bibi", tazkira="1400-0101-23456"),
    )
    client = Client()
    client.force_login(users["admin"])
    page = client.get(f"/admin/movements/arrival/{arrival.pk}/change/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "8899" in html and "3456" in html
    assert arrival.repatriation_form_hash not in html and "778899" not in html and "23456" not in html
    assert arrival.members.get(relationship="head").tazkira_hash not in html
    assert PersonalDataAccess.objects.filter(what="movements.Arrival", action="view", object_ids=[arrival.pk]).exists()
    listing = client.get("/admin/movements/arrival/")
    assert listing.status_code == 200
    assert PersonalDataAccess.objects.filter(what="movements.Arrival", action="list").exists()
    # shown only: no add, change or delete
    assert client.get("/admin/movements/arrival/add/").status_code == 403
    assert client.post(f"/admin/movements/arrival/{arrival.pk}/delete/", {"post": "yes"}).status_code == 403


def test_a_provincial_administrator_sees_only_their_provinces_records(register, users, provinces):
    arrival = register()
    herat_admin = user_create(
        username="admin.h", password="x", roles=[roles.ADMINISTRATOR], provinces=[provinces["herat"]]
    )
    client = Client()
    client.force_login(herat_admin)
    assert client.get(f"/admin/movements/arrival/{arrival.pk}/change/").status_code == 404
    assert client.get("/admin/movements/householdlocation/").status_code == 200
    assert str(arrival.household.code) not in client.get("/admin/movements/householdlocation/").content.decode()
