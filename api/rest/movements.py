"""Returns and displacement over REST (docs/movements.md): crossing points (an administrator corrects a position),
arrivals at the border (a family registered at once, sent again with its client_uuid and recorded once), the
decisions on arrivals whose ID number is registered to another household, the border teams' flow counts (a day's
grid, a file with a dry run), IDP sites and their estimates, a household's location history and journey, the weekly
and monthly figures, and the KoboToolbox / ODK border registration form and the import of its exports.

Thin: reads go through movements.selectors (role and province, personal data only for the roles that work with it,
every view logged), writes through movements.services, movements.flows and movements.kobo (which refuse with a
sentence; api/errors.py turns a refusal into a 400, 403 or 404). A record named by the request that does not exist,
or lies outside the caller's provinces, is a 400 on a field ("no such … in your provinces") or a 404 in the path."""

import datetime
import json
from decimal import Decimal

from django.contrib.gis.geos import GEOSException, GEOSGeometry
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from api.pagination import LimitOffsetPagination
from households.models import Household
from households.selectors import households_visible_to
from landreg import kobo_exports
from landreg.access_log import log_personal_data_access
from landreg.calendar import parse_date
from movements import flows, kobo, selectors, services, xlsform
from movements.figures import ARRIVAL_KEYS, FLOW_KEYS, PERIODS, arrival_figures, flow_figures
from movements.models import (
    AgeBand,
    Arrival,
    ArrivalCategory,
    ArrivalMember,
    ArrivalReview,
    Assistance,
    Direction,
    DocumentHeld,
    FlowCount,
    HouseholdLocation,
    IdpSite,
    Sex,
    SitePopulationEstimate,
    Travelling,
    Vulnerability,
)
from parcels.models import AdminArea, CrossingPoint

# An IDP site's outline is drawn or imported from an assessment: a few thousand corners at most.
MAX_SITE_POINTS = 5000
MAX_MEMBERS = 60  # more than any family that crosses together; a longer list is a mistake in the sending program
MAX_GRID_ROWS = 200  # a day at one point: 2 directions × 4 categories × 2 ways of travelling, with room to spare


def _invalid(field: str, message: str, code: str = "invalid") -> ValidationError:
    return ValidationError({field: [ValidationError(message, code=code)]})


def _province(pcode, field: str) -> AdminArea:
    province = AdminArea.objects.filter(level=AdminArea.Level.PROVINCE, pcode=pcode).first() if pcode else None
    if province is None:
        raise _invalid(
            field,
            _("“%(v)s” is not a province of Afghanistan; give its pcode (AF01 … AF34).") % {"v": pcode},
            "not_a_province",
        )
    return province


def _district(pcode, field: str) -> AdminArea | None:
    if not pcode:
        return None
    district = AdminArea.objects.filter(level=AdminArea.Level.DISTRICT, pcode=pcode).first()
    if district is None:
        raise _invalid(
            field,
            _("“%(v)s” is not one of Afghanistan's districts; give a district's pcode, or none.") % {"v": pcode},
            "arrival_destination_in_afghanistan",
        )
    return district


def _crossing_point(code, field: str = "crossing_point") -> CrossingPoint:
    point = selectors.crossing_points().filter(code=code).first() if code else None
    if point is None:
        raise _invalid(
            field,
            _("“%(v)s” is not a crossing point; give its code (torkham, islam_qala…).") % {"v": code},
            "unknown_crossing_point",
        )
    return point


def _household(user, pk, field: str = "household") -> Household:
    household = households_visible_to(user).filter(pk=pk).select_related("province").first() if pk else None
    if household is None:
        raise _invalid(field, _("There is no household %(id)s in your provinces.") % {"id": pk}, "unknown_household")
    return household


def _site(user, code, field: str = "site") -> IdpSite | None:
    if not code:
        return None
    site = selectors.idp_sites_visible_to(user).filter(code=code).first()
    if site is None:
        raise _invalid(field, _("There is no IDP site “%(c)s” in your provinces.") % {"c": code}, "unknown_site")
    return site


def _day_param(request, name: str) -> datetime.date | None:
    raw = request.query_params.get(name, "").strip()
    if not raw:
        return None
    try:
        day = parse_date(raw)
    except (ValueError, OverflowError):
        day = None
    if day is None:
        raise _invalid(name, _("%(n)s must be a date: 2025-08-02 or 1404/05/11.") % {"n": name}, "date_invalid")
    return day


def inline_choice(choices, **kwargs) -> serializers.ChoiceField:
    """A choice field described in the schema by a pattern of its values, not an enum component: an enum named
    `kind` or `method` would collide with another app's (drf-spectacular names enums by field name)."""
    values = [value for value, _label in choices]
    field_class = extend_schema_field({"type": "string", "pattern": "^(" + "|".join(values) + ")$"})(
        type("InlineChoiceField", (serializers.ChoiceField,), {})
    )
    return field_class(choices=choices, **kwargs)


