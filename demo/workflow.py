"""The demo's workflow: allocations of plots to eligible households in every state, each with the transitions
that led there, and in Herat a plot ballot whose list the committee has approved, ready to draw."""

import datetime
import random
from collections.abc import Callable

from allocations.ballots import ballot_approve_list, ballot_create
from allocations.models import Allocation, AllocationTransition, Ballot
from households.models import Household
from townships.models import Plot, Township

# How the first eligible households of each township stand in the workflow: (status, count).
ALLOCATION_MIX = [
    ("proposed", 12),
    ("approved", 10),
    ("assigned", 8),
    ("letter_issued", 12),
    ("handed_over", 15),
    ("occupied", 25),
    ("titled", 4),
    ("suspended", 2),
    ("appealed", 2),
    ("revoked", 8),
]
MAIN_PATH = ["proposed", "approved", "assigned", "letter_issued", "handed_over", "occupied", "titled"]
# The side states reached from an occupied plot (suspended, appealed) or from any step (revoked).
PATH_TO = {
    **{status: MAIN_PATH[: i + 1] for i, status in enumerate(MAIN_PATH)},
    "suspended": MAIN_PATH[:6] + ["suspended"],
    "appealed": MAIN_PATH[:6] + ["suspended", "appealed"],
    "revoked": MAIN_PATH[:3] + ["revoked"],
}


def demo_allocations_create(
    township: Township, households, rng: random.Random, officer, committee, progress: Callable[[str], None]
) -> int:
    """Allocations in every state, written directly (the database still checks every rule, keeps the plot's
    status in step, and refuses an approval by the proposer), each with its workflow log."""
    eligible = [h for h in households if h.status == Household.Status.ELIGIBLE and not h.prior_beneficiary]
    plots = list(township.plots.filter(use=Plot.Use.RESIDENTIAL).order_by("id"))
    rng.shuffle(plots)
    allocations, paths, count = [], [], 0
    today = datetime.date(2026, 11, 1)
    for status, n in ALLOCATION_MIX:
        for _ in range(n):
            if not eligible or not plots:
                break
            household, plot = eligible.pop(0), plots.pop()
            count += 1
            path = PATH_TO[status]
            proposed = datetime.date(2025, 3, 1) + datetime.timedelta(days=rng.randrange(0, 500))
            handed_over = "handed_over" in path
            allocation = Allocation(
                household=household,
                plot=plot,
                status=status,
                proposed_by=officer,
                approved_by=committee if "approved" in path else None,
                decision_reference=f"DEMO-{township.code}-CMT-{count:03d}" if "approved" in path else "",
                start_date=proposed + datetime.timedelta(days=90) if handed_over else None,
                handover_point=plot.geom.point_on_surface if handed_over else None,
                handover_accuracy_m=rng.choice([4.0, 6.5, 9.0, 12.0]) if handed_over else None,
                suspended_from="occupied" if status in ("suspended", "appealed") else "",
                is_demo=True,
                notes="Demonstration allocation.",
            )
            if status == "revoked":
                allocation.revocation_reason = rng.choice(["non_occupancy", "voluntary_return", "error"])
                allocation.end_date = min(today, proposed + datetime.timedelta(days=200))
                plots.append(plot)  # free again: offered to the next household
            allocations.append(allocation)
            paths.append(path)
    Allocation.objects.bulk_create(allocations)
    transitions = []
    for allocation, path in zip(allocations, paths, strict=True):
        for before, after in zip(["", *path], path, strict=False):
            by = committee if after in ("approved", "rejected") else officer
            transitions.append(
                AllocationTransition(
                    allocation=allocation,
                    from_status=before,
                    to_status=after,
                    by=by,
                    reason="Demonstration step." if after != "revoked" else "Demonstration revocation.",
                    reference=allocation.decision_reference if after == "approved" else "",
                )
            )
    AllocationTransition.objects.bulk_create(transitions)
    allocated = [a.household_id for a in allocations if a.status not in ("proposed", "approved", "revoked")]
    Household.objects.filter(pk__in=allocated).update(status=Household.Status.ALLOCATED)
    progress(f"{township.name}: {len(allocations)} allocations")
    return len(allocations)


def demo_ballot_create(users: dict, progress: Callable[[str], None]) -> Ballot:
    """A ballot round in the Herat township (the province's eligible households without a plot, the township's
    available plots), its lists approved by the committee and ready to draw."""
    herat = Township.objects.get(code="HER-SHD")
    ballot = ballot_create(
        township=herat,
        reference="DEMO-HER-SHD-2026-R1",
        by=users["officer.herat"],
        witnesses=["Haji Abdul Qadir, community elder (demo)", "Eng. Sima, DoRR Herat (demo)"],
    )
    ballot_approve_list(ballot=ballot, by=users["committee.herat"], decision_reference="DEMO-HER-CMT-BALLOT-1")
    progress(
        f"ballot {ballot.reference}: {ballot.entries.count()} households, {ballot.plots.count()} plots, "
        "list approved and ready to draw"
    )
    return ballot
