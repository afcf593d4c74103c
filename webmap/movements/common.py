"""What the movements pages share: who may open a page, and a service's sentences put on the form's fields."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import render
from django.utils.translation import gettext as _

from landreg.roles import PERSONAL_DATA_ROLES, has_role
from landreg.scope import province_ids_in_scope
from movements.flows import FLOW_ROLES
from movements.services import BORDER_ROLES, SITE_ROLES


def require_personal_data_role(request) -> None:
    if not has_role(request.user, *PERSONAL_DATA_ROLES):
        raise PermissionDenied(_("Your role does not give access to arrival records or household journeys."))


def require_border_role(request) -> None:
    if not has_role(request.user, *BORDER_ROLES):
        raise PermissionDenied(_("Your role does not record arrivals at the border."))


def require_flow_role(request) -> None:
    if not has_role(request.user, *FLOW_ROLES):
        raise PermissionDenied(_("Your role does not record flow counts."))


def require_site_role(request) -> None:
    if not has_role(request.user, *SITE_ROLES):
        raise PermissionDenied(_("Your role does not record IDP sites."))


def may(request) -> dict:
    """What the movements pages' own menu offers this user (webmap/movements/_nav.html); each page checks again."""
    user = request.user
    return {
        "personal": has_role(user, *PERSONAL_DATA_ROLES),
        "border": has_role(user, *BORDER_ROLES),
        "flows": has_role(user, *FLOW_ROLES),
        "sites": has_role(user, *SITE_ROLES),
    }


def render_page(request, template: str, context: dict, status: int = 200):
    """Render a movements page with what its menu offers (may)."""
    return render(request, template, {"may": may(request), **context}, status=status)


def provinces_of(request) -> set[int] | None:
    return province_ids_in_scope(request.user)


def form_errors(form, error: ValidationError, aliases: dict | None = None) -> list[str]:
    """Put a service's ValidationError on the form, field by field where the field exists (or its alias, e.g. the
    service's "country_of_asylum" on the form's "country_other"); what has no field is returned, to be said at
    the top of the form."""
    aliases = aliases or {}
    left = []
    if not hasattr(error, "error_dict"):
        return list(error.messages)
    for field, errors in error.error_dict.items():
        name = aliases.get(field, field)
        if name in form.fields:
            form.add_error(name, errors)
        else:
            left += [message for e in errors for message in e.messages]
    return left
