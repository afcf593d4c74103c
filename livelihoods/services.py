"""Writes for livelihoods: skills profiles, providers and their opportunities, referrals and their steps,
cash-for-work attendance and payments, reintegration survey rounds and their assignments.

Each service checks the caller's role and scope first, then the rule, and refuses with a sentence; PostGIS enforces
the same rules for every other client (sql/0002_livelihood_rules.sql), and its refusal is worded the same way
(landreg/rules.py). One transaction each.
"""

import datetime
import json
import math
import uuid as uuid_module
from decimal import Decimal, InvalidOperation

from django.contrib.gis.gdal import GDALException
from django.contrib.gis.geos import GEOSException, GEOSGeometry, MultiPolygon
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from allocations.models import Allocation
from households.models import VULNERABILITY_FLAG_LABELS, VULNERABILITY_FLAGS, Category, Person
from landreg import calendar, roles
from landreg.i18n import choice_label
from landreg.models import DataSharingAgreement
from landreg.rules import database_rules_explained as rules_explained
from landreg.rules import rule_error
from landreg.services_common import require_province, require_role
from livelihoods import matching
from livelihoods.models import (
    MIN_PROFILE_AGE,
    PLACE_HOLDING,
    ROUND_MONTHS,
    AttendanceWeek,
    EducationLevel,
    ImportedSubmission,
    IscoOccupation,
    IsicActivity,
    Literacy,
    MatchingProgramme,
    Occupation,
    Opportunity,
    Provider,
    Referral,
    ReferralStep,
    SkillsProfile,
    SurveyAnswer,
    SurveyAssignment,
    SurveyQuestion,
    SurveyRound,
    SurveyRoundKind,
    Workplace,
)
from livelihoods.reference import DEFAULT_PROGRAMME
from livelihoods.survey import CURRENT_VERSION
from parcels.models import AdminArea

OFFICE_ROLES = [roles.LAND_OFFICER, roles.ADMINISTRATOR]
PEOPLE_ROLES = [roles.LAND_OFFICER, roles.FIELD_OFFICER, roles.ADMINISTRATOR]
HANDED_OVER = ("handed_over", "occupied", "titled")


def _field_error(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: [ValidationError(message, code=code)]})


