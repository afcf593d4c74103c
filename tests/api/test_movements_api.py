"""The movements API (docs/movements.md): arrivals registered once with their client_uuid, read only by the roles
that work with personal data (each view logged), the decision on an ID number registered elsewhere, flow counts (a
day's grid, a file with a dry run), IDP sites and estimates, a household's locations, move and journey, figures,
crossing point corrections. Every bad input is a 400 with a sentence and nothing half-written; never a 500."""

import datetime
import json
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from households.models import Household
from landreg.models import PersonalDataAccess
from movements.figures import figures_refresh
from movements.models import Arrival, ArrivalMember, ArrivalReview, FlowCount, HouseholdLocation, IdpSite
from tests.landreg.test_data_sharing import agreement_create
from tests.movements import conftest as movements_fixtures
from tests.movements.conftest import family

# The movement tests' fixtures: crossing points, districts, a border officer of Herat.
points, districts, border_herat = (
    movements_fixtures.points,
    movements_fixtures.districts,
    movements_fixtures.border_herat,
)

ARRIVALS = "/api/v1/movements/arrivals/"


@pytest.fixture
def api(client):
    def call(user, method, url, data=None, **extra):
        client.logout()
        if user is not None:
            client.force_login(user)
        if method == "get":
            response = client.get(url, data or {})
        elif extra.get("multipart"):
            response = client.post(url, data)
        else:
            response = getattr(client, method)(url, json.dumps(data or {}), content_type="application/json")
        assert response.status_code < 500, response.content
        return response

    return call


def arrival_body(**fields) -> dict:
    body = {
        "client_uuid": str(uuid.uuid4()),
        "crossing_point": "torkham",
        "crossed_at": (timezone.now() - datetime.timedelta(hours=3)).isoformat(),
        "category": "deported",
        "country_of_asylum": "PK",
        "travelling": "family",
        "destination_province": "AF06",
        "members": family("Sher Agha Safi", "Bibi Gul", "Zarmina"),
    }
    body.update(fields)
    return body


def test_a_family_is_registered_once_however_often_it_is_sent(api, points, field_officer):
    body = arrival_body()
    first = api(field_officer, "post", ARRIVALS, body)
    assert first.status_code == 201, first.json()
    answer = first.json()
    assert answer["created"] and answer["members"] == 3 and not answer["awaiting_review"]
    assert answer["household"]["code"].startswith("AF06-")
    again = api(field_officer, "post", ARRIVALS, body)
    assert again.status_code == 200 and again.json()["id"] == answer["id"] and not again.json()["created"]
    assert Arrival.objects.filter(client_uuid=body["client_uuid"]).count() == 1
    assert ArrivalMember.objects.filter(arrival_id=answer["id"]).count() == 3
    assert Household.objects.count() == 1
    assert "Sher Agha" not in first.content.decode()  # the sender has the names: they are not sent back


def test_the_id_numbers_sent_are_never_answered_or_kept(api, points, field_officer, users):
    members = family("Sher Agha Safi", "Bibi Gul", tazkira="1400-0101-98765")
    made = api(field_officer, "post", ARRIVALS, arrival_body(members=members)).json()
    detail = api(users["officer_nangarhar"], "get", f"{ARRIVALS}{made['id']}/").json()
    assert detail["members"][0]["tazkira_last4"] == "8765"
    assert "98765" not in json.dumps(detail) and "1400-0101" not in json.dumps(detail)


@pytest.mark.parametrize(
    "fields,field,words",
    [
        ({"members": []}, "members", "Record the members"),
        ({"members": family("Sher Agha Safi")}, "members", "at least two members"),
        ({"destination_province": "PK01"}, "destination_province", "not a province of Afghanistan"),
        ({"destination_district": "AF9999"}, "destination_district", "not one of Afghanistan's districts"),
        ({"crossing_point": "nowhere"}, "crossing_point", "not a crossing point"),
        ({"crossed_at": "2999-01-01T10:00:00+04:30"}, "crossed_at", "in the future"),
        ({"country_of_asylum": "AF"}, "country_of_asylum", "two-letter code"),
        ({"category": "avr"}, "repatriation_form", "repatriation form"),
        ({"category": "tourist"}, "category", ""),
        ({"members": [{"name": "X", "sex": "x", "age_band": "18_59"}, {"sex": "f", "age_band": "0_4"}]}, "members", ""),
        ({"members": "everyone"}, "members", ""),
        ({"years_abroad": 1000}, "years_abroad", ""),
        ({"client_uuid": "not-a-uuid"}, "client_uuid", ""),
    ],
)
def test_a_bad_arrival_is_a_400_with_a_sentence_and_nothing_written(api, points, field_officer, fields, field, words):
    response = api(field_officer, "post", ARRIVALS, arrival_body(**fields))
    assert response.status_code == 400, response.json()
    body = response.json()
    text = json.dumps(body, ensure_ascii=False)
    assert field in text and words in text
    assert not Arrival.objects.exists() and not ArrivalMember.objects.exists() and not Household.objects.exists()


