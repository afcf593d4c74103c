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
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from allocations.selectors import allocations_visible_to
from grievances import services as grievance_services
from grievances.models import Grievance
from landreg.access_log import log_personal_data_access
from landreg.scope import province_ids_in_scope
from landreg.sharing import needs_agreement, outside_agreement
from parcels.models import AdminArea
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
    file = serializers.FileField(help_text="KoboToolbox or ODK Central export, JSON or CSV.")
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
        return Response(
            {
                "date": (day or timezone.localdate()).isoformat(),
                "officer": request.user.get_username(),
                "tolerance_m": services.inspection_tolerance_m(),
                "assignments": rows,
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
            raise _invalid("file", _("Attach the JSON or CSV export."), "file_required")
        if upload.size > kobo.max_export_bytes():
            raise _invalid(
                "file",
                _("The export is larger than %(limit).0f MB; export fewer submissions at a time.")
                % {"limit": kobo.max_export_bytes() / 1e6},
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
