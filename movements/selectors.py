"""Reads of movement records, always for a requesting user: role and province decide, in one place.

- Arrivals and their members are personal data: roles that work with it, for arrivals at the crossing points of
  their provinces, arrivals bound for their provinces, and arrivals linked to their households. Views are logged.
- A household's location history: the whole of it for the officers of the province the household is in now; the
  entries a province recorded stay readable to it after the household moved away (docs/movements.md).
- Flow counts, crossing points and IDP sites hold no personal data: every role in its provinces.
- The journey of a household (journey_of) is assembled here from this app and the ones below it (households);
  allocation, shelter stages and occupancy sit above this app and are added by a layer above it.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from households.models import Household
from households.selectors import households_visible_to
from landreg.access_log import log_personal_data_access
from landreg.calendar import local_digits
from landreg.i18n import local_name
from landreg.roles import PERSONAL_DATA_ROLES, has_role
from landreg.scope import filter_by_scope, province_ids_in_scope
from landreg.sharing import needs_agreement, provinces_shared_with
from movements.figures import FIGURES_DATASET
from movements.models import (
    COUNTRIES_OF_ASYLUM,
    Arrival,
    ArrivalReview,
    FlowCount,
    HouseholdLocation,
    IdpSite,
    SitePopulationEstimate,
)
from parcels.models import CrossingPoint


def _personal(user) -> bool:
    return has_role(user, *PERSONAL_DATA_ROLES)


def arrivals_visible_to(user) -> QuerySet[Arrival]:
    if not _personal(user):
        return Arrival.objects.none()
    provinces = province_ids_in_scope(user)
    arrivals = Arrival.objects.select_related("crossing_point", "destination_province", "destination_district")
    if provinces is None:
        return arrivals
    return arrivals.filter(
        Q(crossing_point__province__in=provinces)
        | Q(destination_province__in=provinces)
        | Q(household__province__in=provinces)
    )


def arrival_get(user, *, pk: int, where: str = "") -> Arrival:
    """One arrival with its members; the view is logged. Arrival.DoesNotExist outside the user's scope."""
    arrival = arrivals_visible_to(user).prefetch_related("members").get(pk=pk)
    log_personal_data_access(user=user, action="view", what="movements.Arrival", ids=[arrival.pk], where=where)
    return arrival


def arrivals_list(user, *, where: str = "") -> QuerySet[Arrival]:
    """The arrivals a user may list; the page that shows them logs the ones it shows (log_arrivals_listed)."""
    if not _personal(user):
        raise PermissionDenied(_("Your role does not give access to arrival records."))
    return arrivals_visible_to(user)


def log_arrivals_listed(user, arrivals, *, where: str) -> None:
    log_personal_data_access(
        user=user, action="list", what="movements.Arrival", ids=[a.pk for a in arrivals], where=where
    )


def arrival_reviews_open(user) -> QuerySet[ArrivalReview]:
    """Arrivals awaiting a decision on an ID number registered to another household: only those whose arrival and
    registered household are both the user's (the other household is never named outside the user's provinces)."""
    return ArrivalReview.objects.filter(
        decision=ArrivalReview.Decision.UNDECIDED,
        arrival__in=arrivals_visible_to(user),
        candidate__in=households_visible_to(user),
    ).select_related("arrival", "candidate")


def arrival_reviews_outside_scope(user) -> int:
    """How many of the user's arrivals await a decision on a household outside the user's provinces: the page says
    so, and whom to ask, without naming it."""
    return (
        ArrivalReview.objects.filter(decision=ArrivalReview.Decision.UNDECIDED, arrival__in=arrivals_visible_to(user))
        .exclude(candidate__in=households_visible_to(user))
        .count()
    )


def household_locations_visible_to(user) -> QuerySet[HouseholdLocation]:
    """Entries of households in the user's provinces, and the entries the user's provinces recorded."""
    if not _personal(user):
        return HouseholdLocation.objects.none()
    provinces = province_ids_in_scope(user)
    entries = HouseholdLocation.objects.select_related("province", "district", "site", "crossing_point", "recorded_in")
    if provinces is None:
        return entries
    return entries.filter(Q(household__province__in=provinces) | Q(recorded_in__in=provinces))


def household_location_now(user, *, household: Household) -> HouseholdLocation | None:
    """The household's latest entry the user may see."""
    return household_locations_visible_to(user).filter(household=household).order_by("-since", "-id").first()


def crossing_points(user=None) -> QuerySet[CrossingPoint]:
    """Every crossing point (reference data, no personal data), the four main ones first."""
    return CrossingPoint.objects.select_related("province", "district").filter(active=True)


def flow_counts_visible_to(user) -> QuerySet[FlowCount]:
    """The counts at the crossing points of the user's provinces (a partner: none; partners read the figures)."""
    if not user.is_authenticated or has_role(user, "partner") and not _personal(user):
        return FlowCount.objects.none()
    return filter_by_scope(
        FlowCount.objects.select_related("crossing_point"), user, province_field="crossing_point__province"
    )


def idp_sites_visible_to(user) -> QuerySet[IdpSite]:
    """Sites of the user's provinces; a partner's, those of the provinces their agreements share the figures for."""
    if not user.is_authenticated:
        return IdpSite.objects.none()
    sites = filter_by_scope(IdpSite.objects.select_related("province", "district"), user, province_field="province")
    if needs_agreement(user):
        return sites.filter(province__in=provinces_shared_with(user, FIGURES_DATASET) or ())
    return sites