def _paged(view, request, queryset, body, *, log=None):
    paginator = LimitOffsetPagination()
    page = paginator.paginate_queryset(queryset, request, view=view)
    if log is not None:
        log(page)
    return paginator.get_paginated_response([body(item) for item in page])


@extend_schema_field(OpenApiTypes.OBJECT)
class SiteGeometryField(serializers.Field):
    """A GeoJSON Point, Polygon or MultiPolygon in longitude and latitude (EPSG:4326), inside Afghanistan."""

    def to_internal_value(self, data):
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError:
                raise serializers.ValidationError(_("The site's geometry is not GeoJSON.")) from None
        if not isinstance(data, dict) or data.get("type") not in ("Point", "Polygon", "MultiPolygon"):
            raise serializers.ValidationError(_("The site is a GeoJSON Point, Polygon or MultiPolygon."))
        text = json.dumps({"type": data["type"], "coordinates": data.get("coordinates")}, allow_nan=False)
        if text.count(",") > 2 * MAX_SITE_POINTS:
            raise serializers.ValidationError(
                _("The outline has more than %(n)d corners; simplify it.") % {"n": MAX_SITE_POINTS}
            )
        try:
            geom = GEOSGeometry(text)
        except (GEOSException, ValueError, TypeError, RecursionError):
            raise serializers.ValidationError(
                _("The site's coordinates cannot be read: [longitude, latitude] pairs, each ring closed.")
            ) from None
        except Exception:  # GDAL's own errors for shapes it cannot read
            raise serializers.ValidationError(_("The site's geometry cannot be read.")) from None
        if geom.empty or geom.hasz:
            raise serializers.ValidationError(_("The site's geometry needs two coordinates per point."))
        west, south, east, north = services.AFGHANISTAN_EXTENT
        x0, y0, x1, y1 = geom.extent
        if x0 < west or y0 < south or x1 > east or y1 > north:
            raise serializers.ValidationError(_("The site lies outside Afghanistan; check the coordinates."))
        if not geom.valid:
            raise serializers.ValidationError(
                _("The site's outline crosses itself (%(why)s); draw it again.") % {"why": geom.valid_reason}
            )
        geom.srid = 4326
        return geom

    def to_representation(self, value):
        return json.loads(value.geojson) if value else None


# --- what is answered ---------------------------------------------------------------------------------------------


def crossing_point_json(point: CrossingPoint) -> dict:
    return {
        "code": point.code,
        "name_en": point.name_en,
        "name_prs": point.name_prs,
        "name_ps": point.name_ps,
        "province": point.province.pcode,
        "district": point.district.pcode if point.district_id else None,
        "neighbouring_country": point.neighbouring_country,
        "kind": point.kind,
        "main": point.main,
        "official": point.official,
        "lon": point.geom.x,
        "lat": point.geom.y,
        "source": point.source,
        "precision_km": float(point.precision_km),
        "corrected_at": point.corrected_at,
    }


def arrival_json(arrival: Arrival, *, members: bool = False) -> dict:
    out = {
        "id": arrival.pk,
        "client_uuid": str(arrival.client_uuid),
        "crossing_point": arrival.crossing_point.code,
        "crossed_at": arrival.crossed_at,
        "direction": arrival.direction,
        "category": arrival.category,
        "repatriation_form_last4": arrival.repatriation_form_last4,
        "country_of_asylum": arrival.country_of_asylum,
        "years_abroad": arrival.years_abroad,
        "documents_held": arrival.documents_held,
        "travelling": arrival.travelling,
        "vulnerabilities": arrival.vulnerabilities,
        "assistance": arrival.assistance,
        "destination_province": arrival.destination_province.pcode,
        "destination_district": arrival.destination_district.pcode if arrival.destination_district_id else None,
        "household": arrival.household_id,
        "recorded_at": arrival.recorded_at,
    }
    if members:
        out["members"] = [
            {
                "relationship": m.relationship,
                "name": m.name,
                "father_name": m.father_name,
                "name_local": m.name_local,
                "sex": m.sex,
                "age_band": m.age_band,
                "date_of_birth": m.date_of_birth,
                # ID numbers are never kept: their last four digits let an officer confirm a card.
                "tazkira_last4": m.tazkira_last4,
                "por_last4": m.por_last4,
            }
            for m in arrival.members.all()
        ]
    return out


