"""Weekly and monthly figures of arrivals and flow counts (docs/movements.md, "Figures"), read from the
totals that movements/sql/0003_movement_figures.sql keeps: brought up to date period by period (the weeks and months
whose days changed) without blocking readers.

Figures are counts of people, never a person. Who reads them: every role, bounded by province (an officer's
provinces; a partner's, the provinces their current agreements share FIGURES_DATASET for). Small cells (1 to 4
people) are suppressed by the one rule of landreg/sharing.py for every role that does not work with personal data
and wherever the figures are published (published=True: layers, tiles, HXL files)."""

import datetime
import time

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from landreg import roles
from landreg.scope import province_ids_in_scope
from landreg.sharing import counts_suppressed_for, needs_agreement, provinces_shared_with, suppressed

# The dataset a data-sharing agreement names to share these figures with a partner (landreg/models.py DATASETS).
FIGURES_DATASET = "movement_figures"
PERIODS = ("week", "month")
ARRIVAL_KEYS = (
    "period_start",
    "crossing_point_id",
    "province_id",
    "destination_province_id",
    "destination_district_id",
    "direction",
    "category",
    "sex",
    "age_band",
)
FLOW_KEYS = (
    "period_start",
    "crossing_point_id",
    "province_id",
    "direction",
    "category",
    "travelling",
    "source",
    "sex",
    "age_band",
)


def figures_refresh(*, rebuild: bool = False) -> dict:
    """Bring the figures up to date: recompute the weeks and months whose days changed since the last refresh (or,
    with `rebuild`, every period). Readers keep reading the previous figures until it is done. What was
    recomputed, and the seconds it took."""
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        if rebuild:
            cursor.execute("SELECT movements_figures_rebuild()")
            cursor.execute(
                "SELECT (SELECT count(DISTINCT (period, period_start)) FROM movements_arrival_totals), "
                "(SELECT count(DISTINCT (period, period_start)) FROM movements_flow_totals)"
            )
        else:
            cursor.execute("SELECT arrival_periods, flow_periods FROM movements_figures_refresh()")
        arrival_periods, flow_periods = cursor.fetchone()
    return {"arrival_periods": arrival_periods, "flow_periods": flow_periods, "seconds": time.perf_counter() - start}


def _provinces_of(user) -> set[int] | None:
    """The provinces whose figures the user reads; None for all."""
    if not user.is_authenticated or not user.is_active:
        raise PermissionDenied(_("Sign in to read the figures."))
    if needs_agreement(user):
        return provinces_shared_with(user, FIGURES_DATASET) or set()
    if not roles.has_role(user, *roles.ALL_ROLES):
        raise PermissionDenied(_("Your account has no role; ask an administrator for one."))
    return province_ids_in_scope(user)


def _figures(
    view: str,
    keys: tuple,
    user,
    *,
    period: str,
    since: datetime.date | None,
    until: datetime.date | None,
    by: tuple,
    where: dict,
    published: bool,
    province_columns: tuple,
) -> list[dict]:
    if period not in PERIODS:
        raise ValidationError(_("Choose week or month."), code="period")
    unknown = [k for k in (*by, *where) if k not in keys]
    if unknown:
        raise ValueError(f"not a key of {view}: {unknown}")
    conditions, params = ["period = %s"], [period]
    if since:
        conditions.append("period_start >= %s")
        params.append(since)
    if until:
        conditions.append("period_start <= %s")
        params.append(until)
    for column, value in where.items():
        conditions.append(f"{column} = %s")
        params.append(value)
    provinces = _provinces_of(user)
    if provinces is not None:
        conditions.append("(" + " OR ".join(f"{c} = ANY(%s)" for c in province_columns) + ")")
        params += [sorted(provinces)] * len(province_columns)
    columns = ", ".join(by)
    sql = f"SELECT {columns}{', ' if by else ''}sum(people)::bigint FROM {view} WHERE {' AND '.join(conditions)}" + (
        f" GROUP BY {columns} ORDER BY {columns}" if by else ""
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    suppress = published or counts_suppressed_for(user)
    out = []
    for row in rows:
        figure = dict(zip(by, row[:-1], strict=True))
        people = int(row[-1] or 0)
        figure["people"] = suppressed(people) if suppress else people
        out.append(figure)
    return out


def arrival_figures(
    user,
    *,
    period: str = "week",
    since: datetime.date | None = None,
    until: datetime.date | None = None,
    by: tuple = ("period_start", "crossing_point_id"),
    where: dict | None = None,
    published: bool = False,
) -> list[dict]:
    """People who arrived (registered at the border), summed over the view's other keys, grouped by `by` (columns
    of ARRIVAL_KEYS), filtered by `where` ({column: value}); an officer sees arrivals at the crossing points of
    their provinces and those bound for their provinces."""
    return _figures(
        "movements_arrival_figures",
        ARRIVAL_KEYS,
        user,
        period=period,
        since=since,
        until=until,
        by=tuple(by),
        where=where or {},
        published=published,
        province_columns=("province_id", "destination_province_id"),
    )


def flow_figures(
    user,
    *,
    period: str = "week",
    since: datetime.date | None = None,
    until: datetime.date | None = None,
    by: tuple = ("period_start", "crossing_point_id"),
    where: dict | None = None,
    published: bool = False,
) -> list[dict]:
    """Crossings counted by the border monitoring teams (movements, not people), as arrival_figures. Sources are
    not added together unless `by` leaves the source out: filter on one (where={"source": "iom"}) to avoid counting
    one crossing twice."""
    return _figures(
        "movements_flow_figures",
        FLOW_KEYS,
        user,
        period=period,
        since=since,
        until=until,
        by=tuple(by),
        where=where or {},
        published=published,
        province_columns=("province_id",),
    )
