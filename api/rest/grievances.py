"""Grievances, land disputes and appeals for officers over REST (the map's plot panel uses it): list, detail,
record, move along the steps, assign an owner; open and resolve a dispute over a plot (with the outline claimed);
lodge, decide and check an appeal. A grievance is named by its public reference (G-XXXX-XXXX).

Thin: every read goes through grievances.selectors (role and province scope, the sealed description readable only
by the focal point, the view logged), every write through grievances.services (which refuse with a sentence). What
the services refuse becomes a 400, 403 or 409 with that sentence (api/errors.py); bad input a 400 saying what to
fix. The rules and who may do what: docs/grievances.md."""

import json

from django.contrib.auth import get_user_model
from django.contrib.gis.geos import GEOSException, GEOSGeometry
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from api.pagination import LimitOffsetPagination
from grievances import selectors, services
from grievances.models import Appeal, Grievance, LandDispute
from landreg import calendar
from landreg.access_log import log_personal_data_access
from landreg.i18n import choice_label
from landreg.roles import PERSONAL_DATA_ROLES, has_role
from parcels.models import AdminArea

# A claimed outline is drawn by hand on the map: a few dozen corners at most. More is a file, not a drawing.
MAX_OUTLINE_POINTS = 500
# Afghanistan with a margin (west, south, east, north): an outline elsewhere is a mistake in the coordinates.
AFGHANISTAN = (60.0, 29.0, 75.5, 39.0)
TEXT_MAX = 5000


def _label(choices, value) -> str:
    return choice_label(choices, value) if value else ""


def _when(moment) -> str:
    return calendar.shamsi_datetime(moment) if moment else ""


