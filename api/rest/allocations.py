"""REST v1 for the allocation workflow: propose, then one endpoint per step. Conflicts answer 409."""

from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from allocations.models import Allocation, AllocationTransition
from allocations.selectors import allocations_visible_to
from allocations.services import TRANSITIONS, allocation_propose, allocation_transition
from households.selectors import households_visible_to
from landreg.access_log import log_personal_data_access
from townships.models import Plot


class TransitionSerializer(serializers.ModelSerializer):
    by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = AllocationTransition
        fields = ["from_status", "to_status", "by", "at", "reason", "reference"]


class AllocationSerializer(serializers.ModelSerializer):
    household_code = serializers.CharField(source="household.code", read_only=True)
    plot_number = serializers.CharField(source="plot.number", read_only=True)
    township = serializers.CharField(source="plot.township.code", read_only=True)
    transitions = TransitionSerializer(many=True, read_only=True)

    class Meta:
        model = Allocation
        fields = [
            "id",
            "household",
            "household_code",
            "plot",
            "plot_number",
            "township",
            "method",
            "status",
            "decision_reference",
            "start_date",
            "end_date",
            "revocation_reason",
            "transferred_from",
            "transitions",
        ]
        read_only_fields = fields


_DATE = serializers.DateField()
_DATETIME = serializers.DateTimeField()
_TRANSITION_COLUMNS = ("from_status", "to_status", "by__username", "at", "reason", "reference")


def allocation_answer(allocation: Allocation) -> dict:
    """What AllocationSerializer says of an allocation just written, built as a plain dict from the objects the
    service returns (household, plot and township already loaded) and one query for its steps. The answer to every
    write of the workflow: DRF's serializer cost a fifth of such a request's CPU (tests/api/test_allocations_api.py
    checks that both say the same)."""
    steps = AllocationTransition.objects.filter(allocation_id=allocation.pk).order_by("at", "pk")
    return {
        "id": allocation.pk,
        "household": allocation.household_id,
        "household_code": allocation.household.code,
        "plot": allocation.plot_id,
        "plot_number": allocation.plot.number,
        "township": allocation.plot.township.code,
        "method": allocation.method,
        "status": allocation.status,
        "decision_reference": allocation.decision_reference,
        "start_date": _DATE.to_representation(allocation.start_date) if allocation.start_date else None,
        "end_date": _DATE.to_representation(allocation.end_date) if allocation.end_date else None,
        "revocation_reason": allocation.revocation_reason,
        "transferred_from": allocation.transferred_from_id,
        "transitions": [
            {
                "from_status": from_status,
                "to_status": to_status,
                "by": by,
                "at": _DATETIME.to_representation(at),
                "reason": reason,
                "reference": reference,
            }
            for from_status, to_status, by, at, reason, reference in steps.values_list(*_TRANSITION_COLUMNS)
        ],
    }


class ProposeSerializer(serializers.Serializer):
    household = serializers.IntegerField()
    plot = serializers.IntegerField()
    method = serializers.ChoiceField(choices=Allocation.Method.choices, default=Allocation.Method.COMMITTEE)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class StepSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    reference = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Committee decision reference (approve, reject, reinstate).",
    )
    reason_code = serializers.ChoiceField(
        choices=Allocation.RevocationReason.choices, required=False, help_text="Why it is revoked (revoke)."
    )
    lon = serializers.FloatField(required=False, min_value=60, max_value=75.5, help_text="Handover GPS longitude.")
    lat = serializers.FloatField(required=False, min_value=29, max_value=39, help_text="Handover GPS latitude.")
    accuracy_m = serializers.FloatField(required=False, min_value=0, help_text="Handover GPS accuracy (m).")
    heir = serializers.IntegerField(required=False, help_text="Heir household id (transfer).")
    heir_code = serializers.CharField(
        required=False, max_length=30, help_text="Heir household code, instead of its id (transfer)."
    )


