"""The allocation workflow: propose → approve → assign → letter issued → handed over → occupied → titled,
with the side states suspended, appealed, rejected, revoked and transferred. Each step is one service, one
transaction, and one AllocationTransition saying who, when and why.
"""

from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from allocations.models import Allocation, AllocationTransition
from households.models import Household
from landreg import roles
from landreg.rules import database_rules_explained, rule_error
from landreg.services_common import require_province, require_role
from townships.models import Plot

S = Allocation.Status
HELD = [S.APPROVED, S.ASSIGNED, S.LETTER_ISSUED, S.HANDED_OVER, S.OCCUPIED, S.TITLED]

# action: (statuses it starts from, status it leads to, roles that may take it)
TRANSITIONS = {
    "approve": ([S.PROPOSED], S.APPROVED, [roles.COMMITTEE_MEMBER]),
    "reject": ([S.PROPOSED], S.REJECTED, [roles.COMMITTEE_MEMBER]),
    "assign": ([S.APPROVED], S.ASSIGNED, [roles.LAND_OFFICER]),
    "issue_letter": ([S.ASSIGNED], S.LETTER_ISSUED, [roles.LAND_OFFICER]),
    "hand_over": ([S.LETTER_ISSUED], S.HANDED_OVER, [roles.FIELD_OFFICER, roles.LAND_OFFICER]),
    "confirm_occupancy": ([S.HANDED_OVER], S.OCCUPIED, [roles.FIELD_OFFICER, roles.LAND_OFFICER]),
    "title": ([S.OCCUPIED], S.TITLED, [roles.LAND_OFFICER]),
    "suspend": (HELD, S.SUSPENDED, [roles.LAND_OFFICER, roles.COMMITTEE_MEMBER]),
    "appeal": ([S.SUSPENDED], S.APPEALED, [roles.LAND_OFFICER]),
    "reinstate": ([S.SUSPENDED, S.APPEALED], None, [roles.COMMITTEE_MEMBER]),  # back to suspended_from
    "revoke": (list(Allocation.ACTIVE), S.REVOKED, [roles.LAND_OFFICER, roles.COMMITTEE_MEMBER]),
    "transfer": ([S.HANDED_OVER, S.OCCUPIED, S.TITLED], S.TRANSFERRED, [roles.LAND_OFFICER]),
}
ACTION_NAMES = {
    "approve": gettext_lazy("approved"),
    "reject": gettext_lazy("rejected"),
    "assign": gettext_lazy("assigned"),
    "issue_letter": gettext_lazy("given a letter"),
    "hand_over": gettext_lazy("handed over"),
    "confirm_occupancy": gettext_lazy("confirmed as occupied"),
    "title": gettext_lazy("titled"),
    "suspend": gettext_lazy("suspended"),
    "appeal": gettext_lazy("appealed"),
    "reinstate": gettext_lazy("reinstated"),
    "revoke": gettext_lazy("revoked"),
    "transfer": gettext_lazy("transferred"),
}


def _status_label(status: str) -> str:
    return str(S(status).label).lower()


def _require_scope(user, plot: Plot) -> None:
    require_province(user, plot.township.province_id, _("Township %(township)s") % {"township": plot.township})


def _record(allocation, *, from_status, by, reason="", reference="") -> None:
    AllocationTransition.objects.create(
        allocation=allocation,
        from_status=from_status,
        to_status=allocation.status,
        by=by,
        reason=reason,
        reference=reference,
    )


# Relations are not re-read to check that they exist (one query each): the rows were just read, and the foreign
# keys answer if one vanished since.
_RELATIONS = [f.name for f in Allocation._meta.concrete_fields if f.is_relation]


def _save(allocation: Allocation) -> None:
    # Each field's own checks (lengths, choices) give a sentence before the database would refuse the value; the
    # rules (constraints) are left to the database, whose refusal database_rules_explained words as full_clean
    # would, without a query and a savepoint each before every save.
    allocation.full_clean(exclude=_RELATIONS, validate_unique=False, validate_constraints=False)
    with database_rules_explained():
        allocation.save()


