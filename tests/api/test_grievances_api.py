"""The officers' grievance API: record, list, detail, move along the steps, assign; open and resolve a land dispute
with its claimed outline; lodge, decide and check an appeal. Refusals: wrong role, other province, partner,
anonymous user, hostile input — each a sentence with the right status, never a 500."""

import pytest

from allocations.models import Allocation
from allocations.services import allocation_propose, allocation_transition
from grievances.models import Grievance, GrievanceStep, LandDispute
from landreg import roles
from landreg.models import PersonalDataAccess
from landreg.services import user_create
from townships.models import Plot

SCRIPT = '<script>alert("x")</script><b onmouseover="steal()">bold</b>'


@pytest.fixture
def focal(users, provinces):
    return user_create(
        username="focal.n", password="x", roles=[roles.GRIEVANCE_FOCAL_POINT], provinces=[provinces["nangarhar"]]
    )


@pytest.fixture
def api(client):
    def call(user, method, url, data=None):
        client.logout()
        if user is not None:
            client.force_login(user)
        if method == "get":
            response = client.get(url, data or {})
        else:
            response = getattr(client, method)(url, data or {}, content_type="application/json")
        assert response.status_code < 500, response.content
        return response

    return call


def record(api, user, **fields):
    body = {"channel": "office", "category": "other", "description": "The water point is broken.", **fields}
    return api(user, "post", "/api/v1/grievances/", body)


def test_an_officer_records_a_grievance_and_gets_its_reference(api, users, plots):
    answer = record(api, users["officer_nangarhar"], plot=plots[0].pk, category="shelter_payment")
    assert answer.status_code == 201, answer.json()
    data = answer.json()
    assert data["reference"].startswith("G-") and len(data["reference"]) == 11
    assert data["status"] == "received" and data["plot_number"] == "0" and data["province"] == "AF06"
    assert data["description"] == "The water point is broken." and data["description_sealed"] is False
    assert [s["action"] for s in data["steps"]] == ["receive"] and data["steps"][0]["by"] == "officer.n"
    assert "acknowledge" in data["allowed_actions"]
    assert data["acknowledge_due"] and data["resolve_due"]


def test_the_steps_in_order_then_out_of_order_is_a_sentence(api, users, plots):
    officer = users["officer_nangarhar"]
    reference = record(api, officer, plot=plots[0].pk).json()["reference"]
    url = f"/api/v1/grievances/{reference}/transition/"
    early = api(officer, "post", url, {"action": "close"})
    assert early.status_code == 409 and "cannot be closed" in early.json()["detail"]
    assert api(officer, "post", url, {"action": "acknowledge"}).json()["status"] == "acknowledged"
    assert api(officer, "post", url, {"action": "review"}).json()["status"] == "under_review"
    no_answer = api(officer, "post", url, {"action": "resolve"})
    assert no_answer.status_code == 400 and "note" in no_answer.json()["detail"]
    resolved = api(officer, "post", url, {"action": "resolve", "note": "Repaired on 3 Jadi."}).json()
    assert resolved["status"] == "resolved" and resolved["resolved_at"]
    closed = api(officer, "post", url, {"action": "close_loop", "note": "Told by phone."}).json()
    assert closed["loop_closed_at"] and [s["action"] for s in closed["steps"]] == [
        "receive",
        "acknowledge",
        "review",
        "resolve",
        "close_loop",
    ]
    unknown = api(officer, "post", url, {"action": "delete"})
    assert unknown.status_code == 400 and "action" in unknown.json()


def test_the_list_has_filters_and_refuses_a_filter_that_cannot_match(api, users, plots):
    officer = users["officer_nangarhar"]
    record(api, officer, plot=plots[0].pk)
    record(api, officer, plot=plots[1].pk, category="shelter_payment")
    everything = api(officer, "get", "/api/v1/grievances/").json()
    assert everything["count"] == 2
    assert PersonalDataAccess.objects.filter(user=officer, action="list", what="grievances.Grievance").exists()
    only = api(officer, "get", "/api/v1/grievances/", {"category": "shelter_payment"}).json()
    assert [g["category"] for g in only["results"]] == ["shelter_payment"]
    assert api(officer, "get", "/api/v1/grievances/", {"overdue": "true"}).json()["count"] == 0
    bad = api(officer, "get", "/api/v1/grievances/", {"status": "lost"})
    assert bad.status_code == 400 and "status" in bad.json()
    assert api(officer, "get", "/api/v1/grievances/", {"limit": "10000000000000000000000"}).status_code == 400


