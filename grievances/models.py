"""Grievances, land disputes and appeals: every complaint gets a reference, a deadline, an owner and an answer
(docs/grievances.md). The database keeps the rules (grievances/sql/): steps are append-only, a status changes only
with its step and in order, a sensitive grievance's text is sealed, a disputed plot is not allocated, an appeal is
decided and checked by two committee members other than the one who decided what is appealed."""

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from landreg.history import track_history
from landreg.rules import rule_message


class Channel(models.TextChoices):
    OFFICE = "office", _("Office visit")
    HOTLINE = "hotline", _("Hotline")
    COMPLAINT_BOX = "complaint_box", _("Complaint box")
    FIELD_VISIT = "field_visit", _("Field visit")
    PARTNER_REFERRAL = "partner_referral", _("Partner referral")
    ONLINE = "online", _("Online")


class Category(models.TextChoices):
    LAND_DISPUTE = "land_dispute", _("Land dispute")
    USURPATION = "usurpation", _("Usurpation")
    APPEAL = "appeal", _("Allocation refused or revoked: appeal")
    SHELTER_PAYMENT = "shelter_payment", _("Shelter or payment")
    STAFF_CONDUCT = "staff_conduct", _("Conduct of staff")
    SEA = "sea", _("Sexual exploitation and abuse")
    DATA_PROTECTION = "data_protection", _("Data protection")
    OTHER = "other", _("Other")


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    DARI = "fa", _("Dari")
    PASHTO = "ps", _("Pashto")


class Status(models.TextChoices):
    RECEIVED = "received", _("Received")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    UNDER_REVIEW = "under_review", _("Under review")
    REFERRED = "referred", _("Referred")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = (Status.RECEIVED, Status.ACKNOWLEDGED, Status.UNDER_REVIEW, Status.REFERRED)

# action: (statuses it starts from, status it leads to; None: the status stays). The database keeps the same
# order of statuses (grievance_transitions_in_order, grievances/sql/0002_grievance_rules.sql).
TRANSITIONS = {
    "acknowledge": ((Status.RECEIVED,), Status.ACKNOWLEDGED),
    "review": ((Status.ACKNOWLEDGED,), Status.UNDER_REVIEW),
    "refer": ((Status.ACKNOWLEDGED, Status.UNDER_REVIEW), Status.REFERRED),
    "resolve": ((Status.ACKNOWLEDGED, Status.UNDER_REVIEW, Status.REFERRED), Status.RESOLVED),
    "close": ((Status.RESOLVED,), Status.CLOSED),
    "close_loop": ((Status.RESOLVED, Status.CLOSED), None),
}


# Every step's action, including those that do not change the status: receive (the first step), assign, note,
# escalate (by the system), and the decisions of disputes and appeals.
class StepAction(models.TextChoices):
    RECEIVE = "receive", _("Received")
    ACKNOWLEDGE = "acknowledge", _("Acknowledged")
    REVIEW = "review", _("Put under review")
    REFER = "refer", _("Referred")
    RESOLVE = "resolve", _("Resolved")
    CLOSE = "close", _("Closed")
    CLOSE_LOOP = "close_loop", _("Complainant told the outcome")
    ASSIGN = "assign", _("Assigned")
    ESCALATE = "escalate", _("Escalated (overdue)")
    OPEN_DISPUTE = "open_dispute", _("Land dispute opened on the plot")
    DECIDE_DISPUTE = "decide_dispute", _("Land dispute decided")
    DECIDE_APPEAL = "decide_appeal", _("Appeal decided")
    CHECK_APPEAL = "check_appeal", _("Appeal decision checked")


STEP_ACTIONS = tuple(StepAction.values)


class GrievanceQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self, now=None):
        """Open grievances with a deadline missed: `next_due`, kept by the database, is the earliest deadline not
        yet met (acknowledge, refer when sensitive, resolve), NULL once resolved."""
        return self.filter(status__in=OPEN_STATUSES, next_due__lt=now or timezone.now())


