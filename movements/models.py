"""Returns and displacement (docs/movements.md): arrivals recorded at the border with their members, the border
monitoring teams' daily flow counts, IDP sites and their population estimates, and each household's location and
status over time. The rules that protect them are in PostGIS (movements/sql/)."""

import uuid

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.db.models import F, Q
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from landreg.history import track_history


class Direction(models.TextChoices):
    IN = "in", _("Into Afghanistan")
    OUT = "out", _("Out of Afghanistan")


class ArrivalCategory(models.TextChoices):
    DEPORTED = "deported", _("Deported")
    UNDOCUMENTED = "spontaneous_undocumented", _("Spontaneous, undocumented")
    DOCUMENTED = "documented", _("Documented (PoR card or visa)")
    AVR = "avr", _("Assisted voluntary repatriation")


class Travelling(models.TextChoices):
    FAMILY = "family", _("With family")
    ALONE = "alone", _("Alone")


class Sex(models.TextChoices):
    FEMALE = "f", _("Female")
    MALE = "m", _("Male")


class AgeBand(models.TextChoices):
    """DTM's disaggregation: children 0–4 and 5–17, adults 18–59, 60 and over."""

    CHILD_0_4 = "0_4", _("0–4 years")
    CHILD_5_17 = "5_17", _("5–17 years")
    ADULT_18_59 = "18_59", _("18–59 years")
    ELDER_60 = "60_plus", _("60 years and over")


def age_band_of(age_years: int) -> str:
    """The DTM age band of an age in whole years."""
    if age_years < 5:
        return AgeBand.CHILD_0_4
    if age_years < 18:
        return AgeBand.CHILD_5_17
    if age_years < 60:
        return AgeBand.ADULT_18_59
    return AgeBand.ELDER_60


# The eight cells of a sex and age split, as FlowCount's columns name them: f_0_4 … m_60_plus.
SPLIT_CELLS = tuple(f"{sex}_{band}" for sex in Sex.values for band in AgeBand.values)


class DocumentHeld(models.TextChoices):
    NONE = "none", _("None")
    PASSPORT = "passport", _("Passport")
    TAZKIRA = "tazkira", _("Tazkira")
    POR_CARD = "por_card", _("PoR card")
    EXPIRED_POR = "expired_por", _("Expired PoR card")
    ACC = "acc", _("Afghan citizen card")
    OTHER = "other", _("Other")


class Vulnerability(models.TextChoices):
    """The border monitoring teams' list."""

    UNACCOMPANIED_CHILD = "unaccompanied_child", _("Unaccompanied child")
    SEPARATED_CHILD = "separated_child", _("Separated child")
    FEMALE_HEADED = "female_headed", _("Female-headed household")
    SINGLE_WOMAN = "single_woman", _("Single woman")
    ELDERLY_ALONE = "elderly_alone", _("Elderly person alone")
    DISABILITY = "disability", _("Person with disability")
    MEDICAL_CASE = "medical_case", _("Medical case")
    PREGNANT_LACTATING = "pregnant_lactating", _("Pregnant or lactating woman")
    DRUG_USER = "drug_user", _("Drug user")
    OTHER = "other", _("Other")


class Assistance(models.TextChoices):
    CASH = "cash", _("Cash")
    FOOD = "food", _("Food")
    NFI = "nfi", _("Non-food items")
    HEALTH = "health", _("Health care")
    TRANSPORT = "transport", _("Onward transport")
    TRANSIT_SHELTER = "transit_shelter", _("Night in a transit centre")
    PROTECTION = "protection", _("Protection referral")
    NONE = "none", _("None")


# The countries of asylum a border team meets most, by ISO 3166-1 alpha-2 code; any other is kept as its code.
COUNTRIES_OF_ASYLUM = {
    "IR": _("Iran"),
    "PK": _("Pakistan"),
    "TR": _("Türkiye"),
    "TJ": _("Tajikistan"),
    "UZ": _("Uzbekistan"),
    "TM": _("Turkmenistan"),
}