def test_other_provinces_partners_and_anonymous_users_are_refused(api, users, plots, client):
    officer = users["officer_nangarhar"]
    reference = record(api, officer, plot=plots[0].pk).json()["reference"]
    herat = users["officer_herat"]
    assert api(herat, "get", f"/api/v1/grievances/{reference}/").status_code == 404
    assert api(herat, "get", "/api/v1/grievances/").json()["count"] == 0
    moved = api(herat, "post", f"/api/v1/grievances/{reference}/transition/", {"action": "acknowledge"})
    assert moved.status_code == 404
    elsewhere = record(api, herat, plot=plots[0].pk)  # a plot of Nangarhar named by an officer of Herat
    assert elsewhere.status_code == 400 and "No plot with this number is in your scope" in str(elsewhere.json())
    partner = users["partner"]
    assert record(api, partner, plot=plots[0].pk).status_code in (400, 403)
    assert record(api, partner, province="AF06").status_code == 403
    assert api(partner, "get", f"/api/v1/grievances/{reference}/").status_code == 404
    assert api(None, "get", "/api/v1/grievances/").status_code in (401, 403)
    assert api(None, "post", "/api/v1/disputes/", {"plot": plots[0].pk, "description": "x"}).status_code in (401, 403)
    gis = users["gis"]
    refused = record(api, gis, province="AF06")
    assert refused.status_code == 403 and "Only a" in refused.json()["detail"]
    assert Grievance.objects.count() == 1


def test_hostile_text_is_kept_as_text_and_hostile_input_gets_a_sentence(api, users, plots):
    officer = users["officer_nangarhar"]
    data = record(api, officer, plot=plots[0].pk, description=SCRIPT).json()
    assert data["description"] == SCRIPT  # stored and answered as text; the pages and files escape it
    for body, field in (
        ({"channel": "carrier pigeon"}, "channel"),
        ({"category": ["other"]}, "category"),
        ({"description": ""}, "description"),
        ({"description": "x" * 6000}, "description"),
        ({"plot": "one"}, "plot"),
        ({"plot": 10**12}, "plot"),
        ({"household": "NOT-A-CODE"}, "household"),
        ({"province": "ZZ99"}, "province"),
        ({"language": "de"}, "language"),
    ):
        answer = record(api, officer, **{"plot": plots[0].pk, **body})
        assert answer.status_code == 400, (body, answer.json())
        assert field in str(answer.json()), (body, answer.json())
    nul = record(api, officer, plot=plots[0].pk, description="a\x00b")
    assert nul.status_code == 400 and "NUL" in nul.json()["detail"]
    assert Grievance.objects.count() == 1  # nothing half-written


def test_a_sensitive_grievance_is_sealed_from_everyone_but_the_focal_point(api, users, plots, focal):
    officer = users["officer_nangarhar"]
    data = record(api, officer, plot=plots[0].pk, category="staff_conduct", description=SCRIPT).json()
    assert data["sensitive"] is True and data["description"] is None and data["description_sealed"] is True
    reference = data["reference"]
    seen = api(focal, "get", f"/api/v1/grievances/{reference}/").json()
    assert seen["description"] == SCRIPT and seen["description_sealed"] is False
    assert PersonalDataAccess.objects.filter(user=focal, what__startswith="grievances").exists()
    committee = api(users["committee"], "get", f"/api/v1/grievances/{reference}/")
    assert committee.status_code == 404 or committee.json()["description"] is None
    refused = api(officer, "post", f"/api/v1/grievances/{reference}/transition/", {"action": "acknowledge"})
    assert refused.status_code == 403 and "focal point" in refused.json()["detail"]
    raw = Grievance.objects.get(reference=reference)
    assert raw.description == "" and b"alert" not in bytes(raw.description_sealed)


def test_assign_an_owner_by_username(api, users, plots, focal):
    officer = users["officer_nangarhar"]
    reference = record(api, officer, plot=plots[0].pk).json()["reference"]
    url = f"/api/v1/grievances/{reference}/assign/"
    assert api(officer, "post", url, {"to": "focal.n"}).json()["assigned_to"] == "focal.n"
    other = api(officer, "post", url, {"to": "officer.h"})
    assert other.status_code == 400 and "does not work in" in other.json()["detail"]
    nobody = api(officer, "post", url, {"to": "nobody"})
    assert nobody.status_code == 400 and "to" in nobody.json()["errors"]
    assert api(users["committee"], "post", url, {"to": "officer.n"}).status_code == 403


