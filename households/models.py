"""Returnee and IDP households, their members, and the evidence documents that support their claims."""

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now, Right, Upper
from django.utils.translation import gettext_lazy as _

from landreg.history import track_history

# The vulnerability flags, by field name, with their labels: they set a household's priority in eligibility. The
# one list for the model, the API, the pages, the list import and the priority score.
VULNERABILITY_FLAG_LABELS = {
    "female_headed": _("Female-headed"),
    "disability": _("Person with disability"),
    "elderly_head": _("Elderly head"),
    "unaccompanied_child": _("Unaccompanied child"),
    "chronic_illness": _("Chronic illness"),
}
VULNERABILITY_FLAGS = tuple(VULNERABILITY_FLAG_LABELS)


class Category(models.TextChoices):
    DOCUMENTED_RETURNEE = "documented_returnee", _("Documented returnee")
    UNDOCUMENTED_RETURNEE = "undocumented_returnee", _("Undocumented returnee")
    DEPORTEE = "deportee", _("Deportee")
    IDP = "idp", _("Internally displaced person")
    HOST_COMMUNITY = "host_community", _("Host community")


@track_history
class Household(models.Model):
    class ReturnType(models.TextChoices):
        SPONTANEOUS = "spontaneous", _("Spontaneous")
        DEPORTED = "deported", _("Deported")

    class CrossingPoint(models.TextChoices):
        TORKHAM = "torkham", _("Torkham")
        SPIN_BOLDAK = "spin_boldak", _("Spin Boldak")
        ISLAM_QALA = "islam_qala", _("Islam Qala")
        MILAK = "milak", _("Milak")
        AIRPORT = "airport", _("Airport")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        VERIFIED = "verified", _("Verified")
        ELIGIBLE = "eligible", _("Eligible")
        INELIGIBLE = "ineligible", _("Ineligible")
        ALLOCATED = "allocated", _("Allocated")

    # Pseudonymous code: the only identifier that leaves the system (exports, partner data, layers).
    code = models.CharField(max_length=30, unique=True)
    # The province the household is registered in: decides which officers may see it.
    province = models.ForeignKey(
        "parcels.AdminArea", on_delete=models.PROTECT, related_name="households", limit_choices_to={"level": "province"}
    )
    size = models.PositiveSmallIntegerField(help_text="Number of people in the household.")
    category = models.CharField(max_length=24, choices=Category.choices)
    country_returned_from = models.CharField(
        max_length=2, blank=True, help_text="ISO 3166-1 code: IR, PK…", db_default=""
    )
    return_date = models.DateField(null=True, blank=True)
    return_type = models.CharField(max_length=12, choices=ReturnType.choices, blank=True, db_default="")
    crossing_point = models.CharField(max_length=12, choices=CrossingPoint.choices, blank=True, db_default="")
    origin_district = models.ForeignKey(
        "parcels.AdminArea",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": "district"},
    )
    current_district = models.ForeignKey(
        "parcels.AdminArea",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": "district"},
    )
    # Vulnerability flags set the priority in eligibility.
    female_headed = models.BooleanField(default=False, db_default=False)
    disability = models.BooleanField("person with disability", default=False, db_default=False)
    elderly_head = models.BooleanField(default=False, db_default=False)
    unaccompanied_child = models.BooleanField(default=False, db_default=False)
    chronic_illness = models.BooleanField(default=False, db_default=False)
    landless_declared = models.BooleanField("landlessness declared", default=False, db_default=False)
    prior_beneficiary = models.BooleanField("benefited under an earlier scheme", default=False, db_default=False)
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.REGISTERED, db_default=Status.REGISTERED
    )
    is_demo = models.BooleanField(default=False, help_text="Synthetic demonstration data.", db_default=False)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_default=Now())
    updated_at = models.DateTimeField(auto_now=True, db_default=Now())

    class Meta:
        ordering = ["code"]
        constraints = [models.CheckConstraint(name="household_size_positive", condition=Q(size__gte=1))]

    def __str__(self):
        return self.code


