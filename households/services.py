"""Writes to households and their members. ID numbers are hashed here and never stored in clear."""

import secrets

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from households.duplicates import (  # re-exported: callers import the duplicate services from here
    OUTSIDE_SCOPE,
    duplicate_candidates_visible,
    duplicate_check_log,
    duplicate_decide,
    duplicates_flag,
)
from households.eligibility import eligibility_reassess
from households.evidence import evidence_file_name, evidence_kind
from households.identity import id_number_hash, id_number_last4, normalise_phone
from households.models import Document, Household, Person, ReturnEvidence
from landreg import roles
from landreg.services_common import require_province, require_role

__all__ = [
    "OUTSIDE_SCOPE",
    "document_add",
    "duplicate_candidates_visible",
    "duplicate_check_log",
    "duplicate_decide",
    "duplicates_flag",
    "household_register",
    "household_register_at_border",
    "household_transfer_province",
    "household_update",
    "person_add",
    "person_update",
    "persons_with_id_number",
    "return_evidence_record",
]


def person_set_id_numbers(person: Person, *, tazkira: str = "", por: str = "") -> None:
    person.tazkira_hash, person.tazkira_last4 = id_number_hash(tazkira), id_number_last4(tazkira)
    person.por_hash, person.por_last4 = id_number_hash(por), id_number_last4(por)


def _phone(text: str) -> str:
    try:
        return normalise_phone(text)
    except ValueError as error:
        raise ValidationError({"phone": ValidationError(str(error), code="phone")}) from None


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
    return _household_create(
        province=province,
        size=size,
        category=category,
        head=head,
        members=members,
        registered_by=registered_by,
        code=code,
        where=where,
        **fields,
    )


# Who registers a household at a border crossing point, from an arrival (docs/movements.md): the border teams are
# field officers as well as land officers.
BORDER_REGISTRATION_ROLES = [roles.LAND_OFFICER, roles.FIELD_OFFICER]


@transaction.atomic
def household_register_at_border(
    *,
    province,
    size: int,
    category: str,
    head: dict,
    members: list[dict] = (),
    registered_by,
    where: str = "",
    **fields,
) -> Household:
    """Register the household of an arrival recorded at a crossing point of `province` (the officer's). As
    household_register, but a field officer of the border team may do it too."""
    _refuse_nul_characters(fields, head, *members)
    require_role(registered_by, BORDER_REGISTRATION_ROLES, _("register a household at the border"))
    require_province(registered_by, province.pk, _("Province %(p)s") % {"p": province})
    return _household_create(
        province=province,
        size=size,
        category=category,
        head=head,
        members=members,
        registered_by=registered_by,
        where=where,
        **fields,
    )


def _household_create(
    *, province, size, category, head, members, registered_by, code: str = "", where: str = "", **fields
) -> Household:
    code = code or f"{province.pcode}-{secrets.token_hex(4).upper()}"
    household = Household(
        code=code, province=province, size=size, category=category, registered_by=registered_by, **fields
    )
    # The province and the registering officer are records given by the caller: not looked up again.
    household.full_clean(exclude=["province", "registered_by"])
    household.save()
    people = []
    for data in [{**head, "relationship": Person.Relationship.HEAD}, *members]:
        data = dict(data)
        tazkira, por = data.pop("tazkira", ""), data.pop("por", "")
        data["phone"] = _phone(data.get("phone", ""))
        # A number given in clear is hashed here; a register that kept only the hash (an arrival at the border)
        # gives tazkira_hash and its last digits instead.
        person = Person(household=household, **data)
        if tazkira:
            person.tazkira_hash, person.tazkira_last4 = id_number_hash(tazkira), id_number_last4(tazkira)
        if por:
            person.por_hash, person.por_last4 = id_number_hash(por), id_number_last4(por)
        person.full_clean(exclude=["household"])
        people.append(person)
    Person.objects.bulk_create(people)  # the name keys are derived by the database (households/sql/0004)
    duplicates_flag(household=household, by=registered_by, where=where, members=people)
    return household


@transaction.atomic
def return_evidence_record(
    *,
    household: Household,
    kind: str,
    returned_on,
    reference: str,
    by,
    crossing_point=None,
    country_returned_from: str = "",
) -> ReturnEvidence:
    """Record that another register proves the household's return on a day (a border arrival: docs/movements.md),
    then reassess eligibility (when `by` may assess it). Recording the same reference twice returns the first
    record. The household's return date and country returned from, when empty, are filled from it."""
    require_role(by, BORDER_REGISTRATION_ROLES, _("record evidence of a return"))
    household = Household.objects.select_for_update().get(pk=household.pk)
    require_province(by, household.province_id, _("This household"))
    evidence = ReturnEvidence.objects.filter(kind=kind, reference=reference).first()
    created = evidence is None
    if created:
        evidence = ReturnEvidence(
            household=household,
            kind=kind,
            reference=reference,
            returned_on=returned_on,
            crossing_point=crossing_point,
            country_returned_from=country_returned_from,
            recorded_by=by,
        )
        # Checked before it is written; the records it points at are the caller's, not looked up again, and the
        # one record per reference is the database's (return_evidence_recorded_once), as a concurrent one shows.
        evidence.full_clean(
            exclude=["household", "crossing_point", "recorded_by"], validate_unique=False, validate_constraints=False
        )
        try:
            with transaction.atomic():
                evidence.save()
        except IntegrityError:
            evidence, created = ReturnEvidence.objects.get(kind=kind, reference=reference), False
    if evidence.household_id != household.pk:
        raise ValidationError(
            _("This record already proves the return of another household; it cannot prove two."),
            code="return_evidence_recorded_once",
        )
    if created:
        changed = []
        if household.return_date is None:
            household.return_date, changed = returned_on, [*changed, "return_date"]
        if not household.country_returned_from and country_returned_from:
            household.country_returned_from = country_returned_from
            changed.append("country_returned_from")
        if changed:
            household.save(update_fields=[*changed, "updated_at"])
        # Reassessed at once when the officer may assess; a border team's field officer leaves it to the next
        # assessment, which reads this evidence.
        if roles.has_role(by, roles.LAND_OFFICER, roles.COMMITTEE_MEMBER):
            eligibility_reassess(household=household, by=by)
    return evidence


