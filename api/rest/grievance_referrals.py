"""Partners' hotlines refer grievances over REST and follow the status of what they referred.

POST /api/v1/grievance-referrals/ refers a case (201 with its reference); GET lists the cases this partner
referred, GET /api/v1/grievance-referrals/<reference>/ one of them: the reference, the status and its dates only.
A case another partner referred, or one that does not exist, is the same 404. Partners only, under a data-sharing
agreement that names grievance referrals and covers the province (partners/referrals.py, docs/partners.md)."""

from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from grievances.models import Grievance
from partners import referrals


class ReferralRequestSerializer(serializers.Serializer):
    """What a hotline sends (documentation: the view checks each field and answers a sentence)."""

    category = serializers.ChoiceField(choices=Grievance.Category.choices)
    description = serializers.CharField(
        max_length=referrals.DESCRIPTION_MAX, help_text="What the complainant said, as the hotline noted it."
    )
    province = serializers.CharField(max_length=10, help_text="The province's p-code, e.g. AF06.")
    language = serializers.ChoiceField(choices=Grievance.Language.choices, required=False, default="en")
    consent_to_share = serializers.BooleanField(
        required=False, default=False, help_text="The complainant agreed that the case is shared with a partner."
    )
    anonymous = serializers.BooleanField(required=False, default=False)
    client_uuid = serializers.UUIDField(
        required=False, help_text="Your system's id of this referral: sent again, it answers the first one (200)."
    )


class ReferralSerializer(serializers.Serializer):
    """A case as its partner sees it: the reference, the status and its dates; nothing else."""

    reference = serializers.CharField()
    status = serializers.CharField()
    received_at = serializers.DateTimeField()
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    referred_at = serializers.DateTimeField(allow_null=True)
    resolved_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    loop_closed_at = serializers.DateTimeField(allow_null=True)


class ReferralsView(GenericAPIView):
    serializer_class = ReferralSerializer

    def get_queryset(self):
        return referrals.referrals_of(self.request.user)

    @extend_schema(
        summary="The cases this partner referred",
        description="Newest first, paginated; the reference, the status and its dates only.",
        responses={200: ReferralSerializer(many=True), 403: OpenApiResponse(description="Not a partner")},
    )
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(ReferralSerializer(page, many=True).data)

    @extend_schema(
        summary="Refer a complaint from the partner's hotline",
        description=(
            "Under a current data-sharing agreement naming grievance referrals and covering the province. The "
            "description is never given back; a sensitive category is sealed (docs/grievances.md)."
        ),
        request=ReferralRequestSerializer,
        responses={
            201: ReferralSerializer,
            200: OpenApiResponse(ReferralSerializer, description="Sent before with this client_uuid: the first one"),
            400: OpenApiResponse(description="A field to fix, with a sentence"),
            403: OpenApiResponse(description="No agreement covers this; the sentence says what is missing"),
        },
    )
    def post(self, request):
        grievance, created = referrals.referral_from_partner(by=request.user, data=request.data)
        return Response(
            ReferralSerializer(grievance).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class ReferralView(GenericAPIView):
    serializer_class = ReferralSerializer

    @extend_schema(
        summary="One case this partner referred",
        responses={200: ReferralSerializer, 404: OpenApiResponse(description="Not a case this partner referred")},
    )
    def get(self, request, reference: str):
        return Response(ReferralSerializer(referrals.referral_of(request.user, reference)).data)


urlpatterns = [
    path("grievance-referrals/", ReferralsView.as_view(), name="grievance-referrals"),
    path("grievance-referrals/<str:reference>/", ReferralView.as_view(), name="grievance-referral"),
]
