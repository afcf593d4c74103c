"""The JSON behind the map: the plot panel, the households a plot may go to, search, and layer versions."""

import math

from django.test import override_settings

from allocations.services import allocation_propose, allocation_transition
from households.eligibility import default_scheme
from households.models import EligibilityAssessment
from landreg.models import PersonalDataAccess


def panel(client, user, plot):
    client.force_login(user)
    return client.get(f"/api/v1/map/plots/{plot.pk}/")


def test_the_panel_shows_number_block_area_status_and_nearby_facilities(client, users, entitled_plots, facilities):
    answer = panel(client, users["officer_nangarhar"], entitled_plots[1])
    assert answer.status_code == 200
    data = answer.json()
    assert (data["number"], data["block"], data["status"], data["use"]) == ("1", "A", "available", "residential")
    assert round(data["area_m2"]) == 500 and round(data["area_biswa"], 1) == 5.0
    assert "500" in data["area_text"] and "biswa" in data["area_text"]
    assert [f["name"] for f in data["facilities"]] == ["Well 1"]  # the school is ~500 m away, beyond walking
    assert 0 < data["facilities"][0]["distance_m"] < 60
    assert data["actions"]["propose"] and not data["actions"]["approve"]
    assert data["allocations"] == [] and data["active"] is None and data["shelter"] is None


@override_settings(LANDREG_WALKING_DISTANCE_M=2000)
def test_walking_distance_is_a_setting(client, users, entitled_plots, facilities):
    data = panel(client, users["officer_nangarhar"], entitled_plots[0]).json()
    assert data["walking_distance_m"] == 2000
    assert [f["name"] for f in data["facilities"]] == ["Well 1", "Far school"]


def test_a_plot_outside_the_users_provinces_is_not_found(client, users, entitled_plots):
    assert panel(client, users["officer_herat"], entitled_plots[0]).status_code == 404


def test_partners_see_the_plot_but_no_allocation_history(client, users, entitled_plots, make_household, signed):
    household = make_household()
    allocation_propose(household=household, plot=entitled_plots[0], proposed_by=users["officer_nangarhar"])
    data = panel(client, users["partner"], entitled_plots[0]).json()
    assert data["status"] == "reserved"
    assert data["allocations"] is None and data["active"] is None
    assert household.code not in str(data)
    assert not any(data["actions"].values())


def test_the_committee_sees_history_and_may_approve_another_officers_proposal(
    client, users, entitled_plots, make_household
):
    household = make_household()
    allocation_propose(household=household, plot=entitled_plots[0], proposed_by=users["officer_nangarhar"])
    data = panel(client, users["committee"], entitled_plots[0]).json()
    assert data["actions"]["approve"] and data["actions"]["revoke"] and not data["actions"]["propose"]
    assert data["active"]["household_code"] == household.code
    assert data["allocations"][0]["transitions"][0]["by"] == "officer.n"
    assert PersonalDataAccess.objects.filter(user=users["committee"], what="allocations.Allocation").exists()


def test_history_dates_are_shamsi_in_dari(client, users, entitled_plots, make_household):
    allocation_propose(household=make_household(), plot=entitled_plots[0], proposed_by=users["officer_nangarhar"])
    client.force_login(users["committee"])
    data = client.get(f"/api/v1/map/plots/{entitled_plots[0].pk}/", HTTP_ACCEPT_LANGUAGE="fa").json()
    when = data["allocations"][0]["transitions"][0]["at"]
    months = ("حمل", "ثور", "جوزا", "سرطان", "اسد", "سنبله", "میزان", "عقرب", "قوس", "جدی", "دلو", "حوت")
    assert any(m in when for m in months) and "۱۴۰" in when