def site_estimate_latest(site: IdpSite) -> SitePopulationEstimate | None:
    return site.estimates.order_by("-assessed_on", "-id").first()


# --- the journey of a household ------------------------------------------------------------------------------


def _place(entry: HouseholdLocation) -> dict:
    point = None
    if entry.site_id and entry.site.geom:
        point = entry.site.geom.point_on_surface if entry.site.geom.geom_type != "Point" else entry.site.geom
    elif entry.crossing_point_id:
        point = entry.crossing_point.geom
    return {
        "province": entry.province.pcode,
        "district": entry.district.pcode if entry.district_id else "",
        "site": entry.site.code if entry.site_id else "",
        "crossing_point": entry.crossing_point.code if entry.crossing_point_id else "",
        "point": (point.x, point.y) if point is not None else None,
    }


def journey_of(user, *, household_id: int, where: str = "") -> dict:
    """The journey of a household from the border, for its page and small map: its arrivals at the border, its
    location and status entries, the evidence of its return and its eligibility assessments, oldest first.

    The officers of the household's province (and national users) see all of it. An officer of a province that
    recorded entries before the household moved away sees those entries only (complete=False), and no personal
    data beyond the household's code. Anyone else: Household.DoesNotExist. The view is logged.

    Allocation, shelter stages and occupancy sit in apps above this one: the layer that shows the whole journey
    adds them to these steps."""
    if not _personal(user):
        raise Household.DoesNotExist
    household = households_visible_to(user).filter(pk=household_id).first()
    entries = household_locations_visible_to(user).filter(household_id=household_id)
    complete = household is not None
    if not complete:
        provinces = province_ids_in_scope(user) or set()
        entries = entries.filter(recorded_in__in=provinces)
        if not entries.exists():
            raise Household.DoesNotExist
        household = Household.objects.get(pk=household_id)
    steps = []
    arrivals = arrivals_visible_to(user).filter(household_id=household_id)
    if not complete:
        arrivals = arrivals.filter(crossing_point__province__in=province_ids_in_scope(user) or set())
    for arrival in arrivals.order_by("crossed_at"):
        steps.append(
            {
                "kind": "arrival",
                "on": timezone.localdate(arrival.crossed_at),
                "id": arrival.pk,
                "status": arrival.category,
                "crossing_point": arrival.crossing_point.code,
                "country": arrival.country_of_asylum,
                "destination_province": arrival.destination_province.pcode,
                "point": (arrival.crossing_point.geom.x, arrival.crossing_point.geom.y),
            }
        )
    for entry in entries.order_by("since", "id"):
        steps.append({"kind": "location", "on": entry.since, "id": entry.pk, "status": entry.status, **_place(entry)})
    if complete:
        for evidence in household.return_evidence.all():
            steps.append({"kind": "evidence", "on": evidence.returned_on, "id": evidence.pk, "status": evidence.kind})
        for assessment in household.assessments.select_related("scheme"):
            steps.append(
                {
                    "kind": "eligibility",
                    "on": timezone.localdate(assessment.assessed_at),
                    "id": assessment.pk,
                    "status": "eligible" if assessment.eligible else "not_eligible",
                    "scheme": assessment.scheme.code,
                    "results": assessment.results,
                }
            )
    order = {"arrival": 0, "location": 1, "evidence": 2, "eligibility": 3}
    steps.sort(key=lambda s: (s["on"], order[s["kind"]], s["id"]))
    log_personal_data_access(user=user, action="view", what="households.Household", ids=[household_id], where=where)
    summary = {"id": household.pk, "code": household.code}
    if complete:
        summary.update(
            province=household.province.pcode, category=household.category, size=household.size, status=household.status
        )
    return {"household": summary, "complete": complete, "steps": steps}


def household_origins(user, *, households: QuerySet[Household]) -> list[dict]:
    """Where these households came from, for a township's dashboard (the layer above passes the township's
    households): households by crossing point, country of asylum and year, from the first arrival linked to each.
    Counts of households, with small cells suppressed for roles without personal data (landreg/sharing.py)."""
    from landreg.sharing import counts_suppressed_for, suppressed

    firsts = (
        Arrival.objects.filter(household__in=households, direction="in")
        .order_by("household_id", "crossed_at", "id")
        .distinct("household_id")
        .values_list("crossing_point__code", "country_of_asylum", "crossed_at")
    )
    rows: dict = {}
    for point, country, crossed_at in firsts:
        key = (point, country, timezone.localdate(crossed_at).year)
        rows[key] = rows.get(key, 0) + 1
    suppress = counts_suppressed_for(user)
    return [
        {"crossing_point": point, "country": country, "year": year, "households": suppressed(n) if suppress else n}
        for (point, country, year), n in sorted(rows.items())
    ]


def origins_described(origins: list[dict]) -> list[dict]:
    """household_origins' rows as a page shows them: the crossing point's name in the reader's language, and the
    year and count in the reader's digits (webmap/templates/webmap/movements/_origins.html)."""
    names = {
        p.code: local_name(p) for p in CrossingPoint.objects.filter(code__in={o["crossing_point"] for o in origins})
    }
    return [
        {
            **origin,
            "crossing_point_name": names.get(origin["crossing_point"], origin["crossing_point"]),
            "country_name": str(COUNTRIES_OF_ASYLUM.get(origin["country"], origin["country"])),
            "year_text": local_digits(str(origin["year"])),
            "households_text": local_digits(str(origin["households"])),
        }
        for origin in origins
    ]
