"""Field API at /api/v1/field/: what the field pages (and scripts) use, with a session or HTTP Basic.

Submissions are multipart (the photos travel with the visit; a complaint heard in the field is JSON or a form)
and idempotent on the client UUID: 201 when the visit or complaint is new, 200 with the same body when the UUID
was seen before, so a device may retry without fear.
"""

import json
import math
import uuid
from datetime import date

from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from allocations.selectors import allocations_visible_to
from api.rest.livelihoods import _listed  # choices described by their values, as the livelihoods API does
from api.rest.movements import ArrivalMemberSerializer  # one schema of a member, for both ways in
from grievances import services as grievance_services
from grievances.models import Grievance
from households.models import DuplicateFlag, Person
from landreg import kobo_exports, roles
from landreg.access_log import log_personal_data_access
from landreg.roles import has_role
from landreg.scope import province_ids_in_scope
from landreg.sharing import needs_agreement, outside_agreement
from livelihoods import selectors as livelihood_selectors
from livelihoods import services as livelihood_services
from livelihoods import survey
from livelihoods.models import EducationLevel, IscoOccupation, Literacy, SkillsProfile, SurveyRound, SurveyRoundKind
from movements import selectors as movement_selectors
from movements import services as movement_services
from movements.models import (
    Arrival,
    ArrivalCategory,
    ArrivalReview,
    Assistance,
    DocumentHeld,
    Travelling,
    Vulnerability,
)
from parcels.models import AdminArea, CrossingPoint
from shelters import kobo, selectors, services, xlsform
from shelters.models import AllocationReview, Inspection, OccupancyCheck, Tranche
from townships.models import Plot
from townships.selectors import plots_visible_to


class InspectionUploadSerializer(serializers.Serializer):
    """What a phone sends for one inspection (multipart, with the photos)."""

    client_uuid = serializers.UUIDField(help_text="Made on the device; the same UUID again returns the first visit.")
    plot = serializers.IntegerField()
    stage = serializers.CharField(help_text="Stage code of the project's programme, e.g. foundation.")
    inspected_on = serializers.DateField()
    result = serializers.ChoiceField(choices=Inspection.Result.choices)
    lat = serializers.FloatField()
    lon = serializers.FloatField()
    accuracy_m = serializers.FloatField(required=False)
    checklist = serializers.CharField(required=False, help_text='JSON object, e.g. {"footing_depth_ok": true}.')
    remarks = serializers.CharField(required=False)
    photos = serializers.ListField(child=serializers.ImageField(), required=False)


class InspectionAnswerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    client_uuid = serializers.UUIDField()
    created = serializers.BooleanField(help_text="False when the UUID was seen before (nothing new was made).")
    plot = serializers.IntegerField()
    stage = serializers.CharField()
    result = serializers.CharField()
    inspected_on = serializers.DateField()
    distance_m = serializers.FloatField(allow_null=True)
    photos = serializers.ListField(child=serializers.DictField())


class OccupancyUploadSerializer(serializers.Serializer):
    client_uuid = serializers.UUIDField()
    plot = serializers.IntegerField()
    finding = serializers.ChoiceField(choices=OccupancyCheck.Finding.choices)
    checked_on = serializers.DateField()
    lat = serializers.FloatField()
    lon = serializers.FloatField()
    accuracy_m = serializers.FloatField(required=False)
    remarks = serializers.CharField(required=False)
    photos = serializers.ListField(child=serializers.ImageField(), required=False)


class OccupancyAnswerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    client_uuid = serializers.UUIDField()
    created = serializers.BooleanField()
    finding = serializers.CharField()
    review_raised = serializers.BooleanField()


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="KoboToolbox or ODK Central export: JSON, CSV, or ODK Central's zip of CSVs."
    )
    attachments = serializers.FileField(required=False, help_text="Zip of the photo attachments.")
    form = serializers.CharField(help_text="inspection or occupancy (the XLSForm the export comes from).")
    inspector = serializers.CharField(required=False, help_text="Field officer recorded for unknown usernames.")


class GrievanceUploadSerializer(serializers.Serializer):
    """What a phone sends for one grievance recorded in the field (JSON or a form)."""

    client_uuid = serializers.UUIDField(help_text="Made on the device; the same UUID again returns the first record.")
    category = serializers.ChoiceField(choices=Grievance.Category.choices, required=False)
    description = serializers.CharField()
    province = serializers.IntegerField(required=False, help_text="The province's id; not needed with a plot.")
    plot = serializers.IntegerField(required=False, help_text="The plot the complaint is about, if any.")
    dispute = serializers.BooleanField(
        required=False, default=False, help_text="A dispute over the plot's land (recorded as a land dispute)."
    )
    recorded_at = serializers.DateTimeField(required=False, help_text="When the form was filled in, on the phone.")
    anonymous = serializers.BooleanField(required=False, default=False)
    consent_to_share = serializers.BooleanField(required=False, default=False)
    language = serializers.ChoiceField(choices=Grievance.Language.choices, required=False, default="en")


class GrievanceAnswerSerializer(serializers.Serializer):
    client_uuid = serializers.UUIDField()
    created = serializers.BooleanField(help_text="False when the UUID was seen before (nothing new was made).")
    reference = serializers.CharField(help_text="To give the complainant, for the public status page.")
    status = serializers.CharField()
    category = serializers.CharField()
    plot = serializers.IntegerField(allow_null=True)


def _invalid(field: str, message: str, code: str = "invalid") -> ValidationError:
    return ValidationError({field: [ValidationError(message, code=code)]})


def _data(request) -> dict:
    """The request's fields: a JSON object or a form, with no NUL character in any text (PostgreSQL stores none)."""
    data = request.data
    if not isinstance(data, dict):
        raise _invalid(
            "body", _("Send the fields as a JSON object (or a form), not a list or a single value."), "body_invalid"
        )
    values = [v for key in data for v in (data.getlist(key) if hasattr(data, "getlist") else [data[key]])]
    if services.holds_nul(list(data)) or services.holds_nul([v for v in values if not hasattr(v, "read")]):
        raise _invalid("body", _("A field holds a NUL character; remove it and send again."), "nul_character")
    return data


