"""REST API v1 for livelihoods (docs/livelihoods.md) under /api/v1/livelihoods/: opportunities (partners post for
their agreement's provinces), ranked matches with the score in parts, skills profiles, referrals and their steps,
cash-for-work attendance and pay, reintegration survey rounds and the rounds due, occupation search, and the import
of Kobo/ODK exports of the profile and survey forms.

Thin views: the services (livelihoods/services.py) decide role and scope and refuse with a sentence (400 to fix
the input, 403 not allowed); a record outside the caller's scope is the same 404 as one that does not exist.
"""

import json

from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from allocations.selectors import allocations_visible_to
from households.models import VULNERABILITY_FLAGS, Category, Person
from landreg import kobo_exports, roles
from landreg.access_log import log_personal_data_access
from landreg.services_common import require_role
from livelihoods import kobo, matching, selectors, services, xlsform
from livelihoods.models import (
    AttendanceWeek,
    EducationLevel,
    Literacy,
    Occupation,
    Opportunity,
    Provider,
    Referral,
    SkillsProfile,
    SurveyRound,
    SurveyRoundKind,
    Workplace,
)
from parcels.models import AdminArea

MAX_RANKED = 500


def _invalid(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: [ValidationError(message, code=code)]})


def _read(serializer_class, data, **kwargs) -> dict:
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


# --- geometry -----------------------------------------------------------------------------------------------------


def _geometry(value, field: str, kinds: tuple[str, ...]):
    """A GeoJSON geometry in WGS 84 (longitude, latitude): the same reading as the pages' (one home)."""
    return services.location_from_geojson(value, field, kinds)


@extend_schema_field(OpenApiTypes.OBJECT)
class GeoJSONField(serializers.JSONField):
    """A GeoJSON geometry, as an object."""


def _geojson(geometry):
    return json.loads(geometry.geojson) if geometry is not None else None


# --- opportunities ------------------------------------------------------------------------------------------------


def _listed(choices) -> str:
    return "One of: " + ", ".join(value for value, _label in choices) + "."


# Named by their values in the schema: the field names (kind, sex) are used with other choices elsewhere in the API.
KINDS = _listed(Opportunity.Kind.choices)
SEXES = _listed(Opportunity.Sex.choices)
LITERACY = _listed(Literacy.choices)


class OpportunitySerializer(serializers.ModelSerializer):
    kind = serializers.CharField(read_only=True, help_text=KINDS)
    sex = serializers.CharField(read_only=True, help_text=SEXES)
    provider_name = serializers.CharField(source="provider.name", read_only=True)
    point = serializers.SerializerMethodField()
    area = serializers.SerializerMethodField()
    places_left = serializers.SerializerMethodField()

    class Meta:
        model = Opportunity
        fields = [
            "id",
            "provider",
            "provider_name",
            "programme",
            "kind",
            "title",
            "description",
            "isic",
            "isco_codes",
            "sex",
            "age_min",
            "age_max",
            "categories",
            "province",
            "township",
            "district",
            "vulnerability_priorities",
            "vulnerable_only",
            "workplace",
            "point",
            "area",
            "places_offered",
            "places_filled",
            "places_left",
            "start_on",
            "end_on",
            "stipend_monthly",
            "daily_wage",
            "days_offered",
            "currency",
            "status",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_point(self, o) -> dict | None:
        return _geojson(o.point)

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_area(self, o) -> dict | None:
        return _geojson(o.area)

    def get_places_left(self, o) -> int:
        return max(0, o.places_offered - o.places_filled)


class OpportunityWriteSerializer(serializers.Serializer):
    """An opportunity to post. A partner account needs no provider: it posts as its agreement's organisation."""

    provider = serializers.IntegerField(
        required=False, min_value=1, help_text="The provider's id (officers); partners post as their organisation."
    )
    kind = serializers.CharField(max_length=20, help_text=KINDS)
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    province = serializers.IntegerField(min_value=1, help_text="The province's id.")
    township = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    district = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    point = GeoJSONField(required=False, allow_null=True, help_text="A GeoJSON Point (longitude, latitude).")
    area = GeoJSONField(required=False, allow_null=True, help_text="A GeoJSON Polygon or MultiPolygon.")
    places_offered = serializers.IntegerField(min_value=1, max_value=100_000)
    start_on = serializers.DateField()
    end_on = serializers.DateField(required=False, allow_null=True)
    isic = serializers.CharField(max_length=4, required=False, allow_blank=True, allow_null=True)
    isco_codes = serializers.ListField(child=serializers.CharField(max_length=4), required=False, max_length=50)
    sex = serializers.CharField(max_length=3, required=False, default=Opportunity.Sex.ANY, help_text=SEXES)
    age_min = serializers.IntegerField(min_value=0, max_value=120, required=False, default=15)
    age_max = serializers.IntegerField(min_value=0, max_value=120, required=False, default=64)
    categories = serializers.ListField(
        child=serializers.ChoiceField(choices=Category.choices), required=False, max_length=10
    )
    vulnerability_priorities = serializers.ListField(
        child=serializers.ChoiceField(choices=[(f, f) for f in VULNERABILITY_FLAGS]), required=False, max_length=10
    )
    vulnerable_only = serializers.BooleanField(required=False, default=False)
    workplace = serializers.ChoiceField(choices=Workplace.choices, required=False, default=Workplace.MIXED)
    stipend_monthly = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    daily_wage = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0, required=False, allow_null=True)
    days_offered = serializers.IntegerField(min_value=1, max_value=3660, required=False, allow_null=True)


class OpportunityUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    end_on = serializers.DateField(required=False, allow_null=True)
    places_offered = serializers.IntegerField(min_value=1, max_value=100_000, required=False)
    stipend_monthly = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    daily_wage = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0, required=False, allow_null=True)
    days_offered = serializers.IntegerField(min_value=1, max_value=3660, required=False, allow_null=True)


def _province(pk: int) -> AdminArea:
    province = AdminArea.objects.filter(pk=pk, level="province").first()
    if province is None:
        raise _invalid("province", _("There is no province %(id)s; give a province's id.") % {"id": pk}, "unknown")
    return province


def _district(pk):
    if pk is None:
        return None
    district = AdminArea.objects.filter(pk=pk, level="district").first()
    if district is None:
        raise _invalid("district", _("There is no district %(id)s.") % {"id": pk}, "unknown")
    return district


def _township(pk):
    from townships.models import Township

    if pk is None:
        return None
    township = Township.objects.filter(pk=pk).first()
    if township is None:
        raise _invalid("township", _("There is no township %(id)s.") % {"id": pk}, "unknown")
    return township


def _opportunity(user, pk: int) -> Opportunity:
    return get_object_or_404(selectors.opportunities_visible_to(user), pk=pk)


class OpportunitiesView(GenericAPIView):
    serializer_class = OpportunitySerializer

    def get_queryset(self):
        queryset = selectors.opportunities_visible_to(self.request.user).order_by("-start_on", "pk")
        if self.request.query_params.get("open") in ("1", "true"):
            queryset = selectors.opportunities_open(self.request.user).order_by("-start_on", "pk")
        return queryset

    @extend_schema(
        summary="Opportunities in your scope",
        description="Officers: their provinces'. Partners: their organisation's. No personal data.",
        parameters=[OpenApiParameter("open", OpenApiTypes.BOOL, description="Only those taking people today.")],
        responses={200: OpportunitySerializer(many=True)},
    )
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(OpportunitySerializer(page, many=True).data)

    @extend_schema(
        summary="Post an opportunity",
        description=(
            "A land officer or administrator of the province, for a provider; or a partner account under a current "
            "data-sharing agreement covering the province (it posts as its organisation)."
        ),
        request=OpportunityWriteSerializer,
        responses={
            201: OpportunitySerializer,
            400: OpenApiResponse(description="A field to fix, with a sentence"),
            403: OpenApiResponse(description="Not allowed here, with a sentence"),
        },
    )
    @transaction.atomic  # a partner's provider is made with the opportunity, or not at all
    def post(self, request):
        data = dict(_read(OpportunityWriteSerializer, request.data))
        province = _province(data.pop("province"))
        provider_id = data.pop("provider", None)
        if roles.has_role(request.user, *services.OFFICE_ROLES):
            if provider_id is None:
                raise _invalid("provider", _("Name the provider offering the opportunity (its id)."), "required")
            provider = Provider.objects.filter(pk=provider_id).first()
            if provider is None:
                raise _invalid("provider", _("There is no provider %(id)s.") % {"id": provider_id}, "unknown")
        elif roles.has_role(request.user, roles.PARTNER):
            provider = services.partner_provider_for(request.user, province)
            if provider_id is not None and provider_id != provider.pk:
                raise PermissionDenied(_("A partner account posts only as its own organisation."))
        else:
            raise PermissionDenied(_("Only a land officer, an administrator or a partner may post an opportunity."))
        point = _geometry(data.pop("point"), "point", ("Point",)) if data.get("point") is not None else None
        data.pop("point", None)
        area = data.pop("area", None)
        area = _geometry(area, "area", ("Polygon", "MultiPolygon")) if area is not None else None
        opportunity = services.opportunity_post(
            provider=provider,
            by=request.user,
            province=province,
            township=_township(data.pop("township", None)),
            district=_district(data.pop("district", None)),
            point=point,
            area=area,
            isic=data.pop("isic", None) or None,
            **data,
        )
        return Response(OpportunitySerializer(opportunity).data, status=status.HTTP_201_CREATED)