def test_a_district_of_another_province_is_refused(api, points, field_officer, districts):
    response = api(field_officer, "post", ARRIVALS, arrival_body(destination_district=districts["injil"].pcode))
    assert response.status_code == 400
    assert "Injil is not in Nangarhar" in response.json()["detail"]
    assert not Arrival.objects.exists()


def test_an_id_number_registered_to_another_person_waits_for_an_officer(
    api, points, field_officer, users, make_household
):
    officer = users["officer_nangarhar"]
    other = make_household(head={"name": "Gul Ahmad", "father_name": "Karim", "sex": "m", "tazkira": "1400-0202-55555"})
    members = family("Sher Agha Safi", "Bibi Gul", tazkira="1400-0202-55555")
    answer = api(field_officer, "post", ARRIVALS, arrival_body(members=members))
    assert answer.status_code == 201
    body = answer.json()
    assert body["awaiting_review"] and body["household"] is None
    assert "Nothing was merged" in body["detail"] and other.code not in json.dumps(body)
    assert Household.objects.count() == 1  # no household made, none merged
    reviews = api(officer, "get", "/api/v1/movements/arrival-reviews/").json()
    assert reviews["count"] == 1 and reviews["results"][0]["candidate"]["code"] == other.code
    review_id = reviews["results"][0]["id"]
    refused = api(
        field_officer, "post", f"/api/v1/movements/arrival-reviews/{review_id}/decide/", {"decision": "attached"}
    )
    assert refused.status_code == 403
    bad = api(officer, "post", f"/api/v1/movements/arrival-reviews/{review_id}/decide/", {"decision": "merge"})
    assert bad.status_code == 400
    decided = api(officer, "post", f"/api/v1/movements/arrival-reviews/{review_id}/decide/", {"decision": "attached"})
    assert decided.status_code == 200 and decided.json()["household"] == other.pk
    assert Arrival.objects.get(pk=body["id"]).household_id == other.pk
    again = api(officer, "post", f"/api/v1/movements/arrival-reviews/{review_id}/decide/", {"decision": "attached"})
    assert again.status_code == 400 and "decided already" in again.json()["detail"]


def test_who_may_register_and_read_arrivals(api, points, field_officer, users, border_herat):
    refused = api(border_herat, "post", ARRIVALS, arrival_body())
    assert refused.status_code == 403 and "outside your provinces" in refused.json()["detail"]
    for role in ("gis", "partner", "committee"):
        assert api(users[role], "post", ARRIVALS, arrival_body()).status_code == 403
    assert api(None, "post", ARRIVALS, arrival_body()).status_code in (401, 403)
    assert not Arrival.objects.exists()
    made = api(field_officer, "post", ARRIVALS, arrival_body()).json()
    for role in ("gis", "partner"):
        assert api(users[role], "get", ARRIVALS).status_code == 403
        assert api(users[role], "get", f"{ARRIVALS}{made['id']}/").status_code == 404
    assert api(users["officer_herat"], "get", f"{ARRIVALS}{made['id']}/").status_code == 404
    assert api(users["officer_herat"], "get", ARRIVALS).json()["count"] == 0


def test_each_arrival_read_is_logged(api, points, field_officer, users):
    made = api(field_officer, "post", ARRIVALS, arrival_body()).json()
    officer = users["officer_nangarhar"]
    listed = api(officer, "get", ARRIVALS, {"crossing_point": "torkham", "since": "2020-01-01"}).json()
    assert listed["count"] == 1 and listed["results"][0]["id"] == made["id"]
    assert "members" not in listed["results"][0]
    detail = api(officer, "get", f"{ARRIVALS}{made['id']}/").json()
    assert [m["name"] for m in detail["members"]] == ["Sher Agha Safi", "Bibi Gul", "Zarmina"]
    logged = PersonalDataAccess.objects.filter(user=officer, what="movements.Arrival")
    assert sorted(logged.values_list("action", flat=True)) == ["list", "view"]
    assert all(made["id"] in entry.object_ids for entry in logged)
    assert api(officer, "get", ARRIVALS, {"since": "yesterday"}).status_code == 400
    assert api(officer, "get", ARRIVALS, {"household": "1; DROP"}).status_code == 400


