"""The published layers of returns, displacement and livelihoods (docs/partners.md, "Published layers"): what each
shows, as SQL over the layer's table, for the two faces that publish them alike (OGC API - Features, api/ogc/, and
vector tiles, api/tiles/). Aggregates only, never a person: counts of people go through the one small-cell rule
(landreg.sharing.suppressed_sql), and no name of a person, ID number, household or free text is read.

- crossing points: the point, its names, province and district p-codes, neighbouring country, the main flag, and
  the people who arrived there last week and last month: registered at the border (the arrival figures) and counted
  by the border monitoring teams (the flow figures, of the source that counted most: sources are never added, since
  they count the same crossings). Weeks start on Saturday, days are Kabul's (movements/figures.py); "last week" and
  "last month" are the last ones complete, so a figure does not grow while it is read;
- IDP sites still open: the point or outline, province and district p-codes, kind, and the latest population
  estimate by group with its date and method (no site name: informal settlements are often named after a person);
- livelihood opportunities open today: the point or area, kind, ISIC code and section, places offered and filled,
  dates, pay, the provider's name and the province (no title or description: free text, which may name someone).

Every SQL here reads the layer's own row through `alias` (a table alias or the table's name) and takes no
parameter, so the ORM (as RawSQL) and the tile query (as text) use the same definition.
"""

import datetime
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_lazy

from landreg.sharing import small_cell_sql, suppressed_sql

# The datasets an agreement names for a partner to see each layer (landreg/models.py DATASETS).
MOVEMENTS_DATASET = "movement_figures"
OPPORTUNITIES_DATASET = "livelihood_opportunities"

# The map layers each dataset opens to a partner (OGC API collection and vector tile layer, same name), for the
# "Data for partners" page.
LAYERS_BY_DATASET = {
    MOVEMENTS_DATASET: [
        ("crossing-points", gettext_lazy("Border crossing points, with last week's and last month's arrivals")),
        ("idp-sites", gettext_lazy("IDP sites, with their latest population estimate")),
    ],
    OPPORTUNITIES_DATASET: [("opportunities", gettext_lazy("Livelihood opportunities open today"))],
}

KABUL = ZoneInfo("Asia/Kabul")
_TODAY = "movements_kabul_day(now())"
LAST_WEEK_START = f"(movements_week_start({_TODAY}) - 7)"
LAST_MONTH_START = f"(date_trunc('month', {_TODAY}) - interval '1 month')::date"


def kabul_today() -> datetime.date:
    """The day in Kabul: "last week" and "last month" turn over with it (a tile's version carries it)."""
    return datetime.datetime.now(KABUL).date()


def last_periods(today: datetime.date | None = None) -> dict[str, datetime.date]:
    """The first days of last week (from Saturday) and last month, as the SQL reckons them."""
    today = today or kabul_today()
    this_week = today - datetime.timedelta(days=(today.isoweekday() + 1) % 7)
    first = today.replace(day=1)
    last_month = (first - datetime.timedelta(days=1)).replace(day=1)
    return {"week": this_week - datetime.timedelta(days=7), "month": last_month}


def _arrivals(alias: str, period: str, start: str) -> str:
    """People registered at the border arriving (direction in) at the crossing point in the period."""
    return suppressed_sql(
        "SELECT coalesce(sum(t.people), 0) FROM movements_arrival_totals t "
        f"WHERE t.crossing_point_id = {alias}.id AND t.period = '{period}' AND t.period_start = {start} "
        "AND t.direction = 'in'"
    )


def _counted(alias: str, period: str, start: str) -> str:
    """Crossings into Afghanistan counted by the border monitoring teams in the period, by the source that counted
    most (the sources count the same crossings)."""
    return suppressed_sql(
        "SELECT coalesce(max(s.people), 0) FROM (SELECT sum(t.people) AS people FROM movements_flow_totals t "
        f"WHERE t.crossing_point_id = {alias}.id AND t.period = '{period}' AND t.period_start = {start} "
        "AND t.direction = 'in' GROUP BY t.source) AS s"
    )


def _pcode(column: str) -> str:
    return f"(SELECT a.pcode FROM parcels_adminarea a WHERE a.id = {column})"


def crossing_point_columns(alias: str) -> dict[str, str]:
    """The published properties of a crossing point: name -> SQL over its row."""
    return {
        "code": f"{alias}.code",
        "name": f"{alias}.name_en",
        "name_prs": f"NULLIF({alias}.name_prs, '')",
        "name_ps": f"NULLIF({alias}.name_ps, '')",
        "province": _pcode(f"{alias}.province_id"),
        "district": _pcode(f"{alias}.district_id"),
        "country": f"NULLIF({alias}.neighbouring_country, '')",
        "main": f"{alias}.main",
        "week_start": f"{LAST_WEEK_START}::text",
        "arrivals_last_week": _arrivals(alias, "week", LAST_WEEK_START),
        "counted_last_week": _counted(alias, "week", LAST_WEEK_START),
        "month_start": f"{LAST_MONTH_START}::text",
        "arrivals_last_month": _arrivals(alias, "month", LAST_MONTH_START),
        "counted_last_month": _counted(alias, "month", LAST_MONTH_START),
    }


