"""Allocation reviews (raised by occupancy checks and photo fraud flags) are closed by land officers of their
province, with an outcome and a note, once: through the service, the field API and the township's shelter report
page. The database rules behind it are tested in test_shelter_rules_sql.py."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from landreg.models import PersonalDataAccess
from landreg.rules import database_rules_explained
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


def close(review, by, outcome="resolved_on_site", note="Family back; visited again."):
    return allocation_review_close(review=review, by=by, outcome=outcome, note=note)


def test_a_land_officer_closes_a_review_with_who_the_outcome_and_the_note(review, users):
    closed = close(review, users["officer_nangarhar"], outcome="to_be_revoked", note="  Usurped by a neighbour.  ")
    kept = stored(review)
    assert kept.closed_at is not None and kept.closed_at == closed.closed_at
    assert (kept.closed_by, kept.outcome, kept.closing_note) == (
        users["officer_nangarhar"],
        "to_be_revoked",
        "Usurped by a neighbour.",
    )
    assert kept.detail == "Neighbours say they left in Hamal."  # what was raised stays as it was raised
    assert kept.get_outcome_display() == "Allocation to be revoked"


def test_the_closing_is_in_the_reviews_history(review, users):
    close(review, users["officer_nangarhar"], outcome="unfounded")
    events = list(review.history_events.order_by("pgh_id").values_list("pgh_label", "outcome"))
    assert events == [("insert", ""), ("update", "unfounded")]


def test_a_field_officer_cannot_close_a_review(review, field_officer):
    with pytest.raises(PermissionDenied) as refusal:
        close(review, field_officer)
    assert str(refusal.value) == "Only a land officer or administrator may close an allocation review."
    assert stored(review).closed_at is None


def test_an_officer_cannot_close_a_review_of_another_province(review, users):
    with pytest.raises(PermissionDenied) as refusal:
        close(review, users["officer_herat"])
    assert str(refusal.value) == "Township Test township is outside your provinces."
    assert stored(review).closed_at is None


@pytest.mark.parametrize("note", ["", "   ", None])
def test_a_review_is_not_closed_without_a_note(review, users, note):
    with pytest.raises(ValidationError) as refusal:
        close(review, users["officer_nangarhar"], note=note)
    assert refusal.value.message_dict == {"note": ["Say what was found and what was done before closing the review."]}
    assert stored(review).closed_at is None


def test_a_note_longer_than_the_limit_is_refused(review, users):
    with pytest.raises(ValidationError) as refusal:
        close(review, users["officer_nangarhar"], note="x" * (REVIEW_NOTE_MAX + 1))
    assert refusal.value.message_dict["note"] == [
        "The note is at most 2000 characters; keep to what was found and done."
    ]
    assert stored(review).closed_at is None


@pytest.mark.parametrize("outcome", ["", "  ", None])
def test_a_review_is_not_closed_without_an_outcome(review, users, outcome):
    with pytest.raises(ValidationError) as refusal:
        close(review, users["officer_nangarhar"], outcome=outcome)
    assert refusal.value.message_dict == {"outcome": ["Choose the outcome of the review."]}
    assert stored(review).closed_at is None


@pytest.mark.parametrize("outcome", ["closed", "Resolved on site", "RESOLVED_ON_SITE", 3])
def test_an_outcome_outside_the_choices_is_refused(review, users, outcome):
    with pytest.raises(ValidationError) as refusal:
        close(review, users["officer_nangarhar"], outcome=outcome)
    assert refusal.value.message_dict == {
        "outcome": [
            "The outcome is one of: resolved_on_site (Resolved on site); to_be_revoked (Allocation to be revoked); "
            "unfounded (Unfounded); referred_to_committee (Referred to the committee)."
        ]
    }
    assert stored(review).closed_at is None and stored(review).outcome == ""


def test_an_outcome_that_is_not_text_is_refused(review, users):
    with pytest.raises(ValidationError) as refusal:
        close(review, users["officer_nangarhar"], outcome=["unfounded"])
    assert refusal.value.message_dict == {"outcome": ["outcome must be text."]}
    assert stored(review).closed_at is None


def test_a_missing_outcome_and_a_missing_note_are_told_together(review, users):
    with pytest.raises(ValidationError) as refusal:
        close(review, users["officer_nangarhar"], outcome="", note="")
    assert set(refusal.value.message_dict) == {"outcome", "note"}


def test_a_closed_review_cannot_be_closed_again(review, users):
    close(review, users["officer_nangarhar"], outcome="unfounded", note="Resolved")
    with pytest.raises(ValidationError) as refusal:
        close(review, users["admin"], outcome="to_be_revoked", note="Again")
    [error] = refusal.value.error_dict["review"]
    assert error.code == "closed_review_is_final"
    assert error.messages[0].startswith("This review was closed on ")
    assert error.messages[0].endswith("; it cannot be closed again. Raise a new one if the problem is back.")
    kept = stored(review)
    assert (kept.closed_by, kept.outcome, kept.closing_note) == (users["officer_nangarhar"], "unfounded", "Resolved")


def test_a_closed_review_saved_around_the_service_is_refused_by_the_database_with_a_sentence(review, users):
    close(review, users["officer_nangarhar"], outcome="unfounded", note="Resolved")
    kept = stored(review)
    kept.closed_at, kept.outcome = None, ""
    with pytest.raises(ValidationError) as refusal, database_rules_explained(), transaction.atomic():
        kept.save()
    [error] = refusal.value.error_dict["review"]
    assert error.code == "closed_review_is_final"
    assert error.messages[0].startswith("This review is closed; a closed review cannot be changed or reopened.")
    assert stored(review).outcome == "unfounded"


# --- the field API ----------------------------------------------------------------------------------------------

def post_close(client, review, body):
    return client.post(f"{API}/{review.pk}/close/", body, content_type="application/json")


def test_the_api_closes_a_review_with_its_outcome(client, review, users):
    client.force_login(users["officer_nangarhar"])
    response = post_close(client, review, {"outcome": "unfounded", "note": "Resolved"})
    assert response.status_code == 200 and response.json()["id"] == review.pk
    kept = stored(review)
    assert (kept.closed_by, kept.outcome, kept.closing_note) == (users["officer_nangarhar"], "unfounded", "Resolved")


def test_the_api_refuses_a_field_officer_with_a_403(client, review, field_officer):
    client.force_login(field_officer)
    response = post_close(client, review, {"outcome": "unfounded", "note": "Seen"})
    assert response.status_code == 403
    assert response.json()["detail"] == "Only a land officer or administrator may close an allocation review."
    assert stored(review).closed_at is None


def test_the_api_answers_a_review_of_another_province_as_one_that_does_not_exist(client, review, users):
    client.force_login(users["officer_herat"])
    body = {"outcome": "unfounded", "note": "x"}
    other_province = post_close(client, review, body)
    missing = client.post(f"{API}/{review.pk + 1000}/close/", body, content_type="application/json")
    assert other_province.status_code == missing.status_code == 404
    assert other_province.json() == missing.json()
    assert stored(review).closed_at is None


def test_the_api_answers_a_missing_note_with_a_400_sentence(client, review, users):
    client.force_login(users["officer_nangarhar"])
    response = post_close(client, review, {"outcome": "unfounded"})
    assert response.status_code == 400
    assert "Say what was found and what was done before closing the review." in response.json()["detail"]
    assert stored(review).closed_at is None


def test_the_api_answers_an_outcome_outside_the_choices_with_a_400_sentence(client, review, users):
    client.force_login(users["officer_nangarhar"])
    response = post_close(client, review, {"outcome": "closed", "note": "Resolved"})
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "outcome": [
            "The outcome is one of: resolved_on_site (Resolved on site); to_be_revoked (Allocation to be revoked); "
            "unfounded (Unfounded); referred_to_committee (Referred to the committee)."
        ]
    }
    assert stored(review).closed_at is None


def test_the_api_refuses_closing_a_closed_review_with_a_sentence(client, review, users):
    allocation_review_close(review=review, by=users["officer_nangarhar"], outcome="unfounded", note="Resolved")
    client.force_login(users["officer_nangarhar"])
    response = post_close(client, review, {"outcome": "to_be_revoked", "note": "Again"})
    # 409 once api/errors.py counts closed_review_is_final among its CONFLICTS (another owner's file).
    assert response.status_code == 409
    assert response.json()["codes"] == ["closed_review_is_final"]
    assert "it cannot be closed again" in response.json()["detail"]
    assert stored(review).outcome == "unfounded"


def test_partners_never_reach_a_review(client, review, users, provinces):
    agreement_create(users=[users["partner"]], provinces=[provinces["nangarhar"]])
    client.force_login(users["partner"])
    response = post_close(client, review, {"outcome": "unfounded", "note": "x"})
    assert response.status_code == 404 and stored(review).closed_at is None


# --- the township's shelter report page ---------------------------------------------------------------------------


def report_url(review) -> str:
    return f"/field/reports/{review.plot.township_id}/"


def test_the_report_page_lists_an_open_review_with_its_household_and_logs_the_view(client, review, users):
    client.force_login(users["officer_nangarhar"])
    page = client.get(report_url(review)).content.decode()
    assert "Household found absent" in page and review.allocation.household.code in page
    assert f'name="review" value="{review.pk}"' in page and "csrfmiddlewaretoken" in page
    assert PersonalDataAccess.objects.filter(
        user=users["officer_nangarhar"], action="list", object_ids=[review.allocation.household_id]
    ).exists()


def test_the_report_page_offers_the_outcomes_to_choose_from(client, review, users):
    client.force_login(users["officer_nangarhar"])
    page = client.get(report_url(review)).content.decode()
    assert 'name="outcome"' in page
    for code, label in AllocationReview.Outcome.choices:
        assert f'<option value="{code}">{label}</option>' in page


def test_an_officer_closes_a_review_on_the_report_page_and_it_leaves_the_list(client, review, users):
    client.force_login(users["officer_nangarhar"])
    body = {"review": review.pk, "outcome": "resolved_on_site", "note": "Family back"}
    response = client.post(report_url(review), body, follow=True)
    html = response.content.decode()
    assert response.status_code == 200 and "The review of plot 0 is closed; your note is kept with it." in html
    assert f'name="review" value="{review.pk}"' not in html and "No open reviews in this township." in html
    kept = stored(review)
    assert (kept.closed_by, kept.outcome, kept.closing_note) == (
        users["officer_nangarhar"],
        "resolved_on_site",
        "Family back",
    )


def test_the_report_page_needs_the_csrf_token_to_close(review, users):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(users["officer_nangarhar"])
    response = client.post(report_url(review), {"review": review.pk, "outcome": "unfounded", "note": "Family back"})
    assert response.status_code == 403 and stored(review).closed_at is None


def test_the_report_page_shows_the_sentence_when_the_note_is_missing(client, review, users):
    client.force_login(users["officer_nangarhar"])
    response = client.post(report_url(review), {"review": review.pk, "outcome": "unfounded", "note": " "})
    assert response.status_code == 400
    assert "Say what was found and what was done before closing the review." in response.content.decode()
    assert stored(review).closed_at is None


def test_the_report_page_shows_the_sentence_when_the_outcome_is_missing(client, review, users):
    client.force_login(users["officer_nangarhar"])
    response = client.post(report_url(review), {"review": review.pk, "outcome": "", "note": "Family back"})
    assert response.status_code == 400
    assert "Choose the outcome of the review." in response.content.decode()
    assert stored(review).closed_at is None


def test_a_review_closed_already_is_refused_on_the_page_with_a_sentence(client, review, users):
    allocation_review_close(review=review, by=users["officer_nangarhar"], outcome="unfounded", note="Resolved")
    client.force_login(users["officer_nangarhar"])
    response = client.post(report_url(review), {"review": review.pk, "outcome": "unfounded", "note": "Again"})
    assert response.status_code == 400 and "it cannot be closed again" in response.content.decode()
    assert stored(review).closing_note == "Resolved"


@pytest.mark.parametrize("who", ["field_officer", "partner"])
def test_other_roles_see_no_reviews_and_cannot_close_them(client, review, users, provinces, field_officer, who):
    agreement_create(users=[users["partner"]], provinces=[provinces["nangarhar"]])
    user = field_officer if who == "field_officer" else users["partner"]
    client.force_login(user)
    page = client.get(report_url(review))
    html = page.content.decode()
    assert page.status_code == 200 and "Open allocation reviews" not in html
    assert "Household found absent" not in html and review.allocation.household.code not in html
    refused = client.post(report_url(review), {"review": review.pk, "outcome": "unfounded", "note": "x"})
    if who == "field_officer":  # the review is theirs to read (they raised it), not to close
        assert refused.status_code == 403 and "may close an allocation review" in refused.content.decode()
    else:  # a partner is never told a review exists
        assert refused.status_code == 400 and "reload the page" in refused.content.decode()
        assert "Household found absent" not in refused.content.decode()
    assert stored(review).closed_at is None
