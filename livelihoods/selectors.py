"""Reads for livelihoods, always for a requesting user, so role, scope and the access log apply in one place:
occupation search, opportunities, ranked matches, referrals (officers' and partners' views), payments due, survey
rounds due, and the aggregates published later (scores by township and round, occupancy at 12 months, townships at
risk) with the small-cell rule."""

import datetime

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from households.models import Household, Person
from landreg import roles
from landreg.access_log import log_personal_data_access
from landreg.models import DataSharingAgreement
from landreg.roles import PERSONAL_DATA_ROLES, has_role
from landreg.scope import filter_by_scope, province_ids_in_scope, township_ids_in_scope
from landreg.services_common import require_province
from landreg.sharing import SUPPRESSED, counts_suppressed_for, is_small_cell, pseudonym, pseudonym_key_of
from livelihoods import matching
from livelihoods.models import (
    MIN_PROFILE_AGE,
    ROUND_MONTHS,
    AttendanceWeek,
    IscoOccupation,
    Opportunity,
    Referral,
    SurveyAssignment,
    SurveyRound,
)
from livelihoods.survey import LIVES_ON_PLOT

SEARCH_LIMIT = 20
# Below this pg_trgm similarity an English title is not offered as a near match for a misspelt search.
NEAR_MATCH_SIMILARITY = 0.3
# A township is at risk when its mean composite score fell by this much between its last two rounds, or when fewer
# than this share of the households surveyed at 12 months live on their plot.
RISK_SCORE_DROP = 5.0
RISK_OCCUPANCY_SHARE = 0.7
NEAR_KM = 10.0


def _personal_data(user, what: str) -> None:
    if not has_role(user, *PERSONAL_DATA_ROLES):
        raise PermissionDenied(_("Your role does not give access to %(what)s.") % {"what": what})


# --- reference data ---------------------------------------------------------------------------------------------


def _persian(text: str) -> str:
    """Arabic yeh and kaf typed on an Arabic keyboard, as Dari writes them."""
    return text.replace("ي", "ی").replace("ك", "ک")


def occupations_search(user, text: str, *, limit: int = SEARCH_LIMIT, units_only: bool = True) -> list[IscoOccupation]:
    """ISCO-08 groups matching what was typed, in English, Dari or Pashto: a code (or its first digits), a part of a
    title; failing those, English titles like it (pg_trgm, for a misspelling). Best first: the code itself, codes
    starting with it, titles starting with it, titles containing it, near matches. Reference data: any signed-in
    user may search."""
    if not user.is_authenticated:
        raise PermissionDenied(_("Sign in to search occupations."))
    text = (text or "").replace("\x00", "").strip()[:100]
    if not text:
        return []
    groups = IscoOccupation.objects.all()
    if units_only:
        groups = groups.filter(level=IscoOccupation.Level.UNIT)
    dari = _persian(text)
    matched = groups.filter(
        Q(code__startswith=text)
        | Q(title_en__icontains=text)
        | Q(title_prs__icontains=dari)
        | Q(title_ps__icontains=text)
        | Q(title_ps__icontains=dari)
    )
    found = sorted(
        matched[:500],
        key=lambda o: (
            o.code != text,
            not o.code.startswith(text),
            not any(
                t.lower().startswith(text.lower()) or t.startswith(dari)
                for t in (o.title_en, o.title_prs, o.title_ps)
                if t
            ),
            o.code,
        ),
    )[:limit]
    if found or text.isdigit():
        return found
    from django.contrib.postgres.search import TrigramWordSimilarity

    return list(
        groups.annotate(similarity=TrigramWordSimilarity(text, "title_en"))
        .filter(similarity__gte=NEAR_MATCH_SIMILARITY)
        .order_by("-similarity", "code")[:limit]
    )


def occupation_label(occupation: IscoOccupation, language: str | None = None) -> str:
    """An occupation's title in the reader's language, English where none is recorded."""
    from django.utils import translation

    language = (language or translation.get_language() or "en")[:2]
    local = {"fa": occupation.title_prs, "ps": occupation.title_ps or occupation.title_prs}.get(language)
    return local or occupation.title_en


# --- opportunities -------------------------------------------------------------------------------------------------


def _partner_provider_ids(user, on: datetime.date | None = None) -> set[int]:
    from livelihoods.models import Provider

    on = on or timezone.localdate()
    agreements = DataSharingAgreement.objects.filter(users=user, valid_from__lte=on, valid_until__gte=on)
    return set(Provider.objects.filter(agreement__in=agreements).values_list("pk", flat=True))