def registration_json(arrival: Arrival, created: bool, members: int | None = None) -> dict:
    """What the sender of a registration learns: the record, its household, and whether it waits for a decision.
    No names (the sender has them); the household the ID number is registered to is never named here. members:
    how many were recorded, when the caller knows (not counted again)."""
    waiting = arrival.household_id is None and arrival.reviews.filter(decision=ArrivalReview.Decision.UNDECIDED)
    household = arrival.household
    body = {
        "id": arrival.pk,
        "client_uuid": str(arrival.client_uuid),
        "created": created,
        "members": arrival.members.count() if members is None else members,
        "household": {"id": household.pk, "code": household.code} if household is not None else None,
        "awaiting_review": bool(waiting),
        "detail": "",
    }
    if waiting:
        body["detail"] = _(
            "An ID number of this family is already registered to another household. Nothing was merged: the "
            "arrival is kept and waits for a land officer to decide whether it is the same family."
        )
    elif not created:
        body["detail"] = _("This arrival was recorded before (the same client_uuid); it was not recorded again.")
    return body


def review_json(review: ArrivalReview) -> dict:
    return {
        "id": review.pk,
        "arrival": review.arrival_id,
        "candidate": {"id": review.candidate_id, "code": review.candidate.code},
        "reason": review.reason,
        "reason_label": str(ArrivalReview.Reason(review.reason).label),
        "decision": review.decision,
        "created_at": review.created_at,
    }


def flow_count_json(count: FlowCount) -> dict:
    return {
        "id": count.pk,
        "crossing_point": count.crossing_point.code,
        "day": count.day,
        **{name: getattr(count, name) for name in (*flows.KEY, "source", "method", *flows.NUMBERS)},
        "updated_at": count.updated_at,
    }


def estimate_json(estimate: SitePopulationEstimate | None) -> dict | None:
    if estimate is None:
        return None
    return {
        "round": estimate.round,
        "assessed_on": estimate.assessed_on,
        "method": estimate.method,
        **{name: getattr(estimate, name) for name in services.ESTIMATE_GROUPS},
        "population": estimate.population,
    }


def site_json(site: IdpSite) -> dict:
    return {
        "code": site.code,
        "name": site.name,
        "name_prs": site.name_prs,
        "name_ps": site.name_ps,
        "kind": site.kind,
        "province": site.province.pcode,
        "district": site.district.pcode if site.district_id else None,
        "geometry": json.loads(site.geom.geojson),
        "opened_on": site.opened_on,
        "closed_on": site.closed_on,
        "notes": site.notes,
        "latest_estimate": estimate_json(selectors.site_estimate_latest(site)),
    }


def location_json(entry: HouseholdLocation) -> dict:
    return {
        "id": entry.pk,
        "household": entry.household_id,
        "status": entry.status,
        "since": entry.since,
        "province": entry.province.pcode,
        "district": entry.district.pcode if entry.district_id else None,
        "site": entry.site.code if entry.site_id else None,
        "crossing_point": entry.crossing_point.code if entry.crossing_point_id else None,
        "arrival": entry.arrival_id,
        "recorded_in": entry.recorded_in.pcode,
        "note": entry.note,
        "recorded_at": entry.recorded_at,
    }


# --- crossing points ------------------------------------------------------------------------------------------------


class CrossingPointCorrectionSerializer(serializers.Serializer):
    lon = serializers.FloatField(min_value=-180, max_value=180)
    lat = serializers.FloatField(min_value=-90, max_value=90)
    source = serializers.CharField(required=False, allow_blank=True, default="", max_length=1000)
    precision_km = serializers.DecimalField(
        required=False, allow_null=True, default=None, max_digits=5, decimal_places=1, min_value=Decimal("0.1")
    )


class CrossingPointsView(APIView):
    """GET: the crossing points (reference data, no personal data), the four main ones first."""

    @extend_schema(operation_id="v1_movements_crossing_points_list", responses=OpenApiTypes.OBJECT)
    def get(self, request):
        return Response([crossing_point_json(p) for p in selectors.crossing_points(request.user)])


