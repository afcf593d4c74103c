"""Returnee and IDP households, their members, and the evidence documents that support their claims."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now

from landreg.history import track_history


class Category(models.TextChoices):
    DOCUMENTED_RETURNEE = "documented_returnee", "Documented returnee"
    UNDOCUMENTED_RETURNEE = "undocumented_returnee", "Undocumented returnee"
    DEPORTEE = "deportee", "Deportee"
    IDP = "idp", "Internally displaced person"
    HOST_COMMUNITY = "host_community", "Host community"


@track_history
class Household(models.Model):
    class ReturnType(models.TextChoices):
        SPONTANEOUS = "spontaneous", "Spontaneous"
        DEPORTED = "deported", "Deported"

    class CrossingPoint(models.TextChoices):
        TORKHAM = "torkham", "Torkham"
        SPIN_BOLDAK = "spin_boldak", "Spin Boldak"
        ISLAM_QALA = "islam_qala", "Islam Qala"
        MILAK = "milak", "Milak"
        AIRPORT = "airport", "Airport"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        REGISTERED = "registered", "Registered"
        VERIFIED = "verified", "Verified"
        ELIGIBLE = "eligible", "Eligible"
        INELIGIBLE = "ineligible", "Ineligible"
        ALLOCATED = "allocated", "Allocated"

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


class Person(models.Model):
    class Relationship(models.TextChoices):
        HEAD = "head", "Head of household"
        SPOUSE = "spouse", "Spouse"
        CHILD = "child", "Child"
        PARENT = "parent", "Parent"
        SIBLING = "sibling", "Sibling"
        OTHER = "other", "Other relative"

    class Sex(models.TextChoices):
        FEMALE = "f", "Female"
        MALE = "m", "Male"

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="members")
    relationship = models.CharField(max_length=8, choices=Relationship.choices)
    name = models.CharField(max_length=150)
    father_name = models.CharField(max_length=150, blank=True, db_default="")
    sex = models.CharField(max_length=1, choices=Sex.choices)
    date_of_birth = models.DateField(null=True, blank=True)
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
            # Duplicate search by head name + father's name (trigram similarity).
            models.Index(fields=["name"], name="person_name_idx"),
        ]

    def __str__(self):
        return self.name
