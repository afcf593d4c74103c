"""A household's location and status over time: appended, never overwritten; a move to another province hands the
household to the receiving province's officers, and the sending province keeps read access to what it recorded.
The journey page's data: complete for the household's province, partial for the sending one, nothing for others."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction

from households.models import Household
from households.selectors import households_visible_to
from landreg import roles
from landreg.models import PersonalDataAccess
from landreg.services import user_create
from movements.models import HouseholdLocation
from movements.selectors import (
    household_location_now,
    household_locations_visible_to,
    household_origins,
    journey_of,
)
from movements.services import household_location_record, household_move_province, idp_site_create

DAY = datetime.date(2025, 3, 1)


@pytest.fixture
def site(provinces, users):
    return idp_site_create(
        code="herat-shaidayee",
        name="Shaidayee",
        kind="informal_settlement",
        province=provinces["herat"],
        geom="SRID=4326;POINT(62.25 34.33)",
        by=users["admin"],
    )


@pytest.fixture
def kabul(provinces):
    from parcels.models import AdminArea

    return AdminArea.objects.create(level="province", pcode="AF01", iso_code="AF-KAB", name_en="Kabul")


def test_a_journey_from_the_border_to_a_site_in_another_province(register, users, provinces, site, field_officer):
    arrival = register(crossed_at=datetime.datetime(2025, 2, 20, 9, tzinfo=datetime.UTC))
    household = arrival.household
    household_location_record(
        household=household, status="in_host_community", since=DAY, by=field_officer, note="with relatives"
    )
    move = household_move_province(
        household=household, to_province=provinces["herat"], since=DAY + datetime.timedelta(days=30), by=field_officer
    )
    assert (move.status, move.province, move.recorded_in) == (
        "moved_to_province",
        provinces["herat"],
        provinces["nangarhar"],
    )
    assert Household.objects.get(pk=household.pk).province == provinces["herat"]
    # the receiving province takes over
    herat = users["officer_herat"]
    in_site = household_location_record(
        household=household, status="in_site", since=DAY + datetime.timedelta(days=31), site=site, by=herat
    )
    assert (in_site.province, in_site.recorded_in) == (provinces["herat"], provinces["herat"])
    assert household_location_now(herat, household=household) == in_site
    # the sending province: no longer the household's officers, and cannot record for it
    nangarhar = users["officer_nangarhar"]
    assert not households_visible_to(nangarhar).filter(pk=household.pk).exists()
    with pytest.raises(PermissionDenied):
        household_location_record(household=household, status="returned_to_origin", since=DAY, by=nangarhar)
    # but it reads what it recorded, and only that
    seen = set(household_locations_visible_to(nangarhar).filter(household=household).values_list("status", flat=True))
    assert seen == {"arrived_at_border", "in_host_community", "moved_to_province"}
    assert set(household_locations_visible_to(herat).filter(household=household).values_list("status", flat=True)) == {
        "arrived_at_border",
        "in_host_community",
        "moved_to_province",
        "in_site",
    }

    full = journey_of(herat, household_id=household.pk, where="journey page")
    assert full["complete"] and full["household"]["province"] == "AF32"
    kinds = [(s["kind"], s["status"]) for s in full["steps"]]
    assert kinds[0] == ("arrival", "deported")
    assert ("location", "in_site") in kinds and ("evidence", "border_arrival") in kinds
    site_step = next(s for s in full["steps"] if s["status"] == "in_site")
    assert site_step["site"] == "herat-shaidayee" and site_step["point"] == (62.25, 34.33)

    partial = journey_of(nangarhar, household_id=household.pk, where="journey page")
    assert not partial["complete"] and set(partial["household"]) == {"id", "code"}
    assert {s["status"] for s in partial["steps"]} == {
        "deported",
        "arrived_at_border",
        "in_host_community",
        "moved_to_province",
    }
    assert (
        PersonalDataAccess.objects.filter(
            what="households.Household", object_ids=[household.pk], where="journey page"
        ).count()
        == 2
    )

    kabul_officer = user_create(username="officer.k", password="x", roles=[roles.LAND_OFFICER], provinces=[])
    for user in (kabul_officer, users["partner"], users["gis"]):
        with pytest.raises(Household.DoesNotExist):
            journey_of(user, household_id=household.pk)


def test_the_history_is_appended_never_changed(register, field_officer):
    household = register().household
    entry = HouseholdLocation.objects.get(household=household)
    entry.note = "rewritten"
    with pytest.raises(DatabaseError, match="household_location_history_is_append_only"), transaction.atomic():
        entry.save()
    with pytest.raises(DatabaseError, match="household_location_history_is_append_only"), transaction.atomic():
        HouseholdLocation.objects.filter(pk=entry.pk).delete()
    assert HouseholdLocation.objects.get(pk=entry.pk).note == ""


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"status": "in_site"}, "location_status_names_its_place"),
        ({"status": "arrived_at_border"}, "location_status_names_its_place"),
        ({"status": "moved_to_province"}, "use_move"),
        ({"status": "lost"}, "invalid_choice"),
        ({"status": "returned_to_origin", "since": datetime.date(2100, 1, 1)}, "future_date"),
    ],
)
def test_bad_entries_are_refused_with_a_sentence(register, field_officer, fields, code):
    household = register().household
    values = {"since": DAY, **fields}
    with pytest.raises(ValidationError) as refusal:
        household_location_record(household=household, by=field_officer, **values)
    assert code in {e.code for errors in refusal.value.error_dict.values() for e in errors}
    assert HouseholdLocation.objects.filter(household=household).count() == 1


def test_an_entry_in_another_province_needs_the_move_first(register, field_officer, site, provinces):
    household = register().household
    with pytest.raises(ValidationError, match="record its move to another province first"):
        household_location_record(household=household, status="in_site", site=site, since=DAY, by=field_officer)
    with pytest.raises(ValidationError):
        household_move_province(household=household, to_province=provinces["nangarhar"], since=DAY, by=field_officer)


def test_where_a_townships_households_came_from(register, make_household, users):
    first = make_household()
    register(
        household=first,
        crossed_at=datetime.datetime(2024, 5, 1, 8, tzinfo=datetime.UTC),
        members=[{"sex": "m", "age_band": "18_59"}, {"sex": "f", "age_band": "0_4"}],
    )
    register(
        household=first,
        crossed_at=datetime.datetime(2025, 1, 1, 8, tzinfo=datetime.UTC),
        country_of_asylum="IR",
        members=[{"sex": "m", "age_band": "18_59"}, {"sex": "f", "age_band": "0_4"}],
    )  # came back again: counted once
    second = register(crossed_at=datetime.datetime(2024, 9, 1, 8, tzinfo=datetime.UTC)).household
    households = Household.objects.filter(pk__in=[first.pk, second.pk])
    assert household_origins(users["officer_nangarhar"], households=households) == [
        {"crossing_point": "torkham", "country": "PK", "year": 2024, "households": 2}
    ]
    assert household_origins(users["gis"], households=households)[0]["households"] == "<5"