class CrossingPointView(APIView):
    """GET: one crossing point. PATCH (an administrator): correct its position, with its source and precision."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request, code):
        return Response(crossing_point_json(selectors.crossing_points(request.user).get(code=code)))

    @extend_schema(request=CrossingPointCorrectionSerializer, responses=OpenApiTypes.OBJECT)
    def patch(self, request, code):
        point = selectors.crossing_points(request.user).get(code=code)
        data = CrossingPointCorrectionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        point = services.crossing_point_correct(point=point, by=request.user, **data.validated_data)
        return Response(crossing_point_json(point))


# --- arrivals -------------------------------------------------------------------------------------------------------


class ArrivalMemberSerializer(serializers.Serializer):
    relationship = serializers.ChoiceField(choices=ArrivalMember.Relationship.choices, required=False)
    name = serializers.CharField(required=False, allow_blank=True, default="", max_length=150)
    father_name = serializers.CharField(required=False, allow_blank=True, default="", max_length=150)
    name_local = serializers.CharField(required=False, allow_blank=True, default="", max_length=150)
    sex = serializers.ChoiceField(choices=Sex.choices)
    age_band = serializers.ChoiceField(choices=AgeBand.choices)
    date_of_birth = serializers.DateField(required=False, allow_null=True, default=None)
    tazkira = serializers.CharField(required=False, allow_blank=True, default="", max_length=40, write_only=True)
    por = serializers.CharField(required=False, allow_blank=True, default="", max_length=40, write_only=True)


class ArrivalRegisterSerializer(serializers.Serializer):
    client_uuid = serializers.UUIDField(required=False, allow_null=True, default=None)
    crossing_point = serializers.CharField(max_length=40)
    crossed_at = serializers.DateTimeField()
    direction = serializers.ChoiceField(choices=Direction.choices, default=Direction.IN)
    category = serializers.ChoiceField(choices=ArrivalCategory.choices)
    country_of_asylum = serializers.CharField(max_length=8)
    years_abroad = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=0, max_value=100)
    documents_held = serializers.ListField(
        child=serializers.ChoiceField(choices=DocumentHeld.choices), required=False, default=list, max_length=7
    )
    travelling = serializers.ChoiceField(choices=Travelling.choices)
    vulnerabilities = serializers.ListField(
        child=serializers.ChoiceField(choices=Vulnerability.choices), required=False, default=list, max_length=10
    )
    assistance = serializers.ListField(
        child=serializers.ChoiceField(choices=Assistance.choices), required=False, default=list, max_length=8
    )
    destination_province = serializers.CharField(max_length=20)
    destination_district = serializers.CharField(required=False, allow_blank=True, default="", max_length=20)
    repatriation_form = serializers.CharField(required=False, allow_blank=True, default="", max_length=40)
    members = ArrivalMemberSerializer(many=True, allow_empty=True, max_length=MAX_MEMBERS)
    household = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1, max_value=2**31 - 1
    )
    link = serializers.BooleanField(required=False, default=True)


@extend_schema(
    parameters=[
        OpenApiParameter("crossing_point", str, description="a crossing point's code"),
        OpenApiParameter("since", str, description="crossed on or after this day (2025-08-02 or 1404/05/11)"),
        OpenApiParameter("until", str, description="crossed on or before this day"),
        OpenApiParameter("household", int, description="a household's id"),
    ]
)
class ArrivalsView(APIView):
    """GET: the arrivals the caller may read (personal data: every record listed is logged). POST: record an
    arrival and link it to a household (registered at the border, or the one named); sent again with the same
    client_uuid, the record made the first time is answered (200) and nothing is recorded twice."""

    @extend_schema(operation_id="v1_movements_arrivals_list", responses=OpenApiTypes.OBJECT)
    def get(self, request):
        arrivals = selectors.arrivals_list(request.user).select_related("household")
        code = request.query_params.get("crossing_point", "").strip()
        if code:
            arrivals = arrivals.filter(crossing_point__code=code)
        since, until = _day_param(request, "since"), _day_param(request, "until")
        if since:
            arrivals = arrivals.filter(crossed_at__date__gte=since)
        if until:
            arrivals = arrivals.filter(crossed_at__date__lte=until)
        household = request.query_params.get("household", "").strip()
        if household:
            if not household.isdigit() or len(household) > 12:
                raise _invalid("household", _("household must be a household's id (a whole number)."), "id_invalid")
            arrivals = arrivals.filter(household_id=int(household))

        def log(page):
            selectors.log_arrivals_listed(request.user, page, where="api")

        return _paged(self, request, arrivals.order_by("-crossed_at", "-id"), arrival_json, log=log)

    @extend_schema(request=ArrivalRegisterSerializer, responses={201: OpenApiTypes.OBJECT, 200: OpenApiTypes.OBJECT})
    def post(self, request):
        data = ArrivalRegisterSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        user = request.user
        values["crossing_point"] = _crossing_point(values["crossing_point"])
        values["destination_province"] = _province(values["destination_province"], "destination_province")
        values["destination_district"] = _district(values["destination_district"], "destination_district")
        values["household"] = _household(user, values["household"]) if values["household"] else None
        values["members"] = [{k: v for k, v in m.items() if v not in ("", None)} for m in values["members"]]
        arrival = services.arrival_register(by=user, where="api", **values)
        created = arrival.recorded_now
        return Response(
            registration_json(arrival, created, len(values["members"]) if created else None),
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class ArrivalView(APIView):
    """GET: one arrival with its members (personal data; the view is logged)."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request, pk):
        arrival = selectors.arrival_get(request.user, pk=pk, where="api")
        return Response(arrival_json(arrival, members=True))


class ReviewDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(
        choices=[(ArrivalReview.Decision.ATTACHED, "attached"), (ArrivalReview.Decision.NEW_HOUSEHOLD, "new")]
    )


