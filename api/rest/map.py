"""JSON for the land officers' web map: the plot panel, the households a plot may go to, search, and the layer
versions the map re-requests its tiles with after a change.

Everything is read for the requesting user: plots and townships in their scope, household codes only for roles
that work with personal data, and every list of households logged. Dates come already written in Shamsi in the
request's language, so the browser never converts calendars."""

import json

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from allocations.documents import ISSUABLE_IN, REISSUE_REASONS, document_standing
from allocations.models import Allocation, AllocationDocument
from allocations.selectors import allocation_candidates, allocations_visible_to, eligibility_reasons
from allocations.services import TRANSITIONS
from grievances import permissions as grievance_permissions
from grievances import selectors as grievance_selectors
from grievances.models import Grievance, LandDispute
from households.models import Category
from households.selectors import households_visible_to
from landreg import calendar, roles
from landreg.access_log import log_personal_data_access
from landreg.i18n import choice_label
from landreg.roles import PERSONAL_DATA_ROLES, has_role
from landreg.sharing import needs_agreement, outside_agreement, partner_provinces, shared_only
from livelihoods import selectors as livelihood_selectors
from livelihoods.models import Opportunity, Referral
from planning.selectors import plot_site_figures
from shelters.selectors import plot_shelter
from townships import selectors as townships_selectors
from townships.map_style import PLOT_STATUSES
from townships.models import Facility, Plot
from townships.selectors import layer_versions

# What a partner's data-sharing agreement must share for the map, its plot panel and its search: the township
# layout, as for the OGC API and WFS layers. Everything else on the map comes from roles that work in their scope.
MAP_DATASET = "township_layout"
SEARCH_LIMIT = 10
# The workflow's steps as the panel offers them, in the order an office takes them: the next step of the main path
# first, then the documents, then the steps off the path (suspend, revoke, transfer). Each says what it does before
# it is taken; the panel asks for confirmation of every one, since no step can be undone. Who may take a step is
# TRANSITIONS' (allocations/services.py), the same check the API makes.
# action: (group, button, what it does, what the success message says, the fields the step needs)
STEPS = {
    "approve": (
        "next",
        gettext_lazy("Approve the allocation…"),
        gettext_lazy("Plot %(plot)s is allocated to %(who)s by the committee's decision. Give its reference."),
        gettext_lazy("Plot %(plot)s approved for %(who)s. Next: a land officer assigns the plot."),
        ["reference"],
    ),
    "reject": (
        "next",
        gettext_lazy("Reject the proposal…"),
        gettext_lazy(
            "The proposal of plot %(plot)s for %(who)s ends for good and the plot is available again. Say why."
        ),
        gettext_lazy("The proposal of plot %(plot)s for %(who)s was rejected; the plot is available again."),
        ["reason", "reference"],
    ),
    "assign": (
        "next",
        gettext_lazy("Assign the plot to the household…"),
        gettext_lazy("Plot %(plot)s is assigned to %(who)s, who then counts as allocated."),
        gettext_lazy("Plot %(plot)s assigned to %(who)s. Next: issue and print the allocation letter."),
        [],
    ),
    "issue_letter": (
        "next",
        gettext_lazy("Record the letter as given to the household…"),
        gettext_lazy("Records that %(who)s received the allocation letter %(letter)s for plot %(plot)s."),
        gettext_lazy(
            "The allocation letter for plot %(plot)s is recorded as given to %(who)s. Next: hand the plot over on "
            "site, with a GPS point."
        ),
        [],
    ),
    "hand_over": (
        "next",
        gettext_lazy("Hand over the plot (GPS point)…"),
        gettext_lazy(
            "Records that %(who)s received plot %(plot)s on site. The GPS point must lie on the plot: use this "
            "device's location, or click the point on the map."
        ),
        gettext_lazy("Plot %(plot)s handed over to %(who)s. Next: confirm that the household lives there."),
        ["point"],
    ),
    "confirm_occupancy": (
        "next",
        gettext_lazy("Confirm occupancy…"),
        gettext_lazy("Records that %(who)s lives on plot %(plot)s."),
        gettext_lazy("%(who)s confirmed as living on plot %(plot)s. Next: a land officer titles the allocation."),
        [],
    ),
    "title": (
        "next",
        gettext_lazy("Title the allocation…"),
        gettext_lazy("Plot %(plot)s is titled to %(who)s; its deed can then be issued and printed."),
        gettext_lazy("Plot %(plot)s titled to %(who)s. Next: issue and print the deed."),
        [],
    ),
    "appeal": (
        "next",
        gettext_lazy("Record an appeal…"),
        gettext_lazy("Records that %(who)s appealed the suspension of plot %(plot)s; a committee member decides."),
        gettext_lazy("The appeal of %(who)s for plot %(plot)s is recorded; a committee member decides."),
        ["reason"],
    ),
    "reinstate": (
        "next",
        gettext_lazy("Reinstate the allocation…"),
        gettext_lazy("The allocation of plot %(plot)s to %(who)s returns to the step at which it was suspended."),
        gettext_lazy("The allocation of plot %(plot)s to %(who)s is reinstated."),
        ["reference"],
    ),
    "suspend": (
        "other",
        gettext_lazy("Suspend…"),
        gettext_lazy(
            "The allocation of plot %(plot)s to %(who)s is suspended and the plot shows as disputed. Say why."
        ),
        gettext_lazy("The allocation of plot %(plot)s to %(who)s is suspended; it may be appealed."),
        ["reason"],
    ),
    "revoke": (
        "other",
        gettext_lazy("Revoke…"),
        gettext_lazy(
            "The allocation of plot %(plot)s to %(who)s ends for good and the plot is available again; the record "
            "stays. Choose the reason."
        ),
        gettext_lazy("The allocation of plot %(plot)s to %(who)s is revoked; the plot is available again."),
        ["reason_code", "reason"],
    ),
    "transfer": (
        "other",
        gettext_lazy("Transfer to an heir…"),
        gettext_lazy("The allocation of plot %(plot)s passes from %(who)s to the heir's household. Give its code."),
        gettext_lazy("Plot %(plot)s passed from %(who)s to the heir's household."),
        ["heir_code", "reason"],
    ),
}


