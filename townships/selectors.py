"""Reads of townships and plots."""

from decimal import Decimal

from django.db import connection
from django.db.models import QuerySet

from landreg.scope import filter_by_scope
from townships.models import Entitlement, Plot, Township

# A plot matches an entitlement when its area is within this share of the entitled area.
ENTITLEMENT_TOLERANCE = Decimal("0.05")
# A generous bound of degrees per metre at Afghan latitudes, for an index box before the exact UTM distance.
DEGREES_PER_METRE = 1 / 80_000


# The map's layers and the versioned tables each one draws (a statement trigger bumps a table's version on every
# change, whoever makes it). The vector tiles carry the same layers; a version in a tile URL changes with the data.
MAP_LAYER_TABLES = {
    "provinces": ("admin_areas",),
    "townships": ("townships",),
    "township-points": ("townships", "plots"),  # a point a township with its counts of plots by status
    "blocks": ("blocks", "townships"),
    "plots": ("plots", "blocks", "townships", "shelters", "plot_sites"),
    "facilities": ("facilities",),
}


def layer_version(tables) -> str:
    """The version of what a layer reading `tables` shows, prefixed by the database's identity, so a recreated
    database never reuses the keys of an older one (landreg_layer_versions(), townships/sql)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT landreg_layer_versions(%s)", [list(tables)])
        return cursor.fetchone()[0]


def layer_versions() -> dict[str, str]:
    """The current version of each map layer: the map puts it in its tile URLs, so a change means new URLs."""
    return {name: layer_version(tables) for name, tables in MAP_LAYER_TABLES.items()}


def townships_visible_to(user) -> QuerySet[Township]:
    """The townships of the user's provinces (narrowed to their townships, if they have any)."""
    return filter_by_scope(Township.objects.all(), user, province_field="province", township_field="pk")


def plots_visible_to(user) -> QuerySet[Plot]:
    """The plots of the townships the user may see."""
    return filter_by_scope(
        Plot.objects.select_related("township", "block"),
        user,
        province_field="township__province",
        township_field="township",
    )


def entitlement_biswa(township: Township, household_size: int) -> Decimal | None:
    """The plot size (biswa) a household of this size is entitled to in the township, or None if not set."""
    row = (
        Entitlement.objects.filter(township=township, min_members__lte=household_size)
        .exclude(max_members__lt=household_size)
        .order_by("-min_members")
        .first()
    )
    return row.plot_biswa if row else None


def area_fits_entitlement(area_m2, biswa) -> bool:
    """A plot of this area (m²) fits an entitlement of this many biswa (100 m² each), within the tolerance."""
    if area_m2 is None or biswa is None:
        return False
    target = Decimal(biswa) * 100
    return target * (1 - ENTITLEMENT_TOLERANCE) <= Decimal(area_m2) <= target * (1 + ENTITLEMENT_TOLERANCE)


def household_sizes_fitting(plot: Plot, sizes) -> list[int]:
    """The household sizes whose entitlement in the plot's township this plot fits."""
    return [size for size in sizes if area_fits_entitlement(plot.area_m2, entitlement_biswa(plot.township, size))]


def facilities_near(plot: Plot, metres: float) -> list[tuple]:
    """(kind, name, functional, metres) of the facilities within `metres` of the plot's edge, nearest first,
    measured in the township's UTM zone; the index finds candidates in a box around the plot first."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT f.kind, f.name, f.functional,
                   ST_Distance(ST_Transform(f.geom, z.srid), ST_Transform(p.geom, z.srid)) AS metres
              FROM townships_plot p
              JOIN townships_township t ON t.id = p.township_id
             CROSS JOIN LATERAL (SELECT COALESCE(t.utm_srid, 32642) AS srid) z
              JOIN townships_facility f ON f.geom && ST_Expand(p.geom, %(box)s)
             WHERE p.id = %(plot)s
               AND ST_DWithin(ST_Transform(f.geom, z.srid), ST_Transform(p.geom, z.srid), %(metres)s)
             ORDER BY metres, f.id
            """,
            {"plot": plot.pk, "metres": metres, "box": metres * DEGREES_PER_METRE},
        )
        return cursor.fetchall()


def plots_matching_entitlement(township: Township, household_size: int) -> QuerySet[Plot]:
    """Available residential plots whose area matches the household's entitlement."""
    biswa = entitlement_biswa(township, household_size)
    plots = Plot.objects.filter(township=township, status=Plot.Status.AVAILABLE, use=Plot.Use.RESIDENTIAL)
    if biswa is None:
        return plots.none()
    target = biswa * 100  # the same bounds as area_fits_entitlement, as a query
    return plots.filter(
        area_m2__gte=target * (1 - ENTITLEMENT_TOLERANCE), area_m2__lte=target * (1 + ENTITLEMENT_TOLERANCE)
    )