def _text(value, field: str, max_length: int | None = None) -> str:
    """A text field as a string: refused when it is not text, holds a NUL character or is too long."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _field_error(field, _("%(field)s must be text.") % {"field": field}, "text_required")
    if "\x00" in value:
        raise _field_error(
            field, _("%(field)s holds a NUL character; remove it and send again.") % {"field": field}, "nul_character"
        )
    if max_length is not None and len(value) > max_length:
        raise _field_error(
            field, _("%(field)s is at most %(n)d characters.") % {"field": field, "n": max_length}, "too_long"
        )
    return value


def _choice(value, choices, field: str) -> str:
    if value not in choices.values:
        listed = "; ".join(f"{code} ({label})" for code, label in choices.choices)
        raise _field_error(
            field, _("Choose %(field)s from: %(choices)s.") % {"field": field, "choices": listed}, "choice"
        )
    return value


def _decimal(value, field: str, *, low: Decimal = Decimal(0), high: Decimal | None = None) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise _field_error(field, _("%(field)s must be a number.") % {"field": field}, "number_required") from None
    if not number.is_finite() or number < low or (high is not None and number > high):
        bound = (
            _("between %(low)s and %(high)s") % {"low": low, "high": high}
            if high is not None
            else _("of %(low)s or more") % {"low": low}
        )
        raise _field_error(
            field, _("%(field)s must be a number %(bound)s.") % {"field": field, "bound": bound}, "range"
        )
    return number


def _scope_household(by, household, what=None) -> None:
    require_province(by, household.province_id, what or _("Household %(code)s") % {"code": household.code})


def programme_default() -> MatchingProgramme:
    """The default matching programme (installed by migration 0003; made again if a test flush removed it)."""
    programme, _created = MatchingProgramme.objects.get_or_create(
        code=DEFAULT_PROGRAMME, defaults={"name": "Livelihoods (default weights)"}
    )
    return programme


# --- skills profiles ----------------------------------------------------------------------------------------------


def age_on(person: Person, day: datetime.date) -> int | None:
    born = person.date_of_birth
    if born is None:
        return None
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


@transaction.atomic
def skills_profile_save(
    *,
    person: Person,
    by,
    education: str = EducationLevel.NONE,
    literacy_dari: str = Literacy.NONE,
    literacy_pashto: str = Literacy.NONE,
    literacy_english: str = Literacy.NONE,
    occupations: list[dict] = (),
    certificates: list[str] = (),
    languages: list[str] = (),
    can_work_outside_home: bool = True,
    workplace_accepted: str = SkillsProfile.WorkplaceAccepted.ANY,
    care_duties: bool = False,
    disability: bool = False,
    max_travel_km=None,
) -> SkillsProfile:
    """Record or replace a person's skills profile. occupations: [{"isco": "7115", "years": 6, "learnt_in":
    "iran"}, …] (ISCO-08 unit groups). Refused for a person under 15 or whose date of birth is not recorded."""
    require_role(by, PEOPLE_ROLES, _("record a skills profile"))
    person = Person.objects.select_related("household").get(pk=person.pk)
    _scope_household(by, person.household)
    age = age_on(person, timezone.localdate())
    if age is None:
        raise rule_error(
            "skills_profile_for_15_and_over", _("%(name)s has no date of birth recorded") % {"name": person.name}
        )
    if age < MIN_PROFILE_AGE:
        raise rule_error("skills_profile_for_15_and_over", _("%(name)s is %(age)d") % {"name": person.name, "age": age})
    values = {
        "education": _choice(education, EducationLevel, "education"),
        "literacy_dari": _choice(literacy_dari, Literacy, "literacy_dari"),
        "literacy_pashto": _choice(literacy_pashto, Literacy, "literacy_pashto"),
        "literacy_english": _choice(literacy_english, Literacy, "literacy_english"),
        "certificates": [_text(c, "certificates", 150).strip() for c in certificates if str(c).strip()],
        "languages": [_text(code, "languages", 3).strip().lower() for code in languages if str(code).strip()],
        "can_work_outside_home": bool(can_work_outside_home),
        "workplace_accepted": _choice(workplace_accepted, SkillsProfile.WorkplaceAccepted, "workplace_accepted"),
        "care_duties": bool(care_duties),
        "disability": bool(disability),
        "max_travel_km": _decimal(max_travel_km, "max_travel_km", high=Decimal(1000)),
    }
    rows = _occupations(occupations)
    profile = SkillsProfile.objects.select_for_update().filter(person=person).first()
    if profile is None:
        profile = SkillsProfile(person=person, recorded_by=by, **values)
    else:
        for name, value in values.items():
            setattr(profile, name, value)
        profile.recorded_by = by
    with rules_explained():
        profile.save()
        profile.occupations.all().delete()
        Occupation.objects.bulk_create([Occupation(profile=profile, **row) for row in rows])
    return profile


# A profile filled away from the office that would overwrite a change made on the server since it was opened.
PROFILE_CHANGED = "profile_changed_meanwhile"


def skills_profile_submit(
    *, person: Person, by, client_uuid, seen_updated_at: datetime.datetime | None, **profile
) -> tuple[SkillsProfile, bool]:
    """A skills profile filled away from the office (the field app, maybe offline), through skills_profile_save:
    recorded once per form (its client UUID, kept as an ImportedSubmission like a Kobo submission's): a form sent
    again answers (the profile, False). It never silently overwrites a change made on the server after the form was
    opened: `seen_updated_at` is the profile's updated_at the phone saw (None: it had no profile yet); a profile
    changed since is refused (code profile_changed_meanwhile, a sentence saying when and by whom), and the officer
    decides: discard the form, or send it on top of that change (its updated_at as seen), when the history of the
    profile keeps the earlier one."""
    require_role(by, PEOPLE_ROLES, _("record a skills profile"))
    person = Person.objects.select_related("household").get(pk=person.pk)
    _scope_household(by, person.household)
    try:
        key = uuid_module.UUID(str(client_uuid))
    except ValueError:
        raise _field_error(
            "client_uuid", _("client_uuid must be the UUID the phone made for this form."), "uuid_invalid"
        ) from None
    with transaction.atomic():
        try:
            # Claims the UUID first: the same form sent twice at once waits here, then finds the first one.
            with transaction.atomic():
                ImportedSubmission.objects.create(
                    uuid=key, form=ImportedSubmission.Form.PROFILE, person=person, imported_by=by
                )
        except IntegrityError:
            earlier = ImportedSubmission.objects.get(uuid=key)
            if earlier.person_id != person.pk or earlier.imported_by_id != getattr(by, "pk", None):
                raise _field_error(
                    "client_uuid",
                    _("This form's id was used by another form; save the profile again as a new form."),
                    "uuid_taken",
                ) from None
            return SkillsProfile.objects.get(person=person), False
        current = (
            SkillsProfile.objects.select_for_update(of=("self",))
            .filter(person=person)
            .select_related("recorded_by")
            .first()
        )
        if current is not None and (seen_updated_at is None or current.updated_at != seen_updated_at):
            raise _field_error(
                "profile",
                _(
                    "%(name)s's skills profile was changed by %(who)s at %(when)s, after this form was opened. Open "
                    "the profile again to see that change, or send yours on top of it (the earlier profile is kept "
                    "in its history)."
                )
                % {
                    "name": person.name,
                    "who": current.recorded_by.get_username() if current.recorded_by else _("someone"),
                    "when": calendar.shamsi_datetime(timezone.localtime(current.updated_at)),
                },
                PROFILE_CHANGED,
            )
        return skills_profile_save(person=person, by=by, **profile), True


def _occupations(occupations) -> list[dict]:
    rows, seen = [], set()
    units = {}
    codes = [str(o.get("isco", "")).strip() for o in occupations if isinstance(o, dict)]
    if len(codes) != len(list(occupations)):
        raise _field_error(
            "occupations",
            _("Each occupation gives its ISCO-08 code, years and where it was learnt."),
            "occupation_shape",
        )
    if codes:
        units = {o.code: o for o in IscoOccupation.objects.filter(code__in=codes, level=IscoOccupation.Level.UNIT)}
    for item, code in zip(occupations, codes, strict=True):
        if code not in units:
            raise _field_error(
                "occupations",
                _("“%(code)s” is not an ISCO-08 unit group (four digits); search the occupation list for it.")
                % {"code": code},
                "isco_unknown",
            )
        if code in seen:
            raise rule_error("occupation_once_per_profile", code)
        seen.add(code)
        rows.append(
            {
                "isco_id": code,
                "years": _decimal(item.get("years", 0), "occupations", high=Decimal(80)) or Decimal(0),
                "learnt_in": _choice(item.get("learnt_in", ""), Occupation.LearntIn, "learnt_in"),
            }
        )
    return rows


# --- providers and opportunities -----------------------------------------------------------------------------------


def provider_create(*, name: str, by, kind: str = Provider.Kind.NGO, agreement: DataSharingAgreement | None = None):
    """A partner organisation; linked to its data-sharing agreement when it has one (its partner accounts then post
    for the agreement's provinces)."""
    require_role(by, OFFICE_ROLES, _("record a provider"))
    name = _text(name, "name", 150).strip()
    if not name:
        raise _field_error("name", _("Give the organisation's name."), "name_required")
    provider = Provider(name=name, kind=_choice(kind, Provider.Kind, "kind"), agreement=agreement)
    provider.full_clean()
    provider.save()
    return provider


def provider_for_agreement(agreement: DataSharingAgreement) -> Provider:
    """The provider an agreement's partners post as: the one linked to it, else one named as the agreement's
    partner (linked now), else a new one."""
    provider = Provider.objects.filter(agreement=agreement).first()
    if provider is None:
        provider, _created = Provider.objects.get_or_create(name=agreement.partner_name)
        if provider.agreement_id is None:
            provider.agreement = agreement
            provider.save(update_fields=["agreement"])
    return provider


def partner_agreement_for(user, provider: Provider, province, on: datetime.date | None = None) -> DataSharingAgreement:
    """The agreement under which a partner account acts for `provider` in `province`: the provider's, current, with
    the user among its accounts and the province among its provinces. PermissionDenied with a sentence otherwise."""
    on = on or timezone.localdate()
    agreement = provider.agreement
    if agreement is None or not agreement.users.filter(pk=user.pk).exists():
        raise PermissionDenied(
            _("Your account does not act for %(provider)s under a data-sharing agreement.")
            % {"provider": provider.name}
        )
    if not agreement.valid_from <= on <= agreement.valid_until:
        raise PermissionDenied(
            _("The data-sharing agreement %(ref)s is valid from %(start)s to %(end)s; it is not current.")
            % {"ref": agreement.reference, "start": agreement.valid_from, "end": agreement.valid_until}
        )
    if not agreement.provinces.filter(pk=province.pk).exists():
        raise PermissionDenied(
            _("The data-sharing agreement %(ref)s does not cover %(province)s.")
            % {"ref": agreement.reference, "province": province.name_en}
        )
    return agreement


def _acts_for_provider(user, provider: Provider, province) -> None:
    """An officer in the province's scope, or a partner account of the provider under its current agreement."""
    if roles.has_role(user, *OFFICE_ROLES):
        require_province(user, province.pk, _("Province %(p)s") % {"p": province.name_en})
        return
    if roles.has_role(user, roles.PARTNER):
        partner_agreement_for(user, provider, province)
        return
    raise PermissionDenied(_("Only a land officer, an administrator or the provider's partner account may do this."))


def _codes(values, allowed, field: str) -> list[str]:
    if not isinstance(values, (list, tuple)):
        raise _field_error(field, _("%(field)s is a list.") % {"field": field}, "list_required")
    values = [str(v).strip() for v in values if str(v).strip()]
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise _field_error(
            field,
            _("%(values)s are not in the list; choose from: %(choices)s.")
            % {"values": ", ".join(unknown), "choices": ", ".join(allowed)},
            "code_unknown",
        )
    return list(dict.fromkeys(values))


# An opportunity's area, as a person draws it or a program sends it: bounds that keep a hostile or mistaken shape out.
AREA_TEXT_MAX = 200_000  # characters of GeoJSON
AREA_VERTICES_MAX = 2_000
AREA_M2_MIN = 100  # a click too many makes a sliver, not a workplace
AREA_M2_MAX = 500_000_000  # 500 km²: a district's worth of canals, not a province


def location_from_geojson(value, field: str, kinds: tuple[str, ...]):
    """An opportunity's point or area from GeoJSON (an object, or its text from a form's hidden field) in WGS 84
    longitude and latitude: of one of `kinds`, finite, valid, and for an area of a sane size measured in its UTM
    zone. A Polygon is kept as a MultiPolygon. A ValidationError on `field`, with a sentence, otherwise: whatever
    is sent, never a server error. Whether it lies in the opportunity's province is opportunity_post's (the
    database's rule opportunity_inside_its_province)."""
    shape = _("%(field)s is a GeoJSON %(kinds)s in longitude and latitude (WGS 84).") % {
        "field": field,
        "kinds": _(" or ").join(kinds),
    }
    if isinstance(value, str):
        if len(value) > AREA_TEXT_MAX:
            raise _field_error(field, _("The shape is too detailed; draw it with fewer corners."), "geometry_too_large")
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):
            raise _field_error(field, shape, "geometry_invalid") from None
    if not isinstance(value, dict):
        raise _field_error(field, shape, "geometry_invalid")
    try:
        geometry = GEOSGeometry(json.dumps(value), srid=4326)
    except (GEOSException, GDALException, ValueError, TypeError, RecursionError):
        geometry = None
    if geometry is None or geometry.geom_type not in kinds:
        raise _field_error(field, shape, "geometry_invalid")
    geometry.srid = 4326
    extent = geometry.extent if not geometry.empty else (math.nan,) * 4
    if not all(math.isfinite(c) for c in extent) or not (
        -180 <= extent[0] <= extent[2] <= 180 and -90 <= extent[1] <= extent[3] <= 90
    ):
        raise _field_error(
            field, _("%(field)s lies outside longitude ±180 and latitude ±90.") % {"field": field}, "geometry_range"
        )
    if geometry.num_coords > AREA_VERTICES_MAX:
        raise _field_error(
            field,
            _("The shape has %(n)d corners; draw it with at most %(max)d.")
            % {"n": geometry.num_coords, "max": AREA_VERTICES_MAX},
            "geometry_too_large",
        )
    if not geometry.valid:
        raise _field_error(
            field,
            _("%(field)s is not a valid shape (%(why)s); fix its outline.")
            % {"field": field, "why": geometry.valid_reason},
            "geometry_invalid",
        )
    if geometry.geom_type == "Polygon":
        geometry = MultiPolygon(geometry, srid=4326)
    if geometry.geom_type == "MultiPolygon":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT ST_Area(ST_Transform(g, landreg_utm_srid(g))) FROM (SELECT ST_GeomFromEWKB(%s) AS g) x",
                [bytes(geometry.ewkb)],
            )
            m2 = cursor.fetchone()[0]
        if not AREA_M2_MIN <= m2 <= AREA_M2_MAX:
            raise _field_error(
                field,
                _(
                    "The area drawn covers %(area)s km²; an opportunity's area is from %(min)s m² to %(max)s km². "
                    "Draw the place where the work or training is."
                )
                % {
                    "area": calendar.number_text(m2 / 1e6, places=3),
                    "min": calendar.number_text(AREA_M2_MIN, places=0),
                    "max": calendar.number_text(AREA_M2_MAX / 1e6, places=0),
                },
                "area_size",
            )
    return geometry