def overdue_text(due, now=None) -> str:
    """'3 days overdue' / '5 hours overdue' for a deadline passed, else ''."""
    if due is None:
        return ""
    late = (now or timezone.now()) - due
    if late.total_seconds() <= 0:
        return ""
    days = late.days
    if days >= 1:
        return _("%(n)s days overdue") % {"n": calendar.number_text(days, places=0)}
    hours = max(1, int(late.total_seconds() // 3600))
    return _("%(n)s hours overdue") % {"n": calendar.number_text(hours, places=0)}


@extend_schema_field(OpenApiTypes.OBJECT)
class OutlineField(serializers.Field):
    """A GeoJSON Polygon in longitude/latitude (EPSG:4326), as the map draws it; refused with a sentence when it is
    not one, has too many corners, crosses itself or lies outside Afghanistan."""

    default_error_messages = {
        "invalid": "The claimed outline must be a GeoJSON Polygon in longitude and latitude.",
    }

    def to_internal_value(self, data):
        if data in (None, ""):
            return None
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError:
                raise serializers.ValidationError(_("The claimed outline is not GeoJSON.")) from None
        if not isinstance(data, dict) or data.get("type") != "Polygon":
            raise serializers.ValidationError(_("The claimed outline must be a GeoJSON Polygon."))
        coordinates = data.get("coordinates")
        if not isinstance(coordinates, list) or not coordinates or not all(isinstance(r, list) for r in coordinates):
            raise serializers.ValidationError(_("The claimed outline has no ring of corners."))
        if sum(len(ring) for ring in coordinates) > MAX_OUTLINE_POINTS:
            raise serializers.ValidationError(
                _("The claimed outline has more than %(n)s corners; draw it more simply.") % {"n": MAX_OUTLINE_POINTS}
            )
        try:
            geom = GEOSGeometry(json.dumps({"type": "Polygon", "coordinates": coordinates}, allow_nan=False))
        except (GEOSException, ValueError, TypeError, RecursionError):
            raise serializers.ValidationError(
                _("The claimed outline must be a closed ring of at least four [longitude, latitude] points.")
            ) from None
        except Exception:  # GDAL's own errors for shapes it cannot read
            raise serializers.ValidationError(_("The claimed outline cannot be read as a polygon.")) from None
        if geom.empty or geom.hasz:
            raise serializers.ValidationError(_("The claimed outline must have two coordinates per corner."))
        west, south, east, north = geom.extent
        if west < AFGHANISTAN[0] or south < AFGHANISTAN[1] or east > AFGHANISTAN[2] or north > AFGHANISTAN[3]:
            raise serializers.ValidationError(_("The claimed outline lies outside Afghanistan; check the coordinates."))
        if not geom.valid:
            raise serializers.ValidationError(
                _("The claimed outline crosses itself (%(why)s); draw it again.") % {"why": geom.valid_reason}
            )
        geom.srid = 4326
        return geom

    def to_representation(self, value):
        return json.loads(value.geojson) if value else None


# --- what is answered ---------------------------------------------------------------------------------------------


def step_json(step: dict | object) -> dict:
    get = step.get if isinstance(step, dict) else lambda name, default=None: getattr(step, name, default)
    by = get("by")
    return {
        "action": get("action"),
        "from_status": get("from_status") or "",
        "to_status": get("to_status") or "",
        "to_status_label": _label(Grievance.Status, get("to_status")),
        "by": getattr(by, "username", by) or "",
        "at": get("at"),
        "at_text": _when(get("at")),
        "note": get("note") or "",
        "referred_to": get("referred_to") or "",
    }


def grievance_json(user, grievance: Grievance, *, detail: bool = False) -> dict:
    """A grievance as this user may read it. The description is the clear text only for who may read it; a sealed
    one says so. Household codes only for roles that work with personal data."""
    now = timezone.now()
    g = grievance
    sees_people = has_role(user, *PERSONAL_DATA_ROLES)
    out = {
        "reference": g.reference,
        "channel": g.channel,
        "channel_label": _label(Grievance.Channel, g.channel),
        "category": g.category,
        "category_label": _label(Grievance.Category, g.category),
        "sensitive": g.sensitive,
        "priority": g.priority,
        "priority_label": _label(Grievance.Priority, g.priority),
        "anonymous": g.anonymous,
        "status": g.status,
        "status_label": _label(Grievance.Status, g.status),
        "province": g.province.pcode if g.province_id else None,
        "plot": g.plot_id,
        "plot_number": g.plot.number if g.plot_id else None,
        "household": g.household.code if g.household_id and sees_people else None,
        "allocation": g.allocation_id,
        "shelter_project": g.shelter_project_id,
        "opportunity": g.opportunity_id,
        "language": g.language,
        "consent_to_share": g.consent_to_share,
        "assigned_to": g.assigned_to.username if g.assigned_to_id else None,
        "received_at": g.received_at,
        "acknowledge_due": g.acknowledge_due,
        "refer_due": g.refer_due,
        "resolve_due": g.resolve_due,
        "acknowledged_at": g.acknowledged_at,
        "referred_at": g.referred_at,
        "resolved_at": g.resolved_at,
        "closed_at": g.closed_at,
        "loop_closed_at": g.loop_closed_at,
        "referred_to": g.referred_to or "",
        "escalation_level": g.escalation_level,
        "next_due": g.next_due,
        "overdue": overdue_text(g.next_due, now),
    }
    if detail:
        description = selectors.grievance_description(user, g)
        out["description"] = description
        out["description_sealed"] = description is None
        out["steps"] = [step_json(s) for s in selectors.grievance_steps(user, g)]
        out["allowed_actions"] = list(selectors.grievance_allowed_actions(user, g))
        dispute = LandDispute.objects.filter(grievance=g).select_related("decided_by").first()
        out["dispute"] = dispute_json(dispute) if dispute is not None else None
        appeal = Appeal.objects.filter(grievance=g).select_related("decided_by", "checked_by").first()
        out["appeal"] = appeal_json(appeal) if appeal is not None else None
    return out


def dispute_json(dispute) -> dict:
    return {
        "plot": dispute.plot_id,
        "claimed_outline": json.loads(dispute.claimed_outline.geojson) if dispute.claimed_outline else None,
        "overlap_m2": float(dispute.overlap_m2) if dispute.overlap_m2 is not None else None,
        "decision": dispute.decision or "",
        "decision_label": _label(LandDispute.Decision, dispute.decision),
        "decided_by": dispute.decided_by.username if dispute.decided_by_id else None,
        "decided_at": dispute.decided_at,
    }


def appeal_json(appeal) -> dict:
    return {
        "decision": appeal.decision or "",
        "decision_label": _label(Appeal.Decision, appeal.decision),
        "decided_by": appeal.decided_by.username if appeal.decided_by_id else None,
        "checked_by": appeal.checked_by.username if appeal.checked_by_id else None,
        "decided_at": appeal.decided_at,
        "checked_at": appeal.checked_at,
    }


# --- what is asked ------------------------------------------------------------------------------------------------


def _choices(enum) -> list:
    return list(enum.choices)


class GrievanceFilterSerializer(serializers.Serializer):
    """The list's filters; a value that cannot match is refused, not ignored."""

    status = serializers.ChoiceField(choices=_choices(Grievance.Status), required=False)
    category = serializers.ChoiceField(choices=_choices(Grievance.Category), required=False)
    overdue = serializers.BooleanField(required=False, allow_null=True, default=None, help_text="Only overdue ones.")


class GrievanceCreateSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=_choices(Grievance.Channel))
    category = serializers.ChoiceField(choices=_choices(Grievance.Category))
    description = serializers.CharField(max_length=TEXT_MAX, trim_whitespace=True)
    province = serializers.CharField(
        required=False, max_length=20, help_text="Province pcode (AF06); else the plot's or household's province."
    )
    plot = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1, help_text="Plot id.")
    household = serializers.CharField(required=False, max_length=30, help_text="Household code.")
    allocation = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    shelter_project = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    opportunity = serializers.IntegerField(
        required=False, min_value=1, max_value=2**31 - 1, help_text="Livelihood opportunity id."
    )
    anonymous = serializers.BooleanField(default=False)
    language = serializers.ChoiceField(choices=_choices(Grievance.Language), default="en")
    consent_to_share = serializers.BooleanField(default=False)
    priority = serializers.ChoiceField(choices=_choices(Grievance.Priority), required=False)
    sensitive = serializers.BooleanField(required=False, allow_null=True, default=None)


class GrievanceStepRequestSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=[(a, a) for a in Grievance.ACTIONS])
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=TEXT_MAX)
    referred_to = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class AssignSerializer(serializers.Serializer):
    to = serializers.CharField(max_length=150, help_text="The username of the new owner.")


class DisputeOpenSerializer(serializers.Serializer):
    plot = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    category = serializers.ChoiceField(
        choices=[(c, label) for c, label in Grievance.Category.choices if c in ("land_dispute", "usurpation")],
        default="land_dispute",
        help_text="land_dispute: a competing claim; usurpation: the holder's complaint that someone took the plot.",
    )
    description = serializers.CharField(max_length=TEXT_MAX, trim_whitespace=True)
    channel = serializers.ChoiceField(choices=_choices(Grievance.Channel), default="office")
    household = serializers.CharField(required=False, max_length=30, help_text="The claimant household's code.")
    claimed_outline = OutlineField(required=False, allow_null=True, default=None)
    language = serializers.ChoiceField(choices=_choices(Grievance.Language), default="en")


class DecisionSerializer(serializers.Serializer):
    decision = serializers.CharField(max_length=20)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=TEXT_MAX)


class DisputeDecisionSerializer(DecisionSerializer):
    decision = serializers.ChoiceField(choices=_choices(LandDispute.Decision))


class AppealDecisionSerializer(DecisionSerializer):
    decision = serializers.ChoiceField(choices=_choices(Appeal.Decision))


class AppealLodgeSerializer(serializers.Serializer):
    allocation = serializers.IntegerField(
        min_value=1, max_value=2**31 - 1, help_text="The allocation refused or revoked."
    )
    description = serializers.CharField(max_length=TEXT_MAX, trim_whitespace=True)
    channel = serializers.ChoiceField(choices=_choices(Grievance.Channel), default="office")
    language = serializers.ChoiceField(choices=_choices(Grievance.Language), default="en")


# --- records named in a request, looked up in the caller's scope ---------------------------------------------------


