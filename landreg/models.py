"""Who may see what: each user's geographic scope, the log of every view of personal data, and the data-sharing
agreements that partners' exports are made under, with the fixed catalogue of what an agreement may share."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext
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


# The datasets an agreement may share. Each is an export a partner can take; nothing else leaves for partners.
# The agreement checks and the small-cell rule that apply them are in landreg/sharing.py.
DATASETS = {
    "township_summary": _(
        "Township summary: plots by status, allocations by state, households waiting and shelters by stage, "
        "per township, with counts under 5 households suppressed"
    ),
    "household_records": _("Household records: one pseudonymised row per household, only the household fields agreed"),
    "township_layout": _("Township layout files: township, blocks, plots and facilities, no personal data"),
    "grievance_summary": _(
        "Grievance summary: complaints counted by township, category, status and age, with counts under 5 "
        "suppressed and sensitive categories never below the province"
    ),
    # Not a file: what lets a partner's hotline refer complaints through the API, for the provinces agreed, and
    # follow the status and dates (only) of the cases it referred.
    "grievance_referrals": _(
        "Grievance referrals: the partner's hotline refers complaints and follows the status of the cases it referred"
    ),
    "movement_figures": _(
        "Returns and displacement figures: arrivals and border flow counts per week and month by crossing point, "
        "province, category, sex and age band, and IDP sites with their latest estimates; counts under 5 "
        "suppressed, never a person"
    ),
    "livelihood_opportunities": _(
        "Livelihood opportunities: work and training offered, where, by which provider, places offered and filled "
        "(filled under 5 suppressed), dates and pay; no personal data"
    ),
    "livelihood_referrals": _(
        "Livelihood referrals: the referrals to the partner's own opportunities, one pseudonymised row each with sex, "
        "age band, status and the step dates; no name, ID number or location"
    ),
    "reintegration_scores": _(
        "Reintegration scores: the mean economic, social, psychosocial and composite scores by township and survey "
        "round, and the share of households still on their plot at 12 months; cells under 5 households suppressed"
    ),
}

# The household fields an agreement may share, with their HXL hashtags, in the order they are written.
# Deliberately absent: names, father's names, tazkira and PoR numbers (or their last digits), phone numbers,
# dates of birth, GPS points of households, vulnerability flags.
HOUSEHOLD_FIELDS = {
    # A keyed hash under the agreement's own key, never the code on letters and deeds (landreg/sharing.py).
    "code": (_("Pseudonymous household code (a different one under each agreement)"), "#beneficiary+code"),
    "province": (_("Province (p-code)"), "#adm1+code"),
    "district": (_("Current district (p-code)"), "#adm2+code"),
    "category": (_("Category (returnee, deportee, IDP, host community)"), "#group+code"),
    "size": (_("Household size (people)"), "#population+ind+num"),
    "status": (_("Household status"), "#status+household"),
    "allocation_status": (_("State of the household's allocation"), "#status+allocation"),
    "township": (_("Township of the allocated plot (code)"), "#loc+code"),
    "shelter_stage": (_("Last shelter stage passed"), "#status+shelter"),
}


@track_history
class DataSharingAgreement(models.Model):
    """What one partner organisation may receive, for what purpose, over which provinces, and until when
    (no partner export without one). What it shares is ticked from DATASETS and HOUSEHOLD_FIELDS above; names,
    ID numbers, phone numbers and household GPS points are not in them."""

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
    # Dataset codes from DATASETS, e.g. ["township_summary", "household_records"].
    datasets = models.JSONField(_("datasets shared"), default=list, blank=True)
    # Household field codes from HOUSEHOLD_FIELDS, for the household_records dataset.
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
        """The agreement shares only what the catalogue offers; a ValidationError names what is not in it."""
        errors = {}
        unknown = [d for d in self.datasets or [] if d not in DATASETS]
        if not isinstance(self.datasets, list) or unknown:
            errors["datasets"] = gettext(
                "These are not datasets landreg can share: %(names)s. Choose from: %(choices)s."
            ) % {
                "names": ", ".join(map(str, unknown)) or str(self.datasets),
                "choices": ", ".join(DATASETS),
            }
        unknown = [f for f in self.household_fields or [] if f not in HOUSEHOLD_FIELDS]
        if not isinstance(self.household_fields, list) or unknown:
            errors["household_fields"] = gettext(
                "These are not household fields landreg can share: %(names)s. Choose from: %(choices)s."
            ) % {
                "names": ", ".join(map(str, unknown)) or str(self.household_fields),
                "choices": ", ".join(HOUSEHOLD_FIELDS),
            }
        if "household_records" in (self.datasets or []) and not self.household_fields:
            errors["household_fields"] = gettext("Household records are shared: choose the household fields that are.")
        if errors:
            raise ValidationError(errors)


class PseudonymKey(models.Model):
    """The secret key behind one agreement's pseudonymous household codes (landreg/sharing.py: pseudonym).

    A key per agreement, so the rows a partner receives under one agreement cannot be linked to the rows of
    another, nor to the household code printed on letters and deeds. Kept apart from the agreement on purpose:
    it is not in the agreement's history, the admin, any export or the GIS logins' grants, and rotating it
    (deleting the row: the next export makes a new one) leaves nothing behind that could recompute the old codes.
    """

    agreement = models.OneToOneField(
        DataSharingAgreement, on_delete=models.CASCADE, primary_key=True, related_name="pseudonym_key"
    )
    # 32 random bytes from the secrets module, written by landreg.sharing.pseudonym_key_of.
    key = models.BinaryField(editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("pseudonym key")
        constraints = [
            # A copied or hand-made row (psql) must not weaken or share a key: two agreements with one key
            # would give the same codes, and a short key could be guessed.
            models.CheckConstraint(
                name="pseudonym_key_is_32_bytes",
                condition=models.lookups.Exact(models.Func(F("key"), function="octet_length"), 32),
            ),
            models.UniqueConstraint(fields=["key"], name="pseudonym_key_is_one_agreements_only"),
        ]

    def __str__(self):
        return f"pseudonym key of agreement #{self.agreement_id}"  # never the key itself


class RateWindow(models.Model):
    """A counter of one client's requests in one fixed window (landreg/ratelimit.py), shared by every server
    process: the key holds a hash of who asked, never the address itself."""

    key = models.CharField(max_length=96, primary_key=True)
    count = models.PositiveIntegerField()
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self):
        return f"{self.key}: {self.count}"