@transaction.atomic
def allocation_propose(
    *, household: Household, plot: Plot, proposed_by, method: str = Allocation.Method.COMMITTEE, reason: str = ""
) -> Allocation:
    """Propose a plot for an eligible household. A plot or household already taken gives a clear refusal."""
    require_role(proposed_by, [roles.LAND_OFFICER], _("propose an allocation"))
    # The plot as it is now, in this transaction, with whether an active allocation holds it (one statement). The
    # outlines are not read: nothing here needs them.
    plot = (
        Plot.objects.select_related("township")
        .defer("geom", "township__geom")
        .annotate(held=Exists(Allocation.objects.active().filter(plot=OuterRef("pk"))))
        .get(pk=plot.pk)
    )
    _require_scope(proposed_by, plot)
    require_province(proposed_by, household.province_id, _("Household %(code)s") % {"code": household.code})
    if household.status != Household.Status.ELIGIBLE or household.prior_beneficiary:
        raise ValidationError(
            {
                "household": ValidationError(
                    _("Household %(code)s is not eligible (status: %(status)s); assess its eligibility first.")
                    % {"code": household.code, "status": household.get_status_display().lower()},
                    code="household_not_eligible",
                )
            }
        )
    if plot.use != Plot.Use.RESIDENTIAL:
        raise ValidationError(
            {
                "plot": ValidationError(
                    _("Plot %(number)s is for %(use)s use, not for a household.")
                    % {"number": plot.number, "use": plot.get_use_display().lower()},
                    code="plot_not_residential",
                )
            }
        )
    allocation = Allocation(household=household, plot=plot, proposed_by=proposed_by, method=method)
    if plot.held:
        raise rule_error("one_active_allocation_per_plot", f"plot {plot.number} is {plot.get_status_display().lower()}")
    if plot.status != Plot.Status.AVAILABLE:
        raise ValidationError(
            {
                "plot": ValidationError(
                    _("Plot %(number)s is not available for allocation (it is %(status)s).")
                    % {"number": plot.number, "status": plot.get_status_display().lower()},
                    code="plot_not_available",
                )
            }
        )
    _save(allocation)
    _record(allocation, from_status="", by=proposed_by, reason=reason)
    return allocation


@transaction.atomic
def allocation_transition(
    *, allocation: Allocation, action: str, by, reason: str = "", reference: str = "", **details
) -> Allocation:
    """Move an allocation one step along the workflow, or refuse with a sentence saying why."""
    allowed_from, to_status, allowed_roles = TRANSITIONS[action]
    # Lock the row: two officers acting on one allocation at once are served one after the other.
    allocation = (
        Allocation.objects.select_for_update().select_related("plot__township", "household").get(pk=allocation.pk)
    )
    require_role(by, allowed_roles, _("do this"))
    _require_scope(by, allocation.plot)
    if allocation.status not in allowed_from:
        raise ValidationError(
            _(
                "This allocation is %(status)s, so it cannot be %(action)s; that is possible only when it is "
                "%(allowed)s."
            )
            % {
                "status": _status_label(allocation.status),
                "action": ACTION_NAMES[action],
                "allowed": _(" or ").join(_status_label(s) for s in allowed_from),
            },
            code="invalid_transition",
        )
    from_status = allocation.status
    _APPLY[action](allocation, by=by, reason=reason, reference=reference, to_status=to_status, **details)
    _save(allocation)
    _record(allocation, from_status=from_status, by=by, reason=reason, reference=reference)
    _after(allocation, action, from_status=from_status, by=by, reason=reason, reference=reference, **details)
    return allocation


def _approve(a, *, by, reference, to_status, **_ignored):
    if not reference.strip():
        raise ValidationError(
            {
                "decision_reference": ValidationError(
                    _("Give the committee decision reference."), code="decision_reference_required"
                )
            }
        )
    registrar = a.household.registered_by_id
    if by.pk in (a.proposed_by_id, registrar):
        raise ValidationError(
            _(
                "You registered this household or proposed this allocation, so another committee "
                "member must approve it."
            ),
            code="approval_by_a_checker",
        )
    a.status, a.approved_by, a.approved_at, a.decision_reference = to_status, by, timezone.now(), reference


def _reject(a, *, by, reference, reason, to_status, **_ignored):
    if not reason.strip():
        raise ValidationError(_("Say why the committee rejects the proposal."), code="reason_required")
    a.status, a.decision_reference = to_status, reference or a.decision_reference
    a.end_date = timezone.localdate()


