"""The household doors this work opened, refused: an evidence scan reached through another household or lost from
disk, a duplicate pair outside the officer's provinces or through the wrong household, the list template for a role
that does not register, and a member reached through another household's address."""

from households.services import document_add
from tests.households.test_household_pages import flagged  # noqa: F401  (the fixture)
from tests.households.test_service_scope import scan


def test_an_evidence_scan_is_reached_only_through_its_own_household_and_only_by_those_who_may(
    client, users, make_household, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    household, other = make_household(), make_household()
    document = document_add(household=household, kind="por_card", upload=scan(), by=users["officer_nangarhar"])
    client.force_login(users["officer_nangarhar"])
    assert client.get(f"/households/{other.pk}/evidence/{document.pk}/").status_code == 404
    served = client.get(f"/households/{household.pk}/evidence/{document.pk}/")
    assert served.status_code == 200 and served["Content-Disposition"].startswith("attachment;")
    client.force_login(users["partner"])  # a partner never reaches personal data
    assert client.get(f"/households/{household.pk}/evidence/{document.pk}/").status_code in (403, 404)
    client.force_login(users["officer_herat"])  # nor an officer of another province
    assert client.get(f"/households/{household.pk}/evidence/{document.pk}/").status_code == 404


def test_an_evidence_scan_lost_from_disk_is_a_sentence_not_a_500(client, users, make_household, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    household = make_household()
    document = document_add(household=household, kind="por_card", upload=scan(), by=users["officer_nangarhar"])
    (tmp_path / document.file.name).unlink()
    client.force_login(users["officer_nangarhar"])
    answer = client.get(f"/households/{household.pk}/evidence/{document.pk}/")
    assert answer.status_code == 404 and b"no longer in the media folder" in answer.content


def test_a_duplicate_pair_is_compared_only_in_scope_and_through_its_own_household(
    client,
    users,
    make_household,
    flagged,  # noqa: F811
):
    first, second, flag = flagged
    undecided = flag.decision
    url = f"/households/{second.pk}/duplicates/{flag.pk}/"
    client.force_login(users["officer_herat"])
    assert client.get(url).status_code == 404
    assert client.post(url, {"decision": "same_household", "note": "x"}).status_code == 404
    client.force_login(users["partner"])
    assert client.get(url).status_code in (403, 404)
    client.force_login(users["officer_nangarhar"])
    stranger = make_household()
    assert client.get(f"/households/{stranger.pk}/duplicates/{flag.pk}/").status_code == 404
    assert client.get(f"/households/{second.pk}/duplicates/999999/").status_code == 404
    flag.refresh_from_db()
    assert flag.decision == undecided


def test_the_list_template_is_for_land_officers(client, users):
    for who in ("committee", "partner"):
        client.force_login(users[who])
        assert client.get("/households/import/template.csv").status_code == 403
    client.force_login(users["officer_nangarhar"])
    template = client.get("/households/import/template.csv")
    assert template.status_code == 200 and template["Content-Type"].startswith("text/csv")


def test_a_member_is_reached_only_through_their_own_household_in_the_api(client, users, make_household):
    household, other = make_household(), make_household()
    person = household.members.get(relationship="head")
    client.force_login(users["officer_nangarhar"])
    wrong = f"/api/v1/households/{other.pk}/members/{person.pk}/"
    assert client.patch(wrong, {"name": "X"}, content_type="application/json").status_code == 404
    assert client.get(f"{wrong}history/").status_code == 404
    person.refresh_from_db()
    assert person.name != "X"
    client.force_login(users["officer_herat"])
    assert client.get(f"/api/v1/households/{household.pk}/members/{person.pk}/history/").status_code == 404