def walking_distance_m() -> int:
    return int(settings.LANDREG_WALKING_DISTANCE_M)


def facilities_near(plot: Plot, metres: int) -> list[dict]:
    """Facilities within `metres` of the plot's edge, nearest first (townships.selectors), for the panel. `label`
    is the name, led by the kind unless the name already says it ("Water point 2", not "Water point Water point 2")."""
    rows = townships_selectors.facilities_near(plot, metres)
    out = []
    for kind, name, functional, metres_away in rows:
        kind_label = choice_label(Facility.Kind, kind)
        with translation.override("en"):
            english_kind = str(Facility.Kind(kind).label)
        named_by_kind = name and name.casefold().startswith((kind_label.casefold(), english_kind.casefold()))
        out.append(
            {
                "kind": kind,
                "kind_label": kind_label,
                "name": name,
                "label": name if named_by_kind else " ".join(part for part in (kind_label, name) if part),
                "functional": functional,
                "distance_m": round(metres_away),
                "distance_text": _("%(metres)s m") % {"metres": calendar.number_text(round(metres_away), places=0)},
            }
        )
    return out


def _when(moment) -> str:
    return calendar.shamsi_datetime(moment) if moment else ""


def _head_name(allocation: Allocation) -> str:
    head = next((m for m in allocation.household.members.all() if m.relationship == "head"), None)
    return head.name if head else ""


def _isolated(text: str) -> str:
    """Unicode's first-strong isolate around a code or a name inside a sentence, so a Latin code or name keeps its
    order and brackets in a Dari or Pashto sentence (the <bdi> of plain text)."""
    return f"\u2068{text}\u2069"


def _who(allocation: Allocation) -> str:
    """'household DEMO-NAN-0147 (Habibullah)': the panel is shown with names only to roles that may see them."""
    name = _head_name(allocation)
    code = _isolated(allocation.household.code)
    if name:
        return _("household %(code)s (%(name)s)") % {"code": code, "name": _isolated(name)}
    return _("household %(code)s") % {"code": code}


