"""The household pages: a possible duplicate side by side with no decision chosen for the officer, a refused
eligibility not shown as a success, evidence and plot linked, and the list import's report in the reader's language."""

import datetime
import html
import io
import re

import pytest

from households.eligibility import default_scheme, eligibility_assess
from households.models import DuplicateFlag
from landreg.models import PersonalDataAccess


@pytest.fixture
def flagged(make_household):
    """Two households with the same head's tazkira number, the second flagged against the first."""
    first = make_household(
        head={
            "name": "Sher Agha",
            "father_name": "Gul",
            "sex": "m",
            "tazkira": "1400-0101-23456",
            "date_of_birth": datetime.date(1979, 6, 1),
        },
        members=[{"relationship": "spouse", "name": "Bibi Gul", "sex": "f", "por": "PoR-98765"}],
    )
    second = make_household(
        province="nangarhar",
        head={"name": "Shir Aga", "father_name": "Gul", "sex": "m", "tazkira": "1400 0101 23456"},
    )
    return first, second, DuplicateFlag.objects.get(household=second, reason="same_tazkira")


def test_the_comparison_shows_both_households_side_by_side_without_any_digits(client, users, flagged):
    first, second, flag = flagged
    client.force_login(users["officer_nangarhar"])
    response = client.get(f"/households/{second.pk}/duplicates/{flag.pk}/")
    page = html.unescape(response.content.decode())
    assert response.status_code == 200
    for fact in (first.code, second.code, "Sher Agha", "Shir Aga", "Bibi Gul", "Nangarhar", "Plot held", "PoR card"):
        assert fact in page, fact
    assert not re.search(r"23456|3456|98765|8765", page)  # which IDs are recorded, never their digits
    logged = PersonalDataAccess.objects.filter(where__endswith=f"/duplicates/{flag.pk}/")
    assert sorted([first.pk, second.pk]) in [sorted(entry.object_ids) for entry in logged]


def test_no_decision_is_chosen_until_the_officer_chooses(client, users, flagged):
    _first, second, flag = flagged
    client.force_login(users["officer_nangarhar"])
    page = client.get(f"/households/{second.pk}/duplicates/{flag.pk}/").content.decode()
    select = re.search(r'<select name="decision".*?</select>', page, re.S).group(0)
    assert re.search(r'<option value="" selected>', select) and select.count("selected") == 1
    refused = client.post(f"/households/{second.pk}/duplicates/{flag.pk}/", {"decision": "", "note": "x"})
    assert refused.status_code == 400
    assert "Choose whether these are the same household or different households." in html.unescape(
        refused.content.decode()
    )
    flag.refresh_from_db()
    assert flag.decision == "undecided"
    done = client.post(f"/households/{second.pk}/duplicates/{flag.pk}/", {"decision": "different", "note": "cousins"})
    assert done.status_code == 302
    flag.refresh_from_db()
    assert (flag.decision, flag.decision_note, flag.decided_by) == ("different", "cousins", users["officer_nangarhar"])


def test_the_api_refuses_a_decision_that_is_none(client, users, flagged):
    _first, second, flag = flagged
    client.force_login(users["officer_nangarhar"])
    for body in ({}, {"decision": "undecided"}):
        response = client.post(
            f"/api/v1/households/{second.pk}/duplicates/{flag.pk}/decide/", body, content_type="application/json"
        )
        assert response.status_code == 400, response.content
    flag.refresh_from_db()
    assert flag.decision == "undecided"


def test_not_eligible_is_not_shown_as_a_success(client, users, make_household):
    household = make_household(status="registered", landless_declared=False)
    client.force_login(users["officer_nangarhar"])
    response = client.post(f"/households/{household.pk}/", {"action": "assess"}, follow=True)
    page = html.unescape(response.content.decode())
    assert 'class="notice ineligible"' in page and "Not eligible" in page
    assert not re.search(r'<p class="ok">[^<]*Not eligible', page)
    assert "Landlessness has not been declared." in page


