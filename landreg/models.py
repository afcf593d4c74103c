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
