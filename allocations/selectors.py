"""Reads of allocations, for a requesting user: role and geographic scope applied in one place."""

from django.db.models import Exists, F, OuterRef, QuerySet, Subquery

from allocations.models import Allocation, AllocationDocument
from households.eligibility import reason_text
from households.models import EligibilityAssessment, Household, Person
from households.selectors import households_visible_to
from landreg.roles import PERSONAL_DATA_ROLES, has_role
from landreg.scope import filter_by_scope
from townships.models import Plot
from townships.selectors import household_sizes_fitting

CANDIDATES_LIMIT = 50


def allocations_visible_to(user) -> QuerySet[Allocation]:
    if not has_role(user, *PERSONAL_DATA_ROLES):
        return Allocation.objects.none()
    return filter_by_scope(
        Allocation.objects.select_related("plot__township", "household"),
        user,
        province_field="plot__township__province",
        township_field="plot__township",
    )


def documents_visible_to(user) -> QuerySet[AllocationDocument]:
    """Letters and deeds of the allocations the user may see."""
    return AllocationDocument.objects.filter(allocation__in=allocations_visible_to(user)).select_related(
        "allocation__plot__township", "allocation__plot__block"
    )


def allocation_candidates(plot: Plot, user, limit: int = CANDIDATES_LIMIT) -> list[Household]:
    """The households a plot may be proposed to: eligible households of the plot's province the user may see,
    with no active allocation, entitled to a plot of this size, in priority order (highest vulnerability score
    first, then the longest registered)."""
    active = Allocation.objects.active().filter(household=OuterRef("pk"))
    latest_priority = (
        EligibilityAssessment.objects.filter(household=OuterRef("pk")).order_by("-assessed_at").values("priority_score")
    )
    households = (
        households_visible_to(user)
        .filter(province_id=plot.township.province_id, status=Household.Status.ELIGIBLE, prior_beneficiary=False)
        .exclude(Exists(active))
    )
    sizes = sorted(set(households.values_list("size", flat=True)))
    households = households.filter(size__in=household_sizes_fitting(plot, sizes))
    latest_results = EligibilityAssessment.objects.filter(household=OuterRef("pk"), eligible=True).order_by(
        "-assessed_at"
    )
    head = Person.objects.filter(household=OuterRef("pk"), relationship="head").order_by("pk")
    ordered = households.annotate(
        priority=Subquery(latest_priority[:1]),
        eligibility_results=Subquery(latest_results.values("results")[:1]),
        head_name=Subquery(head.values("name")[:1]),
    ).order_by(F("priority").desc(nulls_last=True), "created_at", "pk")
    return list(ordered[:limit])


def eligibility_reasons(household: Household) -> list[str]:
    """Why a household from allocation_candidates() is eligible: the criteria its latest eligible assessment
    passed, each as a sentence in the reader's language (results are stored as reason codes)."""
    results = getattr(household, "eligibility_results", None) or []
    return [text for r in results if r.get("passed") and (text := reason_text(r))]