def outline(frame, x, y, w, h):
    return {"type": "Polygon", "coordinates": [list(map(list, frame.rect(x, y, w, h).coords[0]))]}


def test_a_dispute_with_its_claimed_outline_then_resolved(api, users, plots, frame):
    officer, committee = users["officer_nangarhar"], users["committee"]
    plot = plots[1]  # 20..40 × 0..25 m
    claimed = outline(frame, 30, 0, 20, 25)  # half on the plot, half on its neighbour
    opened = api(
        officer,
        "post",
        "/api/v1/disputes/",
        {"plot": plot.pk, "description": "The wall moved.", "claimed_outline": claimed},
    )
    assert opened.status_code == 201, opened.json()
    data = opened.json()
    assert data["category"] == "land_dispute" and data["dispute"]["decision"] == ""
    assert data["dispute"]["overlap_m2"] == pytest.approx(250, rel=0.01)  # 10 m × 25 m, measured by the database
    assert Plot.objects.get(pk=plot.pk).status == "disputed"
    reference = data["reference"]
    again = api(officer, "post", f"/api/v1/disputes/{reference}/resolve/", {"decision": "rejected", "note": "x"})
    assert again.status_code == 403  # a land officer does not decide a dispute
    early = api(committee, "post", f"/api/v1/disputes/{reference}/resolve/", {"decision": "rejected", "note": "No."})
    assert early.status_code == 409 and "acknowledge" in early.json()["detail"]
    api(officer, "post", f"/api/v1/grievances/{reference}/transition/", {"action": "acknowledge"})
    wrong = api(committee, "post", f"/api/v1/disputes/{reference}/resolve/", {"decision": "maybe", "note": "?"})
    assert wrong.status_code == 400 and "decision" in wrong.json()
    done = api(
        committee,
        "post",
        f"/api/v1/disputes/{reference}/resolve/",
        {"decision": "rejected", "note": "The survey stands."},
    )
    assert done.status_code == 200 and done.json()["dispute"]["decision"] == "rejected"
    assert done.json()["status"] == "resolved"
    assert Plot.objects.get(pk=plot.pk).status == "available"


@pytest.mark.parametrize(
    "bad,says",
    [
        ({"type": "Point", "coordinates": [70.5, 34.4]}, "Polygon"),
        ({"type": "Polygon", "coordinates": [[[70.5, 34.4], [70.6, 34.4]]]}, "closed ring"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}, "outside Afghanistan"),
        (
            {
                "type": "Polygon",
                "coordinates": [[[70.5, 34.4], [70.6, 34.5], [70.6, 34.4], [70.5, 34.5], [70.5, 34.4]]],
            },
            "crosses itself",
        ),
        ({"type": "Polygon", "coordinates": "[[1,2]]"}, "no ring"),
        ({"type": "Polygon", "coordinates": [[["a", "b"], [1, 2], [3, 4], ["a", "b"]]]}, "claimed outline"),
        ("not json", "not GeoJSON"),
    ],
)
def test_a_bad_outline_is_a_sentence_and_nothing_is_written(api, users, plots, bad, says):
    answer = api(
        users["officer_nangarhar"],
        "post",
        "/api/v1/disputes/",
        {"plot": plots[0].pk, "description": "x", "claimed_outline": bad},
    )
    assert answer.status_code == 400 and says in str(answer.json()), answer.json()
    assert not Grievance.objects.exists() and Plot.objects.get(pk=plots[0].pk).status == "available"


def test_a_usurpation_is_a_dispute_of_its_own_kind(api, users, plots):
    body = {"plot": plots[0].pk, "description": "A commander took it.", "category": "usurpation"}
    answer = api(users["officer_nangarhar"], "post", "/api/v1/disputes/", body)
    assert answer.status_code == 201 and answer.json()["category"] == "usurpation"
    assert Plot.objects.get(pk=plots[0].pk).status == "disputed"
    other = api(
        users["officer_nangarhar"], "post", "/api/v1/disputes/", {**body, "plot": plots[1].pk, "category": "sea"}
    )
    assert other.status_code == 400 and "category" in other.json()


def test_a_dispute_is_opened_by_officers_in_scope_only(api, users, plots):
    body = {"plot": plots[0].pk, "description": "Mine."}
    assert api(users["officer_herat"], "post", "/api/v1/disputes/", body).status_code == 400
    assert api(users["gis"], "post", "/api/v1/disputes/", body).status_code == 403
    assert api(users["partner"], "post", "/api/v1/disputes/", body).status_code in (400, 403)
    assert not LandDispute.objects.exists()