@track_history
class Grievance(models.Model):
    Channel = Channel
    Category = Category
    Priority = Priority
    Language = Language
    Status = Status

    SENSITIVE_CATEGORIES = (Category.STAFF_CONDUCT, Category.SEA, Category.DATA_PROTECTION)
    OPEN = OPEN_STATUSES
    TRANSITIONS = TRANSITIONS
    ACTIONS = tuple(TRANSITIONS)  # what grievance_transition takes; assign is grievance_assign
    STEP_ACTIONS = STEP_ACTIONS
    StepAction = StepAction

    objects = GrievanceQuerySet.as_manager()

    # G-XXXX-XXXX over an alphabet without look-alikes, from `secrets` (grievances/references.py).
    reference = models.CharField(max_length=11, unique=True, editable=False)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    category = models.CharField(max_length=16, choices=Category.choices)
    sensitive = models.BooleanField(default=False, db_default=False)
    priority = models.CharField(max_length=6, choices=Priority.choices, default=Priority.NORMAL, db_default="normal")
    anonymous = models.BooleanField(default=False, db_default=False)

    province = models.ForeignKey(
        "parcels.AdminArea", on_delete=models.PROTECT, related_name="+", limit_choices_to={"level": "province"}
    )
    township = models.ForeignKey(
        "townships.Township", null=True, blank=True, on_delete=models.PROTECT, related_name="grievances"
    )
    household = models.ForeignKey(
        "households.Household", null=True, blank=True, on_delete=models.PROTECT, related_name="grievances"
    )
    plot = models.ForeignKey(
        "townships.Plot", null=True, blank=True, on_delete=models.PROTECT, related_name="grievances"
    )
    allocation = models.ForeignKey(
        "allocations.Allocation", null=True, blank=True, on_delete=models.PROTECT, related_name="grievances"
    )
    shelter_project = models.ForeignKey(
        "shelters.ShelterProject", null=True, blank=True, on_delete=models.PROTECT, related_name="grievances"
    )
    # A livelihood opportunity it is about (a cash-for-work wage unpaid, a provider's conduct, a place refused).
    opportunity = models.ForeignKey(
        "livelihoods.Opportunity", null=True, blank=True, on_delete=models.PROTECT, related_name="grievances"
    )

    # Clear text only when not sensitive; a sensitive grievance's text is a Fernet token under GRIEVANCE_KEYS
    # (grievances/sealing.py). Read it through grievances.selectors.grievance_description.
    description = models.TextField(blank=True, db_default="")
    description_sealed = models.BinaryField(null=True, blank=True, editable=False)
    language = models.CharField(max_length=2, choices=Language.choices, default=Language.ENGLISH, db_default="en")
    consent_to_share = models.BooleanField(default=False, db_default=False)

    status = models.CharField(max_length=12, choices=Status.choices, default=Status.RECEIVED, db_default="received")
    loop_closed_at = models.DateTimeField(null=True, blank=True, help_text="When the complainant was told the outcome.")

    received_at = models.DateTimeField(default=timezone.now, db_default=Now())
    acknowledge_due = models.DateTimeField()
    refer_due = models.DateTimeField(null=True, blank=True)
    resolve_due = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    referred_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The earliest deadline not yet met, NULL once resolved: kept by the database, never typed (the overdue list
    # reads it through an index).
    next_due = models.DateTimeField(null=True, blank=True, editable=False)
    # 0: the owner (the assigned officer); 1: the province's grievance focal point; 2: the administrators.
    escalation_level = models.PositiveSmallIntegerField(default=0, db_default=0)

    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="grievances_assigned"
    )
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="grievances_referred"
    )
    referred_to = models.CharField(max_length=200, blank=True, db_default="")
    # The offline field app's id of the form, so a form sent twice is recorded once.
    client_uuid = models.UUIDField(null=True, blank=True, unique=True)
    is_demo = models.BooleanField(default=False, db_default=False, help_text="Synthetic demonstration data.")
    updated_at = models.DateTimeField(auto_now=True, db_default=Now())

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            # The overdue list of a province, most overdue first (bench/grievances_overdue.py).
            models.Index(
                fields=["province", "next_due"],
                name="grievance_overdue_by_province",
                condition=Q(status__in=["received", "acknowledged", "under_review", "referred"]),
            ),
            models.Index(fields=["province", "status", "category"], name="grievance_by_province_status"),
        ]
        constraints = [
            models.CheckConstraint(
                name="sensitive_grievance_text_sealed",
                condition=(Q(sensitive=True) & Q(description="") & Q(description_sealed__isnull=False))
                | (Q(sensitive=False) & Q(description_sealed__isnull=True)),
                violation_error_message=rule_message("sensitive_grievance_text_sealed"),
                violation_error_code="sensitive_grievance_text_sealed",
            ),
            models.CheckConstraint(
                name="sensitive_categories_are_sensitive",
                condition=~Q(category__in=["staff_conduct", "sea", "data_protection"]) | Q(sensitive=True),
                violation_error_message=rule_message("sensitive_categories_are_sensitive"),
                violation_error_code="sensitive_categories_are_sensitive",
            ),
            models.CheckConstraint(
                name="grievance_reference_format",
                condition=Q(reference__regex=r"^G-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$"),
                violation_error_message=rule_message("grievance_reference_format"),
                violation_error_code="grievance_reference_format",
            ),
        ]

    def __str__(self):
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class GrievanceStep(models.Model):
    """One step of a grievance: who, when, from what status to what, and a note. Append-only, even for the table's
    owner (grievance_steps_are_append_only). A sensitive grievance's note is sealed like its description."""

    grievance = models.ForeignKey(Grievance, on_delete=models.PROTECT, related_name="steps")
    action = models.CharField(max_length=16, choices=StepAction.choices)
    from_status = models.CharField(max_length=12, choices=Status.choices, blank=True, db_default="")
    to_status = models.CharField(max_length=12, choices=Status.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now, db_default=Now())
    note = models.TextField(blank=True, db_default="")
    note_sealed = models.BinaryField(null=True, blank=True, editable=False)
    referred_to = models.CharField(max_length=200, blank=True, db_default="")
    # For an escalation: the level reached, and to whom it went (so the reminder is sent once per level).
    escalation_level = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["grievance", "at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["grievance", "escalation_level"],
                condition=Q(action="escalate"),
                name="grievance_escalated_once_per_level",
            ),
        ]

    def __str__(self):
        return f"{self.grievance_id}: {self.action} {self.from_status or '∅'} → {self.to_status}"


