"""Every refusal becomes a sentence with the right status: 400 to fix the input, 403 not allowed,
404 not in your scope, 409 when the land or the workflow is in another state. Never a 500."""

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler

# Refusals that are about the current state of the land or the workflow, not about the request.
CONFLICTS = {
    "one_active_allocation_per_plot",
    "one_active_allocation_per_household",
    "invalid_transition",
    "plot_not_available",
    "ended_allocation_is_final",
    "allocation_parties_are_fixed",
    "plots_do_not_overlap",
    "one_open_shelter_project_per_plot",
    "allocated_plot_keeps_its_outline",
    "paid_tranche_is_final",
    "closed_review_is_final",
    "plot_number_unique_in_township",
    "document_not_allowed",
    "document_already_issued",
    "document_superseded",
    "document_revoked",
    "drawn_ballot_is_immutable",
    "record_in_use",
}


# psycopg2 refuses to send a string holding a NUL character, and PostgreSQL to store one in jsonb (SQLSTATE 22P05);
# only a request can have put it there (api.parsers refuse it in a body; this answers for a path, a query
# parameter, or a view with parsers of its own).
PSYCOPG_NUL_MESSAGE = "A string literal cannot contain NUL (0x00) characters."
UNTRANSLATABLE_CHARACTER = "22P05"


def _is_nul_refusal(exc) -> bool:
    if isinstance(exc, ValueError):
        return str(exc) == PSYCOPG_NUL_MESSAGE
    return isinstance(exc, DataError) and getattr(exc.__cause__, "pgcode", None) == UNTRANSLATABLE_CHARACTER


# Refusals about who is asking (maker-checker), answered like any other permission refusal.
FORBIDDEN = {"approval_by_a_checker"}


def _codes(error: DjangoValidationError) -> set[str]:
    if hasattr(error, "error_dict"):
        return {e.code for errors in error.error_dict.values() for e in errors}
    return {e.code for e in error.error_list}


def validation_error_body(exc: DjangoValidationError) -> tuple[dict, int]:
    """The JSON body and HTTP status for a refusal: the same for the REST API and OGC API Features."""
    codes = _codes(exc)
    fields = exc.message_dict if hasattr(exc, "error_dict") else {}
    body = {"detail": " ".join(exc.messages), "codes": sorted(c for c in codes if c), "errors": fields}
    code = (
        status.HTTP_403_FORBIDDEN
        if codes & FORBIDDEN
        else status.HTTP_409_CONFLICT
        if codes & CONFLICTS
        else status.HTTP_400_BAD_REQUEST
    )
    return body, code


def landreg_exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        body, code = validation_error_body(exc)
        return Response(body, status=code)
    if isinstance(exc, ObjectDoesNotExist):
        return Response({"detail": "Not found in your scope."}, status=status.HTTP_404_NOT_FOUND)
    if isinstance(exc, DjangoPermissionDenied):
        return Response({"detail": str(exc) or "You may not do this."}, status=status.HTTP_403_FORBIDDEN)
    if _is_nul_refusal(exc):
        detail = _("The request holds a NUL character (byte 0), which no text may contain: remove it.")
        return Response({"detail": detail}, status=status.HTTP_400_BAD_REQUEST)
    return exception_handler(exc, context)
