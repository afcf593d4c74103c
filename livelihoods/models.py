"""Livelihoods and reintegration: people's skills, partner organisations and the opportunities they offer, the
matching programmes that weigh a match, referrals and their steps, cash-for-work attendance and its payments, and
the reintegration survey rounds with their answers (docs/livelihoods.md).

The rules that protect places, payments and survey answers live in PostGIS (sql/0002_livelihood_rules.sql), so a
QGIS or psql client obeys them too; the services check the same first and explain them.
"""

import uuid

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.db.models import F, Q
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from households.models import VULNERABILITY_FLAGS, Category
from landreg.history import track_history

# The youngest age at which a person has a skills profile (working age for youth programmes: 15).
MIN_PROFILE_AGE = 15


class IscoOccupation(models.Model):
    """One group of ISCO-08, the ILO's International Standard Classification of Occupations (2008): major group
    (1 digit), sub-major (2), minor (3) or unit group (4). Reference data shipped in livelihoods/data/isco08.csv."""

    class Level(models.IntegerChoices):
        MAJOR = 1, _("Major group")
        SUB_MAJOR = 2, _("Sub-major group")
        MINOR = 3, _("Minor group")
        UNIT = 4, _("Unit group")

    code = models.CharField(max_length=4, primary_key=True)
    level = models.PositiveSmallIntegerField(choices=Level.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    title_en = models.CharField(max_length=200)
    title_prs = models.CharField("title (Dari)", max_length=200, blank=True, db_default="")
    title_ps = models.CharField("title (Pashto)", max_length=200, blank=True, db_default="")
    # True while the Dari or Pashto title is missing or has not been checked by a speaker.
    needs_review = models.BooleanField(default=True, db_default=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(name="isco_code_has_its_level_digits", condition=Q(code__regex=r"^[0-9]{1,4}$")),
        ]

    def __str__(self):
        return f"{self.code} {self.title_en}"


class IsicActivity(models.Model):
    """A section (letter), division (2 digits), group (3) or class (4) of ISIC Rev.4, the UN's International
    Standard Industrial Classification of All Economic Activities. Reference data shipped in
    livelihoods/data/isic4.csv."""

    class Level(models.TextChoices):
        SECTION = "section", _("Section")
        DIVISION = "division", _("Division")
        GROUP = "group", _("Group")
        CLASS = "class", _("Class")

    code = models.CharField(max_length=4, primary_key=True)
    level = models.CharField(max_length=8, choices=Level.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    title_en = models.CharField(max_length=200)
    title_prs = models.CharField("title (Dari)", max_length=200, blank=True, db_default="")
    title_ps = models.CharField("title (Pashto)", max_length=200, blank=True, db_default="")
    needs_review = models.BooleanField(default=True, db_default=True)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "ISIC activities"

    def __str__(self):
        return f"{self.code} {self.title_en}"


class EducationLevel(models.TextChoices):
    NONE = "none", _("No schooling")
    RELIGIOUS = "religious", _("Religious school (madrasa) only")
    PRIMARY = "primary", _("Primary (grades 1-6)")
    LOWER_SECONDARY = "lower_secondary", _("Lower secondary (grades 7-9)")
    UPPER_SECONDARY = "upper_secondary", _("Upper secondary (grades 10-12)")
    TVET = "tvet", _("Vocational (TVET) diploma")
    UNIVERSITY = "university", _("University degree")


class Literacy(models.TextChoices):
    NONE = "none", _("Cannot read")
    BASIC = "basic", _("Reads a little")
    FLUENT = "fluent", _("Reads and writes")


class Workplace(models.TextChoices):
    """Who works at an opportunity's workplace; a profile says which a person accepts."""

    WOMEN_ONLY = "women_only", _("Women only")
    MIXED = "mixed", _("Women and men")
    MEN_ONLY = "men_only", _("Men only")


@track_history
class SkillsProfile(models.Model):
    """What a person aged 15 or over knows and can do, and what limits the work they can take."""

    class WorkplaceAccepted(models.TextChoices):
        ANY = "any", _("Any workplace")
        WOMEN_ONLY = "women_only", _("Only a women-only workplace")

    person = models.OneToOneField("households.Person", on_delete=models.PROTECT, related_name="skills_profile")
    education = models.CharField(max_length=16, choices=EducationLevel.choices, default=EducationLevel.NONE)
    literacy_dari = models.CharField(max_length=6, choices=Literacy.choices, default=Literacy.NONE)
    literacy_pashto = models.CharField(max_length=6, choices=Literacy.choices, default=Literacy.NONE)
    literacy_english = models.CharField(max_length=6, choices=Literacy.choices, default=Literacy.NONE)
    # ISO 639 codes of the languages the person speaks (prs, ps, uz, tk, ur, fa, en…).
    languages = ArrayField(models.CharField(max_length=3), default=list, blank=True)
    # Certificates held, as written on them (e.g. "NSDP tailoring, level 2").
    certificates = ArrayField(models.CharField(max_length=150), default=list, blank=True)
    can_work_outside_home = models.BooleanField(default=True)
    workplace_accepted = models.CharField(
        max_length=10, choices=WorkplaceAccepted.choices, default=WorkplaceAccepted.ANY
    )
    care_duties = models.BooleanField("has care duties", default=False)
    disability = models.BooleanField("has a disability", default=False)
    # The furthest the person can travel to work, in km (empty: the programme's default).
    max_travel_km = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_default=Now())
    updated_at = models.DateTimeField(auto_now=True, db_default=Now())

    class Meta:
        ordering = ["person"]
        constraints = [
            models.CheckConstraint(
                name="skills_profile_travel_km_positive",
                condition=Q(max_travel_km__isnull=True) | Q(max_travel_km__gte=0),
            ),
        ]
        # The matching asks for the furthest travel of any profile (how far to measure): one index probe.
        indexes = [models.Index(fields=["max_travel_km"], name="profile_travel_km_idx")]

    def __str__(self):
        return f"skills of person #{self.person_id}"


@track_history(per_statement=True)
class Occupation(models.Model):
    """One occupation a person has worked in, with where they learnt it. Its history keeps a replaced profile's
    earlier occupations (a profile is saved whole: its occupations deleted and written again in one statement each)."""

    class LearntIn(models.TextChoices):
        IRAN = "iran", _("Iran")
        PAKISTAN = "pakistan", _("Pakistan")
        AFGHANISTAN = "afghanistan", _("Afghanistan")
        OTHER = "other", _("Another country")

    profile = models.ForeignKey(SkillsProfile, on_delete=models.CASCADE, related_name="occupations")
    isco = models.ForeignKey(IscoOccupation, on_delete=models.PROTECT, related_name="+", db_column="isco_code")
    years = models.DecimalField(max_digits=4, decimal_places=1, default=0)
    learnt_in = models.CharField(max_length=12, choices=LearntIn.choices)

    class Meta:
        ordering = ["profile", "-years"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "isco"], name="occupation_once_per_profile"),
            models.CheckConstraint(name="occupation_years_plausible", condition=Q(years__gte=0, years__lte=80)),
        ]
        indexes = [models.Index(fields=["isco"], name="occupation_isco_idx")]