@transaction.atomic
def household_transfer_province(*, household: Household, to_province, by) -> Household:
    """A household moves to another province: the receiving province's officers take it over. Made by an officer
    of the province it leaves (who need not have the receiving one). What the sending province recorded stays
    readable to it where its records keep it (docs/movements.md)."""
    require_role(by, [roles.LAND_OFFICER, roles.FIELD_OFFICER], _("record a move to another province"))
    household = Household.objects.select_for_update().get(pk=household.pk)
    require_province(by, household.province_id, _("This household"))
    if to_province.level != "province":
        raise ValidationError({"province": ValidationError(_("Choose a province."), code="not_a_province")})
    if to_province.pk == household.province_id:
        raise ValidationError(
            {"province": ValidationError(_("The household is already in this province."), code="same_province")}
        )
    household.province = to_province
    household.current_district = None
    household.save(update_fields=["province", "current_district", "updated_at"])
    return household


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
    if kind == Document.Kind.TAZKIRA and number:
        _tazkira_from_evidence(household=household, person=person, number=number, by=by)
    eligibility_reassess(household=household, by=by)
    return document


def _tazkira_from_evidence(*, household: Household, person: Person | None, number: str, by) -> None:
    """A tazkira scan with its number supplies the number to its person (the head when none is named) if it was
    missing; duplicates are then looked for again. A number already recorded is not overwritten by a scan: an
    officer corrects it on the member's form."""
    person = person or household.members.filter(relationship=Person.Relationship.HEAD).first()
    if person is None or person.tazkira_hash:
        return
    person.tazkira_hash, person.tazkira_last4 = id_number_hash(number), id_number_last4(number)
    person.save(update_fields=["tazkira_hash", "tazkira_last4"])
    duplicates_flag(household=household, by=by, where="tazkira number from evidence")


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
    eligibility_reassess(household=household, by=by)
    return household


# What a member's form may change; ID numbers are given in clear ("tazkira", "por") and kept only as hashes.
PERSON_FIELDS = (
    "relationship",
    "name",
    "father_name",
    "name_local",
    "father_name_local",
    "sex",
    "date_of_birth",
    "phone",
)


@transaction.atomic
def person_add(*, household: Household, by, where: str = "", **data) -> Person:
    """Add a member to a registered household. Its history is kept (PersonEvent, by trigger)."""
    require_role(by, [roles.LAND_OFFICER], _("add a member"))
    require_province(by, household.province_id, _("This household"))
    _refuse_nul_characters(data)
    tazkira, por = data.pop("tazkira", ""), data.pop("por", "")
    unknown = set(data) - set(PERSON_FIELDS)
    if unknown:
        raise ValueError(f"not a member's field: {sorted(unknown)}")
    data["phone"] = _phone(data.get("phone", ""))
    person = Person(household=household, **data)
    person_set_id_numbers(person, tazkira=tazkira, por=por)
    person.full_clean()
    person.save()
    _after_member_change(household=household, by=by, where=where)
    return person


@transaction.atomic
def person_update(*, person: Person, by, where: str = "", **data) -> Person:
    """Correct a member's facts. A "tazkira" or "por" given (not empty) replaces the number; an empty one keeps
    it: a number is removed only by an administrator. Every change is kept in the member's history."""
    person = Person.objects.select_for_update().select_related("household").get(pk=person.pk)
    household = person.household
    require_role(by, [roles.LAND_OFFICER], _("edit a member"))
    require_province(by, household.province_id, _("This household"))
    _refuse_nul_characters(data)
    tazkira, por = data.pop("tazkira", ""), data.pop("por", "")
    unknown = set(data) - set(PERSON_FIELDS)
    if unknown:
        raise ValueError(f"not a member's field: {sorted(unknown)}")
    for name, value in data.items():
        setattr(person, name, value)
    person.phone = _phone(person.phone)
    if tazkira:
        person.tazkira_hash, person.tazkira_last4 = id_number_hash(tazkira), id_number_last4(tazkira)
    if por:
        person.por_hash, person.por_last4 = id_number_hash(por), id_number_last4(por)
    person.full_clean()
    person.save()
    _after_member_change(household=household, by=by, where=where)
    return person


def _after_member_change(*, household: Household, by, where: str) -> None:
    """A changed member may make the household a possible duplicate, or change its eligibility."""
    duplicates_flag(household=household, by=by, where=where or "duplicate check after a member changed")
    eligibility_reassess(household=household, by=by)