# --- flow counts --------------------------------------------------------------------------------------------------


def grid_row(**fields):
    row = {"direction": "in", "category": "deported", "travelling": "family", "method": "headcount", "total": 10}
    row.update(fields)
    return row


def test_a_days_grid_replaces_that_days_counts(api, points, field_officer):
    day = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    url = "/api/v1/movements/flow-counts/day/"
    first = api(field_officer, "put", url, {"crossing_point": "torkham", "day": day, "source": "border_team",
                                             "rows": [grid_row(), grid_row(travelling="alone", total=4)]})  # fmt: skip
    assert first.status_code == 200, first.json()
    assert len(first.json()["counts"]) == 2
    second = api(field_officer, "put", url, {"crossing_point": "torkham", "day": day, "source": "border_team",
                                              "rows": [grid_row(total=12, female=5, male=7)]})  # fmt: skip
    assert second.status_code == 200
    assert len(second.json()["removed"]) == 1
    assert list(FlowCount.objects.values_list("total", "female", "male")) == [(12, 5, 7)]
    listed = api(field_officer, "get", "/api/v1/movements/flow-counts/", {"source": "border_team"}).json()
    assert listed["count"] == 1 and listed["results"][0]["total"] == 12


@pytest.mark.parametrize(
    "change,words",
    [
        ({"rows": [grid_row(total=-3)]}, "cannot be negative"),
        ({"day": "2999-01-01"}, "in the future"),
        ({"rows": [grid_row(total=10, female=3, male=4)]}, "not the total 10"),
        ({"crossing_point": "nowhere"}, "not a crossing point"),
        ({"rows": [grid_row(), grid_row()]}, "repeats"),
        ({"rows": "many"}, "rows"),
        ({"source": "rumour"}, "source"),
    ],
)
def test_a_bad_grid_is_a_400_and_nothing_written(api, points, field_officer, change, words):
    day = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    body = {"crossing_point": "torkham", "day": day, "source": "border_team", "rows": [grid_row()]}
    body.update(change)
    response = api(field_officer, "put", "/api/v1/movements/flow-counts/day/", body)
    assert response.status_code == 400
    assert words in json.dumps(response.json(), ensure_ascii=False)
    assert not FlowCount.objects.exists()


def csv_file(rows: list[str]) -> SimpleUploadedFile:
    header = "crossing_point,day,direction,category,travelling,source,method,total,female,male"
    return SimpleUploadedFile("counts.csv", "\n".join([header, *rows]).encode(), content_type="text/csv")


def test_a_file_of_counts_is_checked_then_imported(api, points, field_officer):
    day = (timezone.localdate() - datetime.timedelta(days=2)).isoformat()
    rows = [
        f"torkham,{day},in,deported,family,iom,headcount,20,9,11",
        f"Torkham,{day},in,deported,alone,iom,headcount,3,,",
    ]
    url = "/api/v1/movements/flow-counts/import/"
    dry = api(field_officer, "post", url, {"file": csv_file(rows)}, multipart=True)
    assert dry.status_code == 200, dry.json()
    assert dry.json()["counts"]["new"] == 2 and not dry.json()["committed"]
    assert not FlowCount.objects.exists()
    done = api(field_officer, "post", url, {"file": csv_file(rows), "dry_run": "false"}, multipart=True)
    assert done.status_code == 200 and done.json()["committed"]
    assert FlowCount.objects.count() == 2
    again = api(field_officer, "post", url, {"file": csv_file(rows[:1]), "dry_run": "false"}, multipart=True).json()
    assert again["counts"]["same"] == 1 and len(again["removed"]) == 1
    assert FlowCount.objects.count() == 1


