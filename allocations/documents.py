"""Allocation letters and deeds: issue a numbered, hashed PDF; say whether it still stands; sign its QR link."""

import hashlib

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from allocations.document_pdf import document_pdf
from allocations.models import Allocation, AllocationDocument
from landreg.roles import LAND_OFFICER, has_role
from landreg.rules import database_rules_explained
from landreg.scope import province_ids_in_scope, township_ids_in_scope

S = Allocation.Status
Kind = AllocationDocument.Kind
# The statuses in which each kind of document may be issued: a letter once the letter step is reached on the
# main path, a deed only for a titled allocation.
ISSUABLE_IN = {
    Kind.LETTER: [S.LETTER_ISSUED, S.HANDED_OVER, S.OCCUPIED, S.TITLED],
    Kind.DEED: [S.TITLED],
}
NUMBER_LETTER = {Kind.LETTER: "L", Kind.DEED: "D"}
TOKEN_SALT = "landreg.document"

VALID, SUPERSEDED, REVOKED = "valid", "superseded", "revoked"


@transaction.atomic
def document_issue(*, allocation: Allocation, kind: str, language: str, by) -> AllocationDocument:
    """Render, number, hash and store a letter or deed for an allocation, or refuse with a sentence."""
    if kind not in Kind.values:
        raise ValidationError(
            {"kind": ValidationError(_("Choose the kind of document: letter or deed."), code="invalid_kind")}
        )
    if language not in AllocationDocument.Language.values:
        raise ValidationError(
            {
                "language": ValidationError(
                    _("Choose the language of the document: en (English), fa (Dari) or ps (Pashto)."),
                    code="invalid_language",
                )
            }
        )
    if not has_role(by, LAND_OFFICER):
        raise PermissionDenied(_("Only a land officer may issue allocation letters and deeds."))
    # Lock the allocation: a revocation cannot slip in between the check and the issue.
    allocation = (
        Allocation.objects.select_for_update(of=("self",))
        .select_related("plot__township__province", "plot__block", "household")
        .get(pk=allocation.pk)
    )
    _require_scope(by, allocation.plot.township)
    if allocation.status not in ISSUABLE_IN[kind]:
        raise ValidationError(
            _(
                "This allocation is %(status)s, so no %(kind)s can be issued for it; that is possible only when it "
                "is %(allowed)s."
            )
            % {
                "status": _status_label(allocation.status),
                "kind": str(Kind(kind).label).lower(),
                "allowed": _(" or ").join(_status_label(s) for s in ISSUABLE_IN[kind]),
            },
            code="document_not_allowed",
        )
    number = _next_number(allocation.plot.township.code, kind)
    pdf = document_pdf(
        allocation=allocation,
        kind=kind,
        language=language,
        number=number,
        issued_at=timezone.now(),
        verify_url=document_verify_url(number),
        by=by,
    )
    document = AllocationDocument(
        allocation=allocation,
        kind=kind,
        number=number,
        language=language,
        issued_by=by,
        sha256=hashlib.sha256(pdf).hexdigest(),
    )
    # Stored before the row is written: the row is append-only, so it cannot be updated with the file name.
    document.file.save(f"{number}.pdf", ContentFile(pdf), save=False)
    try:
        with database_rules_explained():
            document.save()
    except Exception:
        document.file.delete(save=False)
        raise
    return document


def document_standing(document: AllocationDocument) -> str:
    """valid, superseded (a later document of the same kind exists for the allocation), or revoked (the
    allocation has ended: revoked, transferred or rejected). Derived every time, never stored."""
    if Allocation.objects.ended().filter(pk=document.allocation_id).exists():
        return REVOKED
    # Numbers are taken under a lock, so a higher id is a later issue.
    later = AllocationDocument.objects.filter(
        allocation_id=document.allocation_id, kind=document.kind, pk__gt=document.pk
    )
    return SUPERSEDED if later.exists() else VALID


def document_verification_token(document: AllocationDocument | str) -> str:
    """The signed token in the QR code: the document number and a signature nobody can forge without the
    secret key."""
    number = document if isinstance(document, str) else document.number
    return signing.Signer(salt=TOKEN_SALT).sign(number)


def document_from_token(token: str) -> AllocationDocument:
    """The document a token was signed for. A bad or forged token raises AllocationDocument.DoesNotExist."""
    try:
        number = signing.Signer(salt=TOKEN_SALT).unsign(token)
    except signing.BadSignature:
        raise AllocationDocument.DoesNotExist("This token was not signed by landreg.") from None
    return AllocationDocument.objects.select_related("allocation__plot__township", "allocation__plot__block").get(
        number=number
    )


def document_verify_url(document: AllocationDocument | str) -> str:
    """The absolute address of the public verification page, as printed under the QR code."""
    base = settings.LANDREG_PUBLIC_URL
    path = reverse("document-verify", kwargs={"token": document_verification_token(document)})
    return base.rstrip("/") + path


def document_public_facts(document: AllocationDocument) -> dict:
    """What anyone holding the document may learn from the verification page: no names, no ID numbers."""
    plot = document.allocation.plot
    return {
        "standing": document_standing(document),
        "number": document.number,
        "kind": document.kind,
        "kind_label": Kind(document.kind).label,
        "issued_on": timezone.localdate(document.issued_at),
        "township": plot.township.name,
        "township_prs": plot.township.name_prs,
        "block": plot.block.code if plot.block_id else "",
        "plot_number": plot.number,
        "area_m2": plot.area_m2,
    }


def _status_label(status: str) -> str:
    return str(S(status).label).lower()


def _require_scope(user, township) -> None:
    provinces = province_ids_in_scope(user)
    townships = township_ids_in_scope(user)
    if (provinces is not None and township.province_id not in provinces) or (
        townships is not None and township.pk not in townships
    ):
        raise PermissionDenied(_("Township %(township)s is outside your scope.") % {"township": township})


def _next_number(township_code: str, kind: str) -> str:
    """The next number of this kind in the township, e.g. NAN-SMD-L-000123. Officers issuing at the same moment
    take turns on a transaction-level advisory lock, so no two get the same number."""
    prefix = f"{township_code}-{NUMBER_LETTER[kind]}-"
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", ["allocation_document_number:" + prefix])
        cursor.execute(
            "SELECT COALESCE(max(substring(number FROM '([0-9]+)$')::bigint), 0) "
            "FROM allocations_allocationdocument WHERE left(number, %s) = %s",
            [len(prefix), prefix],
        )
        last = cursor.fetchone()[0]
    return f"{prefix}{last + 1:06d}"
