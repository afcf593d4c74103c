"""Who may see what: each user's geographic scope, and the log of every view of personal data."""

from django.conf import settings
from django.db import models

from landreg.history import HistoryEvent  # noqa: F401  (the base of every history table)


class UserScope(models.Model):
    """The provinces, and optionally the townships, a user works in. National users see everything."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scope")
    national = models.BooleanField(default=False, help_text="Sees every province (ministry headquarters).")
    provinces = models.ManyToManyField(
        "parcels.AdminArea", blank=True, related_name="+", limit_choices_to={"level": "province"}
    )
    townships = models.ManyToManyField(
        "townships.Township",
        blank=True,
        related_name="+",
        help_text="If set, the user sees only these townships within the provinces.",
    )

    def __str__(self):
        return f"scope of {self.user}"


class PersonalDataAccess(models.Model):
    """One row each time someone views or exports personal data. Append-only by convention and by grants."""

    class Action(models.TextChoices):
        VIEW = "view", "Viewed"
        LIST = "list", "Listed"
        EXPORT = "export", "Exported"

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=8, choices=Action.choices)
    what = models.CharField(max_length=60, help_text="Kind of record, e.g. households.Household.")
    object_ids = models.JSONField(default=list)
    where = models.CharField(max_length=200, blank=True, help_text="The page, endpoint or command.")

    class Meta:
        ordering = ["-at"]
        verbose_name_plural = "personal data accesses"

    def __str__(self):
        return f"{self.user} {self.action} {self.what} at {self.at:%Y-%m-%d %H:%M}"


class GisLoginProvince(models.Model):
    """A province whose townships (with their blocks, plots and facilities) a GIS editor's database login may
    see and edit from QGIS. Read by the row-level security of sql/0006_gis_rows_by_province.sql; written by
    `manage.py create_gis_login`. A login with no row sees no township; a row without a province is a
    national login."""

    # The PostgreSQL role (LOGIN, member of landreg_gis_editor) that QGIS connects as.
    role_name = models.CharField("database login", max_length=63, db_index=True)
    province = models.ForeignKey(
        "parcels.AdminArea",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": "province"},
        help_text="Empty: every province (a national login).",
    )

    class Meta:
        ordering = ["role_name", "province__pcode"]
        constraints = [
            models.UniqueConstraint(
                fields=["role_name", "province"], name="gis_login_province_once", nulls_distinct=False
            ),
        ]

    def __str__(self):
        return f"{self.role_name}: {self.province.pcode if self.province_id else 'every province'}"