def test_a_file_with_bad_rows_is_a_400_with_each_rows_sentence_and_nothing_written(api, points, field_officer):
    day = (timezone.localdate() - datetime.timedelta(days=2)).isoformat()
    rows = [
        f"torkham,{day},in,deported,family,iom,headcount,20,9,11",
        f"kabul_gate,{day},in,deported,family,iom,headcount,20,,",
        f"torkham,{day},in,documented,family,iom,headcount,-5,,",
        "torkham,2999-01-01,in,deported,family,iom,headcount,20,,",
        f"torkham,{day},in,avr,family,iom,headcount,20,9,9",
    ]
    response = api(field_officer, "post", "/api/v1/movements/flow-counts/import/",
                   {"file": csv_file(rows), "dry_run": "false"}, multipart=True)  # fmt: skip
    assert response.status_code == 400
    body = response.json()
    assert "4 row(s) of the file are invalid; nothing was written" in body["detail"]
    messages = {r["row"]: " ".join(r["messages"]) for r in body["rows"] if r["outcome"] == "invalid"}
    assert "“kabul_gate” is not known" in messages[3]
    assert "cannot be negative" in messages[4]
    assert "in the future" in messages[5]
    assert "add up to 18, not the total 20" in messages[6]
    assert not FlowCount.objects.exists()
    not_csv = api(field_officer, "post", "/api/v1/movements/flow-counts/import/",
                  {"file": SimpleUploadedFile("x.csv", b"\xff\xfe\x00bad")}, multipart=True)  # fmt: skip
    assert not_csv.status_code == 400 and "UTF-8" in not_csv.json()["detail"]


def test_counts_of_another_province_are_refused_row_by_row(api, points, border_herat):
    day = (timezone.localdate() - datetime.timedelta(days=2)).isoformat()
    rows = [f"torkham,{day},in,deported,family,iom,headcount,20,9,11"]
    response = api(border_herat, "post", "/api/v1/movements/flow-counts/import/",
                   {"file": csv_file(rows), "dry_run": "false"}, multipart=True)  # fmt: skip
    assert response.status_code == 400 and "outside your provinces" in json.dumps(response.json(), ensure_ascii=False)
    assert not FlowCount.objects.exists()


# --- IDP sites, locations, journey ----------------------------------------------------------------------------------


def site_body(**fields):
    body = {
        "code": "nan-site-1",
        "name": "Site One",
        "kind": "informal_settlement",
        "province": "AF06",
        "geometry": {"type": "Point", "coordinates": [70.45, 34.43]},
    }
    body.update(fields)
    return body


def test_a_site_and_its_estimates(api, users, field_officer):
    officer = users["officer_nangarhar"]
    made = api(officer, "post", "/api/v1/movements/idp-sites/", site_body())
    assert made.status_code == 201, made.json()
    assert api(officer, "post", "/api/v1/movements/idp-sites/", site_body()).status_code == 400  # code taken
    url = "/api/v1/movements/idp-sites/nan-site-1/estimates/"
    estimate = {"round": "2025-R3", "assessed_on": "2025-08-01", "method": "headcount", "arrival_idps": 120,
                "returnees_from_abroad": 40, "out_migrants": 5}  # fmt: skip
    assert api(field_officer, "post", url, estimate).status_code == 201
    assert api(field_officer, "post", url, {**estimate, "arrival_idps": 130}).status_code == 201  # corrected
    site = api(users["gis"], "get", "/api/v1/movements/idp-sites/nan-site-1/").json()
    assert site["latest_estimate"]["population"] == 170
    assert api(field_officer, "post", url, {**estimate, "arrival_idps": -1}).status_code == 400
    assert api(field_officer, "post", url, {**estimate, "assessed_on": "2999-01-01"}).status_code == 400
    patched = api(officer, "patch", "/api/v1/movements/idp-sites/nan-site-1/", {"name": "Site Uno"})
    assert patched.status_code == 200 and patched.json()["name"] == "Site Uno"


@pytest.mark.parametrize(
    "geometry",
    [
        {"type": "Point", "coordinates": [2.35, 48.85]},
        {"type": "Polygon", "coordinates": [[[70, 34], [71, 35], [71, 34], [70, 35], [70, 34]]]},
        {"type": "LineString", "coordinates": [[70, 34], [71, 35]]},
        {"type": "Point", "coordinates": ["a", "b"]},
        "not json",
    ],
)
def test_a_site_with_a_bad_geometry_is_refused(api, users, geometry):
    response = api(users["officer_nangarhar"], "post", "/api/v1/movements/idp-sites/", site_body(geometry=geometry))
    assert response.status_code == 400 and response.json()["geometry"]
    assert not IdpSite.objects.exists()


