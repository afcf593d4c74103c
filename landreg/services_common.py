"""Checks every service makes: the user's role and geographic scope, refused with a sentence."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from landreg.roles import ROLE_LABELS, has_role
from landreg.scope import province_ids_in_scope


def require_role(user, allowed: list[str], what: str) -> None:
    if not has_role(user, *allowed):
        names = _(" or ").join(str(ROLE_LABELS.get(r, r)) for r in allowed)
        raise PermissionDenied(_("Only a %(roles)s may %(what)s.") % {"roles": names, "what": what})


def require_province(user, province_id: int, what: str) -> None:
    provinces = province_ids_in_scope(user)
    if provinces is not None and province_id not in provinces:
        raise PermissionDenied(_("%(what)s is outside your provinces.") % {"what": what})
