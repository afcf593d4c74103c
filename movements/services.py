"""Writes of movement records (docs/movements.md): arrivals at the border and their link to a household, the
decision on an arrival whose ID number is registered to another household, a household's location and status
entries and its move to another province, IDP sites and their estimates. Flow counts: movements/flows.py.

ID numbers (tazkira, PoR card, repatriation form) are hashed here with the households' own key and never stored in
clear. Linking an arrival records it as evidence of the return through the households' services, so eligibility
reads it without knowing this app."""

import datetime
import uuid as uuid_module

from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from households.identity import id_number_hash, id_number_last4
from households.models import Household, Person, ReturnEvidence
from households.services import (
    household_register_at_border,
    household_transfer_province,
    return_evidence_record,
)
from landreg import roles
from landreg.rules import database_rules_explained
from landreg.services_common import require_province, require_role
from movements.models import (
    AgeBand,
    Arrival,
    ArrivalCategory,
    ArrivalMember,
    ArrivalReview,
    Assistance,
    Direction,
    DocumentHeld,
    HouseholdLocation,
    IdpSite,
    Sex,
    SitePopulationEstimate,
    Travelling,
    Vulnerability,
)
from parcels.models import AdminArea, CrossingPoint

# Who records at the border: the provincial directorate's border teams (field officers) and land officers.
BORDER_ROLES = [roles.LAND_OFFICER, roles.FIELD_OFFICER]

# The household category and return type an arrival's category registers.
HOUSEHOLD_CATEGORY = {
    ArrivalCategory.DEPORTED: "deportee",
    ArrivalCategory.UNDOCUMENTED: "undocumented_returnee",
    ArrivalCategory.DOCUMENTED: "documented_returnee",
    ArrivalCategory.AVR: "documented_returnee",
}
# The border monitoring list's vulnerabilities that are also a household's priority flags (households/models.py).
HOUSEHOLD_FLAGS = {
    Vulnerability.FEMALE_HEADED: "female_headed",
    Vulnerability.DISABILITY: "disability",
    Vulnerability.UNACCOMPANIED_CHILD: "unaccompanied_child",
    Vulnerability.ELDERLY_ALONE: "elderly_head",
}
# How the households' return evidence names an arrival (households does not know this app).
EVIDENCE_REFERENCE = "movements.arrival:%d"
# An arrival may be recorded this far ahead of the server's clock (a phone's clock a little fast), no further.
CLOCK_TOLERANCE = datetime.timedelta(minutes=15)
MEMBER_FIELDS = ("relationship", "name", "father_name", "name_local", "sex", "age_band", "date_of_birth")