class Provider(models.Model):
    """A partner organisation that offers opportunities (NGO, UN agency, company, government programme). Its
    partner accounts post under its data-sharing agreement, for the provinces the agreement covers."""

    class Kind(models.TextChoices):
        NGO = "ngo", _("Non-governmental organisation")
        UN = "un", _("UN agency")
        PRIVATE = "private", _("Private company")
        GOVERNMENT = "government", _("Government programme")

    name = models.CharField(max_length=150, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.NGO)
    # The agreement its partner accounts act under (landreg/models.py); none: only officers post for it.
    agreement = models.ForeignKey(
        "landreg.DataSharingAgreement", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_default=Now())

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class MatchingProgramme(models.Model):
    """How a programme weighs a match: points for skills fit, travel distance, vulnerability priority and the
    workplace a person accepts. Configuration, edited by administrators (like eligibility schemes)."""

    code = models.SlugField(max_length=30, unique=True)
    name = models.CharField(max_length=150)
    weight_skills = models.PositiveSmallIntegerField(default=40)
    weight_distance = models.PositiveSmallIntegerField(default=30)
    weight_vulnerability = models.PositiveSmallIntegerField(default=20)
    weight_workplace = models.PositiveSmallIntegerField(default=10)
    # Within this distance the travel part is full; it falls to nothing at the person's furthest travel.
    walking_km = models.DecimalField(max_digits=4, decimal_places=1, default=2.5)
    # The furthest travel assumed for a person whose profile does not say.
    default_max_travel_km = models.DecimalField(max_digits=5, decimal_places=1, default=10)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                name="matching_weights_not_all_zero",
                condition=Q(weight_skills__gt=0)
                | Q(weight_distance__gt=0)
                | Q(weight_vulnerability__gt=0)
                | Q(weight_workplace__gt=0),
            ),
            models.CheckConstraint(
                name="matching_distances_positive",
                condition=Q(walking_km__gte=0, default_max_travel_km__gt=F("walking_km")),
            ),
        ]

    def __str__(self):
        return self.name