@transaction.atomic
def opportunity_post(
    *,
    provider: Provider,
    by,
    kind: str,
    title: str,
    province: AdminArea,
    places_offered: int,
    start_on: datetime.date,
    point=None,
    area=None,
    end_on: datetime.date | None = None,
    description: str = "",
    isic: str | None = None,
    isco_codes: list[str] = (),
    sex: str = Opportunity.Sex.ANY,
    age_min: int = MIN_PROFILE_AGE,
    age_max: int = 64,
    categories: list[str] = (),
    township=None,
    district=None,
    vulnerability_priorities: list[str] = (),
    vulnerable_only: bool = False,
    workplace: str = Workplace.MIXED,
    stipend_monthly=None,
    daily_wage=None,
    days_offered: int | None = None,
    programme: MatchingProgramme | None = None,
) -> Opportunity:
    """Post an opportunity: a land officer or administrator in the province's scope, or the provider's partner
    account under its current agreement covering the province."""
    _acts_for_provider(by, provider, province)
    errors = {}
    if end_on is not None and end_on < start_on:
        errors["end_on"] = rule_error("opportunity_ends_after_it_starts", f"{start_on} → {end_on}").messages
    if (point is None) == (area is None):
        errors["point"] = rule_error("opportunity_has_a_point_or_an_area").messages
    if not isinstance(places_offered, int) or isinstance(places_offered, bool) or places_offered < 1:
        errors["places_offered"] = [_("Offer at least one place.")]
    if kind == Opportunity.Kind.CASH_FOR_WORK and not (
        _decimal(daily_wage, "daily_wage") and isinstance(days_offered, int) and days_offered > 0
    ):
        errors["daily_wage"] = rule_error("cash_for_work_has_wage_and_days").messages
    if errors:
        raise ValidationError(errors)
    isco_codes = _codes(
        isco_codes,
        set(IscoOccupation.objects.filter(code__in=list(isco_codes)).values_list("code", flat=True)),
        "isco_codes",
    )
    if isic and not IsicActivity.objects.filter(code=isic).exists():
        raise _field_error(
            "isic", _("“%(code)s” is not an ISIC Rev.4 section or division.") % {"code": isic}, "isic_unknown"
        )
    opportunity = Opportunity(
        provider=provider,
        programme=programme or programme_default(),
        kind=_choice(kind, Opportunity.Kind, "kind"),
        title=_text(title, "title", 200).strip(),
        description=_text(description, "description", 5000),
        isic_id=isic or None,
        isco_codes=isco_codes,
        sex=_choice(sex, Opportunity.Sex, "sex"),
        age_min=age_min,
        age_max=age_max,
        categories=_codes(categories, Category.values, "categories"),
        province=province,
        township=township,
        district=district,
        vulnerability_priorities=_codes(vulnerability_priorities, VULNERABILITY_FLAGS, "vulnerability_priorities"),
        vulnerable_only=bool(vulnerable_only),
        workplace=_choice(workplace, Workplace, "workplace"),
        point=point,
        area=area,
        places_offered=places_offered,
        start_on=start_on,
        end_on=end_on,
        stipend_monthly=_decimal(stipend_monthly, "stipend_monthly"),
        daily_wage=_decimal(daily_wage, "daily_wage"),
        days_offered=days_offered,
        posted_by=by,
    )
    if not opportunity.title:
        raise _field_error("title", _("Give the opportunity a title."), "title_required")
    opportunity.full_clean(
        exclude=["provider", "programme", "province", "township", "district", "isic"], validate_constraints=False
    )
    where = _where_problem(opportunity)
    if where:
        raise rule_error("opportunity_inside_its_province", where)
    with rules_explained():
        opportunity.save()
    return opportunity


