"""Allocation letters and deeds: issue a document once, print it in any language, re-issue it deliberately; say
whether it still stands; sign its QR link.

The number and its verification QR code are the document; English, Dari and Pashto are renderings of it, drawn
from the same record whenever it is printed (each print logged). Only a re-issue, with a reason, gives a new
number, which supersedes the old one."""

import hashlib

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from allocations.document_pdf import document_pdf
from allocations.models import Allocation, AllocationDocument, AllocationDocumentPrint
from landreg.roles import LAND_OFFICER, has_role
from landreg.rules import database_rules_explained
from landreg.scope import province_ids_in_scope, township_ids_in_scope

S = Allocation.Status
Kind = AllocationDocument.Kind
Reason = AllocationDocument.ReissueReason
# The statuses in which each kind of document may be issued or printed: the letter from assignment on (the office
# prints it, then records it as given to the household), a deed only for a titled allocation.
ISSUABLE_IN = {
    Kind.LETTER: [S.ASSIGNED, S.LETTER_ISSUED, S.HANDED_OVER, S.OCCUPIED, S.TITLED],
    Kind.DEED: [S.TITLED],
}
# The reasons an officer may give for a re-issue ("unrecorded" is only for documents re-issued before reasons were).
REISSUE_REASONS = [Reason.LOST, Reason.DAMAGED, Reason.CORRECTED]
NUMBER_LETTER = {Kind.LETTER: "L", Kind.DEED: "D"}
TOKEN_SALT = "landreg.document"

VALID, SUPERSEDED, REVOKED = "valid", "superseded", "revoked"


def _check_kind_and_language(kind: str, language: str) -> None:
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


def _require_officer(by) -> None:
    if not has_role(by, LAND_OFFICER):
        raise PermissionDenied(_("Only a land officer may issue or print allocation letters and deeds."))


def document_current(allocation: Allocation, kind: str) -> AllocationDocument | None:
    """The document of this kind that counts for the allocation: the one no re-issue has superseded."""
    return (
        AllocationDocument.objects.filter(allocation=allocation, kind=kind, reissues__isnull=True)
        .order_by("-pk")
        .first()
    )


@transaction.atomic
def document_issue(
    *, allocation: Allocation, kind: str, language: str, by, reissue_reason: str = "", reissue_note: str = ""
) -> AllocationDocument:
    """Issue the letter or deed of an allocation once: number it, render it in `language`, hash and store that
    first print. With a reissue_reason (lost, damaged, corrected) it re-issues the current one: a new number that
    supersedes it. Any other second issue is refused: the document is printed again instead (document_print)."""
    _check_kind_and_language(kind, language)
    _require_officer(by)
    # Lock the allocation: a revocation or a second issue cannot slip in between the checks and the issue.
    allocation = (
        Allocation.objects.select_for_update(of=("self",))
        .select_related("plot__township__province", "plot__block", "household")
        .get(pk=allocation.pk)
    )
    _require_scope(by, allocation.plot.township)
    _require_issuable(allocation, kind)
    current = document_current(allocation, kind)
    label = str(Kind(kind).label)
    if current is not None and not reissue_reason:
        raise ValidationError(
            _(
                "%(kind)s %(number)s is already issued for this allocation. Print it again in any language, or, "
                "if it was lost, damaged or wrong, re-issue it with the reason: the new number supersedes it."
            )
            % {"kind": label, "number": current.number},
            code="document_already_issued",
        )
    if reissue_reason:
        if current is None:
            raise ValidationError(
                {
                    "reissue_reason": ValidationError(
                        _("No %(kind)s was issued for this allocation yet, so there is nothing to re-issue.")
                        % {"kind": label.lower()},
                        code="nothing_to_reissue",
                    )
                }
            )
        if reissue_reason not in REISSUE_REASONS:
            raise ValidationError(
                {
                    "reissue_reason": ValidationError(
                        _("Choose why the document is re-issued: %(choices)s.")
                        % {"choices": ", ".join(str(Reason(r).label).lower() for r in REISSUE_REASONS)},
                        code="reissue_reason_required",
                    )
                }
            )
    number = _next_number(allocation.plot.township.code, kind)
    issued_at = timezone.now()
    pdf = document_pdf(
        allocation=allocation,
        kind=kind,
        language=language,
        number=number,
        issued_at=issued_at,
        verify_url=document_verify_url(number),
        by=by,
    )
    document = AllocationDocument(
        allocation=allocation,
        kind=kind,
        number=number,
        language=language,
        issued_at=issued_at,
        issued_by=by,
        sha256=hashlib.sha256(pdf).hexdigest(),
        supersedes=current if reissue_reason else None,
        reissue_reason=reissue_reason,
        reissue_note=reissue_note.strip(),
    )
    # Stored before the row is written: the row is append-only, so it cannot be updated with the file name.
    document.file.save(f"{number}.pdf", ContentFile(pdf), save=False)
    try:
        with database_rules_explained(), transaction.atomic():
            document.save()
            AllocationDocumentPrint.objects.create(
                document=document, language=language, printed_by=by, sha256=document.sha256
            )
    except IntegrityError as exc:
        document.file.delete(save=False)
        raise ValidationError(
            _("Another officer issued this document a moment ago; reload and print theirs."),
            code="document_already_issued",
        ) from exc
    except Exception:
        document.file.delete(save=False)
        raise
    return document