def _document_json(document: AllocationDocument, *, may_print: bool) -> dict:
    standing = document_standing(document)
    pdf = reverse("document-pdf", kwargs={"number": document.number})
    prints = list(document.prints.all())
    return {
        "number": document.number,
        "kind": document.kind,
        "kind_label": choice_label(AllocationDocument.Kind, document.kind),
        "standing": standing,
        "standing_label": {"valid": _("valid"), "superseded": _("superseded"), "revoked": _("revoked")}[standing],
        "issued_at": _when(document.issued_at),
        "issued_by": document.issued_by.username if document.issued_by else "",
        "reissue_reason": choice_label(AllocationDocument.ReissueReason, document.reissue_reason)
        if document.reissue_reason
        else "",
        "supersedes": document.supersedes.number if document.supersedes_id else "",
        "prints": len(prints),
        "last_printed": _when(prints[-1].printed_at) if prints else "",
        "pdf_url": pdf,
        # The same document in each language: a rendering, logged as a print, never a new number.
        "print_urls": {code: f"{pdf}?language={code}" for code in AllocationDocument.Language.values}
        if may_print and standing == "valid"
        else {},
    }


def _allocation_json(allocation: Allocation, *, may_print: bool = False) -> dict:
    return {
        "id": allocation.pk,
        "status": allocation.status,
        "status_label": choice_label(Allocation.Status, allocation.status),
        "household_id": allocation.household_id,
        "household_code": allocation.household.code,
        "head_name": _head_name(allocation),
        "household_url": reverse("household-detail", kwargs={"pk": allocation.household_id}),
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
        "documents": [_document_json(d, may_print=may_print) for d in allocation.documents.all()],
    }


def _current(allocation: Allocation, kind: str) -> AllocationDocument | None:
    """The allocation's current document of a kind, from the prefetched documents."""
    superseded = {d.supersedes_id for d in allocation.documents.all() if d.supersedes_id}
    return next((d for d in allocation.documents.all() if d.kind == kind and d.pk not in superseded), None)


# The steps the database refuses while the plot has an open land dispute (plot_not_allocated_while_disputed): the
# panel does not offer them; suspending, revoking, rejecting and appealing stay.
HELD_STILL_WHILE_DISPUTED = {
    "approve",
    "assign",
    "issue_letter",
    "hand_over",
    "confirm_occupancy",
    "title",
    "transfer",
    "reinstate",
}


def _steps(plot: Plot, active: Allocation | None, user) -> list[dict]:
    """The workflow steps this user may take on the active allocation now, as TRANSITIONS allows them (and the
    land dispute of the plot, if one is open, lets them)."""
    if active is None:
        return []
    held_still = HELD_STILL_WHILE_DISPUTED if grievance_selectors.plot_under_dispute(plot) else set()
    letter = _current(active, AllocationDocument.Kind.LETTER)
    words = {"plot": plot.number, "who": _who(active), "letter": letter.number if letter else ""}
    steps = []
    for name, (group, button, consequence, done, fields) in STEPS.items():
        allowed_from, _to, allowed_roles = TRANSITIONS[name]
        if active.status not in allowed_from or not has_role(user, *allowed_roles) or name in held_still:
            continue
        if name == "approve" and user.pk in (active.proposed_by_id, active.household.registered_by_id):
            continue  # maker-checker: the panel says so instead
        if name == "issue_letter" and letter is None:
            continue  # the office prints the letter first, then records it as given
        steps.append(
            {
                "action": name.replace("_", "-"),
                "group": group,
                "label": str(button),
                "consequence": str(consequence) % words,
                "done": str(done) % words,
                "fields": fields,
            }
        )
    return steps


def _documents_offered(active: Allocation | None, is_officer: bool) -> list[dict]:
    """The documents a land officer may issue now: a kind whose status allows it and that has none yet. Those
    already issued are printed (in any language) or re-issued from the allocation's document list."""
    if active is None or not is_officer:
        return []
    offered = []
    for kind, text in (
        (AllocationDocument.Kind.LETTER, gettext_lazy("Issue and print the allocation letter")),
        (AllocationDocument.Kind.DEED, gettext_lazy("Issue and print the deed")),
    ):
        if active.status in ISSUABLE_IN[kind] and _current(active, kind) is None:
            offered.append({"kind": kind, "label": str(text)})
    return offered