def _where_problem(o: Opportunity) -> str:
    """Why the opportunity does not lie in its province (the database's rule, asked before the write), or ''."""
    if o.township is not None and o.township.province_id != o.province_id:
        return _("township %(t)s is in another province") % {"t": o.township}
    if o.district is not None and (o.district.level != "district" or o.district.parent_id != o.province_id):
        return _("district %(d)s is not in %(p)s") % {"d": o.district.name_en, "p": o.province.name_en}
    geom = o.point or o.area
    if geom is None or o.province.geom is None:
        return ""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT landreg_area_outside(CASE WHEN GeometryType(g) = 'POINT' THEN ST_Buffer(g, 0.000001) ELSE g END, "
            "p.geom, landreg_utm_srid(g)) > landreg_tolerance_m2() "
            "FROM (SELECT ST_GeomFromEWKB(%s) AS g) x, parcels_adminarea p WHERE p.id = %s",
            [bytes(geom.ewkb), o.province_id],
        )
        outside = cursor.fetchone()[0]
    return _("the location lies outside %(p)s") % {"p": o.province.name_en} if outside else ""


@transaction.atomic
def opportunity_places_set(*, opportunity: Opportunity, places_offered: int, by) -> Opportunity:
    """Change the number of places offered: never below the places already filled."""
    opportunity = Opportunity.objects.select_for_update().select_related("provider", "province").get(pk=opportunity.pk)
    _acts_for_provider(by, opportunity.provider, opportunity.province)
    if places_offered < opportunity.places_filled:
        raise rule_error(
            "opportunity_places_filled_within_offered",
            _("%(filled)d places are filled, %(offered)d offered")
            % {"filled": opportunity.places_filled, "offered": places_offered},
        )
    opportunity.places_offered = places_offered
    with rules_explained():
        opportunity.save(update_fields=["places_offered", "updated_at"])
    return opportunity


