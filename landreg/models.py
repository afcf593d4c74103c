"""Who may see what: each user's geographic scope, the log of every view of personal data, and the data-sharing
agreements that partners' exports are made under."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from landreg.history import HistoryEvent, track_history  # noqa: F401  (HistoryEvent: the base of every history table)


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


@track_history
class DataSharingAgreement(models.Model):
    """What one partner organisation may receive, for what purpose, over which provinces, and until when
    (DOMAIN: no partner export without one). The catalogue of datasets and household fields is fixed in
    landreg/sharing.py; names, ID numbers, phone numbers and household GPS points are not in it."""

    partner_name = models.CharField(_("partner organisation"), max_length=150)
    # The partner accounts whose exports this agreement covers.
    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="data_sharing_agreements",
        limit_choices_to={"groups__name": "partner"},
        verbose_name=_("partner users"),
        help_text=_("Accounts with the partner role whose exports this agreement covers."),
    )
    purpose = models.TextField(_("purpose"), help_text=_("What the partner uses the data for, as signed."))
    reference = models.CharField(_("reference"), max_length=60, unique=True, help_text=_("The agreement's number."))
    signed_on = models.DateField(_("signed on"))
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), help_text=_("The last day exports are allowed."))
    provinces = models.ManyToManyField(
        "parcels.AdminArea",
        related_name="+",
        limit_choices_to={"level": "province"},
        verbose_name=_("provinces covered"),
    )
    # Dataset codes from landreg.sharing.DATASETS, e.g. ["township_summary", "household_records"].
    datasets = models.JSONField(_("datasets shared"), default=list, blank=True)
    # Household field codes from landreg.sharing.HOUSEHOLD_FIELDS, for the household_records dataset.
    household_fields = models.JSONField(_("household fields shared"), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["partner_name", "-valid_until"]
        verbose_name = _("data-sharing agreement")
        verbose_name_plural = _("data-sharing agreements")
        constraints = [
            models.CheckConstraint(
                name="agreement_ends_after_it_starts", condition=Q(valid_until__gte=F("valid_from"))
            ),
        ]

    def __str__(self):
        return f"{self.reference} ({self.partner_name})"

    def clean(self):
        from landreg.sharing import agreement_catalogue_check  # noqa: PLC0415 - sharing imports this module

        agreement_catalogue_check(self)