def _hand_over(a, *, point: Point, accuracy_m: float | None = None, to_status, **_ignored):
    tolerance = settings.LANDREG_HANDOVER_TOLERANCE_M
    if point is None:
        raise ValidationError(_("Handover needs the GPS point where the field officer stands."), code="gps_required")
    if accuracy_m is not None and accuracy_m > 2 * tolerance:
        raise ValidationError(
            _("The GPS fix is accurate only to %(acc)d m; wait for a better fix (%(max)d m or better).")
            % {"acc": accuracy_m, "max": 2 * tolerance},
            code="gps_inaccurate",
        )
    distance = _distance_to_plot_m(a.plot, point)
    if distance > tolerance:
        raise ValidationError(
            _("The GPS point is %(d).0f m from plot %(number)s; handover must be done on the plot (within %(tol)d m).")
            % {"d": distance, "number": a.plot.number, "tol": tolerance},
            code="gps_outside_plot",
        )
    a.status, a.handover_point, a.handover_accuracy_m = to_status, point, accuracy_m
    a.start_date = timezone.localdate()


def _distance_to_plot_m(plot: Plot, point: Point) -> float:
    """Distance in metres from a point to the plot (0 inside), measured in the township's UTM zone."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_Distance(ST_Transform(p.geom, t.utm_srid), ST_Transform(ST_GeomFromEWKB(%s), t.utm_srid)) "
            "FROM townships_plot p JOIN townships_township t ON t.id = p.township_id WHERE p.id = %s",
            [bytes(point.ewkb), plot.pk],
        )
        return cursor.fetchone()[0]


def _suspend(a, *, reason, to_status, **_ignored):
    if not reason.strip():
        raise ValidationError(_("Say why the allocation is suspended."), code="reason_required")
    a.suspended_from, a.status = a.status, to_status


def _reinstate(a, *, to_status, **_ignored):
    a.status, a.suspended_from = a.suspended_from or S.APPROVED, ""


def _revoke(a, *, reason_code: str = "", to_status, **_ignored):
    if reason_code not in Allocation.RevocationReason.values:
        raise ValidationError(
            {
                "revocation_reason": ValidationError(
                    _("Choose the reason for revocation: %(choices)s.")
                    % {"choices": ", ".join(str(label).lower() for label in Allocation.RevocationReason.labels)},
                    code="revocation_reason_required",
                )
            }
        )
    a.status, a.revocation_reason, a.end_date = to_status, reason_code, timezone.localdate()


def _transfer(a, *, heir: Household | None = None, to_status, **_ignored):
    if heir is None:
        raise ValidationError(_("Name the heir household the plot passes to."), code="heir_required")
    a.status, a.end_date = to_status, timezone.localdate()


def _simple(a, *, to_status, **_ignored):
    a.status = to_status


_APPLY = {
    "approve": _approve,
    "reject": _reject,
    "assign": _simple,
    "issue_letter": _simple,
    "hand_over": _hand_over,
    "confirm_occupancy": _simple,
    "title": _simple,
    "suspend": _suspend,
    "appeal": _simple,
    "reinstate": _reinstate,
    "revoke": _revoke,
    "transfer": _transfer,
}


def _after(allocation, action, *, from_status, by, reason, reference, heir=None, **_ignored):
    """Side effects that belong to the same transaction: household status, the heir's new allocation."""
    household = allocation.household
    if allocation.status in (S.ASSIGNED,) and household.status != Household.Status.ALLOCATED:
        Household.objects.filter(pk=household.pk).update(status=Household.Status.ALLOCATED)
    elif action in ("revoke", "transfer") and household.status == Household.Status.ALLOCATED:
        back = Household.Status.INELIGIBLE if allocation.revocation_reason == "fraud" else Household.Status.ELIGIBLE
        Household.objects.filter(pk=household.pk).update(status=back)
    if action == "transfer":
        continued = Allocation(
            household=heir,
            plot=allocation.plot,
            method=allocation.method,
            status=from_status,
            proposed_by=by,
            approved_by=allocation.approved_by,
            approved_at=allocation.approved_at,
            decision_reference=allocation.decision_reference,
            start_date=timezone.localdate(),
            handover_point=allocation.handover_point,
            handover_accuracy_m=allocation.handover_accuracy_m,
            transferred_from=allocation,
            notes=_("Transferred by inheritance from %(code)s.") % {"code": household.code},
        )
        _save(continued)
        _record(continued, from_status="", by=by, reason=reason, reference=reference)
        Household.objects.filter(pk=heir.pk).update(status=Household.Status.ALLOCATED)


def allocation_revoke(*, allocation: Allocation, reason: str, by, notes: str = "") -> Allocation:
    """Revoke with a reason: the plot is free again, and the allocation stays in the record for ever."""
    return allocation_transition(
        allocation=allocation, action="revoke", by=by, reason=notes or reason, reason_code=reason
    )
