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
