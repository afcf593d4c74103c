"""Shelter projects on allocated plots, their construction stages, field inspections with GPS and photos, the
cash tranches those inspections release, and occupancy checks (docs/domain.md, rule 9).

The rules that protect money and land live in PostGIS (sql/0002_shelter_rules.sql): a project needs an active
allocation of its plot to its household, stages pass in order, a tranche is paid only after a passed inspection
of its stage with a photo and a GPS point on the plot. Services check the same first, with readable messages.
"""

import uuid

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from landreg.history import track_history

# The default programme's stages, in the order they are built and inspected.
DEFAULT_STAGES = [
    ("foundation", _("Foundation")),
    ("walls_to_lintel", _("Walls to lintel")),
    ("roof", _("Roof")),
    ("doors_windows", _("Doors and windows")),
    ("latrine", _("Latrine")),
    ("completed", _("Completed")),
]

# What an inspector checks at each stage of the default programme (a programme may set its own).
DEFAULT_CHECKLIST = {
    "foundation": ["footing_depth_ok", "plinth_level", "damp_proof_course"],
    "walls_to_lintel": ["walls_plumb", "lintel_height_ok", "corner_bonding"],
    "roof": ["roof_beams_fixed", "roof_watertight", "ring_beam"],
    "doors_windows": ["doors_fitted", "windows_fitted", "locks_work"],
    "latrine": ["latrine_built", "pit_lined", "distance_from_water_ok"],
    "completed": ["household_moved_in", "site_cleared"],
}


# What each checklist item means, in English (marked with gettext_noop, which makemessages collects, and
# translated where it is shown: the field pages, the XLSForm). The codes are stored; DEFAULT_CHECKLIST names them
# per stage.
CHECKLIST_LABELS = {
    "footing_depth_ok": gettext_noop("Footing dug to the required depth"),
    "plinth_level": gettext_noop("Plinth level and above flood line"),
    "damp_proof_course": gettext_noop("Damp-proof course laid"),
    "walls_plumb": gettext_noop("Walls plumb and bonded"),
    "lintel_height_ok": gettext_noop("Walls reach lintel height"),
    "corner_bonding": gettext_noop("Corners bonded or reinforced"),
    "roof_beams_fixed": gettext_noop("Roof beams fixed to the ring beam"),
    "roof_watertight": gettext_noop("Roof covered and watertight"),
    "ring_beam": gettext_noop("Ring beam in place"),
    "doors_fitted": gettext_noop("Doors fitted"),
    "windows_fitted": gettext_noop("Windows fitted"),
    "locks_work": gettext_noop("Doors lock"),
    "latrine_built": gettext_noop("Latrine built"),
    "pit_lined": gettext_noop("Pit lined"),
    "distance_from_water_ok": gettext_noop("Latrine far enough from the water source"),
    "household_moved_in": gettext_noop("Household lives in the shelter"),
    "site_cleared": gettext_noop("Site cleared of rubble"),
}


class Programme(models.Model):
    """A shelter programme (donor or partner scheme) with its own ordered construction stages."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True, db_default=Now())

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Stage(models.Model):
    """One construction stage of a programme; position 1 is built first."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="stages")
    position = models.PositiveSmallIntegerField()
    code = models.SlugField(max_length=40)
    name = models.CharField(max_length=100)
    # What the inspector ticks off at this stage (item codes; labels come from the form).
    checklist = models.JSONField(default=list, blank=True, db_default=[])

    class Meta:
        ordering = ["programme", "position"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "position"], name="stage_position_unique_in_programme"),
            models.UniqueConstraint(fields=["programme", "code"], name="stage_code_unique_in_programme"),
        ]

    def __str__(self):
        return self.name


@track_history
class ShelterProject(models.Model):
    class Modality(models.TextChoices):
        IN_KIND = "in_kind", _("In-kind (materials)")
        CONDITIONAL_CASH = "conditional_cash", _("Conditional cash")
        CONTRACTOR = "contractor", _("Contractor-built")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Under construction")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    plot = models.ForeignKey("townships.Plot", on_delete=models.PROTECT, related_name="shelter_projects")
    household = models.ForeignKey("households.Household", on_delete=models.PROTECT, related_name="shelter_projects")
    # The right the shelter stands on; checked by the database to be active and to match plot and household.
    allocation = models.ForeignKey("allocations.Allocation", on_delete=models.PROTECT, related_name="shelter_projects")
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="projects")
    implementing_partner = models.CharField(max_length=150)
    modality = models.CharField(max_length=20, choices=Modality.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE, db_default="active")
    # The last stage passed, kept by the database from the passed inspections (NULL: not started).
    stage_reached = models.ForeignKey(Stage, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_default=Now())
    updated_at = models.DateTimeField(auto_now=True, db_default=Now())

    class Meta:
        ordering = ["plot"]
        constraints = [
            models.UniqueConstraint(
                fields=["plot"], condition=~Q(status="cancelled"), name="one_open_shelter_project_per_plot"
            ),
        ]

    def __str__(self):
        return f"Shelter on {self.plot}"