class OpportunityView(APIView):
    @extend_schema(summary="One opportunity", responses={200: OpportunitySerializer})
    def get(self, request, pk: int):
        return Response(OpportunitySerializer(_opportunity(request.user, pk)).data)

    @extend_schema(
        summary="Change an opportunity",
        description="Its title, description, end, places offered (never below those filled), stipend, wage, days.",
        request=OpportunityUpdateSerializer,
        responses={200: OpportunitySerializer, 400: OpenApiResponse(description="A field to fix, with a sentence")},
    )
    def patch(self, request, pk: int):
        opportunity = _opportunity(request.user, pk)
        changes = _read(OpportunityUpdateSerializer, request.data, partial=True)
        opportunity = services.opportunity_update(opportunity=opportunity, by=request.user, **changes)
        return Response(OpportunitySerializer(opportunity).data)


class OpportunityCloseView(APIView):
    @extend_schema(summary="Close an opportunity: it takes no one more", request=None, responses=OpportunitySerializer)
    def post(self, request, pk: int):
        opportunity = services.opportunity_close(opportunity=_opportunity(request.user, pk), by=request.user)
        return Response(OpportunitySerializer(opportunity).data)


# --- ranked matches -------------------------------------------------------------------------------------------------


class MatchSerializer(serializers.Serializer):
    """One ranked pair: the score (0-100) in its four parts, each 0-1, the programme's weights, the distance and how
    the household was located, and one sentence per part."""

    opportunity = serializers.IntegerField()
    title = serializers.CharField()
    kind = serializers.CharField()
    person = serializers.IntegerField()
    person_name = serializers.CharField()
    household = serializers.IntegerField()
    household_code = serializers.CharField()
    plot_number = serializers.CharField(allow_null=True)
    score = serializers.FloatField()
    parts = serializers.DictField(child=serializers.FloatField())
    weights = serializers.DictField(child=serializers.IntegerField())
    distance_km = serializers.FloatField(allow_null=True)
    located_by = serializers.CharField(allow_null=True)
    referral_status = serializers.CharField(allow_null=True)
    referral = serializers.IntegerField(allow_null=True)
    explanation = serializers.ListField(child=serializers.CharField())


def _limit(request, default: int = matching.RANK_LIMIT) -> int:
    raw = request.query_params.get("limit", "")
    if raw == "":
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_RANKED:
        raise _invalid("limit", _("limit is a whole number from 1 to %(max)d.") % {"max": MAX_RANKED}, "limit")
    return int(raw)


def _matches(rows: list[dict]) -> list[dict]:
    return [{**row, "explanation": matching.explain(row)} for row in rows]


LIMIT_PARAMETER = OpenApiParameter("limit", OpenApiTypes.INT, description=f"How many, best first (1-{MAX_RANKED}).")


class PeopleRankedView(APIView):
    @extend_schema(
        summary="The eligible people for an opportunity, best first",
        parameters=[LIMIT_PARAMETER],
        responses={200: MatchSerializer(many=True)},
    )
    def get(self, request, pk: int):
        limit = _limit(request)
        opportunity = _opportunity(request.user, pk)
        rows = selectors.people_ranked_for(request.user, opportunity, limit=limit, where="api")
        return Response(_matches(rows))


def _person(user, pk: int) -> Person:
    """A person of a household in the user's scope (livelihoods.selectors.person_for_profile: the read is logged);
    the same 404 otherwise. Roles without personal data are told so (403)."""
    try:
        return selectors.person_for_profile(user, pk, where="api")
    except Person.DoesNotExist:
        raise Http404 from None


