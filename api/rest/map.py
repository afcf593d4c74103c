"""JSON for the land officers' web map: the plot panel, the households a plot may go to, search, and the layer
versions the map re-requests its tiles with after a change.

Everything is read for the requesting user: plots and townships in their scope, household codes only for roles
that work with personal data, and every list of households logged. Dates come already written in Shamsi in the
request's language, so the browser never converts calendars."""

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from allocations.documents import ISSUABLE_IN
from allocations.models import Allocation, AllocationDocument
from allocations.selectors import allocation_candidates, allocations_visible_to
from allocations.services import TRANSITIONS
from households.models import Category
from households.selectors import households_visible_to
from landreg import calendar, roles
from landreg.access_log import log_personal_data_access
from landreg.i18n import choice_label
from landreg.roles import PERSONAL_DATA_ROLES, has_role
from landreg.sharing import needs_agreement, outside_agreement, partner_provinces, shared_only
from shelters.selectors import plot_shelter
from townships import selectors as townships_selectors
from townships.map_style import PLOT_STATUSES
from townships.models import Facility, Plot
from townships.selectors import layer_versions

# What a partner's data-sharing agreement must share for the map, its plot panel and its search: the township
# layout, as for the OGC API and WFS layers. Everything else on the map comes from roles that work in their scope.
MAP_DATASET = "township_layout"
SEARCH_LIMIT = 10
# Workflow steps that need nothing but a click, offered in the panel on the way to printing the letter.
SIMPLE_STEPS = {
    "assign": gettext_lazy("Assign the plot to the household"),
    "issue_letter": gettext_lazy("Record the allocation letter as issued"),
}


def walking_distance_m() -> int:
    return int(settings.LANDREG_WALKING_DISTANCE_M)


def facilities_near(plot: Plot, metres: int) -> list[dict]:
    """Facilities within `metres` of the plot's edge, nearest first (townships.selectors), for the panel."""
    rows = townships_selectors.facilities_near(plot, metres)
    return [
        {
            "kind": kind,
            "kind_label": choice_label(Facility.Kind, kind),
            "name": name,
            "functional": functional,
            "distance_m": round(metres_away),
            "distance_text": _("%(metres)s m") % {"metres": calendar.number_text(round(metres_away), places=0)},
        }
        for kind, name, functional, metres_away in rows
    ]


def _when(moment) -> str:
    return calendar.shamsi_datetime(moment) if moment else ""


def _allocation_json(allocation: Allocation) -> dict:
    return {
        "id": allocation.pk,
        "status": allocation.status,
        "status_label": choice_label(Allocation.Status, allocation.status),
        "household_code": allocation.household.code,
        "proposed_at": _when(allocation.proposed_at),
        "decision_reference": allocation.decision_reference,
        "revocation_reason": choice_label(Allocation.RevocationReason, allocation.revocation_reason)
        if allocation.revocation_reason
        else "",
        "transitions": [
            {
                "to_status": t.to_status,
                "to_status_label": choice_label(Allocation.Status, t.to_status),
                "by": t.by.username if t.by else "",
                "at": _when(t.at),
                "reason": t.reason,
                "reference": t.reference,
            }
            for t in allocation.transitions.all()
        ],
        "documents": [
            {"number": d.number, "kind": d.kind, "pdf_url": reverse("document-pdf", kwargs={"number": d.number})}
            for d in allocation.documents.all()
        ],
    }


