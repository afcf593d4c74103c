"""The demo's returns and displacement: four weeks of arrivals and of the border teams' daily counts at Torkham and
Islam Qala, two IDP sites with two assessment rounds each, and the journeys of a few demo households from the
border (docs/movements.md). Everything goes through the movement services, as a border team's records would.

Deterministic: the same seed gives the same records; the four weeks are the four weeks before the day the demo is
loaded, so the dashboards' "last week" shows them."""

import datetime
import random
import uuid
from collections.abc import Callable

from django.conf import settings
from django.contrib.gis.geos import Point, Polygon
from django.utils import timezone

from households.models import Household
from movements.figures import figures_refresh
from movements.flows import flow_counts_replace
from movements.models import SPLIT_CELLS, AgeBand, age_band_of
from movements.services import (
    arrival_register,
    household_location_record,
    idp_site_create,
    site_estimate_record,
)
from parcels.models import CrossingPoint
from parcels.services import crossing_points_load_reference

DAYS = 28
# Crossing point, the demo users who record there, arrivals recorded a day, and the usual country of asylum.
POINTS = [
    ("torkham", "field.nangarhar", 5, "PK"),
    ("islam_qala", "field.herat", 5, "IR"),
]
CATEGORIES = ["deported"] * 5 + ["spontaneous_undocumented"] * 3 + ["documented"]
HOUSEHOLD_CATEGORY = {
    "deportee": "deported",
    "undocumented_returnee": "spontaneous_undocumented",
    "documented_returnee": "documented",
}
BANDS = [AgeBand.CHILD_0_4, AgeBand.CHILD_5_17, AgeBand.CHILD_5_17, AgeBand.ADULT_18_59, AgeBand.ELDER_60]
SITES = [
    # code, name, Dari name, kind, province p-code, the site (a polygon's corners or a point)
    (
        "DEMO-NAN-SHEIKH-MESRI",
        "Sheikh Mesri (demo)",
        "شیخ مصری",
        "informal_settlement",
        "AF06",
        [(70.515, 34.445), (70.535, 34.445), (70.535, 34.460), (70.515, 34.460)],
    ),
    ("DEMO-HER-SHAIDAYEE", "Shaidayee (demo)", "شیدایی", "camp", "AF32", (62.245, 34.335)),
]


def _members(rng: random.Random, family: bool) -> list[dict]:
    """A head (an adult) and, for a family, a spouse and children; sex and DTM age band only: a count at the gate."""
    head = {"relationship": "head", "sex": rng.choice("mmmf"), "age_band": AgeBand.ADULT_18_59}
    if not family:
        return [head]
    people = [head, {"relationship": "spouse", "sex": "f" if head["sex"] == "m" else "m", "age_band": "18_59"}]
    for _ in range(rng.randint(0, 5)):
        people.append({"relationship": "child", "sex": rng.choice("mf"), "age_band": rng.choice(BANDS[:3])})
    if rng.random() < 0.15:
        people.append({"relationship": "parent", "sex": rng.choice("mf"), "age_band": BANDS[4]})
    return people


