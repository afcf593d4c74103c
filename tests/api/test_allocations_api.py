"""The workflow over HTTP: sentences with the right status code, scope and roles, never a 500."""

import pytest
from django.core.management import call_command

from allocations.models import Allocation
from allocations.services import allocation_propose


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


@pytest.mark.parametrize(
    "query, field",
    [
        ("plot=abc", "plot"),
        ("household=1.5", "household"),
        ("status=granted", "status"),
        ("limit=99999999999999999999", "limit"),
        ("limit=0", "limit"),
        ("offset=99999999999999999999999", "offset"),
        ("offset=-1", "offset"),
    ],
)
def test_a_filter_or_page_that_cannot_be_read_is_a_400_naming_it(api, plots, make_household, users, query, field):
    officer = users["officer_nangarhar"]
    api(officer, "post", "/api/v1/allocations/", {"household": make_household().pk, "plot": plots[0].pk})
    response = api(officer, "get", f"/api/v1/allocations/?{query}")
    assert response.status_code == 400 and list(response.json()) == [field]


def test_the_filters_and_pages_still_work(api, plots, make_household, users):
    officer = users["officer_nangarhar"]
    for plot in plots[:2]:
        api(officer, "post", "/api/v1/allocations/", {"household": make_household().pk, "plot": plot.pk})
    by_plot = api(officer, "get", f"/api/v1/allocations/?plot={plots[1].pk}&status=proposed&township=NAN-TEST").json()
    assert [a["plot"] for a in by_plot["results"]] == [plots[1].pk]
    page = api(officer, "get", "/api/v1/allocations/?limit=1&offset=1").json()
    assert page["count"] == 2 and len(page["results"]) == 1
    assert api(officer, "get", "/api/v1/allocations/?offset=50").json()["results"] == []


def test_a_nul_character_in_a_body_is_a_400_and_nothing_is_written(api, plots, make_household, users):
    body = {"household": make_household().pk, "plot": plots[0].pk, "reason": "Committee list\u0000 of Hamal"}
    response = api(users["officer_nangarhar"], "post", "/api/v1/allocations/", body)
    assert response.status_code == 400
    assert response.json()["detail"].startswith("The request holds a NUL character (\\u0000) in reason")
    assert Allocation.objects.count() == 0


def test_a_nul_character_in_a_filter_is_a_400_naming_it(api, users, db):
    response = api(users["officer_nangarhar"], "get", "/api/v1/allocations/?township=NAN%00")
    assert response.status_code == 400 and list(response.json()) == ["township"]


@pytest.mark.parametrize(
    "body, kind",
    [
        ("[]", "a list"),
        ('[{"household": 1, "plot": 1}]', "a list"),
        ("0", "a single value"),
        ('"text"', "a single value"),
    ],
)
def test_a_body_that_is_not_an_object_is_a_400_with_a_sentence(client, plots, make_household, users, body, kind):
    officer = users["officer_nangarhar"]
    allocation = allocation_propose(household=make_household(), plot=plots[0], proposed_by=officer)
    client.force_login(officer)
    for url in ("/api/v1/allocations/", f"/api/v1/allocations/{allocation.pk}/revoke/", "/api/v1/ballots/"):
        response = client.post(url, body, content_type="application/json")
        assert response.status_code == 400
        assert response.json()["detail"] == (
            f"The request body must be a JSON object, with the fields between {{ and }}, not {kind}."
        )
    assert Allocation.objects.get().status == "proposed"


@pytest.mark.parametrize("body", ["text", "NaN", '{"household": 1,'])
def test_a_body_that_is_not_json_is_a_400(client, users, db, body):
    client.force_login(users["officer_nangarhar"])
    response = client.post("/api/v1/allocations/", body, content_type="application/json")
    assert response.status_code == 400 and response.json()["detail"].startswith("JSON parse error")


@pytest.mark.parametrize("witnesses", [["Haji Gul\u0000, elder"], {"name": "Haji Gul"}, "Haji Gul", [{"name": 1}]])
def test_ballot_witnesses_are_a_list_of_names(api, township, users, witnesses):
    from allocations.models import Ballot

    body = {"township": township.code, "reference": "NAN-TEST-B1", "witnesses": witnesses}
    response = api(users["officer_nangarhar"], "post", "/api/v1/ballots/", body)
    assert response.status_code == 400 and Ballot.objects.count() == 0