def plot_panel(plot: Plot, user) -> dict:
    """Everything the panel shows for one plot, for this user."""
    sees_people = has_role(user, *PERSONAL_DATA_ROLES)
    allocations = list(
        allocations_visible_to(user)
        .filter(plot=plot)
        .select_related("household")
        .prefetch_related("transitions__by", "documents__prints", "documents__issued_by", "documents__supersedes")
        .prefetch_related("household__members")
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
    may_issue = bool(is_officer and active is not None)
    return {
        "id": plot.pk,
        "number": plot.number,
        "block": plot.block.code if plot.block else "",
        "township": {"id": plot.township.pk, "code": plot.township.code, "name": plot.township.local_name},
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
        "allocations": [_allocation_json(a, may_print=may_issue and a is active) for a in allocations]
        if sees_people
        else None,
        "active": _allocation_json(active, may_print=may_issue) if active is not None else None,
        "shelter": plot_shelter(plot),
        # Slope, flood, water and the fit of the ground; "warning" is the sentence to show before proposing it.
        "site": plot_site_figures(plot),
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
            "letter": bool(may_issue and active.status in ISSUABLE_IN[AllocationDocument.Kind.LETTER]),
            "deed": bool(may_issue and active.status in ISSUABLE_IN[AllocationDocument.Kind.DEED]),
        },
        "steps": _steps(plot, active, user),
        "documents_to_issue": _documents_offered(active, is_officer),
        "languages": [{"code": c, "label": str(v)} for c, v in AllocationDocument.Language.choices],
        "reissue_reasons": [
            {"code": c, "label": choice_label(AllocationDocument.ReissueReason, c)} for c in REISSUE_REASONS
        ],
        "revocation_reasons": [{"code": c, "label": str(v)} for c, v in Allocation.RevocationReason.choices],
        "handover_tolerance_m": int(settings.LANDREG_HANDOVER_TOLERANCE_M),
        "grievances": plot_grievances(plot, user),
        "livelihoods": plot_livelihoods(active, user),
    }


def plot_livelihoods(active: Allocation | None, user) -> dict | None:
    """ "Opportunities near this household": the open opportunities within reach of the household holding the plot
    that one of its profiled members is eligible for, nearest first, each with its members' scores and referrals
    (livelihoods.selectors, logged). For roles that work with personal data; None for the others or a free plot."""
    if active is None or not has_role(user, *PERSONAL_DATA_ROLES):
        return None
    try:
        rows = livelihood_selectors.opportunities_near_household(user, active.household, where="map panel")
    except PermissionDenied:
        return None
    return {
        "within_km": livelihood_selectors.NEAR_KM,
        "within_text": _("%(km)s km") % {"km": calendar.number_text(livelihood_selectors.NEAR_KM, places=0)},
        "may_refer": has_role(user, roles.LAND_OFFICER, roles.FIELD_OFFICER, roles.ADMINISTRATOR),
        "refer_url": reverse("livelihood-refer"),
        "profiles_url": reverse("household-detail", kwargs={"pk": active.household_id}),
        "opportunities": [
            {
                "id": row["opportunity"],
                "title": row["title"],
                "kind_label": choice_label(Opportunity.Kind, row["kind"]),
                "distance_text": _("%(km)s km") % {"km": calendar.number_text(row["distance_km"], places=1)},
                "url": reverse("opportunity-detail", kwargs={"pk": row["opportunity"]}),
                "members": [
                    {
                        "person": m["person"],
                        "name": m["person_name"],
                        "score": m["score"],
                        "score_text": calendar.number_text(m["score"], places=0),
                        "referral_status": m["referral_status"] or "",
                        "referral_label": choice_label(Referral.Status, m["referral_status"])
                        if m["referral_status"]
                        else "",
                    }
                    for m in row["members"]
                ],
            }
            for row in rows
        ],
    }


