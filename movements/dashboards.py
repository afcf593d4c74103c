"""The returns dashboard's reads (docs/movements.md, "The pages"): arrivals per week per crossing point, categories
and vulnerabilities, destinations by province with the provinces' outlines simplified in PostGIS, IDP sites by
size. Counts of people or arrivals, never a person; bounded by the provinces whose figures the user reads
(movements/figures.py), small cells suppressed by the one rule of landreg/sharing.py for roles without personal
data. Which of the border's households now hold a plot is asked by the page (allocations sit above this app)."""

import datetime
import json

from django.db import connection
from django.db.models import Count, Func, Q
from django.utils import timezone

from landreg.sharing import counts_suppressed_for, suppressed
from movements.figures import _provinces_of, arrival_figures, flow_figures
from movements.models import Arrival, Direction
from movements.selectors import idp_sites_visible_to, site_estimate_latest
from parcels.models import AdminArea, CrossingPoint

# Outlines are simplified to this many degrees (about 2 km): a province map the size of a page needs no more.
SIMPLIFY_DEGREES = 0.02


def week_start(day: datetime.date) -> datetime.date:
    """The Saturday that starts the day's week (as movements_week_start in the database)."""
    return day - datetime.timedelta(days=(day.isoweekday() + 1) % 7)


def _count(n: int, suppress: bool):
    return suppressed(n) if suppress else n


def arrivals_by_week(user, *, weeks: int, today: datetime.date | None = None, source: str = "") -> dict:
    """People who arrived (direction in) per week per crossing point over the last `weeks` weeks, from the arrivals
    registered at the border, or, with a `source`, from that source's flow counts (never two sources added).
    {"weeks": [saturday, …], "series": [{"point": CrossingPoint, "counts": [n or "<5", …]}, …]}"""
    today = today or timezone.localdate()
    last = week_start(today)
    starts = [last - datetime.timedelta(weeks=i) for i in range(weeks - 1, -1, -1)]
    if source:
        rows = flow_figures(user, since=starts[0], until=last, where={"direction": Direction.IN, "source": source})
    else:
        rows = arrival_figures(user, since=starts[0], until=last, where={"direction": Direction.IN})
    by_point: dict[int, dict] = {}
    for row in rows:
        by_point.setdefault(row["crossing_point_id"], {})[row["period_start"]] = row["people"]
    points = CrossingPoint.objects.in_bulk(list(by_point))
    series = [
        {"point": points[pk], "counts": [counts.get(start, 0) for start in starts]}
        for pk, counts in by_point.items()
        if pk in points
    ]
    series.sort(key=lambda s: (not s["point"].main, s["point"].name_en))
    return {"weeks": starts, "series": series}


def arrivals_by(user, key: str, *, since: datetime.date, until: datetime.date) -> list[dict]:
    """People who arrived, by one key of the figures (category, destination_province_id, sex, age_band…)."""
    rows = arrival_figures(user, since=week_start(since), until=until, by=(key,), where={"direction": Direction.IN})
    return sorted(rows, key=lambda r: -(r["people"] if isinstance(r["people"], int) else 0))


def arrival_vulnerabilities(user, *, since: datetime.date, until: datetime.date) -> list[dict]:
    """Arrivals into Afghanistan (families or people alone) recorded with each vulnerability of the border
    monitoring list, in the provinces whose figures the user reads (the crossing point's or the destination's)."""
    provinces = _provinces_of(user)
    arrivals = Arrival.objects.filter(
        direction=Direction.IN,
        crossed_at__date__gte=week_start(since),
        crossed_at__date__lte=until,
    )
    if provinces is not None:
        arrivals = arrivals.filter(Q(crossing_point__province__in=provinces) | Q(destination_province__in=provinces))
    rows = (
        arrivals.annotate(vulnerability=Func("vulnerabilities", function="unnest"))
        .values("vulnerability")
        .annotate(n=Count("id"))
        .order_by("-n", "vulnerability")
    )
    suppress = counts_suppressed_for(user)
    return [{"vulnerability": r["vulnerability"], "arrivals": _count(r["n"], suppress)} for r in rows]


def province_outlines() -> dict:
    """Each province's outline as an SVG path (simplified in PostGIS; y grows downwards, as ST_AsSVG writes it)
    and the view box around them all: {"view_box": "x y w h", "provinces": {id: path}}. Empty without outlines."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, ST_AsSVG(ST_SimplifyPreserveTopology(geom, %s), 0, 3) FROM parcels_adminarea "
            "WHERE level = %s AND geom IS NOT NULL",
            [SIMPLIFY_DEGREES, AdminArea.Level.PROVINCE],
        )
        paths = dict(cursor.fetchall())
        cursor.execute(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent(geom) AS e "
            "FROM parcels_adminarea WHERE level = %s AND geom IS NOT NULL) x",
            [AdminArea.Level.PROVINCE],
        )
        extent = cursor.fetchone()
    if not paths or extent[0] is None:
        return {"view_box": "", "provinces": {}}
    xmin, ymin, xmax, ymax = extent
    pad = 0.05 * max(xmax - xmin, ymax - ymin)
    view_box = f"{xmin - pad:.3f} {-ymax - pad:.3f} {xmax - xmin + 2 * pad:.3f} {ymax - ymin + 2 * pad:.3f}"
    return {"view_box": view_box, "provinces": paths}


def sites_by_size(user, *, limit: int = 15) -> list[dict]:
    """The user's open IDP sites, largest first, by their latest estimate's population (people living there)."""
    suppress = counts_suppressed_for(user)
    rows = []
    for site in idp_sites_visible_to(user).filter(closed_on__isnull=True):
        latest = site_estimate_latest(site)
        if latest is not None:
            rows.append({"site": site, "estimate": latest, "population": latest.population})
    rows.sort(key=lambda r: (-r["population"], r["site"].name))
    for row in rows:
        row["people"] = _count(row["population"], suppress)
    return rows[:limit]


def figures_pending_days() -> int:
    """Days changed since the figures' last refresh (the timer brings them up to date every 15 minutes)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(DISTINCT day) FROM movements_figures_pending")
        return cursor.fetchone()[0]


def dashboard_provinces(user) -> set[int] | None:
    """The provinces whose figures the user reads (None: all); PermissionDenied for an account without a role."""
    return _provinces_of(user)


def province_outlines_geojson(*, simplify: float = 0.05) -> dict:
    """Every province's outline as a GeoJSON FeatureCollection, simplified in PostGIS: the background of the small
    maps (a journey, a site), which load nothing from the internet."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pcode, ST_AsGeoJSON(ST_SimplifyPreserveTopology(geom, %s), 4) FROM parcels_adminarea "
            "WHERE level = %s AND geom IS NOT NULL ORDER BY pcode",
            [simplify, AdminArea.Level.PROVINCE],
        )
        rows = cursor.fetchall()
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": json.loads(shape), "properties": {"pcode": pcode}} for pcode, shape in rows
        ],
    }