def _error(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def _nul_free(values: dict) -> None:
    for name, value in values.items():
        if isinstance(value, str) and "\x00" in value:
            raise _error(name, _("This text holds a NUL character; remove it."), "nul_character")


def _choices(values, choices, field: str) -> list[str]:
    values = list(values or [])
    unknown = [v for v in values if v not in choices.values]
    if unknown:
        raise _error(
            field,
            _("“%(value)s” is not one of %(choices)s.") % {"value": unknown[0], "choices": ", ".join(choices.values)},
            "invalid_choice",
        )
    return sorted(set(values), key=values.index)


def area_problem(province, district) -> ValidationError | None:
    """The refusal of a destination or place that is not a province of Afghanistan and, when given, one of its
    districts; None when it is (the database says the same: movements_area_problem)."""
    if province is None or province.level != AdminArea.Level.PROVINCE:
        return _error("destination_province", _("Choose a province of Afghanistan."), "not_a_province")
    if district is not None and (district.level != AdminArea.Level.DISTRICT or district.parent_id != province.pk):
        return _error(
            "destination_district",
            _("District %(d)s is not in %(p)s; choose one of its districts, or none.")
            % {"d": district.name_en, "p": province.name_en},
            "district_not_in_province",
        )
    return None


def _members_checked(members: list[dict], travelling: str, *, named: bool) -> list[dict]:
    if travelling not in Travelling.values:
        raise _error("travelling", _("Say whether the person travels with family or alone."), "invalid_choice")
    if not members:
        raise _error(
            "members", _("Record the members: at least the person who crossed, with sex and age band."), "no_members"
        )
    if travelling == Travelling.FAMILY and len(members) < 2:
        raise _error(
            "members",
            _("A family arrives with at least two members; record them all, or record the person as alone."),
            "family_arrival_has_members",
        )
    if travelling == Travelling.ALONE and len(members) != 1:
        raise _error(
            "members",
            _("Someone travelling alone is one member; record a family as travelling with family."),
            "family_arrival_has_members",
        )
    checked = []
    for number, member in enumerate(members, start=1):
        member = dict(member)
        _nul_free(member)
        unknown = set(member) - {*MEMBER_FIELDS, "tazkira", "por"}
        if unknown:
            raise ValueError(f"not a member's field: {sorted(unknown)}")
        member.setdefault("relationship", ArrivalMember.Relationship.HEAD if number == 1 else "other")
        if member.get("sex") not in Sex.values:
            raise _error("members", _("Member %(n)d: choose female or male.") % {"n": number}, "member_sex")
        if member.get("age_band") not in AgeBand.values:
            raise _error(
                "members",
                _("Member %(n)d: choose an age band (0–4, 5–17, 18–59, 60 and over).") % {"n": number},
                "member_age_band",
            )
        if member["relationship"] not in ArrivalMember.Relationship.values:
            raise _error("members", _("Member %(n)d: choose the relationship.") % {"n": number}, "member_relationship")
        if named and not str(member.get("name", "")).strip():
            raise _error(
                "members",
                _("Member %(n)d has no name; a household is registered with its members' names.") % {"n": number},
                "member_name",
            )
        checked.append(member)
    heads = [m for m in checked if m["relationship"] == ArrivalMember.Relationship.HEAD]
    if len(heads) != 1:
        raise _error("members", _("Mark one member, and only one, as the head."), "one_head_per_arrival")
    return checked


def _check_rules_now() -> None:
    """Ask the database for the rules it judges at commit (a family with its members) now, so a refusal is a
    sentence of this service rather than an error at commit. One round trip: a registration counts them."""
    with database_rules_explained(), connection.cursor() as cursor:
        cursor.execute(
            "SET CONSTRAINTS family_arrival_has_members IMMEDIATE; SET CONSTRAINTS family_arrival_has_members DEFERRED"
        )


@transaction.atomic
def arrival_register(
    *,
    crossing_point: CrossingPoint,
    crossed_at: datetime.datetime,
    category: str,
    country_of_asylum: str,
    travelling: str,
    members: list[dict],
    destination_province: AdminArea,
    by,
    destination_district: AdminArea | None = None,
    direction: str = Direction.IN,
    years_abroad: int | None = None,
    documents_held=(),
    vulnerabilities=(),
    assistance=(),
    repatriation_form: str = "",
    client_uuid: uuid_module.UUID | str | None = None,
    household: Household | None = None,
    link: bool = True,
    where: str = "",
    is_demo: bool = False,
) -> Arrival:
    """Record an arrival (or a departure: direction "out") at a crossing point of the officer's province, with its
    members, and link it to a household.

    members: dicts of relationship, name, father_name, name_local, sex, age_band, date_of_birth, and the ID numbers
    in clear as "tazkira" and "por" (kept only as keyed hashes). The first member is the head unless one is marked.
    client_uuid: made by the phone or page; an arrival already recorded with it is returned as it was (exactly
    once). household: attach to this registered household instead of registering one. link=False records the
    arrival only (names not needed: a departure, or a count of people without a registration).

    Linking looks for the members' ID numbers first: one registered to another household is never merged
    silently; the arrival is kept unlinked with an ArrivalReview for an officer (arrival_review_decide). Without
    such a match a household is registered in the crossing point's province, where registration looks for
    similar heads (households/duplicates.py), and the arrival is recorded as evidence of its return.

    The arrival's `recorded_now` says whether this call recorded it (False: recorded before, the same client_uuid).
    A registration is on the border teams' busiest path (docs/movements.md, "How fast"): it reads back nothing it
    has just written, and tests/movements/test_registration_statements.py keeps its number of statements."""
    require_role(by, BORDER_ROLES, _("record an arrival at the border"))
    require_province(by, crossing_point.province_id, _("Crossing point %(c)s") % {"c": crossing_point.name_en})
    if client_uuid:
        client_uuid = uuid_module.UUID(str(client_uuid))
        existing = Arrival.objects.filter(client_uuid=client_uuid).select_related("crossing_point").first()
        if existing is not None:
            require_province(by, existing.crossing_point.province_id, _("This arrival"))
            existing.recorded_now = False
            return existing
    _nul_free({"country_of_asylum": country_of_asylum, "repatriation_form": repatriation_form})
    if direction not in Direction.values:
        raise _error("direction", _("Choose in or out."), "invalid_choice")
    if category not in ArrivalCategory.values:
        raise _error("category", _("Choose the category of return."), "invalid_choice")
    country = (country_of_asylum or "").strip().upper()
    if len(country) != 2 or not country.isalpha() or country == "AF":
        raise _error(
            "country_of_asylum",
            _("Write the country of asylum as its two-letter code: IR, PK, TR…"),
            "country_code",
        )
    if crossed_at > timezone.now() + CLOCK_TOLERANCE:
        raise _error("crossed_at", _("The crossing is in the future; check the date and time."), "future_crossing")
    if years_abroad is not None and not 0 <= years_abroad <= 100:
        raise _error("years_abroad", _("Years abroad is a number from 0 to 100."), "years_abroad")
    if category == ArrivalCategory.AVR and not id_number_hash(repatriation_form):
        raise _error(
            "repatriation_form",
            _("An assisted voluntary repatriation needs the repatriation form's number."),
            "avr_arrival_has_repatriation_form",
        )
    refusal = area_problem(destination_province, destination_district)
    if refusal is not None:
        raise refusal
    attach = household is not None
    members = _members_checked(members, travelling, named=link and not attach and direction == Direction.IN)
    documents = _choices(documents_held, DocumentHeld, "documents_held") or [DocumentHeld.NONE]
    arrival = Arrival(
        client_uuid=client_uuid or uuid_module.uuid4(),
        crossing_point=crossing_point,
        crossed_at=crossed_at,
        direction=direction,
        category=category,
        repatriation_form_hash=id_number_hash(repatriation_form),
        repatriation_form_last4=id_number_last4(repatriation_form),
        country_of_asylum=country,
        years_abroad=years_abroad,
        documents_held=documents,
        travelling=travelling,
        vulnerabilities=_choices(vulnerabilities, Vulnerability, "vulnerabilities"),
        assistance=_choices(assistance, Assistance, "assistance"),
        destination_province=destination_province,
        destination_district=destination_district,
        recorded_by=by,
        is_demo=is_demo,
    )
    try:
        with transaction.atomic(), database_rules_explained():
            arrival.save()
    except IntegrityError:
        # Sent twice at once (two syncs of one phone): the other request recorded it.
        existing = Arrival.objects.filter(client_uuid=client_uuid).first() if client_uuid else None
        if existing is not None:
            existing.recorded_now = False
            return existing
        raise
    people = []
    for member in members:
        tazkira, por = member.pop("tazkira", ""), member.pop("por", "")
        person = ArrivalMember(arrival=arrival, **member)
        person.tazkira_hash, person.tazkira_last4 = id_number_hash(tazkira), id_number_last4(tazkira)
        person.por_hash, person.por_last4 = id_number_hash(por), id_number_last4(por)
        person.full_clean(exclude=["arrival"])
        people.append(person)
    ArrivalMember.objects.bulk_create(people)
    _check_rules_now()
    arrival.recorded_now = True
    if link and direction == Direction.IN:
        arrival.household = _arrival_link(
            arrival, household=household, by=by, where=where or "border registration", members=people
        )
    return arrival


def _id_matches(arrival: Arrival, members: list[ArrivalMember] | None = None) -> set[int]:
    """The registered households holding any of the arrival's members' tazkira or PoR numbers (its members as
    just recorded, when given)."""
    digests = set()
    if members is None:
        pairs = arrival.members.values_list("tazkira_hash", "por_hash")
    else:
        pairs = [(m.tazkira_hash, m.por_hash) for m in members]
    for tazkira, por in pairs:
        digests |= {tazkira, por}
    digests.discard("")
    if not digests:
        return set()
    return set(
        Person.objects.filter(Q(tazkira_hash__in=digests) | Q(por_hash__in=digests)).values_list(
            "household_id", flat=True
        )
    )


def _arrival_link(
    arrival: Arrival, *, household: Household | None, by, where: str, members: list[ArrivalMember]
) -> Household | None:
    """Link an arrival just recorded (its members as recorded): the household it is linked to, or None when it
    waits for a decision."""
    matches = _id_matches(arrival, members)
    others = matches - ({household.pk} if household is not None else set())
    if others:
        ArrivalReview.objects.bulk_create(
            [
                ArrivalReview(arrival=arrival, candidate_id=pk, reason=ArrivalReview.Reason.ID_REGISTERED)
                for pk in sorted(others)
            ],
            ignore_conflicts=True,
        )
        return None
    if household is None:
        household = _household_of(arrival, by=by, where=where, members=members)
    require_province(by, household.province_id, _("This household"))
    _attach(arrival, household, by=by, recorded_now=True)
    return household


def _household_of(arrival: Arrival, *, by, where: str, members: list[ArrivalMember] | None = None) -> Household:
    """Register the arrival's household in the crossing point's province, its members with their ID numbers'
    hashes (the numbers themselves were never kept)."""
    members = list(arrival.members.all()) if members is None else members
    people = []
    for member in members:
        people.append(
            {
                "relationship": member.relationship,
                "name": member.name,
                "father_name": member.father_name,
                "name_local": member.name_local,
                "sex": member.sex,
                "date_of_birth": member.date_of_birth,
                "tazkira_hash": member.tazkira_hash,
                "tazkira_last4": member.tazkira_last4,
                "por_hash": member.por_hash,
                "por_last4": member.por_last4,
            }
        )
    head = next(p for p in people if p["relationship"] == ArrivalMember.Relationship.HEAD)
    others = [p for p in people if p is not head]
    head = {k: v for k, v in head.items() if k != "relationship"}
    flags = {
        field: True for vulnerability, field in HOUSEHOLD_FLAGS.items() if vulnerability in arrival.vulnerabilities
    }
    choices = Household.CrossingPoint.values
    crossing = arrival.crossing_point.code
    return household_register_at_border(
        province=arrival.crossing_point.province,
        size=len(members),
        category=HOUSEHOLD_CATEGORY[arrival.category],
        head=head,
        members=others,
        registered_by=by,
        where=where,
        return_type="deported" if arrival.category == ArrivalCategory.DEPORTED else "spontaneous",
        crossing_point=crossing
        if crossing in choices
        else ("airport" if arrival.crossing_point.kind == "airport" else "other"),
        is_demo=arrival.is_demo,
        **flags,
    )


@transaction.atomic
def arrival_attach(*, arrival: Arrival, household: Household, by) -> Arrival:
    """Link an arrival to a household: the arrival becomes evidence of the household's return (through the
    households' services, which reassess eligibility), and the household's location history starts at the border."""
    require_role(by, BORDER_ROLES, _("link an arrival to a household"))
    arrival = Arrival.objects.select_for_update().select_related("crossing_point").get(pk=arrival.pk)
    require_province(by, arrival.crossing_point.province_id, _("This arrival"))
    require_province(by, household.province_id, _("This household"))
    if arrival.household_id is not None and arrival.household_id != household.pk:
        raise _error("household", _("This arrival is already linked to another household."), "arrival_linked")
    if arrival.direction != Direction.IN:
        raise _error("household", _("Only an arrival into Afghanistan proves a return."), "arrival_direction")
    return _attach(arrival, household, by=by)


def _attach(arrival: Arrival, household: Household, *, by, recorded_now: bool = False) -> Arrival:
    """arrival_attach's writes, its checks made. recorded_now: the arrival was recorded in this transaction, so
    it has no location entry yet (nobody else can see it to write one)."""
    arrival.household = household
    arrival.save(update_fields=["household"])
    day = timezone.localdate(arrival.crossed_at)
    return_evidence_record(
        household=household,
        kind=ReturnEvidence.Kind.BORDER_ARRIVAL,
        returned_on=day,
        reference=EVIDENCE_REFERENCE % arrival.pk,
        crossing_point=arrival.crossing_point,
        country_returned_from=arrival.country_of_asylum,
        by=by,
    )
    if recorded_now or not HouseholdLocation.objects.filter(arrival=arrival).exists():
        HouseholdLocation.objects.create(
            household=household,
            status=HouseholdLocation.Status.ARRIVED_AT_BORDER,
            since=day,
            province_id=arrival.crossing_point.province_id,
            district_id=arrival.crossing_point.district_id,
            crossing_point=arrival.crossing_point,
            arrival=arrival,
            recorded_in_id=household.province_id,
            recorded_by=by,
        )
    return arrival


@transaction.atomic
def arrival_review_decide(*, review: ArrivalReview, decision: str, by) -> ArrivalReview:
    """An officer's decision on an arrival whose ID number is registered to another household: "attached" (the
    same people: the arrival becomes that household's evidence) or "new_household" (other people: a household is
    registered, and registration flags the shared number as a possible duplicate for a decision of its own)."""
    require_role(by, [roles.LAND_OFFICER], _("decide on an arrival's possible duplicate"))
    review = ArrivalReview.objects.select_for_update().select_related("arrival__crossing_point").get(pk=review.pk)
    arrival = review.arrival
    require_province(by, arrival.crossing_point.province_id, _("This arrival"))
    candidate = Household.objects.get(pk=review.candidate_id)
    # Deciding compares the people of both: the other household must be the officer's too (never named otherwise).
    require_province(by, candidate.province_id, _("The registered household of this possible duplicate"))
    if review.decision != ArrivalReview.Decision.UNDECIDED:
        raise _error("decision", _("This was decided already."), "review_decided")
    if arrival.household_id is not None:
        raise _error("decision", _("This arrival is already linked to a household."), "arrival_linked")
    if decision == ArrivalReview.Decision.ATTACHED:
        arrival_attach(arrival=arrival, household=candidate, by=by)
    elif decision == ArrivalReview.Decision.NEW_HOUSEHOLD:
        if arrival.members.filter(name="").exists():
            raise _error(
                "decision",
                _("The arrival's members have no names; a household is registered with its members' names."),
                "member_name",
            )
        arrival_attach(arrival=arrival, household=_household_of(arrival, by=by, where="arrival review"), by=by)
    else:
        raise _error(
            "decision",
            _("Choose whether the arrival is the registered household's, or a new household."),
            "no_decision",
        )
    review.decision, review.decided_by, review.decided_at = decision, by, timezone.now()
    review.save(update_fields=["decision", "decided_by", "decided_at"])
    # The arrival is linked now: its other open questions are answered by this one.
    ArrivalReview.objects.filter(arrival=arrival, decision=ArrivalReview.Decision.UNDECIDED).exclude(
        pk=review.pk
    ).update(decision=decision, decided_by=by, decided_at=review.decided_at)
    return review


# --- a household's location and status -----------------------------------------------------------------------


@transaction.atomic
def household_location_record(
    *,
    household: Household,
    status: str,
    since: datetime.date,
    by,
    province: AdminArea | None = None,
    district: AdminArea | None = None,
    site: IdpSite | None = None,
    crossing_point: CrossingPoint | None = None,
    note: str = "",
) -> HouseholdLocation:
    """Append an entry to the household's location and status history (never changed afterwards). A site gives
    its province and district; otherwise the province is the household's own unless another is given. A move
    to another province is household_move_province."""
    require_role(by, BORDER_ROLES, _("record where a household is"))
    household = Household.objects.select_for_update().get(pk=household.pk)
    require_province(by, household.province_id, _("This household"))
    _nul_free({"note": note})
    S = HouseholdLocation.Status
    if status not in S.values:
        raise _error("status", _("Choose the household's status."), "invalid_choice")
    if status == S.MOVED_TO_PROVINCE:
        raise _error("status", _("Record a move to another province as a move."), "use_move")
    if status == S.IN_SITE and site is None:
        raise _error("site", _("Choose the site the household lives in."), "location_status_names_its_place")
    if status == S.ARRIVED_AT_BORDER and crossing_point is None:
        raise _error("crossing_point", _("Choose the crossing point it arrived at."), "location_status_names_its_place")
    if since > timezone.localdate():
        raise _error("since", _("The date is in the future."), "future_date")
    if site is not None:
        province, district = site.province, site.district
    elif crossing_point is not None:
        province, district = crossing_point.province, crossing_point.district
    province = province or household.province
    refusal = area_problem(province, district)
    if refusal is not None:
        raise refusal
    if province.pk != household.province_id:
        raise _error(
            "province",
            _("The household is registered in %(p)s; record its move to another province first.")
            % {"p": household.province.name_en},
            "move_first",
        )
    with database_rules_explained():
        return HouseholdLocation.objects.create(
            household=household,
            status=status,
            since=since,
            province=province,
            district=district,
            site=site,
            crossing_point=crossing_point,
            recorded_in_id=household.province_id,
            note=note,
            recorded_by=by,
        )


@transaction.atomic
def household_move_province(
    *, household: Household, to_province: AdminArea, since: datetime.date, by, district=None, note: str = ""
) -> HouseholdLocation:
    """The household moved to another province: an entry is recorded by the sending province, and the household
    passes to the receiving province's officers (households' household_transfer_province). The sending province
    keeps read access to the entries it recorded (movements/selectors.py)."""
    require_role(by, BORDER_ROLES, _("record a move to another province"))
    household = Household.objects.select_for_update().get(pk=household.pk)
    require_province(by, household.province_id, _("This household"))
    _nul_free({"note": note})
    refusal = area_problem(to_province, district)
    if refusal is not None:
        raise refusal
    if to_province.pk == household.province_id:
        raise _error("province", _("The household is already in this province."), "same_province")
    if since > timezone.localdate():
        raise _error("since", _("The date is in the future."), "future_date")
    with database_rules_explained():
        entry = HouseholdLocation.objects.create(
            household=household,
            status=HouseholdLocation.Status.MOVED_TO_PROVINCE,
            since=since,
            province=to_province,
            district=district,
            recorded_in_id=household.province_id,
            note=note,
            recorded_by=by,
        )
    household_transfer_province(household=household, to_province=to_province, by=by)
    return entry


# --- IDP sites -------------------------------------------------------------------------------------------------

SITE_ROLES = [roles.LAND_OFFICER, roles.GIS_SPECIALIST]
SITE_FIELDS = ("name", "name_prs", "name_ps", "kind", "district", "geom", "opened_on", "closed_on", "notes")


def _site_place_checked(site: IdpSite) -> None:
    """The site lies in its district, or its province, when that boundary is loaded (within 1 km: boundaries are
    generalised); the database says the same (idp_site_inside_its_province)."""
    refusal = area_problem(site.province, site.district)
    if refusal is not None:
        raise ValidationError({"district": refusal.messages})
    if site.geom is None or site.geom.empty:
        raise _error("geom", _("Place the site on the map: a point or its outline."), "idp_site_inside_its_province")
    area = site.district if site.district is not None and site.district.geom is not None else site.province
    if area.geom is None:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_DWithin(ST_GeomFromEWKB(%s)::geography, geom::geography, 1000) FROM parcels_adminarea "
            "WHERE id = %s",
            [bytes(site.geom.ewkb), area.pk],
        )
        inside = cursor.fetchone()[0]
    if not inside:
        raise _error(
            "geom",
            _("The site lies outside %(area)s; move it, or choose the province and district it is in.")
            % {"area": area.name_en},
            "idp_site_inside_its_province",
        )