class OpportunitiesRankedView(APIView):
    @extend_schema(
        summary="The open opportunities a person is eligible for, best first",
        parameters=[LIMIT_PARAMETER],
        responses={200: MatchSerializer(many=True)},
    )
    def get(self, request, pk: int):
        limit = _limit(request)
        rows = selectors.opportunities_ranked_for(request.user, _person(request.user, pk), limit=limit, where="api")
        return Response(_matches(rows))


# --- skills profiles ------------------------------------------------------------------------------------------------


class ProfileOccupationSerializer(serializers.Serializer):
    isco = serializers.CharField(max_length=4, help_text="ISCO-08 unit group (four digits).")
    years = serializers.DecimalField(max_digits=4, decimal_places=1, min_value=0, max_value=80)
    learnt_in = serializers.ChoiceField(choices=Occupation.LearntIn.choices)


class ProfileSerializer(serializers.Serializer):
    education = serializers.ChoiceField(choices=EducationLevel.choices, default=EducationLevel.NONE)
    literacy_dari = serializers.CharField(max_length=6, default=Literacy.NONE, help_text=LITERACY)
    literacy_pashto = serializers.CharField(max_length=6, default=Literacy.NONE, help_text=LITERACY)
    literacy_english = serializers.CharField(max_length=6, default=Literacy.NONE, help_text=LITERACY)
    occupations = ProfileOccupationSerializer(many=True, default=list, max_length=20)
    certificates = serializers.ListField(child=serializers.CharField(max_length=150), default=list, max_length=30)
    languages = serializers.ListField(child=serializers.CharField(max_length=3), default=list, max_length=20)
    can_work_outside_home = serializers.BooleanField(default=True)
    workplace_accepted = serializers.ChoiceField(
        choices=SkillsProfile.WorkplaceAccepted.choices, default=SkillsProfile.WorkplaceAccepted.ANY
    )
    care_duties = serializers.BooleanField(default=False)
    disability = serializers.BooleanField(default=False)
    max_travel_km = serializers.DecimalField(
        max_digits=5, decimal_places=1, min_value=0, max_value=1000, required=False, allow_null=True
    )


class ProfileAnswerSerializer(ProfileSerializer):
    person = serializers.IntegerField()
    updated_at = serializers.DateTimeField()


def _profile_answer(profile: SkillsProfile) -> dict:
    return {
        "person": profile.person_id,
        "updated_at": profile.updated_at,
        **{
            name: getattr(profile, name)
            for name in (
                "education",
                "literacy_dari",
                "literacy_pashto",
                "literacy_english",
                "certificates",
                "languages",
                "can_work_outside_home",
                "workplace_accepted",
                "care_duties",
                "disability",
                "max_travel_km",
            )
        },
        "occupations": [
            {"isco": o.isco_id, "years": o.years, "learnt_in": o.learnt_in}
            for o in profile.occupations.order_by("isco_id")
        ],
    }


class ProfileView(APIView):
    @extend_schema(
        summary="A person's skills profile",
        responses={200: ProfileAnswerSerializer, 404: OpenApiResponse(description="No profile, or not in scope")},
    )
    def get(self, request, pk: int):
        person = _person(request.user, pk)
        profile = get_object_or_404(SkillsProfile, person=person)
        log_personal_data_access(
            user=request.user, action="view", what="livelihoods.SkillsProfile", ids=[profile.pk], where="api"
        )
        return Response(ProfileAnswerSerializer(_profile_answer(profile)).data)

    @extend_schema(
        summary="Record or replace a person's skills profile",
        description="For a person aged 15 or over with a date of birth; the occupations are ISCO-08 unit groups.",
        request=ProfileSerializer,
        responses={200: ProfileAnswerSerializer, 400: OpenApiResponse(description="A field to fix, with a sentence")},
    )
    def put(self, request, pk: int):
        person = _person(request.user, pk)
        data = dict(_read(ProfileSerializer, request.data))
        data["occupations"] = [dict(o) for o in data["occupations"]]
        profile = services.skills_profile_save(person=person, by=request.user, **data)
        return Response(ProfileAnswerSerializer(_profile_answer(profile)).data)


# --- referrals ----------------------------------------------------------------------------------------------------


class ReferralStepSerializer(serializers.Serializer):
    to_status = serializers.CharField()
    day = serializers.DateField()
    reason = serializers.CharField()


class LivelihoodReferralSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    opportunity = serializers.IntegerField(source="opportunity_id")
    person = serializers.IntegerField(source="person_id")
    status = serializers.CharField()
    match = serializers.JSONField()
    steps = serializers.SerializerMethodField()

    @extend_schema_field(ReferralStepSerializer(many=True))
    def get_steps(self, referral) -> list[dict]:
        return [
            {"to_status": s.to_status, "day": s.day, "reason": s.reason} for s in referral.steps.order_by("day", "pk")
        ]


class PartnerReferralSerializer(serializers.Serializer):
    """A referral as the opportunity's provider sees it: no name, no ID number, no location."""

    referral = serializers.IntegerField()
    opportunity = serializers.IntegerField()
    opportunity_title = serializers.CharField()
    household = serializers.CharField(help_text="Pseudonymous code under the partner's agreement.")
    sex = serializers.CharField()
    age_band = serializers.CharField()
    status = serializers.CharField()
    steps = serializers.ListField(child=serializers.DictField())


class SuggestSerializer(serializers.Serializer):
    opportunity = serializers.IntegerField(min_value=1)
    person = serializers.IntegerField(min_value=1)
    step = serializers.ChoiceField(
        choices=[(s, s) for s in services.REFER_STEPS],
        default="suggested",
        help_text="suggested (the default), or referred: suggested and sent to the provider at once.",
        error_messages={
            "invalid_choice": gettext_lazy(
                "step is suggested (the default) or referred; the provider takes the next steps."
            ),
            "null": gettext_lazy("step is suggested (the default) or referred; leave it out for suggested."),
        },
    )


class StepRequestSerializer(serializers.Serializer):
    to_status = serializers.ChoiceField(choices=Referral.Status.choices)
    day = serializers.DateField(required=False, help_text="The step's day (today if not given).")
    reason = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, default="", help_text="Required to refuse or drop out."
    )


def _referral(user, pk: int) -> Referral:
    """Officers: the referrals in their scope. Partners: those to their organisation's opportunities, once
    referred."""
    if roles.has_role(user, *roles.PERSONAL_DATA_ROLES):
        queryset = selectors.referrals_visible_to(user)
    else:
        queryset = Referral.objects.filter(
            opportunity__in=selectors.opportunities_visible_to(user).values("pk")
        ).exclude(status="suggested")
    return get_object_or_404(queryset, pk=pk)


class ReferralsView(APIView):
    @extend_schema(
        summary="Referrals in your scope",
        description=(
            "Officers: the referrals of their provinces, with the match. Partners: those to their own opportunities, "
            "pseudonymised (PartnerReferral)."
        ),
        parameters=[OpenApiParameter("opportunity", OpenApiTypes.INT)],
        responses={200: LivelihoodReferralSerializer(many=True)},
    )
    def get(self, request):
        opportunity = request.query_params.get("opportunity", "")
        if opportunity and not opportunity.isdigit():
            raise _invalid("opportunity", _("opportunity is an opportunity's id."), "invalid")
        if roles.has_role(request.user, roles.PARTNER) and not roles.has_role(request.user, *roles.PERSONAL_DATA_ROLES):
            rows = selectors.referrals_for_partner(request.user)
            if opportunity:
                rows = [r for r in rows if r["opportunity"] == int(opportunity)]
            return Response(PartnerReferralSerializer(rows, many=True).data)
        queryset = selectors.referrals_visible_to(request.user).order_by("pk")
        if opportunity:
            queryset = queryset.filter(opportunity_id=int(opportunity))
        referrals = list(queryset[:1000])
        log_personal_data_access(
            user=request.user,
            action="list",
            what="households.Person",
            ids=[r.person_id for r in referrals],
            where="api referrals",
        )
        return Response(LivelihoodReferralSerializer(referrals, many=True).data)

    @extend_schema(
        summary="Suggest (or refer) a person for an opportunity",
        description=(
            "Only an eligible person (the refusal says why not), once per person and opportunity, for an open "
            "opportunity with a place left; the same service as the pages' and the map panel's Refer."
        ),
        request=SuggestSerializer,
        responses={
            201: LivelihoodReferralSerializer,
            400: OpenApiResponse(description="Not eligible, with the reason"),
        },
    )
    def post(self, request):
        require_role(request.user, services.PEOPLE_ROLES, _("suggest a person for an opportunity"))
        data = _read(SuggestSerializer, request.data)
        try:
            opportunity, person = selectors.referral_parties(
                request.user, data["opportunity"], data["person"], where=request.path
            )
        except Opportunity.DoesNotExist:
            raise _invalid(
                "opportunity",
                _("There is no opportunity %(id)s in your provinces.") % {"id": data["opportunity"]},
                "unknown",
            ) from None
        except Person.DoesNotExist:
            raise _invalid(
                "person", _("There is no person %(id)s in your provinces.") % {"id": data["person"]}, "unknown"
            ) from None
        referral = services.referral_refer(opportunity=opportunity, person=person, by=request.user, step=data["step"])
        return Response(LivelihoodReferralSerializer(referral).data, status=status.HTTP_201_CREATED)


