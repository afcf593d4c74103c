"""The household's journey: border arrival → sites → eligibility → allocation → shelter stages → occupancy, on one
page and a small map. movements.selectors.journey_of gives the part from the border to eligibility (and decides who
may see it, logging the view); the allocation, its workflow, the shelter and the occupancy checks come from their
own apps, which sit above movements (the face may read them all). Only roles that work with personal data."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from allocations.models import Allocation
from allocations.selectors import allocations_visible_to
from households.models import Household, ReturnEvidence
from landreg.i18n import choice_label, local_name
from movements.dashboards import province_outlines_geojson
from movements.models import ArrivalCategory, HouseholdLocation, IdpSite
from movements.selectors import journey_of
from parcels.models import AdminArea, CrossingPoint
from shelters.models import OccupancyCheck
from shelters.selectors import open_shelter_projects, stage_name
from webmap.movements.common import render_page, require_personal_data_role

KIND_LABELS = {
    "arrival": gettext_lazy("Arrived at the border"),
    "location": gettext_lazy("Where the household was"),
    "evidence": gettext_lazy("Evidence of return"),
    "eligibility": gettext_lazy("Eligibility"),
    "allocation": gettext_lazy("Allocation"),
    "shelter": gettext_lazy("Shelter"),
    "occupancy": gettext_lazy("Occupancy check"),
}
KIND_ORDER = list(KIND_LABELS)


def _later_steps(user, household_id: int) -> list[dict]:
    """The allocation's workflow steps, the shelter's inspected stages and the occupancy checks."""
    steps = []
    allocations = allocations_visible_to(user).filter(household_id=household_id).select_related("plot__township")
    for allocation in allocations.prefetch_related("transitions"):
        point = allocation.plot.geom.point_on_surface
        for transition in allocation.transitions.all():
            steps.append(
                {
                    "kind": "allocation",
                    "on": timezone.localdate(transition.at),
                    "id": transition.pk,
                    "label": choice_label(Allocation.Status, transition.to_status),
                    "detail": f"{allocation.plot.township.name} · {allocation.plot.number}",
                    "point": (point.x, point.y),
                }
            )
        for project in open_shelter_projects().filter(allocation=allocation):
            for inspection in project.inspections.select_related("stage").order_by("inspected_on", "id"):
                steps.append(
                    {
                        "kind": "shelter",
                        "on": inspection.inspected_on,
                        "id": inspection.pk,
                        "label": stage_name(inspection.stage),
                        "detail": inspection.get_result_display(),
                        "point": (point.x, point.y),
                    }
                )
        for check in OccupancyCheck.objects.filter(allocation=allocation).order_by("checked_on", "id"):
            steps.append(
                {
                    "kind": "occupancy",
                    "on": check.checked_on,
                    "id": check.pk,
                    "label": check.get_finding_display(),
                    "detail": "",
                    "point": (point.x, point.y),
                }
            )
    return steps


def _described(step: dict, places: dict) -> dict:
    """The words a step of journey_of is shown with (it gives codes): places by code, named in the reader's
    language."""
    kind = step["kind"]
    if kind == "arrival":
        step["label"] = choice_label(ArrivalCategory, step["status"])
        step["detail"] = places["points"].get(step["crossing_point"], step["crossing_point"])
    elif kind == "location":
        step["label"] = choice_label(HouseholdLocation.Status, step["status"])
        if step.get("site"):
            step["detail"] = places["sites"].get(step["site"], step["site"])
        elif step.get("crossing_point"):
            step["detail"] = places["points"].get(step["crossing_point"], step["crossing_point"])
        else:
            step["detail"] = places["provinces"].get(step.get("province"), step.get("province", ""))
    elif kind == "evidence":
        step["label"] = choice_label(ReturnEvidence.Kind, step["status"])
        step["detail"] = ""
    elif kind == "eligibility":
        step["label"] = _("Eligible") if step["status"] == "eligible" else _("Not eligible")
        step["detail"] = step.get("scheme", "")
    return step


@login_required
def household_journey(request, pk):
    require_personal_data_role(request)
    try:
        journey = journey_of(request.user, household_id=pk, where=request.path)
    except Household.DoesNotExist:
        raise Http404(_("No household with this number in your provinces.")) from None
    codes = {key: {s.get(key) for s in journey["steps"]} - {None, ""} for key in ("crossing_point", "site", "province")}
    places = {
        "points": {p.code: local_name(p) for p in CrossingPoint.objects.filter(code__in=codes["crossing_point"])},
        "sites": {s.code: local_name(s) for s in IdpSite.objects.filter(code__in=codes["site"])},
        "provinces": {a.pcode: local_name(a) for a in AdminArea.objects.filter(pcode__in=codes["province"])},
    }
    steps = [_described(step, places) for step in journey["steps"]]
    if journey["complete"]:
        steps += _later_steps(request.user, pk)
    steps.sort(key=lambda s: (s["on"], KIND_ORDER.index(s["kind"]), s["id"]))
    for step in steps:
        step["kind_label"] = KIND_LABELS[step["kind"]]
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": list(step["point"])},
            "properties": {"n": number, "kind": step["kind"]},
        }
        for number, step in enumerate(steps, start=1)
        if step.get("point")
    ]
    path = [f["geometry"]["coordinates"] for f in features]
    if len(path) > 1:
        features.insert(
            0, {"type": "Feature", "geometry": {"type": "LineString", "coordinates": path}, "properties": {}}
        )
    for number, step in enumerate(steps, start=1):
        step["number"] = number
    context = {
        "journey": journey,
        "household": journey["household"],
        "steps": steps,
        "map": {"context": province_outlines_geojson(), "steps": {"type": "FeatureCollection", "features": features}},
    }
    return render_page(request, "webmap/movements/journey.html", context)