class ArrivalReviewsView(APIView):
    """GET: the arrivals waiting for a decision on an ID number registered to another household, where both are
    the caller's; `outside_scope` says how many more wait on a household of another province (not named)."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        reviews = selectors.arrival_reviews_open(request.user).select_related("candidate").order_by("-created_at")

        def log(page):
            selectors.log_arrivals_listed(request.user, [r.arrival for r in page], where="api reviews")

        response = _paged(self, request, reviews, review_json, log=log)
        response.data["outside_scope"] = selectors.arrival_reviews_outside_scope(request.user)
        return response


class ArrivalReviewDecideView(APIView):
    """POST (a land officer): decide "attached" (the same people) or "new_household" (other people)."""

    @extend_schema(request=ReviewDecisionSerializer, responses=OpenApiTypes.OBJECT)
    def post(self, request, pk):
        review = ArrivalReview.objects.filter(pk=pk, arrival__in=selectors.arrivals_visible_to(request.user)).first()
        if review is None:
            raise ArrivalReview.DoesNotExist
        data = ReviewDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        review = services.arrival_review_decide(
            review=review, decision=data.validated_data["decision"], by=request.user
        )
        review.arrival.refresh_from_db()
        return Response({**review_json(review), "household": review.arrival.household_id})


# --- flow counts ----------------------------------------------------------------------------------------------------


class FlowDaySerializer(serializers.Serializer):
    crossing_point = serializers.CharField(max_length=40)
    day = serializers.DateField()
    source = serializers.ChoiceField(choices=FlowCount.Source.choices)
    rows = serializers.ListField(child=serializers.DictField(), allow_empty=True, max_length=MAX_GRID_ROWS)


class FlowImportSerializer(serializers.Serializer):
    file = serializers.FileField()
    dry_run = serializers.BooleanField(required=False, default=True)


@extend_schema(
    parameters=[
        OpenApiParameter("crossing_point", str, description="a crossing point's code"),
        OpenApiParameter("source", str, enum=FlowCount.Source.values),
        OpenApiParameter("since", str, description="from this day (2025-08-02 or 1404/05/11)"),
        OpenApiParameter("until", str, description="to this day"),
    ]
)
class FlowCountsView(APIView):
    """GET: the flow counts at the crossing points of the caller's provinces (no personal data)."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        counts = selectors.flow_counts_visible_to(request.user)
        code = request.query_params.get("crossing_point", "").strip()
        if code:
            counts = counts.filter(crossing_point__code=code)
        source = request.query_params.get("source", "").strip()
        if source:
            if source not in FlowCount.Source.values:
                raise _invalid("source", _("source is one of %(s)s.") % {"s": ", ".join(FlowCount.Source.values)})
            counts = counts.filter(source=source)
        since, until = _day_param(request, "since"), _day_param(request, "until")
        if since:
            counts = counts.filter(day__gte=since)
        if until:
            counts = counts.filter(day__lte=until)
        return _paged(self, request, counts.order_by("-day", "crossing_point__code", "id"), flow_count_json)


class FlowDayView(APIView):
    """PUT: a day's counts at one point from one source (the page's grid), replacing what that source gave for that
    day and point before (never added to it); a count no longer given is removed, and the history keeps it."""

    @extend_schema(request=FlowDaySerializer, responses=OpenApiTypes.OBJECT)
    def put(self, request):
        data = FlowDaySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        point = _crossing_point(values["crossing_point"])
        removed = flows.flow_counts_replace(
            crossing_point=point, day=values["day"], source=values["source"], rows=values["rows"], by=request.user
        )
        counts = FlowCount.objects.filter(crossing_point=point, day=values["day"], source=values["source"])
        return Response(
            {"counts": [flow_count_json(c) for c in counts.select_related("crossing_point")], "removed": removed}
        )


class FlowImportView(APIView):
    """POST (multipart): file = CSV or XLSX of flow counts; dry_run (default true) checks it and says row by row what
    would be new, replaced, unchanged or removed. All or nothing: a file with an invalid row is a 400 with each
    row's sentences, and nothing is written."""

    @extend_schema(request={"multipart/form-data": FlowImportSerializer}, responses=OpenApiTypes.OBJECT)
    def post(self, request):
        data = FlowImportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        try:
            report = flows.flow_counts_import(
                name=upload.name or "",
                content=upload.read(),
                by=request.user,
                dry_run=data.validated_data["dry_run"],
            )
        except flows.FlowFileError as error:
            raise _invalid("file", str(error), "flow_file") from None
        body = {
            "committed": report.committed,
            "counts": report.counts,
            "rows": [
                {"row": r.row, "outcome": r.outcome, "outcome_label": r.outcome_label, "messages": r.messages}
                for r in report.rows
            ],
            "removed": report.removed,
        }
        if report.counts["invalid"]:
            body["detail"] = _(
                "%(n)d row(s) of the file are invalid; nothing was written. Fix them and send the file again."
            ) % {"n": report.counts["invalid"]}
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        return Response(body)


# --- IDP sites ------------------------------------------------------------------------------------------------------


