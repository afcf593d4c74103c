"""REST v1 for public ballots: prepare, approve the list, draw, verify."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from allocations.ballots import ALGORITHM, ballot_approve_list, ballot_create, ballot_draw, ballot_verify
from allocations.models import Ballot
from landreg.scope import filter_by_scope
from townships.models import Township


class BallotSerializer(serializers.ModelSerializer):
    township = serializers.SlugRelatedField(slug_field="code", queryset=Township.objects.all())
    # A list of names, not any JSON: the record of a public draw is read by people.
    witnesses = serializers.ListField(
        child=serializers.CharField(max_length=200),
        max_length=50,
        required=False,
        help_text=Ballot.witnesses.field.help_text,
    )
    results = serializers.SerializerMethodField()

    class Meta:
        model = Ballot
        fields = [
            "id",
            "reference",
            "township",
            "status",
            "seed",
            "witnesses",
            "decision_reference",
            "drawn_at",
            "results",
        ]
        read_only_fields = ["status", "seed", "decision_reference", "drawn_at", "results"]

    def get_results(self, ballot) -> list[dict]:
        return [
            {"draw_order": r.draw_order, "household": r.household.code, "plot": r.plot.number if r.plot else None}
            for r in ballot.results.select_related("household", "plot")
        ]


class ApproveListSerializer(serializers.Serializer):
    decision_reference = serializers.CharField()


class BallotViewSet(viewsets.ReadOnlyModelViewSet):
    """Ballots of the townships in your scope. The seed is fixed when the ballot is created."""

    serializer_class = BallotSerializer
    queryset = Ballot.objects.none()  # for the schema; get_queryset() applies scope
    lookup_field = "reference"

    def get_queryset(self):
        return filter_by_scope(
            Ballot.objects.select_related("township"),
            self.request.user,
            province_field="township__province",
            township_field="township",
        )

    def create(self, request):
        data = BallotSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ballot = ballot_create(
            township=data.validated_data["township"],
            reference=data.validated_data["reference"],
            witnesses=data.validated_data.get("witnesses", []),
            by=request.user,
        )
        return Response(BallotSerializer(ballot).data, status=201)

    @extend_schema(request=ApproveListSerializer, responses=BallotSerializer)
    @action(detail=True, methods=["post"], url_path="approve-list")
    def approve_list(self, request, reference=None):
        data = ApproveListSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ballot = ballot_approve_list(
            ballot=self.get_object(), by=request.user, decision_reference=data.validated_data["decision_reference"]
        )
        return Response(BallotSerializer(ballot).data)

    @extend_schema(request=None, responses=BallotSerializer)
    @action(detail=True, methods=["post"])
    def draw(self, request, reference=None):
        return Response(BallotSerializer(ballot_draw(ballot=self.get_object(), by=request.user)).data)

    @extend_schema(responses={200: {"type": "object"}})
    @action(detail=True, methods=["get"])
    def verify(self, request, reference=None):
        """Re-run the draw from the seed and compare with the recorded result."""
        ok, differences = ballot_verify(self.get_object())
        return Response({"verified": ok, "algorithm": ALGORITHM, "differences": differences})
