"""Township planning: raster layers (terrain, flood), access layers (water points, roads, services), viability
thresholds and each plot's site figures (docs/planning.md).

The rules that protect these records are in the database (sql/0002_site_rules.sql), because GIS specialists edit
the access layers straight from QGIS; the services check the same first, for a sentence on the right field.
"""

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from landreg.history import track_history


class RasterLayer(models.Model):
    """A raster a planner judges a site with: an elevation model, a flood hazard map or land cover, uploaded by an
    administrator and kept as a cloud-optimised GeoTIFF like imagery (parcels.Imagery). Never edited in place: a
    new survey is a new upload; the newest layer of a kind that covers a site is the one used."""

    class Kind(models.TextChoices):
        DEM = "dem", _("Elevation model (DEM)")
        FLOOD = "flood", _("Flood hazard")
        LANDCOVER = "landcover", _("Land cover")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    name = models.CharField(max_length=150)
    # Who sees it: users whose scope includes this province; empty means every planner.
    province = models.ForeignKey(
        "parcels.AdminArea",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": "province"},
    )
    source = models.CharField(max_length=200, help_text=_("Copernicus GLO-30, SRTM, a flood study…"))
    licence = models.CharField(max_length=200, help_text=_("The terms the data may be used under."))
    file = models.FileField(upload_to="planning/rasters/", editable=False, help_text="The cloud-optimised GeoTIFF.")
    bounds = models.PolygonField(srid=4326, editable=False, help_text="The raster's footprint, in EPSG:4326.")
    source_crs = models.CharField(max_length=200, editable=False, help_text="The CRS the file declared or was given.")
    resolution_m = models.FloatField(editable=False, help_text="Ground size of a pixel, in metres.")
    nodata = models.FloatField(null=True, blank=True, editable=False)
    # Flood rasters: what each pixel value means, e.g. [{"value": 3, "label": "Over 1 m deep", "hazard": "high"}].
    # hazard is one of none, low, medium, high; a value not listed is read as no flood.
    flood_classes = models.JSONField(default=list, blank=True)
    size_bytes = models.BigIntegerField(editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    uploaded_at = models.DateTimeField(auto_now_add=True, db_default=Now())

    class Meta:
        ordering = ["kind", "-uploaded_at"]
        constraints = [
            models.CheckConstraint(
                name="flood_raster_has_classes",
                condition=~Q(kind="flood") | ~Q(flood_classes=[]),
            ),
            models.CheckConstraint(name="raster_resolution_positive", condition=Q(resolution_m__gt=0)),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.name}"


class AccessLayer(models.Model):
    """What the water points, roads and services share: a province (which scopes them, for the pages and for GIS
    logins), a name, where the record comes from, and when it changed."""

    province = models.ForeignKey(
        "parcels.AdminArea", on_delete=models.PROTECT, related_name="+", limit_choices_to={"level": "province"}
    )
    name = models.CharField(max_length=150, blank=True, db_default="")
    # The survey, file or partner it comes from, e.g. "WASH cluster 2025" or the imported file's name.
    source = models.CharField(max_length=200, blank=True, db_default="")
    created_at = models.DateTimeField(auto_now_add=True, db_default=Now())
    updated_at = models.DateTimeField(auto_now=True, db_default=Now())

    class Meta:
        abstract = True


@track_history(per_statement=True)  # imports write many at once
class WaterPoint(AccessLayer):
    class Kind(models.TextChoices):
        WELL = "well", _("Well")
        BOREHOLE = "borehole", _("Borehole")
        TAP = "tap", _("Tap stand")
        RESERVOIR = "reservoir", _("Reservoir")
        SPRING = "spring", _("Spring")
        TANK = "tank", _("Water tank")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    # A broken pump is no water: only functional points count for a site's distance to water.
    functional = models.BooleanField(default=True, db_default=True)
    geom = models.PointField(srid=4326)

    class Meta:
        ordering = ["province", "kind", "name"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.name}".strip()


@track_history(per_statement=True)
class Road(AccessLayer):
    class RoadClass(models.TextChoices):
        PAVED = "paved", _("Paved")
        GRAVEL = "gravel", _("Gravel")
        TRACK = "track", _("Track")

    road_class = models.CharField(max_length=8, choices=RoadClass.choices)
    geom = models.LineStringField(srid=4326)

    class Meta:
        ordering = ["province", "road_class", "name"]

    def __str__(self):
        return f"{self.get_road_class_display()} {self.name}".strip()


@track_history(per_statement=True)
class ServicePoint(AccessLayer):
    """A school, clinic, market, mosque or police post near a site. townships.Facility belongs to a township, and a
    candidate parcel has none yet, so the services a planner judges a site by are their own layer."""

    class Kind(models.TextChoices):
        SCHOOL = "school", _("School")
        CLINIC = "clinic", _("Clinic")
        MARKET = "market", _("Market")
        MOSQUE = "mosque", _("Mosque")
        POLICE = "police", _("Police post")

    kind = models.CharField(max_length=8, choices=Kind.choices)
    functional = models.BooleanField(default=True, db_default=True)
    geom = models.PointField(srid=4326)

    class Meta:
        ordering = ["province", "kind", "name"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.name}".strip()


class ViabilityThresholds(models.Model):
    """What a site must meet to be judged fit, set by an administrator. Versioned: a change is a new version, and
    exactly one version is active; a report and each plot's figures name the version they were judged by."""

    version = models.PositiveIntegerField(unique=True, editable=False)
    active = models.BooleanField(default=False, db_default=False)
    water_max_m = models.PositiveIntegerField(_("water within (m)"), default=500)
    slope_max_pct = models.FloatField(_("mean slope under (%)"), default=10)
    steep_share_max_pct = models.FloatField(_("share of the area over 20 % slope at most (%)"), default=20)
    flood_high_share_max_pct = models.FloatField(_("share of the area in a high flood class at most (%)"), default=0)
    school_max_m = models.PositiveIntegerField(_("school within (m)"), default=2000)
    clinic_max_m = models.PositiveIntegerField(_("clinic within (m)"), default=5000)
    market_max_m = models.PositiveIntegerField(_("market within (m)"), default=3000)
    road_max_m = models.PositiveIntegerField(_("paved road within (m)"), default=1000)
    note = models.CharField(max_length=300, blank=True, db_default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True, db_default=Now())

    class Meta:
        ordering = ["-version"]
        verbose_name_plural = "viability thresholds"
        constraints = [
            models.UniqueConstraint(
                fields=["active"], condition=Q(active=True), name="one_active_viability_thresholds"
            ),
            models.CheckConstraint(
                name="viability_thresholds_in_range",
                condition=Q(slope_max_pct__gt=0, slope_max_pct__lte=100)
                & Q(steep_share_max_pct__gte=0, steep_share_max_pct__lte=100)
                & Q(flood_high_share_max_pct__gte=0, flood_high_share_max_pct__lte=100)
                & Q(water_max_m__gt=0, school_max_m__gt=0, clinic_max_m__gt=0, market_max_m__gt=0, road_max_m__gt=0),
            ),
        ]

    def __str__(self):
        return f"v{self.version}"


class PlotSite(models.Model):
    """One plot's site figures: its slope, flood class and distance to water, and whether it is fit to live on.
    Marked stale by the database when the plot, the rasters, the water points, the roads or the thresholds change
    (sql/0002_site_rules.sql); `manage.py recompute_plot_sites` computes the stale ones again."""

    class Fit(models.TextChoices):
        FIT = "fit", _("Fit")
        CONDITIONS = "conditions", _("Fit with conditions")
        NOT_FIT = "not_fit", _("Not fit")
        UNKNOWN = "unknown", _("Not judged yet")

    plot = models.OneToOneField("townships.Plot", primary_key=True, on_delete=models.CASCADE, related_name="site")
    slope_mean_pct = models.FloatField(null=True, blank=True)
    share_over_10_pct = models.FloatField(null=True, blank=True)
    share_over_20_pct = models.FloatField(null=True, blank=True)
    # The highest hazard of the flood classes under the plot (none, low, medium, high), and its share of the plot.
    flood_hazard = models.CharField(max_length=8, blank=True, db_default="")
    flood_high_share_pct = models.FloatField(null=True, blank=True)
    water_m = models.FloatField(null=True, blank=True, help_text="Straight-line distance to a functional water point.")
    fit = models.CharField(max_length=10, choices=Fit.choices, default=Fit.UNKNOWN, db_default=Fit.UNKNOWN)
    # Why, as the criteria that failed or were conditional: [{"criterion": "slope", "verdict": "fail"}, …].
    reasons = models.JSONField(default=list, blank=True)
    thresholds = models.ForeignKey(
        ViabilityThresholds, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    stale = models.BooleanField(default=True, db_default=True)
    computed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["stale"], condition=Q(stale=True), name="plot_site_stale_idx")]
        constraints = [
            models.CheckConstraint(
                name="plot_site_flood_hazard_known",
                condition=Q(flood_hazard__in=["", "none", "low", "medium", "high"]),
            ),
        ]

    def __str__(self):
        return f"{self.plot_id}: {self.fit}"
