"""A duplicate check never names a household outside the officer's provinces, and every match is logged."""

import datetime
import io
import json

from households.bulk import households_import
from households.models import Household
from landreg.models import PersonalDataAccess

OUTSIDE = "A household with the same tazkira number is registered outside your provinces; ask the Ministry's data team."
HEADER = "province,category,size,head_name,father_name,sex,date_of_birth,tazkira\n"
ROW = "AF06,idp,4,Wali,Khan,m,1980-01-01,1400-0101-99999\n"


def herat_household(make_household, **head):
    return make_household(
        province="herat",
        head={"name": "Ahmad Shah", "father_name": "Noor", "sex": "m", "tazkira": "1400-0101-99999", **head},
    )


def logged_views(user):
    return [(a.action, a.object_ids) for a in PersonalDataAccess.objects.filter(user=user, what="households.Household")]


def test_a_dry_run_match_outside_the_officers_provinces_is_not_named_and_is_logged(users, make_household):
    other = herat_household(make_household)
    officer = users["officer_nangarhar"]
    report = households_import(name="list.csv", content=(HEADER + ROW).encode(), by=officer)
    row = report.rows[0]
    assert (row.outcome, row.messages) == ("duplicate", [OUTSIDE])
    assert other.code not in json.dumps([vars(r) for r in report.rows])
    assert logged_views(officer) == [("view", [other.pk])]


def test_a_match_in_the_officers_province_is_named_and_logged(users, make_household):
    own = make_household(head={"name": "Gul", "father_name": "Noor", "sex": "m", "tazkira": "1400-0101-99999"})
    officer = users["officer_nangarhar"]
    report = households_import(name="list.csv", content=(HEADER + ROW).encode(), by=officer)
    assert report.rows[0].messages == [f"Same tazkira number as registered household {own.code}."]
    assert logged_views(officer) == [("view", [own.pk])]


def test_a_list_without_matches_logs_no_view(users, make_household):
    herat_household(make_household, tazkira="1")
    households_import(name="list.csv", content=(HEADER + ROW).encode(), by=users["officer_nangarhar"])
    assert logged_views(users["officer_nangarhar"]) == []


def test_the_real_run_flags_a_similar_head_outside_scope_without_naming_it(users, make_household):
    other = herat_household(make_household, tazkira="", name="Wali", father_name="Khan")
    other.members.update(date_of_birth=datetime.date(1980, 1, 1))
    officer = users["officer_nangarhar"]
    content = (HEADER + ROW.replace("1400-0101-99999", "")).encode()
    report = households_import(name="list.csv", content=content, by=officer, dry_run=False)
    assert report.committed
    assert report.rows[0].messages == [
        "A household with a similar head's name, father's name and date of birth is registered outside your "
        "provinces; ask the Ministry's data team."
    ]
    assert ("view", [other.pk]) in logged_views(officer)


def test_the_api_registration_answers_without_the_code_and_logs(client, users, make_household):
    other = herat_household(make_household)
    officer = users["officer_nangarhar"]
    client.force_login(officer)
    body = {
        "province": "AF06",
        "size": 3,
        "category": "idp",
        "head": {"name": "Wali", "father_name": "Khan", "sex": "m", "tazkira": "1400 0101 99999"},
    }
    response = client.post("/api/v1/households/", body, content_type="application/json")
    assert response.status_code == 201, response.content
    flags = response.json()["possible_duplicates"]
    assert [(f["candidate"], f["candidate_code"], f["message"]) for f in flags] == [(None, None, OUTSIDE)]
    assert other.code not in response.content.decode() and str(other.pk) not in json.dumps(flags[0]["candidate"])
    assert ("view", [other.pk]) in logged_views(officer)
    mine = Household.objects.get(code=response.json()["code"])
    listed = client.get(f"/api/v1/households/{mine.pk}/duplicates/")
    assert listed.status_code == 200 and other.code not in listed.content.decode()
    assert listed.json()[0]["message"] == OUTSIDE
    page = client.get(f"/households/{mine.pk}/")
    assert page.status_code == 200 and other.code not in page.content.decode()
    assert "registered outside your provinces" in page.content.decode()


def test_the_api_import_dry_run_does_not_name_it(client, users, make_household):
    other = herat_household(make_household)
    client.force_login(users["officer_nangarhar"])
    response = client.post("/api/v1/households/import/", {"file": io.BytesIO((HEADER + ROW).encode())})
    assert response.status_code == 200 and other.code not in response.content.decode()
    assert response.json()["rows"][0]["messages"] == [OUTSIDE]


def test_a_national_user_is_told_the_code(client, users, make_household):
    other = herat_household(make_household)
    mine = make_household(head={"name": "Wali", "father_name": "Khan", "sex": "m", "tazkira": "1400-0101-99999"})
    client.force_login(users["admin"])
    listed = client.get(f"/api/v1/households/{mine.pk}/duplicates/")
    assert listed.status_code == 200
    assert [(f["candidate"], f["candidate_code"]) for f in listed.json()] == [(other.pk, other.code)]
