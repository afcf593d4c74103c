"""Writes to households and their members. ID numbers are hashed here and never stored in clear."""

import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from households.evidence import evidence_file_name, evidence_kind
from households.identity import id_number_hash, id_number_last4
from households.models import Document, DuplicateFlag, Household, Person
from landreg import roles
from landreg.access_log import log_personal_data_access
from landreg.services_common import require_province, require_role


def person_set_id_numbers(person: Person, *, tazkira: str = "", por: str = "") -> None:
    person.tazkira_hash, person.tazkira_last4 = id_number_hash(tazkira), id_number_last4(tazkira)
    person.por_hash, person.por_last4 = id_number_hash(por), id_number_last4(por)


def _refuse_nul_characters(*records: dict) -> None:
    """PostgreSQL stores no NUL character in text (psycopg raises a ValueError, a 500): refuse it with a sentence,
    whichever door the text came through."""
    for record in records:
        for name, value in record.items():
            if isinstance(value, str) and "\x00" in value:
                raise ValidationError(
                    {name: ValidationError(_("This text holds a NUL character; remove it."), code="nul_character")}
                )


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
    where: str = "",
    **fields,
) -> Household:
    """Register a household with its head and members, and flag possible duplicates.

    head and each member are dicts of Person fields, plus optional 'tazkira' and 'por' numbers. Without a code,
    a pseudonymous one is made (province p-code and random letters: it says nothing about the person).
    where: the page, endpoint or command, for the access log of the duplicate check.
    """
    _refuse_nul_characters({**fields, "code": code}, head, *members)
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
    duplicates_flag(household=household, by=registered_by, where=where)
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


def duplicates_flag(*, household: Household, by=None, where: str = "") -> list[DuplicateFlag]:
    """Flag households that may be this one: the same tazkira or PoR number, or a head with a similar name,
    a similar father's name and the same date of birth. The officer decides (duplicate_decide).

    A match compared the new household with another one's personal data: it is logged as a view by `by`."""
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
    if flags:
        duplicate_check_log(
            by=by, ids={f.candidate_id for f in flags}, where=where or "duplicate check at registration"
        )
    return DuplicateFlag.objects.bulk_create(flags, ignore_conflicts=True)


def duplicate_check_log(*, by, ids, where: str) -> None:
    """Log a duplicate check that matched other households: it read their ID-number hashes or names."""
    if ids:
        log_personal_data_access(user=by, action="view", what="households.Household", ids=sorted(ids), where=where)


# What an officer is told of a possible duplicate registered outside their provinces: that it exists, and whom to
# ask; never its code, name or province.
OUTSIDE_SCOPE = {
    DuplicateFlag.Reason.SAME_TAZKIRA: gettext_lazy(
        "A household with the same tazkira number is registered outside your provinces; ask the Ministry's data team."
    ),
    DuplicateFlag.Reason.SAME_POR: gettext_lazy(
        "A household with the same PoR card number is registered outside your provinces; ask the Ministry's data team."
    ),
    DuplicateFlag.Reason.SIMILAR_HEAD: gettext_lazy(
        "A household with a similar head's name, father's name and date of birth is registered outside your "
        "provinces; ask the Ministry's data team."
    ),
}


def duplicate_candidates_visible(user, ids) -> set[int]:
    """Which of these households (possible duplicates) the user may see, and so be told the code of."""
    from households.selectors import households_visible_to

    return set(households_visible_to(user).filter(pk__in=list(ids)).values_list("pk", flat=True))


@transaction.atomic
def duplicate_decide(*, flag: DuplicateFlag, decision: str, by, note: str = "") -> DuplicateFlag:
    """Record the officer's decision on a possible duplicate."""
    from django.utils import timezone

    require_role(by, [roles.LAND_OFFICER, roles.COMMITTEE_MEMBER], _("decide on a possible duplicate"))
    # Deciding compares the people of both households: neither may lie outside the decider's provinces. The
    # other household is not named: its province and code are not the decider's to learn.
    provinces = dict(
        Household.objects.filter(pk__in=[flag.household_id, flag.candidate_id]).values_list("pk", "province_id")
    )
    require_province(by, provinces[flag.household_id], _("This household"))
    require_province(by, provinces[flag.candidate_id], _("The other household of this possible duplicate"))
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


@transaction.atomic
def document_add(
    *, household: Household, kind: str, upload, by, number: str = "", issued_on=None, person: Person | None = None
) -> Document:
    """Attach an evidence document (a whole, readable PDF, JPEG or PNG scan; see households/evidence.py). Its
    SHA-256 is recorded; an ID number on it is kept only as a keyed hash and its last digits."""
    import hashlib

    from django.conf import settings

    require_role(by, [roles.LAND_OFFICER], _("add evidence"))
    require_province(by, household.province_id, _("This household"))
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
    # The whole file is read and its type verified; it is kept under a generated name with that type's extension.
    upload.name = evidence_file_name(evidence_kind(upload))
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
    require_province(by, household.province_id, _("This household"))
    _refuse_nul_characters(fields)
    for name, value in fields.items():
        setattr(household, name, value)
    # Moved to another province: that one must be the officer's too.
    require_province(by, household.province_id, _("Province %(p)s") % {"p": household.province})
    household.full_clean()
    household.save()
    return household