class ReferralView(APIView):
    @extend_schema(summary="One referral with its steps", responses={200: LivelihoodReferralSerializer})
    def get(self, request, pk: int):
        referral = _referral(request.user, pk)
        if not roles.has_role(request.user, *roles.PERSONAL_DATA_ROLES):
            rows = [r for r in selectors.referrals_for_partner(request.user) if r["referral"] == referral.pk]
            return Response(PartnerReferralSerializer(rows[0]).data if rows else {}, status=200 if rows else 404)
        log_personal_data_access(
            user=request.user, action="view", what="households.Person", ids=[referral.person_id], where="api"
        )
        return Response(LivelihoodReferralSerializer(referral).data)


class ReferralStepView(APIView):
    @extend_schema(
        summary="Move a referral one step",
        description=(
            "suggested → referred → accepted → enrolled → completed, or refused, or dropped out; each with its day "
            "(not before the previous step's) and a reason to end it. Accepting takes a place: refused when none is "
            "left."
        ),
        request=StepRequestSerializer,
        responses={
            200: LivelihoodReferralSerializer,
            400: OpenApiResponse(description="A step to fix, with a sentence"),
        },
    )
    def post(self, request, pk: int):
        referral = _referral(request.user, pk)
        data = _read(StepRequestSerializer, request.data)
        referral = services.referral_step(
            referral=referral, to_status=data["to_status"], by=request.user, day=data.get("day"), reason=data["reason"]
        )
        if not roles.has_role(request.user, *roles.PERSONAL_DATA_ROLES):
            rows = [r for r in selectors.referrals_for_partner(request.user) if r["referral"] == referral.pk]
            return Response(PartnerReferralSerializer(rows[0]).data if rows else {"status": referral.status})
        return Response(LivelihoodReferralSerializer(referral).data)


# --- attendance and pay -------------------------------------------------------------------------------------------


class AttendanceSerializer(serializers.ModelSerializer):
    class Meta:
        model = AttendanceWeek
        fields = ["id", "referral", "week_start", "days_worked", "amount_due", "paid_on", "payment_reference"]
        read_only_fields = fields


class AttendanceRequestSerializer(serializers.Serializer):
    week_start = serializers.DateField(help_text="The Saturday the week starts on.")
    days_worked = serializers.IntegerField(min_value=0, max_value=6)


class PayRequestSerializer(serializers.Serializer):
    paid_on = serializers.DateField(required=False)
    reference = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")


class AttendanceView(APIView):
    @extend_schema(summary="A cash-for-work referral's weeks", responses={200: AttendanceSerializer(many=True)})
    def get(self, request, pk: int):
        referral = _referral(request.user, pk)
        return Response(AttendanceSerializer(referral.attendance.order_by("week_start"), many=True).data)

    @extend_schema(
        summary="Record the days worked in a week (an unpaid week is corrected; a paid one is final)",
        request=AttendanceRequestSerializer,
        responses={200: AttendanceSerializer, 400: OpenApiResponse(description="A week to fix, with a sentence")},
    )
    def post(self, request, pk: int):
        referral = _referral(request.user, pk)
        data = _read(AttendanceRequestSerializer, request.data)
        week = services.attendance_record(referral=referral, by=request.user, **data)
        return Response(AttendanceSerializer(week).data)


class AttendancePayView(APIView):
    @extend_schema(
        summary="Mark a week paid: final from then on",
        request=PayRequestSerializer,
        responses={200: AttendanceSerializer, 400: OpenApiResponse(description="Already paid, or nothing due")},
    )
    def post(self, request, pk: int):
        week = get_object_or_404(
            AttendanceWeek.objects.filter(
                referral__opportunity__in=selectors.opportunities_visible_to(request.user).values("pk")
            ),
            pk=pk,
        )
        data = _read(PayRequestSerializer, request.data)
        week = services.attendance_pay(attendance=week, by=request.user, **data)
        return Response(AttendanceSerializer(week).data)