def partner_provider_for(user, province) -> Provider:
    """The provider a partner account posts as in `province`: the one of its current data-sharing agreement that
    covers the province. PermissionDenied with a sentence saying what is missing otherwise."""
    require_role(user, [roles.PARTNER], _("post an opportunity as a partner"))
    on = timezone.localdate()
    agreements = DataSharingAgreement.objects.filter(users=user)
    if not agreements.exists():
        raise PermissionDenied(
            _("Your account is under no data-sharing agreement; ask the Ministry to add it to your organisation's.")
        )
    current = agreements.filter(valid_from__lte=on, valid_until__gte=on)
    if not current.exists():
        raise PermissionDenied(_("Your organisation's data-sharing agreement is not current; ask for its renewal."))
    covering = current.filter(provinces=province).order_by("pk").first()
    if covering is None:
        raise PermissionDenied(
            _("Your organisation's data-sharing agreement does not cover %(province)s.")
            % {"province": province.name_en}
        )
    return provider_for_agreement(covering)


# What an opportunity's update may change; the rest (eligibility, location, kind) is a new opportunity.
UPDATABLE = ("title", "description", "end_on", "places_offered", "stipend_monthly", "daily_wage", "days_offered")


@transaction.atomic
def opportunity_update(*, opportunity: Opportunity, by, **changes) -> Opportunity:
    """Change an opportunity's title, description, end, places offered (never below those filled), stipend, wage or
    days offered: the provider's partner account or an officer of the province."""
    unknown = sorted(set(changes) - set(UPDATABLE))
    if unknown:
        raise ValidationError(
            _("%(fields)s cannot be changed; post a new opportunity instead.") % {"fields": ", ".join(unknown)},
            code="not_updatable",
        )
    opportunity = Opportunity.objects.select_for_update().select_related("provider", "province").get(pk=opportunity.pk)
    _acts_for_provider(by, opportunity.provider, opportunity.province)
    if "title" in changes:
        title = _text(changes["title"], "title", 200).strip()
        if not title:
            raise _field_error("title", _("Give the opportunity a title."), "title_required")
        opportunity.title = title
    if "description" in changes:
        opportunity.description = _text(changes["description"], "description", 5000)
    if "end_on" in changes:
        end_on = changes["end_on"]
        if end_on is not None and end_on < opportunity.start_on:
            raise rule_error("opportunity_ends_after_it_starts", f"{opportunity.start_on} → {end_on}")
        opportunity.end_on = end_on
    if "places_offered" in changes:
        places = changes["places_offered"]
        if not isinstance(places, int) or isinstance(places, bool) or places < 1:
            raise _field_error("places_offered", _("Offer at least one place."), "places_required")
        if places < opportunity.places_filled:
            raise rule_error(
                "opportunity_places_filled_within_offered",
                _("%(filled)d places are filled, %(offered)d offered")
                % {"filled": opportunity.places_filled, "offered": places},
            )
        opportunity.places_offered = places
    for name in ("stipend_monthly", "daily_wage"):
        if name in changes:
            setattr(opportunity, name, _decimal(changes[name], name))
    if "days_offered" in changes:
        opportunity.days_offered = changes["days_offered"]
    if opportunity.kind == Opportunity.Kind.CASH_FOR_WORK and not (
        opportunity.daily_wage and opportunity.days_offered and opportunity.days_offered > 0
    ):
        raise rule_error("cash_for_work_has_wage_and_days")
    with rules_explained():
        opportunity.save()
    return opportunity


@transaction.atomic
def opportunity_close(*, opportunity: Opportunity, by) -> Opportunity:
    opportunity = Opportunity.objects.select_for_update().select_related("provider", "province").get(pk=opportunity.pk)
    _acts_for_provider(by, opportunity.provider, opportunity.province)
    opportunity.status = Opportunity.Status.CLOSED
    opportunity.save(update_fields=["status", "updated_at"])
    return opportunity


# --- referrals ----------------------------------------------------------------------------------------------------

# Why a person is not eligible, from the code livelihood_ineligibility() returns, in the reader's language.
INELIGIBLE = {
    "no_profile": lambda o, p, h: _("%(name)s has no skills profile yet; record one first.") % {"name": p.name},
    "no_date_of_birth": lambda o, p, h: (
        _("%(name)s has no date of birth recorded, so their age is unknown.") % {"name": p.name}
    ),
    "age": lambda o, p, h: (
        _("%(name)s is %(age)s; the opportunity takes people aged %(min)d to %(max)d.")
        % {"name": p.name, "age": age_on(p, max(o.start_on, timezone.localdate())), "min": o.age_min, "max": o.age_max}
    ),
    "sex": lambda o, p, h: (
        _("The opportunity is for %(who)s only.") % {"who": choice_label(Opportunity.Sex, o.sex).lower()}
    ),
    "category": lambda o, p, h: (
        _("The opportunity is for %(categories)s; the household is %(category)s.")
        % {
            "categories": ", ".join(choice_label(Category, c) for c in o.categories),
            "category": choice_label(Category, h.category),
        }
    ),
    "province": lambda o, p, h: _("The household is registered in another province than the opportunity's."),
    "township": lambda o, p, h: _("The opportunity is for households with a plot in %(t)s.") % {"t": o.township},
    "district": lambda o, p, h: (
        _("The opportunity is for households living in district %(d)s.") % {"d": o.district.name_en}
    ),
    "vulnerability": lambda o, p, h: (
        _("The opportunity is only for households that are %(flags)s.")
        % {
            "flags": _(" or ").join(
                str(VULNERABILITY_FLAG_LABELS[f]).lower() for f in o.vulnerability_priorities or VULNERABILITY_FLAGS
            )
        }
    ),
}