class OpportunityQuerySet(models.QuerySet):
    def open_on(self, day):
        """Opportunities taking people on `day`: open, not ended."""
        return self.filter(status=Opportunity.Status.OPEN).filter(Q(end_on__isnull=True) | Q(end_on__gte=day))


@track_history
class Opportunity(models.Model):
    """Work or training a provider offers: who may take it, where, how many places, when, and what it pays."""

    class Kind(models.TextChoices):
        CASH_FOR_WORK = "cash_for_work", _("Cash for work")
        TVET = "tvet", _("Vocational training (TVET)")
        APPRENTICESHIP = "apprenticeship", _("Apprenticeship")
        JOB_PLACEMENT = "job_placement", _("Job placement")
        BUSINESS_GRANT = "business_grant", _("Business grant")
        AGRICULTURAL_INPUTS = "agricultural_inputs", _("Agricultural inputs")

    class Sex(models.TextChoices):
        ANY = "any", _("Women and men")
        FEMALE = "f", _("Women only")
        MALE = "m", _("Men only")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    objects = OpportunityQuerySet.as_manager()

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="opportunities")
    programme = models.ForeignKey(MatchingProgramme, on_delete=models.PROTECT, related_name="opportunities")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, db_default="")
    isic = models.ForeignKey(
        IsicActivity, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_column="isic_code"
    )
    # ISCO-08 codes of the skills wanted (any level: "7" is any craft); empty: open to any skill.
    isco_codes = ArrayField(models.CharField(max_length=4), default=list, blank=True)
    # Eligibility.
    sex = models.CharField(max_length=3, choices=Sex.choices, default=Sex.ANY)
    age_min = models.PositiveSmallIntegerField(default=MIN_PROFILE_AGE)
    age_max = models.PositiveSmallIntegerField(default=64)
    # Household categories (households.models.Category codes) that may take it; empty: all.
    categories = ArrayField(models.CharField(max_length=24), default=list, blank=True)
    province = models.ForeignKey(
        "parcels.AdminArea", on_delete=models.PROTECT, related_name="+", limit_choices_to={"level": "province"}
    )
    # Only households of this township (through their plot) or this district (their plot's or current district).
    township = models.ForeignKey(
        "townships.Township", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    district = models.ForeignKey(
        "parcels.AdminArea",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": "district"},
    )
    # Vulnerability flags (households.models.VULNERABILITY_FLAGS) that give priority; with vulnerable_only, a
    # household needs one of them.
    vulnerability_priorities = ArrayField(models.CharField(max_length=24), default=list, blank=True)
    vulnerable_only = models.BooleanField(default=False)
    workplace = models.CharField(max_length=10, choices=Workplace.choices, default=Workplace.MIXED)
    # Where: a point (a workshop) or an area (a canal to clear), in EPSG:4326.
    point = models.PointField(srid=4326, null=True, blank=True)
    area = models.MultiPolygonField(srid=4326, null=True, blank=True)
    places_offered = models.PositiveIntegerField()
    # Kept by the database from the referrals that hold a place (accepted, enrolled, completed).
    places_filled = models.PositiveIntegerField(default=0, db_default=0, editable=False)
    start_on = models.DateField()
    end_on = models.DateField(null=True, blank=True)
    # What it pays: a monthly stipend (training) or a daily wage (cash for work), in currency, and days offered.
    stipend_monthly = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    daily_wage = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    days_offered = models.PositiveSmallIntegerField(null=True, blank=True)
    currency = models.CharField(max_length=3, default="AFN", db_default="AFN")
    status = models.CharField(max_length=6, choices=Status.choices, default=Status.OPEN, db_default="open")
    posted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_default=Now())
    updated_at = models.DateTimeField(auto_now=True, db_default=Now())

    class Meta:
        ordering = ["-start_on", "title"]
        verbose_name_plural = "opportunities"
        constraints = [
            models.CheckConstraint(
                name="opportunity_places_filled_within_offered",
                condition=Q(places_filled__lte=F("places_offered")) & Q(places_filled__gte=0),
            ),
            models.CheckConstraint(
                name="opportunity_ends_after_it_starts", condition=Q(end_on__isnull=True) | Q(end_on__gte=F("start_on"))
            ),
            models.CheckConstraint(
                name="opportunity_has_a_point_or_an_area",
                condition=Q(point__isnull=False, area__isnull=True) | Q(point__isnull=True, area__isnull=False),
            ),
            models.CheckConstraint(
                name="opportunity_age_range_valid",
                condition=Q(age_min__gte=MIN_PROFILE_AGE) & Q(age_max__gte=F("age_min")),
            ),
            models.CheckConstraint(
                name="opportunity_eligibility_codes_known",
                condition=Q(categories__contained_by=list(Category.values))
                & Q(vulnerability_priorities__contained_by=list(VULNERABILITY_FLAGS)),
            ),
            models.CheckConstraint(
                name="cash_for_work_has_wage_and_days",
                condition=~Q(kind="cash_for_work")
                | Q(daily_wage__isnull=False, daily_wage__gt=0, days_offered__isnull=False, days_offered__gt=0),
            ),
        ]
        indexes = [
            models.Index(fields=["province", "status"], name="opportunity_province_idx"),
        ]

    def __str__(self):
        return self.title


