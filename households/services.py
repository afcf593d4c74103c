"""Writes to households and their members. ID numbers are hashed here and never stored in clear."""

import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from households.identity import id_number_hash, id_number_last4
from households.models import Document, DuplicateFlag, Household, Person
from landreg import roles
from landreg.services_common import require_province, require_role


def person_set_id_numbers(person: Person, *, tazkira: str = "", por: str = "") -> None:
    person.tazkira_hash, person.tazkira_last4 = id_number_hash(tazkira), id_number_last4(tazkira)
    person.por_hash, person.por_last4 = id_number_hash(por), id_number_last4(por)


@transaction.atomic
def household_register(
    *,
    province,
    size: int,
    category: str,
    head: dict,
    members: list[dict] = (),
    registered_by=None,
    code: str = "",
    **fields,
) -> Household:
    """Register a household with its head and members, and flag possible duplicates.

    head and each member are dicts of Person fields, plus optional 'tazkira' and 'por' numbers. Without a code,
    a pseudonymous one is made (province p-code and random letters: it says nothing about the person).
    """
    if registered_by is not None:
        require_role(registered_by, [roles.LAND_OFFICER], _("register a household"))
        require_province(registered_by, province.pk, _("Province %(p)s") % {"p": province})
    code = code or f"{province.pcode}-{secrets.token_hex(4).upper()}"
    household = Household(
        code=code, province=province, size=size, category=category, registered_by=registered_by, **fields
    )
    household.full_clean()
    household.save()
    people = []
    for data in [{**head, "relationship": Person.Relationship.HEAD}, *members]:
        data = dict(data)
        tazkira, por = data.pop("tazkira", ""), data.pop("por", "")
        person = Person(household=household, **data)
        person_set_id_numbers(person, tazkira=tazkira, por=por)
        person.full_clean(exclude=["household"])
        people.append(person)
    Person.objects.bulk_create(people)
    duplicates_flag(household=household)
    return household


# Head-of-household names at least this similar (pg_trgm, 0..1) are shown to the officer as possible duplicates.
NAME_SIMILARITY = 0.6

_SIMILAR_HEADS = """
    SELECT other.household_id,
           (similarity(upper(other.name), upper(head.name))
            + similarity(upper(other.father_name), upper(head.father_name))) / 2 AS score
      FROM households_person head
      JOIN households_person other
        ON other.relationship = 'head' AND other.household_id <> head.household_id
       AND other.date_of_birth = head.date_of_birth
       AND upper(other.name) %% upper(head.name)
     WHERE head.household_id = %s AND head.relationship = 'head'
"""


def duplicates_flag(*, household: Household) -> list[DuplicateFlag]:
    """Flag households that may be this one: the same tazkira or PoR number, or a head with a similar name,
    a similar father's name and the same date of birth. The officer decides (duplicate_decide)."""
    from django.db import connection

    flags = []
    people = list(household.members.all())
    for reason, field in (
        (DuplicateFlag.Reason.SAME_TAZKIRA, "tazkira_hash"),
        (DuplicateFlag.Reason.SAME_POR, "por_hash"),
    ):
        digests = {getattr(p, field) for p in people} - {""}
        for other in Person.objects.filter(**{f"{field}__in": digests}).exclude(household=household):
            flags.append(
                DuplicateFlag(household=household, candidate_id=other.household_id, reason=reason, similarity=1.0)
            )
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL pg_trgm.similarity_threshold = %s", [NAME_SIMILARITY])
        cursor.execute(_SIMILAR_HEADS, [household.pk])
        for candidate_id, score in cursor.fetchall():
            if score >= NAME_SIMILARITY:
                flags.append(
                    DuplicateFlag(
                        household=household,
                        candidate_id=candidate_id,
                        reason=DuplicateFlag.Reason.SIMILAR_HEAD,
                        similarity=round(score, 3),
                    )
                )
    return DuplicateFlag.objects.bulk_create(flags, ignore_conflicts=True)


@transaction.atomic
def duplicate_decide(*, flag: DuplicateFlag, decision: str, by, note: str = "") -> DuplicateFlag:
    """Record the officer's decision on a possible duplicate."""
    from django.utils import timezone

    require_role(by, [roles.LAND_OFFICER, roles.COMMITTEE_MEMBER], _("decide on a possible duplicate"))
    flag.decision, flag.decided_by, flag.decided_at, flag.decision_note = decision, by, timezone.now(), note
    flag.full_clean()
    flag.save()
    return flag


def persons_with_id_number(number: str):
    """Exact-duplicate search on a tazkira or PoR number, without the number ever being stored."""
    digest = id_number_hash(number)
    if not digest:
        return Person.objects.none()
    return Person.objects.filter(tazkira_hash=digest) | Person.objects.filter(por_hash=digest)


_EVIDENCE_MAGIC = {b"%PDF": "PDF", b"\xff\xd8\xff": "JPEG", b"\x89PNG": "PNG"}


@transaction.atomic
def document_add(
    *, household: Household, kind: str, upload, by, number: str = "", issued_on=None, person: Person | None = None
) -> Document:
    """Attach an evidence document (PDF, JPEG or PNG scan). Its SHA-256 is recorded; an ID number on it is
    kept only as a keyed hash and its last digits."""
    import hashlib

    from django.conf import settings

    require_role(by, [roles.LAND_OFFICER], _("add evidence"))
    limit = settings.LANDREG_MAX_DOCUMENT_BYTES
    if upload.size > limit:
        raise ValidationError(
            {
                "file": ValidationError(
                    _("The file is %(size).1f MB; the limit is %(limit).0f MB. Scan at a lower resolution.")
                    % {"size": upload.size / 1e6, "limit": limit / 1e6},
                    code="file_too_large",
                )
            }
        )
    head = upload.read(8)
    upload.seek(0)
    if not any(head.startswith(magic) for magic in _EVIDENCE_MAGIC):
        raise ValidationError(
            {
                "file": ValidationError(
                    _("Upload a PDF, JPEG or PNG scan; this file is none of these."), code="file_type"
                )
            }
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    document = Document(
        household=household,
        person=person,
        kind=kind,
        issued_on=issued_on,
        file=upload,
        sha256=digest.hexdigest(),
        uploaded_by=by,
        number_hash=id_number_hash(number),
        number_last4=id_number_last4(number),
    )
    document.full_clean()
    document.save()
    return document


@transaction.atomic
def household_update(*, household: Household, by, **fields) -> Household:
    require_role(by, [roles.LAND_OFFICER], _("edit a household"))
    for name, value in fields.items():
        setattr(household, name, value)
    household.full_clean()
    household.save()
    return household
