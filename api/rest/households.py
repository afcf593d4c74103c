"""REST v1 for households: registration, members, evidence documents, duplicate decisions, eligibility.

ID numbers can be written but are never returned: only their last four digits."""

from django.conf import settings
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from api.parsers import FormParser, JSONParser, MultiPartParser
from households.bulk import ListError, households_import
from households.eligibility import eligibility_assess, reason_text
from households.models import (
    VULNERABILITY_FLAGS,
    Document,
    DuplicateFlag,
    EligibilityAssessment,
    EligibilityScheme,
    Household,
    Person,
)
from households.selectors import household_get, households_list, households_search
from households.services import (
    OUTSIDE_SCOPE,
    PERSON_FIELDS,
    document_add,
    duplicate_candidates_visible,
    duplicate_decide,
    household_register,
    household_update,
    person_add,
    person_update,
)
from landreg.access_log import log_personal_data_access
from landreg.history import history_of
from parcels.models import AdminArea


class PersonSerializer(serializers.ModelSerializer):
    class Meta:
        model = Person
        # ID numbers are shown only as their last four digits.
        fields = ["id", *PERSON_FIELDS, "tazkira_last4", "por_last4"]


class HouseholdSerializer(serializers.ModelSerializer):
    province = serializers.SlugRelatedField(slug_field="pcode", read_only=True)

    class Meta:
        model = Household
        fields = [
            "id",
            "code",
            "province",
            "size",
            "category",
            "status",
            "return_date",
            *VULNERABILITY_FLAGS,
            "landless_declared",
            "prior_beneficiary",
        ]


class HouseholdDetailSerializer(HouseholdSerializer):
    members = PersonSerializer(many=True, read_only=True)

    class Meta(HouseholdSerializer.Meta):
        fields = HouseholdSerializer.Meta.fields + ["members"]


class PersonWriteSerializer(serializers.ModelSerializer):
    tazkira = serializers.CharField(required=False, allow_blank=True, write_only=True, max_length=40)
    por = serializers.CharField(required=False, allow_blank=True, write_only=True, max_length=40)

    class Meta:
        model = Person
        fields = [*PERSON_FIELDS, "tazkira", "por"]
        extra_kwargs = {"relationship": {"required": False}}  # the head's is "head"; members must give theirs


class PersonUpdateSerializer(PersonWriteSerializer):
    """A member's correction: any fact; an ID number given replaces the recorded one, an empty one keeps it."""

    class Meta(PersonWriteSerializer.Meta):
        extra_kwargs = {name: {"required": False} for name in PERSON_FIELDS}


class PersonHistorySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    action = serializers.CharField()
    user = serializers.CharField()
    db_role = serializers.CharField()
    changed = serializers.ListField(child=serializers.CharField())


# What an officer states about a household at registration and may correct later (its code and province stay).
HOUSEHOLD_FACTS = [
    "size",
    "category",
    "country_returned_from",
    "return_date",
    "return_type",
    "crossing_point",
    *VULNERABILITY_FLAGS,
    "landless_declared",
    "prior_beneficiary",
]


class HouseholdWriteSerializer(serializers.ModelSerializer):
    province = serializers.SlugRelatedField(slug_field="pcode", queryset=AdminArea.objects.filter(level="province"))
    head = PersonWriteSerializer(write_only=True)
    members = PersonWriteSerializer(many=True, required=False, write_only=True)

    class Meta:
        model = Household
        fields = ["code", "province", *HOUSEHOLD_FACTS, "head", "members"]
        # Optional: the service makes a pseudonymous code; it (and the database) judge uniqueness.
        extra_kwargs = {"code": {"validators": [], "required": False}}


class HouseholdUpdateSerializer(serializers.ModelSerializer):
    class Meta:
        model = Household
        fields = HOUSEHOLD_FACTS


class EvidenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Document
        fields = ["id", "kind", "issued_on", "sha256", "number_last4", "uploaded_at"]


class EvidenceUploadSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Document.Kind.choices)
    file = serializers.FileField()
    number = serializers.CharField(required=False, allow_blank=True, default="", write_only=True)
    issued_on = serializers.DateField(required=False, allow_null=True, default=None)


class DuplicateFlagSerializer(serializers.ModelSerializer):
    """A possible duplicate. One registered outside the reader's provinces is not named: no id, no code, only a
    sentence saying whom to ask."""

    candidate = serializers.SerializerMethodField()
    candidate_code = serializers.SerializerMethodField()
    message = serializers.SerializerMethodField()

    class Meta:
        model = DuplicateFlag
        fields = ["id", "candidate", "candidate_code", "reason", "similarity", "decision", "decision_note", "message"]
        read_only_fields = ["reason", "similarity"]

    def _visible(self, flag) -> bool:
        known = self.context.setdefault("visible_candidates", {})  # one query per candidate, not per field
        if flag.candidate_id not in known:
            request = self.context.get("request")
            known[flag.candidate_id] = request is not None and bool(
                duplicate_candidates_visible(request.user, {flag.candidate_id})
            )
        return known[flag.candidate_id]

    def get_candidate(self, flag) -> int | None:
        return flag.candidate_id if self._visible(flag) else None

    def get_candidate_code(self, flag) -> str | None:
        return flag.candidate.code if self._visible(flag) else None

    def get_message(self, flag) -> str:
        return "" if self._visible(flag) else str(OUTSIDE_SCOPE[flag.reason])