@track_history
class Person(models.Model):
    class Relationship(models.TextChoices):
        HEAD = "head", _("Head of household")
        SPOUSE = "spouse", _("Spouse")
        CHILD = "child", _("Child")
        PARENT = "parent", _("Parent")
        SIBLING = "sibling", _("Sibling")
        OTHER = "other", _("Other relative")

    class Sex(models.TextChoices):
        FEMALE = "f", _("Female")
        MALE = "m", _("Male")

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="members")
    relationship = models.CharField(max_length=8, choices=Relationship.choices)
    name = models.CharField(max_length=150)
    father_name = models.CharField(max_length=150, blank=True, db_default="")
    # The same names as written in Dari or Pashto (Arabic script), when the officer records them.
    name_local = models.CharField(max_length=150, blank=True, db_default="")
    father_name_local = models.CharField(max_length=150, blank=True, db_default="")
    sex = models.CharField(max_length=1, choices=Sex.choices)
    # May be an estimate from the person's age (1 January, or 1 Hamal, of the year): duplicates compare years too.
    date_of_birth = models.DateField(null=True, blank=True)
    # Digits only, as dialled in Afghanistan (0700123456) or with the country code (93700123456).
    phone = models.CharField(max_length=20, blank=True, db_default="")
    # Keys that spelling variants of a name share ("Sher Agha", "Shir Aqa"): derived by the database from the names
    # (trigger person_name_keys_derived, households/sql/0004), compared with pg_trgm to find possible duplicates.
    name_key = models.CharField(max_length=150, blank=True, editable=False, db_default="")
    father_name_key = models.CharField(max_length=150, blank=True, editable=False, db_default="")
    local_name_key = models.CharField(max_length=150, blank=True, editable=False, db_default="")
    local_father_name_key = models.CharField(max_length=150, blank=True, editable=False, db_default="")
    # National ID (tazkira) and Proof-of-Registration card numbers are never stored in clear: a keyed
    # hash finds exact duplicates, the last digits let an officer confirm a number read from a card.
    tazkira_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False, db_default="")
    tazkira_last4 = models.CharField(max_length=4, blank=True, editable=False, db_default="")
    por_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False, db_default="")
    por_last4 = models.CharField(max_length=4, blank=True, editable=False, db_default="")

    class Meta:
        ordering = ["household", "relationship", "name"]
        verbose_name_plural = "people"
        constraints = [
            models.UniqueConstraint(
                fields=["household"], condition=Q(relationship="head"), name="one_head_per_household"
            ),
        ]
        indexes = [
            # Duplicate search by head name + father's name (pg_trgm similarity).
            GinIndex(OpClass(Upper("name"), name="gin_trgm_ops"), name="person_name_trgm_idx"),
            GinIndex(OpClass(Upper("father_name"), name="gin_trgm_ops"), name="person_father_name_trgm_idx"),
            # Name search by key (households/selectors.py); duplicate candidates use the heads' indexes of
            # households migration 0007 (households/duplicates.py).
            GinIndex(OpClass("name_key", name="gin_trgm_ops"), name="person_name_key_trgm_idx"),
            GinIndex(OpClass("local_name_key", name="gin_trgm_ops"), name="person_local_name_key_trgm_idx"),
            # Phone search: the last nine digits are the number whether written 0700…, 93700… or +93 700….
            models.Index(Right("phone", 9), name="person_phone_last9_idx"),
        ]

    def __str__(self):
        return self.name


class Document(models.Model):
    """Evidence for a household's claim: a scanned tazkira, PoR card, deportation slip, declaration…"""

    class Kind(models.TextChoices):
        TAZKIRA = "tazkira", _("Tazkira (national ID) scan")
        POR_CARD = "por_card", _("PoR card")
        DEPORTATION_SLIP = "deportation_slip", _("Deportation slip")
        IDP_CERTIFICATE = "idp_certificate", _("IDP registration certificate")
        LANDLESSNESS = "landlessness", _("Landlessness declaration")
        COMMITTEE_DECISION = "committee_decision", _("Committee decision")
        PHOTO = "photo", _("Photo")
        OTHER = "other", _("Other")

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="documents")
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # Numbers of identity documents are personal data: kept as a keyed hash and the last digits only.
    number_hash = models.CharField(max_length=64, blank=True, db_default="", editable=False)
    number_last4 = models.CharField(max_length=4, blank=True, db_default="", editable=False)
    issued_on = models.DateField(null=True, blank=True)
    file = models.FileField(upload_to="evidence/%Y/%m/")
    sha256 = models.CharField(max_length=64, editable=False)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True, db_default=Now())
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["household", "kind", "uploaded_at"]

    def __str__(self):
        return f"{self.get_kind_display()} of {self.household}"