def test_an_appeal_is_lodged_decided_and_checked_by_two_other_members(api, users, plots, make_household, provinces):
    officer, committee = users["officer_nangarhar"], users["committee"]
    second = user_create(
        username="committee.n2", password="x", roles=[roles.COMMITTEE_MEMBER], provinces=[provinces["nangarhar"]]
    )
    third = user_create(
        username="committee.n3", password="x", roles=[roles.COMMITTEE_MEMBER], provinces=[provinces["nangarhar"]]
    )
    allocation = allocation_propose(household=make_household(), plot=plots[0], proposed_by=officer)
    allocation = allocation_transition(allocation=allocation, action="reject", by=committee, reason="Holds land.")
    lodged = api(officer, "post", "/api/v1/appeals/", {"allocation": allocation.pk, "description": "We hold none."})
    assert lodged.status_code == 201, lodged.json()
    reference = lodged.json()["reference"]
    assert lodged.json()["category"] == "appeal" and lodged.json()["appeal"]["decision"] == ""
    api(officer, "post", f"/api/v1/grievances/{reference}/transition/", {"action": "acknowledge"})
    own = api(committee, "post", f"/api/v1/appeals/{reference}/decide/", {"decision": "upheld", "note": "x"})
    assert own.status_code == 403 and "decision appealed" in own.json()["detail"]
    decided = api(second, "post", f"/api/v1/appeals/{reference}/decide/", {"decision": "upheld", "note": "No land."})
    assert decided.status_code == 200 and decided.json()["appeal"]["decided_by"] == "committee.n2"
    self_check = api(second, "post", f"/api/v1/appeals/{reference}/check/")
    assert self_check.status_code == 403
    checked = api(third, "post", f"/api/v1/appeals/{reference}/check/")
    assert checked.status_code == 200 and checked.json()["status"] == "resolved"
    assert checked.json()["appeal"]["checked_by"] == "committee.n3"
    not_refused = allocation_propose(household=make_household(), plot=plots[1], proposed_by=officer)
    refused = api(officer, "post", "/api/v1/appeals/", {"allocation": not_refused.pk, "description": "x"})
    assert refused.status_code == 400 and "only a refusal" in refused.json()["detail"]


def test_steps_are_append_only_through_the_api_too(api, users, plots):
    officer = users["officer_nangarhar"]
    reference = record(api, officer, plot=plots[0].pk).json()["reference"]
    api(officer, "post", f"/api/v1/grievances/{reference}/transition/", {"action": "acknowledge"})
    assert GrievanceStep.objects.filter(grievance__reference=reference).count() == 2
    for method in ("put", "patch", "delete"):
        assert api(officer, method, f"/api/v1/grievances/{reference}/").status_code == 405
    assert GrievanceStep.objects.filter(grievance__reference=reference).count() == 2


def test_the_schema_lists_every_grievance_operation(api, users):
    schema = api(users["officer_nangarhar"], "get", "/api/schema/", {"format": "json"}).json()
    for path in (
        "/api/v1/grievances/",
        "/api/v1/grievances/{reference}/",
        "/api/v1/grievances/{reference}/transition/",
        "/api/v1/grievances/{reference}/assign/",
        "/api/v1/disputes/",
        "/api/v1/disputes/{reference}/resolve/",
        "/api/v1/appeals/",
        "/api/v1/appeals/{reference}/decide/",
        "/api/v1/appeals/{reference}/check/",
    ):
        assert path in schema["paths"], path


# --- the map's plot panel --------------------------------------------------------------------------------------------


def panel(api, user, plot):
    return api(user, "get", f"/api/v1/map/plots/{plot.pk}/")


