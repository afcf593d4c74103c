"""The allocation of a plot to a household: in LADM terms a right with a lifespan. Never deleted."""

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from landreg.history import track_history
from landreg.rules import rule_message


class AllocationQuerySet(models.QuerySet):
    def active(self):
        """Allocations that hold their plot: every status but the ended ones (rejected, revoked, transferred).
        The partial unique indexes one_active_allocation_per_plot / _per_household use the same list."""
        return self.exclude(status__in=Allocation.ENDED)

    def ended(self):
        return self.filter(status__in=Allocation.ENDED)


@track_history
class Allocation(models.Model):
    class Method(models.TextChoices):
        COMMITTEE = "committee", _("Committee decision")
        BALLOT = "ballot", _("Public ballot")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        APPROVED = "approved", _("Approved")
        ASSIGNED = "assigned", _("Assigned")
        LETTER_ISSUED = "letter_issued", _("Allocation letter issued")
        HANDED_OVER = "handed_over", _("Handed over")
        OCCUPIED = "occupied", _("Occupied")
        TITLED = "titled", _("Titled")
        APPEALED = "appealed", _("Under appeal")
        SUSPENDED = "suspended", _("Suspended")
        REJECTED = "rejected", _("Rejected by the committee")
        REVOKED = "revoked", _("Revoked")
        TRANSFERRED = "transferred", _("Transferred (inheritance)")

    class RevocationReason(models.TextChoices):
        NON_OCCUPANCY = "non_occupancy", _("Non-occupancy")
        USURPATION = "usurpation", _("Usurpation")
        FRAUD = "fraud", _("Fraud")
        VOLUNTARY_RETURN = "voluntary_return", _("Voluntary return")
        ERROR = "error", _("Error")

    # An allocation in one of these states no longer holds the plot; in any other it is active.
    ENDED = (Status.REJECTED, Status.REVOKED, Status.TRANSFERRED)
    ACTIVE = tuple(sorted(set(Status.values) - set(ENDED), key=Status.values.index))

    objects = AllocationQuerySet.as_manager()

    household = models.ForeignKey("households.Household", on_delete=models.PROTECT, related_name="allocations")
    plot = models.ForeignKey("townships.Plot", on_delete=models.PROTECT, related_name="allocations")
    method = models.CharField(
        max_length=10, choices=Method.choices, default=Method.COMMITTEE, db_default=Method.COMMITTEE
    )
    status = models.CharField(
        max_length=14, choices=Status.choices, default=Status.PROPOSED, db_default=Status.PROPOSED
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(auto_now_add=True, db_default=Now())
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    decision_reference = models.CharField("committee decision reference", max_length=60, blank=True, db_default="")
    start_date = models.DateField(null=True, blank=True, help_text="When the right begins (handover).")
    end_date = models.DateField(null=True, blank=True, help_text="When the right ended (revocation, transfer).")
    revocation_reason = models.CharField(max_length=16, choices=RevocationReason.choices, blank=True, db_default="")
    # The allocation this one continues, for a transfer by inheritance.
    transferred_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="transferred_to"
    )
    # The status an allocation was in when it was suspended, so that reinstating it returns there.
    suspended_from = models.CharField(max_length=14, choices=Status.choices, blank=True, db_default="")
    # Where the field officer stood at handover (checked to lie inside the plot, within a tolerance).
    handover_point = models.PointField(srid=4326, null=True, blank=True)
    handover_accuracy_m = models.FloatField(null=True, blank=True)
    notes = models.TextField(blank=True, db_default="")
    is_demo = models.BooleanField(default=False, help_text="Synthetic demonstration data.", db_default=False)
    updated_at = models.DateTimeField(auto_now=True, db_default=Now())

    class Meta:
        ordering = ["-proposed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["plot"],
                condition=~Q(status__in=["rejected", "revoked", "transferred"]),
                name="one_active_allocation_per_plot",
                violation_error_message=rule_message("one_active_allocation_per_plot"),
                violation_error_code="one_active_allocation_per_plot",
            ),
            models.UniqueConstraint(
                fields=["household"],
                condition=~Q(status__in=["rejected", "revoked", "transferred"]),
                name="one_active_allocation_per_household",
                violation_error_message=rule_message("one_active_allocation_per_household"),
                violation_error_code="one_active_allocation_per_household",
            ),
            models.CheckConstraint(
                name="revoked_allocation_has_reason",
                condition=~Q(status="revoked") | (~Q(revocation_reason="") & Q(end_date__isnull=False)),
                violation_error_message=rule_message("revoked_allocation_has_reason"),
                violation_error_code="revoked_allocation_has_reason",
            ),
            models.CheckConstraint(
                name="handover_has_gps_point",
                condition=~Q(status__in=["handed_over", "occupied", "titled"]) | Q(handover_point__isnull=False),
                violation_error_message=rule_message("handover_has_gps_point"),
                violation_error_code="handover_has_gps_point",
            ),
            models.CheckConstraint(
                name="approved_allocation_has_decision_reference",
                condition=~Q(status__in=["approved", "assigned", "letter_issued", "handed_over", "occupied", "titled"])
                | ~Q(decision_reference=""),
                violation_error_message=rule_message("approved_allocation_has_decision_reference"),
                violation_error_code="approved_allocation_has_decision_reference",
            ),
        ]

    def __str__(self):
        return f"{self.household} → {self.plot} ({self.get_status_display()})"