@track_history
class Arrival(models.Model):
    """One crossing of a person or a family at a crossing point, recorded by the border team."""

    # Made by the phone or page that records it: the same arrival sent twice is recorded once.
    client_uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    crossing_point = models.ForeignKey("parcels.CrossingPoint", on_delete=models.PROTECT, related_name="arrivals")
    crossed_at = models.DateTimeField()
    direction = models.CharField(max_length=3, choices=Direction.choices, default=Direction.IN)
    category = models.CharField(max_length=24, choices=ArrivalCategory.choices)
    # The repatriation form (assisted voluntary repatriation) number: keyed hash and last digits, never in clear.
    repatriation_form_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False, db_default="")
    repatriation_form_last4 = models.CharField(max_length=4, blank=True, editable=False, db_default="")
    # ISO 3166-1 alpha-2: IR, PK, TR…
    country_of_asylum = models.CharField(max_length=2)
    years_abroad = models.PositiveSmallIntegerField(null=True, blank=True)
    documents_held = ArrayField(models.CharField(max_length=12, choices=DocumentHeld.choices), default=list)
    travelling = models.CharField(max_length=6, choices=Travelling.choices)
    vulnerabilities = ArrayField(
        models.CharField(max_length=20, choices=Vulnerability.choices), default=list, blank=True
    )
    assistance = ArrayField(models.CharField(max_length=16, choices=Assistance.choices), default=list, blank=True)
    destination_province = models.ForeignKey(
        "parcels.AdminArea",
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": "province"},
    )
    destination_district = models.ForeignKey(
        "parcels.AdminArea",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": "district"},
    )
    # The household the arrival is evidence for; empty while a possible duplicate awaits an officer's decision.
    household = models.ForeignKey(
        "households.Household", null=True, blank=True, on_delete=models.PROTECT, related_name="arrivals"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True, db_default=Now())
    is_demo = models.BooleanField(default=False, db_default=False)

    class Meta:
        ordering = ["-crossed_at"]
        constraints = [
            models.CheckConstraint(
                name="avr_arrival_has_repatriation_form",
                condition=~Q(category="avr") | ~Q(repatriation_form_hash=""),
            ),
        ]
        indexes = [
            models.Index(fields=["crossing_point", "crossed_at"], name="arrival_point_time_idx"),
            # The figures recompute a week or a month of arrivals at a time (movements/sql/0003).
            models.Index(fields=["crossed_at"], name="arrival_time_idx"),
        ]

    def __str__(self):
        return f"{self.get_category_display()} at {self.crossing_point_id} on {self.crossed_at:%Y-%m-%d}"


@track_history
class ArrivalMember(models.Model):
    """A person of an arrival. Names and ID numbers are personal data: ID numbers are kept only as keyed hashes."""

    class Relationship(models.TextChoices):
        HEAD = "head", _("Head of household")
        SPOUSE = "spouse", _("Spouse")
        CHILD = "child", _("Child")
        PARENT = "parent", _("Parent")
        SIBLING = "sibling", _("Sibling")
        OTHER = "other", _("Other relative")

    arrival = models.ForeignKey(Arrival, on_delete=models.CASCADE, related_name="members")
    relationship = models.CharField(max_length=8, choices=Relationship.choices)
    name = models.CharField(max_length=150, blank=True, db_default="")
    father_name = models.CharField(max_length=150, blank=True, db_default="")
    name_local = models.CharField(max_length=150, blank=True, db_default="")
    sex = models.CharField(max_length=1, choices=Sex.choices)
    age_band = models.CharField(max_length=8, choices=AgeBand.choices)
    date_of_birth = models.DateField(null=True, blank=True)
    tazkira_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False, db_default="")
    tazkira_last4 = models.CharField(max_length=4, blank=True, editable=False, db_default="")
    por_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False, db_default="")
    por_last4 = models.CharField(max_length=4, blank=True, editable=False, db_default="")

    class Meta:
        ordering = ["arrival", "id"]
        constraints = [
            models.UniqueConstraint(fields=["arrival"], condition=Q(relationship="head"), name="one_head_per_arrival"),
        ]

    def __str__(self):
        return f"{self.get_sex_display()} {self.get_age_band_display()}"