def test_the_assessment_reads_in_the_readers_language_through_the_api(client, users, make_household):
    household = make_household(status="registered", landless_declared=False)
    eligibility_assess(household=household, scheme=default_scheme(), by=users["officer_nangarhar"])
    client.force_login(users["officer_nangarhar"])
    response = client.post(
        f"/api/v1/households/{household.pk}/assess/", {"scheme": "decree-305-2018"}, content_type="application/json"
    )
    results = {r["criterion"]: r for r in response.json()["results"]}
    assert results["landless_declared"]["reason"] == "landless_not_declared"
    assert results["landless_declared"]["explanation"] == "Landlessness has not been declared."


def test_evidence_is_linked_and_its_file_served_and_logged(client, users, make_household, settings, tmp_path):
    from households.services import document_add
    from tests.households.test_service_scope import scan

    settings.MEDIA_ROOT = tmp_path
    household = make_household()
    document = document_add(household=household, kind="por_card", upload=scan(), by=users["officer_nangarhar"])
    client.force_login(users["officer_nangarhar"])
    page = client.get(f"/households/{household.pk}/").content.decode()
    url = f"/households/{household.pk}/evidence/{document.pk}/"
    assert url in page
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"\x89PNG")
    assert PersonalDataAccess.objects.filter(what="households.Document", object_ids=[document.pk]).exists()
    client.force_login(users["officer_herat"])
    assert client.get(url).status_code == 404


def test_the_household_page_links_its_plot(client, users, make_household, plots):
    from allocations.services import allocation_propose

    household = make_household()
    allocation_propose(household=household, plot=plots[0], proposed_by=users["officer_nangarhar"])
    client.force_login(users["officer_nangarhar"])
    page = client.get(f"/households/{household.pk}/").content.decode()
    assert f"/?plot={plots[0].pk}" in page and "Test township" in page


# --- the list import's report ------------------------------------------------------------------------------------

HEADER = "province,category,size,head_name,father_name,sex,date_of_birth,tazkira\n"


def upload(client, content: str):
    file = io.BytesIO(content.encode())
    file.name = "list.csv"
    return client.post("/households/import/", {"file": file})


def test_the_report_survives_a_change_of_language(client, users, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(users["officer_nangarhar"])
    response = upload(client, HEADER + "Nangarhar,idp,4,Wali,Khan,m,1980-01-01,\nAF06,tourist,0,X,,m,,\n")
    assert response.status_code == 302 and response["Location"].endswith("?checked=1")
    english = html.unescape(client.get(response["Location"]).content.decode())
    assert "To register" in english and "Invalid" in english and "Category “tourist”" in english
    switched = client.post("/i18n/setlang/", {"language": "fa", "next": response["Location"]})
    assert switched.status_code == 302 and switched["Location"].endswith("?checked=1")
    dari = client.get(switched["Location"], HTTP_ACCEPT_LANGUAGE="fa")
    page = html.unescape(dari.content.decode())
    assert 'dir="rtl"' in page and "<table>" in page and page.count('<tr class="') == 2  # the report is still there


def test_the_example_dates_are_kept_left_to_right_in_a_right_to_left_page(client, users):
    client.force_login(users["officer_nangarhar"])
    client.post("/i18n/setlang/", {"language": "fa", "next": "/households/import/"})
    page = client.get("/households/import/").content.decode()
    assert '<bdi dir="ltr">2024-08-02</bdi>' in page and '<bdi dir="ltr">1403/05/12</bdi>' in page
    assert "/households/import/template.csv" in page


def test_both_households_of_a_pair_show_it_and_either_page_decides_it(client, users, flagged):
    first, second, flag = flagged
    client.force_login(users["officer_nangarhar"])
    page = html.unescape(client.get(f"/households/{first.pk}/").content.decode())
    assert "Possible duplicates" in page and second.code in page
    compare = f"/households/{first.pk}/duplicates/{flag.pk}/"
    assert compare in page
    shown = html.unescape(client.get(compare).content.decode())
    assert shown.index(first.code) < shown.index(second.code)  # this household first, the other beside it
    assert client.post(compare, {"decision": "same_household", "note": ""}).status_code == 302
    flag.refresh_from_db()
    assert flag.decision == "same_household"
    assert "Same household: a duplicate" in html.unescape(client.get(f"/households/{second.pk}/").content.decode())