class AllocationTransition(models.Model):
    """One step of an allocation's workflow: who moved it, when, from what to what, and why. Append-only.

    The database refuses, at commit, an allocation whose status was written or changed without the matching step
    written by the same transaction (status_changes_with_a_transition, allocations/sql/0013)."""

    allocation = models.ForeignKey(Allocation, on_delete=models.PROTECT, related_name="transitions")
    from_status = models.CharField(max_length=14, choices=Allocation.Status.choices, blank=True, db_default="")
    to_status = models.CharField(max_length=14, choices=Allocation.Status.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True, db_default=Now())
    reason = models.TextField(blank=True, help_text="Why: the officer's explanation.", db_default="")
    reference = models.CharField(
        max_length=60, blank=True, help_text="Committee decision or ballot reference.", db_default=""
    )

    class Meta:
        ordering = ["allocation", "at", "id"]

    def __str__(self):
        return f"{self.allocation_id}: {self.from_status or '∅'} → {self.to_status}"


class AllocationDocument(models.Model):
    """An allocation letter or a deed: a number and a verification QR code, issued once per allocation and kind.
    Append-only.

    The number is the document; a language is only a rendering of it: the same document prints in English, Dari
    or Pashto, each print logged (AllocationDocumentPrint). A document is replaced only by a deliberate re-issue
    (lost, damaged, corrected), a new number that names the one it supersedes and the reason. Its standing is
    derived, never stored: valid; superseded when a re-issue names it; revoked when the allocation has ended.

    `file`, `sha256` and `language` keep the first rendering, as issued.
    """

    class Kind(models.TextChoices):
        LETTER = "letter", _("Allocation letter")
        DEED = "deed", _("Deed")

    class Language(models.TextChoices):
        ENGLISH = "en", _("English")
        DARI = "fa", _("Dari")
        PASHTO = "ps", _("Pashto")

    class ReissueReason(models.TextChoices):
        LOST = "lost", _("Lost")
        DAMAGED = "damaged", _("Damaged")
        CORRECTED = "corrected", _("Corrected: the details on it were wrong")
        # Documents re-issued before re-issues carried a reason (the data migration 0014 names them so).
        UNRECORDED = "unrecorded", _("Re-issued before reasons were recorded")

    allocation = models.ForeignKey(Allocation, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(max_length=6, choices=Kind.choices)
    # Printed on the document and in its QR code, e.g. NAN-SMD-L-000123.
    number = models.CharField(max_length=40, unique=True)
    language = models.CharField(max_length=2, choices=Language.choices, default=Language.DARI, db_default="fa")
    issued_at = models.DateTimeField(auto_now_add=True, db_default=Now())
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    file = models.FileField(upload_to="documents/%Y/%m/")
    sha256 = models.CharField(max_length=64)
    # The document this one replaces (a re-issue), and why; empty for the first document of its kind.
    supersedes = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reissues", db_index=False
    )
    reissue_reason = models.CharField(max_length=10, choices=ReissueReason.choices, blank=True, db_default="")
    reissue_note = models.TextField(blank=True, db_default="", help_text="The officer's explanation of a re-issue.")

    class Meta:
        ordering = ["allocation", "kind", "issued_at", "id"]
        constraints = [
            # With the two below, the documents of one allocation and kind form one line: a first one, each later
            # one superseding the one before; the last is the current one.
            models.UniqueConstraint(
                fields=["allocation", "kind"],
                condition=Q(supersedes__isnull=True),
                name="document_issued_once_per_allocation_and_kind",
                violation_error_message=_(
                    "This allocation already has a document of this kind; print it again, or re-issue it with a "
                    "reason, which supersedes it."
                ),
                violation_error_code="document_issued_once_per_allocation_and_kind",
            ),
            models.UniqueConstraint(
                fields=["supersedes"],
                name="document_superseded_once",
                violation_error_message=_("This document was already re-issued; re-issue the current one instead."),
                violation_error_code="document_superseded_once",
            ),
            models.CheckConstraint(
                name="reissued_document_has_reason",
                condition=(Q(supersedes__isnull=True) & Q(reissue_reason=""))
                | (Q(supersedes__isnull=False) & Q(reissue_reason__in=["lost", "damaged", "corrected", "unrecorded"])),
                violation_error_message=_(
                    "A re-issued document names the document it supersedes and the reason (lost, damaged or "
                    "corrected); a first document has neither."
                ),
                violation_error_code="reissued_document_has_reason",
            ),
        ]

    def __str__(self):
        return self.number