class ArrivalReview(models.Model):
    """An arrival that could not be linked without an officer: an ID number already registered to another
    household. Never merged silently: the officer attaches the arrival to that household (the same people) or
    registers a new one (other people; the registration then flags the shared number as a possible duplicate)."""

    class Reason(models.TextChoices):
        ID_REGISTERED = "id_registered", _("An ID number is already registered to another household")

    class Decision(models.TextChoices):
        UNDECIDED = "undecided", _("Not decided yet")
        ATTACHED = "attached", _("Attached to the registered household")
        NEW_HOUSEHOLD = "new_household", _("Registered as a new household")

    arrival = models.ForeignKey(Arrival, on_delete=models.CASCADE, related_name="reviews")
    candidate = models.ForeignKey("households.Household", on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=16, choices=Reason.choices)
    decision = models.CharField(max_length=16, choices=Decision.choices, default="undecided", db_default="undecided")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_default=Now())

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["arrival", "candidate", "reason"], name="arrival_review_once"),
        ]

    def __str__(self):
        return f"{self.arrival_id} ~ {self.candidate_id} ({self.reason})"


@track_history
class FlowCount(models.Model):
    """A border monitoring team's tally of crossings (movements, not unique people) at one point on one day, for
    one direction, category and way of travelling, from one source. One row per key; a re-import of the day from
    the same source replaces it (the history keeps the earlier values).

    The total is always given; a split by sex (female, male) and by sex and age band (the eight cells
    f_0_4 … m_60_plus) when the team recorded one, adding up to the total (rule flow_count_split_adds_up)."""

    class Source(models.TextChoices):
        BORDER_TEAM = "border_team", _("Provincial directorate's border team")
        IOM = "iom", _("IOM flow monitoring")
        UNHCR = "unhcr", _("UNHCR")

    class Method(models.TextChoices):
        HEADCOUNT = "headcount", _("Head count at the gate")
        REGISTRATION = "registration", _("From registrations")
        KEY_INFORMANT = "key_informant", _("Key informants")
        ESTIMATE = "estimate", _("Estimate")

    crossing_point = models.ForeignKey("parcels.CrossingPoint", on_delete=models.PROTECT, related_name="flow_counts")
    day = models.DateField()
    direction = models.CharField(max_length=3, choices=Direction.choices)
    category = models.CharField(max_length=24, choices=ArrivalCategory.choices)
    travelling = models.CharField(max_length=6, choices=Travelling.choices)
    source = models.CharField(max_length=12, choices=Source.choices)
    method = models.CharField(max_length=14, choices=Method.choices)
    total = models.IntegerField()
    female = models.IntegerField(null=True, blank=True)
    male = models.IntegerField(null=True, blank=True)
    f_0_4 = models.IntegerField(null=True, blank=True)
    f_5_17 = models.IntegerField(null=True, blank=True)
    f_18_59 = models.IntegerField(null=True, blank=True)
    f_60_plus = models.IntegerField(null=True, blank=True)
    m_0_4 = models.IntegerField(null=True, blank=True)
    m_5_17 = models.IntegerField(null=True, blank=True)
    m_18_59 = models.IntegerField(null=True, blank=True)
    m_60_plus = models.IntegerField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True, db_default=Now())
    is_demo = models.BooleanField(default=False, db_default=False)

    class Meta:
        ordering = ["-day", "crossing_point", "direction", "category", "travelling", "source"]
        constraints = [
            models.UniqueConstraint(
                fields=["crossing_point", "day", "direction", "category", "travelling", "source"],
                name="one_flow_count_per_key",
            ),
        ]
        indexes = [models.Index(fields=["day"], name="flow_count_day_idx")]

    def __str__(self):
        return f"{self.crossing_point_id} {self.day} {self.direction} {self.category}: {self.total}"


@track_history
class IdpSite(models.Model):
    """Where displaced people live: an informal settlement, a camp or a host community, as a point or an outline."""

    class Kind(models.TextChoices):
        INFORMAL_SETTLEMENT = "informal_settlement", _("Informal settlement")
        CAMP = "camp", _("Camp")
        HOST_COMMUNITY = "host_community", _("Host community")

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=150)
    name_prs = models.CharField(max_length=150, blank=True, db_default="")
    name_ps = models.CharField(max_length=150, blank=True, db_default="")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    province = models.ForeignKey(
        "parcels.AdminArea", on_delete=models.PROTECT, related_name="+", limit_choices_to={"level": "province"}
    )
    district = models.ForeignKey(
        "parcels.AdminArea",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": "district"},
    )
    # A point, or the site's outline (a polygon or multipolygon), in WGS 84.
    geom = models.GeometryField(srid=4326)
    opened_on = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True, db_default="")
    is_demo = models.BooleanField(default=False, db_default=False)

    class Meta:
        ordering = ["province", "name"]
        verbose_name = "IDP site"

    def __str__(self):
        return self.name