@pytest.mark.parametrize(
    "body, where",
    [
        (b'{"head": {"name": "Gul\\u0000"}}', "head.name"),
        (b'{"witnesses": ["ok", "Haji\\u0000"]}', "witnesses[1]"),
        (b'{"na\\u0000me": "Gul"}', "na\\u0000me"),
    ],
)
def test_the_json_parser_refuses_a_nul_character_anywhere_and_says_where(body, where):
    import io

    from rest_framework.exceptions import ParseError

    from api.parsers import JSONParser

    with pytest.raises(ParseError) as refused:
        JSONParser().parse(io.BytesIO(body))
    assert str(refused.value.detail) == (
        f"The request holds a NUL character (\\u0000) in {where}, which no text may contain: remove it."
    )
    assert JSONParser().parse(io.BytesIO(b'{"head": {"name": "Gul Ahmad"}}')) == {"head": {"name": "Gul Ahmad"}}


def test_a_transfer_names_the_heir_by_household_code_as_the_map_panel_does(
    api, plots, make_household, users, field_officer, frame
):
    officer, committee = users["officer_nangarhar"], users["committee"]
    heir = make_household()
    a = api(officer, "post", "/api/v1/allocations/", {"household": make_household().pk, "plot": plots[0].pk}).json()
    url = f"/api/v1/allocations/{a['id']}"
    api(committee, "post", f"{url}/approve/", {"reference": "CMT-1"})
    api(officer, "post", f"{url}/assign/")
    api(officer, "post", f"{url}/issue-letter/")
    point = frame.rect(5, 5, 1, 1).centroid
    api(field_officer, "post", f"{url}/hand-over/", {"lon": point.x, "lat": point.y, "accuracy_m": 5})
    unknown = api(officer, "post", f"{url}/transfer/", {"heir_code": "NO-SUCH-CODE"})
    assert unknown.status_code == 400
    assert unknown.json()["errors"]["heir_code"] == [
        "No household with the code NO-SUCH-CODE is in your scope; check the code."
    ]
    done = api(officer, "post", f"{url}/transfer/", {"heir_code": heir.code.lower(), "reason": "Head died."})
    assert done.status_code == 200 and done.json()["status"] == "transferred"
    assert Allocation.objects.get(transferred_from_id=a["id"]).household == heir


def test_every_step_answers_what_a_read_of_the_allocation_then_says(
    api, plots, make_household, users, field_officer, frame
):
    """The writes answer with a dict built by hand (api.rest.allocations.allocation_answer), the reads with DRF's
    AllocationSerializer: the two must say the same, field for field, dates and steps included."""
    officer, committee = users["officer_nangarhar"], users["committee"]
    heir = make_household()

    def agrees(response):
        assert response.status_code in (200, 201), response.content
        read = api(officer, "get", f"/api/v1/allocations/{response.json()['id']}/")
        assert response.json() == read.json()
        return response.json()

    a = agrees(api(officer, "post", "/api/v1/allocations/", {"household": make_household().pk, "plot": plots[0].pk}))
    assert [t["by"] for t in a["transitions"]] == [officer.username] and a["household_code"] and a["township"]
    url = f"/api/v1/allocations/{a['id']}"
    agrees(api(committee, "post", f"{url}/approve/", {"reference": "CMT-1"}))
    agrees(api(officer, "post", f"{url}/assign/"))
    agrees(api(officer, "post", f"{url}/issue-letter/"))
    point = frame.rect(5, 5, 1, 1).centroid
    handed = agrees(api(field_officer, "post", f"{url}/hand-over/", {"lon": point.x, "lat": point.y}))
    assert handed["start_date"] is not None
    done = agrees(api(officer, "post", f"{url}/transfer/", {"heir_code": heir.code, "reason": "Head died."}))
    assert done["status"] == "transferred" and done["end_date"] is not None and len(done["transitions"]) == 6
    second = {"household": make_household().pk, "plot": plots[1].pk}
    other = agrees(api(officer, "post", "/api/v1/allocations/", second))
    revoked = agrees(api(officer, "post", f"/api/v1/allocations/{other['id']}/revoke/", {"reason_code": "error"}))
    assert revoked["revocation_reason"] == "error"


def test_a_proposal_logs_the_view_of_the_household_it_names(api, plots, make_household, users):
    from landreg.models import PersonalDataAccess

    household = make_household()
    officer = users["officer_nangarhar"]
    response = api(officer, "post", "/api/v1/allocations/", {"household": household.pk, "plot": plots[0].pk})
    assert response.status_code == 201 and response.json()["household_code"] == household.code
    log = PersonalDataAccess.objects.get(what="households.Household", object_ids=[household.pk])
    assert (log.user, log.action, log.where) == (officer, "view", "/api/v1/allocations/")


def test_a_proposal_of_a_plot_that_does_not_exist_is_a_404_and_writes_nothing(api, make_household, users):
    officer = users["officer_nangarhar"]
    response = api(officer, "post", "/api/v1/allocations/", {"household": make_household().pk, "plot": 987654})
    assert response.status_code == 404 and not Allocation.objects.exists()