# Referral states that hold one of the opportunity's places.
PLACE_HOLDING = ("accepted", "enrolled", "completed")


@track_history
class Referral(models.Model):
    """A person put forward for an opportunity, from suggestion to its end. Its status follows its steps: the
    database sets it from each ReferralStep written, and keeps the opportunity's places_filled."""

    class Status(models.TextChoices):
        SUGGESTED = "suggested", _("Suggested")
        REFERRED = "referred", _("Referred")
        ACCEPTED = "accepted", _("Accepted by the provider")
        ENROLLED = "enrolled", _("Enrolled")
        COMPLETED = "completed", _("Completed")
        DROPPED_OUT = "dropped_out", _("Dropped out")
        REFUSED = "refused", _("Refused")

    # from -> the states it may go to (the database's referral_step_allowed() says the same).
    NEXT = {
        "suggested": ("referred", "refused"),
        "referred": ("accepted", "refused"),
        "accepted": ("enrolled", "dropped_out"),
        "enrolled": ("completed", "dropped_out"),
        "completed": (),
        "dropped_out": (),
        "refused": (),
    }
    ENDED = ("completed", "dropped_out", "refused")

    opportunity = models.ForeignKey(Opportunity, on_delete=models.PROTECT, related_name="referrals")
    person = models.ForeignKey("households.Person", on_delete=models.PROTECT, related_name="referrals")
    status = models.CharField(
        max_length=11, choices=Status.choices, default=Status.SUGGESTED, db_default="suggested", editable=False
    )
    # The match when suggested: {"score": 0-100, "parts": {...}} (livelihoods/matching.py).
    match = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_default=Now())

    class Meta:
        ordering = ["opportunity", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["opportunity", "person"], name="one_referral_per_person_and_opportunity"),
        ]

    def __str__(self):
        return f"referral #{self.pk} ({self.status})"


class ReferralStep(models.Model):
    """One step of a referral: from what to what, on which day, why and by whom. Append-only."""

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="steps")
    # Set by the database from the referral's status when the step is written.
    from_status = models.CharField(max_length=11, choices=Referral.Status.choices, blank=True, db_default="")
    to_status = models.CharField(max_length=11, choices=Referral.Status.choices)
    day = models.DateField()
    reason = models.TextField(blank=True, db_default="")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True, db_default=Now())

    class Meta:
        ordering = ["referral", "at", "id"]


