"""Townships, their blocks and plots, and the facilities that make them liveable.

Every rule that protects these records is enforced by PostGIS (see sql/), because GIS specialists
edit them from QGIS; the models only describe the data and ask the database for readable errors.
"""

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from landreg.history import track_history
from landreg.rules import rule_message
from townships import rules


class UtmZone(models.IntegerChoices):
    UTM_41N = 32641, "WGS 84 / UTM 41N (west of 66°E)"
    UTM_42N = 32642, "WGS 84 / UTM 42N (66°E to 72°E)"
    UTM_43N = 32643, "WGS 84 / UTM 43N (east of 72°E)"


@track_history
class Township(models.Model):
    class LegalBasis(models.TextChoices):
        DECREE_104_2005 = "decree_104_2005", _("Presidential Decree 104 (2005)")
        DECREE_305_2018 = "decree_305_2018", _("Presidential Decree 305 (2018)")
        LATER_SCHEME = "later_scheme", _("Later scheme")

    class Status(models.TextChoices):
        IDENTIFIED = "identified", _("Identified")
        SURVEYED = "surveyed", _("Surveyed")
        PLANNED = "planned", _("Planned")
        DEMARCATED = "demarcated", _("Demarcated")
        OPEN = "open", _("Open for allocation")
        CLOSED = "closed", _("Closed")

    # Short code used in references and file names, e.g. NGR-SM.
    code = models.SlugField(max_length=30, unique=True)
    name = models.CharField(max_length=150)
    name_prs = models.CharField("name (Dari)", max_length=150, blank=True, db_default="")
    name_ps = models.CharField("name (Pashto)", max_length=150, blank=True, db_default="")
    province = models.ForeignKey(
        "parcels.AdminArea",
        on_delete=models.PROTECT,
        related_name="townships",
        limit_choices_to={"level": "province"},
    )
    district = models.ForeignKey(
        "parcels.AdminArea",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": "district"},
    )
    legal_basis = models.CharField(max_length=20, choices=LegalBasis.choices)
    land_parcels = models.ManyToManyField("parcels.LandParcel", blank=True, related_name="townships")
    geom = models.MultiPolygonField(srid=4326)
    # Derived by the database from the township's location; every area is measured in this zone.
    utm_srid = models.IntegerField("UTM zone (EPSG)", choices=UtmZone.choices, null=True, blank=True, editable=False)
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.IDENTIFIED, db_default=Status.IDENTIFIED
    )
    planned_services = models.TextField(
        blank=True, help_text="Water, schools, clinic, roads… as planned.", db_default=""
    )
    is_demo = models.BooleanField(default=False, help_text="Synthetic demonstration data.", db_default=False)
    created_at = models.DateTimeField(auto_now_add=True, db_default=Now())
    updated_at = models.DateTimeField(auto_now=True, db_default=Now())

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                name="township_utm_zone_in_afghanistan",
                condition=Q(utm_srid__in=[32641, 32642, 32643]) | Q(utm_srid__isnull=True),
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def local_name(self) -> str:
        """The township's name in the active language (Dari or Pashto where recorded), else its name."""
        language = (get_language() or "en")[:2]
        return {"fa": self.name_prs, "ps": self.name_ps}.get(language) or self.name

    def clean(self):
        rules.check_township(self)


@track_history(per_statement=True)  # bulk writes and layout imports: one history statement
class Block(models.Model):
    township = models.ForeignKey(Township, on_delete=models.PROTECT, related_name="blocks")
    code = models.CharField(max_length=20)
    geom = models.PolygonField(srid=4326)
    created_at = models.DateTimeField(auto_now_add=True, db_default=Now())
    updated_at = models.DateTimeField(auto_now=True, db_default=Now())

    class Meta:
        ordering = ["township", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["township", "code"],
                name="block_code_unique_in_township",
                violation_error_message=rule_message("block_code_unique_in_township"),
                violation_error_code="block_code_unique_in_township",
            ),
        ]

    def __str__(self):
        return f"{self.township} / block {self.code}"

    def clean(self):
        rules.check_block(self)