def plot_panel(plot: Plot, user) -> dict:
    """Everything the panel shows for one plot, for this user."""
    sees_people = has_role(user, *PERSONAL_DATA_ROLES)
    allocations = list(
        allocations_visible_to(user)
        .filter(plot=plot)
        .select_related("household")
        .prefetch_related("transitions__by", "documents")
        .order_by("-proposed_at", "-pk")
    )
    active = next((a for a in allocations if a.status in Allocation.ACTIVE), None)
    if sees_people and allocations:
        log_personal_data_access(
            user=user, action="view", what="allocations.Allocation", ids=[a.pk for a in allocations], where="map panel"
        )
    is_officer = has_role(user, roles.LAND_OFFICER)
    is_committee = has_role(user, roles.COMMITTEE_MEMBER)
    status_label, colour = PLOT_STATUSES.get(plot.status, (plot.status, "#999"))
    area = plot.area_m2
    return {
        "id": plot.pk,
        "number": plot.number,
        "block": plot.block.code if plot.block else "",
        "township": {"id": plot.township.pk, "code": plot.township.code, "name": plot.township.name},
        "area_m2": float(area) if area is not None else None,
        "area_biswa": float(area / 100) if area is not None else None,
        "area_text": _("%(m2)s m² (%(biswa)s biswa)")
        % {"m2": calendar.number_text(area, places=0), "biswa": calendar.number_text(area / 100, places=2)}
        if area is not None
        else "",
        "status": plot.status,
        "status_label": str(status_label),
        "colour": colour,
        "use": plot.use,
        "use_label": choice_label(Plot.Use, plot.use),
        "walking_distance_m": walking_distance_m(),
        "facilities": facilities_near(plot, walking_distance_m()),
        "allocations": [_allocation_json(a) for a in allocations] if sees_people else None,
        "active": _allocation_json(active) if active is not None else None,
        "shelter": plot_shelter(plot),
        "actions": {
            "propose": is_officer
            and active is None
            and plot.status == Plot.Status.AVAILABLE
            and plot.use == Plot.Use.RESIDENTIAL,
            "approve": bool(
                is_committee
                and active is not None
                and active.status == Allocation.Status.PROPOSED
                and user.pk not in (active.proposed_by_id, active.household.registered_by_id)
            ),
            "maker_checker": bool(
                is_committee
                and active is not None
                and active.status == Allocation.Status.PROPOSED
                and user.pk in (active.proposed_by_id, active.household.registered_by_id)
            ),
            "revoke": bool((is_officer or is_committee) and active is not None),
            "letter": bool(
                is_officer and active is not None and active.status in ISSUABLE_IN[AllocationDocument.Kind.LETTER]
            ),
            "deed": bool(
                is_officer and active is not None and active.status in ISSUABLE_IN[AllocationDocument.Kind.DEED]
            ),
        },
        "steps": [
            {"action": name.replace("_", "-"), "label": str(text)}
            for name, text in SIMPLE_STEPS.items()
            if active is not None and active.status in TRANSITIONS[name][0] and has_role(user, *TRANSITIONS[name][2])
        ],
        "revocation_reasons": [{"code": c, "label": str(v)} for c, v in Allocation.RevocationReason.choices],
    }


def plots_on_map(user):
    """The plots the map shows this user: their scope, and for a partner only the provinces their agreement
    shares the layout for (PermissionDenied, with the sentence saying what to ask for, when it shares none)."""
    return shared_only(
        townships_selectors.plots_visible_to(user), user, MAP_DATASET, province_field="township__province"
    )


def plot_on_map(user, pk: int) -> Plot:
    """The plot asked for: DoesNotExist outside the user's scope; for a partner outside the provinces shared, the
    refusal saying what to ask for, the same whether the plot exists or not."""
    plot = plots_on_map(user).filter(pk=pk).first()
    if plot is None:
        if needs_agreement(user):
            raise outside_agreement(user, MAP_DATASET)
        raise Plot.DoesNotExist
    return plot


class PlotPanelView(APIView):
    """The plot panel: number, block, area, status, facilities within walking distance, allocation history (for
    roles that work with personal data), shelter stage, and the actions this user may take."""

    @extend_schema(responses={200: dict})
    def get(self, request, pk: int):
        return Response(plot_panel(plot_on_map(request.user, pk), request.user))


