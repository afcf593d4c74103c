"""Reads for shelters, always for a requesting user so scope is applied in one place: a field officer's plots
for today, a plot's card, a township's report."""

import json
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.gis.db.models.functions import AsGeoJSON, Centroid
from django.contrib.gis.geos import Point
from django.db.models import Count, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from allocations.models import Allocation
from households.models import Person
from landreg.roles import PERSONAL_DATA_ROLES, has_role
from landreg.sharing import (
    SUPPRESSED,
    counts_suppressed_for,
    is_small_cell,
    needs_agreement,
    outside_agreement,
    shared_only,
    suppressed,
)
from shelters.models import (
    CHECKLIST_LABELS,
    DEFAULT_STAGES,
    AllocationReview,
    FieldAssignment,
    Inspection,
    OccupancyCheck,
    ShelterProject,
    Stage,
    Tranche,
)
from townships.models import Township
from townships.selectors import plots_visible_to, townships_visible_to

_ENGLISH_STAGES = {
    "foundation": "Foundation",
    "walls_to_lintel": "Walls to lintel",
    "roof": "Roof",
    "doors_windows": "Doors and windows",
    "latrine": "Latrine",
    "completed": "Completed",
}


# The stage of a plot's shelter before its first stage is passed.
NOT_STARTED = "not_started"


def open_shelter_projects():
    """Shelter projects that count for their plot: every one but the cancelled (one per plot, by rule)."""
    return ShelterProject.objects.exclude(status=ShelterProject.Status.CANCELLED)


def shelter_stage(outer: str = "pk", *, through: str = "plot") -> Subquery:
    """The one definition of a shelter's stage, as an ORM expression for `.annotate(...)`: the code of the last
    stage the open shelter project passed, NOT_STARTED before the first, NULL when no shelter is built. The project
    is found `through` its plot (default) or its household, matched to the outer query's `outer` path. Never who
    builds it."""
    return Subquery(
        open_shelter_projects()
        .filter(**{through: OuterRef(outer)})
        .order_by("-pk")
        .annotate(code=Coalesce("stage_reached__code", Value(NOT_STARTED)))
        .values("code")[:1]
    )


def shelter_stage_sql(plot_alias: str) -> str:
    """The same definition as `shelter_stage`, for SQL written by hand (vector tiles): a LATERAL join that gives
    `shelter_stage` for the plot row `plot_alias`."""
    return (
        f"LEFT JOIN LATERAL (SELECT coalesce(st.code, '{NOT_STARTED}') AS shelter_stage "
        "FROM shelters_shelterproject sp LEFT JOIN shelters_stage st ON st.id = sp.stage_reached_id "
        f"WHERE sp.plot_id = {plot_alias}.id AND sp.status <> 'cancelled' LIMIT 1) sh ON true"
    )


def plot_shelter(plot) -> dict | None:
    """{'stage': code, 'label': text, 'completed': bool} for the plot's shelter project, or None without one."""
    project = open_shelter_projects().filter(plot_id=plot.pk).select_related("stage_reached").order_by("-pk").first()
    if project is None:
        return None
    if project.stage_reached is None:
        return {"stage": NOT_STARTED, "label": _("Not started"), "completed": False}
    return {
        "stage": project.stage_reached.code,
        "label": stage_name(project.stage_reached),
        "completed": project.status == ShelterProject.Status.COMPLETED,
    }


def township_shelter_completion(township) -> dict | None:
    """{'projects': n, 'completed': n, 'by_stage': [(label, n), …] in stage order} for a township, or None."""
    projects = open_shelter_projects().filter(plot__township_id=township.pk)
    counts = dict(projects.values_list("stage_reached").annotate(n=Count("id")).order_by())
    if not counts:
        return None
    by_stage = [(_("Not started"), counts.pop(None))] if None in counts else []
    for stage in Stage.objects.filter(pk__in=counts).order_by("programme_id", "position"):
        by_stage.append((stage_name(stage), counts[stage.pk]))
    return {
        "projects": sum(n for _label, n in by_stage),
        "completed": projects.filter(status=ShelterProject.Status.COMPLETED).count(),
        "by_stage": by_stage,
    }


def week_start(day: date) -> date:
    """The Saturday that starts the Afghan working week containing `day`."""
    return day - timedelta(days=(day.weekday() - 5) % 7)


def stage_name(stage: Stage) -> str:
    """The stage's name in the reader's language (the default stages are translated; others as configured)."""
    label = dict(DEFAULT_STAGES).get(stage.code)
    return str(label) if label is not None and stage.name == _ENGLISH_STAGES.get(stage.code) else stage.name


