# ruff: noqa: F811  (the fixtures imported from other test modules are used by their names)
"""The movements pages for people: arrivals (the list, an arrival, a family registered on one screen, the arrivals
to decide), the day's grid of flow counts and the import with its dry run, IDP sites and their estimates, and a
household's journey. Each in English, Dari and Pashto; the wrong role is refused (403), another province's record is
not found (404); bad input gets a sentence saying what to fix and writes nothing; views of personal data are logged."""

import datetime
import uuid

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.template.loader import render_to_string
from django.utils import timezone

from households.models import Household
from landreg import roles
from landreg.models import PersonalDataAccess
from landreg.services import user_create
from movements.models import Arrival, ArrivalReview, FlowCount, IdpSite, SitePopulationEstimate
from movements.selectors import household_origins, origins_described
from movements.services import arrival_register, idp_site_create, site_estimate_record
from parcels.models import AdminArea
from tests.movements.conftest import border_herat, districts, family, points  # noqa: F401  (fixtures)

LANGUAGES = ("en", "fa", "ps")
SCRIPT = '<script>alert("x")</script>'


# --- fixtures (points, districts and border_herat are tests/movements/conftest.py's) -----------------------------


@pytest.fixture
def officer(users):
    return users["officer_nangarhar"]


@pytest.fixture
def register(points, provinces, field_officer):
    """arrival_register with the Torkham defaults: a deported family of three bound for Nangarhar."""

    def make(**fields):
        values = {
            "crossing_point": points["torkham"],
            "crossed_at": timezone.now() - datetime.timedelta(hours=2),
            "category": "deported",
            "country_of_asylum": "PK",
            "travelling": "family",
            "members": family("Sher Agha Safi", "Bibi Gul", "Zarmina"),
            "destination_province": provinces["nangarhar"],
            "by": field_officer,
        }
        values.update(fields)
        return arrival_register(**values)

    return make


