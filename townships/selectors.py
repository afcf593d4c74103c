"""Reads of townships and plots."""

from decimal import Decimal

from django.db.models import QuerySet

from townships.models import Entitlement, Plot, Township

# A plot matches an entitlement when its area is within this share of the entitled area.
ENTITLEMENT_TOLERANCE = Decimal("0.05")


def entitlement_biswa(township: Township, household_size: int) -> Decimal | None:
    """The plot size (biswa) a household of this size is entitled to in the township, or None if not set."""
    row = (
        Entitlement.objects.filter(township=township, min_members__lte=household_size)
        .exclude(max_members__lt=household_size)
        .order_by("-min_members")
        .first()
    )
    return row.plot_biswa if row else None


def plots_matching_entitlement(township: Township, household_size: int) -> QuerySet[Plot]:
    """Available residential plots whose area matches the household's entitlement."""
    biswa = entitlement_biswa(township, household_size)
    plots = Plot.objects.filter(township=township, status=Plot.Status.AVAILABLE, use=Plot.Use.RESIDENTIAL)
    if biswa is None:
        return plots.none()
    target = biswa * 100
    return plots.filter(
        area_m2__gte=target * (1 - ENTITLEMENT_TOLERANCE), area_m2__lte=target * (1 + ENTITLEMENT_TOLERANCE)
    )
