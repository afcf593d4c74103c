"""The workflow over HTTP: sentences with the right status code, scope and roles, never a 500."""

import pytest
from django.core.management import call_command

from allocations.models import Allocation


@pytest.fixture
def api(client):
    def call(user, method, url, data=None):
        client.force_login(user)
        response = getattr(client, method)(url, data or {}, content_type="application/json")
        assert response.status_code < 500, response.content
        return response

    return call


def test_propose_then_a_second_proposal_of_the_same_plot_is_a_409(api, plots, make_household, users):
    officer = users["officer_nangarhar"]
    first = api(officer, "post", "/api/v1/allocations/", {"household": make_household().pk, "plot": plots[0].pk})
    assert first.status_code == 201 and first.json()["status"] == "proposed"
    second = api(officer, "post", "/api/v1/allocations/", {"household": make_household().pk, "plot": plots[0].pk})
    assert second.status_code == 409
    assert "already has an active allocation" in second.json()["detail"]
    assert second.json()["codes"] == ["one_active_allocation_per_plot"]


def test_the_whole_path_over_http(api, plots, make_household, users, field_officer, frame):
    officer, committee = users["officer_nangarhar"], users["committee"]
    a = api(officer, "post", "/api/v1/allocations/", {"household": make_household().pk, "plot": plots[0].pk}).json()
    url = f"/api/v1/allocations/{a['id']}"
    assert api(committee, "post", f"{url}/approve/", {"reference": "CMT-1"}).json()["status"] == "approved"
    assert api(officer, "post", f"{url}/assign/").json()["status"] == "assigned"
    assert api(officer, "post", f"{url}/issue-letter/").json()["status"] == "letter_issued"
    point = frame.rect(5, 5, 1, 1).centroid
    far = frame.rect(300, 200, 1, 1).centroid
    refused = api(field_officer, "post", f"{url}/hand-over/", {"lon": far.x, "lat": far.y, "accuracy_m": 5})
    assert refused.status_code == 400 and "handover must be done on the plot" in refused.json()["detail"]
    done = api(field_officer, "post", f"{url}/hand-over/", {"lon": point.x, "lat": point.y, "accuracy_m": 5})
    assert done.json()["status"] == "handed_over"
    assert [t["to_status"] for t in done.json()["transitions"]] == [
        "proposed",
        "approved",
        "assigned",
        "letter_issued",
        "handed_over",
    ]


def test_an_invalid_step_is_a_409_with_a_sentence(api, plots, make_household, users):
    a = api(
        users["officer_nangarhar"],
        "post",
        "/api/v1/allocations/",
        {"household": make_household().pk, "plot": plots[0].pk},
    ).json()
    response = api(users["officer_nangarhar"], "post", f"/api/v1/allocations/{a['id']}/title/")
    assert response.status_code == 409
    assert response.json()["detail"].startswith("This allocation is proposed, so it cannot be titled")


def test_the_proposer_approving_is_forbidden(api, plots, make_household, users):
    from landreg import roles
    from landreg.services import user_create

    both = user_create(
        username="both",
        password="x",
        roles=[roles.LAND_OFFICER, roles.COMMITTEE_MEMBER],
        provinces=[plots[0].township.province],
    )
    a = api(both, "post", "/api/v1/allocations/", {"household": make_household().pk, "plot": plots[0].pk}).json()
    response = api(both, "post", f"/api/v1/allocations/{a['id']}/approve/", {"reference": "CMT-1"})
    assert response.status_code == 403 and "another committee member" in response.json()["detail"]


def test_revoke_needs_a_listed_reason(api, plots, make_household, users):
    a = api(
        users["officer_nangarhar"],
        "post",
        "/api/v1/allocations/",
        {"household": make_household().pk, "plot": plots[0].pk},
    ).json()
    bad = api(users["officer_nangarhar"], "post", f"/api/v1/allocations/{a['id']}/revoke/", {"reason_code": "whim"})
    assert bad.status_code == 400 and "reason_code" in bad.json()
    ok = api(
        users["officer_nangarhar"],
        "post",
        f"/api/v1/allocations/{a['id']}/revoke/",
        {"reason_code": "error", "reason": "Entered for the wrong household"},
    )
    assert ok.json()["status"] == "revoked"


def test_scope_and_roles_apply(api, plots, make_household, users):
    a = api(
        users["officer_nangarhar"],
        "post",
        "/api/v1/allocations/",
        {"household": make_household().pk, "plot": plots[0].pk},
    ).json()
    assert api(users["officer_herat"], "get", f"/api/v1/allocations/{a['id']}/").status_code == 404
    assert (
        api(
            users["officer_herat"], "post", f"/api/v1/allocations/{a['id']}/revoke/", {"reason_code": "error"}
        ).status_code
        == 404
    )
    assert api(users["partner"], "get", "/api/v1/allocations/").json()["results"] == []
    herat_household = make_household(province="herat")
    response = api(
        users["officer_herat"], "post", "/api/v1/allocations/", {"household": herat_household.pk, "plot": plots[1].pk}
    )
    assert response.status_code == 403 and "outside your provinces" in response.json()["detail"]
    assert Allocation.objects.count() == 1


def test_bad_input_is_a_400_not_a_500(api, plots, users):
    response = api(users["officer_nangarhar"], "post", "/api/v1/allocations/", {"household": "x", "plot": None})
    assert response.status_code == 400
    assert (
        api(
            users["officer_nangarhar"], "post", "/api/v1/allocations/", {"household": 999999, "plot": plots[0].pk}
        ).status_code
        == 404
    )


def test_the_openapi_schema_is_valid_and_documents_the_workflow(db, capsys):
    call_command("spectacular", "--validate", "--fail-on-warn")
    schema = capsys.readouterr().out
    for path in ("/api/v1/allocations/", "/api/v1/allocations/{id}/approve/", "/api/v1/allocations/{id}/hand-over/"):
        assert path in schema