@track_history
class AttendanceWeek(models.Model):
    """Days a person worked in one week (Saturday to Friday) of a cash-for-work opportunity, and the pay due.
    Final once paid."""

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="attendance")
    week_start = models.DateField(help_text="The Saturday the week starts on.")
    days_worked = models.PositiveSmallIntegerField()
    # Derived by the database: days worked × the opportunity's daily wage.
    amount_due = models.DecimalField(max_digits=12, decimal_places=2, default=0, editable=False)
    paid_on = models.DateField(null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    payment_reference = models.CharField(max_length=60, blank=True, db_default="")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True, db_default=Now())

    class Meta:
        ordering = ["referral", "week_start"]
        constraints = [
            models.UniqueConstraint(fields=["referral", "week_start"], name="attendance_once_per_person_and_week"),
            models.CheckConstraint(name="attendance_days_within_the_week", condition=Q(days_worked__lte=6)),
            # Django's week_day: 1 is Sunday, 7 Saturday (the first day of the Afghan working week).
            models.CheckConstraint(name="attendance_week_starts_on_saturday", condition=Q(week_start__week_day=7)),
        ]


# --- reintegration monitoring ------------------------------------------------------------------------------------


class SurveyQuestion(models.Model):
    """One question of the reintegration survey under one scoring version: its scale and the points each answer
    scores. Seeded from livelihoods/survey.py; a new version is added, never edited (docs/livelihoods.md)."""

    class Dimension(models.TextChoices):
        ECONOMIC = "economic", _("Economic")
        SOCIAL = "social", _("Social")
        PSYCHOSOCIAL = "psychosocial", _("Psychosocial")

    version = models.CharField(max_length=10)
    code = models.SlugField(max_length=40)
    dimension = models.CharField(max_length=12, choices=Dimension.choices)
    position = models.PositiveSmallIntegerField()
    min_value = models.SmallIntegerField()
    max_value = models.SmallIntegerField()
    # {"<answer value>": points 0..1, or null when the answer does not count (not applicable)}.
    points = models.JSONField()
    weight = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="survey_question_once_per_version"),
            models.CheckConstraint(name="survey_question_scale_valid", condition=Q(max_value__gt=F("min_value"))),
        ]

    def __str__(self):
        return f"{self.code} ({self.version})"


class SurveyRoundKind(models.TextChoices):
    BASELINE = "baseline", _("Baseline (at handover)")
    MONTH_3 = "m3", _("3 months after handover")
    MONTH_6 = "m6", _("6 months after handover")
    MONTH_12 = "m12", _("12 months after handover")


# Months after handover each round is due.
ROUND_MONTHS = {"baseline": 0, "m3": 3, "m6": 6, "m12": 12}


@track_history
class SurveyRound(models.Model):
    """One reintegration survey of a household, with its dimension scores (derived by the database from the
    answers under the round's scoring version)."""

    Kind = SurveyRoundKind

    household = models.ForeignKey("households.Household", on_delete=models.PROTECT, related_name="survey_rounds")
    # The allocation whose handover the round counts from.
    allocation = models.ForeignKey("allocations.Allocation", on_delete=models.PROTECT, related_name="survey_rounds")
    round = models.CharField(max_length=8, choices=SurveyRoundKind.choices)
    scoring_version = models.CharField(max_length=10)
    conducted_on = models.DateField()
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    point = models.PointField(srid=4326, null=True, blank=True)
    source = models.CharField(max_length=10, default="field_app", db_default="field_app")
    client_uuid = models.UUIDField(unique=True, default=uuid.uuid4)
    # 0-100, derived by the database (survey_round_rescore): never typed in.
    score_economic = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True, editable=False)
    score_social = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True, editable=False)
    score_psychosocial = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True, editable=False)
    score_composite = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True, editable=False)
    received_at = models.DateTimeField(auto_now_add=True, db_default=Now())

    class Meta:
        ordering = ["household", "conducted_on"]
        constraints = [
            models.UniqueConstraint(fields=["allocation", "round"], name="one_survey_round_per_allocation"),
        ]

    def __str__(self):
        return f"{self.get_round_display()} of {self.household}"


