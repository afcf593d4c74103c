"""An officer sees the households of their own provinces only, in selectors, the API and the admin."""

import pytest
from django.urls import reverse

from households.models import Household
from households.selectors import household_get, households_visible_to
from landreg import roles
from landreg.models import PersonalDataAccess
from landreg.services import user_create


@pytest.fixture
def two_households(make_household):
    return make_household(province="nangarhar"), make_household(province="herat")


def test_an_officer_of_one_province_cannot_read_another_provinces_households(two_households, users):
    nangarhar_household, herat_household = two_households
    visible = set(households_visible_to(users["officer_nangarhar"]))
    assert visible == {nangarhar_household}
    with pytest.raises(Household.DoesNotExist):
        household_get(users["officer_nangarhar"], pk=herat_household.pk)


def test_a_partner_sees_no_named_households(two_households, users):
    assert not households_visible_to(users["partner"]).exists()


def test_an_administrator_sees_all_provinces(two_households, users):
    assert households_visible_to(users["admin"]).count() == 2


def test_viewing_a_household_is_logged(two_households, users):
    household_get(users["officer_nangarhar"], pk=two_households[0].pk, where="test")
    entry = PersonalDataAccess.objects.get()
    assert entry.user == users["officer_nangarhar"] and entry.object_ids == [two_households[0].pk]


def test_the_api_applies_the_same_scope(client, two_households, users):
    client.force_login(users["officer_nangarhar"])
    listing = client.get("/api/v1/households/").json()
    assert [h["code"] for h in listing["results"]] == [two_households[0].code]
    assert client.get(f"/api/v1/households/{two_households[1].pk}/").status_code == 404
    detail = client.get(f"/api/v1/households/{two_households[0].pk}/").json()
    assert "tazkira_hash" not in str(detail) and detail["members"][0]["relationship"] == "head"
    assert PersonalDataAccess.objects.filter(action="list").exists()


def test_the_admin_applies_the_same_scope(client, two_households, provinces, users):
    """Officers are not staff; an administrator of one province sees that province's households only."""
    administrator = user_create(
        username="admin.n", password="x", roles=[roles.ADMINISTRATOR], provinces=[provinces["nangarhar"]]
    )
    client.force_login(administrator)
    listing = client.get(reverse("admin:households_household_changelist")).content.decode()
    assert two_households[0].code in listing and two_households[1].code not in listing
    response = client.get(reverse("admin:households_household_change", args=[two_households[1].pk]))
    assert response.status_code == 404  # reads as a missing record, not a redirect naming it