class DeadlinePolicy(models.Model):
    """How long a grievance of a category (and sensitivity) may wait: to be acknowledged, referred (sensitive),
    resolved. Seeded with the defaults of docs/grievances.md; an administrator edits them in the admin. A change
    applies to grievances received afterwards."""

    category = models.CharField(max_length=16, choices=Category.choices)
    sensitive = models.BooleanField(default=False)
    acknowledge_hours = models.PositiveIntegerField(default=72)
    refer_hours = models.PositiveIntegerField(null=True, blank=True, help_text="Sensitive grievances only.")
    resolve_days = models.PositiveIntegerField(default=30)

    class Meta:
        ordering = ["category", "sensitive"]
        verbose_name_plural = "deadline policies"
        constraints = [
            models.UniqueConstraint(fields=["category", "sensitive"], name="one_deadline_policy_per_category"),
            models.CheckConstraint(
                name="deadline_policy_hours_positive",
                condition=Q(acknowledge_hours__gt=0)
                & Q(resolve_days__gt=0)
                & (Q(refer_hours__isnull=True) | Q(refer_hours__gt=0)),
            ),
        ]

    def __str__(self):
        return f"{self.get_category_display()}{' (sensitive)' if self.sensitive else ''}"


class Decision(models.TextChoices):
    UPHELD = "upheld", _("Upheld: the claim stands")
    REJECTED = "rejected", _("Rejected: the record stands")
    SETTLED = "settled", _("Settled by agreement")