def test_who_may_record_a_site(api, users, field_officer):
    assert api(field_officer, "post", "/api/v1/movements/idp-sites/", site_body()).status_code == 403
    assert api(users["officer_herat"], "post", "/api/v1/movements/idp-sites/", site_body()).status_code == 403
    assert api(users["partner"], "post", "/api/v1/movements/idp-sites/", site_body()).status_code == 403
    assert not IdpSite.objects.exists()


def test_a_households_locations_move_and_journey(api, points, field_officer, users, provinces):
    made = api(field_officer, "post", ARRIVALS, arrival_body()).json()
    pk = made["household"]["id"]
    officer = users["officer_nangarhar"]
    base = f"/api/v1/movements/households/{pk}"
    yesterday = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    today = timezone.localdate().isoformat()
    entry = api(officer, "post", f"{base}/locations/", {"status": "in_host_community", "since": today})
    assert entry.status_code == 201, entry.json()
    assert api(officer, "post", f"{base}/locations/", {"status": "in_site", "since": yesterday}).status_code == 400
    assert (
        api(officer, "post", f"{base}/locations/", {"status": "in_host_community", "since": "2999-01-01"}).status_code
        == 400
    )
    assert api(users["officer_herat"], "get", f"{base}/locations/").status_code == 404
    locations = api(officer, "get", f"{base}/locations/").json()
    assert [e["status"] for e in locations] == ["arrived_at_border", "in_host_community"]
    journey = api(officer, "get", f"{base}/journey/").json()
    assert journey["complete"] and [s["kind"] for s in journey["steps"]][0] == "arrival"
    assert api(users["gis"], "get", f"{base}/journey/").status_code == 404
    moved = api(officer, "post", f"{base}/move/", {"to_province": "AF32", "since": timezone.localdate().isoformat()})
    assert moved.status_code == 201
    assert Household.objects.get(pk=pk).province == provinces["herat"]
    # The sending province keeps what it recorded; the receiving province's officers see the whole history.
    assert not api(officer, "get", f"{base}/journey/").json()["complete"]
    assert len(api(users["officer_herat"], "get", f"{base}/locations/").json()) == 3
    assert HouseholdLocation.objects.filter(household_id=pk).count() == 3
    logged = PersonalDataAccess.objects.filter(
        user=officer, what__in=["movements.HouseholdLocation", "households.Household"]
    )
    assert logged.count() >= 2


# --- figures and crossing points ------------------------------------------------------------------------------------


def test_weekly_figures_with_small_cells_suppressed_for_partners(api, points, field_officer, users, provinces):
    for _ in range(2):
        api(field_officer, "post", ARRIVALS, arrival_body(members=family("A Khan", "B Bibi", "C", "D")))
    figures_refresh()
    officer = api(users["officer_nangarhar"], "get", "/api/v1/movements/figures/arrivals/").json()
    assert officer["period"] == "week"
    assert [(f["crossing_point"], f["people"]) for f in officer["figures"]] == [("torkham", 8)]
    by_sex = api(users["officer_nangarhar"], "get", "/api/v1/movements/figures/arrivals/",
                 {"by": "sex", "period": "month", "crossing_point": "torkham"}).json()  # fmt: skip
    assert {f["sex"]: f["people"] for f in by_sex["figures"]} == {"f": 4, "m": 4}
    agreement_create(users=[users["partner"]], provinces=[provinces["nangarhar"]], datasets=["movement_figures"])
    partner = api(users["partner"], "get", "/api/v1/movements/figures/arrivals/", {"by": "sex"}).json()
    assert {f["sex"]: f["people"] for f in partner["figures"]} == {"f": "<5", "m": "<5"}
    for bad in ({"period": "day"}, {"by": "name"}, {"source": "iom"}, {"direction": "up"}, {"since": "soon"}):
        assert api(users["officer_nangarhar"], "get", "/api/v1/movements/figures/arrivals/", bad).status_code == 400
    flows = api(users["officer_nangarhar"], "get", "/api/v1/movements/figures/flows/", {"source": "iom"})
    assert flows.status_code == 200 and flows.json()["figures"] == []