def ineligibility(opportunity: Opportunity, person: Person) -> str | None:
    """Why a person is not eligible for an opportunity, as a sentence, or None: the database's own rule
    (livelihood_ineligibility) asked, and its reason put in words."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT livelihood_ineligibility(%s, %s)", [opportunity.pk, person.pk])
        why = cursor.fetchone()[0]
    if why is None:
        return None
    code = why.split(":", 1)[0]
    words = INELIGIBLE.get(code)
    return words(opportunity, person, person.household) if words else why


@transaction.atomic
def referral_suggest(*, opportunity: Opportunity, person: Person, by) -> Referral:
    """Put a person forward for an opportunity (status suggested), with the match that ranked them. Refused with
    the reason when the person is not eligible."""
    require_role(by, PEOPLE_ROLES, _("suggest a person for an opportunity"))
    opportunity = Opportunity.objects.select_related("province", "township", "district").get(pk=opportunity.pk)
    person = Person.objects.select_related("household").get(pk=person.pk)
    require_province(by, opportunity.province_id, _("This opportunity"))
    _scope_household(by, person.household)
    why = ineligibility(opportunity, person)
    if why:
        raise rule_error("referral_meets_the_eligibility", why)
    if Referral.objects.filter(opportunity=opportunity, person=person).exists():
        raise rule_error("one_referral_per_person_and_opportunity")
    match = matching.match_of(opportunity.pk, person.pk) or {}
    referral = Referral(
        opportunity=opportunity,
        person=person,
        created_by=by,
        match={
            "score": match.get("score"),
            "parts": match.get("parts"),
            "weights": match.get("weights"),
            "distance_km": match.get("distance_km"),
            "located_by": match.get("located_by"),
        },
    )
    with rules_explained():
        referral.save()
    return referral


# How far a referral goes when it is made: put forward only, or put forward and sent to the provider at once.
REFER_STEPS = ("suggested", "referred")


@transaction.atomic
def referral_refer(*, opportunity: Opportunity, person: Person, by, step: str = "referred") -> Referral:
    """The one way a referral is made (the officers' pages, the map panel's Refer button, the REST API): suggest the
    person, and with step="referred" refer them at once, both or neither. Checked in one place: the caller's role
    and provinces, the person's eligibility, and that the opportunity is open with a place left (a full or closed
    opportunity takes nobody, so nobody is referred to it)."""
    if step not in REFER_STEPS:
        raise _field_error(
            "step", _("A referral is made suggested or referred; the provider takes the next steps."), "step_invalid"
        )
    require_role(by, PEOPLE_ROLES, _("suggest a person for an opportunity"))
    current = Opportunity.objects.get(pk=opportunity.pk)
    require_province(by, current.province_id, _("This opportunity"))
    today = timezone.localdate()
    if (
        current.status != Opportunity.Status.OPEN
        or (current.end_on is not None and current.end_on < today)
        or current.places_filled >= current.places_offered
    ):
        raise rule_error(
            "places_filled_never_exceed_places_offered",
            _("%(filled)d of %(offered)d places filled, %(status)s")
            % {
                "filled": current.places_filled,
                "offered": current.places_offered,
                "status": _("ended on %(d)s") % {"d": current.end_on}
                if current.end_on is not None and current.end_on < today
                else str(choice_label(Opportunity.Status, current.status)).lower(),
            },
        )
    referral = referral_suggest(opportunity=current, person=person, by=by)
    if step == "referred":
        referral = referral_step(referral=referral, to_status="referred", by=by)
    return referral


# Steps the provider takes (its partner accounts, or an officer recording the provider's answer).
PROVIDER_STEPS = ("accepted", "enrolled", "completed", "dropped_out")


@transaction.atomic
def referral_step(
    *, referral: Referral, to_status: str, by, day: datetime.date | None = None, reason: str = ""
) -> Referral:
    """Move a referral one step: referred (an officer), accepted, enrolled, completed or dropped out (the provider or
    an officer for it), refused (an officer withdrawing it, or the provider refusing it). A step that takes a place
    (accepted) needs one free."""
    referral = (
        Referral.objects.select_for_update()
        .select_related("opportunity__provider", "opportunity__province", "person__household")
        .get(pk=referral.pk)
    )
    opportunity = referral.opportunity
    to_status = _choice(to_status, Referral.Status, "to_status")
    if roles.has_role(by, *PEOPLE_ROLES):
        require_province(by, opportunity.province_id, _("This opportunity"))
        if by and not roles.has_role(by, *OFFICE_ROLES) and to_status in PROVIDER_STEPS:
            raise PermissionDenied(_("The provider, or a land officer for it, records this step."))
    elif roles.has_role(by, roles.PARTNER) and (
        to_status in PROVIDER_STEPS or (to_status == "refused" and referral.status == "referred")
    ):
        partner_agreement_for(by, opportunity.provider, opportunity.province)
    else:
        raise PermissionDenied(_("Only an officer or the provider of this opportunity may record this step."))
    if to_status not in Referral.NEXT[referral.status]:
        allowed = _(" or ").join(str(choice_label(Referral.Status, s)).lower() for s in Referral.NEXT[referral.status])
        raise rule_error(
            "referral_steps_follow_the_states",
            _("the referral is %(now)s, so it can next be %(allowed)s")
            % {
                "now": str(choice_label(Referral.Status, referral.status)).lower(),
                "allowed": allowed or _("nothing: it has ended"),
            },
        )
    reason = _text(reason, "reason", 2000).strip()
    if to_status in ("refused", "dropped_out") and not reason:
        raise _field_error("reason", _("Say why the referral ends."), "reason_required")
    day = day or timezone.localdate()
    last = referral.steps.order_by("-day").values_list("day", flat=True).first()
    if last and day < last:
        raise rule_error("referral_steps_follow_the_states", _("the previous step is dated %(d)s") % {"d": last})
    if to_status == "referred":
        why = ineligibility(opportunity, referral.person)
        if why:
            raise rule_error("referral_meets_the_eligibility", why)
    if to_status in PLACE_HOLDING and referral.status not in PLACE_HOLDING:
        locked = Opportunity.objects.select_for_update().get(pk=opportunity.pk)
        if locked.status != Opportunity.Status.OPEN or locked.places_filled >= locked.places_offered:
            raise rule_error(
                "places_filled_never_exceed_places_offered",
                _("%(filled)d of %(offered)d places filled")
                % {"filled": locked.places_filled, "offered": locked.places_offered},
            )
    with rules_explained():
        ReferralStep.objects.create(referral=referral, to_status=to_status, day=day, reason=reason, by=by)
    referral.refresh_from_db(fields=["status"])
    return referral


# --- cash-for-work attendance and payments --------------------------------------------------------------------------


def week_start(day: datetime.date) -> datetime.date:
    """The Saturday that starts the Afghan working week containing `day`."""
    return day - datetime.timedelta(days=(day.weekday() - 5) % 7)


@transaction.atomic
def attendance_record(*, referral: Referral, week_start: datetime.date, days_worked: int, by) -> AttendanceWeek:
    """The days a person worked in a week (Saturday to Thursday); an unpaid week is corrected, a paid one is final."""
    referral = (
        Referral.objects.select_for_update()
        .select_related("opportunity__provider", "opportunity__province")
        .get(pk=referral.pk)
    )
    opportunity = referral.opportunity
    _acts_for_provider(by, opportunity.provider, opportunity.province)
    if opportunity.kind != Opportunity.Kind.CASH_FOR_WORK:
        raise rule_error(
            "attendance_for_enrolled_cash_for_work", _("%(title)s is not cash for work") % {"title": opportunity.title}
        )
    if referral.status not in ("enrolled", "completed") and not (
        referral.status == "dropped_out" and referral.steps.filter(to_status="enrolled").exists()
    ):
        raise rule_error(
            "attendance_for_enrolled_cash_for_work",
            _("the referral is %(s)s") % {"s": str(choice_label(Referral.Status, referral.status)).lower()},
        )
    if not isinstance(week_start, datetime.date) or week_start.weekday() != 5:
        raise rule_error("attendance_week_starts_on_saturday", str(week_start))
    if not isinstance(days_worked, int) or isinstance(days_worked, bool) or not 0 <= days_worked <= 6:
        raise rule_error("attendance_days_within_the_week", str(days_worked))
    if week_start + datetime.timedelta(days=6) < opportunity.start_on or (
        opportunity.end_on and week_start > opportunity.end_on
    ):
        raise rule_error(
            "attendance_for_enrolled_cash_for_work",
            _("the week of %(w)s lies outside the opportunity's period (%(start)s to %(end)s)")
            % {"w": week_start, "start": opportunity.start_on, "end": opportunity.end_on or "…"},
        )
    week = AttendanceWeek.objects.select_for_update().filter(referral=referral, week_start=week_start).first()
    if week is not None and week.paid_on is not None:
        raise rule_error("paid_attendance_is_final", _("paid on %(d)s") % {"d": week.paid_on})
    others = sum(
        AttendanceWeek.objects.filter(referral=referral)
        .exclude(week_start=week_start)
        .values_list("days_worked", flat=True)
    )
    if others + days_worked > (opportunity.days_offered or 0):
        raise rule_error(
            "attendance_within_days_offered",
            _("%(done)d days recorded, %(more)d more, %(offered)d offered")
            % {"done": others, "more": days_worked, "offered": opportunity.days_offered or 0},
        )
    if week is None:
        week = AttendanceWeek(referral=referral, week_start=week_start, recorded_by=by)
    week.days_worked = days_worked
    with rules_explained():
        week.save()
    week.refresh_from_db(fields=["amount_due"])
    return week


@transaction.atomic
def attendance_pay(
    *, attendance: AttendanceWeek, by, paid_on: datetime.date | None = None, reference: str = ""
) -> AttendanceWeek:
    """Mark a week paid: final from then on."""
    week = (
        AttendanceWeek.objects.select_for_update()
        .select_related("referral__opportunity__provider", "referral__opportunity__province")
        .get(pk=attendance.pk)
    )
    _acts_for_provider(by, week.referral.opportunity.provider, week.referral.opportunity.province)
    if week.paid_on is not None:
        raise rule_error("paid_attendance_is_final", _("paid on %(d)s") % {"d": week.paid_on})
    if week.days_worked == 0:
        raise _field_error("days_worked", _("Nothing is due for a week with no day worked."), "nothing_due")
    week.paid_on = paid_on or timezone.localdate()
    week.paid_by = by
    week.payment_reference = _text(reference, "reference", 60)
    with rules_explained():
        week.save(update_fields=["paid_on", "paid_by", "payment_reference"])
    return week


# --- reintegration survey --------------------------------------------------------------------------------------------


def round_due_on(allocation: Allocation, round_kind: str) -> datetime.date | None:
    """When a round is due: the handover day plus the round's months (the last day of a shorter month)."""
    start = allocation.start_date
    if start is None:
        return None
    months = ROUND_MONTHS[round_kind]
    year, month = divmod(start.month - 1 + months, 12)
    year, month = start.year + year, month + 1
    for day in (start.day, 30, 29, 28):
        try:
            return datetime.date(year, month, day)
        except ValueError:
            continue
    return None