CROSSING_POINT_COUNTS = ("arrivals_last_week", "counted_last_week", "arrivals_last_month", "counted_last_month")
CROSSING_POINT_TYPES = {"main": "boolean", **dict.fromkeys(CROSSING_POINT_COUNTS, "integer")}

ESTIMATE_GROUPS = ("arrival_idps", "returned_idps", "returnees_from_abroad", "out_migrants")


def _latest_estimate(alias: str, expression: str) -> str:
    return (
        f"(SELECT {expression} FROM movements_sitepopulationestimate e WHERE e.site_id = {alias}.id "
        "ORDER BY e.assessed_on DESC, e.id DESC LIMIT 1)"
    )


def idp_site_columns(alias: str) -> dict[str, str]:
    """The published properties of an IDP site: name -> SQL over its row. `population` is the people living there
    (out-migrants have left: movements.models.SitePopulationEstimate.population). When one of the groups living
    there is a small cell, all three are withheld (`groups_withheld`): with the population shown, a small group
    could be found by subtracting the others from it."""
    living = ("arrival_idps", "returned_idps", "returnees_from_abroad")
    withheld = _latest_estimate(alias, " OR ".join(small_cell_sql(f"e.{name}") for name in living))
    groups = {
        name: f"(CASE WHEN {withheld} THEN NULL ELSE {suppressed_sql(_latest_estimate(alias, f'e.{name}'))} END)"
        for name in living
    }
    return {
        "kind": f"{alias}.kind",
        "province": _pcode(f"{alias}.province_id"),
        "district": _pcode(f"{alias}.district_id"),
        "assessed_on": _latest_estimate(alias, "e.assessed_on::text"),
        "method": _latest_estimate(alias, "e.method"),
        "population": suppressed_sql(_latest_estimate(alias, " + ".join(f"e.{name}" for name in living))),
        **groups,
        "out_migrants": suppressed_sql(_latest_estimate(alias, "e.out_migrants")),
        "groups_withheld": f"coalesce({withheld}, false)",
    }


IDP_SITE_TYPES = {**dict.fromkeys(("population", *ESTIMATE_GROUPS), "integer"), "groups_withheld": "boolean"}
IDP_SITES_OPEN = "({alias}.closed_on IS NULL OR {alias}.closed_on >= movements_kabul_day(now()))"


def _isic_section(alias: str) -> str:
    """The ISIC section (A…U) of the opportunity's activity, through its parents."""
    return (
        "(WITH RECURSIVE up(code, parent_id, level) AS ("
        f"SELECT i.code, i.parent_id, i.level FROM livelihoods_isicactivity i WHERE i.code = {alias}.isic_code "
        "UNION ALL SELECT p.code, p.parent_id, p.level FROM livelihoods_isicactivity p JOIN up ON p.code = up.parent_id"
        ") SELECT up.code FROM up WHERE up.level = 'section' LIMIT 1)"
    )


def opportunity_columns(alias: str) -> dict[str, str]:
    """The published properties of an opportunity: name -> SQL over its row."""
    return {
        "kind": f"{alias}.kind",
        "sector": _isic_section(alias),
        "isic": f"{alias}.isic_code",
        "places_offered": f"{alias}.places_offered",
        "places_filled": suppressed_sql(f"{alias}.places_filled"),
        "start_on": f"{alias}.start_on::text",
        "end_on": f"{alias}.end_on::text",
        "stipend_monthly": f"{alias}.stipend_monthly::float8",
        "daily_wage": f"{alias}.daily_wage::float8",
        "days_offered": f"{alias}.days_offered",
        "currency": f"{alias}.currency",
        "provider": f"(SELECT pr.name FROM livelihoods_provider pr WHERE pr.id = {alias}.provider_id)",
        "province": _pcode(f"{alias}.province_id"),
    }


OPPORTUNITY_TYPES = {
    "places_offered": "integer",
    "places_filled": "integer",
    "stipend_monthly": "number",
    "daily_wage": "number",
    "days_offered": "integer",
}
OPPORTUNITY_GEOMETRY = "COALESCE({alias}.point, {alias}.area)"
OPPORTUNITIES_OPEN = (
    "({alias}.status = 'open' AND ({alias}.end_on IS NULL OR {alias}.end_on >= movements_kabul_day(now())))"
)