def _split(rng: random.Random, total: int) -> dict:
    """A sex and age split of a day's count that adds up to it."""
    shares = [rng.randint(1, 10) for _ in SPLIT_CELLS]
    cells = [total * s // sum(shares) for s in shares]
    cells[SPLIT_CELLS.index("m_18_59")] += total - sum(cells)
    split = dict(zip(SPLIT_CELLS, cells, strict=True))
    split["female"] = sum(v for k, v in split.items() if k.startswith("f_"))
    split["male"] = total - split["female"]
    return split


def demo_movements_create(users: dict, rng: random.Random, progress: Callable[[str], None] = print) -> dict:
    """Create the demo's movement records; returns what was made, by kind."""
    if not CrossingPoint.objects.exists():
        crossing_points_load_reference(settings.BASE_DIR / "gis_data" / "border_crossings.csv")
    today = timezone.localdate()
    first = today - datetime.timedelta(days=DAYS)
    totals = {"arrivals": 0, "flow counts": 0, "sites": 0, "journeys": 0}
    for code, field, per_day, country in POINTS:
        point = CrossingPoint.objects.get(code=code)
        by = users[field]
        for offset in range(DAYS):
            day = first + datetime.timedelta(days=offset)
            for _ in range(per_day + rng.randint(-2, 3)):
                family = rng.random() < 0.7
                moment = datetime.datetime.combine(day, datetime.time(rng.randint(6, 17), rng.randint(0, 59)))
                category = rng.choice(CATEGORIES)
                arrival_register(
                    crossing_point=point,
                    crossed_at=timezone.make_aware(moment),
                    category=category,
                    country_of_asylum=country,
                    years_abroad=rng.randint(0, 30),
                    documents_held=["por_card"] if category == "documented" else rng.choice([["none"], ["tazkira"]]),
                    travelling="family" if family else "alone",
                    members=_members(rng, family),
                    vulnerabilities=rng.choice([[], [], ["medical_case"], ["female_headed"], ["elderly_alone"]]),
                    assistance=rng.choice([["cash", "transport"], ["food"], ["none"]]),
                    destination_province=point.province,
                    by=by,
                    client_uuid=uuid.UUID(int=rng.getrandbits(128)),
                    link=False,  # a gate record; the demo's households are linked below
                    is_demo=True,
                )
                totals["arrivals"] += 1
            for source, split in (("border_team", True), ("iom", False)):
                rows = []
                for category, share in (("deported", 0.6), ("spontaneous_undocumented", 0.4)):
                    for travelling, part in (("family", 0.75), ("alone", 0.25)):
                        total = int(rng.randint(300, 900) * share * part)
                        row = {"direction": "in", "category": category, "travelling": travelling}
                        row.update(method="headcount" if split else "key_informant", total=total)
                        rows.append({**row, **_split(rng, total)} if split else row)
                flow_counts_replace(crossing_point=point, day=day, source=source, rows=rows, by=by, is_demo=True)
                totals["flow counts"] += len(rows)
        progress(f"arrivals and counts at {point.name_en}: {DAYS} days")

    sites = {}
    for code, name, name_prs, kind, pcode, shape in SITES:
        province = CrossingPoint.objects.filter(province__pcode=pcode).first().province
        geom = Polygon([*shape, shape[0]], srid=4326) if isinstance(shape, list) else Point(*shape, srid=4326)
        sites[pcode] = site = idp_site_create(
            code=code,
            province=province,
            name=name,
            name_prs=name_prs,
            kind=kind,
            geom=geom,
            by=users["admin"],
            is_demo=True,
        )
        for number, assessed in enumerate((today - datetime.timedelta(days=120), today - datetime.timedelta(days=30))):
            site_estimate_record(
                site=site,
                round=f"DEMO-R{number + 1}",
                assessed_on=assessed,
                method="headcount",
                by=users["field.nangarhar" if pcode == "AF06" else "field.herat"],
                arrival_idps=rng.randint(800, 2000),
                returned_idps=rng.randint(100, 600),
                returnees_from_abroad=rng.randint(2000, 6000),
                out_migrants=rng.randint(20, 200),
                is_demo=True,
            )
        totals["sites"] += 1

    # Journeys: a few demo households of each province arrived at their crossing point on their return date.
    for code, field, _per_day, country in POINTS:
        point = CrossingPoint.objects.get(code=code)
        candidates = Household.objects.filter(
            is_demo=True,
            province=point.province,
            crossing_point=code,
            category__in=list(HOUSEHOLD_CATEGORY),
            return_date__isnull=False,
        ).order_by("code")[:8]
        for n, household in enumerate(candidates):
            crossed = timezone.make_aware(datetime.datetime.combine(household.return_date, datetime.time(9, 30)))
            people = []
            for person in household.members.order_by("relationship", "pk"):
                age = (household.return_date - person.date_of_birth).days // 365 if person.date_of_birth else 30
                people.append(
                    {
                        "relationship": person.relationship,
                        "name": person.name,
                        "sex": person.sex,
                        "age_band": age_band_of(max(age, 0)),
                    }
                )
            arrival_register(
                crossing_point=point,
                crossed_at=crossed,
                category=HOUSEHOLD_CATEGORY[household.category],
                country_of_asylum=household.country_returned_from or country,
                travelling="family" if len(people) > 1 else "alone",
                members=people,
                destination_province=point.province,
                by=users[field],
                client_uuid=uuid.UUID(int=rng.getrandbits(128)),
                household=household,
                is_demo=True,
            )
            since = household.return_date + datetime.timedelta(days=rng.randint(2, 20))
            if n % 2 == 0:
                household_location_record(
                    household=household,
                    status="in_site",
                    site=sites[point.province.pcode],
                    since=since,
                    by=users[field],
                )
            else:
                household_location_record(
                    household=household,
                    status="in_host_community",
                    since=since,
                    by=users[field],
                    note="with relatives",
                )
            totals["journeys"] += 1
    figures_refresh()
    progress(f"movements: {totals['arrivals']} arrivals, {totals['flow counts']} counts, {totals['sites']} IDP sites")
    return totals