def test_candidates_match_the_entitlement_in_priority_order(client, users, entitled_plots, make_household):
    scheme = default_scheme()
    first_registered = make_household(size=4)
    vulnerable = make_household(size=6, female_headed=True)
    unassessed = make_household(size=3)
    too_big = make_household(size=12)
    make_household(size=5, province="herat")
    make_household(size=5, status="registered")
    EligibilityAssessment.objects.create(household=first_registered, scheme=scheme, eligible=True, priority_score=0)
    EligibilityAssessment.objects.create(household=vulnerable, scheme=scheme, eligible=True, priority_score=3)
    client.force_login(users["officer_nangarhar"])
    answer = client.get(f"/api/v1/map/plots/{entitled_plots[0].pk}/candidates/")
    assert answer.status_code == 200
    codes = [h["code"] for h in answer.json()["households"]]
    assert codes == [vulnerable.code, first_registered.code, unassessed.code] and too_big.code not in codes
    assert PersonalDataAccess.objects.filter(action="list", where="map candidates").exists()


def test_only_land_officers_get_candidates(client, users, entitled_plots):
    client.force_login(users["committee"])
    assert client.get(f"/api/v1/map/plots/{entitled_plots[0].pk}/candidates/").status_code == 403


def test_search_finds_townships_plots_and_households_in_scope(client, users, entitled_plots, make_household):
    household = make_household()
    allocation_propose(household=household, plot=entitled_plots[2], proposed_by=users["officer_nangarhar"])
    client.force_login(users["officer_nangarhar"])
    hits = client.post("/api/v1/map/search/", {"q": "test town"}, content_type="application/json").json()["results"]
    assert [h["type"] for h in hits] == ["township"] and len(hits[0]["bbox"]) == 4
    hits = client.post("/api/v1/map/search/", {"q": "2"}, content_type="application/json").json()["results"]
    assert [(h["type"], h["id"]) for h in hits] == [("plot", entitled_plots[2].pk)]
    hits = client.post("/api/v1/map/search/", {"q": household.code}, content_type="application/json").json()
    assert [(h["type"], h["id"]) for h in hits["results"]] == [("household", entitled_plots[2].pk)]
    logged = PersonalDataAccess.objects.get(where="map search")
    assert logged.object_ids == [household.pk] and household.code not in logged.where


def test_search_respects_scope_and_role(client, users, entitled_plots, make_household, signed):
    household = make_household()
    for name in ("officer_herat", "partner"):
        client.force_login(users[name])
        hits = client.post("/api/v1/map/search/", {"q": household.code}, content_type="application/json").json()
        assert not [h for h in hits["results"] if h["type"] == "household"], name
    client.force_login(users["officer_herat"])
    hits = client.post("/api/v1/map/search/", {"q": "1"}, content_type="application/json").json()["results"]
    assert hits == []


def test_search_is_post_only_so_codes_stay_out_of_access_logs(client, users, township):
    client.force_login(users["officer_nangarhar"])
    assert client.get("/api/v1/map/search/?q=HH-0001").status_code == 405


def test_layer_versions_change_when_a_plot_changes(client, users, entitled_plots, make_household):
    client.force_login(users["officer_nangarhar"])
    before = client.get("/api/v1/map/versions/").json()
    allocation = allocation_propose(
        household=make_household(), plot=entitled_plots[0], proposed_by=users["officer_nangarhar"]
    )
    after = client.get("/api/v1/map/versions/").json()
    assert before["plots"] != after["plots"] and before["provinces"] == after["provinces"]
    allocation_transition(allocation=allocation, action="approve", by=users["committee"], reference="C-1")
    assert client.get("/api/v1/map/versions/").json()["plots"] != after["plots"]


def test_anonymous_users_get_nothing(client, entitled_plots):
    assert client.get(f"/api/v1/map/plots/{entitled_plots[0].pk}/").status_code == 403
    assert client.post("/api/v1/map/search/", {"q": "x"}, content_type="application/json").status_code == 403


def tile_of(lon, lat, z):
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def test_plot_tiles_carry_status_but_no_household(client, users, entitled_plots, make_household):
    household = make_household()
    allocation_propose(household=household, plot=entitled_plots[0], proposed_by=users["officer_nangarhar"])
    client.force_login(users["officer_nangarhar"])
    centre = entitled_plots[0].geom.centroid
    x, y = tile_of(centre.x, centre.y, 16)
    tile = client.get(f"/tiles/plots/16/{x}/{y}.mvt").content
    assert b"reserved" in tile and household.code.encode() not in tile and b"Head" not in tile