def checklist_label(code: str) -> str:
    """A checklist item's label in the reader's language (the default items are translated; an item a programme
    configured without a label reads as its code, with spaces)."""
    label = CHECKLIST_LABELS.get(code)
    return _(label) if label is not None else code.replace("_", " ")


def _stage_dict(stage: Stage) -> dict:
    return {
        "code": stage.code,
        "name": stage_name(stage),
        "position": stage.position,
        "checklist": stage.checklist,
        # The labels in the reader's language, so a phone that keeps the list offline shows them in it.
        "items": [{"code": code, "label": checklist_label(code)} for code in stage.checklist or []],
    }


# What a partner's data-sharing agreement must share for a plot's card: the plot and its shelter, no one named.
CARD_DATASET = "township_layout"


def plot_cards(user, plot_ids, *, near: Point | None = None) -> dict[int, dict]:
    """What a field officer needs on site about each plot: where it is, who holds it, the shelter's stage. A
    partner gets the cards of the provinces their agreement shares the layout for (the agreement sentence when
    it shares none)."""
    plots = shared_only(plots_visible_to(user), user, CARD_DATASET, province_field="township__province")
    plots = plots.filter(pk__in=list(plot_ids))
    plots = plots.annotate(outline=AsGeoJSON("geom", precision=8), middle=Centroid("geom"))
    cards = {}
    for plot in plots:
        allocation = Allocation.objects.active().filter(plot=plot).select_related("household").first()
        if not has_role(user, *PERSONAL_DATA_ROLES):  # GIS specialists, partners: the plot, never who holds it
            allocation = None
        head = (
            Person.objects.filter(household=allocation.household, relationship="head")
            .values_list("name", flat=True)
            .first()
            if allocation
            else None
        )
        project = (
            ShelterProject.objects.filter(plot=plot)
            .exclude(status="cancelled")
            .select_related("programme", "stage_reached")
            .first()
        )
        stages = list(project.programme.stages.all()) if project else []
        reached = project.stage_reached.position if project and project.stage_reached else 0
        next_stage = next((s for s in stages if s.position == reached + 1), None)
        cards[plot.pk] = {
            "id": plot.pk,
            "number": plot.number,
            "township": {
                "id": plot.township_id,
                "code": plot.township.code,
                "name": plot.township.name,
                # The zone the server measures a visit's distance in (null: on the ellipsoid); the phone measures
                # the same way from `outline` (8 decimals: a millimetre).
                "utm_srid": plot.township.utm_srid,
            },
            "block": plot.block.code if plot.block else "",
            "status": plot.status,
            "area_m2": float(plot.area_m2) if plot.area_m2 is not None else None,
            "lat": round(plot.middle.y, 6),
            "lon": round(plot.middle.x, 6),
            "outline": json.loads(plot.outline),
            "household": {"code": allocation.household.code, "head": head or ""} if allocation else None,
            "allocation_status": allocation.status if allocation else None,
            "shelter": {
                "id": project.id,
                "partner": project.implementing_partner,
                "modality": project.modality,
                "status": project.status,
                "stage_reached": project.stage_reached.code if project.stage_reached else None,
                "next_stage": next_stage.code if next_stage else None,
                "stages": [_stage_dict(s) for s in stages],
            }
            if project
            else None,
        }
        if near is not None:
            cards[plot.pk]["distance_m"] = None  # filled below, in one query
    if near is not None and cards:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, ST_Distance(geom::geography, ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography) "
                "FROM townships_plot WHERE id = ANY(%s)",
                [near.x, near.y, list(cards)],
            )
            for pk, metres in cursor.fetchall():
                cards[pk]["distance_m"] = round(metres, 1)
    return cards


def assignments_today(user, *, day: date | None = None, near: Point | None = None) -> list[dict]:
    """The officer's visits for the day (and earlier ones not yet done), nearest first when a position is given."""
    day = day or timezone.localdate()
    assignments = list(
        FieldAssignment.objects.filter(officer=user, due_on__lte=day)
        .filter(Q(done_at__isnull=True) | Q(due_on=day))
        .order_by("due_on", "plot_id")
    )
    cards = plot_cards(user, {a.plot_id for a in assignments}, near=near)
    rows = [
        {
            "assignment": a.pk,
            "purpose": a.purpose,
            "due_on": a.due_on.isoformat(),
            "done": a.done_at is not None,
            "plot": cards[a.plot_id],
        }
        for a in assignments
        if a.plot_id in cards
    ]
    if near is not None:
        rows.sort(key=lambda r: (r["plot"]["distance_m"] is None, r["plot"]["distance_m"] or 0))
    return rows


# What a partner's data-sharing agreement must share for the shelter report: its counts are township aggregates.
REPORT_DATASET = "township_summary"