@transaction.atomic
def idp_site_create(*, code: str, province: AdminArea, by, **fields) -> IdpSite:
    """An IDP site, coded to a province (and a district of it, once districts are loaded), as a point or outline
    inside it (rule idp_site_inside_its_province)."""
    require_role(by, SITE_ROLES, _("record an IDP site"))
    require_province(by, province.pk, _("Province %(p)s") % {"p": province.name_en})
    unknown = set(fields) - {*SITE_FIELDS, "is_demo"}
    if unknown:
        raise ValueError(f"not a site's field: {sorted(unknown)}")
    _nul_free({"code": code, **fields})
    site = IdpSite(code=code, province=province, **fields)
    site.full_clean()
    _site_place_checked(site)
    with database_rules_explained():
        site.save()
    return site


@transaction.atomic
def idp_site_update(*, site: IdpSite, by, **fields) -> IdpSite:
    require_role(by, SITE_ROLES, _("edit an IDP site"))
    site = IdpSite.objects.select_for_update().get(pk=site.pk)
    require_province(by, site.province_id, _("This site"))
    unknown = set(fields) - set(SITE_FIELDS)
    if unknown:
        raise ValueError(f"not a site's field: {sorted(unknown)}")
    _nul_free(fields)
    for name, value in fields.items():
        setattr(site, name, value)
    site.full_clean()
    _site_place_checked(site)
    with database_rules_explained():
        site.save()
    return site