@track_history(per_statement=True)  # bulk writes and layout imports: one history statement
class Plot(models.Model):
    class Use(models.TextChoices):
        RESIDENTIAL = "residential", _("Residential")
        COMMERCIAL = "commercial", _("Commercial")
        PUBLIC = "public", _("Public")
        GREEN = "green", _("Green space")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        AVAILABLE = "available", _("Available")
        RESERVED = "reserved", _("Reserved")
        ALLOCATED = "allocated", _("Allocated")
        HANDED_OVER = "handed_over", _("Handed over")
        OCCUPIED = "occupied", _("Occupied")
        DISPUTED = "disputed", _("Disputed")
        USURPED = "usurped", _("Usurped")
        CANCELLED = "cancelled", _("Cancelled")

    township = models.ForeignKey(Township, on_delete=models.PROTECT, related_name="plots")
    block = models.ForeignKey(Block, null=True, blank=True, on_delete=models.PROTECT, related_name="plots")
    # The number painted on the ground and written in the deed; unique within the township.
    number = models.CharField(max_length=20)
    geom = models.PolygonField(srid=4326)
    # Derived by the database from the geometry, in the township's UTM zone; never typed in.
    area_m2 = models.DecimalField("area (m²)", max_digits=12, decimal_places=2, null=True, blank=True, editable=False)
    use = models.CharField(max_length=12, choices=Use.choices, default=Use.RESIDENTIAL, db_default=Use.RESIDENTIAL)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PLANNED, db_default=Status.PLANNED)
    created_at = models.DateTimeField(auto_now_add=True, db_default=Now())
    updated_at = models.DateTimeField(auto_now=True, db_default=Now())

    class Meta:
        ordering = ["township", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["township", "number"],
                name="plot_number_unique_in_township",
                violation_error_message=rule_message("plot_number_unique_in_township"),
                violation_error_code="plot_number_unique_in_township",
            ),
        ]
        indexes = [models.Index(fields=["township", "status"], name="plot_township_status_idx")]

    def __str__(self):
        return f"{self.township} / plot {self.number}"

    def clean(self):
        rules.check_plot(self)

    @property
    def area_biswa(self):
        """Area in biswa (1 biswa = 100 m², 20 biswa = 1 jerib)."""
        return None if self.area_m2 is None else self.area_m2 / 100


class Facility(models.Model):
    class Kind(models.TextChoices):
        WATER_POINT = "water_point", _("Water point")
        SCHOOL = "school", _("School")
        CLINIC = "clinic", _("Clinic")
        MOSQUE = "mosque", _("Mosque")
        MARKET = "market", _("Market")
        ROAD_ACCESS = "road_access", _("Road access point")

    township = models.ForeignKey(Township, on_delete=models.PROTECT, related_name="facilities")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    name = models.CharField(max_length=150, blank=True, db_default="")
    geom = models.PointField(srid=4326, help_text="Where the facility is (its entrance for a building).")
    footprint = models.PolygonField(srid=4326, null=True, blank=True, help_text="The building or site outline.")
    functional = models.BooleanField(default=True, db_default=True)
    created_at = models.DateTimeField(auto_now_add=True, db_default=Now())
    updated_at = models.DateTimeField(auto_now=True, db_default=Now())

    class Meta:
        ordering = ["township", "kind", "name"]
        verbose_name_plural = "facilities"

    def __str__(self):
        return f"{self.get_kind_display()} {self.name}".strip()

    def clean(self):
        problem = rules.geometry_problem(self.geom) or rules.geometry_problem(self.footprint)
        if problem:
            raise rules.errors_from_violations([("facility_geometry_valid", problem)])