class SurveyAnswer(models.Model):
    """One answer of a survey round, on its question's scale. Append-only: the round is evidence."""

    survey_round = models.ForeignKey(SurveyRound, on_delete=models.PROTECT, related_name="answers")
    question = models.ForeignKey(SurveyQuestion, on_delete=models.PROTECT, related_name="+")
    value = models.SmallIntegerField()

    class Meta:
        ordering = ["survey_round", "question__position"]
        constraints = [
            models.UniqueConstraint(fields=["survey_round", "question"], name="one_answer_per_question"),
        ]


class SurveyAssignment(models.Model):
    """A household's survey round a field officer is to conduct by a day (as shelter visits are assigned)."""

    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="survey_assignments")
    allocation = models.ForeignKey("allocations.Allocation", on_delete=models.PROTECT, related_name="+")
    round = models.CharField(max_length=8, choices=SurveyRoundKind.choices)
    due_on = models.DateField()
    done_at = models.DateTimeField(null=True, blank=True)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["due_on", "allocation"]
        constraints = [
            models.UniqueConstraint(
                fields=["allocation", "round"], condition=Q(done_at__isnull=True), name="one_open_survey_assignment"
            ),
        ]
        indexes = [models.Index(fields=["officer", "due_on"], name="survey_assignment_day_idx")]


class ImportedSubmission(models.Model):
    """A Kobo/ODK submission of the skills profile form already imported (livelihoods/kobo.py): an export sent again
    writes each submission once, and never over a profile corrected since on the pages. (A survey round keeps its
    own client_uuid.)"""

    class Form(models.TextChoices):
        PROFILE = "profile", _("Skills profile")

    uuid = models.UUIDField(primary_key=True)
    form = models.CharField(max_length=10, choices=Form.choices)
    person = models.ForeignKey("households.Person", on_delete=models.PROTECT, related_name="+")
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    imported_at = models.DateTimeField(auto_now_add=True, db_default=Now())

    def __str__(self):
        return f"{self.form} {self.uuid}"


class MatchProfile(models.Model):
    """What the ranking reads of one skills profile, in one narrow row (livelihoods/matching.py; docs/livelihoods.md,
    "Matching at speed"): the person, their household's province, category, district and vulnerability flags, where
    the household is located (the plot its allocation holds, or the IDP site of its latest recorded location), the
    profile's travel and workplace answers, and the occupations' ISCO-08 codes and years as two arrays in the same
    order.

    Derived data, never typed: the database's triggers keep each row equal to its sources (the skills profile and
    its occupations, the person, the household, its allocations, its recorded locations; sql/0005_match_profiles.sql),
    whoever writes them, and `manage.py rebuild_match_profiles` rebuilds the table from scratch. No foreign keys: a
    row follows its profile by trigger, and no GIS login is granted it (it holds personal data)."""

    profile_id = models.BigIntegerField(primary_key=True)
    person_id = models.BigIntegerField(unique=True)
    household_id = models.BigIntegerField(db_index=True)
    province_id = models.BigIntegerField(null=True)
    sex = models.CharField(max_length=1)
    date_of_birth = models.DateField(null=True)
    category = models.CharField(max_length=24)
    current_district_id = models.BigIntegerField(null=True)
    female_headed = models.BooleanField()
    disability = models.BooleanField()
    elderly_head = models.BooleanField()
    unaccompanied_child = models.BooleanField()
    chronic_illness = models.BooleanField()
    plot_id = models.BigIntegerField(null=True)
    site_id = models.BigIntegerField(null=True)
    max_travel_km = models.DecimalField(max_digits=5, decimal_places=1, null=True)
    workplace_accepted = models.CharField(max_length=10)
    can_work_outside_home = models.BooleanField()
    isco_codes = ArrayField(models.CharField(max_length=4), default=list)
    years = ArrayField(models.DecimalField(max_digits=4, decimal_places=1), default=list)

    class Meta:
        indexes = [models.Index(fields=["province_id"], name="match_profile_province_idx")]

    def __str__(self):
        return f"match profile {self.profile_id}"