class FieldAssignment(models.Model):
    """A plot a field officer is to visit on a day: to inspect its shelter or check its occupancy."""

    class Purpose(models.TextChoices):
        INSPECTION = "inspection", _("Shelter inspection")
        OCCUPANCY = "occupancy", _("Occupancy check")

    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="field_assignments")
    plot = models.ForeignKey("townships.Plot", on_delete=models.PROTECT, related_name="field_assignments")
    due_on = models.DateField()
    purpose = models.CharField(max_length=10, choices=Purpose.choices, default=Purpose.INSPECTION)
    done_at = models.DateTimeField(null=True, blank=True)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["due_on", "plot"]
        indexes = [models.Index(fields=["officer", "due_on"], name="assignment_officer_day_idx")]


@track_history
class Inspection(models.Model):
    """A field officer's visit to one stage of a shelter. Append-only: it is the evidence a tranche is paid on."""

    class Result(models.TextChoices):
        PASS = "pass", _("Passed")
        FAIL = "fail", _("Failed")

    class Source(models.TextChoices):
        FIELD_APP = "field_app", _("Field pages")
        KOBO = "kobo", _("KoboToolbox")
        ODK = "odk", _("ODK Central")
        OFFICE = "office", _("Office")

    project = models.ForeignKey(ShelterProject, on_delete=models.PROTECT, related_name="inspections")
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="inspections")
    inspected_on = models.DateField()
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    # Who sent it: the inspector from the field pages; whoever imported the Kobo/ODK export, whose provinces bound it.
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    point = models.PointField(srid=4326, null=True, blank=True, help_text="Where the inspector stood (device GPS).")
    accuracy_m = models.FloatField(null=True, blank=True)
    # Metres from the plot (0 inside), measured by the database in the township's UTM zone.
    distance_m = models.FloatField(null=True, blank=True, editable=False)
    checklist = models.JSONField(default=dict, blank=True, db_default={})
    result = models.CharField(max_length=4, choices=Result.choices)
    remarks = models.TextField(blank=True, db_default="")
    # Generated by the device (or the ODK instanceID): a retried upload finds the inspection it already made.
    client_uuid = models.UUIDField(unique=True, default=uuid.uuid4)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.FIELD_APP, db_default="field_app")
    received_at = models.DateTimeField(auto_now_add=True, db_default=Now())

    class Meta:
        ordering = ["project", "inspected_on", "id"]
        indexes = [models.Index(fields=["inspected_on"], name="inspection_day_idx")]

    def __str__(self):
        return f"{self.stage} {self.get_result_display()} {self.inspected_on}"


@track_history
class OccupancyCheck(models.Model):
    """Does the household live on its plot? Anything but 'present' raises a review of the allocation."""

    class Finding(models.TextChoices):
        PRESENT = "present", _("Household present")
        ABSENT = "absent", _("Household absent")
        USURPED = "usurped", _("Occupied by someone else")
        EMPTY = "empty", _("Plot empty")

    plot = models.ForeignKey("townships.Plot", on_delete=models.PROTECT, related_name="occupancy_checks")
    allocation = models.ForeignKey(
        "allocations.Allocation", null=True, on_delete=models.PROTECT, related_name="occupancy_checks"
    )
    finding = models.CharField(max_length=8, choices=Finding.choices)
    checked_on = models.DateField()
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    # Who sent it (as Inspection.uploaded_by).
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    point = models.PointField(srid=4326, null=True, blank=True)
    accuracy_m = models.FloatField(null=True, blank=True)
    distance_m = models.FloatField(null=True, blank=True, editable=False)
    remarks = models.TextField(blank=True, db_default="")
    client_uuid = models.UUIDField(unique=True, default=uuid.uuid4)
    source = models.CharField(
        max_length=10, choices=Inspection.Source.choices, default=Inspection.Source.FIELD_APP, db_default="field_app"
    )
    received_at = models.DateTimeField(auto_now_add=True, db_default=Now())

    class Meta:
        ordering = ["plot", "checked_on", "id"]


class ReviewOutcome(models.TextChoices):
    """What a land officer concluded when closing an allocation review."""

    RESOLVED_ON_SITE = "resolved_on_site", _("Resolved on site")
    TO_BE_REVOKED = "to_be_revoked", _("Allocation to be revoked")
    UNFOUNDED = "unfounded", _("Unfounded")
    REFERRED = "referred_to_committee", _("Referred to the committee")


