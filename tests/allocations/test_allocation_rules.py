"""One active allocation per plot and per household; allocations are revoked, never deleted."""

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction

from allocations.models import Allocation
from allocations.services import allocation_propose, allocation_revoke


def test_a_second_active_allocation_of_a_plot_is_refused_with_a_sentence(plots, make_household, users):
    allocation_propose(household=make_household(), plot=plots[0], proposed_by=users["officer_nangarhar"])
    with pytest.raises(ValidationError) as error:
        allocation_propose(household=make_household(), plot=plots[0], proposed_by=users["officer_nangarhar"])
    assert "already has an active allocation" in str(error.value)
    assert Allocation.objects.filter(plot=plots[0]).count() == 1


def test_a_household_may_hold_only_one_active_allocation(plots, make_household, users):
    household = make_household()
    allocation_propose(household=household, plot=plots[0], proposed_by=users["officer_nangarhar"])
    with pytest.raises(ValidationError) as error:
        allocation_propose(household=household, plot=plots[1], proposed_by=users["officer_nangarhar"])
    assert "only one plot nationwide" in str(error.value)


def test_revoking_frees_the_plot_and_keeps_the_old_allocation(plots, make_household, users):
    first = allocation_propose(household=make_household(), plot=plots[0], proposed_by=users["officer_nangarhar"])
    allocation_revoke(allocation=first, reason="error", by=users["officer_nangarhar"])
    second = allocation_propose(household=make_household(), plot=plots[0], proposed_by=users["officer_nangarhar"])
    assert second.status == "proposed"
    assert list(Allocation.objects.filter(plot=plots[0]).values_list("status", flat=True).order_by("id")) == [
        "revoked",
        "proposed",
    ]


def test_revoking_needs_a_reason(plots, make_household, users):
    allocation = allocation_propose(household=make_household(), plot=plots[0], proposed_by=users["officer_nangarhar"])
    with pytest.raises(ValidationError) as error:
        allocation_revoke(allocation=allocation, reason="", by=users["officer_nangarhar"])
    assert "Choose the reason for revocation" in str(error.value)
    allocation.refresh_from_db()
    allocation.status = "revoked"  # past the service: the model's own check still explains the rule
    with pytest.raises(ValidationError) as error:
        allocation.full_clean()
    assert "needs a revocation reason" in str(error.value)


def test_an_allocation_cannot_be_deleted_even_through_the_orm(plots, make_household, users):
    allocation = allocation_propose(household=make_household(), plot=plots[0], proposed_by=users["officer_nangarhar"])
    with pytest.raises(DatabaseError) as error, transaction.atomic():
        Allocation.objects.filter(pk=allocation.pk)._raw_delete(Allocation.objects.db)  # past Django's own checks
    assert "allocations_are_never_deleted" in str(error.value)


def test_the_service_explains_a_refusal_only_the_database_could_see(plots, make_household, users):
    """Skip full_clean, as a concurrent writer would: the database refuses, the service still explains."""
    from landreg.rules import database_rules_explained

    allocation_propose(household=make_household(), plot=plots[0], proposed_by=users["officer_nangarhar"])
    racer = Allocation(household=make_household(), plot=plots[0])
    with pytest.raises(ValidationError) as error, database_rules_explained(), transaction.atomic():
        racer.save()
    assert error.value.error_dict["plot"][0].code == "one_active_allocation_per_plot"
