"""The admin is for administrators and GIS specialists, scoped like the API; the workflow is read-only there, and
views of personal data are logged."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.contrib.gis.geos import MultiPolygon
from django.urls import reverse

from allocations.models import Allocation, AllocationTransition
from allocations.services import allocation_propose
from landreg import roles
from landreg.models import PersonalDataAccess
from landreg.services import user_create
from tests.conftest import UtmFrame
from townships import services as township_services


def staff(user):
    """Staff status as someone might tick it by hand in the user admin."""
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


@pytest.fixture
def herat_frame():
    """Near Herat city, in UTM 41N."""
    return UtmFrame(62.2, 34.35, 32641)


@pytest.fixture
def herat(provinces, herat_frame):
    """A Herat township with one block and two plots."""
    township = township_services.township_create(
        code="HER-TEST",
        name="Jebrael extension",
        province=provinces["herat"],
        legal_basis="decree_305_2018",
        geom=MultiPolygon(herat_frame.rect(0, 0, 500, 300)),
    )
    township.block = township_services.block_create(township=township, code="H", geom=herat_frame.rect(0, 0, 200, 100))
    township.plot_list = [
        township_services.plot_create(
            township=township, block=township.block, number=f"H{i}", geom=herat_frame.rect(i * 20, 0, 20, 25)
        )
        for i in range(2)
    ]
    return township


@pytest.fixture
def gis_herat(users, provinces):
    return staff(
        user_create(username="gis.herat", password="x", roles=[roles.GIS_SPECIALIST], provinces=[provinces["herat"]])
    )


@pytest.fixture
def administrator(users):
    """An administrator who is not a superuser: the role's own permissions, nothing more."""
    return staff(user_create(username="administrator", password="x", roles=[roles.ADMINISTRATOR], national=True))


@pytest.fixture
def proposal(users, plots, make_household):
    return allocation_propose(
        household=make_household(registered_by=users["officer_nangarhar"]),
        plot=plots[0],
        proposed_by=users["officer_nangarhar"],
    )


def forged_approval(allocation, approver) -> dict:
    """A complete admin change form that sets a proposal to "approved" by hand, as the reported forgery did."""
    transition = allocation.transitions.get()
    return {
        "household": allocation.household_id,
        "plot": allocation.plot_id,
        "method": allocation.method,
        "status": "approved",
        "proposed_by": allocation.proposed_by_id,
        "approved_by": approver.pk,
        "decision_reference": "FORGED",
        "transitions-TOTAL_FORMS": "1",
        "transitions-INITIAL_FORMS": "1",
        "transitions-MIN_NUM_FORMS": "0",
        "transitions-MAX_NUM_FORMS": "1000",
        "transitions-0-id": transition.pk,
        "transitions-0-allocation": allocation.pk,
    }


# --- The door ---


@pytest.mark.parametrize("who", ["officer_nangarhar", "committee", "field_officer", "partner"])
def test_other_roles_are_refused_by_the_admin_even_when_made_staff_by_hand(client, users, field_officer, who):
    user = staff(field_officer if who == "field_officer" else users[who])
    client.force_login(user)
    for url in ["/admin/", reverse("admin:allocations_allocation_changelist"), reverse("admin:townships_plot_add")]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("admin:login")), url
    page = client.get(reverse("admin:login")).content.decode()
    assert "The admin is for administrators and GIS specialists" in page


def test_an_officer_made_staff_cannot_sign_in_through_the_admin_login(client, users):
    staff(users["officer_herat"])
    response = client.post(reverse("admin:login"), {"username": "officer.h", "password": "x"})
    assert response.status_code == 200
    assert "administrator or GIS specialist account" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_an_officer_cannot_forge_an_approval_through_the_admin(client, users, proposal):
    """The reported case: an officer set a proposal to "approved" with himself as approver."""
    client.force_login(staff(users["officer_herat"]))
    client.post(
        reverse("admin:allocations_allocation_change", args=[proposal.pk]),
        forged_approval(proposal, users["officer_herat"]),
    )
    proposal.refresh_from_db()
    assert proposal.status == Allocation.Status.PROPOSED and proposal.approved_by is None