def _id(value, field: str) -> int:
    """A record's id as sent: a whole number, or a sentence saying so."""
    if isinstance(value, bool) or isinstance(value, float):
        value = None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise _invalid(
            field, _("%(field)s must be the record's id (a whole number).") % {"field": field}, "id_invalid"
        ) from None
    if number < 1:
        raise _invalid(field, _("%(field)s must be the record's id (a whole number).") % {"field": field}, "id_invalid")
    return number


def _float(value) -> float:
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(value)
    return number


def _point(data) -> tuple[Point | None, float | None]:
    lat, lon = data.get("lat"), data.get("lon")
    if lat in (None, "") or lon in (None, ""):
        return None, None
    try:
        lat, lon = _float(lat), _float(lon)
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ValueError((lat, lon))
        accuracy = data.get("accuracy_m")
        accuracy = _float(accuracy) if accuracy not in (None, "") else None
        if accuracy is not None and accuracy < 0:
            raise ValueError(accuracy)
        return Point(lon, lat, srid=4326), accuracy
    except (TypeError, ValueError):
        raise _invalid(
            "point",
            _("lat and lon must be decimal degrees (latitude -90 to 90, longitude -180 to 180), accuracy_m metres."),
            "gps_invalid",
        ) from None


def _day(value, field: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise _invalid(field, _("Give the date as YYYY-MM-DD."), "date_invalid") from None


def _plot(user, value) -> Plot:
    try:
        pk = int(value)
    except (TypeError, ValueError):
        raise _invalid("plot", _("Give the plot's id."), "plot_required") from None
    plot = selectors.plot_cards(user, [pk])
    if not plot:
        raise Plot.DoesNotExist
    return Plot.objects.select_related("township").get(pk=pk)


def _checklist(value) -> dict:
    if not value:
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise _invalid("checklist", _("The checklist must be JSON."), "checklist_invalid") from None
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return {item: True for item in value}
    if isinstance(value, dict):
        return value
    raise _invalid(
        "checklist",
        _('The checklist is a JSON object of the items checked, e.g. {"footing_depth_ok": true}.'),
        "checklist_invalid",
    )


def _tranches(value) -> list[tuple[str, object]]:
    """[{stage, amount}, …] as (stage, amount) pairs; the amounts are checked by the service."""
    if value in (None, ""):
        return []
    if not isinstance(value, list) or not all(
        isinstance(t, dict) and isinstance(t.get("stage"), str) and "amount" in t for t in value
    ):
        raise _invalid(
            "tranches",
            _(
                "tranches is a list of objects with a stage and an amount, "
                'e.g. [{"stage": "foundation", "amount": 40000}].'
            ),
            "tranches_invalid",
        )
    return [(t["stage"], t["amount"]) for t in value]


def inspection_body(inspection: Inspection, created: bool) -> dict:
    return {
        "id": inspection.pk,
        "client_uuid": str(inspection.client_uuid),
        "created": created,
        "plot": inspection.project.plot_id,
        "stage": inspection.stage.code,
        "result": inspection.result,
        "inspected_on": inspection.inspected_on.isoformat(),
        "distance_m": inspection.distance_m,
        "photos": [{"id": p.pk, "sha256": p.sha256, "warnings": p.warnings} for p in inspection.photos.all()],
    }


class AssignmentsView(APIView):
    """GET: the officer's plots for today (nearest first with ?lat=&lon=), each with its card."""

    @extend_schema(
        parameters=[
            OpenApiParameter("lat", float, description="Device latitude: nearest plots first."),
            OpenApiParameter("lon", float),
            OpenApiParameter("day", OpenApiTypes.DATE),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        near, _accuracy = _point(request.query_params)
        day = _day(request.query_params["day"], "day") if request.query_params.get("day") else None
        rows = selectors.assignments_today(request.user, day=day, near=near)
        households = [r["plot"]["household"]["code"] for r in rows if r["plot"]["household"]]
        if households:
            from households.models import Household

            log_personal_data_access(
                user=request.user,
                action="list",
                what="households.Household",
                ids=Household.objects.filter(code__in=households).values_list("pk", flat=True),
                where=request.path,
            )
        surveys = survey_rounds_due(request.user, day=day)
        if surveys:  # each names a household and its head: a logged list
            from households.models import Household

            log_personal_data_access(
                user=request.user,
                action="list",
                what="households.Household",
                ids=Household.objects.filter(code__in=[s["household"] for s in surveys]).values_list("pk", flat=True),
                where=request.path,
            )
        # Skills profiles: the members aged 15 or over of the households of these visits and rounds.
        skills = skills_households(
            request.user,
            [r["plot"]["household"]["code"] for r in rows if r["plot"]["household"]]
            + [s["household"] for s in surveys],
            where=request.path,
        )
        return Response(
            {
                "date": (day or timezone.localdate()).isoformat(),
                "officer": request.user.get_username(),
                "tolerance_m": services.inspection_tolerance_m(),
                "assignments": rows,
                # Reintegration survey rounds due (docs/livelihoods.md), with the questions and their scales.
                "surveys": surveys,
                "survey_questions": survey_questions() if surveys else [],
                "skills": skills,
            }
        )

    @extend_schema(
        request=inline_serializer(
            "AssignmentRequest",
            {
                "officer": serializers.CharField(),
                "plot": serializers.IntegerField(),
                "due_on": serializers.DateField(),
                "purpose": serializers.ChoiceField(choices=["inspection", "occupancy"]),
            },
        ),
        responses={201: OpenApiTypes.OBJECT},
    )
    def post(self, request):
        from django.contrib.auth import get_user_model

        data = _data(request)
        officer = get_object_or_404(get_user_model(), username=services.text_value(data.get("officer"), "officer"))
        assignment = services.assignment_create(
            officer=officer,
            plot=_plot(request.user, data.get("plot")),
            due_on=_day(data.get("due_on", ""), "due_on"),
            purpose=services.text_value(data.get("purpose", "inspection"), "purpose"),
            by=request.user,
        )
        return Response({"id": assignment.pk}, status=status.HTTP_201_CREATED)


class PlotCardView(APIView):
    """GET: a plot's card. A partner's only under an agreement sharing the layout of the plot's province; one
    outside it, or no plot at all, gets the same agreement sentence."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request, pk):
        cards = selectors.plot_cards(request.user, [pk])
        if pk not in cards:
            if needs_agreement(request.user):
                raise outside_agreement(request.user, selectors.CARD_DATASET)
            raise Plot.DoesNotExist
        if household := cards[pk]["household"]:  # the card names the head of household: a logged view
            from households.models import Household

            log_personal_data_access(
                user=request.user,
                action="view",
                what="households.Household",
                ids=Household.objects.filter(code=household["code"]).values_list("pk", flat=True),
                where=request.path,
            )
        return Response(cards[pk])


class InspectionsView(APIView):
    """POST (multipart): one inspection with its photos. 201 new, 200 when the client UUID was seen before."""

    @extend_schema(
        request={"multipart/form-data": InspectionUploadSerializer},
        responses={201: InspectionAnswerSerializer, 200: InspectionAnswerSerializer},
    )
    def post(self, request):
        data = _data(request)
        point, accuracy = _point(data)
        inspection, created = services.inspection_submit(
            client_uuid=data.get("client_uuid", ""),
            plot=_plot(request.user, data.get("plot")),
            stage=data.get("stage", ""),
            inspected_on=_day(data.get("inspected_on", ""), "inspected_on"),
            by=request.user,
            result=data.get("result", ""),
            point=point,
            accuracy_m=accuracy,
            checklist=_checklist(data.get("checklist")),
            remarks=data.get("remarks", ""),
            photos=request.FILES.getlist("photos"),
        )
        return Response(
            inspection_body(inspection, created), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class InspectionByUuidView(APIView):
    @extend_schema(responses=InspectionAnswerSerializer)
    def get(self, request, client_uuid):
        inspection = get_object_or_404(
            Inspection.objects.select_related("project__plot__township"), client_uuid=client_uuid
        )
        if inspection.project.plot_id not in selectors.plot_cards(request.user, [inspection.project.plot_id]):
            raise Plot.DoesNotExist
        return Response(inspection_body(inspection, False))


class OccupancyChecksView(APIView):
    @extend_schema(
        request={"multipart/form-data": OccupancyUploadSerializer},
        responses={201: OccupancyAnswerSerializer, 200: OccupancyAnswerSerializer},
    )
    def post(self, request):
        data = _data(request)
        point, accuracy = _point(data)
        check, created = services.occupancy_check_submit(
            client_uuid=data.get("client_uuid", ""),
            plot=_plot(request.user, data.get("plot")),
            finding=data.get("finding", ""),
            checked_on=_day(data.get("checked_on", ""), "checked_on"),
            by=request.user,
            point=point,
            accuracy_m=accuracy,
            remarks=data.get("remarks", ""),
            photos=request.FILES.getlist("photos"),
        )
        body = {
            "id": check.pk,
            "client_uuid": str(check.client_uuid),
            "created": created,
            "finding": check.finding,
            "review_raised": check.finding != OccupancyCheck.Finding.PRESENT,
        }
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class ProjectsView(APIView):
    """POST: start a shelter project on an allocation (land officers)."""

    @extend_schema(
        request=inline_serializer(
            "ShelterProjectRequest",
            {
                "allocation": serializers.IntegerField(),
                "implementing_partner": serializers.CharField(),
                "modality": serializers.ChoiceField(choices=["in_kind", "conditional_cash", "contractor"]),
                "tranches": serializers.ListField(child=serializers.DictField(), required=False),
            },
        ),
        responses={201: OpenApiTypes.OBJECT},
    )
    def post(self, request):
        data = _data(request)
        allocation = get_object_or_404(
            allocations_visible_to(request.user), pk=_id(data.get("allocation"), "allocation")
        )
        project = services.shelter_project_create(
            allocation=allocation,
            implementing_partner=data.get("implementing_partner", ""),
            modality=data.get("modality", ""),
            by=request.user,
            tranches=_tranches(data.get("tranches")),
        )
        return Response({"id": project.pk, "plot": project.plot_id}, status=status.HTTP_201_CREATED)


class TranchePayView(APIView):
    @extend_schema(
        request=inline_serializer(
            "TranchePayRequest",
            {"paid_on": serializers.DateField(required=False), "reference": serializers.CharField(required=False)},
        ),
        responses=OpenApiTypes.OBJECT,
    )
    def post(self, request, pk):
        data = _data(request)
        tranche = get_object_or_404(Tranche.objects.filter(project__plot__in=plots_visible_to(request.user)), pk=pk)
        paid_on = _day(data["paid_on"], "paid_on") if data.get("paid_on") else None
        tranche = services.tranche_pay(
            tranche=tranche, by=request.user, paid_on=paid_on, reference=data.get("reference", "")
        )
        return Response(
            {
                "id": tranche.pk,
                "paid_on": tranche.paid_on.isoformat(),
                "released_by_inspection": tranche.released_by_inspection_id,
            }
        )


class TownshipReportView(APIView):
    """GET: a township's shelter report. A township outside the caller's scope answers as one that does not exist
    (a partner: the agreement sentence for both)."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request, pk):
        township = selectors.report_township(request.user, pk)
        return Response(selectors.township_report(request.user, township))


class ReviewCloseView(APIView):
    """POST {"outcome": "resolved_on_site", "note": "what was found and done"}: close an open allocation review
    (land officers, administrators). A review outside the caller's provinces answers as one that does not exist."""

    @extend_schema(
        request=inline_serializer(
            "ReviewCloseRequest",
            {
                "outcome": serializers.ChoiceField(choices=AllocationReview.Outcome.choices),
                "note": serializers.CharField(),
            },
        ),
        responses=OpenApiTypes.OBJECT,
    )
    def post(self, request, pk):
        data = _data(request)
        review = get_object_or_404(selectors.reviews_visible_to(request.user), pk=pk)
        review = services.allocation_review_close(
            review=review, by=request.user, outcome=data.get("outcome", ""), note=data.get("note", "")
        )
        return Response({"id": review.pk, "closed_at": review.closed_at.isoformat(), "outcome": review.outcome})


class ImportsView(APIView):
    """POST (multipart): file = the Kobo / ODK Central export (JSON or CSV), attachments = a zip of the photos,
    form = inspection | occupancy. Answers the import report."""

    @extend_schema(request={"multipart/form-data": ImportUploadSerializer}, responses=OpenApiTypes.OBJECT)
    def post(self, request):
        kobo.require_importer(request.user)
        data = _data(request)
        upload = request.FILES.get("file")
        if upload is None:
            raise _invalid("file", _("Attach the export: JSON, CSV, or ODK Central's zip."), "file_required")
        if upload.size > kobo_exports.max_export_bytes():
            raise _invalid(
                "file",
                _("The export is larger than %(limit).0f MB; export fewer submissions at a time.")
                % {"limit": kobo_exports.max_export_bytes() / 1e6},
                "file_too_large",
            )
        form = data.get("form", "inspection")
        if form not in xlsform.FORMS:
            raise _invalid("form", _("form is inspection or occupancy."), "form_invalid")
        attachments = request.FILES.get("attachments")
        report = kobo.submissions_import(  # acts for request.user: checks the role, bounds each row by their scope
            form=form,
            data=upload.read(),
            filename=upload.name,
            attachments=kobo.Attachments(attachments) if attachments else None,
            by=request.user,
            inspector=kobo.import_inspector(data["inspector"]) if data.get("inspector") else None,
        )
        return Response(report)


def xlsform_download(request, form):
    """GET /api/v1/field/forms/<form>.xlsx: the XLSForm to upload to KoboToolbox or ODK Central."""
    from api.auth import request_user

    user = request_user(request)
    if not user.is_authenticated:
        return HttpResponse(status=401, headers={"WWW-Authenticate": 'Basic realm="landreg"'})
    if form not in xlsform.FORMS:
        return HttpResponse(status=404)
    response = HttpResponse(
        xlsform.xlsform_bytes(form), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="landreg_{form}.xlsx"'
    return response


def _flag(value, field: str) -> bool:
    if value in (None, ""):
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false", "on", "1", "0"):
        return value.lower() in ("true", "on", "1")
    raise _invalid(field, _("%(field)s must be true or false.") % {"field": field}, "boolean_invalid")


def _client_uuid(value) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        raise _invalid(
            "client_uuid", _("client_uuid must be the UUID the phone made for this form."), "uuid_invalid"
        ) from None


def _grievance_province(user, value) -> AdminArea:
    """The province a complaint not about a plot is recorded in: one of the officer's provinces."""
    province = AdminArea.objects.filter(level="province", pk=_id(value, "province")).first()
    in_scope = province_ids_in_scope(user)
    if province is None or (in_scope is not None and province.pk not in in_scope):
        raise _invalid("province", _("Choose one of your provinces."), "province_invalid")
    return province


def grievance_body(grievance: Grievance, created: bool) -> dict:
    return {
        "client_uuid": str(grievance.client_uuid),
        "created": created,
        "reference": grievance.reference,
        "status": grievance.status,
        "category": grievance.category,
        "plot": grievance.plot_id,
    }


def _once(user, client_uuid, record) -> tuple[Grievance, bool]:
    """The grievance the phone's form made, recorded once: (the one recorded before, False) when its UUID was
    seen, (a new one, True) otherwise. Two sends racing each other: the database's unique client_uuid keeps one."""

    def earlier():
        found = Grievance.objects.filter(client_uuid=client_uuid).first()
        if found is not None and found.received_by_id != user.pk:
            raise _invalid(
                "client_uuid",
                _("This form's id was used by another officer's form; save the complaint again as a new form."),
                "uuid_taken",
            )
        return found

    if (found := earlier()) is not None:
        return found, False
    try:
        return record(), True
    except IntegrityError:
        if (found := earlier()) is not None:
            return found, False
        raise


class GrievancesView(APIView):
    """POST: one grievance recorded in the field, maybe offline: about a plot or not, or a dispute over a plot's
    land (recorded as a land dispute about the plot). 201 new, 200 when the client UUID was seen before: a form
    sent twice is one grievance."""

    @extend_schema(
        request={"application/json": GrievanceUploadSerializer, "multipart/form-data": GrievanceUploadSerializer},
        responses={201: GrievanceAnswerSerializer, 200: GrievanceAnswerSerializer},
    )
    def post(self, request):
        data = _data(request)
        client_uuid = _client_uuid(data.get("client_uuid"))
        grievance, created = _once(request.user, client_uuid, lambda: self._record(request.user, data, client_uuid))
        return Response(
            grievance_body(grievance, created), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )

    def _record(self, user, data, client_uuid) -> Grievance:
        plot = _plot(user, data.get("plot")) if data.get("plot") not in (None, "") else None
        dispute = _flag(data.get("dispute"), "dispute")
        if dispute and plot is None:
            raise _invalid("plot", _("A dispute is about a plot: record it from the plot's card."), "plot_required")
        # A dispute heard in the field is recorded as a land dispute about the plot; the officer who opens the
        # dispute on the plot (which sets it disputed, grievances.services.dispute_open) does so from the
        # grievance pages, since it suspends the allocation.
        category = Grievance.Category.LAND_DISPUTE if dispute else services.text_value(data.get("category"), "category")
        return grievance_services.grievance_receive(
            by=user,
            channel=Grievance.Channel.FIELD_VISIT,
            category=category,
            description=services.text_value(data.get("description"), "description"),
            province=plot.township.province if plot else _grievance_province(user, data.get("province")),
            plot=plot,
            anonymous=_flag(data.get("anonymous"), "anonymous"),
            language=services.text_value(data.get("language") or "en", "language"),
            consent_to_share=_flag(data.get("consent_to_share"), "consent_to_share"),
            client_uuid=client_uuid,
            received_at=_moment(data.get("recorded_at"), "recorded_at"),
        )


def _moment(value, field: str):
    """When the phone's form was filled in (ISO 8601 with its offset), or None: the service bounds it."""
    if value in (None, ""):
        return None
    try:
        moment = parse_datetime(value) if isinstance(value, str) and len(value) <= 40 else None
    except ValueError:  # shaped like a time, but not one (month 13)
        moment = None
    if moment is None:
        raise _invalid(field, _("Give the time as ISO 8601, e.g. 2026-11-29T10:30:00+04:30."), "datetime_invalid")
    return moment


# --- border registration at a crossing point (docs/field.md, "Border registration") ------------------------------

# What a member of a family may carry: the arrival's member fields and the ID numbers in clear (hashed by the service).
ARRIVAL_MEMBER_FIELDS = (*movement_services.MEMBER_FIELDS, "tazkira", "por")
# A family registered on one screen: the largest household the form takes (a larger group is two registrations).
ARRIVAL_MEMBERS_MAX = 40
ARRIVAL_TEXT_MAX = 150


class ArrivalUploadSerializer(serializers.Serializer):
    """What a phone sends for one family (or one person) registered at a crossing point (JSON)."""

    client_uuid = serializers.UUIDField(help_text="Made on the device; the same UUID again returns the first record.")
    crossing_point = serializers.IntegerField(help_text="The crossing point's id (one of the officer's provinces).")
    crossed_at = serializers.DateTimeField(required=False, help_text="When the family was registered, on the phone.")
    category = serializers.ChoiceField(choices=ArrivalCategory.choices)
    repatriation_form = serializers.CharField(required=False, help_text="AVR form number, in clear; kept hashed.")
    country_of_asylum = serializers.CharField(help_text="ISO 3166-1 alpha-2: IR, PK, TR…")
    years_abroad = serializers.IntegerField(required=False, allow_null=True)
    documents_held = serializers.ListField(child=serializers.ChoiceField(choices=DocumentHeld.choices), required=False)
    vulnerabilities = serializers.ListField(
        child=serializers.ChoiceField(choices=Vulnerability.choices), required=False
    )
    assistance = serializers.ListField(child=serializers.ChoiceField(choices=Assistance.choices), required=False)
    destination_province = serializers.IntegerField()
    destination_district = serializers.IntegerField(required=False, allow_null=True)
    members = ArrivalMemberSerializer(many=True, help_text="The head first (or marked), then the others.")


class ArrivalAnswerSerializer(serializers.Serializer):
    client_uuid = serializers.UUIDField()
    created = serializers.BooleanField(help_text="False when the UUID was seen before (nothing new was made).")
    id = serializers.IntegerField()
    status = serializers.ChoiceField(
        choices=["linked", "review", "recorded"],
        help_text="linked: the household is registered or attached; review: an ID number is registered to another "
        "household, and a land officer decides; recorded: kept without a household.",
    )
    household = serializers.CharField(allow_null=True)
    possible_duplicates = serializers.IntegerField(help_text="Similar households flagged for the office to decide.")
    reviews = serializers.ListField(child=serializers.DictField())
    may_decide = serializers.BooleanField()


def _text_field(value, field: str, *, max_length: int = ARRIVAL_TEXT_MAX) -> str:
    if value in (None, ""):
        return ""
    if not isinstance(value, str):
        raise _invalid(field, _("%(field)s must be text.") % {"field": field}, "text_invalid")
    value = value.strip()
    if len(value) > max_length:
        raise _invalid(
            field, _("%(field)s is longer than %(n)d characters.") % {"field": field, "n": max_length}, "text_too_long"
        )
    return value


def _codes_list(value, field: str) -> list[str]:
    """A list of choice codes as sent; the service says which code is not a choice."""
    if value in (None, ""):
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _invalid(
            field, _('%(field)s is a list of codes, e.g. ["cash", "food"].') % {"field": field}, "list_invalid"
        )
    return value


def _members(value) -> list[dict]:
    if not isinstance(value, list) or not value:
        raise _invalid(
            "members", _("Record the members: at least the person who crossed, with sex and age band."), "no_members"
        )
    if len(value) > ARRIVAL_MEMBERS_MAX:
        raise _invalid(
            "members",
            _("A registration holds at most %(n)d people; register a larger group as more than one family.")
            % {"n": ARRIVAL_MEMBERS_MAX},
            "too_many_members",
        )
    members = []
    today = timezone.localdate()
    for number, member in enumerate(value, start=1):
        if not isinstance(member, dict):
            raise _invalid("members", _("Member %(n)d is not a set of fields.") % {"n": number}, "member_invalid")
        unknown = sorted(set(member) - set(ARRIVAL_MEMBER_FIELDS))
        if unknown:
            raise _invalid(
                "members",
                _("Member %(n)d: %(fields)s is not a member's field; send %(known)s.")
                % {"n": number, "fields": ", ".join(map(str, unknown)), "known": ", ".join(ARRIVAL_MEMBER_FIELDS)},
                "member_field_unknown",
            )
        checked = {}
        for name in ARRIVAL_MEMBER_FIELDS:
            if name == "date_of_birth":
                continue
            text = _text_field(member.get(name), "members")
            if text or name in ("sex", "age_band"):
                checked[name] = text
        if member.get("date_of_birth") not in (None, ""):
            born = _day(member["date_of_birth"], "members")
            if born > today or born.year < 1900:
                raise _invalid(
                    "members",
                    _("Member %(n)d: the date of birth is not a past date; check it, or leave it empty.")
                    % {"n": number},
                    "member_date_of_birth",
                )
            checked["date_of_birth"] = born
        members.append(checked)
    return members


def _area(value, field: str, *, required: bool) -> AdminArea | None:
    if value in (None, "") and not required:
        return None
    area = AdminArea.objects.filter(pk=_id(value, field)).first()
    if area is None:
        message = (
            _("Choose a province of Afghanistan.")
            if field == "destination_province"
            else _("Choose one of the province's districts, or none.")
        )
        raise _invalid(field, message, "area_unknown")
    return area


def _crossing_point(value) -> CrossingPoint:
    point = (
        CrossingPoint.objects.select_related("province").filter(pk=_id(value, "crossing_point"), active=True).first()
    )
    if point is None:
        raise _invalid("crossing_point", _("Choose one of your crossing points."), "crossing_point_unknown")
    return point


def _aware(moment):
    """A time sent without its offset is taken as the server's local time (Afghanistan's, +04:30)."""
    if moment is not None and timezone.is_naive(moment):
        return timezone.make_aware(moment)
    return moment


def arrival_body(user, arrival: Arrival, created: bool, *, where: str) -> dict:
    """What the phone shows of a family it registered: linked to a household, or waiting for a decision because an
    ID number is registered to another household. The other household is named (its code, its head, the matching
    digits) only when it is in the user's provinces, and that view is logged."""
    named = {r.pk: r for r in movement_selectors.arrival_reviews_open(user).filter(arrival=arrival)}
    reviews = []
    for review in ArrivalReview.objects.filter(arrival=arrival).order_by("pk"):
        entry = {"id": review.pk, "decision": review.decision, "candidate": None, "candidate_head": "", "matching": []}
        if review.pk in named:
            candidate = review.candidate
            people = Person.objects.filter(household=candidate)
            head = people.filter(relationship=Person.Relationship.HEAD).first()
            digests = {d for pair in people.values_list("tazkira_hash", "por_hash") for d in pair} - {""}
            matching = sorted(
                {
                    last4
                    for tazkira, t4, por, p4 in arrival.members.values_list(
                        "tazkira_hash", "tazkira_last4", "por_hash", "por_last4"
                    )
                    for digest, last4 in ((tazkira, t4), (por, p4))
                    if digest and digest in digests
                }
            )
            entry.update(candidate=candidate.code, candidate_head=head.name if head else "", matching=matching)
        reviews.append(entry)
    if named:
        log_personal_data_access(
            user=user,
            action="view",
            what="households.Household",
            ids=[r.candidate_id for r in named.values()],
            where=where,
        )
    undecided = any(r["decision"] == ArrivalReview.Decision.UNDECIDED for r in reviews)
    household = arrival.household
    return {
        "client_uuid": str(arrival.client_uuid),
        "created": created,
        "id": arrival.pk,
        "status": "linked" if household is not None else "review" if undecided else "recorded",
        "household": household.code if household is not None else None,
        "possible_duplicates": DuplicateFlag.objects.filter(
            household=household, decision=DuplicateFlag.Decision.UNDECIDED
        ).count()
        if household is not None
        else 0,
        "reviews": reviews,
        "may_decide": has_role(user, roles.LAND_OFFICER),
    }


class ArrivalsView(APIView):
    """POST: one family (or one person) registered at a crossing point of the officer's provinces, maybe offline.
    201 new, 200 when the client UUID was seen before: a registration sent twice is one arrival. The ID numbers are
    checked against the registered households here (movements.services.arrival_register): one registered to another
    household is answered "review", never merged."""

    @extend_schema(
        request={"application/json": ArrivalUploadSerializer},
        responses={201: ArrivalAnswerSerializer, 200: ArrivalAnswerSerializer},
    )
    def post(self, request):
        data = _data(request)
        client_uuid = _client_uuid(data.get("client_uuid"))
        earlier = Arrival.objects.filter(client_uuid=client_uuid).first()
        if earlier is not None and earlier.recorded_by_id != request.user.pk:
            raise _invalid(
                "client_uuid",
                _("This form's id was used by another officer's form; save the family again as a new form."),
                "uuid_taken",
            )
        if earlier is None:
            members = _members(data.get("members"))
            years = data.get("years_abroad")
            if years in ("", None):
                years = None
            elif isinstance(years, bool) or not isinstance(years, int):
                raise _invalid("years_abroad", _("Years abroad is a number from 0 to 100."), "years_abroad")
            arrival = movement_services.arrival_register(
                client_uuid=client_uuid,
                crossing_point=_crossing_point(data.get("crossing_point")),
                crossed_at=_aware(_moment(data.get("crossed_at"), "crossed_at")) or timezone.now(),
                category=_text_field(data.get("category"), "category"),
                repatriation_form=_text_field(data.get("repatriation_form"), "repatriation_form"),
                country_of_asylum=_text_field(data.get("country_of_asylum"), "country_of_asylum"),
                years_abroad=years,
                documents_held=_codes_list(data.get("documents_held"), "documents_held"),
                vulnerabilities=_codes_list(data.get("vulnerabilities"), "vulnerabilities"),
                assistance=_codes_list(data.get("assistance"), "assistance"),
                travelling=Travelling.FAMILY if len(members) > 1 else Travelling.ALONE,
                members=members,
                destination_province=_area(data.get("destination_province"), "destination_province", required=True),
                destination_district=_area(data.get("destination_district"), "destination_district", required=False),
                by=request.user,
                where=request.path,
            )
            # Two sends of one form racing each other both pass the check above; the database's unique client_uuid
            # keeps one arrival and the service returns it to both, so each answer says "created" but one was.
            created = True
        else:
            if not movement_selectors.arrivals_visible_to(request.user).filter(pk=earlier.pk).exists():
                raise PermissionDenied(_("This arrival is outside your provinces."))
            arrival, created = earlier, False
        body = arrival_body(request.user, arrival, created, where=request.path)
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class ArrivalByUuidView(APIView):
    """GET: a family this phone sent, as it stands now (a review decided at the office since the sync shows here)."""

    @extend_schema(responses=ArrivalAnswerSerializer)
    def get(self, request, client_uuid):
        arrival = get_object_or_404(movement_selectors.arrivals_visible_to(request.user), client_uuid=client_uuid)
        log_personal_data_access(
            user=request.user, action="view", what="movements.Arrival", ids=[arrival.pk], where=request.path
        )
        return Response(arrival_body(request.user, arrival, False, where=request.path))


class ArrivalReviewDecideView(APIView):
    """POST {"decision": "attached" | "new_household"}: a land officer's decision on a family whose ID number is
    registered to another household (the same people, or other people). A review outside the officer's provinces
    answers as one that does not exist; a field officer is told who decides."""

    @extend_schema(
        request=inline_serializer(
            "ArrivalReviewDecision",
            {"decision": serializers.ChoiceField(choices=["attached", "new_household"])},
        ),
        responses=ArrivalAnswerSerializer,
    )
    def post(self, request, pk):
        data = _data(request)
        review = get_object_or_404(
            ArrivalReview.objects.filter(arrival__in=movement_selectors.arrivals_visible_to(request.user)), pk=pk
        )
        movement_services.arrival_review_decide(
            review=review, decision=_text_field(data.get("decision"), "decision"), by=request.user
        )
        arrival = Arrival.objects.get(pk=review.arrival_id)
        return Response(arrival_body(request.user, arrival, False, where=request.path))


# --- reintegration survey rounds (docs/livelihoods.md), assigned like shelter visits ------------------------------


def survey_questions() -> list[dict]:
    """The current survey's questions in the request's language, with their scales: the phone shows them and checks
    each answer is on its scale before the round is queued (the service checks again)."""
    return [
        {
            "code": q["code"],
            "dimension": q["dimension"],
            "dimension_label": _(survey.DIMENSION_LABELS[q["dimension"]]),
            "label": _(q["label"]),
            "min": q["min"],
            "max": q["max"],
            "choices": [{"value": value, "label": _(label)} for value, label in q["choices"]],
        }
        for q in survey.questions()
    ]


def survey_rounds_due(user, *, day=None) -> list[dict]:
    """The user's survey rounds due by the day: the household (its code and head), its plot, the round. A logged
    list of households."""
    rows = []
    for assignment in livelihood_selectors.survey_assignments_of(user, day=day).filter(
        allocation__in=allocations_visible_to(user)
    ):
        allocation = assignment.allocation
        head = allocation.household.members.filter(relationship=Person.Relationship.HEAD).first()
        rows.append(
            {
                "assignment": assignment.pk,
                "allocation": allocation.pk,
                "round": assignment.round,
                "round_label": str(SurveyRoundKind(assignment.round).label),
                "due_on": assignment.due_on.isoformat(),
                "household": allocation.household.code,
                "head": head.name if head else "",
                "plot": allocation.plot.number,
                "township": allocation.plot.township.code,
            }
        )
    return rows


class SurveyRoundUploadSerializer(serializers.Serializer):
    client_uuid = serializers.UUIDField(help_text="Made on the device; the same UUID again returns the first round.")
    allocation = serializers.IntegerField()
    round = serializers.ChoiceField(choices=SurveyRoundKind.choices)
    answers = serializers.DictField(child=serializers.IntegerField(), help_text="Question code: value on its scale.")
    conducted_on = serializers.DateField(required=False)
    lat = serializers.FloatField(required=False)
    lon = serializers.FloatField(required=False)


class SurveyRoundsView(APIView):
    """POST: one round of a household's reintegration survey conducted in the field, maybe offline (JSON). 201 new,
    200 when the client UUID was seen before. The answers are checked against their scales by the service."""

    @extend_schema(request={"application/json": SurveyRoundUploadSerializer}, responses={201: OpenApiTypes.OBJECT})
    def post(self, request):
        data = _data(request)
        client_uuid = _client_uuid(data.get("client_uuid"))
        allocation = get_object_or_404(
            allocations_visible_to(request.user), pk=_id(data.get("allocation"), "allocation")
        )
        answers = data.get("answers")
        if not isinstance(answers, dict):
            raise _invalid("answers", _("The answers are a set of question: value."), "answers_shape")
        point, _accuracy = _point(data)
        earlier = SurveyRound.objects.filter(client_uuid=client_uuid).first()
        if earlier is not None and earlier.officer_id != request.user.pk:
            raise _invalid(
                "client_uuid",
                _("This form's id was used by another officer's form; save the round again as a new form."),
                "uuid_taken",
            )
        created = earlier is None
        conducted_on = _day(data["conducted_on"], "conducted_on") if data.get("conducted_on") else None
        if conducted_on is not None and conducted_on > timezone.localdate():
            raise _invalid("conducted_on", _("The round is dated in the future; check the date."), "date_future")
        round_ = livelihood_services.survey_round_record(
            allocation=allocation,
            round=_text_field(data.get("round"), "round"),
            answers=answers,
            by=request.user,
            conducted_on=conducted_on,
            client_uuid=client_uuid,
            point=point,
        )
        body = {
            "client_uuid": str(round_.client_uuid),
            "created": created,
            "id": round_.pk,
            "household": allocation.household.code,
            "round": round_.round,
            "scores": {
                name: None if getattr(round_, f"score_{name}") is None else float(getattr(round_, f"score_{name}"))
                for name in ("economic", "social", "psychosocial", "composite")
            },
        }
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


# --- skills profiles (docs/livelihoods.md), filled on the phone, maybe offline -------------------------------------

# What a form may carry at most: more is not a person's profile but a hostile body.
PROFILE_OCCUPATIONS_MAX = 10
PROFILE_LIST_MAX = 20


def skills_profile_body(profile: SkillsProfile | None) -> dict | None:
    """A skills profile as the phone keeps it (the form opens on it), with the moment it was last changed: the phone
    sends that moment back, so a change made on the server meanwhile is not overwritten unseen."""
    if profile is None:
        return None
    return {
        "education": profile.education,
        "literacy_dari": profile.literacy_dari,
        "literacy_pashto": profile.literacy_pashto,
        "literacy_english": profile.literacy_english,
        "occupations": [
            {
                "isco": o.isco_id,
                "title": livelihood_selectors.occupation_label(o.isco),
                "years": float(o.years),
                "learnt_in": o.learnt_in,
            }
            for o in profile.occupations.all()
        ],
        "certificates": list(profile.certificates),
        "languages": list(profile.languages),
        "can_work_outside_home": profile.can_work_outside_home,
        "workplace_accepted": profile.workplace_accepted,
        "care_duties": profile.care_duties,
        "disability": profile.disability,
        "max_travel_km": None if profile.max_travel_km is None else float(profile.max_travel_km),
        "updated_at": profile.updated_at.isoformat(),
        "recorded_by": profile.recorded_by.get_username() if profile.recorded_by else "",
    }


def _profile_of(person: Person) -> SkillsProfile | None:
    try:
        return person.skills_profile
    except SkillsProfile.DoesNotExist:
        return None


def skills_households(user, codes, *, where: str) -> list[dict]:
    """The households of the officer's visits and survey rounds with their members aged 15 or over and their
    profiles, for the field app's skills profiles (a logged list)."""
    households: dict[str, dict] = {}
    for person in livelihood_selectors.people_to_profile(user, dict.fromkeys(codes), where=where):
        household = households.setdefault(person.household.code, {"household": person.household.code, "members": []})
        household["members"].append(
            {
                "person": person.pk,
                "name": person.name,
                "name_local": person.name_local,
                "sex": person.sex,
                "date_of_birth": person.date_of_birth.isoformat(),
                "head": person.relationship == Person.Relationship.HEAD,
                "profile": skills_profile_body(_profile_of(person)),
            }
        )
    return list(households.values())


class IscoListView(APIView):
    """GET: ISCO-08's unit groups with their English, Dari and Pashto titles: the phone keeps a copy and searches
    it offline (the same list as the occupation search of the pages)."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        rows = IscoOccupation.objects.filter(level=IscoOccupation.Level.UNIT).order_by("code")
        return Response(
            {
                "occupations": [
                    {"code": o.code, "en": o.title_en, "prs": o.title_prs, "ps": o.title_ps}
                    for o in rows.only("code", "title_en", "title_prs", "title_ps")
                ]
            }
        )


def _list_of(value, field: str, *, kind, limit: int) -> list:
    if value in (None, ""):
        return []
    if not isinstance(value, list) or len(value) > limit or not all(isinstance(v, kind) for v in value):
        message = {
            "occupations": _("occupations is a list of at most %(n)d objects {isco, years, learnt_in}."),
            "certificates": _("certificates is a list of at most %(n)d texts, one per certificate."),
            "languages": _("languages is a list of at most %(n)d language codes (prs, ps, en…)."),
        }[field]
        raise _invalid(field, message % {"n": limit}, "list_invalid")
    return value


def _seen(value):
    """The profile's updated_at as the phone saw it (ISO 8601), or None when it had no profile."""
    if value in (None, ""):
        return None
    try:
        moment = parse_datetime(value) if isinstance(value, str) and len(value) <= 40 else None
    except ValueError:  # shaped like a time, but not one (month 13, an offset of 25 hours)
        moment = None
    if moment is None or timezone.is_naive(moment):
        raise _invalid(
            "seen_updated_at",
            _("seen_updated_at is the profile's updated_at as the phone received it (ISO 8601), or null."),
            "datetime_invalid",
        )
    return moment


class SkillsProfileUploadSerializer(serializers.Serializer):
    client_uuid = serializers.UUIDField(help_text="Made on the phone; the same UUID again answers the first result.")
    person = serializers.IntegerField(help_text="The member (aged 15 or over) of a household in your provinces.")
    seen_updated_at = serializers.DateTimeField(
        allow_null=True, help_text="The profile's updated_at when the form was opened; null: it had none."
    )
    # Choices named by their values (as in api/rest/livelihoods.py): one enum per choice set in the schema.
    education = serializers.CharField(help_text=_listed(EducationLevel.choices))
    literacy_dari = serializers.CharField(help_text=_listed(Literacy.choices))
    literacy_pashto = serializers.CharField(help_text=_listed(Literacy.choices))
    literacy_english = serializers.CharField(help_text=_listed(Literacy.choices))
    occupations = serializers.ListField(child=serializers.DictField(), help_text="[{isco, years, learnt_in}]")
    certificates = serializers.ListField(child=serializers.CharField(), required=False)
    languages = serializers.ListField(child=serializers.CharField(), required=False)
    can_work_outside_home = serializers.BooleanField()
    workplace_accepted = serializers.CharField(help_text=_listed(SkillsProfile.WorkplaceAccepted.choices))
    care_duties = serializers.BooleanField()
    disability = serializers.BooleanField()
    max_travel_km = serializers.DecimalField(max_digits=5, decimal_places=1, required=False, allow_null=True)


class SkillsProfilesView(APIView):
    """POST: a person's skills profile filled on the phone, maybe offline (JSON), through the service the officers'
    page uses. 201 recorded, 200 when the form's UUID was seen before (nothing is written twice), 409 when the
    profile was changed on the server after the form was opened (the answer says when and by whom, and carries
    the profile's `updated_at`: sent again as `seen_updated_at`, the form is recorded on top, and the profile's
    history keeps the earlier one)."""

    @extend_schema(
        request={"application/json": SkillsProfileUploadSerializer},
        responses={201: OpenApiTypes.OBJECT, 200: OpenApiTypes.OBJECT, 409: OpenApiTypes.OBJECT},
    )
    def post(self, request):
        data = _data(request)
        client_uuid = _client_uuid(data.get("client_uuid"))
        person = livelihood_selectors.person_for_profile(
            request.user, _id(data.get("person"), "person"), where=request.path
        )
        occupations = _list_of(data.get("occupations"), "occupations", kind=dict, limit=PROFILE_OCCUPATIONS_MAX)
        profile = {
            "education": data.get("education") or EducationLevel.NONE,
            "literacy_dari": data.get("literacy_dari") or Literacy.NONE,
            "literacy_pashto": data.get("literacy_pashto") or Literacy.NONE,
            "literacy_english": data.get("literacy_english") or Literacy.NONE,
            "occupations": occupations,
            "certificates": _list_of(data.get("certificates"), "certificates", kind=str, limit=PROFILE_LIST_MAX),
            "languages": _list_of(data.get("languages"), "languages", kind=str, limit=PROFILE_LIST_MAX),
            "can_work_outside_home": _flag(data.get("can_work_outside_home", True), "can_work_outside_home"),
            "workplace_accepted": data.get("workplace_accepted") or SkillsProfile.WorkplaceAccepted.ANY,
            "care_duties": _flag(data.get("care_duties"), "care_duties"),
            "disability": _flag(data.get("disability"), "disability"),
            "max_travel_km": data.get("max_travel_km"),
        }
        try:
            saved, created = livelihood_services.skills_profile_submit(
                person=person,
                by=request.user,
                client_uuid=client_uuid,
                seen_updated_at=_seen(data.get("seen_updated_at")),
                **profile,
            )
        except ValidationError as error:
            if livelihood_services.PROFILE_CHANGED not in {
                e.code for e in getattr(error, "error_dict", {}).get("profile", [])
            }:
                raise
            current = SkillsProfile.objects.select_related("recorded_by").get(person=person)
            return Response(
                {
                    "detail": " ".join(error.messages),
                    "codes": [livelihood_services.PROFILE_CHANGED],
                    "errors": error.message_dict,
                    "profile": skills_profile_body(current),
                },
                status=status.HTTP_409_CONFLICT,
            )
        saved = (
            SkillsProfile.objects.select_related("recorded_by").prefetch_related("occupations__isco").get(pk=saved.pk)
        )
        return Response(
            {
                "client_uuid": str(client_uuid),
                "created": created,
                "person": person.pk,
                "household": person.household.code,
                "profile": skills_profile_body(saved),
            },
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


# The routes of the border registration, the survey rounds and the skills profiles, mounted under /api/v1/ by
# api/rest/urls.py.
routes = [
    path("field/isco/", IscoListView.as_view(), name="field-api-isco"),
    path("field/skills-profiles/", SkillsProfilesView.as_view(), name="field-api-skills-profiles"),
    path("field/arrivals/", ArrivalsView.as_view(), name="field-api-arrivals"),
    path("field/arrivals/<uuid:client_uuid>/", ArrivalByUuidView.as_view(), name="field-api-arrival"),
    path("field/arrival-reviews/<int:pk>/decide/", ArrivalReviewDecideView.as_view(), name="field-api-arrival-decide"),
    path("field/survey-rounds/", SurveyRoundsView.as_view(), name="field-api-survey-rounds"),
]