@track_history
class AllocationReview(models.Model):
    """A flag that an allocation needs the land officers' review (non-occupancy, usurpation, photo fraud).

    Closed once, by a land officer, with an outcome and a note; the database keeps a closed review as it was closed
    (sql/0006_closed_review_is_final.sql). A problem that comes back raises a new review."""

    class Reason(models.TextChoices):
        ABSENT = "absent", _("Household found absent")
        USURPED = "usurped", _("Plot occupied by someone else")
        EMPTY = "empty", _("Plot found empty")
        PHOTO_FRAUD = "photo_fraud", _("Possible photo fraud")

    Outcome = ReviewOutcome

    allocation = models.ForeignKey(
        "allocations.Allocation", null=True, on_delete=models.PROTECT, related_name="review_flags"
    )
    plot = models.ForeignKey("townships.Plot", on_delete=models.PROTECT, related_name="review_flags")
    reason = models.CharField(max_length=12, choices=Reason.choices)
    detail = models.TextField(blank=True, db_default="")
    occupancy_check = models.ForeignKey(OccupancyCheck, null=True, blank=True, on_delete=models.PROTECT)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField(auto_now_add=True, db_default=Now())
    # The closing: when, by whom, what the review concluded and what was found and done. Empty while open.
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField(max_length=21, choices=Outcome.choices, blank=True, db_default="")
    closing_note = models.TextField(blank=True, db_default="")

    class Meta:
        ordering = ["-raised_at"]
        constraints = [
            models.CheckConstraint(
                name="review_outcome_is_one_of_the_choices",
                condition=Q(outcome="") | Q(outcome__in=ReviewOutcome.values),
            ),
        ]


@track_history
class Photo(models.Model):
    """A photo taken on site, stored resized; its EXIF time and position are kept and compared."""

    inspection = models.ForeignKey(Inspection, null=True, blank=True, on_delete=models.PROTECT, related_name="photos")
    occupancy_check = models.ForeignKey(
        OccupancyCheck, null=True, blank=True, on_delete=models.PROTECT, related_name="photos"
    )
    file = models.ImageField(upload_to="shelters/photos/%Y/%m/")
    # SHA-256 of the file as the camera made it: the same picture cannot serve twice.
    sha256 = models.CharField(max_length=64)
    original_bytes = models.PositiveIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    taken_at = models.DateTimeField(null=True, blank=True, help_text="EXIF DateTimeOriginal (device clock).")
    exif_point = models.PointField(srid=4326, null=True, blank=True)
    # Differences from the inspection or check it documents: empty when EXIF agrees.
    warnings = models.JSONField(default=list, blank=True, db_default=[])
    created_at = models.DateTimeField(auto_now_add=True, db_default=Now())

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["sha256"], name="photo_hash_used_once"),
            models.CheckConstraint(
                name="photo_documents_one_visit",
                condition=Q(inspection__isnull=False, occupancy_check__isnull=True)
                | Q(inspection__isnull=True, occupancy_check__isnull=False),
            ),
        ]


class PhotoFraudFlag(models.Model):
    """A photo refused because the same picture was already used for another plot: possible fraud."""

    sha256 = models.CharField(max_length=64)
    first_photo = models.ForeignKey(Photo, on_delete=models.PROTECT, related_name="+")
    plot = models.ForeignKey("townships.Plot", on_delete=models.PROTECT, related_name="+")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    client_uuid = models.UUIDField(null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_default=Now())

    class Meta:
        ordering = ["-at"]


@track_history
class Tranche(models.Model):
    """A cash instalment of a project, released by a stage; paid only after that stage passed inspection."""

    project = models.ForeignKey(ShelterProject, on_delete=models.PROTECT, related_name="tranches")
    stage = models.ForeignKey(
        Stage, on_delete=models.PROTECT, related_name="+", help_text="The stage that releases it."
    )
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, default="AFN", db_default="AFN")
    paid_on = models.DateField(null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The passed inspection that released it (set when paid; checked by the database).
    released_by_inspection = models.ForeignKey(
        Inspection, null=True, blank=True, on_delete=models.PROTECT, related_name="tranches"
    )
    payment_reference = models.CharField(max_length=60, blank=True, db_default="")

    class Meta:
        ordering = ["project", "stage__position"]
        constraints = [
            models.UniqueConstraint(fields=["project", "stage"], name="one_tranche_per_stage"),
            models.CheckConstraint(name="tranche_amount_positive", condition=Q(amount__gt=0)),
        ]


class ImportRun(models.Model):
    """One import of KoboToolbox / ODK Central submissions, with its report of what was rejected and why."""

    form = models.CharField(max_length=10)
    filename = models.CharField(max_length=200)
    # The uploader: their provinces bound every row (each created record names them too, in uploaded_by).
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True, db_default=Now())
    report = models.JSONField(default=dict)

    class Meta:
        ordering = ["-at"]