def get(client, user, url, data=None, language="en"):
    client.force_login(user)
    response = client.get(url, data or {}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code < 500
    return response


def post(client, user, url, data, language="en", **extra):
    client.force_login(user)
    response = client.post(url, data, HTTP_ACCEPT_LANGUAGE=language, **extra)
    assert response.status_code < 500
    return response


def text(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def logged(user, what: str) -> list:
    return list(PersonalDataAccess.objects.filter(user=user, what=what).values_list("action", "object_ids"))


# --- arrivals ------------------------------------------------------------------------------------------------


def test_the_arrivals_list_in_three_languages_shows_names_only_to_officers_and_logs_the_view(
    client, register, officer, users
):
    arrival = register()
    for language in LANGUAGES:
        response = get(client, officer, "/movements/arrivals/", language=language)
        assert response.status_code == 200
        html = text(response)
        assert "Sher Agha Safi" in html
        assert f'lang="{language}"' in html
        if language != "en":
            assert 'dir="rtl"' in html and "تورخم" in html
    assert ("list", [arrival.pk]) in logged(officer, "movements.Arrival")
    for role in ("gis", "partner"):
        assert get(client, users[role], "/movements/arrivals/").status_code == 403
    assert "Sher Agha Safi" not in text(get(client, users["officer_herat"], "/movements/arrivals/"))
    client.logout()
    assert client.get("/movements/arrivals/").status_code == 302  # to the login page


def test_the_list_filters_by_crossing_point_period_and_category_and_refuses_nonsense(client, register, officer, points):
    deported = register()
    avr = register(category="avr", repatriation_form="VRF-1", members=family("Gul Khan", "Shirin"))
    html = text(get(client, officer, "/movements/arrivals/", {"category": "avr"}))
    assert f"/movements/arrivals/{avr.pk}/" in html and f"/movements/arrivals/{deported.pk}/" not in html
    old = text(get(client, officer, "/movements/arrivals/", {"until": "1390-01-01"}))
    assert f"/movements/arrivals/{avr.pk}/" not in old
    swapped = get(client, officer, "/movements/arrivals/", {"since": "1404-05-01", "until": "1404-01-01"})
    assert swapped.status_code == 400 and "swap the dates" in text(swapped)
    bad = get(client, officer, "/movements/arrivals/", {"crossing_point": "99999", "since": "yesterday"})
    assert bad.status_code == 400
    assert "Choose one of the crossing points listed." in text(bad) and "is not a date" in text(bad)


def test_an_arrivals_page_is_logged_and_not_found_in_another_province(client, register, officer, users):
    arrival = register(vulnerabilities=["female_headed"], assistance=["cash"], members=family("A B", "C D"))
    for language in LANGUAGES:
        response = get(client, officer, f"/movements/arrivals/{arrival.pk}/", language=language)
        assert response.status_code == 200
    html = text(get(client, officer, f"/movements/arrivals/{arrival.pk}/"))
    assert "Female-headed household" in html and "Cash" in html and arrival.household.code in html
    assert f"/movements/households/{arrival.household_id}/journey/" in html
    country = {"IR": ("Iran", "ایران"), "PK": ("Pakistan", "پاکستان")}[arrival.country_of_asylum]
    assert country[0] in html  # the country named, not its code
    assert country[1] in text(get(client, officer, f"/movements/arrivals/{arrival.pk}/", language="fa"))
    assert ("view", [arrival.pk]) in logged(officer, "movements.Arrival")
    assert get(client, users["officer_herat"], f"/movements/arrivals/{arrival.pk}/").status_code == 404
    assert get(client, users["gis"], f"/movements/arrivals/{arrival.pk}/").status_code == 403


def family_form(point, province, members, **fields) -> dict:
    now = timezone.localtime() - datetime.timedelta(hours=1)
    data = {
        "client_uuid": str(uuid.uuid4()),
        "crossing_point": point.pk,
        "crossed_on": now.date().isoformat(),
        "crossed_time": now.strftime("%H:%M"),
        "direction": "in",
        "category": "deported",
        "country": "PK",
        "years_abroad": "12",
        "documents_held": ["por_card"],
        "travelling": "family",
        "vulnerabilities": ["female_headed", "medical_case"],
        "assistance": ["cash", "transport"],
        "destination_province": province.pk,
        "m-TOTAL_FORMS": str(max(len(members), 2)),
        "m-INITIAL_FORMS": "0",
        "m-MIN_NUM_FORMS": "0",
        "m-MAX_NUM_FORMS": "40",
    }
    for i, member in enumerate(members):
        data.update({f"m-{i}-{k}": v for k, v in member.items()})
    data.update(fields)
    return data


MEMBERS = [
    {
        "relationship": "head",
        "name": "Nazir Ahmad",
        "father_name": "Gul Ahmad",
        "sex": "m",
        "age_band": "18_59",
        "date_of_birth": "1360-01-01",
        "tazkira": "۱۴۰۰-۰۱۰۱-۵۵۵۵۵",
    },
    {"relationship": "spouse", "name": "Mariam", "sex": "f", "age_band": "18_59"},
    {"relationship": "child", "name": "Sana", "sex": "f", "age_band": "0_4", "por": "POR-778899"},
]


def test_a_family_is_registered_on_one_screen_once_even_if_sent_twice(client, field_officer, points, provinces):
    for language in LANGUAGES:
        page = get(client, field_officer, "/movements/arrivals/new/", language=language)
        assert page.status_code == 200 and 'name="m-1-age_band"' in text(page)
    data = family_form(points["torkham"], provinces["nangarhar"], MEMBERS)
    response = post(client, field_officer, "/movements/arrivals/new/", data)
    assert response.status_code == 302, text(response)
    arrival = Arrival.objects.get()
    assert response.url == f"/movements/arrivals/{arrival.pk}/"
    assert arrival.members.count() == 3 and arrival.years_abroad == 12
    assert arrival.vulnerabilities == ["female_headed", "medical_case"] and arrival.documents_held == ["por_card"]
    head = arrival.members.get(relationship="head")
    assert head.tazkira_last4 == "5555" and head.date_of_birth.year == 1981
    assert arrival.household.members.count() == 3 and arrival.household.province == provinces["nangarhar"]
    again = post(client, field_officer, "/movements/arrivals/new/", data)  # a double click, a reload
    assert again.status_code == 302 and again.url == response.url and Arrival.objects.count() == 1
    shown = text(client.get(response.url))
    assert "Arrival recorded and linked to household" in shown and "…5555" in shown and "555555" not in shown


@pytest.mark.parametrize(
    ("change", "sentence"),
    [
        ({"_members": []}, "Record the members: at least the person who crossed"),
        ({"_members": MEMBERS[:1]}, "A family arrives with at least two members"),
        ({"destination_district": "injil"}, "is not in Nangarhar"),
        ({"destination_district": "987654"}, "Choose one of Afghanistan&#x27;s districts, or none."),
        ({"destination_province": "district"}, "Choose one of Afghanistan&#x27;s provinces."),
        ({"category": "avr"}, "needs the repatriation form"),
        ({"country": "", "country_other": "A1"}, "two-letter code"),
        ({"m-1-sex": "x"}, "Select a valid choice"),
        ({"m-1-relationship": "head"}, "Mark one member, and only one, as the head."),
        ({"m-1-name": ""}, "Member 2 has no name"),
        ({"crossed_on": "1500-01-01"}, "The crossing is in the future"),
        ({"crossed_time": "25:99"}, "Write the time as hours and minutes"),
        ({"years_abroad": "-3"}, "Years abroad is a number from 0 to 100."),
        ({"household_code": "HH-NOPE"}, "No household with the code HH-NOPE in your provinces."),
        ({"m-0-name": "Nazir\x00Ahmad"}, "Null characters are not allowed"),
    ],
)
def test_bad_input_gets_a_sentence_and_nothing_is_written(
    client, field_officer, points, provinces, districts, change, sentence
):
    change = dict(change)
    data = family_form(points["torkham"], provinces["nangarhar"], change.pop("_members", MEMBERS))
    if change.get("destination_district") == "injil":
        change = {"destination_district": districts["injil"].pk}
    if change.get("destination_province") == "district":
        change = {
            "destination_province": AdminArea.objects.create(
                level="district", pcode="AF0699", name_en="X", parent=provinces["nangarhar"]
            ).pk
        }
    data.update(change)
    response = post(client, field_officer, "/movements/arrivals/new/", data)
    assert response.status_code == 400
    assert sentence in text(response)
    assert not Arrival.objects.exists() and not Household.objects.exists()


def test_registration_is_refused_to_other_roles_and_outside_the_officers_provinces(
    client, users, points, provinces, border_herat
):
    for role in ("committee", "gis", "partner"):
        assert get(client, users[role], "/movements/arrivals/new/").status_code == 403
    page = text(get(client, border_herat, "/movements/arrivals/new/"))
    assert "Islam Qala" in page and "Torkham" not in page  # only the crossing points of the officer's provinces
    data = family_form(points["torkham"], provinces["nangarhar"], MEMBERS)
    response = post(client, border_herat, "/movements/arrivals/new/", data)
    assert response.status_code == 400 and "Choose one of the crossing points listed." in text(response)
    assert not Arrival.objects.exists()


def test_hostile_text_is_shown_as_text(client, field_officer, officer, points, provinces):
    members = [{**MEMBERS[0], "name": SCRIPT}, MEMBERS[1]]
    response = post(
        client,
        field_officer,
        "/movements/arrivals/new/",
        family_form(points["torkham"], provinces["nangarhar"], members),
    )
    assert response.status_code == 302
    html = text(get(client, officer, response.url))
    assert SCRIPT not in html and "&lt;script&gt;" in html


def test_a_similar_head_found_by_registration_is_said_on_the_arrivals_page(client, register, make_household, officer):
    make_household(head={"name": "Sher Agha Safi", "father_name": "Abdul Wahid", "sex": "m"})
    arrival = register(members=family("Shir Aqa Safi", "Bibi Gul"))
    html = text(get(client, officer, f"/movements/arrivals/{arrival.pk}/"))
    assert "Registration found a possible duplicate of this household" in html
    assert f'href="/households/{arrival.household_id}/"' in html
    plain = register(members=family("Someone Else", "Bibi Gul"))
    assert "possible duplicate" not in text(get(client, officer, f"/movements/arrivals/{plain.pk}/"))


@pytest.fixture
def review(register, make_household, officer):
    """A registered household holding a tazkira number, and an arrival carrying the same number: to decide."""
    registered = make_household(head={"name": "Nazir Ahmad", "sex": "m", "tazkira": "1400-0101-55555"})
    arrival = register(members=family("Nazir Ahmad", "Mariam", tazkira="1400-0101-55555"))
    assert arrival.household is None
    return ArrivalReview.objects.get(arrival=arrival, candidate=registered)


def test_the_officer_compares_and_decides_an_arrival_whose_id_is_registered(client, review, officer, users):
    for language in LANGUAGES:
        assert get(client, officer, "/movements/arrivals/reviews/", language=language).status_code == 200
    html = text(get(client, officer, "/movements/arrivals/reviews/"))
    assert review.candidate.code in html and "…5555" in html and "1400-0101-55555" not in html
    assert ("view", [review.arrival_id]) in logged(officer, "movements.Arrival")
    assert ("view", [review.candidate_id]) in logged(officer, "households.Household")
    detail = text(get(client, officer, f"/movements/arrivals/{review.arrival_id}/"))
    assert "Not linked yet: an ID number is already registered" in detail
    unchosen = post(
        client, officer, "/movements/arrivals/reviews/", {"review": review.pk, f"r{review.pk}-decision": ""}
    )
    assert unchosen.status_code == 400 and "Choose whether the arrival is the registered household" in text(unchosen)
    assert "No arrival waits" in text(get(client, users["officer_herat"], "/movements/arrivals/reviews/"))
    stranger = post(
        client,
        users["officer_herat"],
        "/movements/arrivals/reviews/",
        {"review": review.pk, f"r{review.pk}-decision": "attached"},
    )
    assert stranger.status_code == 400 and "not open in your provinces" in text(stranger)
    for hostile in ("abc", "1 OR 1=1", "", "99999999999999999999"):
        sent = post(client, officer, "/movements/arrivals/reviews/", {"review": hostile, "r1-decision": "attached"})
        assert sent.status_code == 400 and "not open in your provinces" in text(sent)
    decided = post(
        client, officer, "/movements/arrivals/reviews/", {"review": review.pk, f"r{review.pk}-decision": "attached"}
    )
    assert decided.status_code == 302
    review.refresh_from_db()
    assert review.decision == "attached" and Arrival.objects.get(pk=review.arrival_id).household == review.candidate


def test_a_field_officer_sees_the_reviews_but_only_a_land_officer_decides(client, review, field_officer):
    response = post(
        client,
        field_officer,
        "/movements/arrivals/reviews/",
        {"review": review.pk, f"r{review.pk}-decision": "new_household"},
    )
    assert response.status_code == 403 and "Only a land officer may decide" in text(response)
    review.refresh_from_db()
    assert review.decision == "undecided"


# --- flow counts ---------------------------------------------------------------------------------------------


def grid_data(point, day="1404-05-11", source="border_team", **cells) -> dict:
    return {"crossing_point": point.pk, "day": day, "source": source, "method": "headcount", **cells}


def test_the_days_grid_saves_counts_and_entering_the_day_again_replaces_them(client, field_officer, points):
    for language in LANGUAGES:
        page = get(client, field_officer, "/movements/flows/", language=language)
        assert page.status_code == 200
    grid = get(
        client,
        field_officer,
        "/movements/flows/",
        {"crossing_point": points["torkham"].pk, "day": "1404-05-11", "source": "border_team"},
    )
    assert grid.status_code == 200 and 'name="r15_m_60_plus"' in text(grid)
    # Row 0 is in × deported × family; row 1 in × deported × alone.
    cells = {
        "r0_f_0_4": 3,
        "r0_f_5_17": 4,
        "r0_f_18_59": 10,
        "r0_f_60_plus": 1,
        "r0_m_0_4": 2,
        "r0_m_5_17": 5,
        "r0_m_18_59": 12,
        "r0_m_60_plus": 0,
        "r1_total": 40,
    }
    response = post(client, field_officer, "/movements/flows/", grid_data(points["torkham"], **cells))
    assert response.status_code == 302, text(response)
    family_count = FlowCount.objects.get(travelling="family")
    assert (family_count.total, family_count.female, family_count.male, family_count.m_18_59) == (37, 18, 19, 12)
    assert family_count.day == datetime.date(2025, 8, 2)
    assert FlowCount.objects.get(travelling="alone").female is None
    shown = text(client.get(response.url))
    assert 'name="r1_total" value="40"' in shown
    again = post(client, field_officer, "/movements/flows/", grid_data(points["torkham"], r1_total=45))
    assert again.status_code == 302
    assert list(FlowCount.objects.values_list("travelling", "total")) == [("alone", 45)]  # replaced, never added
    assert "is no longer given and is removed" in text(client.get(again.url))


def test_the_grid_says_what_is_wrong_row_by_row_and_writes_nothing(client, field_officer, officer, points, users):
    negative = post(client, field_officer, "/movements/flows/", grid_data(points["torkham"], r1_total=-4))
    assert negative.status_code == 400 and "A count cannot be negative." in text(negative)
    split = post(client, field_officer, "/movements/flows/", grid_data(points["torkham"], r0_f_0_4=3, r0_total=10))
    assert split.status_code == 400 and "The sex and age cells add up to 3, not the total 10." in text(split)
    future = post(
        client, field_officer, "/movements/flows/", grid_data(points["torkham"], day="1500-01-01", r1_total=4)
    )
    assert future.status_code == 400 and "The day is in the future." in text(future)
    assert not FlowCount.objects.exists()
    for role in ("committee", "gis", "partner"):
        assert get(client, users[role], "/movements/flows/").status_code == 403
    outside = post(client, users["officer_herat"], "/movements/flows/", grid_data(points["torkham"], r1_total=4))
    assert outside.status_code == 400 and "Choose one of the crossing points listed." in text(outside)
    assert not FlowCount.objects.exists()


CSV = (
    "crossing_point,day,direction,category,travelling,source,method,total,female,male\n"
    "torkham,2025-08-02,in,deported,family,border_team,headcount,120,58,62\n"
    "Torkham,1404/05/11,in,deported,alone,border_team,headcount,40,,\n"
)


def upload(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="text/csv")


@pytest.mark.django_db(transaction=True)  # the import runs in its own thread and connection, as on a server
def test_importing_a_file_checks_it_first_then_imports_it_all(client, field_officer, points):
    for language in LANGUAGES:
        assert get(client, field_officer, "/movements/flows/import/", language=language).status_code == 200
    checked = post(client, field_officer, "/movements/flows/import/", {"file": upload("day.csv", CSV.encode())})
    assert checked.status_code == 302 and checked.url.endswith("?checked=1")
    report = text(client.get(checked.url))
    assert "2 new, 0 replacing an earlier count, 0 unchanged, 0 invalid." in report and "Import these counts" in report
    assert not FlowCount.objects.exists()  # a check writes nothing
    done = post(client, field_officer, "/movements/flows/import/", {"action": "commit"})
    html = text(done)
    assert done.status_code == 200 and "Importing <bdi>day.csv</bdi>" in html and "Imported: 2 new" in html
    assert FlowCount.objects.count() == 2
    again = post(client, field_officer, "/movements/flows/import/", {"action": "commit"})
    assert "Upload the file again" in text(again)  # the file is not kept once imported
    template = get(client, field_officer, "/movements/flows/template.csv")
    assert template["Content-Type"].startswith("text/csv") and b"crossing_point" in template.content


def test_a_bad_file_is_refused_with_its_sentences(client, field_officer, points, border_herat):
    bad = CSV.replace("torkham,2025", "nowhere,2025").replace(",40,,", ",-40,,")
    checked = post(client, field_officer, "/movements/flows/import/", {"file": upload("day.csv", bad.encode())})
    report = text(client.get(checked.url))
    assert "Crossing point “nowhere” is not known" in report and "a count cannot be negative" in report
    assert "Import these counts" not in report
    empty = post(client, field_officer, "/movements/flows/import/", {"file": upload("day.csv", b"")})
    assert empty.status_code == 400 and "The file is empty." in text(empty)
    latin1 = post(client, field_officer, "/movements/flows/import/", {"file": upload("d.csv", "é".encode("latin-1"))})
    assert latin1.status_code == 400 and "not UTF-8" in text(latin1)
    outside = post(client, border_herat, "/movements/flows/import/", {"file": upload("day.csv", CSV.encode())})
    assert "is outside your provinces" in text(client.get(outside.url))
    nothing = post(client, field_officer, "/movements/flows/import/", {"action": "commit"})
    assert "Upload the file again" in text(nothing)
    assert not FlowCount.objects.exists()


# --- IDP sites -----------------------------------------------------------------------------------------------


@pytest.fixture
def bounded(provinces):
    nangarhar = provinces["nangarhar"]
    nangarhar.geom = MultiPolygon(Polygon.from_bbox((69.9, 33.9, 71.2, 34.6)), srid=4326)
    nangarhar.save()
    return nangarhar


@pytest.fixture
def site(bounded, officer):
    return idp_site_create(
        code="nan-sheikh-mesri",
        name="Sheikh Mesri",
        name_prs="شیخ مصری",
        kind="informal_settlement",
        province=bounded,
        geom=Polygon.from_bbox((70.40, 34.40, 70.42, 34.42)),
        by=officer,
    )


def test_a_site_is_drawn_from_the_page_and_refused_outside_its_province(client, officer, bounded, users, field_officer):
    for language in LANGUAGES:
        assert get(client, officer, "/movements/sites/new/", language=language).status_code == 200
    data = {
        "code": "nan-camp-1",
        "name": "Camp one",
        "kind": "camp",
        "province": bounded.pk,
        "longitude": "70.45",
        "latitude": "34.43",
        "opened_on": "1403-01-01",
    }
    response = post(client, officer, "/movements/sites/new/", data)
    assert response.status_code == 302 and response.url == "/movements/sites/nan-camp-1/"
    assert IdpSite.objects.get().geom.geom_type == "Point"
    outside = post(client, officer, "/movements/sites/new/", {**data, "code": "far", "longitude": "62.2"})
    assert outside.status_code == 400 and "The site lies outside Nangarhar" in text(outside)
    nowhere = post(client, officer, "/movements/sites/new/", {**data, "code": "nowhere", "longitude": ""})
    assert nowhere.status_code == 400 and "its longitude and latitude, or its outline" in text(nowhere)
    garbage = post(client, officer, "/movements/sites/new/", {**data, "code": "junk", "outline": "POLYGON((nope"})
    assert garbage.status_code == 400 and "neither GeoJSON nor WKT" in text(garbage)
    assert IdpSite.objects.count() == 1
    assert get(client, field_officer, "/movements/sites/new/").status_code == 403
    herat = post(client, users["officer_herat"], "/movements/sites/new/", {**data, "code": "h"})
    assert herat.status_code == 400 and "Choose one of Afghanistan&#x27;s provinces." in text(herat)


def test_a_sites_page_shows_its_estimates_and_records_a_round(client, site, officer, field_officer, users):
    groups = {"arrival_idps": 1200, "returned_idps": 300, "returnees_from_abroad": 3, "out_migrants": 2}
    site_estimate_record(
        site=site, round="R1", assessed_on=datetime.date(2025, 2, 1), method="headcount", by=officer, **groups
    )
    for language in LANGUAGES:
        page = get(client, officer, "/movements/sites/", language=language)
        assert page.status_code == 200
        assert get(client, officer, f"/movements/sites/{site.code}/", language=language).status_code == 200
    assert "۱٬۵۰۳" in text(get(client, officer, f"/movements/sites/{site.code}/", language="fa"))
    gis = text(get(client, users["gis"], f"/movements/sites/{site.code}/"))
    assert "&lt;5" in gis and "1,503" in gis  # a small cell suppressed for a role without personal data
    data = {
        "round": "2025-R2",
        "assessed_on": "1404-01-15",
        "method": "key_informant",
        "arrival_idps": "1000",
        "returned_idps": "250",
        "returnees_from_abroad": "40",
        "out_migrants": "0",
    }
    assert post(client, field_officer, f"/movements/sites/{site.code}/", data).status_code == 302
    assert SitePopulationEstimate.objects.get(round="2025-R2").population == 1290
    negative = post(client, field_officer, f"/movements/sites/{site.code}/", {**data, "arrival_idps": "-1"})
    assert negative.status_code == 400 and "A number of people, 0 or more." in text(negative)
    refused = post(client, users["gis"], f"/movements/sites/{site.code}/", {**data, "round": "2025-R3"})
    assert refused.status_code == 403 and not SitePopulationEstimate.objects.filter(round="2025-R3").exists()
    assert get(client, users["officer_herat"], f"/movements/sites/{site.code}/").status_code == 404


def test_a_site_is_corrected_by_its_province_only(client, site, officer, users):
    page = get(client, officer, f"/movements/sites/{site.code}/edit/")
    assert page.status_code == 200 and "POLYGON" in text(page)
    data = {"name": "Sheikh Mesri camp", "kind": "camp", "longitude": "70.41", "latitude": "34.41"}
    assert post(client, officer, f"/movements/sites/{site.code}/edit/", data).status_code == 302
    site.refresh_from_db()
    assert (site.name, site.geom.geom_type) == ("Sheikh Mesri camp", "Point")
    assert get(client, users["officer_herat"], f"/movements/sites/{site.code}/edit/").status_code == 404
    assert get(client, users["committee"], f"/movements/sites/{site.code}/edit/").status_code == 403


# --- the household's journey -----------------------------------------------------------------------------------


def test_the_journey_shows_the_border_and_what_followed_to_officers_only_and_is_logged(
    client, register, officer, users
):
    arrival = register()
    household = arrival.household
    for language in LANGUAGES:
        response = get(client, officer, f"/movements/households/{household.pk}/journey/", language=language)
        assert response.status_code == 200
    html = text(get(client, officer, f"/movements/households/{household.pk}/journey/"))
    assert "Arrived at the border" in html and "Deported" in html and "Torkham" in html
    assert 'id="minimap-data"' in html and "71.093" in html  # the crossing point on the small map
    assert ("view", [household.pk]) in logged(officer, "households.Household")
    assert get(client, users["officer_herat"], f"/movements/households/{household.pk}/journey/").status_code == 404
    assert get(client, users["gis"], f"/movements/households/{household.pk}/journey/").status_code == 403
    assert get(client, users["partner"], f"/movements/households/{household.pk}/journey/").status_code == 403


def test_the_journey_carries_the_allocation_its_steps_and_the_occupancy_checks(
    client, register, officer, make_household, plots, users, field_officer, frame
):
    from allocations.services import allocation_propose, allocation_transition
    from shelters.services import occupancy_check_submit

    household = register(household=make_household()).household
    allocation = allocation_propose(household=household, plot=plots[0], proposed_by=officer)
    allocation_transition(allocation=allocation, action="approve", by=users["committee"], reference="CMT-1")
    occupancy_check_submit(
        client_uuid=uuid.uuid4(),
        plot=plots[0],
        finding="absent",
        checked_on=timezone.localdate(),
        by=field_officer,
        point=frame.rect(10, 12, 1, 1).centroid,
        accuracy_m=5,
    )
    html = text(get(client, officer, f"/movements/households/{household.pk}/journey/"))
    assert "Proposed" in html and "Approved" in html and "Test township" in html
    assert "Occupancy check" in html and "Household absent" in html
    order = [html.index(word) for word in ("Arrived at the border", "Proposed", "Approved", "Household absent")]
    assert order == sorted(order)
    assert html.count('class="step ') == 6  # arrival, location, evidence, two allocation steps, the check


def test_the_origins_include_names_the_crossing_points_in_the_readers_language(register, officer, make_household):
    from django.utils import translation

    household = register().household
    origins = origins_described(household_origins(officer, households=Household.objects.filter(pk=household.pk)))
    with translation.override("fa"):
        html = render_to_string(
            "webmap/movements/_origins.html",
            {
                "origins": origins_described(
                    household_origins(officer, households=Household.objects.filter(pk=household.pk))
                )
            },
        )
    assert "تورخم" in html and "پاکستان" in html and "۱" in html  # the country named in the reader's language
    assert origins[0]["households"] == 1
    empty = render_to_string("webmap/movements/_origins.html", {"origins": []})
    assert "None of its households has an arrival" in empty


def test_personal_data_roles_reach_the_journey_and_a_role_less_account_does_not(client, register, provinces):
    household = register().household
    nobody = user_create(username="nobody", password="x", roles=[], provinces=[provinces["nangarhar"]])
    assert get(client, nobody, f"/movements/households/{household.pk}/journey/").status_code == 403
    focal = user_create(
        username="focal", password="x", roles=[roles.GRIEVANCE_FOCAL_POINT], provinces=[provinces["nangarhar"]]
    )
    assert get(client, focal, f"/movements/households/{household.pk}/journey/").status_code == 200


# Who opens which page (docs/movements.md, "Who may do what"): 200, or 403 for a role that has no business there.
PAGES = {
    "/movements/arrivals/": {"officer_nangarhar", "committee", "field", "focal", "admin"},
    "/movements/arrivals/new/": {"officer_nangarhar", "field", "admin"},
    "/movements/arrivals/reviews/": {"officer_nangarhar", "committee", "field", "focal", "admin"},
    "/movements/flows/": {"officer_nangarhar", "field", "admin"},
    "/movements/flows/import/": {"officer_nangarhar", "field", "admin"},
    "/movements/sites/": {"officer_nangarhar", "committee", "field", "focal", "admin", "gis", "partner"},
    "/movements/sites/new/": {"officer_nangarhar", "gis", "admin"},
    "/movements/dashboard/": {"officer_nangarhar", "committee", "field", "focal", "admin", "gis", "partner"},
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_page_opens_for_the_roles_it_serves_and_refuses_the_others(
    client, users, field_officer, provinces, points, language
):
    focal = user_create(
        username="focal.n", password="x", roles=[roles.GRIEVANCE_FOCAL_POINT], provinces=[provinces["nangarhar"]]
    )
    people = {**users, "field": field_officer, "focal": focal}
    for url, allowed in PAGES.items():
        for name, user in people.items():
            if name == "officer_herat":
                continue
            response = get(client, user, url, language=language)
            assert response.status_code == (200 if name in allowed else 403), (url, name, language)
            if response.status_code == 200:
                assert f'lang="{language}"' in text(response)


def test_the_pages_menu_offers_only_what_the_role_may_open(client, users, field_officer, points):
    partner = text(get(client, users["partner"], "/movements/dashboard/"))
    assert 'href="/movements/sites/"' in partner
    assert 'href="/movements/arrivals/"' not in partner and 'href="/movements/flows/"' not in partner
    committee = text(get(client, users["committee"], "/movements/dashboard/"))
    assert 'href="/movements/arrivals/"' in committee and 'href="/movements/arrivals/new/"' not in committee
    border = text(get(client, field_officer, "/movements/dashboard/"))
    assert 'href="/movements/arrivals/new/"' in border and 'href="/movements/flows/import/"' in border