@transaction.atomic
def document_print(*, document: AllocationDocument, language: str, by) -> tuple[bytes, AllocationDocumentPrint]:
    """Render an issued letter or deed in a language, as it was issued (same number, date, issuer and QR code),
    and log the print. Only a document that stands may be printed: a superseded one names its successor."""
    _check_kind_and_language(document.kind, language)
    _require_officer(by)
    document = AllocationDocument.objects.select_related(
        "allocation__plot__township__province", "allocation__plot__block", "allocation__household", "issued_by"
    ).get(pk=document.pk)
    allocation = document.allocation
    _require_scope(by, allocation.plot.township)
    standing = document_standing(document)
    if standing == SUPERSEDED:
        successor = document_current(allocation, document.kind)
        raise ValidationError(
            _("Document %(number)s was superseded by %(current)s; print %(current)s instead.")
            % {"number": document.number, "current": successor.number if successor else "—"},
            code="document_superseded",
        )
    if standing == REVOKED:
        raise ValidationError(
            _("The allocation of document %(number)s has ended, so the document gives no right and is not printed.")
            % {"number": document.number},
            code="document_revoked",
        )
    _require_issuable(allocation, document.kind)
    pdf = document_pdf(
        allocation=allocation,
        kind=document.kind,
        language=language,
        number=document.number,
        issued_at=document.issued_at,
        verify_url=document_verify_url(document.number),
        by=document.issued_by,
    )
    printed = AllocationDocumentPrint.objects.create(
        document=document, language=language, printed_by=by, sha256=hashlib.sha256(pdf).hexdigest()
    )
    return pdf, printed


def _require_issuable(allocation: Allocation, kind: str) -> None:
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


def document_standing(document: AllocationDocument) -> str:
    """valid, superseded (a re-issue names it), or revoked (the allocation has ended: revoked, transferred or
    rejected). Derived every time, never stored."""
    if Allocation.objects.ended().filter(pk=document.allocation_id).exists():
        return REVOKED
    return SUPERSEDED if AllocationDocument.objects.filter(supersedes_id=document.pk).exists() else VALID


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
    standing = document_standing(document)
    successor = AllocationDocument.objects.filter(supersedes_id=document.pk).first()
    return {
        "standing": standing,
        # Why the document was superseded (lost, damaged, corrected): never who holds it.
        "superseded_because": successor.reissue_reason if successor else "",
        "number": document.number,
        "kind": document.kind,
        "kind_label": Kind(document.kind).label,
        "issued_on": timezone.localdate(document.issued_at),
        "township": plot.township.name,
        "township_prs": plot.township.name_prs,
        # The township's name in the active language (Dari or Pashto where recorded), and in Dari.
        "township_local": plot.township.local_name,
        "township_dari": _in_language("fa", lambda: plot.township.local_name),
        "block": plot.block.code if plot.block_id else "",
        "plot_number": plot.number,
        "area_m2": plot.area_m2,
    }


def _in_language(language: str, read):
    with translation.override(language):
        return read()


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