ESTIMATE_GROUPS = ("arrival_idps", "returned_idps", "returnees_from_abroad", "out_migrants")


@transaction.atomic
def site_estimate_record(
    *, site: IdpSite, round: str, assessed_on: datetime.date, method: str, by, is_demo: bool = False, **groups
) -> SitePopulationEstimate:
    """One assessment round's population estimate of a site, by group (individuals). A round recorded again is
    corrected in place, with its history kept."""
    require_role(by, [roles.LAND_OFFICER, roles.FIELD_OFFICER], _("record a site's population estimate"))
    require_province(by, site.province_id, _("This site"))
    _nul_free({"round": round})
    unknown = set(groups) - set(ESTIMATE_GROUPS)
    if unknown:
        raise ValueError(f"not a group: {sorted(unknown)}")
    for name, value in groups.items():
        if not isinstance(value, int) or value < 0:
            raise _error(name, _("A number of people, 0 or more."), "site_estimate_not_negative")
    if assessed_on > timezone.localdate():
        raise _error("assessed_on", _("The assessment date is in the future."), "future_date")
    estimate = SitePopulationEstimate.objects.filter(site=site, round=round).first() or SitePopulationEstimate(
        site=site, round=round
    )
    estimate.assessed_on, estimate.method, estimate.recorded_by, estimate.is_demo = assessed_on, method, by, is_demo
    for name in ESTIMATE_GROUPS:
        setattr(estimate, name, groups.get(name, 0))
    estimate.full_clean()
    with database_rules_explained():
        estimate.save()
    return estimate


