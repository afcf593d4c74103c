"""Public ballots: a township round's eligible households draw the available plots of their entitlement.

The draw is reproducible by anyone from the published seed, with this rule ("landreg-ballot-v1"):
households draw in rank order (priority score high to low, then household code); household number i
(counting from 0) takes, among the remaining plots of its entitled size sorted by plot id, the one at index
int(sha256(f"{seed}:{i}").hexdigest(), 16) mod (number of such plots). No plot of that size left: no plot.
"""

import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from allocations.models import Allocation, AllocationTransition, Ballot, BallotEntry, BallotPlot, BallotResult
from households.models import EligibilityAssessment, Household
from landreg import roles
from landreg.rules import database_rules_explained
from landreg.services_common import require_province, require_role
from townships.models import Plot
from townships.selectors import ENTITLEMENT_TOLERANCE, area_fits_entitlement, entitlement_biswa

ALGORITHM = "landreg-ballot-v1"


def draw_index(seed: str, i: int, pool_size: int) -> int:
    return int(hashlib.sha256(f"{seed}:{i}".encode()).hexdigest(), 16) % pool_size


def draw(seed: str, entries: list[tuple[int, object]], plots: list[tuple[int, object]]) -> list[tuple[int, int | None]]:
    """The pure draw: entries are (household id, entitled biswa) in rank order, plots (plot id, biswa).
    Returns (household id, plot id or None) in draw order. Same inputs, same result, anywhere."""
    remaining = sorted(plots)
    result = []
    for i, (household_id, biswa) in enumerate(entries):
        low, high = biswa * (1 - ENTITLEMENT_TOLERANCE), biswa * (1 + ENTITLEMENT_TOLERANCE)
        pool = [p for p in remaining if low <= p[1] <= high]
        if not pool:
            result.append((household_id, None))
            continue
        chosen = pool[draw_index(seed, i, len(pool))]
        remaining.remove(chosen)
        result.append((household_id, chosen[0]))
    return result


@transaction.atomic
def ballot_create(*, township, reference: str, witnesses: list[str], by) -> Ballot:
    """Open a ballot round. The seed is drawn now from the operating system's secure generator and recorded
    before the lists exist, so no one can choose it to favour a household."""
    require_role(by, [roles.LAND_OFFICER], _("prepare a ballot"))
    require_province(by, township.province_id, _("Township %(t)s") % {"t": township})
    ballot = Ballot(
        township=township, reference=reference, witnesses=witnesses, created_by=by, seed=secrets.token_hex(16)
    )
    ballot.full_clean()
    ballot.save()
    _fill_lists(ballot)
    return ballot


def _fill_lists(ballot: Ballot) -> None:
    """Eligible households of the township's province without an active allocation, in priority order; and
    the township's available residential plots of an entitled size."""
    latest_score = EligibilityAssessment.objects.filter(household=OuterRef("pk")).order_by("-assessed_at")
    households = (
        Household.objects.filter(
            province=ballot.township.province, status=Household.Status.ELIGIBLE, prior_beneficiary=False
        )
        .exclude(allocations__status__in=Allocation.ACTIVE)
        .annotate(score=Subquery(latest_score.values("priority_score")[:1]))
        .order_by("code")
    )
    ranked = sorted(households, key=lambda h: (-(h.score or 0), h.code))
    entries, sizes = [], set()
    for household in ranked:
        biswa = entitlement_biswa(ballot.township, household.size)
        if biswa is None:
            continue
        sizes.add(biswa)
        entries.append(
            BallotEntry(
                ballot=ballot,
                household=household,
                rank=len(entries) + 1,
                priority_score=household.score or 0,
                entitled_biswa=biswa,
            )
        )
    if not entries:
        raise ValidationError(
            _(
                "No eligible household has an entitlement in %(t)s: set the township's entitlement "
                "table and assess eligibility first."
            )
            % {"t": ballot.township},
            code="ballot_empty",
        )
    BallotEntry.objects.bulk_create(entries)
    plots = Plot.objects.filter(township=ballot.township, status=Plot.Status.AVAILABLE, use=Plot.Use.RESIDENTIAL)
    BallotPlot.objects.bulk_create(
        BallotPlot(ballot=ballot, plot=plot, area_biswa=plot.area_m2 / 100)
        for plot in plots
        if any(area_fits_entitlement(plot.area_m2, b) for b in sizes)
    )