class ReturnEvidence(models.Model):
    """A record that proves a household's return on a day, kept by another register (a border arrival recorded at a
    crossing point, docs/movements.md), not a scanned document. Written only through return_evidence_record, which
    reassesses eligibility; the register's own record is named by `reference` ("movements.arrival:123"), so this
    app does not depend on the one that keeps it."""

    class Kind(models.TextChoices):
        BORDER_ARRIVAL = "border_arrival", _("Arrival recorded at a border crossing point")

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="return_evidence")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    returned_on = models.DateField()
    crossing_point = models.ForeignKey(
        "parcels.CrossingPoint", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    country_returned_from = models.CharField(max_length=2, blank=True, db_default="")
    reference = models.CharField(max_length=60)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True, db_default=Now())

    class Meta:
        ordering = ["household", "-returned_on"]
        verbose_name_plural = "return evidence"
        constraints = [models.UniqueConstraint(fields=["kind", "reference"], name="return_evidence_recorded_once")]

    def __str__(self):
        return f"{self.get_kind_display()} of {self.household} on {self.returned_on}"


class DuplicateFlag(models.Model):
    """A possible duplicate found at registration; an officer decides, and the decision is kept."""

    class Reason(models.TextChoices):
        SAME_TAZKIRA = "same_tazkira", _("Same tazkira number")
        SAME_POR = "same_por", _("Same PoR card number")
        SIMILAR_HEAD = "similar_head", _("Similar head: name, father's name, date of birth and district")

    class Decision(models.TextChoices):
        UNDECIDED = "undecided", _("Not decided yet")
        SAME_HOUSEHOLD = "same_household", _("Same household: a duplicate")
        DIFFERENT = "different", _("Different households")

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="duplicate_flags")
    candidate = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=14, choices=Reason.choices)
    similarity = models.FloatField(
        help_text="1.0 for an identical ID number; for a similar head, the score of households/duplicates.py (0..1)."
    )
    decision = models.CharField(max_length=14, choices=Decision.choices, default="undecided", db_default="undecided")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True, db_default="")

    class Meta:
        ordering = ["household", "-similarity"]
        constraints = [
            models.UniqueConstraint(fields=["household", "candidate", "reason"], name="duplicate_flag_once"),
        ]

    def __str__(self):
        return f"{self.household} ~ {self.candidate} ({self.reason})"


class EligibilityScheme(models.Model):
    """A land scheme's eligibility rules and priority weights: configuration, edited by administrators."""

    code = models.SlugField(max_length=30, unique=True)
    name = models.CharField(max_length=150)
    legal_basis = models.CharField(max_length=150, blank=True, db_default="")
    # Points per vulnerability flag, e.g. {"female_headed": 3, "disability": 2}; the sum is the priority score.
    priority_weights = models.JSONField(default=dict)
    active = models.BooleanField(default=True, db_default=True)

    def __str__(self):
        return self.name


class EligibilityCriterion(models.Model):
    class Kind(models.TextChoices):
        CATEGORY_WITH_EVIDENCE = "category_with_evidence", _("Returnee or IDP category, with evidence")
        TAZKIRA_PRESENT = "tazkira_present", _("The head has a tazkira")
        LANDLESS_DECLARED = "landless_declared", _("Landlessness declared")
        NOT_PRIOR_BENEFICIARY = "not_prior_beneficiary", _("Not a beneficiary of an earlier scheme")
        RETURNED_WITHIN_WINDOW = "returned_within_window", _("Returned within the scheme's window, with evidence")

    scheme = models.ForeignKey(EligibilityScheme, on_delete=models.CASCADE, related_name="criteria")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    # For category_with_evidence: {"category": ["document kinds that prove it", ...]}.
    # For returned_within_window: {"since": "2023-09-15", "until": "" or a date, "within_days": 1095 (counted back
    # from the assessment, instead of "since"), "evidence": ["border_arrival", "deportation_slip", ...]}: return
    # records (ReturnEvidence.Kind) and document kinds (Document.Kind) whose date proves the return.
    params = models.JSONField(default=dict, blank=True)
    order = models.PositiveSmallIntegerField(default=0, db_default=0)

    class Meta:
        ordering = ["scheme", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["scheme", "kind"], name="criterion_once_per_scheme")]

    def __str__(self):
        return self.get_kind_display()


class EligibilityAssessment(models.Model):
    """One assessment of a household against a scheme: each criterion's result with its explanation."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="assessments")
    scheme = models.ForeignKey(EligibilityScheme, on_delete=models.PROTECT, related_name="assessments")
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    assessed_at = models.DateTimeField(auto_now_add=True, db_default=Now())
    eligible = models.BooleanField()
    priority_score = models.PositiveSmallIntegerField(default=0, db_default=0)
    # [{"criterion": kind, "passed": bool, "explanation": sentence}, ...]
    results = models.JSONField(default=list)
    decision_reference = models.CharField(max_length=60, blank=True, db_default="")

    class Meta:
        ordering = ["household", "-assessed_at"]

    def __str__(self):
        return f"{self.household}: {'eligible' if self.eligible else 'not eligible'} ({self.scheme})"