def _survey_writer(by, allocation: Allocation) -> None:
    require_role(by, PEOPLE_ROLES, _("record a reintegration survey"))
    require_province(
        by, allocation.household.province_id, _("Household %(code)s") % {"code": allocation.household.code}
    )


@transaction.atomic
def survey_round_record(
    *,
    allocation: Allocation,
    round: str,
    answers: dict,
    by,
    conducted_on: datetime.date | None = None,
    client_uuid=None,
    point=None,
    source: str = "field_app",
) -> SurveyRound:
    """Record one round of a household's reintegration survey with every question answered, scored by the database
    under the current scoring version. Sending the same client UUID again returns the round it made."""
    allocation = Allocation.objects.select_related("household").get(pk=allocation.pk)
    _survey_writer(by, allocation)
    try:
        client_uuid = uuid_module.UUID(str(client_uuid)) if client_uuid else uuid_module.uuid4()
    except ValueError:
        raise _field_error("client_uuid", _("The submission's UUID is not a UUID."), "client_uuid_invalid") from None
    existing = SurveyRound.objects.filter(client_uuid=client_uuid).select_related("household").first()
    if existing is not None:
        if existing.household_id != allocation.household_id:
            raise _field_error("client_uuid", _("This UUID belongs to another submission."), "client_uuid_reused")
        return existing
    round = _choice(round, SurveyRoundKind, "round")
    conducted_on = conducted_on or timezone.localdate()
    if allocation.start_date is None or allocation.status not in HANDED_OVER + (
        "suspended",
        "appealed",
        "revoked",
        "transferred",
    ):
        raise rule_error("survey_round_follows_its_handover", _("the plot has not been handed over"))
    if conducted_on < allocation.start_date:
        raise rule_error("survey_round_follows_its_handover", _("handed over on %(d)s") % {"d": allocation.start_date})
    if SurveyRound.objects.filter(allocation=allocation, round=round).exists():
        raise rule_error("one_survey_round_per_allocation", choice_label(SurveyRoundKind, round))
    questions = {q.code: q for q in SurveyQuestion.objects.filter(version=CURRENT_VERSION)}
    if not isinstance(answers, dict):
        raise _field_error("answers", _("The answers are a set of question: value."), "answers_shape")
    problems = []
    unknown = sorted(set(answers) - set(questions))
    if unknown:
        problems.append(_("%(codes)s are not questions of the survey") % {"codes": ", ".join(map(str, unknown))})
    missing = [code for code in questions if code not in answers]
    if missing:
        problems.append(_("%(codes)s are not answered") % {"codes": ", ".join(missing)})
    values = {}
    for code, value in answers.items():
        q = questions.get(code)
        if q is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not q.min_value <= value <= q.max_value:
            problems.append(
                _("the answer to %(code)s is %(value)s; choose %(min)d to %(max)d")
                % {"code": code, "value": value, "min": q.min_value, "max": q.max_value}
            )
        else:
            values[code] = value
    if problems:
        raise rule_error("survey_answer_within_its_scale", "; ".join(problems))
    survey = SurveyRound(
        household=allocation.household,
        allocation=allocation,
        round=round,
        scoring_version=CURRENT_VERSION,
        conducted_on=conducted_on,
        officer=by,
        point=point,
        source=_text(source, "source", 10),
        client_uuid=client_uuid,
    )
    with rules_explained():
        survey.save()
        SurveyAnswer.objects.bulk_create(
            [SurveyAnswer(survey_round=survey, question=questions[code], value=value) for code, value in values.items()]
        )
    survey.refresh_from_db()
    SurveyAssignment.objects.filter(allocation=allocation, round=round, done_at__isnull=True).update(
        done_at=timezone.now()
    )
    return survey