def steps(client, url):
    return [s["action"] for s in client.get(url).json()["steps"]]


def test_the_panel_leads_an_officer_from_approval_to_the_printed_deed(
    client, users, entitled_plots, make_household, field_officer, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    officer = users["officer_nangarhar"]
    household = make_household(head={"name": "Habibullah", "father_name": "Gul", "sex": "m"})
    allocation = allocation_propose(household=household, plot=entitled_plots[0], proposed_by=officer)
    allocation_transition(allocation=allocation, action="approve", by=users["committee"], reference="C-9")
    client.force_login(officer)
    url = f"/api/v1/map/plots/{entitled_plots[0].pk}/"
    data = client.get(url).json()
    assert [(s["action"], s["group"]) for s in data["steps"]] == [
        ("assign", "next"),
        ("suspend", "other"),
        ("revoke", "other"),
    ]
    assign = data["steps"][0]
    assert (
        assign["consequence"]
        == f"Plot 0 is assigned to household \u2068{household.code}\u2069 (\u2068Habibullah\u2069), who then counts as "
        "allocated."  # the code and the name isolated, so they keep their order in a Dari sentence
    )
    assert assign["done"].startswith(f"Plot 0 assigned to household \u2068{household.code}\u2069 (\u2068Habibullah")
    assert data["active"]["head_name"] == "Habibullah" and data["documents_to_issue"] == []

    client.post(f"/api/v1/allocations/{allocation.pk}/assign/", {}, content_type="application/json")
    data = client.get(url).json()
    # The office prints the letter first; recording it as given comes after.
    assert steps(client, url)[:1] != ["issue-letter"] and [d["kind"] for d in data["documents_to_issue"]] == ["letter"]
    client.post(
        f"/api/v1/allocations/{allocation.pk}/documents/",
        {"kind": "letter", "language": "en"},
        content_type="application/json",
    )
    data = client.get(url).json()
    assert data["documents_to_issue"] == [] and steps(client, url)[0] == "issue-letter"
    [letter] = data["active"]["documents"]
    assert (letter["number"], letter["standing"], letter["prints"]) == ("NAN-TEST-L-000001", "valid", 1)
    assert set(letter["print_urls"]) == {"en", "fa", "ps"}
    assert letter["print_urls"]["fa"] == "/api/v1/documents/NAN-TEST-L-000001/pdf/?language=fa"

    client.post(f"/api/v1/allocations/{allocation.pk}/issue-letter/", {}, content_type="application/json")
    assert steps(client, url)[0] == "hand-over"
    hand_over = client.get(url).json()["steps"][0]
    assert hand_over["fields"] == ["point"] and "GPS point" in hand_over["consequence"]
    centre = entitled_plots[0].geom.point_on_surface
    body = {"lon": centre.x, "lat": centre.y, "accuracy_m": 4}
    assert (
        client.post(
            f"/api/v1/allocations/{allocation.pk}/hand-over/", body, content_type="application/json"
        ).status_code
        == 200
    )
    assert steps(client, url)[0] == "confirm-occupancy"
    client.post(f"/api/v1/allocations/{allocation.pk}/confirm-occupancy/", {}, content_type="application/json")
    assert steps(client, url)[0] == "title"
    client.post(f"/api/v1/allocations/{allocation.pk}/title/", {}, content_type="application/json")
    data = client.get(url).json()
    assert data["active"]["status"] == "titled" and [d["kind"] for d in data["documents_to_issue"]] == ["deed"]
    assert data["actions"]["deed"] and steps(client, url) == ["suspend", "revoke", "transfer"]


def test_each_role_gets_the_steps_the_api_allows_it(client, users, entitled_plots, make_household, field_officer):
    allocation = allocation_propose(
        household=make_household(), plot=entitled_plots[0], proposed_by=users["officer_nangarhar"]
    )
    url = f"/api/v1/map/plots/{entitled_plots[0].pk}/"
    client.force_login(users["committee"])
    assert steps(client, url) == ["approve", "reject", "revoke"]
    client.force_login(users["officer_nangarhar"])
    assert steps(client, url) == ["revoke"]  # the maker does not approve or reject
    allocation_transition(allocation=allocation, action="approve", by=users["committee"], reference="C-1")
    allocation_transition(allocation=allocation, action="assign", by=users["officer_nangarhar"])
    allocation_transition(allocation=allocation, action="issue_letter", by=users["officer_nangarhar"])
    client.force_login(field_officer)
    data = client.get(url).json()
    assert steps(client, url) == ["hand-over"] and data["documents_to_issue"] == []
    assert data["active"]["documents"] == [] or not data["active"]["documents"][0]["print_urls"]
    client.force_login(users["committee"])
    assert steps(client, url) == ["suspend", "revoke"]


def test_the_committee_rejects_with_a_reason_and_the_plot_is_free_again(client, users, entitled_plots, make_household):
    household = make_household(head={"name": "Habibullah", "father_name": "Gul", "sex": "m"})
    allocation = allocation_propose(household=household, plot=entitled_plots[0], proposed_by=users["officer_nangarhar"])
    client.force_login(users["committee"])
    url = f"/api/v1/map/plots/{entitled_plots[0].pk}/"
    reject = next(s for s in client.get(url).json()["steps"] if s["action"] == "reject")
    assert reject["fields"] == ["reason", "reference"] and "ends for good" in reject["consequence"]
    no_reason = client.post(f"/api/v1/allocations/{allocation.pk}/reject/", {}, content_type="application/json")
    assert no_reason.status_code == 400 and "Say why" in no_reason.json()["detail"]
    done = client.post(
        f"/api/v1/allocations/{allocation.pk}/reject/", {"reason": "Owns land"}, content_type="application/json"
    )
    assert done.status_code == 200
    data = client.get(url).json()
    assert data["status"] == "available" and data["active"] is None and data["steps"] == []


def test_candidates_show_the_heads_name_why_they_are_eligible_and_a_link(client, users, entitled_plots, make_household):
    household = make_household(head={"name": "Habibullah", "father_name": "Gul", "sex": "m"})
    EligibilityAssessment.objects.create(
        household=household,
        scheme=default_scheme(),
        eligible=True,
        priority_score=2,
        results=[
            {"criterion": "returnee", "passed": True, "explanation": "Returned from Iran in 2024."},
            {"criterion": "landless", "passed": True, "explanation": "Declares no land."},
            {"criterion": "income", "passed": False, "explanation": "Not checked."},
        ],
    )
    client.force_login(users["officer_nangarhar"])
    [h] = client.get(f"/api/v1/map/plots/{entitled_plots[0].pk}/candidates/").json()["households"]
    assert (h["code"], h["head_name"], h["size"], h["priority"]) == (household.code, "Habibullah", 6, 2)
    assert h["eligible_because"] == ["Returned from Iran in 2024.", "Declares no land."]
    assert h["url"] == f"/households/{household.pk}/"


def test_facilities_are_not_named_twice_and_dari_pages_use_dari_names(client, users, entitled_plots, township, frame):
    township.name_prs = "شهرک آزمایشی"
    township.save(update_fields=["name_prs"])
    from townships import services as township_services

    township_services.facility_create(
        township=township, kind="water_point", name="Water point 2", geom=frame.rect(25, 30, 1, 1).centroid
    )
    client.force_login(users["officer_nangarhar"])
    url = f"/api/v1/map/plots/{entitled_plots[1].pk}/"
    english = client.get(url).json()
    assert [f["label"] for f in english["facilities"]] == ["Water point 2"]
    assert english["township"]["name"] == township.name
    dari = client.get(url, HTTP_ACCEPT_LANGUAGE="fa").json()
    assert dari["township"]["name"] == "شهرک آزمایشی"
    [water] = dari["facilities"]
    assert water["label"] in ("Water point 2", f"{water['kind_label']} Water point 2")
    assert water["label"].count("Water point") == 1