class LandDispute(models.Model):
    """The land side of a dispute grievance: the plot, the claimed outline and its overlap with the surveyed plot
    (measured by the database in the township's UTM zone), the plot's status before, the allocation suspended,
    and the decision."""

    Decision = Decision

    grievance = models.OneToOneField(Grievance, on_delete=models.PROTECT, related_name="land_dispute")
    plot = models.ForeignKey("townships.Plot", on_delete=models.PROTECT, related_name="land_disputes")
    claimed_outline = models.PolygonField(srid=4326, null=True, blank=True)
    overlap_m2 = models.DecimalField(
        "overlap with the surveyed plot (m²)", max_digits=12, decimal_places=2, null=True, blank=True, editable=False
    )
    plot_status_before = models.CharField(max_length=12, blank=True, db_default="")
    suspended_allocation = models.ForeignKey(
        "allocations.Allocation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision = models.CharField(max_length=8, choices=Decision.choices, blank=True, db_default="")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(default=timezone.now, db_default=Now())

    class Meta:
        ordering = ["-opened_at", "-id"]
        indexes = [models.Index(fields=["plot"], condition=Q(decision=""), name="open_land_dispute_by_plot")]
        constraints = [
            models.CheckConstraint(
                name="land_dispute_decision_recorded",
                condition=(Q(decision="") & Q(decided_by__isnull=True) & Q(decided_at__isnull=True))
                | (Q(decision__in=["upheld", "rejected", "settled"]) & Q(decided_at__isnull=False)),
                violation_error_message=rule_message("land_dispute_decision_recorded"),
                violation_error_code="land_dispute_decision_recorded",
            ),
        ]

    def __str__(self):
        return f"dispute {self.grievance_id} on plot {self.plot_id}"

    @property
    def is_open(self) -> bool:
        return not self.decision


class AppealDecision(models.TextChoices):
    UPHELD = "upheld", _("Upheld: the decision appealed is overturned")
    DISMISSED = "dismissed", _("Dismissed: the decision appealed stands")


class Appeal(models.Model):
    """An appeal against a refusal or a revocation: decided by a committee member other than the one who made the
    decision appealed, checked by another (maker-checker); neither is who lodged it."""

    Decision = AppealDecision

    grievance = models.OneToOneField(Grievance, on_delete=models.PROTECT, related_name="appeal")
    allocation = models.ForeignKey("allocations.Allocation", on_delete=models.PROTECT, related_name="appeals")
    # The allocation's status appealed (rejected or revoked) and who decided it (the committee member who rejected,
    # the officer who revoked): they may not decide or check the appeal.
    appealed_status = models.CharField(max_length=14)
    appealed_decision_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision = models.CharField(max_length=9, choices=AppealDecision.choices, blank=True, db_default="")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    checked_at = models.DateTimeField(null=True, blank=True)
    lodged_at = models.DateTimeField(default=timezone.now, db_default=Now())

    class Meta:
        ordering = ["-lodged_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["allocation"],
                condition=Q(checked_by__isnull=True),
                name="one_open_appeal_per_allocation",
                violation_error_message=rule_message("one_open_appeal_per_allocation"),
                violation_error_code="one_open_appeal_per_allocation",
            ),
            models.CheckConstraint(
                name="appeal_decision_recorded",
                condition=(Q(decision="") & Q(decided_by__isnull=True) & Q(checked_by__isnull=True))
                | (Q(decision__in=["upheld", "dismissed"]) & Q(decided_by__isnull=False)),
                violation_error_message=rule_message("appeal_decision_recorded"),
                violation_error_code="appeal_decision_recorded",
            ),
        ]

    def __str__(self):
        return f"appeal {self.grievance_id} against allocation {self.allocation_id}"