def opportunities_visible_to(user) -> QuerySet[Opportunity]:
    """Officers: the opportunities of their provinces. Partners: their own provider's, under a current agreement.
    Opportunities hold no personal data; the published layer (open ones only) comes later."""
    queryset = Opportunity.objects.select_related("provider", "province", "township", "programme")
    if has_role(user, *PERSONAL_DATA_ROLES, roles.GIS_SPECIALIST):
        return filter_by_scope(queryset, user, province_field="province")
    if has_role(user, roles.PARTNER):
        return queryset.filter(provider__in=_partner_provider_ids(user))
    return queryset.none()


def opportunities_open(user, *, on: datetime.date | None = None) -> QuerySet[Opportunity]:
    return opportunities_visible_to(user).open_on(on or timezone.localdate())


# --- matching ------------------------------------------------------------------------------------------------------


def people_ranked_for(
    user, opportunity: Opportunity, *, limit: int = matching.RANK_LIMIT, where: str = ""
) -> list[dict]:
    """The eligible people for an opportunity, best first, each score in parts (livelihoods/matching.py). For
    officers of the opportunity's province; the list is logged as a view of personal data."""
    _personal_data(user, _("people's skills and households"))
    require_province(user, opportunity.province_id, _("This opportunity"))
    townships = township_ids_in_scope(user)
    rows = matching.rank_people(opportunity.pk, limit=limit, township_ids=townships)
    log_personal_data_access(
        user=user, action="list", what="households.Person", ids=[r["person"] for r in rows], where=where
    )
    return rows


def opportunities_ranked_for(user, person: Person, *, limit: int = matching.RANK_LIMIT, where: str = "") -> list[dict]:
    """The open opportunities a person is eligible for, best first, each score in parts."""
    _personal_data(user, _("people's skills and households"))
    person = Person.objects.select_related("household").get(pk=person.pk)
    require_province(user, person.household.province_id, _("This household"))
    rows = matching.rank_opportunities(person.pk, today=timezone.localdate(), limit=limit)
    log_personal_data_access(user=user, action="view", what="households.Person", ids=[person.pk], where=where)
    return rows


def opportunities_near_household(
    user, household: Household, *, within_km: float = NEAR_KM, where: str = ""
) -> list[dict]:
    """ "Opportunities near this household": the open opportunities within `within_km` of where the household lives
    that at least one of its profiled members is eligible for, nearest first, each with its members' matches."""
    _personal_data(user, _("people's skills and households"))
    require_province(user, household.province_id, _("This household"))
    today = timezone.localdate()
    members = list(
        Person.objects.filter(household=household, skills_profile__isnull=False).values_list("pk", flat=True)
    )
    by_opportunity: dict[int, dict] = {}
    for person_id in members:
        for match in matching.rank_opportunities(person_id, today=today, limit=500):
            if match["distance_km"] is None or match["distance_km"] > within_km:
                continue
            entry = by_opportunity.setdefault(
                match["opportunity"],
                {
                    "opportunity": match["opportunity"],
                    "title": match["title"],
                    "kind": match["kind"],
                    "distance_km": match["distance_km"],
                    "members": [],
                },
            )
            entry["members"].append(match)
    log_personal_data_access(user=user, action="view", what="households.Household", ids=[household.pk], where=where)
    rows = sorted(by_opportunity.values(), key=lambda e: (e["distance_km"], e["opportunity"]))
    for entry in rows:
        entry["members"].sort(key=lambda m: -m["score"])
    return rows


# --- referrals -----------------------------------------------------------------------------------------------------


def referrals_visible_to(user) -> QuerySet[Referral]:
    """Officers with personal data: referrals of the opportunities and households in their scope. Partners see
    theirs through referrals_for_partner (no names)."""
    if not has_role(user, *PERSONAL_DATA_ROLES):
        return Referral.objects.none()
    queryset = Referral.objects.select_related("opportunity__provider", "person__household")
    queryset = filter_by_scope(queryset, user, province_field="opportunity__province")
    return filter_by_scope(queryset, user, province_field="person__household__province")


def _age_band(born: datetime.date | None, on: datetime.date) -> str:
    if born is None:
        return ""
    age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    return "15-17" if age < 18 else "18-24" if age < 25 else "25-59" if age < 60 else "60+"


