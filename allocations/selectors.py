"""Reads of allocations, for a requesting user: role and geographic scope applied in one place."""

from django.db.models import QuerySet

from allocations.models import Allocation, AllocationDocument
from landreg.roles import PERSONAL_DATA_ROLES, has_role
from landreg.scope import filter_by_scope


def allocations_visible_to(user) -> QuerySet[Allocation]:
    if not has_role(user, *PERSONAL_DATA_ROLES):
        return Allocation.objects.none()
    return filter_by_scope(
        Allocation.objects.select_related("plot__township", "household"),
        user,
        province_field="plot__township__province",
        township_field="plot__township",
    )


def documents_visible_to(user) -> QuerySet[AllocationDocument]:
    """Letters and deeds of the allocations the user may see."""
    return AllocationDocument.objects.filter(allocation__in=allocations_visible_to(user)).select_related(
        "allocation__plot__township", "allocation__plot__block"
    )
