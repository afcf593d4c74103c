"""REST API v1 views: thin wrappers over the domain selectors and services."""

from django.http import Http404
from rest_framework import serializers, viewsets

from households.models import Household, Person
from households.selectors import household_get, households_list
from landreg.access_log import log_personal_data_access


class PersonSerializer(serializers.ModelSerializer):
    class Meta:
        model = Person
        # ID numbers are shown only as their last four digits.
        fields = ["id", "relationship", "name", "father_name", "sex", "date_of_birth", "tazkira_last4", "por_last4"]


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
            "female_headed",
            "disability",
            "elderly_head",
            "unaccompanied_child",
            "chronic_illness",
            "landless_declared",
            "prior_beneficiary",
        ]


class HouseholdDetailSerializer(HouseholdSerializer):
    members = PersonSerializer(many=True, read_only=True)

    class Meta(HouseholdSerializer.Meta):
        fields = HouseholdSerializer.Meta.fields + ["members"]


class HouseholdViewSet(viewsets.ReadOnlyModelViewSet):
    """Households in the requesting user's scope. Every list and view is logged."""

    serializer_class = HouseholdSerializer
    queryset = Household.objects.none()  # for the schema; get_queryset() applies role and scope

    def get_queryset(self):
        return households_list(self.request.user, where=self.request.path).select_related("province")

    def get_serializer_class(self):
        return HouseholdDetailSerializer if self.action == "retrieve" else HouseholdSerializer

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