def referrals_for_partner(user, *, on: datetime.date | None = None) -> list[dict]:
    """The referrals to a partner's own opportunities, as the partner sees them: a pseudonymous household code under
    its agreement, sex, age band, status and the step dates; no name, no ID number, no location."""
    if not has_role(user, roles.PARTNER):
        raise PermissionDenied(_("This list is for partners; officers see referrals with their households."))
    on = on or timezone.localdate()
    from livelihoods.models import Provider

    rows = []
    for provider in Provider.objects.filter(pk__in=_partner_provider_ids(user, on)).select_related("agreement"):
        key = pseudonym_key_of(provider.agreement)
        provinces = set(provider.agreement.provinces.values_list("pk", flat=True))
        referrals = (
            Referral.objects.filter(opportunity__provider=provider, opportunity__province__in=provinces)
            .exclude(status__in=["suggested"])
            .select_related("opportunity", "person")
            .prefetch_related("steps")
            .order_by("opportunity_id", "pk")
        )
        for r in referrals:
            rows.append(
                {
                    "referral": r.pk,
                    "opportunity": r.opportunity_id,
                    "opportunity_title": r.opportunity.title,
                    "household": pseudonym(key, r.person.household_id),
                    "sex": r.person.sex,
                    "age_band": _age_band(r.person.date_of_birth, on),
                    "status": r.status,
                    "steps": [{"to": s.to_status, "on": s.day.isoformat()} for s in r.steps.all()],
                }
            )
    return rows


def payments_due(user, *, opportunity: Opportunity | None = None) -> QuerySet[AttendanceWeek]:
    """Unpaid weeks of cash-for-work with days worked, oldest first, with the amount due."""
    if has_role(user, *PERSONAL_DATA_ROLES):
        weeks = filter_by_scope(AttendanceWeek.objects.all(), user, province_field="referral__opportunity__province")
    elif has_role(user, roles.PARTNER):
        weeks = AttendanceWeek.objects.filter(referral__opportunity__provider__in=_partner_provider_ids(user))
    else:
        return AttendanceWeek.objects.none()
    weeks = weeks.filter(paid_on__isnull=True, days_worked__gt=0)
    if opportunity is not None:
        weeks = weeks.filter(referral__opportunity=opportunity)
    return weeks.select_related("referral__opportunity", "referral__person").order_by("week_start", "pk")


# --- survey rounds due -----------------------------------------------------------------------------------------------

DUE_SQL = """
SELECT a.id AS allocation_id, a.household_id, h.code AS household_code, pl.township_id, t.name AS township,
       pl.number AS plot_number, r.round, (a.start_date + make_interval(months => r.months))::date AS due_on,
       sa.officer_id, sa.due_on AS assigned_due_on
  FROM allocations_allocation a
  JOIN households_household h ON h.id = a.household_id
  JOIN townships_plot pl ON pl.id = a.plot_id
  JOIN townships_township t ON t.id = pl.township_id
  CROSS JOIN (VALUES {rounds}) AS r(round, months)
  LEFT JOIN livelihoods_surveyassignment sa ON sa.allocation_id = a.id AND sa.round = r.round AND sa.done_at IS NULL
 WHERE a.status IN ('handed_over', 'occupied', 'titled') AND a.start_date IS NOT NULL
   AND (a.start_date + make_interval(months => r.months))::date <= %(until)s
   AND NOT EXISTS (SELECT 1 FROM livelihoods_surveyround s WHERE s.allocation_id = a.id AND s.round = r.round)
   {scope}
 ORDER BY due_on, t.name, pl.number, r.months
 LIMIT %(limit)s
"""