class SiteSerializer(serializers.Serializer):
    code = serializers.SlugField(max_length=40)
    name = serializers.CharField(max_length=150)
    name_prs = serializers.CharField(required=False, allow_blank=True, max_length=150)
    name_ps = serializers.CharField(required=False, allow_blank=True, max_length=150)
    kind = inline_choice(IdpSite.Kind.choices)
    province = serializers.CharField(max_length=20)
    district = serializers.CharField(required=False, allow_blank=True, max_length=20)
    geometry = SiteGeometryField()
    opened_on = serializers.DateField(required=False, allow_null=True)
    closed_on = serializers.DateField(required=False, allow_null=True)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class SiteUpdateSerializer(SiteSerializer):
    """The facts of a site an officer corrects (its code and province stay)."""

    def get_fields(self):
        fields = super().get_fields()
        for name in ("code", "province"):
            fields.pop(name)
        for field in fields.values():
            field.required = False
        return fields


class EstimateSerializer(serializers.Serializer):
    round = serializers.CharField(max_length=30)
    assessed_on = serializers.DateField()
    method = inline_choice(SitePopulationEstimate.Method.choices)
    arrival_idps = serializers.IntegerField(required=False, default=0, min_value=0, max_value=10_000_000)
    returned_idps = serializers.IntegerField(required=False, default=0, min_value=0, max_value=10_000_000)
    returnees_from_abroad = serializers.IntegerField(required=False, default=0, min_value=0, max_value=10_000_000)
    out_migrants = serializers.IntegerField(required=False, default=0, min_value=0, max_value=10_000_000)


def _site_fields(user, values: dict) -> dict:
    fields = {k: v for k, v in values.items() if k not in ("code", "province", "geometry", "district")}
    if "geometry" in values:
        fields["geom"] = values["geometry"]
    if "district" in values:
        fields["district"] = _district(values["district"], "district")
    return fields


class SitesView(APIView):
    """GET: the IDP sites of the caller's provinces, each with its latest estimate. POST (a land officer or GIS
    specialist of the province): a site, as a GeoJSON point or outline inside its province."""

    @extend_schema(operation_id="v1_movements_idp_sites_list", responses=OpenApiTypes.OBJECT)
    def get(self, request):
        sites = selectors.idp_sites_visible_to(request.user).order_by("province__pcode", "name")
        return _paged(self, request, sites, site_json)

    @extend_schema(request=SiteSerializer, responses={201: OpenApiTypes.OBJECT})
    def post(self, request):
        data = SiteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if IdpSite.objects.filter(code=values["code"]).exists():
            raise _invalid("code", _("A site with code %(c)s exists already; choose another.") % {"c": values["code"]})
        site = services.idp_site_create(
            code=values["code"],
            province=_province(values["province"], "province"),
            by=request.user,
            **_site_fields(request.user, values),
        )
        return Response(site_json(site), status=status.HTTP_201_CREATED)


class SiteView(APIView):
    """GET: one IDP site. PATCH: correct its facts or outline."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request, code):
        return Response(site_json(selectors.idp_sites_visible_to(request.user).get(code=code)))

    @extend_schema(request=SiteUpdateSerializer, responses=OpenApiTypes.OBJECT)
    def patch(self, request, code):
        site = selectors.idp_sites_visible_to(request.user).get(code=code)
        data = SiteUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        site = services.idp_site_update(site=site, by=request.user, **_site_fields(request.user, data.validated_data))
        return Response(site_json(site))


class SiteEstimatesView(APIView):
    """GET: a site's estimates, newest first. POST: an assessment round's estimate (a round sent again corrects it)."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request, code):
        site = selectors.idp_sites_visible_to(request.user).get(code=code)
        return Response([estimate_json(e) for e in site.estimates.order_by("-assessed_on", "-id")])

    @extend_schema(request=EstimateSerializer, responses={201: OpenApiTypes.OBJECT})
    def post(self, request, code):
        site = selectors.idp_sites_visible_to(request.user).get(code=code)
        data = EstimateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        estimate = services.site_estimate_record(site=site, by=request.user, **data.validated_data)
        return Response(estimate_json(estimate), status=status.HTTP_201_CREATED)


# --- a household's location, move and journey ------------------------------------------------------------------------


class LocationSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[c for c in HouseholdLocation.Status.choices if c[0] != HouseholdLocation.Status.MOVED_TO_PROVINCE]
    )
    since = serializers.DateField()
    district = serializers.CharField(required=False, allow_blank=True, default="", max_length=20)
    site = serializers.CharField(required=False, allow_blank=True, default="", max_length=40)
    crossing_point = serializers.CharField(required=False, allow_blank=True, default="", max_length=40)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class MoveSerializer(serializers.Serializer):
    to_province = serializers.CharField(max_length=20)
    since = serializers.DateField()
    district = serializers.CharField(required=False, allow_blank=True, default="", max_length=20)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class HouseholdLocationsView(APIView):
    """GET: a household's location and status history as the caller may read it (personal data; logged): all of it
    for its province's officers, the entries it recorded for a province the household left. POST: append an entry."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request, pk):
        entries = list(
            selectors.household_locations_visible_to(request.user).filter(household_id=pk).order_by("since", "id")
        )
        if not entries and not households_visible_to(request.user).filter(pk=pk).exists():
            raise Household.DoesNotExist
        log_personal_data_access(
            user=request.user, action="view", what="movements.HouseholdLocation", ids=[pk], where="api"
        )
        return Response([location_json(e) for e in entries])

    @extend_schema(request=LocationSerializer, responses={201: OpenApiTypes.OBJECT})
    def post(self, request, pk):
        household = households_visible_to(request.user).get(pk=pk)
        data = LocationSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        entry = services.household_location_record(
            household=household,
            status=values["status"],
            since=values["since"],
            district=_district(values["district"], "district"),
            site=_site(request.user, values["site"]),
            crossing_point=_crossing_point(values["crossing_point"]) if values["crossing_point"] else None,
            note=values["note"],
            by=request.user,
        )
        return Response(location_json(entry), status=status.HTTP_201_CREATED)


class HouseholdMoveView(APIView):
    """POST: the household moved to another province; its officers take it over (the sending province keeps read
    access to the entries it recorded)."""

    @extend_schema(request=MoveSerializer, responses={201: OpenApiTypes.OBJECT})
    def post(self, request, pk):
        household = households_visible_to(request.user).get(pk=pk)
        data = MoveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        entry = services.household_move_province(
            household=household,
            to_province=_province(values["to_province"], "to_province"),
            district=_district(values["district"], "district"),
            since=values["since"],
            note=values["note"],
            by=request.user,
        )
        return Response(location_json(entry), status=status.HTTP_201_CREATED)


class HouseholdJourneyView(APIView):
    """GET: the household's journey from the border: arrivals, location entries, evidence of return, eligibility
    (personal data; only for the roles that work with it, and logged)."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request, pk):
        return Response(selectors.journey_of(request.user, household_id=pk, where="api"))


# --- figures --------------------------------------------------------------------------------------------------------

FIGURE_FILTERS = ("crossing_point", "direction", "category", "travelling", "source")


@extend_schema(
    parameters=[
        OpenApiParameter("period", str, enum=list(PERIODS), description="week (from Saturday) or month"),
        OpenApiParameter("since", str, description="periods starting on or after this day"),
        OpenApiParameter("until", str, description="periods starting on or before this day"),
        OpenApiParameter("by", str, description="comma-separated keys to group by (period_start, crossing_point…)"),
        OpenApiParameter("crossing_point", str, description="a crossing point's code"),
        OpenApiParameter("direction", str, enum=Direction.values),
        OpenApiParameter("category", str, enum=ArrivalCategory.values),
        OpenApiParameter("travelling", str, enum=Travelling.values, description="flow counts only"),
        OpenApiParameter("source", str, enum=FlowCount.Source.values, description="flow counts only"),
    ]
)
class FiguresView(APIView):
    """GET: weekly or monthly figures in people, grouped by the keys asked for (crossing points by code, provinces
    and districts by pcode). Small cells are "<5" for roles that do not work with personal data."""

    which = "arrivals"

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        keys = ARRIVAL_KEYS if self.which == "arrivals" else FLOW_KEYS
        names = [k.removesuffix("_id") for k in keys]
        period = request.query_params.get("period", "week").strip()
        if period not in PERIODS:
            raise _invalid("period", _("period is week or month."), "period")
        by = [b.strip() for b in request.query_params.get("by", "period_start,crossing_point").split(",") if b.strip()]
        unknown = [b for b in by if b not in names]
        if unknown or len(by) > len(names):
            raise _invalid(
                "by", _("by is a comma-separated list of %(keys)s.") % {"keys": ", ".join(names)}, "figure_keys"
            )
        by = list(dict.fromkeys(by))
        where = {}
        for name in FIGURE_FILTERS:
            value = request.query_params.get(name, "").strip()
            if not value:
                continue
            if name == "crossing_point":
                where["crossing_point_id"] = _crossing_point(value).pk
            elif name not in names:
                raise _invalid(name, _("%(n)s filters the flow counts only.") % {"n": name}, "figure_filter")
            else:
                choices = {
                    "direction": Direction,
                    "category": ArrivalCategory,
                    "travelling": Travelling,
                    "source": FlowCount.Source,
                }[name]
                if value not in choices.values:
                    raise _invalid(name, _("%(n)s is one of %(c)s.") % {"n": name, "c": ", ".join(choices.values)})
                where[name] = value
        read = arrival_figures if self.which == "arrivals" else flow_figures
        rows = read(
            request.user,
            period=period,
            since=_day_param(request, "since"),
            until=_day_param(request, "until"),
            by=tuple(keys[names.index(b)] for b in by),
            where=where,
        )
        return Response({"period": period, "figures": _named_figures(rows)})