@pytest.mark.parametrize("who", ["administrator", "gis_herat"])
def test_administrators_and_gis_specialists_enter_the_admin(client, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get("/admin/").status_code == 200


def test_a_gis_specialist_who_is_not_staff_is_refused(client, gis_herat):
    gis_herat.is_staff = False
    gis_herat.save(update_fields=["is_staff"])
    client.force_login(gis_herat)
    assert client.get("/admin/").status_code == 302


# --- Scope ---


def test_a_herat_gis_specialist_lists_only_herat_plots(client, gis_herat, herat, plots):
    client.force_login(gis_herat)
    response = client.get(reverse("admin:townships_plot_changelist"))
    assert response.status_code == 200
    assert {p.pk for p in response.context["cl"].result_list} == {p.pk for p in herat.plot_list}
    # The township filter offers only townships in scope, not every township's name.
    page = response.content.decode()
    assert "Jebrael extension" in page and "Test township" not in page


def test_a_herat_gis_specialist_gets_not_found_for_a_nangarhar_plot(client, gis_herat, herat, plots):
    client.force_login(gis_herat)
    plot = plots[0]
    for view in ["change", "history", "delete"]:
        assert client.get(reverse(f"admin:townships_plot_{view}", args=[plot.pk])).status_code == 404, view
    # The same answer as for an id that does not exist: nothing tells them the record is there.
    assert client.get(reverse("admin:townships_plot_change", args=[999999])).status_code == 404


def test_a_herat_gis_specialist_cannot_change_or_delete_a_nangarhar_plot(client, gis_herat, herat, plots, frame):
    client.force_login(gis_herat)
    plot = plots[0]
    response = client.post(
        reverse("admin:townships_plot_change", args=[plot.pk]),
        {
            "township": plot.township_id,
            "block": plot.block_id,
            "number": "99",
            "geom": plot.geom.ewkt,
            "use": "commercial",
            "status": "available",
        },
    )
    assert response.status_code == 404
    assert client.post(reverse("admin:townships_plot_delete", args=[plot.pk]), {"post": "yes"}).status_code == 404
    plot.refresh_from_db()
    assert (plot.number, plot.use) == ("0", "residential")


def test_a_herat_gis_specialist_edits_a_herat_plot(client, gis_herat, herat):
    client.force_login(gis_herat)
    plot = herat.plot_list[0]
    response = client.post(
        reverse("admin:townships_plot_change", args=[plot.pk]),
        {
            "township": herat.pk,
            "block": herat.block.pk,
            "number": plot.number,
            "geom": plot.geom.ewkt,
            "use": "commercial",
            "status": "planned",
        },
    )
    assert response.status_code == 302
    plot.refresh_from_db()
    assert plot.use == "commercial"


def test_a_herat_gis_specialist_cannot_attach_a_nangarhar_block_or_township(client, gis_herat, herat, township):
    client.force_login(gis_herat)
    plot = herat.plot_list[0]
    for field, value in [("block", township.block_a.pk), ("township", township.pk)]:
        data = {
            "township": herat.pk,
            "block": herat.block.pk,
            "number": plot.number,
            "geom": plot.geom.ewkt,
            "use": "residential",
            "status": "planned",
            field: value,
        }
        response = client.post(reverse("admin:townships_plot_change", args=[plot.pk]), data)
        assert response.status_code == 200, field
        assert "Select a valid choice" in response.content.decode(), field
    plot.refresh_from_db()
    assert (plot.township_id, plot.block_id) == (herat.pk, herat.block.pk)


def test_block_autocomplete_offers_only_blocks_in_scope(client, gis_herat, herat, township):
    client.force_login(gis_herat)
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "townships", "model_name": "plot", "field_name": "block", "term": ""},
    )
    assert response.status_code == 200
    assert {row["id"] for row in response.json()["results"]} == {str(herat.block.pk)}