class AllocationDocumentPrint(models.Model):
    """One printing of a letter or deed, in one language: who printed it, when, and the hash of the PDF they got.
    Append-only: the log of every print and reprint."""

    document = models.ForeignKey(AllocationDocument, on_delete=models.PROTECT, related_name="prints")
    language = models.CharField(max_length=2, choices=AllocationDocument.Language.choices)
    printed_at = models.DateTimeField(auto_now_add=True, db_default=Now())
    printed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["document", "printed_at", "id"]

    def __str__(self):
        return f"{self.document_id} ({self.language}) {self.printed_at:%Y-%m-%d %H:%M}"


class Ballot(models.Model):
    """A public draw of plots for a township round. The seed is recorded when the ballot is created, before
    anyone knows the result; once drawn, the database refuses any change to the ballot, its lists or result."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Being prepared")
        LIST_APPROVED = "list_approved", _("Beneficiary list approved")
        DRAWN = "drawn", _("Drawn")

    township = models.ForeignKey("townships.Township", on_delete=models.PROTECT, related_name="ballots")
    reference = models.CharField(max_length=60, unique=True)
    status = models.CharField(max_length=14, choices=Status.choices, default=Status.DRAFT, db_default="draft")
    seed = models.CharField(max_length=64, editable=False, help_text="Recorded at creation, published before the draw.")
    witnesses = models.JSONField(default=list, help_text="Names and roles of the public witnesses.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_default=Now())
    list_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_reference = models.CharField(max_length=60, blank=True, db_default="")
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    drawn_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return self.reference


class BallotEntry(models.Model):
    """A household on the ballot list, in priority order (rank 1 draws first)."""

    ballot = models.ForeignKey(Ballot, on_delete=models.PROTECT, related_name="entries")
    household = models.ForeignKey("households.Household", on_delete=models.PROTECT, related_name="+")
    rank = models.PositiveIntegerField()
    priority_score = models.PositiveSmallIntegerField()
    entitled_biswa = models.DecimalField(max_digits=6, decimal_places=2)

    class Meta:
        ordering = ["ballot", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["ballot", "household"], name="ballot_household_once"),
            models.UniqueConstraint(fields=["ballot", "rank"], name="ballot_rank_once"),
        ]


class BallotPlot(models.Model):
    """A plot put into the draw."""

    ballot = models.ForeignKey(Ballot, on_delete=models.PROTECT, related_name="plots")
    plot = models.ForeignKey("townships.Plot", on_delete=models.PROTECT, related_name="+")
    area_biswa = models.DecimalField(max_digits=8, decimal_places=2)

    class Meta:
        ordering = ["ballot", "plot"]
        constraints = [models.UniqueConstraint(fields=["ballot", "plot"], name="ballot_plot_once")]


class BallotResult(models.Model):
    ballot = models.ForeignKey(Ballot, on_delete=models.PROTECT, related_name="results")
    draw_order = models.PositiveIntegerField()
    household = models.ForeignKey("households.Household", on_delete=models.PROTECT, related_name="+")
    plot = models.ForeignKey("townships.Plot", null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["ballot", "draw_order"]
        constraints = [models.UniqueConstraint(fields=["ballot", "draw_order"], name="ballot_draw_order_once")]