def test_an_administrator_corrects_a_crossing_point(api, points, users):
    url = "/api/v1/movements/crossing-points/torkham/"
    listed = api(users["partner"], "get", "/api/v1/movements/crossing-points/").json()
    assert [p["code"] for p in listed] == ["islam_qala", "torkham"]
    refused = api(users["officer_nangarhar"], "patch", url, {"lon": 71.1, "lat": 34.11})
    assert refused.status_code == 403
    far = api(users["admin"], "patch", url, {"lon": 2.35, "lat": 48.85})
    assert far.status_code == 400 and "not at Afghanistan's borders" in far.json()["detail"]
    done = api(
        users["admin"], "patch", url, {"lon": 71.1, "lat": 34.11, "source": "surveyed 2026", "precision_km": "0.5"}
    )
    assert done.status_code == 200, done.json()
    point = points["torkham"]
    point.refresh_from_db()
    assert (round(point.geom.x, 3), point.source, float(point.precision_km)) == (71.1, "surveyed 2026", 0.5)
    assert point.corrected_at is not None
    assert (
        api(users["admin"], "patch", "/api/v1/movements/crossing-points/nowhere/", {"lon": 71, "lat": 34}).status_code
        == 404
    )


def test_hostile_bodies_are_refused_with_a_sentence(api, points, field_officer):
    for body in ([1, 2], "text", {"members": [{"name": "a\x00b", "sex": "m", "age_band": "18_59"}]}):
        response = api(field_officer, "post", ARRIVALS, body if not isinstance(body, dict) else arrival_body(**body))
        assert response.status_code == 400
    assert not Arrival.objects.exists() and not ArrivalReview.objects.exists()


# --- generated requests: no operation of /api/v1/movements/ answers a server error ---------------------------------


@pytest.fixture
def movements_landscape(points, field_officer, users, make_household):
    """Real records for the generated requests to reach: an arrival with its household, one waiting for a decision,
    a site with an estimate, flow counts."""
    from django.contrib.gis.geos import Point

    from movements.services import arrival_register, idp_site_create, site_estimate_record

    arrival = arrival_register(
        crossing_point=points["torkham"],
        crossed_at=timezone.now() - datetime.timedelta(hours=2),
        category="deported",
        country_of_asylum="PK",
        travelling="family",
        members=family("Sher Agha Safi", "Bibi Gul"),
        destination_province=points["torkham"].province,
        by=field_officer,
    )
    other = make_household(head={"name": "Gul", "father_name": "K", "sex": "m", "tazkira": "1400-0909-12121"})
    waiting = arrival_register(
        crossing_point=points["torkham"],
        crossed_at=timezone.now() - datetime.timedelta(hours=1),
        category="deported",
        country_of_asylum="PK",
        travelling="family",
        members=family("Wali Khan", "Shabnam", tazkira="1400-0909-12121"),
        destination_province=points["torkham"].province,
        by=field_officer,
    )
    site = idp_site_create(
        code="nan-site-1", province=points["torkham"].province, by=users["officer_nangarhar"], name="Site",
        kind="camp", geom=Point(70.45, 34.43, srid=4326),
    )  # fmt: skip
    site_estimate_record(
        site=site, round="R1", assessed_on=timezone.localdate(), method="headcount", by=field_officer, arrival_idps=9
    )
    review = ArrivalReview.objects.get(arrival=waiting)
    household = arrival.household_id
    paths = {
        "/api/v1/movements/arrivals/{pk}": {"pk": arrival.pk},
        "/api/v1/movements/arrival-reviews/{pk}": {"pk": review.pk},
        "/api/v1/movements/crossing-points/{code}": {"code": "torkham"},
        "/api/v1/movements/idp-sites/{code}": {"code": site.code},
        "/api/v1/movements/households/{pk}": {"pk": household},
    }
    references = {"household": household, "crossing_point": "torkham", "site": site.code, "other": other.pk}
    return {"paths": paths, "references": references}


@pytest.mark.slow
@pytest.mark.parametrize("role", ["land_officer", "field_officer", "partner"])
def test_no_movements_operation_answers_a_server_error(role, movements_landscape, users, field_officer, caplog):
    """As tests/api/test_schemathesis.py, on this app's operations only, with real arrivals, a review, a site."""
    import logging

    import schemathesis
    from django.core import signals
    from django.core.wsgi import get_wsgi_application
    from django.db import close_old_connections

    from tests.api.test_schemathesis import fuzz

    caplog.set_level(logging.CRITICAL, logger="django.request")
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
        schema = schema.include(path_regex="^/api/v1/movements/")
        user = {"land_officer": users["officer_nangarhar"], "field_officer": field_officer, "partner": users["partner"]}
        errors = fuzz(schema, movements_landscape, role=role, user=user[role], max_examples=15, boundary_cases=20)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
    assert errors.sent > 100
    assert not errors.found, errors.report()
