"""Admin for households and eligibility: only roles that work with personal data see them (a GIS specialist sees
no household at all), within their provinces, and every list and page of them is logged."""

from django.contrib import admin

from households.models import (
    DuplicateFlag,
    EligibilityAssessment,
    EligibilityCriterion,
    EligibilityScheme,
    Household,
    Person,
    ReturnEvidence,
)
from households.selectors import households_visible_to
from households.services import PERSON_FIELDS
from landreg.admin import LandregAdmin, ReadOnlyInline, WorkflowRecordAdmin


class PersonInline(ReadOnlyInline):
    model = Person
    fields = [*PERSON_FIELDS, "tazkira_last4", "por_last4"]
    readonly_fields = ["tazkira_last4", "por_last4"]


@admin.register(Household)
class HouseholdAdmin(WorkflowRecordAdmin):
    """Shown only: households are registered and edited through the services (landreg's pages, the API and the
    list import), which hash ID numbers, look for duplicates and reassess eligibility; the admin would skip them."""

    list_display = ["code", "province", "size", "category", "status", "is_demo"]
    list_filter = ["status", "category", "province", "is_demo"]
    search_fields = ["code"]
    inlines = [PersonInline]
    logs_personal_data = True

    def visible_to(self, user):
        return households_visible_to(user).select_related("province")


class CriterionInline(admin.TabularInline):
    model = EligibilityCriterion
    extra = 0


@admin.register(EligibilityScheme)
class EligibilitySchemeAdmin(LandregAdmin):
    """Eligibility is configuration: criteria, the evidence each category needs, and priority weights."""

    list_display = ["code", "name", "active"]
    inlines = [CriterionInline]


@admin.register(EligibilityAssessment)
class EligibilityAssessmentAdmin(WorkflowRecordAdmin):
    """Assessments come from the service, with each criterion explained: shown only."""

    list_display = ["household", "scheme", "eligible", "priority_score", "assessed_by", "assessed_at"]
    list_filter = ["eligible", "scheme"]
    logs_personal_data = True

    def visible_to(self, user):
        return EligibilityAssessment.objects.filter(household__in=households_visible_to(user))


@admin.register(DuplicateFlag)
class DuplicateFlagAdmin(WorkflowRecordAdmin):
    """Possible duplicates are decided by land officers and committee members on the households page
    (duplicate_decide, which checks who decides); here they are shown only."""

    list_display = ["household", "candidate", "reason", "similarity", "decision", "decided_by"]
    list_filter = ["reason", "decision"]
    logs_personal_data = True

    def visible_to(self, user):
        visible = households_visible_to(user)  # both sides: a flag must not name another province's household
        return DuplicateFlag.objects.filter(household__in=visible, candidate__in=visible)


@admin.register(ReturnEvidence)
class ReturnEvidenceAdmin(WorkflowRecordAdmin):
    """Recorded by the register that proves the return (an arrival linked at the border): shown only."""

    list_display = ["household", "kind", "returned_on", "crossing_point", "reference", "recorded_by"]
    list_filter = ["kind"]
    logs_personal_data = True

    def visible_to(self, user):
        return ReturnEvidence.objects.filter(household__in=households_visible_to(user)).select_related("household")
