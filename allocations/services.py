"""Writes to allocations. The full workflow (approval, ballot, letters) builds on these."""

import datetime

from django.db import transaction
from django.utils import timezone

from allocations.models import Allocation
from landreg.rules import database_rules_explained


def allocation_propose(
    *, household, plot, proposed_by, method: str = Allocation.Method.COMMITTEE, notes: str = ""
) -> Allocation:
    allocation = Allocation(household=household, plot=plot, proposed_by=proposed_by, method=method, notes=notes)
    allocation.full_clean()
    with transaction.atomic(), database_rules_explained():
        allocation.save()
    return allocation


def allocation_revoke(
    *, allocation: Allocation, reason: str, by, on: datetime.date | None = None, notes: str = ""
) -> Allocation:
    """Revoke with a reason: the plot is free again, and the allocation stays in the record for ever."""
    allocation.status = Allocation.Status.REVOKED
    allocation.revocation_reason = reason
    allocation.end_date = on or timezone.localdate()
    if notes:
        allocation.notes = f"{allocation.notes}\n{notes}".strip()
    allocation.full_clean()
    with transaction.atomic(), database_rules_explained():
        allocation.save()
    return allocation