def _named_figures(rows: list[dict]) -> list[dict]:
    """Ids of crossing points and areas as their codes and pcodes."""
    points = dict(CrossingPoint.objects.values_list("pk", "code"))
    area_columns = {"province_id", "destination_province_id", "destination_district_id"}
    wanted = {row[c] for row in rows for c in area_columns if row.get(c)}
    areas = dict(AdminArea.objects.filter(pk__in=wanted).values_list("pk", "pcode")) if wanted else {}
    out = []
    for row in rows:
        named = {}
        for column, value in row.items():
            if column == "crossing_point_id":
                named["crossing_point"] = points.get(value)
            elif column in area_columns:
                named[column.removesuffix("_id")] = areas.get(value) if value else None
            elif isinstance(value, datetime.date):
                named[column] = value.isoformat()
            else:
                named[column] = value
        out.append(named)
    return out


class FlowFiguresView(FiguresView):
    which = "flows"


# --- KoboToolbox / ODK -----------------------------------------------------------------------------------------------


class KoboImportSerializer(serializers.Serializer):
    file = serializers.FileField()


class BorderKoboImportView(APIView):
    """POST (multipart): file = the Kobo / ODK Central export (JSON, CSV, or ODK Central's zip of CSVs) of the border
    registration form. Each submission is recorded once, however often imported (its instanceID is the arrival's
    client_uuid); each row's outcome is reported."""

    @extend_schema(request={"multipart/form-data": KoboImportSerializer}, responses=OpenApiTypes.OBJECT)
    def post(self, request):
        kobo.require_importer(request.user)
        data = KoboImportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        if upload.size > kobo_exports.max_export_bytes():
            raise _invalid(
                "file",
                _("The export is larger than %(limit).0f MB; export fewer submissions at a time.")
                % {"limit": kobo_exports.max_export_bytes() / 1e6},
                "file_too_large",
            )
        report = kobo.border_submissions_import(data=upload.read(), filename=upload.name or "", by=request.user)
        return Response(report)


def border_xlsform_download(request):
    """GET: the border registration XLSForm to upload to KoboToolbox or ODK Central."""
    from api.auth import request_user

    user = request_user(request)
    if not user.is_authenticated:
        return HttpResponse(status=401, headers={"WWW-Authenticate": 'Basic realm="landreg"'})
    response = HttpResponse(
        xlsform.xlsform_bytes(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{xlsform.FORM_ID}.xlsx"'
    return response


urlpatterns = [
    path("movements/crossing-points/", CrossingPointsView.as_view(), name="movements-api-crossing-points"),
    path("movements/crossing-points/<slug:code>/", CrossingPointView.as_view(), name="movements-api-crossing-point"),
    path("movements/arrivals/", ArrivalsView.as_view(), name="movements-api-arrivals"),
    path("movements/arrivals/<int:pk>/", ArrivalView.as_view(), name="movements-api-arrival"),
    path("movements/arrival-reviews/", ArrivalReviewsView.as_view(), name="movements-api-reviews"),
    path(
        "movements/arrival-reviews/<int:pk>/decide/",
        ArrivalReviewDecideView.as_view(),
        name="movements-api-review-decide",
    ),
    path("movements/flow-counts/", FlowCountsView.as_view(), name="movements-api-flow-counts"),
    path("movements/flow-counts/day/", FlowDayView.as_view(), name="movements-api-flow-day"),
    path("movements/flow-counts/import/", FlowImportView.as_view(), name="movements-api-flow-import"),
    path("movements/idp-sites/", SitesView.as_view(), name="movements-api-sites"),
    path("movements/idp-sites/<slug:code>/", SiteView.as_view(), name="movements-api-site"),
    path("movements/idp-sites/<slug:code>/estimates/", SiteEstimatesView.as_view(), name="movements-api-estimates"),
    path(
        "movements/households/<int:pk>/locations/",
        HouseholdLocationsView.as_view(),
        name="movements-api-household-locations",
    ),
    path("movements/households/<int:pk>/move/", HouseholdMoveView.as_view(), name="movements-api-household-move"),
    path(
        "movements/households/<int:pk>/journey/", HouseholdJourneyView.as_view(), name="movements-api-household-journey"
    ),
    path("movements/figures/arrivals/", FiguresView.as_view(), name="movements-api-arrival-figures"),
    path("movements/figures/flows/", FlowFiguresView.as_view(), name="movements-api-flow-figures"),
    path("movements/kobo-imports/", BorderKoboImportView.as_view(), name="movements-api-kobo-import"),
    path(
        "movements/forms/border-registration.xlsx",
        border_xlsform_download,
        name="movements-api-border-xlsform",
    ),
]