class PaymentsDueView(GenericAPIView):
    serializer_class = AttendanceSerializer

    @extend_schema(
        summary="Unpaid cash-for-work weeks, oldest first",
        parameters=[OpenApiParameter("opportunity", OpenApiTypes.INT)],
        responses={200: AttendanceSerializer(many=True)},
    )
    def get(self, request):
        opportunity = request.query_params.get("opportunity", "")
        if opportunity and not opportunity.isdigit():
            raise _invalid("opportunity", _("opportunity is an opportunity's id."), "invalid")
        weeks = selectors.payments_due(
            request.user, opportunity=_opportunity(request.user, int(opportunity)) if opportunity else None
        )
        page = self.paginate_queryset(weeks)
        return self.get_paginated_response(AttendanceSerializer(page, many=True).data)


# --- reintegration survey -------------------------------------------------------------------------------------------


class SurveyRequestSerializer(serializers.Serializer):
    allocation = serializers.IntegerField(min_value=1, help_text="The household's handed-over allocation.")
    round = serializers.ChoiceField(choices=SurveyRoundKind.choices)
    answers = serializers.DictField(
        child=serializers.IntegerField(min_value=-1000, max_value=1000), help_text="question code: value"
    )
    conducted_on = serializers.DateField(required=False)
    client_uuid = serializers.UUIDField(required=False, help_text="The same UUID again returns the first round.")
    lat = serializers.FloatField(required=False, min_value=-90, max_value=90)
    lon = serializers.FloatField(required=False, min_value=-180, max_value=180)


class SurveyRoundSerializer(serializers.ModelSerializer):
    created = serializers.SerializerMethodField()

    class Meta:
        model = SurveyRound
        fields = [
            "id",
            "client_uuid",
            "created",
            "household",
            "allocation",
            "round",
            "scoring_version",
            "conducted_on",
            "score_economic",
            "score_social",
            "score_psychosocial",
            "score_composite",
        ]
        read_only_fields = fields

    def get_created(self, survey) -> bool:
        return bool(self.context.get("created"))


class SurveyDueSerializer(serializers.Serializer):
    allocation_id = serializers.IntegerField()
    household_id = serializers.IntegerField()
    household_code = serializers.CharField()
    township_id = serializers.IntegerField()
    township = serializers.CharField()
    plot_number = serializers.CharField()
    round = serializers.CharField()
    due_on = serializers.DateField()
    officer_id = serializers.IntegerField(allow_null=True)
    assigned_due_on = serializers.DateField(allow_null=True)


class SurveyRoundsView(APIView):
    @extend_schema(
        summary="Record a reintegration survey round",
        description="Every question answered, on its scale; scored by the database. Idempotent on client_uuid.",
        request=SurveyRequestSerializer,
        responses={
            201: SurveyRoundSerializer,
            200: OpenApiResponse(SurveyRoundSerializer, description="Sent before with this client_uuid"),
            400: OpenApiResponse(description="An answer or round to fix, with a sentence"),
        },
    )
    def post(self, request):
        require_role(request.user, services.PEOPLE_ROLES, _("record a reintegration survey"))
        data = _read(SurveyRequestSerializer, request.data)
        allocation = allocations_visible_to(request.user).filter(pk=data["allocation"]).first()
        if allocation is None:
            raise _invalid(
                "allocation",
                _("There is no allocation %(id)s in your provinces.") % {"id": data["allocation"]},
                "unknown",
            )
        point = None
        if (data.get("lat") is None) != (data.get("lon") is None):
            raise _invalid("lat", _("Send both lat and lon, or neither."), "gps_incomplete")
        if data.get("lat") is not None:
            point = Point(data["lon"], data["lat"], srid=4326)
        seen = data.get("client_uuid") and SurveyRound.objects.filter(client_uuid=data["client_uuid"]).exists()
        survey = services.survey_round_record(
            allocation=allocation,
            round=data["round"],
            answers=dict(data["answers"]),
            by=request.user,
            conducted_on=data.get("conducted_on"),
            client_uuid=data.get("client_uuid"),
            point=point,
            source="api",
        )
        return Response(
            SurveyRoundSerializer(survey, context={"created": not seen}).data,
            status=status.HTTP_200_OK if seen else status.HTTP_201_CREATED,
        )


