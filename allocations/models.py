"""The allocation of a plot to a household: in LADM terms a right with a lifespan. Never deleted."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from landreg.history import track_history
from landreg.rules import rule_message


@track_history
class Allocation(models.Model):
    class Method(models.TextChoices):
        COMMITTEE = "committee", "Committee decision"
        BALLOT = "ballot", "Public ballot"

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        APPROVED = "approved", "Approved"
        ASSIGNED = "assigned", "Assigned"
        LETTER_ISSUED = "letter_issued", "Allocation letter issued"
        HANDED_OVER = "handed_over", "Handed over"
        OCCUPIED = "occupied", "Occupied"
        TITLED = "titled", "Titled"
        APPEALED = "appealed", "Under appeal"
        SUSPENDED = "suspended", "Suspended"
        REJECTED = "rejected", "Rejected by the committee"
        REVOKED = "revoked", "Revoked"
        TRANSFERRED = "transferred", "Transferred (inheritance)"

    class RevocationReason(models.TextChoices):
        NON_OCCUPANCY = "non_occupancy", "Non-occupancy"
        USURPATION = "usurpation", "Usurpation"
        FRAUD = "fraud", "Fraud"
        VOLUNTARY_RETURN = "voluntary_return", "Voluntary return"
        ERROR = "error", "Error"

    # An allocation in one of these states no longer holds the plot.
    ENDED = (Status.REJECTED, Status.REVOKED, Status.TRANSFERRED)

    household = models.ForeignKey("households.Household", on_delete=models.PROTECT, related_name="allocations")
    plot = models.ForeignKey("townships.Plot", on_delete=models.PROTECT, related_name="allocations")
    method = models.CharField(max_length=10, choices=Method.choices, default=Method.COMMITTEE)
    status = models.CharField(max_length=14, choices=Status.choices, default=Status.PROPOSED)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    decision_reference = models.CharField("committee decision reference", max_length=60, blank=True)
    start_date = models.DateField(null=True, blank=True, help_text="When the right begins (handover).")
    end_date = models.DateField(null=True, blank=True, help_text="When the right ended (revocation, transfer).")
    revocation_reason = models.CharField(max_length=16, choices=RevocationReason.choices, blank=True)
    # The allocation this one continues, for a transfer by inheritance.
    transferred_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="transferred_to"
    )
    notes = models.TextField(blank=True)
    is_demo = models.BooleanField(default=False, help_text="Synthetic demonstration data.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-proposed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["plot"],
                condition=~Q(status__in=["rejected", "revoked", "transferred"]),
                name="one_active_allocation_per_plot",
                violation_error_message=rule_message("one_active_allocation_per_plot"),
            ),
            models.UniqueConstraint(
                fields=["household"],
                condition=~Q(status__in=["rejected", "revoked", "transferred"]),
                name="one_active_allocation_per_household",
                violation_error_message=rule_message("one_active_allocation_per_household"),
            ),
            models.CheckConstraint(
                name="revoked_allocation_has_reason",
                condition=~Q(status="revoked") | (~Q(revocation_reason="") & Q(end_date__isnull=False)),
                violation_error_message=rule_message("revoked_allocation_has_reason"),
            ),
            models.CheckConstraint(
                name="approved_allocation_has_decision_reference",
                condition=~Q(status__in=["approved", "assigned", "letter_issued", "handed_over", "occupied", "titled"])
                | ~Q(decision_reference=""),
                violation_error_message=rule_message("approved_allocation_has_decision_reference"),
            ),
        ]

    def __str__(self):
        return f"{self.household} → {self.plot} ({self.get_status_display()})"