def test_a_herat_gis_specialist_cannot_file_a_township_in_nangarhar(client, gis_herat, provinces, herat_frame):
    client.force_login(gis_herat)
    page = client.get(reverse("admin:townships_township_add")).content.decode()
    assert "Herat" in page and "Nangarhar" not in page
    response = client.post(
        reverse("admin:townships_township_add"),
        {
            "code": "NAN-NEW",
            "name": "Elsewhere",
            "province": provinces["nangarhar"].pk,
            "legal_basis": "decree_305_2018",
            "status": "identified",
            "geom": MultiPolygon(herat_frame.rect(600, 0, 100, 100)).ewkt,
            "entitlements-TOTAL_FORMS": "0",
            "entitlements-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_a_gis_specialist_sees_no_households_even_with_the_permission(client, gis_herat, make_household):
    household = make_household(province="herat")
    gis_herat.user_permissions.add(Permission.objects.get(codename="view_household"))
    client.force_login(gis_herat)
    listing = client.get(reverse("admin:households_household_changelist"))
    assert listing.status_code == 200 and list(listing.context["cl"].result_list) == []
    assert client.get(reverse("admin:households_household_change", args=[household.pk])).status_code == 404


# --- The workflow is read-only in the admin, for everyone ---


@pytest.mark.parametrize("who", ["administrator", "superuser"])
def test_no_one_adds_changes_or_deletes_an_allocation_in_the_admin(client, users, request, who, proposal):
    client.force_login(users["admin"] if who == "superuser" else request.getfixturevalue(who))
    assert client.get(reverse("admin:allocations_allocation_add")).status_code == 403
    assert client.post(reverse("admin:allocations_allocation_add"), {"status": "approved"}).status_code == 403
    change = reverse("admin:allocations_allocation_change", args=[proposal.pk])
    assert client.get(change).status_code == 200  # shown, read-only
    assert client.post(change, forged_approval(proposal, users["admin"])).status_code == 403
    delete = reverse("admin:allocations_allocation_delete", args=[proposal.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    proposal.refresh_from_db()
    assert proposal.status == Allocation.Status.PROPOSED and proposal.decision_reference == ""
    assert list(proposal.transitions.values_list("to_status", flat=True)) == ["proposed"]


def test_transitions_have_no_admin_page_of_their_own():
    assert not admin.site.is_registered(AllocationTransition)


# --- Personal data views are logged ---


def test_an_administrator_viewing_a_household_is_logged(client, administrator, make_household):
    household = make_household()
    client.force_login(administrator)
    assert client.get(reverse("admin:households_household_change", args=[household.pk])).status_code == 200
    row = PersonalDataAccess.objects.get(user=administrator, action="view")
    assert (row.what, row.object_ids) == ("households.Household", [household.pk])
    assert row.where == reverse("admin:households_household_change", args=[household.pk])


def test_an_administrator_listing_households_is_logged(client, administrator, make_household):
    households = [make_household(), make_household(province="herat")]
    client.force_login(administrator)
    assert client.get(reverse("admin:households_household_changelist")).status_code == 200
    row = PersonalDataAccess.objects.get(user=administrator, action="list")
    assert row.what == "households.Household"
    assert sorted(row.object_ids) == sorted(h.pk for h in households)


def test_an_administrator_viewing_an_allocation_is_logged(client, administrator, proposal):
    client.force_login(administrator)
    assert client.get(reverse("admin:allocations_allocation_change", args=[proposal.pk])).status_code == 200
    assert PersonalDataAccess.objects.filter(
        user=administrator, action="view", what="allocations.Allocation", object_ids=[proposal.pk]
    ).exists()


def test_a_refused_view_writes_no_log_row(client, gis_herat, make_household):
    household = make_household(province="herat")
    client.force_login(gis_herat)
    client.get(reverse("admin:households_household_change", args=[household.pk]))
    assert not PersonalDataAccess.objects.exists()


def test_a_provincial_administrator_manages_only_their_provinces_users(client, users, provinces):
    herat_admin = staff(
        user_create(username="admin.herat", password="x", roles=[roles.ADMINISTRATOR], provinces=[provinces["herat"]])
    )
    client.force_login(herat_admin)
    listing = client.get(reverse("admin:landreg_userscope_changelist"))
    shown = {scope.user.username for scope in listing.context["cl"].result_list}
    assert "officer.h" in shown and "admin.herat" in shown
    assert not shown & {"officer.n", "committee.n", "admin", "partner"}  # other provinces, and national users
    nangarhar_scope = users["officer_nangarhar"].scope
    assert client.get(reverse("admin:landreg_userscope_change", args=[nangarhar_scope.pk])).status_code == 404
    # Nor can they give a Herat officer Nangarhar.
    herat_scope = users["officer_herat"].scope
    response = client.post(
        reverse("admin:landreg_userscope_change", args=[herat_scope.pk]),
        {"user": users["officer_herat"].pk, "provinces": [provinces["nangarhar"].pk]},
    )
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert list(herat_scope.provinces.all()) == [provinces["herat"]]