class SurveyRoundsDueView(APIView):
    @extend_schema(
        summary="Reintegration rounds due and not yet conducted, earliest first",
        parameters=[
            OpenApiParameter("on", OpenApiTypes.DATE, description="From this day (today if not given)."),
            OpenApiParameter("horizon_days", OpenApiTypes.INT, description="Due within this many days (0-366)."),
            OpenApiParameter("township", OpenApiTypes.INT),
        ],
        responses={200: SurveyDueSerializer(many=True)},
    )
    def get(self, request):
        params = _read(DueQuerySerializer, request.query_params)
        township = None
        if params.get("township"):
            from townships.selectors import townships_visible_to

            township = townships_visible_to(request.user).filter(pk=params["township"]).first()
            if township is None:
                raise _invalid(
                    "township",
                    _("There is no township %(id)s in your provinces.") % {"id": params["township"]},
                    "unknown",
                )
        rows = selectors.survey_rounds_due(
            request.user, on=params.get("on"), horizon_days=params["horizon_days"], township=township
        )
        return Response(SurveyDueSerializer(rows, many=True).data)


class DueQuerySerializer(serializers.Serializer):
    on = serializers.DateField(required=False)
    horizon_days = serializers.IntegerField(min_value=0, max_value=366, required=False, default=30)
    township = serializers.IntegerField(min_value=1, required=False)


# --- occupations, Kobo ----------------------------------------------------------------------------------------------


class IscoSerializer(serializers.Serializer):
    code = serializers.CharField()
    level = serializers.IntegerField()
    title = serializers.CharField()
    title_en = serializers.CharField()
    title_prs = serializers.CharField()
    title_ps = serializers.CharField()
    needs_review = serializers.BooleanField()


class OccupationsView(APIView):
    @extend_schema(
        summary="Search ISCO-08 occupations in English, Dari or Pashto",
        parameters=[
            OpenApiParameter("q", OpenApiTypes.STR, description="A code, its first digits, or a part of a title."),
            OpenApiParameter("all_levels", OpenApiTypes.BOOL, description="Groups of every level, not units only."),
        ],
        responses={200: IscoSerializer(many=True)},
    )
    def get(self, request):
        found = selectors.occupations_search(
            request.user,
            request.query_params.get("q", ""),
            units_only=request.query_params.get("all_levels") not in ("1", "true"),
        )
        return Response(
            [
                {
                    "code": o.code,
                    "level": o.level,
                    "title": selectors.occupation_label(o),
                    "title_en": o.title_en,
                    "title_prs": o.title_prs,
                    "title_ps": o.title_ps,
                    "needs_review": o.needs_review,
                }
                for o in found
            ]
        )


class LivelihoodImportSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="KoboToolbox or ODK Central export: JSON, CSV, or ODK Central's zip of CSVs."
    )
    form = serializers.ChoiceField(choices=[(f, f) for f in kobo.FORMS], help_text="profile or survey.")


class ImportsView(APIView):
    @extend_schema(
        summary="Import a Kobo/ODK export of the skills profile or survey form",
        description=(
            "Each row once, however often imported (the submission's UUID); each row bounded by your provinces; the "
            "answer is a report per row."
        ),
        request={"multipart/form-data": LivelihoodImportSerializer},
        responses={200: OpenApiTypes.OBJECT, 400: OpenApiResponse(description="The file to fix, with a sentence")},
    )
    def post(self, request):
        kobo.require_importer(request.user)
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
        form = request.data.get("form", "")
        if form not in kobo.FORMS:
            raise _invalid("form", _("form is profile or survey."), "form_invalid")
        report = kobo.submissions_import(form=form, data=upload.read(), filename=upload.name or "", by=request.user)
        return Response(report)


def xlsform_download(request, form):
    """GET /api/v1/livelihoods/forms/<form>.xlsx: the XLSForm to upload to KoboToolbox or ODK Central."""
    from api.auth import request_user

    user = request_user(request)
    if not user.is_authenticated:
        return HttpResponse(status=401, headers={"WWW-Authenticate": 'Basic realm="landreg"'})
    if form not in xlsform.FORMS:
        return HttpResponse(status=404)
    response = HttpResponse(
        xlsform.form_bytes(form), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="landreg_livelihoods_{form}.xlsx"'
    return response