class Entitlement(models.Model):
    """The plot size a household is entitled to in a township, by household size (e.g. 10 biswa up to 10
    members, 15 biswa above). 1 biswa = 100 m²."""

    township = models.ForeignKey(Township, on_delete=models.CASCADE, related_name="entitlements")
    min_members = models.PositiveSmallIntegerField()
    max_members = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Empty: no upper limit.")
    plot_biswa = models.DecimalField(max_digits=6, decimal_places=2)

    class Meta:
        ordering = ["township", "min_members"]
        constraints = [
            models.CheckConstraint(
                name="entitlement_range_is_ordered",
                condition=Q(max_members__isnull=True) | Q(max_members__gte=models.F("min_members")),
            ),
        ]

    def __str__(self):
        upper = self.max_members or "…"
        return f"{self.township}: {self.min_members}–{upper} members → {self.plot_biswa} biswa"


class LayoutSource(models.Model):
    """Where layout files come from (a surveyor, a GIS unit, a partner) and how their attributes map to
    plots, remembered so that the next file from the same source imports in one step."""

    township = models.ForeignKey(Township, on_delete=models.CASCADE, related_name="layout_sources")
    # The surveyor, office or partner, as the GIS specialist names them, e.g. "Ariana Survey Co.".
    name = models.CharField(max_length=150)
    # Attribute (column) names in the source's files; "" when the files do not carry it.
    number_field = models.CharField(max_length=100)
    block_field = models.CharField(max_length=100, blank=True, db_default="")
    use_field = models.CharField(max_length=100, blank=True, db_default="")
    # The source's own spellings of plot uses, e.g. {"RES": "residential", "مسکونی": "residential"}.
    use_values = models.JSONField(default=dict, blank=True)
    # The CRS (EPSG) the user stated for this source's files when they declare none (a DXF, a bare .shp).
    stated_srid = models.IntegerField("stated CRS (EPSG)", null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True, db_default=Now())

    class Meta:
        ordering = ["township", "name"]
        constraints = [
            models.UniqueConstraint(fields=["township", "name"], name="layout_source_name_unique_in_township"),
        ]

    def __str__(self):
        return f"{self.township} / {self.name}"


class LayoutImport(models.Model):
    """One layout file checked (dry run) and perhaps committed: the file's hash, the report, who and when.
    Plot history events written by the commit carry this record's id and the hash in their context."""

    class Status(models.TextChoices):
        CHECKED = "checked", _("Checked, can be imported")
        REJECTED = "rejected", _("Rejected: features to fix")
        NEEDS_CONFIRMATION = "needs_confirmation", _("Moves allocated plots: needs confirmation")
        COMMITTED = "committed", _("Imported")
        FAILED = "failed", _("Failed: nothing was written")

    township = models.ForeignKey(Township, on_delete=models.PROTECT, related_name="layout_imports")
    source = models.ForeignKey(
        LayoutSource, null=True, blank=True, on_delete=models.SET_NULL, related_name="imports"
    )
    file_name = models.CharField(max_length=255)
    # SHA-256 of the file as uploaded: the evidence of exactly which file produced the plots.
    sha256 = models.CharField(max_length=64, db_index=True)
    size_bytes = models.BigIntegerField()
    file_format = models.CharField(max_length=30)
    # The CRS the coordinates were read in (EPSG), and whether the user stated it (the file declared none).
    source_srid = models.IntegerField(null=True, blank=True)
    crs_name = models.CharField(max_length=200, blank=True, db_default="")
    srid_stated = models.BooleanField(default=False, db_default=False)
    mapping = models.JSONField(default=dict)
    status = models.CharField(max_length=20, choices=Status.choices)
    counts = models.JSONField(default=dict)
    # Features that were repaired or rejected, and the differences with the plots already there.
    report = models.JSONField(default=dict)
    confirmed_allocated_moves = models.BooleanField(default=False, db_default=False)
    error = models.TextField(blank=True, db_default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_default=Now())
    committed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    committed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.file_name} → {self.township} ({self.get_status_display()})"