def _in_scope(queryset, pk, field: str, what: str):
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise ValidationError({field: _("No %(what)s with this number is in your scope.") % {"what": what}})
    return found


# What each field names, for the sentence of a refusal.
_WHAT = {
    "plot": gettext_lazy("plot"),
    "allocation": gettext_lazy("allocation"),
    "shelter_project": gettext_lazy("shelter project"),
    "opportunity": gettext_lazy("livelihood opportunity"),
}


def linked_records(user, data: dict) -> dict:
    """The plot, household, allocation, shelter project and opportunity a request names, each in the caller's
    scope (grievances.selectors.linkable_records; a 400 that names the field otherwise, the same whether it
    exists elsewhere or not)."""
    linkable = selectors.linkable_records(user)
    links = {}
    if data.get("household"):
        code = data["household"].strip()
        links["household"] = selectors.household_by_code(user, code)
        if links["household"] is None:
            raise ValidationError(
                {
                    "household": _("No household with the code %(code)s is in your scope; check the code.")
                    % {"code": code}
                }
            )
    for field, what in _WHAT.items():
        if data.get(field):
            links[field] = _in_scope(linkable[field], data[field], field, what)
    return links


def the_grievance(user, reference: str) -> Grievance:
    try:
        return selectors.grievance_for(user, reference)
    except (Grievance.DoesNotExist, ValueError):
        raise Http404(_("No grievance with this reference in your scope.")) from None


def _answer(user, grievance: Grievance, status: int = 200) -> Response:
    return Response(
        grievance_json(user, selectors.grievance_for(user, grievance.reference), detail=True), status=status
    )


# --- the endpoints ------------------------------------------------------------------------------------------------


class GrievanceListView(APIView):
    """Grievances in your provinces, newest first (?overdue=true: the overdue ones, most overdue first). POST
    records a new one (its reference comes back)."""

    @extend_schema(parameters=[GrievanceFilterSerializer], responses={200: dict}, operation_id="grievances_list")
    def get(self, request):
        given = {name: value for name, value in request.query_params.items() if value != ""}
        filters = GrievanceFilterSerializer(
            data={k: v for k, v in given.items() if k in ("status", "category", "overdue")}
        )
        filters.is_valid(raise_exception=True)
        queryset = selectors.grievances_for(request.user, **filters.validated_data).select_related("plot", "household")
        pages = LimitOffsetPagination()
        page = pages.paginate_queryset(queryset, request, view=self)
        if page:  # the rows name complainants' households: a list of personal data, logged
            log_personal_data_access(
                user=request.user,
                action="list",
                what="grievances.Grievance",
                ids=[g.pk for g in page],
                where=request.path,
            )
        return pages.get_paginated_response([grievance_json(request.user, g) for g in page])

    @extend_schema(request=GrievanceCreateSerializer, responses={201: dict}, operation_id="grievances_create")
    def post(self, request):
        data = GrievanceCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        links = linked_records(request.user, values)
        for name in ("plot", "household", "allocation", "shelter_project", "opportunity"):
            values.pop(name, None)
        province_code = values.pop("province", None)
        if province_code:
            province = AdminArea.objects.filter(level="province", pcode__iexact=province_code.strip()).first()
            if province is None:
                raise ValidationError({"province": _("No province has the code %(code)s.") % {"code": province_code}})
            values["province"] = province
        if values.get("priority") is None:
            values.pop("priority", None)
        grievance = services.grievance_receive(by=request.user, **values, **links)
        return _answer(request.user, grievance, status=201)


class GrievanceDetailView(APIView):
    """One grievance by its reference: the record, the steps with who and when, what you may do next."""

    @extend_schema(responses={200: dict}, operation_id="grievances_retrieve")
    def get(self, request, reference: str):
        return Response(grievance_json(request.user, the_grievance(request.user, reference), detail=True))


class GrievanceTransitionView(APIView):
    """Move a grievance one step: acknowledge, review, refer (say to whom), resolve, close, close_loop."""

    @extend_schema(request=GrievanceStepRequestSerializer, responses={200: dict}, operation_id="grievances_transition")
    def post(self, request, reference: str):
        grievance = the_grievance(request.user, reference)
        data = GrievanceStepRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        grievance = services.grievance_transition(grievance=grievance, by=request.user, **data.validated_data)
        return _answer(request.user, grievance)