def plot_grievances(plot: Plot, user) -> dict | None:
    """The panel's grievances for roles that work with them in their scope (None for the others): the plot's open
    grievances by reference and status only (a sealed one is listed like any other, its words are not), the open
    land dispute with its claimed outline (land, not people) and overlap, and what this user may do."""
    if not has_role(user, *grievance_permissions.RECEIVERS):
        return None
    rows = list(grievance_selectors.grievances_for(user).open().filter(plot=plot).order_by("received_at", "pk"))
    dispute = (
        LandDispute.objects.filter(plot=plot, decision="", grievance__in=[g.pk for g in rows])
        .select_related("grievance")
        .order_by("-opened_at")
        .first()
    )
    dispute_json = None
    if dispute is not None:
        allowed = grievance_selectors.grievance_allowed_actions(user, dispute.grievance)
        overlap = dispute.overlap_m2
        dispute_json = {
            "reference": dispute.grievance.reference,
            "claimed_outline": json.loads(dispute.claimed_outline.geojson) if dispute.claimed_outline else None,
            "overlap_m2": float(overlap) if overlap is not None else None,
            "overlap_text": _("%(m2)s m²") % {"m2": calendar.number_text(overlap, places=1)}
            if overlap is not None
            else "",
            "status": dispute.grievance.status,
            "may_acknowledge": "acknowledge" in allowed,
            "acknowledge_url": reverse("grievance-api-transition", kwargs={"reference": dispute.grievance.reference}),
            "may_resolve": "decide_dispute" in allowed,
            "resolve_url": reverse("dispute-api-resolve", kwargs={"reference": dispute.grievance.reference}),
        }
    return {
        "open": [
            {
                "reference": g.reference,
                "status": g.status,
                "status_label": choice_label(Grievance.Status, g.status),
                "url": reverse("grievance-detail", kwargs={"reference": g.reference}),
            }
            for g in rows
        ],
        "dispute": dispute_json,
        "may_record": True,
        "may_open_dispute": dispute is None and has_role(user, *grievance_permissions.DISPUTE_OPENERS),
        "categories": [
            {"code": c, "label": str(label)}
            for c, label in Grievance.Category.choices
            if c not in (Grievance.Category.LAND_DISPUTE, Grievance.Category.APPEAL)
        ],
        # A partner's referral comes through the partners' API, never from the panel.
        "channels": [
            {"code": c, "label": str(label)}
            for c, label in Grievance.Channel.choices
            if c != Grievance.Channel.PARTNER_REFERRAL
        ],
        "decisions": [{"code": c, "label": str(label)} for c, label in LandDispute.Decision.choices],
        "dispute_kinds": [
            {"code": c, "label": str(label)}
            for c, label in Grievance.Category.choices
            if c in (Grievance.Category.LAND_DISPUTE, Grievance.Category.USURPATION)
        ],
        "api": {"record": reverse("grievance-api-list"), "dispute": reverse("dispute-api-open")},
        "bbox": _bbox(plot.geom),  # the map zooms to the plot to draw a claimed outline
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
                # Nothing is chosen for the officer: the list is in priority order, and each row says why.
                "households": [
                    {
                        "id": h.pk,
                        "code": h.code,
                        "head_name": h.head_name or "",
                        "size": h.size,
                        "priority": h.priority or 0,
                        "category": choice_label(Category, h.category),
                        "registered": calendar.shamsi_date(h.created_at.date()),
                        "eligible_because": eligibility_reasons(h),
                        "url": reverse("household-detail", kwargs={"pk": h.pk}),
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
            results.append(
                {"type": "township", "id": t.pk, "label": t.local_name, "code": t.code, "bbox": _bbox(t.geom)}
            )
        plots = plots_on_map(request.user).filter(number__iexact=q)
        if township := data.validated_data.get("township"):
            plots = plots.filter(township_id=township)
        for p in plots[:SEARCH_LIMIT]:
            results.append(
                {
                    "type": "plot",
                    "id": p.pk,
                    "label": _("Plot %(number)s, %(township)s")
                    % {"number": p.number, "township": p.township.local_name},
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