def survey_rounds_due(
    user, *, on: datetime.date | None = None, horizon_days: int = 30, township=None, limit: int = 1000
) -> list[dict]:
    """The reintegration rounds due by `on` + `horizon_days` and not yet conducted, in the user's scope, earliest
    first, with the field officer each is assigned to (if any). Set-based: one statement."""
    _personal_data(user, _("households' survey rounds"))
    until = (on or timezone.localdate()) + datetime.timedelta(days=horizon_days)
    scope, params = [], {"until": until, "limit": limit}
    provinces = province_ids_in_scope(user)
    if provinces is not None:
        scope.append("AND t.province_id = ANY (%(provinces)s)")
        params["provinces"] = list(provinces)
    townships = township_ids_in_scope(user)
    if townships is not None:
        scope.append("AND t.id = ANY (%(townships)s)")
        params["townships"] = list(townships)
    if township is not None:
        scope.append("AND t.id = %(township)s")
        params["township"] = township.pk
    rounds = ", ".join(f"('{code}', {months})" for code, months in ROUND_MONTHS.items())
    with connection.cursor() as cursor:
        cursor.execute(DUE_SQL.format(rounds=rounds, scope=" ".join(scope)), params)
        names = [c.name for c in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    log_personal_data_access(
        user=user,
        action="list",
        what="households.Household",
        ids=sorted({r["household_id"] for r in rows}),
        where="survey rounds due",
    )
    return rows


def survey_assignments_of(user, *, day: datetime.date | None = None) -> QuerySet[SurveyAssignment]:
    """A field officer's survey rounds to conduct by `day` and not yet done (and earlier ones still open)."""
    day = day or timezone.localdate()
    return (
        SurveyAssignment.objects.filter(officer=user, done_at__isnull=True, due_on__lte=day)
        .select_related("allocation__household", "allocation__plot__township")
        .order_by("due_on", "pk")
    )


# --- aggregates for publication -------------------------------------------------------------------------------


def _visible_rounds(user):
    rounds = SurveyRound.objects.all()
    provinces = province_ids_in_scope(user)
    if provinces is not None:
        rounds = rounds.filter(allocation__plot__township__province__in=provinces)
    return rounds


def _suppress(row: dict, user, fields) -> dict:
    """The small-cell rule (landreg/sharing.py): for roles without personal data, a cell of 1-4 households shows
    "<5" and no score."""
    if counts_suppressed_for(user) and is_small_cell(row["households"]):
        row = {**row, "households": SUPPRESSED, **{f: None for f in fields}, "suppressed": True}
    else:
        row = {**row, "suppressed": False}
    return row


SCORE_FIELDS = ("economic", "social", "psychosocial", "composite")


def reintegration_scores_by_township(user, *, province=None) -> list[dict]:
    """Mean scores (0-100) by township and round, with the number of households, small cells suppressed for roles
    without personal data."""
    rounds = _visible_rounds(user)
    if province is not None:
        rounds = rounds.filter(allocation__plot__township__province=province)
    from django.db.models import Avg

    rows = (
        rounds.values("allocation__plot__township", "allocation__plot__township__name", "round")
        .annotate(
            households=Count("household", distinct=True),
            economic=Avg("score_economic"),
            social=Avg("score_social"),
            psychosocial=Avg("score_psychosocial"),
            composite=Avg("score_composite"),
        )
        .order_by("allocation__plot__township__name", "round")
    )
    order = list(ROUND_MONTHS)
    result = []
    for r in rows:
        row = {
            "township": r["allocation__plot__township"],
            "township_name": r["allocation__plot__township__name"],
            "round": r["round"],
            "households": r["households"],
            **{f: None if r[f] is None else round(float(r[f]), 1) for f in SCORE_FIELDS},
        }
        result.append(_suppress(row, user, SCORE_FIELDS))
    return sorted(result, key=lambda r: (r["township_name"], order.index(r["round"])))


def still_on_plot_at_12_months(user, *, province=None) -> list[dict]:
    """Per township: the households surveyed 12 months after handover and the share living on their plot (their
    answer to lives_on_plot), small cells suppressed for roles without personal data."""
    rounds = _visible_rounds(user).filter(round="m12")
    if province is not None:
        rounds = rounds.filter(allocation__plot__township__province=province)
    rows = (
        rounds.values("allocation__plot__township", "allocation__plot__township__name")
        .annotate(
            households=Count("household", distinct=True),
            on_plot=Count(
                "household", distinct=True, filter=Q(answers__question__code=LIVES_ON_PLOT, answers__value=1)
            ),
        )
        .order_by("allocation__plot__township__name")
    )
    result = []
    for r in rows:
        row = {
            "township": r["allocation__plot__township"],
            "township_name": r["allocation__plot__township__name"],
            "households": r["households"],
            "on_plot": r["on_plot"],
            "share": round(r["on_plot"] / r["households"], 3) if r["households"] else None,
        }
        result.append(_suppress(row, user, ("on_plot", "share")))
    return result


def townships_at_risk(user, *, province) -> list[dict]:
    """The townships of a province at risk of empty plots: a mean composite score that fell by RISK_SCORE_DROP or
    more between its last two rounds, or fewer than RISK_OCCUPANCY_SHARE of the households surveyed at 12 months
    on their plot. Only cells of 5 households or more are judged (a smaller one would show who answered)."""
    require_province(user, province.pk, _("Province %(p)s") % {"p": province.name_en})
    by_township: dict[int, dict] = {}
    for row in reintegration_scores_by_township(user, province=province):
        if row["suppressed"] or is_small_cell(row["households"]) or row["composite"] is None:
            continue
        by_township.setdefault(row["township"], {"name": row["township_name"], "scores": []})["scores"].append(
            (row["round"], row["composite"])
        )
    risks: dict[int, dict] = {}
    for township, entry in by_township.items():
        scores = entry["scores"]
        if len(scores) >= 2 and scores[-2][1] - scores[-1][1] >= RISK_SCORE_DROP:
            risks.setdefault(township, {"township": township, "township_name": entry["name"], "reasons": []})[
                "reasons"
            ].append(
                {
                    "code": "score_falling",
                    "from_round": scores[-2][0],
                    "to_round": scores[-1][0],
                    "from": scores[-2][1],
                    "to": scores[-1][1],
                }
            )
    for row in still_on_plot_at_12_months(user, province=province):
        if row["suppressed"] or is_small_cell(row["households"]) or row["share"] is None:
            continue
        if row["share"] < RISK_OCCUPANCY_SHARE:
            risks.setdefault(
                row["township"], {"township": row["township"], "township_name": row["township_name"], "reasons": []}
            )["reasons"].append(
                {"code": "low_occupancy_at_12_months", "share": row["share"], "households": row["households"]}
            )
    return sorted(risks.values(), key=lambda r: r["township_name"])


def township_livelihoods_summary(user, township, *, walking_km: float = 2.5, near_km: float = NEAR_KM) -> dict:
    """The township dashboard's figures: open opportunities within walking distance and within `near_km` of the
    township (measured in its UTM zone), referrals referred, enrolled and completed by sex, cash-for-work days
    paid, and reintegration scores by round. Counts of people and households follow the small-cell rule."""
    require_province(user, township.province_id, _("Township %(t)s") % {"t": township})
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FILTER (WHERE d <= %(walk)s), count(*) FILTER (WHERE d <= %(near)s) FROM ("
            " SELECT ST_Distance(ST_Transform(t.geom, z.srid), ST_Transform(coalesce(o.point::geometry, "
            "o.area::geometry), z.srid)) / 1000 AS d"
            " FROM livelihoods_opportunity o, townships_township t"
            " CROSS JOIN LATERAL (SELECT coalesce(t.utm_srid, landreg_utm_srid(t.geom)) AS srid) z"
            " WHERE t.id = %(t)s AND o.province_id = t.province_id AND o.status = 'open'"
            " AND (o.end_on IS NULL OR o.end_on >= %(today)s)) x",
            {"walk": walking_km, "near": near_km, "t": township.pk, "today": timezone.localdate()},
        )
        walking, near = cursor.fetchone()
    referrals = Referral.objects.filter(
        person__household__allocations__plot__township=township,
        person__household__allocations__status__in=matching.HELD_STATUSES,
    )
    by_sex = {}
    for status in ("referred", "enrolled", "completed"):
        reached = (
            referrals.filter(steps__to_status=status).values("person__sex").annotate(n=Count("person", distinct=True))
        )
        counts = {row["person__sex"]: row["n"] for row in reached}
        by_sex[status] = {
            sex: (
                SUPPRESSED if counts_suppressed_for(user) and is_small_cell(counts.get(sex, 0)) else counts.get(sex, 0)
            )
            for sex in ("f", "m")
        }
    days_paid = (
        AttendanceWeek.objects.filter(referral__in=referrals, paid_on__isnull=False).aggregate(days=Sum("days_worked"))[
            "days"
        ]
        or 0
    )
    return {
        "opportunities_within_walking": walking,
        "opportunities_within_near": near,
        "referrals_by_sex": by_sex,
        "cash_for_work_days_paid": days_paid,
        "scores_by_round": [
            r
            for r in reintegration_scores_by_township(user, province=township.province)
            if r["township"] == township.pk
        ],
    }


# --- for the officers' and partners' pages ---------------------------------------------------------------------------


def person_for_profile(user, pk: int, *, where: str = "") -> Person:
    """A person of a household in the user's scope, for their skills profile page; the view is logged. Raises
    Person.DoesNotExist outside the scope (the page says 404), PermissionDenied for a role without personal data."""
    _personal_data(user, _("people's skills and households"))
    person = (
        filter_by_scope(Person.objects.all(), user, province_field="household__province")
        .select_related("household", "household__province")
        .get(pk=pk)
    )
    log_personal_data_access(user=user, action="view", what="households.Person", ids=[person.pk], where=where)
    return person


def people_to_profile(user, household_codes, *, where: str = "") -> list[Person]:
    """The members aged 15 or over (today) of the named households in the user's scope, with their skills profiles
    and occupations: whom the field app offers a profile for (the households of the officer's visits and survey
    rounds, as survey rounds choose theirs). A logged list; empty for a role without personal data."""
    if not has_role(user, *PERSONAL_DATA_ROLES):
        return []
    today = timezone.localdate()
    try:
        born_by = today.replace(year=today.year - MIN_PROFILE_AGE)
    except ValueError:  # 29 February
        born_by = today.replace(year=today.year - MIN_PROFILE_AGE, day=28)
    people = list(
        filter_by_scope(
            Person.objects.filter(household__code__in=list(household_codes), date_of_birth__lte=born_by),
            user,
            province_field="household__province",
        )
        .select_related("household", "skills_profile__recorded_by")
        .prefetch_related("skills_profile__occupations__isco")
        .order_by("household__code", "pk")
    )
    if people:
        log_personal_data_access(
            user=user, action="list", what="households.Person", ids=[p.pk for p in people], where=where
        )
    return people


def referrals_of_opportunity(user, opportunity: Opportunity, *, where: str = "") -> list[Referral]:
    """An opportunity's referrals with their people and steps, for officers of its province; logged."""
    rows = list(
        referrals_visible_to(user)
        .filter(opportunity=opportunity)
        .select_related("person__household")
        .prefetch_related("steps__by")
        .order_by("pk")
    )
    if rows:
        log_personal_data_access(
            user=user, action="list", what="households.Person", ids=[r.person_id for r in rows], where=where
        )
    return rows


def referral_parties(user, opportunity_id: int, person_id: int, *, where: str = "") -> tuple[Opportunity, Person]:
    """The opportunity and the person a referral is asked for, both in the user's scope, for every door that makes
    one (the pages, the map panel, the REST API); the person's view is logged. Opportunity.DoesNotExist or
    Person.DoesNotExist outside the scope, whether or not the record exists."""
    opportunity = opportunities_visible_to(user).get(pk=opportunity_id)
    person = person_for_profile(user, person_id, where=where)
    return opportunity, person


def referrals_of_person(user, person: Person) -> QuerySet[Referral]:
    return referrals_visible_to(user).filter(person=person).select_related("opportunity__provider").order_by("-pk")


def referral_for_step(user, pk: int) -> Referral:
    """A referral a user may step: an officer's (their scope), or a partner's own provider's under a current
    agreement. Referral.DoesNotExist otherwise, whether or not it exists."""
    if has_role(user, *PERSONAL_DATA_ROLES):
        return referrals_visible_to(user).select_related("opportunity").get(pk=pk)
    if has_role(user, roles.PARTNER):
        return (
            Referral.objects.filter(opportunity__provider__in=_partner_provider_ids(user))
            .exclude(status="suggested")
            .select_related("opportunity")
            .get(pk=pk)
        )
    raise Referral.DoesNotExist


def referral_steps_offered(user, referral: Referral) -> list[str]:
    """The next states this user may take a referral to: who takes which step is the service's (referral_step
    checks it when the step is sent; its OFFICE_ROLES and PROVIDER_STEPS say it), the page offers only these."""
    from livelihoods.services import OFFICE_ROLES, PROVIDER_STEPS  # the writes' module, read only here

    following = Referral.NEXT[referral.status]
    if has_role(user, *OFFICE_ROLES):
        return list(following)
    if has_role(user, roles.FIELD_OFFICER):
        return [s for s in following if s not in PROVIDER_STEPS]
    if has_role(user, roles.PARTNER):
        return [s for s in following if s in PROVIDER_STEPS or (s == "refused" and referral.status == "referred")]
    return []


def partner_referrals_of(user, opportunity: Opportunity) -> list[dict]:
    """The partner's view of one of its opportunities' referrals (referrals_for_partner: no names)."""
    return [r for r in referrals_for_partner(user) if r["opportunity"] == opportunity.pk]


def cash_for_work_sheet(user, opportunity: Opportunity, *, where: str = "") -> dict:
    """A cash-for-work opportunity's attendance sheet: the people who may have days recorded (enrolled, completed,
    or dropped out after enrolling) and every week recorded, with the amount due and the payment. Officers see
    names (logged); a partner sees its pseudonymous household codes, sex and age band."""
    if has_role(user, *PERSONAL_DATA_ROLES):
        referrals = referrals_visible_to(user).filter(opportunity=opportunity)
        named = True
    elif has_role(user, roles.PARTNER) and opportunity.provider_id in _partner_provider_ids(user):
        referrals = Referral.objects.filter(opportunity=opportunity)
        named = False
    else:
        raise PermissionDenied(_("Only officers of its province or its provider see this attendance sheet."))
    referrals = list(
        referrals.filter(Q(status__in=["enrolled", "completed"]) | Q(status="dropped_out", steps__to_status="enrolled"))
        .distinct()
        .select_related("person__household")
        .order_by("pk")
    )
    key = None if named else pseudonym_key_of(opportunity.provider.agreement)
    today = timezone.localdate()

    def label(referral: Referral) -> str:
        if named:
            return f"{referral.person.name} · {referral.person.household.code}"
        return (
            f"{pseudonym(key, referral.person.household_id)} · {referral.person.sex} · "
            f"{_age_band(referral.person.date_of_birth, today)}"
        )

    labels = {r.pk: label(r) for r in referrals}
    weeks = list(
        AttendanceWeek.objects.filter(referral__in=referrals)
        .select_related("referral")
        .order_by("-week_start", "referral_id")
    )
    if named and referrals:
        log_personal_data_access(
            user=user, action="list", what="households.Person", ids=[r.person_id for r in referrals], where=where
        )
    return {
        "people": [(r.pk, labels[r.pk]) for r in referrals],
        "weeks": [{"week": w, "who": labels.get(w.referral_id, "")} for w in weeks],
        "named": named,
    }


def payments_due_listed(user, *, where: str = "") -> list[AttendanceWeek]:
    """payments_due as a page lists it, the people named in it logged."""
    weeks = list(payments_due(user).select_related("referral__person__household", "referral__opportunity__provider"))
    if weeks and has_role(user, *PERSONAL_DATA_ROLES):
        log_personal_data_access(
            user=user,
            action="list",
            what="households.Person",
            ids=sorted({w.referral.person_id for w in weeks}),
            where=where,
        )
    return weeks


def posting_choices(user) -> dict:
    """Where a user may post opportunities, for the form: officers, the providers and the provinces of their scope;
    a partner, the provinces of its current data-sharing agreements (it posts as their provider)."""
    from livelihoods.models import Provider
    from parcels.models import AdminArea
    from townships.models import Township

    provinces = AdminArea.objects.filter(level="province").order_by("name_en")
    from livelihoods.services import OFFICE_ROLES  # the writes' module, read only here

    if has_role(user, *OFFICE_ROLES):
        in_scope = province_ids_in_scope(user)
        if in_scope is not None:
            provinces = provinces.filter(pk__in=in_scope)
        townships = filter_by_scope(Township.objects.all(), user, province_field="province", township_field="pk")
        return {"providers": Provider.objects.order_by("name"), "provinces": provinces, "townships": townships}
    if has_role(user, roles.PARTNER):
        on = timezone.localdate()
        covered = DataSharingAgreement.objects.filter(users=user, valid_from__lte=on, valid_until__gte=on).values_list(
            "provinces", flat=True
        )
        provinces = provinces.filter(pk__in=[p for p in covered if p is not None])
        return {"providers": None, "provinces": provinces, "townships": Township.objects.filter(province__in=provinces)}
    raise PermissionDenied(_("Only officers and partners with a data-sharing agreement post opportunities."))


def occupation_titles(codes) -> dict[str, str]:
    """ISCO-08 codes → their titles in the reader's language (reference data, for the forms)."""
    codes = [str(c).strip() for c in codes if c and str(c).strip()]
    return {o.code: occupation_label(o) for o in IscoOccupation.objects.filter(code__in=codes)}