class GrievanceAssignView(APIView):
    """Give a grievance an owner (by username)."""

    @extend_schema(request=AssignSerializer, responses={200: dict})
    def post(self, request, reference: str):
        grievance = the_grievance(request.user, reference)
        data = AssignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        to = get_user_model().objects.filter(username=data.validated_data["to"], is_active=True).first()
        if to is None:
            raise ValidationError({"to": _("No active user has this username.")})
        grievance = services.grievance_assign(grievance=grievance, to=to, by=request.user)
        return _answer(request.user, grievance)


class DisputeOpenView(APIView):
    """Open a land dispute over a plot: a grievance is recorded and the plot shows as disputed until it is resolved.
    The outline claimed may be drawn (a GeoJSON Polygon); its overlap with the plot is measured by the database."""

    @extend_schema(request=DisputeOpenSerializer, responses={201: dict})
    def post(self, request):
        data = DisputeOpenSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        links = linked_records(request.user, {k: values.pop(k, None) for k in ("plot", "household")})
        grievance = services.dispute_open(by=request.user, **values, **links)
        return _answer(request.user, grievance, status=201)


class DisputeResolveView(APIView):
    """Resolve a land dispute: upheld, rejected or settled; the plot returns to the status it should have."""

    @extend_schema(request=DisputeDecisionSerializer, responses={200: dict})
    def post(self, request, reference: str):
        grievance = the_grievance(request.user, reference)
        data = DisputeDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        grievance = services.dispute_resolve(grievance=grievance, by=request.user, **data.validated_data)
        return _answer(request.user, grievance)


class AppealLodgeView(APIView):
    """Lodge an appeal against a refusal or a revocation: a grievance of category appeal, decided by a committee
    other than the one that decided, and checked by a second member."""

    @extend_schema(request=AppealLodgeSerializer, responses={201: dict})
    def post(self, request):
        data = AppealLodgeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        links = linked_records(request.user, {"allocation": values.pop("allocation")})
        grievance = services.appeal_lodge(by=request.user, **values, **links)
        return _answer(request.user, grievance, status=201)


class AppealDecideView(APIView):
    """Decide an appeal: upheld or dismissed (the maker)."""

    @extend_schema(request=AppealDecisionSerializer, responses={200: dict})
    def post(self, request, reference: str):
        grievance = the_grievance(request.user, reference)
        data = AppealDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.appeal_decide(grievance=grievance, by=request.user, **data.validated_data)
        return _answer(request.user, grievance)


class AppealCheckView(APIView):
    """Check an appeal's decision (the checker: another member than the one who decided)."""

    @extend_schema(request=None, responses={200: dict})
    def post(self, request, reference: str):
        grievance = the_grievance(request.user, reference)
        services.appeal_check(grievance=grievance, by=request.user)
        return _answer(request.user, grievance)


REFERENCE = "<str:reference>"
urlpatterns = [
    path("grievances/", GrievanceListView.as_view(), name="grievance-api-list"),
    path(f"grievances/{REFERENCE}/", GrievanceDetailView.as_view(), name="grievance-api-detail"),
    path(f"grievances/{REFERENCE}/transition/", GrievanceTransitionView.as_view(), name="grievance-api-transition"),
    path(f"grievances/{REFERENCE}/assign/", GrievanceAssignView.as_view(), name="grievance-api-assign"),
    path("disputes/", DisputeOpenView.as_view(), name="dispute-api-open"),
    path(f"disputes/{REFERENCE}/resolve/", DisputeResolveView.as_view(), name="dispute-api-resolve"),
    path("appeals/", AppealLodgeView.as_view(), name="appeal-api-lodge"),
    path(f"appeals/{REFERENCE}/decide/", AppealDecideView.as_view(), name="appeal-api-decide"),
    path(f"appeals/{REFERENCE}/check/", AppealCheckView.as_view(), name="appeal-api-check"),
]
