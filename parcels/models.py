"""Administrative areas (provinces, districts, by OCHA p-code) and the state land bank."""

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class AdminArea(models.Model):
    class Level(models.TextChoices):
        PROVINCE = "province", _("Province")
        DISTRICT = "district", _("District")

    level = models.CharField(max_length=10, choices=Level.choices)
    # OCHA COD-AB p-code: AF06 for a province, AF0617 for a district (post-2018 AGCHO numbering).
    pcode = models.CharField("p-code", max_length=10, unique=True)
    # ISO 3166-2 code for provinces (AF-NAN); empty for districts.
    iso_code = models.CharField("ISO 3166-2", max_length=10, blank=True, db_default="")
    name_en = models.CharField("name (English)", max_length=100)
    name_prs = models.CharField("name (Dari)", max_length=100, blank=True, db_default="")
    name_ps = models.CharField("name (Pashto)", max_length=100, blank=True, db_default="")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    geom = models.MultiPolygonField(srid=4326, null=True, blank=True)

    class Meta:
        ordering = ["pcode"]
        constraints = [
            models.CheckConstraint(
                name="district_has_province_parent",
                condition=Q(level="province", parent__isnull=True) | Q(level="district", parent__isnull=False),
            ),
            models.CheckConstraint(
                name="admin_area_pcode_format",
                condition=Q(pcode__regex=r"^AF[0-9]{2}$", level="province")
                | Q(pcode__regex=r"^AF[0-9]{4}$", level="district"),
            ),
        ]

    def __str__(self):
        return f"{self.name_en} ({self.pcode})"

    @property
    def local_name(self) -> str:
        """The area's name in the active language (Dari or Pashto where recorded), else its English name."""
        language = (get_language() or "en")[:2]
        return {"fa": self.name_prs, "ps": self.name_ps}.get(language) or self.name_en

    @property
    def province(self) -> "AdminArea":
        return self if self.level == self.Level.PROVINCE else self.parent


class LandParcel(models.Model):
    """A parcel of state land designated (or being designated) for a township."""

    class LegalStatus(models.TextChoices):
        IDENTIFIED = "identified", _("Identified")
        VERIFIED = "verified", _("Verified by the land authority")
        DESIGNATED = "designated", _("Designated for a township")
        DISPUTED = "disputed", _("Disputed")

    # The land authority's reference for the parcel (ARAZI / MUDL file number).
    reference = models.CharField(max_length=60, unique=True)
    name = models.CharField(max_length=150, blank=True, db_default="")
    province = models.ForeignKey(
        AdminArea, on_delete=models.PROTECT, related_name="land_parcels", limit_choices_to={"level": "province"}
    )
    district = models.ForeignKey(
        AdminArea,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": "district"},
    )
    legal_status = models.CharField(
        max_length=12, choices=LegalStatus.choices, default=LegalStatus.IDENTIFIED, db_default=LegalStatus.IDENTIFIED
    )
    geom = models.MultiPolygonField(srid=4326)
    notes = models.TextField(blank=True, db_default="")

    class Meta:
        ordering = ["reference"]

    def __str__(self):
        return self.name or self.reference


class Imagery(models.Model):
    """An orthophoto or satellite scene of a township, uploaded as a GeoTIFF and kept as a cloud-optimised GeoTIFF
    (tiled, with overviews) that our own server cuts into raster tiles, so an office without internet still sees
    the ground under its plots. Never edited in place: a new scene is a new upload."""

    name = models.CharField(max_length=150)
    # Who sees it: users whose scope includes this province; empty means every logged-in user.
    province = models.ForeignKey(
        AdminArea,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="imagery",
        limit_choices_to={"level": "province"},
    )
    source = models.CharField(max_length=100, blank=True, db_default="", help_text="Drone survey, Sentinel-2, …")
    captured_on = models.DateField(null=True, blank=True, help_text="When the scene was taken.")
    file = models.FileField(upload_to="imagery/", editable=False, help_text="The cloud-optimised GeoTIFF.")
    bounds = models.PolygonField(srid=4326, editable=False, help_text="The scene's footprint, as a box in EPSG:4326.")
    source_crs = models.CharField(max_length=200, editable=False, help_text="The CRS the uploaded file declared.")
    resolution_m = models.FloatField(editable=False, help_text="Ground size of a pixel, in metres.")
    maxzoom = models.PositiveSmallIntegerField(editable=False, help_text="The zoom level of full resolution.")
    # Pixel values mapped to 0–255 for display when the scene is not already 8-bit (e.g. 16-bit satellite bands).
    display_min = models.FloatField(null=True, blank=True, editable=False)
    display_max = models.FloatField(null=True, blank=True, editable=False)
    size_bytes = models.BigIntegerField(editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-captured_on", "name"]
        verbose_name_plural = "imagery"

    def __str__(self):
        return self.name


class CrossingPoint(models.Model):
    """A border crossing point (or an airport) where returnees arrive, as a point. Reference data shipped in
    gis_data/border_crossings.csv with each position's source and precision; an administrator corrects them in the
    admin, and a corrected point is never overwritten by loading the shipped file again."""

    class Kind(models.TextChoices):
        ROAD = "road", _("Road crossing")
        ROAD_RAIL = "road_rail", _("Road and rail crossing")
        TRACK = "track", _("Track (not a gazetted crossing)")
        AIRPORT = "airport", _("Airport")

    # Stable code (torkham, islam_qala…): what lists and imports name a crossing point by.
    code = models.SlugField(max_length=40, unique=True)
    name_en = models.CharField("name (English)", max_length=100)
    name_prs = models.CharField("name (Dari)", max_length=100, blank=True, db_default="")
    name_ps = models.CharField("name (Pashto)", max_length=100, blank=True, db_default="")
    province = models.ForeignKey(
        AdminArea, on_delete=models.PROTECT, related_name="crossing_points", limit_choices_to={"level": "province"}
    )
    district = models.ForeignKey(
        AdminArea,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": "district"},
    )
    # ISO 3166-1 alpha-2 of the country on the other side (PK, IR, TM, UZ, TJ); empty for an airport.
    neighbouring_country = models.CharField(max_length=2, blank=True, db_default="")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.ROAD, db_default=Kind.ROAD)
    # The four main crossing points of return: Torkham, Spin Boldak, Islam Qala, Milak.
    main = models.BooleanField(default=False, db_default=False)
    official = models.BooleanField(default=True, db_default=True)
    active = models.BooleanField(default=True, db_default=True)
    geom = models.PointField(srid=4326)
    source = models.TextField(help_text=_("Where the position comes from."))
    precision_km = models.DecimalField(
        max_digits=5, decimal_places=1, help_text=_("How far the true position may be from this point, in km.")
    )
    # Set when an administrator corrects the point: loading the shipped file again leaves it as corrected.
    corrected_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-main", "name_en"]
        constraints = [
            models.CheckConstraint(name="crossing_point_precision_positive", condition=Q(precision_km__gt=0)),
        ]

    def __str__(self):
        return self.name_en

    @property
    def local_name(self) -> str:
        language = (get_language() or "en")[:2]
        return {"fa": self.name_prs, "ps": self.name_ps}.get(language) or self.name_en
