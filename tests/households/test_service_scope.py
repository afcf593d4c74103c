"""The household services act only within the caller's provinces, whichever door reaches them (API, page, import,
command): an officer of Herat cannot assess, add evidence to, edit or decide on a Nangarhar household."""

import html
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from households.eligibility import default_scheme, eligibility_assess
from households.models import Document, DuplicateFlag, EligibilityAssessment, Household
from households.services import document_add, duplicate_decide, household_update

OUTSIDE = "This household is outside your provinces."
OTHER_OUTSIDE = "The other household of this possible duplicate is outside your provinces."


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def household(make_household):
    """A Nangarhar household whose head has a tazkira number (so it may be flagged as a duplicate)."""
    return make_household(head={"name": "Gul Ahmad", "father_name": "Noor", "sex": "m", "tazkira": "1400-0101-12345"})


def same_tazkira(make_household, province):
    """A second household with the same head's tazkira number: flagged against `household` at registration."""
    other = make_household(
        province=province, head={"name": "Gul", "father_name": "Noor", "sex": "m", "tazkira": "1400-0101-12345"}
    )
    return other.duplicate_flags.get()


def scan() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 120, 40)).save(buffer, "PNG")
    return SimpleUploadedFile("tazkira.png", buffer.getvalue())


def refused(call) -> str:
    with pytest.raises(PermissionDenied) as refusal:
        call()
    return str(refusal.value)


# --- assess eligibility ------------------------------------------------------------------------------------------


def test_an_officer_cannot_assess_a_household_of_another_province(household, users):
    status = household.status
    assert (
        refused(lambda: eligibility_assess(household=household, scheme=default_scheme(), by=users["officer_herat"]))
        == OUTSIDE
    )
    household.refresh_from_db()
    assert not EligibilityAssessment.objects.exists() and household.status == status


def test_an_officer_assesses_a_household_of_their_province(household, users):
    assessment = eligibility_assess(household=household, scheme=default_scheme(), by=users["officer_nangarhar"])
    assert EligibilityAssessment.objects.get() == assessment and assessment.assessed_by == users["officer_nangarhar"]


# --- add evidence ------------------------------------------------------------------------------------------------


def test_an_officer_cannot_add_evidence_to_a_household_of_another_province(household, users, media):
    call = lambda: document_add(household=household, kind="tazkira", upload=scan(), by=users["officer_herat"])  # noqa: E731
    assert refused(call) == OUTSIDE
    assert not Document.objects.exists() and not [p for p in media.rglob("*") if p.is_file()]


def test_an_officer_adds_evidence_to_a_household_of_their_province(household, users, media):
    document = document_add(household=household, kind="tazkira", upload=scan(), by=users["officer_nangarhar"])
    assert Document.objects.get() == document and (media / document.file.name).exists()


# --- edit a household ---------------------------------------------------------------------------------------------


def test_an_officer_cannot_edit_a_household_of_another_province(household, users):
    assert refused(lambda: household_update(household=household, by=users["officer_herat"], size=9)) == OUTSIDE
    assert Household.objects.get(pk=household.pk).size == 6


def test_an_officer_cannot_move_a_household_to_a_province_not_theirs(household, users, provinces):
    call = lambda: household_update(household=household, by=users["officer_nangarhar"], province=provinces["herat"])  # noqa: E731
    assert refused(call).endswith("is outside your provinces.")
    assert Household.objects.get(pk=household.pk).province == provinces["nangarhar"]


def test_an_officer_edits_a_household_of_their_province(household, users):
    household_update(household=household, by=users["officer_nangarhar"], size=9)
    assert Household.objects.get(pk=household.pk).size == 9


# --- decide on a possible duplicate ----------------------------------------------------------------------------------


def test_an_officer_cannot_decide_on_a_flag_of_another_province(household, make_household, users):
    flag = same_tazkira(make_household, "nangarhar")
    call = lambda: duplicate_decide(flag=flag, decision="different", by=users["officer_herat"], note="x")  # noqa: E731
    assert refused(call) == OUTSIDE
    assert DuplicateFlag.objects.get().decision == "undecided"


def test_both_households_of_a_flag_must_be_in_the_officers_provinces(household, make_household, users):
    """The flagged household is Herat's, its candidate Nangarhar's: the Herat officer sees the flag but may not
    decide it, and the refusal does not name the other household."""
    flag = same_tazkira(make_household, "herat")
    call = lambda: duplicate_decide(flag=flag, decision="different", by=users["officer_herat"], note="x")  # noqa: E731
    message = refused(call)
    assert message == OTHER_OUTSIDE and household.code not in message
    assert DuplicateFlag.objects.get().decision == "undecided"


def test_an_officer_decides_on_a_flag_of_their_province(household, make_household, users):
    flag = same_tazkira(make_household, "nangarhar")
    duplicate_decide(flag=flag, decision="different", by=users["officer_nangarhar"], note="Cousins")
    assert DuplicateFlag.objects.get().decided_by == users["officer_nangarhar"]


# --- the doors: the API and the household page answer the refusal, never with a 500 --------------------------------


def test_the_api_answers_a_decision_outside_the_provinces_with_a_403_sentence(client, household, make_household, users):
    flag = same_tazkira(make_household, "herat")
    client.force_login(users["officer_herat"])
    response = client.post(
        f"/api/v1/households/{flag.household_id}/duplicates/{flag.pk}/decide/",
        {"decision": "different", "decision_note": "x"},
        content_type="application/json",
    )
    assert response.status_code == 403 and response.json()["detail"] == OTHER_OUTSIDE
    assert household.code not in response.content.decode()
    assert DuplicateFlag.objects.get().decision == "undecided"


def test_the_compare_page_of_a_duplicate_outside_the_provinces_is_a_404_naming_nothing(
    client, household, make_household, users
):
    """The other household is in Nangarhar: an officer of Herat may neither see it side by side nor decide."""
    flag = same_tazkira(make_household, "herat")
    client.force_login(users["officer_herat"])
    url = f"/households/{flag.household_id}/duplicates/{flag.pk}/"
    for response in (client.get(url), client.post(url, {"decision": "different", "note": ""})):
        page = html.unescape(response.content.decode())
        assert response.status_code == 404 and household.code not in page and "Gul Ahmad" not in page
    detail = client.get(f"/households/{flag.household_id}/").content.decode()
    assert household.code not in detail and "registered outside your provinces" in html.unescape(detail)
    assert DuplicateFlag.objects.get().decision == "undecided"


@pytest.mark.parametrize("flag_id", ["999999", "0"])
def test_the_compare_page_of_a_flag_that_is_not_the_households_is_a_404(
    client, household, make_household, users, flag_id
):
    flag = same_tazkira(make_household, "nangarhar")
    client.force_login(users["officer_nangarhar"])
    response = client.post(f"/households/{household.pk}/duplicates/{flag_id}/", {"decision": "different"})
    assert response.status_code == 404
    third = make_household(head={"name": "Wali", "father_name": "Khan", "sex": "m"})
    unrelated = client.post(f"/households/{third.pk}/duplicates/{flag.pk}/", {"decision": "different"})
    assert unrelated.status_code == 404  # the flag names neither this household
    assert DuplicateFlag.objects.get().decision == "undecided"