class PlotCandidatesView(APIView):
    """Households a land officer may propose for this plot, in priority order."""

    @extend_schema(responses={200: dict})
    def get(self, request, pk: int):
        if not has_role(request.user, roles.LAND_OFFICER):
            return Response({"detail": _("Only a land officer may propose an allocation.")}, status=403)
        plot = townships_selectors.plots_visible_to(request.user).get(pk=pk)
        households = allocation_candidates(plot, request.user)
        if households:
            log_personal_data_access(
                user=request.user,
                action="list",
                what="households.Household",
                ids=[h.pk for h in households],
                where="map candidates",
            )
        return Response(
            {
                "plot": plot.pk,
                "entitlement_note": _("Households whose entitlement matches %(m2)s m², highest priority first.")
                % {"m2": calendar.number_text(plot.area_m2 or 0, places=0)},
                "households": [
                    {
                        "id": h.pk,
                        "code": h.code,
                        "size": h.size,
                        "priority": h.priority or 0,
                        "category": choice_label(Category, h.category),
                        "registered": calendar.shamsi_date(h.created_at.date()),
                    }
                    for h in households
                ],
            }
        )


class SearchSerializer(serializers.Serializer):
    q = serializers.CharField(max_length=60, trim_whitespace=True)
    township = serializers.IntegerField(required=False)


def _bbox(geom) -> list[float]:
    west, south, east, north = geom.extent
    return [round(west, 6), round(south, 6), round(east, 6), round(north, 6)]


class MapSearchView(APIView):
    """Search by township name, plot number or household code, within the user's scope.

    POST, not GET: a household code then never lands in a server's access log, a proxy's log or the browser's
    history. Only the households found are logged (by id), never the words typed."""

    @extend_schema(request=SearchSerializer, responses={200: dict})
    def post(self, request):
        data = SearchSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        q = data.validated_data["q"]
        townships = shared_only(
            townships_selectors.townships_visible_to(request.user), request.user, MAP_DATASET, province_field="province"
        )
        results = []
        for t in townships.filter(
            Q(name__icontains=q) | Q(name_prs__icontains=q) | Q(name_ps__icontains=q) | Q(code__icontains=q)
        )[:SEARCH_LIMIT]:
            results.append({"type": "township", "id": t.pk, "label": t.name, "code": t.code, "bbox": _bbox(t.geom)})
        plots = plots_on_map(request.user).filter(number__iexact=q)
        if township := data.validated_data.get("township"):
            plots = plots.filter(township_id=township)
        for p in plots[:SEARCH_LIMIT]:
            results.append(
                {
                    "type": "plot",
                    "id": p.pk,
                    "label": _("Plot %(number)s, %(township)s") % {"number": p.number, "township": p.township.name},
                    "bbox": _bbox(p.geom),
                }
            )
        if has_role(request.user, *PERSONAL_DATA_ROLES) and len(q) >= 3:
            found = list(
                households_visible_to(request.user).filter(code__iexact=q).prefetch_related("allocations__plot")[:1]
            )
            if found:
                log_personal_data_access(
                    user=request.user, action="view", what="households.Household", ids=[found[0].pk], where="map search"
                )
            for household in found:
                allocation = next((a for a in household.allocations.all() if a.status in Allocation.ACTIVE), None)
                plot = allocation.plot if allocation is not None else None
                visible = townships_selectors.plots_visible_to(request.user)
                in_scope = plot is not None and visible.filter(pk=plot.pk).exists()
                if in_scope:
                    text = _("Household %(code)s: plot %(number)s") % {"code": household.code, "number": plot.number}
                else:
                    text = _("Household %(code)s has no plot in your scope yet") % {"code": household.code}
                results.append(
                    {
                        "type": "household",
                        "id": plot.pk if in_scope else None,
                        "label": text,
                        "bbox": _bbox(plot.geom) if in_scope else None,
                    }
                )
        return Response({"results": results})


class LayerVersionsView(APIView):
    """The current version of each map layer."""

    @extend_schema(responses={200: dict})
    def get(self, request):
        partner_provinces(request.user, MAP_DATASET)  # a partner without an agreement is refused the whole map
        return Response(layer_versions())