@track_history
class SitePopulationEstimate(models.Model):
    """One assessment round's estimate of a site's population by group, in individuals."""

    class Method(models.TextChoices):
        HEADCOUNT = "headcount", _("Household head count")
        KEY_INFORMANT = "key_informant", _("Key informants")
        REGISTRATION = "registration", _("Registration lists")
        REMOTE = "remote", _("Remote sensing (shelters counted on imagery)")

    site = models.ForeignKey(IdpSite, on_delete=models.PROTECT, related_name="estimates")
    round = models.CharField(max_length=30, help_text=_("The assessment round, e.g. 2025-R3."))
    assessed_on = models.DateField()
    method = models.CharField(max_length=14, choices=Method.choices)
    arrival_idps = models.IntegerField(default=0)
    returned_idps = models.IntegerField(default=0)
    returnees_from_abroad = models.IntegerField(default=0)
    out_migrants = models.IntegerField(default=0)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_demo = models.BooleanField(default=False, db_default=False)

    class Meta:
        ordering = ["site", "-assessed_on"]
        constraints = [
            models.UniqueConstraint(fields=["site", "round"], name="one_estimate_per_site_and_round"),
            models.CheckConstraint(
                name="site_estimate_not_negative",
                condition=Q(
                    arrival_idps__gte=0, returned_idps__gte=0, returnees_from_abroad__gte=0, out_migrants__gte=0
                ),
            ),
        ]

    @property
    def population(self) -> int:
        """The people living in the site (out-migrants have left and are not counted)."""
        return self.arrival_idps + self.returned_idps + self.returnees_from_abroad

    def __str__(self):
        return f"{self.site} {self.round}"


class HouseholdLocation(models.Model):
    """One entry of a household's location and status over time. Appended, never changed or deleted (rule
    household_location_history_is_append_only): the latest entry is where the household is now."""

    class Status(models.TextChoices):
        ARRIVED_AT_BORDER = "arrived_at_border", _("Arrived at the border")
        IN_SITE = "in_site", _("In a site")
        IN_HOST_COMMUNITY = "in_host_community", _("In a host community")
        RETURNED_TO_ORIGIN = "returned_to_origin", _("Returned to place of origin")
        ALLOCATED_PLOT = "allocated_plot", _("Allocated a plot")
        MOVED_TO_PROVINCE = "moved_to_province", _("Moved to another province")

    household = models.ForeignKey("households.Household", on_delete=models.PROTECT, related_name="locations")
    status = models.CharField(max_length=20, choices=Status.choices)
    since = models.DateField(help_text=_("The day the household was there, or moved."))
    # Where the household is with this status.
    province = models.ForeignKey(
        "parcels.AdminArea", on_delete=models.PROTECT, related_name="+", limit_choices_to={"level": "province"}
    )
    district = models.ForeignKey(
        "parcels.AdminArea",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": "district"},
    )
    site = models.ForeignKey(IdpSite, null=True, blank=True, on_delete=models.PROTECT, related_name="locations")
    crossing_point = models.ForeignKey(
        "parcels.CrossingPoint", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    arrival = models.ForeignKey(Arrival, null=True, blank=True, on_delete=models.PROTECT, related_name="locations")
    # The province whose officer recorded the entry: it keeps read access to it after the household moves away.
    recorded_in = models.ForeignKey(
        "parcels.AdminArea", on_delete=models.PROTECT, related_name="+", limit_choices_to={"level": "province"}
    )
    note = models.TextField(blank=True, db_default="")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True, db_default=Now())

    class Meta:
        ordering = ["household", "since", "id"]
        constraints = [
            models.CheckConstraint(
                name="location_status_names_its_place",
                condition=(~Q(status="in_site") | Q(site__isnull=False))
                & (~Q(status="arrived_at_border") | Q(crossing_point__isnull=False))
                & (~Q(status="moved_to_province") | ~Q(province=F("recorded_in"))),
            ),
        ]
        indexes = [models.Index(fields=["household", "-since", "-id"], name="household_location_latest_idx")]

    def __str__(self):
        return f"{self.household_id}: {self.status} since {self.since}"