class AssessmentSerializer(serializers.ModelSerializer):
    scheme = serializers.SlugRelatedField(slug_field="code", queryset=EligibilityScheme.objects.all())
    results = serializers.SerializerMethodField()

    class Meta:
        model = EligibilityAssessment
        fields = ["id", "scheme", "eligible", "priority_score", "results", "assessed_at", "decision_reference"]
        read_only_fields = ["eligible", "priority_score", "results", "assessed_at"]

    def get_results(self, assessment) -> list[dict]:
        """Each criterion: its reason code and parameters, and the explanation in the reader's language
        (Accept-Language)."""
        return [
            {
                "criterion": r.get("criterion", ""),
                "passed": r.get("passed"),
                "reason": r.get("reason", ""),
                "params": r.get("params", {}),
                "explanation": reason_text(r),
            }
            for r in assessment.results
        ]


class HouseholdImportSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="CSV (UTF-8) or XLSX with a header row.")
    dry_run = serializers.BooleanField(default=True)


class HouseholdImportReportSerializer(serializers.Serializer):
    committed = serializers.BooleanField()
    counts = serializers.DictField(child=serializers.IntegerField())
    rows = serializers.ListField(child=serializers.DictField())


class HouseholdViewSet(viewsets.ModelViewSet):
    """Households in the requesting user's scope. Every list and view is logged; households are never deleted."""

    serializer_class = HouseholdSerializer
    queryset = Household.objects.none()  # for the schema; get_queryset() applies role and scope
    http_method_names = ["get", "post", "patch", "head", "options"]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    # Search, as on the households page: ?q= (code or a member's name, any spelling or script), ?father=,
    # ?phone=, ?tazkira= (an exact match of the keyed hash). The search is logged without digits.
    SEARCH = {"q": "text", "father": "father_name", "phone": "phone", "tazkira": "tazkira"}

    def get_queryset(self):
        criteria = {
            self.SEARCH[k]: v.strip() for k, v in self.request.query_params.items() if k in self.SEARCH and v.strip()
        }
        if self.action == "list" and criteria:
            households = households_search(self.request.user, where=self.request.path, **criteria)
        else:
            households = households_list(self.request.user, where=self.request.path)
        return households.select_related("province")

    def get_serializer_class(self):
        return {
            "retrieve": HouseholdDetailSerializer,
            "create": HouseholdWriteSerializer,
            "partial_update": HouseholdUpdateSerializer,
        }.get(self.action, HouseholdSerializer)

    def get_object(self):
        try:
            return household_get(self.request.user, pk=int(self.kwargs["pk"]), where=self.request.path)
        except (Household.DoesNotExist, ValueError):
            raise Http404("No household with this id in your scope.") from None

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        ids = [row["id"] for row in response.data.get("results", [])]
        log_personal_data_access(
            user=request.user, action="list", what="households.Household", ids=ids, where=request.path
        )
        return response

    @extend_schema(request=HouseholdWriteSerializer, responses={201: HouseholdDetailSerializer})
    def create(self, request, *args, **kwargs):
        data = HouseholdWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        household = household_register(
            registered_by=request.user,
            head=values.pop("head"),
            members=values.pop("members", []),
            where=request.path,
            **values,
        )
        household = household_get(request.user, pk=household.pk, where=request.path)
        body = HouseholdDetailSerializer(household).data
        body["possible_duplicates"] = DuplicateFlagSerializer(
            household.duplicate_flags.select_related("candidate"), many=True, context={"request": request}
        ).data
        return Response(body, status=201)

    @extend_schema(request=HouseholdImportSerializer, responses=HouseholdImportReportSerializer)
    @action(detail=False, methods=["post"], url_path="import", parser_classes=[MultiPartParser, FormParser])
    def import_list(self, request):
        """Register a list of households from a CSV or XLSX file. dry_run=true (the default) only reports,
        row by row, what would be created, what is a duplicate and what is invalid; dry_run=false registers
        everything or nothing."""
        limit = settings.LANDREG_MAX_UPLOAD_BYTES
        if int(request.META.get("CONTENT_LENGTH") or 0) > limit:  # refused before the body is read
            return Response(
                {"detail": f"The upload is larger than the {limit // 1_000_000} MB limit; split the list."}, status=413
            )
        data = HouseholdImportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        try:
            report = households_import(
                name=upload.name,
                content=upload.read(),
                by=request.user,
                dry_run=data.validated_data["dry_run"],
                where=request.path,
            )
        except ListError as exc:
            return Response({"detail": str(exc)}, status=400)
        body = {"committed": report.committed, "counts": report.counts, "rows": [vars(r) for r in report.rows]}
        return Response(body, status=201 if report.committed else 200)

    @extend_schema(request=HouseholdUpdateSerializer, responses=HouseholdDetailSerializer)
    def partial_update(self, request, *args, **kwargs):
        household = self.get_object()
        data = HouseholdUpdateSerializer(household, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        household_update(household=household, by=request.user, **data.validated_data)
        return Response(HouseholdDetailSerializer(self.get_object()).data)

    @extend_schema(request=EvidenceUploadSerializer, responses={201: EvidenceSerializer})
    @action(detail=True, methods=["get", "post"], parser_classes=[MultiPartParser, FormParser])
    def documents(self, request, pk=None):
        """Evidence documents: GET lists them, POST uploads one (multipart: kind, file, number, issued_on)."""
        household = self.get_object()
        if request.method == "GET":
            return Response(EvidenceSerializer(household.documents.all(), many=True).data)
        data = EvidenceUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        document = document_add(
            household=household,
            kind=values["kind"],
            upload=values["file"],
            by=request.user,
            number=values["number"],
            issued_on=values["issued_on"],
        )
        return Response(EvidenceSerializer(document).data, status=201)

    @extend_schema(request=PersonWriteSerializer, responses={201: PersonSerializer})
    @action(detail=True, methods=["post"])
    def members(self, request, pk=None):
        """Add a member: {"relationship", "name", "sex", ...; "tazkira", "por" in clear, kept only as hashes}."""
        household = self.get_object()
        data = PersonWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        if not values.get("relationship"):
            raise serializers.ValidationError({"relationship": ["Say how this member is related to the head."]})
        person = person_add(household=household, by=request.user, where=request.path, **values)
        return Response(PersonSerializer(person).data, status=201)

    def _member(self, household, person_id) -> Person:
        person = household.members.filter(pk=person_id).first()
        if person is None:
            raise Http404("No member with this id in this household.")
        return person

    @extend_schema(request=PersonUpdateSerializer, responses=PersonSerializer)
    @action(detail=True, methods=["patch"], url_path=r"members/(?P<person_id>[0-9]+)")
    def member_update(self, request, pk=None, person_id=None):
        """Correct a member; every change is kept in the member's history."""
        household = self.get_object()
        person = self._member(household, person_id)
        data = PersonUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        person = person_update(person=person, by=request.user, where=request.path, **data.validated_data)
        return Response(PersonSerializer(person).data)

    @extend_schema(responses=PersonHistorySerializer(many=True))
    @action(detail=True, methods=["get"], url_path=r"members/(?P<person_id>[0-9]+)/history")
    def member_history(self, request, pk=None, person_id=None):
        """A member's history, oldest first: when, what, who, which facts changed (never the values)."""
        person = self._member(self.get_object(), person_id)
        return Response(PersonHistorySerializer(history_of(person), many=True).data)

    @extend_schema(responses=DuplicateFlagSerializer(many=True))
    @action(detail=True, methods=["get"])
    def duplicates(self, request, pk=None):
        """Possible duplicates flagged at registration, with the officer's decisions."""
        flags = self.get_object().duplicate_flags.select_related("candidate")
        return Response(DuplicateFlagSerializer(flags, many=True, context={"request": request}).data)

    @extend_schema(request=DuplicateFlagSerializer, responses=DuplicateFlagSerializer)
    @action(detail=True, methods=["post"], url_path=r"duplicates/(?P<flag_id>[0-9]+)/decide")
    def decide_duplicate(self, request, pk=None, flag_id=None):
        """Decide on one flag: {"decision": "same_household" | "different", "decision_note": "why"}."""
        flag = self.get_object().duplicate_flags.filter(pk=flag_id).first()
        if flag is None:
            raise Http404("No possible duplicate with this id for this household.")
        data = DuplicateFlagSerializer(flag, data=request.data, partial=True, context={"request": request})
        data.is_valid(raise_exception=True)
        flag = duplicate_decide(
            flag=flag,
            decision=data.validated_data.get("decision", ""),
            by=request.user,
            note=data.validated_data.get("decision_note", ""),
        )
        return Response(DuplicateFlagSerializer(flag, context={"request": request}).data)

    @extend_schema(request=AssessmentSerializer, responses={201: AssessmentSerializer})
    @action(detail=True, methods=["post"])
    def assess(self, request, pk=None):
        """Assess eligibility against a scheme: {"scheme": "decree-305-2018"}. Each criterion is explained."""
        household = self.get_object()
        data = AssessmentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        assessment = eligibility_assess(
            household=household,
            scheme=data.validated_data["scheme"],
            by=request.user,
            decision_reference=data.validated_data.get("decision_reference", ""),
        )
        return Response(AssessmentSerializer(assessment).data, status=201)