def report_township(user, pk) -> Township:
    """The township whose shelter report `user` asked for by id. Outside their scope it does not exist for them
    (DoesNotExist); a partner is refused with the agreement sentence whether the township is in another province
    or does not exist at all, so the answer never tells which."""
    township = (
        shared_only(townships_visible_to(user), user, REPORT_DATASET, province_field="province").filter(pk=pk).first()
    )
    if township is None:
        if needs_agreement(user):
            raise outside_agreement(user, REPORT_DATASET)
        raise Township.DoesNotExist
    return township


def township_report(user, township: Township, *, today: date | None = None) -> dict:
    """Shelters by stage, inspections this week, tranches due and paid, for one township. A partner reads it only
    under an agreement sharing the township's province; roles without personal data get counts under 5 suppressed
    ("<5", and no amount for fewer than 5 tranches), as in the partner files."""
    today = today or timezone.localdate()
    report_township(user, township.pk)  # the same refusal, whichever door asked
    small = counts_suppressed_for(user)
    count = suppressed if small else int
    projects = ShelterProject.objects.filter(plot__township=township).exclude(status="cancelled")
    by_stage = {
        (row["programme__code"], row["stage_reached__code"]): row["n"]
        for row in projects.values("programme__code", "stage_reached__code").annotate(n=Count("id"))
    }
    stages = []
    programmes = {p.programme_id for p in projects.only("programme_id")}
    for stage in Stage.objects.filter(programme_id__in=programmes).select_related("programme"):
        stages.append(
            {
                "programme": stage.programme.code,
                "code": stage.code,
                "name": stage_name(stage),
                "shelters": by_stage.get((stage.programme.code, stage.code), 0),
            }
        )
    not_started = sum(n for (_programme, code), n in by_stage.items() if code is None)
    start = week_start(today)
    week = Inspection.objects.filter(project__plot__township=township, inspected_on__gte=start, inspected_on__lte=today)
    inspections = week.aggregate(
        total=Count("id"), passed=Count("id", filter=Q(result="pass")), failed=Count("id", filter=Q(result="fail"))
    )
    checks = OccupancyCheck.objects.filter(plot__township=township, checked_on__gte=start, checked_on__lte=today)
    tranches = Tranche.objects.filter(project__plot__township=township).exclude(project__status="cancelled")
    passed_stage = Inspection.objects.filter(project=OuterRef("project"), stage=OuterRef("stage"), result="pass")
    unpaid = tranches.filter(paid_on__isnull=True).annotate(passed=Subquery(passed_stage.values("id")[:1]))

    def money(qs) -> dict:
        rows = qs.values("currency").annotate(n=Count("id"), amount=Sum("amount")).order_by("currency")
        return {
            "count": count(sum(r["n"] for r in rows)),
            "amounts": {
                r["currency"]: SUPPRESSED if small and is_small_cell(r["n"]) else str(r["amount"] or Decimal(0))
                for r in rows
            },
        }

    for stage in stages:
        stage["shelters"] = count(stage["shelters"])
    occupancy = checks.aggregate(total=Count("id"), not_present=Count("id", filter=~Q(finding="present")))
    return {
        "township": {"id": township.pk, "code": township.code, "name": township.name},
        "date": today.isoformat(),
        "week_starts": start.isoformat(),
        "shelters": {"total": count(projects.count()), "not_started": count(not_started), "by_stage": stages},
        "inspections_this_week": {key: count(n) for key, n in inspections.items()},
        "occupancy_checks_this_week": {key: count(n) for key, n in occupancy.items()},
        "tranches": {
            "due": money(unpaid.filter(passed__isnull=False)),
            "paid": money(tranches.filter(paid_on__isnull=False)),
            "paid_this_week": money(tranches.filter(paid_on__gte=start, paid_on__lte=today)),
            "not_yet_due": money(unpaid.filter(passed__isnull=True)),
        },
    }


def reviews_visible_to(user):
    """The allocation reviews a user may read: those on the plots of their scope, for roles that work with personal
    data (a review says what was found of a household: absent, usurped, a suspect photo). None for partners and GIS
    specialists."""
    if not has_role(user, *PERSONAL_DATA_ROLES):
        return AllocationReview.objects.none()
    return AllocationReview.objects.filter(plot__in=plots_visible_to(user))


def reviews_open_in(user, township: Township):
    """The open reviews of one township, oldest first (the longest waiting on top), as `user` may read them."""
    return (
        reviews_visible_to(user)
        .filter(plot__township=township, closed_at__isnull=True)
        .select_related("plot", "allocation__household", "raised_by")
        .order_by("raised_at", "pk")
    )
