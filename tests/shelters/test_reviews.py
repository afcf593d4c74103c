"""Allocation reviews (raised by occupancy checks and photo fraud flags) are closed by land officers of their
province, with a note, once: through the service, the field API and the township's shelter report page."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from landreg.models import PersonalDataAccess
from shelters.models import AllocationReview
from shelters.services import REVIEW_NOTE_MAX, allocation_review_close
from tests.landreg.test_data_sharing import agreement_create

API = "/api/v1/field/reviews"


@pytest.fixture
def review(held, field_officer):
    """What an occupancy check finding the household absent raises."""
    return AllocationReview.objects.create(
        allocation=held,
        plot=held.plot,
        reason="absent",
        detail="Neighbours say they left in Hamal.",
        raised_by=field_officer,
    )


def stored(review) -> AllocationReview:
    return AllocationReview.objects.get(pk=review.pk)


# --- the service ------------------------------------------------------------------------------------------------


def test_a_land_officer_closes_a_review_with_a_note_kept_on_it(review, users):
    closed = allocation_review_close(review=review, by=users["officer_nangarhar"], note="Family back; visited again.")
    assert closed.closed_at is not None and stored(review).closed_at == closed.closed_at
    assert stored(review).detail.startswith("Neighbours say they left in Hamal.\n\nClosed on ")
    assert stored(review).detail.endswith("by officer.n: Family back; visited again.")


def test_a_field_officer_cannot_close_a_review(review, field_officer):
    with pytest.raises(PermissionDenied) as refusal:
        allocation_review_close(review=review, by=field_officer, note="Seen")
    assert str(refusal.value) == "Only a land officer or administrator may close an allocation review."
    assert stored(review).closed_at is None


def test_an_officer_cannot_close_a_review_of_another_province(review, users):
    with pytest.raises(PermissionDenied) as refusal:
        allocation_review_close(review=review, by=users["officer_herat"], note="Seen")
    assert str(refusal.value) == "Township Test township is outside your provinces."
    assert stored(review).closed_at is None


@pytest.mark.parametrize("note", ["", "   ", None])
def test_a_review_is_not_closed_without_a_note(review, users, note):
    with pytest.raises(ValidationError) as refusal:
        allocation_review_close(review=review, by=users["officer_nangarhar"], note=note)
    assert refusal.value.message_dict == {"note": ["Say what was found and what was done before closing the review."]}
    assert stored(review).closed_at is None


def test_a_note_longer_than_the_limit_is_refused(review, users):
    with pytest.raises(ValidationError) as refusal:
        allocation_review_close(review=review, by=users["officer_nangarhar"], note="x" * (REVIEW_NOTE_MAX + 1))
    assert refusal.value.message_dict["note"] == [
        "The note is at most 2000 characters; keep to what was found and done."
    ]
    assert stored(review).closed_at is None


def test_a_closed_review_cannot_be_closed_again(review, users):
    allocation_review_close(review=review, by=users["officer_nangarhar"], note="Resolved")
    detail = stored(review).detail
    with pytest.raises(ValidationError) as refusal:
        allocation_review_close(review=review, by=users["admin"], note="Again")
    assert "it cannot be closed again" in refusal.value.message_dict["review"][0]
    assert stored(review).detail == detail


# --- the field API ----------------------------------------------------------------------------------------------


def test_the_api_closes_a_review(client, review, users):
    client.force_login(users["officer_nangarhar"])
    response = client.post(f"{API}/{review.pk}/close/", {"note": "Resolved"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["id"] == review.pk
    assert stored(review).closed_at is not None


def test_the_api_refuses_a_field_officer_with_a_403(client, review, field_officer):
    client.force_login(field_officer)
    response = client.post(f"{API}/{review.pk}/close/", {"note": "Seen"}, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["detail"] == "Only a land officer or administrator may close an allocation review."
    assert stored(review).closed_at is None


def test_the_api_answers_a_review_of_another_province_as_one_that_does_not_exist(client, review, users):
    client.force_login(users["officer_herat"])
    other_province = client.post(f"{API}/{review.pk}/close/", {"note": "x"}, content_type="application/json")
    missing = client.post(f"{API}/{review.pk + 1000}/close/", {"note": "x"}, content_type="application/json")
    assert other_province.status_code == missing.status_code == 404
    assert other_province.json() == missing.json()
    assert stored(review).closed_at is None


def test_the_api_answers_a_missing_note_with_a_400_sentence(client, review, users):
    client.force_login(users["officer_nangarhar"])
    response = client.post(f"{API}/{review.pk}/close/", {}, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"] == "Say what was found and what was done before closing the review."
    assert stored(review).closed_at is None


def test_partners_never_reach_a_review(client, review, users, provinces):
    agreement_create(users=[users["partner"]], provinces=[provinces["nangarhar"]])
    client.force_login(users["partner"])
    response = client.post(f"{API}/{review.pk}/close/", {"note": "x"}, content_type="application/json")
    assert response.status_code == 404 and stored(review).closed_at is None


# --- the township's shelter report page ---------------------------------------------------------------------------


def report_url(review) -> str:
    return f"/field/reports/{review.plot.township_id}/"


def test_an_officer_closes_a_review_on_the_report_page_and_it_leaves_the_list(client, review, users):
    client.force_login(users["officer_nangarhar"])
    page = client.get(report_url(review)).content.decode()
    assert "Household found absent" in page and review.allocation.household.code in page
    assert f'name="review" value="{review.pk}"' in page and "csrfmiddlewaretoken" in page
    assert PersonalDataAccess.objects.filter(
        user=users["officer_nangarhar"], action="list", object_ids=[review.allocation.household_id]
    ).exists()
    response = client.post(report_url(review), {"review": review.pk, "note": "Family back"}, follow=True)
    html = response.content.decode()
    assert response.status_code == 200 and "The review of plot 0 is closed; your note is kept with it." in html
    assert f'name="review" value="{review.pk}"' not in html and "No open reviews in this township." in html
    assert stored(review).closed_at is not None


def test_the_report_page_needs_the_csrf_token_to_close(review, users):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(users["officer_nangarhar"])
    response = client.post(report_url(review), {"review": review.pk, "note": "Family back"})
    assert response.status_code == 403 and stored(review).closed_at is None


def test_the_report_page_shows_the_sentence_when_the_note_is_missing(client, review, users):
    client.force_login(users["officer_nangarhar"])
    response = client.post(report_url(review), {"review": review.pk, "note": " "})
    assert response.status_code == 400
    assert "Say what was found and what was done before closing the review." in response.content.decode()
    assert stored(review).closed_at is None


def test_a_review_closed_already_is_refused_on_the_page_with_a_sentence(client, review, users):
    allocation_review_close(review=review, by=users["officer_nangarhar"], note="Resolved")
    client.force_login(users["officer_nangarhar"])
    response = client.post(report_url(review), {"review": review.pk, "note": "Again"})
    assert response.status_code == 400 and "it cannot be closed again" in response.content.decode()


@pytest.mark.parametrize("who", ["field_officer", "partner"])
def test_other_roles_see_no_reviews_and_cannot_close_them(client, review, users, provinces, field_officer, who):
    agreement_create(users=[users["partner"]], provinces=[provinces["nangarhar"]])
    user = field_officer if who == "field_officer" else users["partner"]
    client.force_login(user)
    page = client.get(report_url(review))
    html = page.content.decode()
    assert page.status_code == 200 and "Open allocation reviews" not in html
    assert "Household found absent" not in html and review.allocation.household.code not in html
    refused = client.post(report_url(review), {"review": review.pk, "note": "x"})
    if who == "field_officer":  # the review is theirs to read (they raised it), not to close
        assert refused.status_code == 403 and "may close an allocation review" in refused.content.decode()
    else:  # a partner is never told a review exists
        assert refused.status_code == 400 and "reload the page" in refused.content.decode()
        assert "Household found absent" not in refused.content.decode()
    assert stored(review).closed_at is None
