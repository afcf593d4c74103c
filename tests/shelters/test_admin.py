"""The shelter admin pages open; evidence is read-only there."""

import pytest


@pytest.mark.parametrize(
    "model",
    [
        "programme",
        "shelterproject",
        "inspection",
        "occupancycheck",
        "allocationreview",
        "photofraudflag",
        "fieldassignment",
        "importrun",
    ],
)
def test_the_admin_lists_open(client, users, project, inspect, model):
    inspect("foundation")
    client.force_login(users["admin"])
    assert client.get(f"/admin/shelters/{model}/").status_code == 200


def test_a_project_page_shows_its_tranches_and_inspections_and_history(client, users, project, inspect):
    inspect("foundation")
    client.force_login(users["admin"])
    page = client.get(f"/admin/shelters/shelterproject/{project.pk}/change/")
    assert page.status_code == 200 and "Foundation" in page.content.decode()
    assert client.get(f"/admin/shelters/shelterproject/{project.pk}/history/").status_code == 200
    inspection = project.inspections.get()
    assert client.post(f"/admin/shelters/inspection/{inspection.pk}/delete/").status_code == 403


def project_form(project, **changes) -> dict:
    """The project's complete admin change form (with its tranche and inspection inlines), with some changes."""
    data = {
        "plot": project.plot_id,
        "household": project.household_id,
        "allocation": project.allocation_id,
        "programme": project.programme_id,
        "implementing_partner": project.implementing_partner,
        "modality": project.modality,
        "status": project.status,
    }
    for prefix, rows in [("tranches", project.tranches.order_by("pk")), ("inspections", project.inspections.all())]:
        rows = list(rows)
        data |= {f"{prefix}-TOTAL_FORMS": len(rows), f"{prefix}-INITIAL_FORMS": len(rows)}
        data |= {f"{prefix}-MIN_NUM_FORMS": 0, f"{prefix}-MAX_NUM_FORMS": 1000}
        for i, row in enumerate(rows):
            data |= {f"{prefix}-{i}-id": row.pk, f"{prefix}-{i}-project": project.pk}
            if prefix == "tranches":
                data |= {f"{prefix}-{i}-stage": row.stage_id, f"{prefix}-{i}-amount": row.amount}
                data[f"{prefix}-{i}-currency"] = row.currency
    return data | changes


def test_no_one_changes_a_shelter_project_or_its_tranches_in_the_admin(client, users, project):
    client.force_login(users["admin"])  # a superuser: read-only holds for everyone
    amounts = list(project.tranches.order_by("pk").values_list("amount", flat=True))
    change = f"/admin/shelters/shelterproject/{project.pk}/change/"
    response = client.post(change, project_form(project, status="completed", **{"tranches-0-amount": "999999"}))
    assert response.status_code == 403
    assert client.get("/admin/shelters/shelterproject/add/").status_code == 403
    assert client.post(f"/admin/shelters/shelterproject/{project.pk}/delete/", {"post": "yes"}).status_code == 403
    project.refresh_from_db()
    assert project.status == "active"
    assert list(project.tranches.order_by("pk").values_list("amount", flat=True)) == amounts


def test_no_one_adds_or_changes_an_inspection_in_the_admin(client, users, project, inspect):
    inspection = inspect("foundation")
    client.force_login(users["admin"])
    assert client.get("/admin/shelters/inspection/add/").status_code == 403
    change = f"/admin/shelters/inspection/{inspection.pk}/change/"
    assert client.post(change, {"result": "fail", "stage": inspection.stage_id}).status_code == 403
    inspection.refresh_from_db()
    assert inspection.result == "pass"


def test_tranches_have_no_admin_page_of_their_own():
    from django.contrib import admin

    from shelters.models import Tranche

    assert not admin.site.is_registered(Tranche)


def test_a_herat_administrator_does_not_see_a_nangarhar_shelter(client, provinces, project, inspect):
    from landreg import roles
    from landreg.services import user_create

    inspection = inspect("foundation")
    herat_admin = user_create(
        username="admin.herat", password="x", roles=[roles.ADMINISTRATOR], provinces=[provinces["herat"]]
    )
    herat_admin.is_staff = True
    herat_admin.save(update_fields=["is_staff"])
    client.force_login(herat_admin)
    for model, pk in [("shelterproject", project.pk), ("inspection", inspection.pk)]:
        listing = client.get(f"/admin/shelters/{model}/")
        assert listing.status_code == 200 and list(listing.context["cl"].result_list) == [], model
        assert client.get(f"/admin/shelters/{model}/{pk}/change/").status_code == 404, model


def test_an_administrator_viewing_a_shelter_project_is_logged(client, users, project):
    from landreg.models import PersonalDataAccess

    client.force_login(users["admin"])
    assert client.get(f"/admin/shelters/shelterproject/{project.pk}/change/").status_code == 200
    assert PersonalDataAccess.objects.filter(
        user=users["admin"], action="view", what="shelters.ShelterProject", object_ids=[project.pk]
    ).exists()