def test_the_plot_panel_lists_open_grievances_by_reference_and_status_only(api, users, plots, frame):
    officer, committee = users["officer_nangarhar"], users["committee"]
    record(api, officer, plot=plots[1].pk, description="The clerk " + SCRIPT)
    opened = api(
        officer,
        "post",
        "/api/v1/disputes/",
        {"plot": plots[1].pk, "description": "Mine.", "claimed_outline": outline(frame, 30, 0, 20, 25)},
    ).json()
    data = panel(api, officer, plots[1]).json()["grievances"]
    assert sorted(g["status"] for g in data["open"]) == ["received", "received"]
    assert set(data["open"][0]) == {"reference", "status", "status_label", "url"}  # nothing personal
    assert "clerk" not in str(data) and "Mine." not in str(data)
    dispute = data["dispute"]
    assert dispute["reference"] == opened["reference"] and dispute["claimed_outline"]["type"] == "Polygon"
    assert dispute["overlap_m2"] == pytest.approx(250, rel=0.01) and "m²" in dispute["overlap_text"]
    assert dispute["may_acknowledge"] and not dispute["may_resolve"]
    assert not data["may_open_dispute"]  # one is open
    assert "partner_referral" not in [c["code"] for c in data["channels"]]
    assert not panel(api, committee, plots[1]).json()["grievances"]["dispute"]["may_resolve"]  # not acknowledged
    api(officer, "post", f"/api/v1/grievances/{opened['reference']}/transition/", {"action": "acknowledge"})
    assert panel(api, committee, plots[1]).json()["grievances"]["dispute"]["may_resolve"]
    assert panel(api, officer, plots[0]).json()["grievances"]["open"] == []


def test_the_plot_panel_shows_no_grievances_to_partners_and_gis(api, users, plots, provinces):
    from tests.landreg.test_data_sharing import agreement_create

    agreement_create(users=[users["partner"]], provinces=[provinces["nangarhar"]])
    record(api, users["officer_nangarhar"], plot=plots[0].pk)
    assert panel(api, users["partner"], plots[0]).json()["grievances"] is None
    assert panel(api, users["gis"], plots[0]).json()["grievances"] is None
    assert panel(api, users["officer_herat"], plots[0]).status_code == 404


# --- fuzzing the grievance operations with real references -----------------------------------------------------------

from tests.api.test_schemathesis import (  # noqa: E402, F401  (fixtures)
    api_schema,
    fuzz,
    in_process,
    landscape,
    media_in_tmp,
    quiet_request_log,
)


@pytest.mark.slow
@pytest.mark.usefixtures("quiet_request_log")
def test_no_grievance_operation_answers_a_server_error(request, users, plots):
    """Schemathesis over the grievance operations only, on existing grievances, disputes and appeals: data that fits
    the schema and data that does not, and the boundary cases, as a land officer and a committee member."""
    from grievances.services import appeal_lodge, dispute_open, grievance_receive

    schema, real = request.getfixturevalue("api_schema"), request.getfixturevalue("landscape")

    officer, committee = users["officer_nangarhar"], users["committee"]
    grievance = grievance_receive(by=officer, channel="office", category="other", description="x", plot=plots[0])
    dispute = dispute_open(plot=plots[1], by=officer, description="Mine.", channel="office")
    proposed = Allocation.objects.get(plot=plots[2], status="proposed")  # the landscape's
    refused = allocation_transition(allocation=proposed, action="reject", by=committee, reason="No.")
    appeal = appeal_lodge(allocation=refused, by=officer, description="Please.", channel="office")
    real["paths"].update(
        {
            "/api/v1/grievances/{reference}": {"reference": grievance.reference},
            "/api/v1/disputes/{reference}": {"reference": dispute.reference},
            "/api/v1/appeals/{reference}": {"reference": appeal.reference},
        }
    )
    schema = schema.include(path_regex=r"^/api/v1/(grievances|disputes|appeals)/")
    for role, user in (("land_officer", officer), ("committee_member", committee)):
        errors = fuzz(schema, real, role=role, user=user, max_examples=15, boundary_cases=20)
        assert errors.sent > 100
        assert not errors.found, errors.report()


def test_while_disputed_the_panel_offers_no_step_the_database_would_refuse(api, users, plots, make_household):
    officer, committee = users["officer_nangarhar"], users["committee"]
    household = make_household(registered_by=officer)
    allocation = allocation_propose(household=household, plot=plots[0], proposed_by=officer)
    allocation_transition(allocation=allocation, action="approve", by=committee, reference="C-1")
    opened = api(officer, "post", "/api/v1/disputes/", {"plot": plots[0].pk, "description": "A wall moved."})
    assert opened.status_code == 201

    def steps(user):
        return [s["action"] for s in api(user, "get", f"/api/v1/map/plots/{plots[0].pk}/").json()["steps"]]

    assert "reinstate" not in steps(committee) and "revoke" in steps(committee)
    reference = opened.json()["reference"]
    api(officer, "post", f"/api/v1/grievances/{reference}/transition/", {"action": "acknowledge"})
    api(committee, "post", f"/api/v1/disputes/{reference}/resolve/", {"decision": "upheld", "note": "The wall stands."})
    assert Allocation.objects.get(pk=allocation.pk).status == "revoked"
