"""Reads of households and people, always for a requesting user, so scope and logging apply in one place."""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from households.models import Household
from landreg.access_log import log_personal_data_access
from landreg.roles import PERSONAL_DATA_ROLES, has_role
from landreg.scope import filter_by_scope


def households_visible_to(user) -> QuerySet[Household]:
    """The households a user may see: by role (personal data) and by province in scope."""
    if not has_role(user, *PERSONAL_DATA_ROLES):
        return Household.objects.none()
    return filter_by_scope(Household.objects.all(), user, province_field="province")


def household_get(user, *, pk: int, where: str = "") -> Household:
    """One household with its members; the view is logged. Raises Household.DoesNotExist outside scope."""
    household = households_visible_to(user).prefetch_related("members").get(pk=pk)
    log_personal_data_access(user=user, action="view", what="households.Household", ids=[household.pk], where=where)
    return household


def households_list(user, *, where: str = "") -> QuerySet[Household]:
    if not has_role(user, *PERSONAL_DATA_ROLES):
        raise PermissionDenied("Your role does not give access to household records.")
    return households_visible_to(user)
