"""Data-sharing agreements: which one covers a partner's export, and the sentence when none does."""

import datetime

import pytest
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from landreg.history import history_of
from landreg.models import DataSharingAgreement
from landreg.sharing import SUPPRESSED, agreement_for, is_small_cell, suppressed

TODAY = timezone.localdate()  # the command and the API check agreements against today
START = TODAY - datetime.timedelta(days=300)
END = TODAY + datetime.timedelta(days=400)


def agreement_create(
    *,
    users,
    provinces,
    reference="DSA-2026-001",
    datasets=("township_summary", "household_records", "township_layout"),
    household_fields=("code", "province", "category", "size", "status", "allocation_status", "township"),
    valid_from=START,
    valid_until=END,
):
    agreement = DataSharingAgreement(
        partner_name="UNHCR Afghanistan",
        purpose="Shelter planning in the townships",
        reference=reference,
        signed_on=valid_from,
        valid_from=valid_from,
        valid_until=valid_until,
        datasets=list(datasets),
        household_fields=list(household_fields),
    )
    agreement.full_clean(exclude=["users", "provinces"])
    agreement.save()
    agreement.users.set(users)
    agreement.provinces.set(provinces)
    return agreement


@pytest.fixture
def signed(users, provinces):
    """The partner's agreement: Nangarhar, every dataset, valid from 300 days ago to 400 days ahead."""
    return agreement_create(users=[users["partner"]], provinces=[provinces["nangarhar"]])


def refusal(user, dataset, province, on=TODAY) -> str:
    with pytest.raises(PermissionDenied) as refused:
        agreement_for(user, dataset, province, on=on)
    return str(refused.value)


def test_a_partner_without_an_agreement_is_refused_and_told_whom_to_ask(users, provinces):
    message = refusal(users["partner"], "township_summary", provinces["nangarhar"])
    assert "not covered by any data-sharing agreement" in message
    assert "Ask the landreg administrator" in message


def test_a_valid_agreement_covering_dataset_and_province_is_found(users, provinces, signed):
    assert agreement_for(users["partner"], "household_records", provinces["nangarhar"], on=TODAY) == signed


def test_an_expired_agreement_is_refused_with_the_day_it_ended(users, provinces, signed):
    message = refusal(users["partner"], "township_summary", provinces["nangarhar"], on=END + datetime.timedelta(days=1))
    assert f"DSA-2026-001 ended on {END.isoformat()}" in message


def test_an_agreement_not_yet_valid_is_refused_with_the_day_it_starts(users, provinces):
    starts = TODAY + datetime.timedelta(days=10)
    agreement_create(users=[users["partner"]], provinces=[provinces["nangarhar"]], valid_from=starts)
    message = refusal(users["partner"], "township_summary", provinces["nangarhar"])
    assert f"valid only from {starts.isoformat()}" in message


def test_another_province_is_refused_naming_it(users, provinces, signed):
    message = refusal(users["partner"], "township_summary", provinces["herat"])
    assert "does not cover Herat (AF32)" in message


def test_a_dataset_the_agreement_does_not_share_is_refused(users, provinces):
    agreement_create(users=[users["partner"]], provinces=[provinces["nangarhar"]], datasets=["township_summary"])
    message = refusal(users["partner"], "household_records", provinces["nangarhar"])
    assert "does not include Household records" in message


def test_an_agreement_covers_only_the_partner_users_named_in_it(users, provinces, signed):
    assert "not covered by any" in refusal(users["officer_nangarhar"], "township_summary", provinces["nangarhar"])


def test_an_unknown_dataset_is_a_readable_validation_error(users, provinces, signed):
    with pytest.raises(ValidationError, match="There is no dataset 'people'"):
        agreement_for(users["partner"], "people", provinces["nangarhar"], on=TODAY)


def test_an_agreement_cannot_share_names_or_id_numbers(users, provinces):
    with pytest.raises(ValidationError) as refused:
        agreement_create(
            users=[users["partner"]], provinces=[provinces["nangarhar"]], household_fields=["code", "name", "tazkira"]
        )
    assert "not household fields landreg can share: name, tazkira" in str(refused.value.message_dict)


def test_the_database_refuses_an_agreement_that_ends_before_it_starts(users, provinces):
    with pytest.raises(IntegrityError, match="agreement_ends_after_it_starts"), transaction.atomic():
        DataSharingAgreement.objects.create(
            partner_name="X",
            purpose="x",
            reference="BAD-1",
            signed_on=TODAY,
            valid_from=TODAY,
            valid_until=TODAY - datetime.timedelta(days=1),
        )


def test_changes_to_an_agreement_are_kept_in_its_history(signed):
    signed.valid_until = END + datetime.timedelta(days=30)
    signed.save()
    assert [e["action"] for e in history_of(signed)] == ["insert", "update"]


def test_small_cells_are_one_to_four_households():
    assert [is_small_cell(n) for n in (0, 1, 4, 5)] == [False, True, True, False]
    assert [suppressed(n) for n in (0, 3, 5)] == [0, SUPPRESSED, 5]


def test_only_administrators_manage_agreements_in_the_admin(client, users, signed):
    url = reverse("admin:landreg_datasharingagreement_change", args=[signed.pk])
    client.force_login(users["admin"])
    assert client.get(url).status_code == 200
    assert DataSharingAgreement in admin.site._registry
    for name in ("officer_nangarhar", "partner", "gis"):
        client.force_login(users[name])
        assert client.get(url).status_code in (302, 403), name


def test_the_admin_form_offers_the_catalogue_and_saves_the_choices(client, users, provinces):
    client.force_login(users["admin"])
    response = client.post(
        reverse("admin:landreg_datasharingagreement_add"),
        {
            "reference": "DSA-FORM-1",
            "partner_name": "IOM",
            "users": [users["partner"].pk],
            "purpose": "Returnee monitoring",
            "signed_on": "2026-01-01",
            "valid_from": "2026-01-01",
            "valid_until": "2026-12-31",
            "provinces": [provinces["nangarhar"].pk],
            "datasets": ["household_records"],
            "household_fields": ["code", "size"],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    saved = DataSharingAgreement.objects.get(reference="DSA-FORM-1")
    assert (saved.datasets, saved.household_fields) == (["household_records"], ["code", "size"])
