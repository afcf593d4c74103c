"""Admin for livelihoods: matching programmes and providers are configured here; the reference lists are shown;
profiles, opportunities, referrals, attendance and survey rounds are workflow records and evidence, shown read-only
to administrators in scope (the services write them, the database keeps their rules)."""

from django.contrib import admin

from landreg.admin import AdministratorOnly, LandregAdmin, ReadOnlyInline, WorkflowRecordAdmin
from landreg.roles import PERSONAL_DATA_ROLES, has_role
from landreg.scope import filter_by_scope
from livelihoods.models import (
    AttendanceWeek,
    IscoOccupation,
    IsicActivity,
    MatchingProgramme,
    Occupation,
    Opportunity,
    Provider,
    Referral,
    ReferralStep,
    SkillsProfile,
    SurveyAnswer,
    SurveyAssignment,
    SurveyQuestion,
    SurveyRound,
)
from livelihoods.selectors import opportunities_visible_to, referrals_visible_to


def _households_in_scope(queryset, user, path: str):
    """Records that name a household: only for roles with personal data, within their provinces."""
    if not has_role(user, *PERSONAL_DATA_ROLES):
        return queryset.none()
    return filter_by_scope(queryset, user, province_field=f"{path}__province")


class ReferenceAdmin(LandregAdmin):
    """Shipped reference data: shown and searched; changed by a migration that ships a new list."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(IscoOccupation)
class IscoOccupationAdmin(ReferenceAdmin):
    list_display = ["code", "level", "title_en", "title_prs", "title_ps", "needs_review"]
    list_filter = ["level", "needs_review"]
    search_fields = ["code", "title_en", "title_prs", "title_ps"]


@admin.register(IsicActivity)
class IsicActivityAdmin(ReferenceAdmin):
    list_display = ["code", "level", "title_en", "needs_review"]
    list_filter = ["level", "needs_review"]
    search_fields = ["code", "title_en"]


@admin.register(SurveyQuestion)
class SurveyQuestionAdmin(ReferenceAdmin):
    """The scoring table: a version is never edited once used (livelihoods/survey.py)."""

    list_display = ["version", "position", "code", "dimension", "min_value", "max_value", "weight"]
    list_filter = ["version", "dimension"]


@admin.register(MatchingProgramme)
class MatchingProgrammeAdmin(AdministratorOnly, LandregAdmin):
    """How a programme weighs a match: configuration, like eligibility schemes."""

    list_display = [
        "code",
        "name",
        "weight_skills",
        "weight_distance",
        "weight_vulnerability",
        "weight_workplace",
        "active",
    ]


@admin.register(Provider)
class ProviderAdmin(AdministratorOnly, LandregAdmin):
    list_display = ["name", "kind", "agreement"]
    search_fields = ["name"]


class OccupationInline(ReadOnlyInline):
    model = Occupation
    fields = readonly_fields = ["isco", "years", "learnt_in"]


@admin.register(SkillsProfile)
class SkillsProfileAdmin(WorkflowRecordAdmin):
    list_display = ["person", "education", "can_work_outside_home", "workplace_accepted", "updated_at"]
    inlines = [OccupationInline]
    logs_personal_data = True

    def visible_to(self, user):
        return _households_in_scope(SkillsProfile.objects.select_related("person"), user, "person__household")


@admin.register(Opportunity)
class OpportunityAdmin(WorkflowRecordAdmin):
    list_display = [
        "title",
        "kind",
        "provider",
        "province",
        "places_offered",
        "places_filled",
        "start_on",
        "end_on",
        "status",
    ]
    list_filter = ["kind", "status", "province"]
    search_fields = ["title", "provider__name"]

    def visible_to(self, user):
        return opportunities_visible_to(user)


class ReferralStepInline(ReadOnlyInline):
    model = ReferralStep
    fields = readonly_fields = ["from_status", "to_status", "day", "reason", "by", "at"]


@admin.register(Referral)
class ReferralAdmin(WorkflowRecordAdmin):
    list_display = ["opportunity", "person", "status", "created_at"]
    list_filter = ["status"]
    inlines = [ReferralStepInline]
    logs_personal_data = True

    def visible_to(self, user):
        return referrals_visible_to(user)


@admin.register(AttendanceWeek)
class AttendanceWeekAdmin(WorkflowRecordAdmin):
    list_display = ["referral", "week_start", "days_worked", "amount_due", "paid_on", "payment_reference"]
    list_filter = ["paid_on"]
    logs_personal_data = True

    def visible_to(self, user):
        return AttendanceWeek.objects.filter(referral__in=referrals_visible_to(user))


class SurveyAnswerInline(ReadOnlyInline):
    model = SurveyAnswer
    fields = readonly_fields = ["question", "value"]


@admin.register(SurveyRound)
class SurveyRoundAdmin(WorkflowRecordAdmin):
    list_display = [
        "household",
        "round",
        "conducted_on",
        "score_economic",
        "score_social",
        "score_psychosocial",
        "score_composite",
    ]
    list_filter = ["round", "scoring_version"]
    inlines = [SurveyAnswerInline]
    logs_personal_data = True

    def visible_to(self, user):
        return _households_in_scope(SurveyRound.objects.select_related("household"), user, "household")


@admin.register(SurveyAssignment)
class SurveyAssignmentAdmin(WorkflowRecordAdmin):
    list_display = ["officer", "allocation", "round", "due_on", "done_at"]
    list_filter = ["round", "due_on"]

    def visible_to(self, user):
        return _households_in_scope(SurveyAssignment.objects.select_related("officer"), user, "allocation__household")