# --- crossing points -------------------------------------------------------------------------------------------

# A crossing point lies on the border: its corrected position may lie this far outside its province's boundary
# (boundaries are generalised, and a crossing's town may straddle the line), no further.
CROSSING_POINT_TOLERANCE_M = 20_000
# Afghanistan with a margin (west, south, east, north), for a province whose boundary is not loaded.
AFGHANISTAN_EXTENT = (60.0, 29.0, 75.5, 39.0)


@transaction.atomic
def crossing_point_correct(
    *, point: CrossingPoint, lon: float, lat: float, by, source: str = "", precision_km=None
) -> CrossingPoint:
    """An administrator's correction of a crossing point's position (and where it comes from, and how far off it
    may still be). A corrected point keeps its correction when the shipped file is loaded again (corrected_at)."""
    require_role(by, [roles.ADMINISTRATOR], _("correct a crossing point's position"))
    point = CrossingPoint.objects.select_for_update().select_related("province").get(pk=point.pk)
    _nul_free({"source": source})
    try:
        lon, lat = float(lon), float(lat)
    except (TypeError, ValueError):
        raise _error("geom", _("Give the position as longitude and latitude in decimal degrees."), "geom") from None
    west, south, east, north = AFGHANISTAN_EXTENT
    if not (west <= lon <= east and south <= lat <= north):
        raise _error(
            "geom",
            _("Longitude %(lon)s, latitude %(lat)s is not at Afghanistan's borders; check the coordinates (and that "
              "longitude comes first).") % {"lon": lon, "lat": lat},
            "crossing_point_outside_province",
        )  # fmt: skip
    position = Point(lon, lat, srid=4326)
    if point.province.geom is not None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT ST_DWithin(ST_GeomFromEWKB(%s)::geography, geom::geography, %s) FROM parcels_adminarea "
                "WHERE id = %s",
                [bytes(position.ewkb), CROSSING_POINT_TOLERANCE_M, point.province_id],
            )
            near = cursor.fetchone()[0]
        if not near:
            raise _error(
                "geom",
                _("This position is more than %(km)d km outside %(p)s; a crossing point lies at its province's border.")
                % {"km": CROSSING_POINT_TOLERANCE_M // 1000, "p": point.province.name_en},
                "crossing_point_outside_province",
            )
    point.geom = position
    if source.strip():
        point.source = source.strip()
    if precision_km is not None:
        point.precision_km = precision_km
    point.corrected_at = timezone.now()
    point.full_clean()
    with database_rules_explained():
        point.save()
    return point
