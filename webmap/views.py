"""Web pages. Thin: they call selectors and services."""

from django.shortcuts import get_object_or_404, render

from allocations.ballots import ALGORITHM, ballot_verify
from allocations.models import Ballot


def ballot_sheet(request, reference):
    """The printable result sheet of a public draw, verified live from the seed. Household codes only."""
    ballot = get_object_or_404(Ballot.objects.select_related("township"), reference=reference)
    ok, differences = ballot_verify(ballot)
    results = ballot.results.select_related("household", "plot__block").order_by("draw_order")
    return render(
        request,
        "webmap/ballot.html",
        {
            "ballot": ballot,
            "results": results,
            "verified": ok,
            "differences": differences,
            "algorithm": ALGORITHM,
            "entries": ballot.entries.count(),
            "plots": ballot.plots.count(),
        },
    )