def survey_assignment_create(*, officer, allocation: Allocation, round: str, by, due_on: datetime.date | None = None):
    """Assign a household's survey round to a field officer of its province, due by a day (the round's due date by
    default)."""
    require_role(by, OFFICE_ROLES, _("assign survey rounds"))
    allocation = Allocation.objects.select_related("household").get(pk=allocation.pk)
    require_province(
        by, allocation.household.province_id, _("Household %(code)s") % {"code": allocation.household.code}
    )
    if not roles.has_role(officer, roles.FIELD_OFFICER):
        raise _field_error("officer", _("%(u)s is not a field officer.") % {"u": officer}, "not_a_field_officer")
    try:
        require_province(officer, allocation.household.province_id, "")
    except PermissionDenied:
        raise _field_error(
            "officer", _("%(u)s does not work in this household's province.") % {"u": officer}, "officer_out_of_scope"
        ) from None
    round = _choice(round, SurveyRoundKind, "round")
    due_on = due_on or round_due_on(allocation, round)
    if due_on is None:
        raise rule_error("survey_round_follows_its_handover", _("the plot has not been handed over"))
    if SurveyRound.objects.filter(allocation=allocation, round=round).exists():
        raise rule_error("one_survey_round_per_allocation", choice_label(SurveyRoundKind, round))
    assignment = SurveyAssignment(officer=officer, allocation=allocation, round=round, due_on=due_on, assigned_by=by)
    with rules_explained():
        assignment.save()
    return assignment