class AllocationFilterSerializer(serializers.Serializer):
    """The list's filters; a filter that cannot match (a plot that is not a number) is refused, not ignored."""

    plot = serializers.IntegerField(required=False, min_value=1, help_text="Plot id.")
    household = serializers.IntegerField(required=False, min_value=1, help_text="Household id.")
    status = serializers.ChoiceField(choices=Allocation.Status.choices, required=False)
    township = serializers.CharField(required=False, max_length=30, help_text="Township code.")


@extend_schema_view(list=extend_schema(parameters=[AllocationFilterSerializer]))
class AllocationViewSet(viewsets.ReadOnlyModelViewSet):
    """Allocations in your scope. POST proposes; POST /{id}/{step}/ moves one step along the workflow."""

    serializer_class = AllocationSerializer
    queryset = Allocation.objects.none()  # for the schema; get_queryset() applies role and scope

    def get_queryset(self):
        queryset = allocations_visible_to(self.request.user)
        if self.action != "list":
            # A step reads the allocation only to find it in the caller's scope; its answer is allocation_answer.
            return queryset if self.action in TRANSITIONS else queryset.prefetch_related("transitions__by")
        queryset = queryset.prefetch_related("transitions__by")
        given = {name: value for name, value in self.request.query_params.items() if value != ""}
        filters = AllocationFilterSerializer(data=given)
        filters.is_valid(raise_exception=True)
        for name, value in filters.validated_data.items():
            queryset = queryset.filter(**{"plot__township__code" if name == "township" else name: value})
        return queryset

    @extend_schema(request=ProposeSerializer, responses={201: AllocationSerializer})
    def create(self, request):
        data = ProposeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        household = households_visible_to(request.user).get(pk=data.validated_data["household"])
        # The answer names the household: the view of personal data is logged (households.selectors.household_get
        # does the same, and also reads the members, which a proposal does not need).
        log_personal_data_access(
            user=request.user, action="view", what="households.Household", ids=[household.pk], where=request.path
        )
        allocation = allocation_propose(
            household=household,
            plot=Plot(pk=data.validated_data["plot"]),  # the service reads the plot itself, in its transaction
            proposed_by=request.user,
            method=data.validated_data["method"],
            reason=data.validated_data["reason"],
        )
        return Response(allocation_answer(allocation), status=201)

    def _step(self, request, pk, name):
        allocation = self.get_object()
        data = StepSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        details = {"reason": values.pop("reason"), "reference": values.pop("reference")}
        if "reason_code" in values:
            details["reason_code"] = values.pop("reason_code")
        if "lon" in values and "lat" in values:
            details["point"] = Point(values.pop("lon"), values.pop("lat"), srid=4326)
        if name == "hand_over":
            details.setdefault("point", None)
            details["accuracy_m"] = values.pop("accuracy_m", None)
        if "heir" in values:
            details["heir"] = households_visible_to(request.user).get(pk=values.pop("heir"))
        elif "heir_code" in values:
            code = values.pop("heir_code").strip()
            details["heir"] = households_visible_to(request.user).filter(code__iexact=code).first()
            if details["heir"] is None:
                raise ValidationError(
                    {
                        "heir_code": _("No household with the code %(code)s is in your scope; check the code.")
                        % {"code": code}
                    }
                )
        allocation = allocation_transition(allocation=allocation, action=name, by=request.user, **details)
        return Response(allocation_answer(allocation))


def _make_step(name):
    @extend_schema(
        request=StepSerializer,
        responses=AllocationSerializer,
        summary=f"{name.replace('_', ' ').capitalize()} (from: {', '.join(TRANSITIONS[name][0])})",
    )
    def view(self, request, pk=None):
        return self._step(request, pk, name)

    view.__name__ = name
    return action(detail=True, methods=["post"], url_path=name.replace("_", "-"))(view)


for _name in TRANSITIONS:
    setattr(AllocationViewSet, _name, _make_step(_name))