@transaction.atomic
def ballot_approve_list(*, ballot: Ballot, by, decision_reference: str) -> Ballot:
    """The committee approves the beneficiary list (maker-checker: not the officer who prepared it)."""
    require_role(by, [roles.COMMITTEE_MEMBER], _("approve a ballot list"))
    ballot = Ballot.objects.select_for_update(of=("self",)).select_related("township").get(pk=ballot.pk)
    # The approver of the list is the approver of every allocation the draw writes, which the database accepts
    # only from a committee member of the province who registered none of the households.
    require_province(by, ballot.township.province_id, _("Township %(t)s") % {"t": ballot.township})
    if ballot.status != Ballot.Status.DRAFT:
        raise ValidationError(
            _("Ballot %(r)s is %(s)s; only a ballot being prepared can have its list approved.")
            % {"r": ballot.reference, "s": ballot.get_status_display().lower()},
            code="invalid_transition",
        )
    if by.pk == ballot.created_by_id:
        raise ValidationError(
            _("You prepared this ballot, so another committee member must approve its list."),
            code="approval_by_a_checker",
        )
    if ballot.entries.filter(household__registered_by=by).exists():
        raise ValidationError(
            _("You registered a household on this list, so another committee member must approve it."),
            code="approval_by_a_checker",
        )
    if not decision_reference.strip():
        raise ValidationError(_("Give the committee decision reference."), code="decision_reference_required")
    ballot.status, ballot.list_approved_by, ballot.decision_reference = (
        Ballot.Status.LIST_APPROVED,
        by,
        decision_reference,
    )
    ballot.save()
    return ballot


def _inputs(ballot: Ballot):
    entries = [(e.household_id, e.entitled_biswa) for e in ballot.entries.order_by("rank")]
    plots = [(p.plot_id, p.area_biswa) for p in ballot.plots.all()]
    return entries, plots


@transaction.atomic
def ballot_draw(*, ballot: Ballot, by) -> Ballot:
    """Draw in public: compute the result from the recorded seed, write it, and assign each drawn plot.
    After this the database refuses any change to the ballot."""
    require_role(by, [roles.LAND_OFFICER, roles.COMMITTEE_MEMBER], _("draw a ballot"))
    ballot = Ballot.objects.select_for_update(of=("self",)).select_related("township").get(pk=ballot.pk)
    require_province(by, ballot.township.province_id, _("Township %(t)s") % {"t": ballot.township})
    if ballot.status != Ballot.Status.LIST_APPROVED:
        raise ValidationError(
            _("Ballot %(r)s is %(s)s; the committee must approve its list before the draw.")
            % {"r": ballot.reference, "s": ballot.get_status_display().lower()},
            code="invalid_transition",
        )
    if len([w for w in ballot.witnesses if str(w).strip()]) < 2:
        raise ValidationError(
            _("A public draw needs at least two witnesses; record their names."), code="witnesses_required"
        )
    entries, plots = _inputs(ballot)
    outcome = draw(ballot.seed, entries, plots)
    BallotResult.objects.bulk_create(
        BallotResult(ballot=ballot, draw_order=i + 1, household_id=h, plot_id=p) for i, (h, p) in enumerate(outcome)
    )
    allocations = []
    for household_id, plot_id in outcome:
        if plot_id is None:
            continue
        allocations.append(
            Allocation(
                household_id=household_id,
                plot_id=plot_id,
                method=Allocation.Method.BALLOT,
                status=Allocation.Status.ASSIGNED,
                proposed_by=ballot.created_by,
                approved_by=ballot.list_approved_by,
                approved_at=timezone.now(),
                decision_reference=ballot.reference,
            )
        )
    with database_rules_explained():  # a plot taken since the list was made: the whole draw is refused
        Allocation.objects.bulk_create(allocations)
    AllocationTransition.objects.bulk_create(
        AllocationTransition(
            allocation=a,
            from_status="",
            to_status=a.status,
            by=by,
            reference=ballot.reference,
            reason=_("Drawn in public ballot %(r)s.") % {"r": ballot.reference},
        )
        for a in allocations
    )
    Household.objects.filter(pk__in=[a.household_id for a in allocations]).update(status=Household.Status.ALLOCATED)
    ballot.status, ballot.drawn_by, ballot.drawn_at = Ballot.Status.DRAWN, by, timezone.now()
    ballot.save()
    return ballot


def ballot_verify(ballot: Ballot) -> tuple[bool, list[str]]:
    """Re-run the draw from the seed and the recorded lists; compare with the recorded result."""
    entries, plots = _inputs(ballot)
    expected = draw(ballot.seed, entries, plots)
    recorded = list(ballot.results.order_by("draw_order").values_list("household_id", "plot_id"))
    if ballot.status != Ballot.Status.DRAWN:
        return False, [_("The ballot has not been drawn yet.")]
    differences = [
        _("Draw %(n)d: recorded %(got)s, the seed gives %(want)s.") % {"n": i + 1, "got": got, "want": want}
        for i, (got, want) in enumerate(zip(recorded, expected, strict=False))
        if got != want
    ]
    if len(recorded) != len(expected):
        differences.append(_("%(a)d results recorded, %(b)d expected.") % {"a": len(recorded), "b": len(expected)})
    return not differences, differences
