"""The partner datasets: HXL-tagged CSV of a province as a partner receives it under their data-sharing agreement
(or an administrator checking what a partner would receive), for the API and the export_partner command alike.

Which agreement covers an export, the catalogue of what may be shared and the small-cell rule are landreg's
(landreg/sharing.py, landreg/models.py); this module reads the domain apps to build the rows that follow them.
"""

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, CharField, Count, Exists, F, OuterRef, Q, Subquery, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from allocations.models import Allocation
from grievances.models import Grievance
from grievances.selectors import AGE_BANDS
from households.models import Household
from landreg.access_log import log_personal_data_access
from landreg.models import HOUSEHOLD_FIELDS, DataSharingAgreement
from landreg.scope import filter_by_scope
from landreg.sharing import SUPPRESSED, is_small_cell, pseudonym, pseudonym_key_of, suppressed
from landreg.tabular import SafeWriter
from livelihoods.models import Opportunity, Referral
from livelihoods.selectors import (
    SCORE_FIELDS,
    referrals_for_partner,
    reintegration_scores_by_township,
    still_on_plot_at_12_months,
)
from movements.figures import PERIODS, arrival_figures, flow_figures
from movements.models import AgeBand, IdpSite, SitePopulationEstimate
from parcels.models import AdminArea, CrossingPoint
from shelters.models import DEFAULT_STAGES
from shelters.selectors import open_shelter_projects, shelter_stage
from townships.models import Plot, Township

# The datasets that are a table of one province (a CSV); the township layout is files per township, the
# grievance referrals are a door of the API, not a file, and the opportunities are a map layer (OGC API, tiles).
TABLES = (
    "township_summary",
    "household_records",
    "grievance_summary",
    "movement_figures",
    "livelihood_referrals",
    "reintegration_scores",
)


@dataclass
class PartnerDataset:
    """A partner file before it is written: named columns with their HXL hashtags, the rows, and what it is
    made of (for the access log)."""

    name: str
    columns: list[str]
    hashtags: list[str]
    rows: Iterable[list]
    what: str
    object_ids: list[int] = field(default_factory=list)
    count: int = 0


def _townships(user, province):
    towns = Township.objects.filter(province=province).order_by("code")
    return filter_by_scope(towns, user, province_field="province", township_field="pk")


def township_summary(*, user, province) -> PartnerDataset:
    """Per township of the province in the user's scope: plots by status, allocations by state, households
    waiting in the province, open shelters by stage. Household counts under 5 are "<5"; plot counts are
    shown as they are, since each plot's status is published on the map layers anyway."""
    townships = list(_townships(user, province))
    ids = [t.pk for t in townships]
    plots = _counts(Plot.objects.filter(township__in=ids), "township_id", "status")
    allocations = _counts(Allocation.objects.filter(plot__township__in=ids), "plot__township_id", "status")
    open_shelters = open_shelter_projects().filter(plot__township__in=ids)
    shelters = _counts(open_shelters, "plot__township_id", "stage_reached__code")
    active = Allocation.objects.active().filter(household=OuterRef("pk"))
    waiting = (
        Household.objects.filter(province=province, status=Household.Status.ELIGIBLE, prior_beneficiary=False)
        .exclude(Exists(active))
        .count()
    )
    stage_codes = ["not_started", *[code for code, _label in DEFAULT_STAGES], "other"]
    columns = ["province", "township", "township_name"]
    hashtags = ["#adm1+code", "#loc+code", "#loc+name"]
    columns += [f"plots_{s}" for s in Plot.Status.values]
    hashtags += [f"#indicator+plots+{s}+num" for s in Plot.Status.values]
    columns += [f"allocations_{s}" for s in Allocation.Status.values]
    hashtags += [f"#indicator+allocations+{s}+num" for s in Allocation.Status.values]
    columns += ["households_waiting_in_province"]
    hashtags += ["#affected+hh+waiting+num"]
    columns += [f"shelters_{s}" for s in stage_codes]
    hashtags += [f"#indicator+shelters+{s}+num" for s in stage_codes]

    def rows():
        for t in townships:
            by_stage = dict.fromkeys(stage_codes, 0)
            for code, n in shelters.get(t.pk, {}).items():
                key = "not_started" if code is None else code if code in by_stage else "other"
                by_stage[key] += n
            yield [
                province.pcode,
                t.code,
                t.name,
                *[plots.get(t.pk, {}).get(s, 0) for s in Plot.Status.values],
                *[suppressed(allocations.get(t.pk, {}).get(s, 0)) for s in Allocation.Status.values],
                suppressed(waiting),
                *[suppressed(by_stage[s]) for s in stage_codes],
            ]

    return PartnerDataset(
        name="township_summary",
        columns=columns,
        hashtags=hashtags,
        rows=rows(),
        what="townships.Township",
        object_ids=ids,
        count=len(townships),
    )


def _counts(queryset, by: str, of: str) -> dict:
    """{by value: {of value: count}} in one grouped query."""
    result: dict = {}
    for key, value, n in queryset.values_list(by, of).annotate(n=Count("pk")).order_by():
        result.setdefault(key, {})[value] = n
    return result


def household_records(*, user, province, fields: list[str], key: bytes, chunk_size: int = 2000) -> PartnerDataset:
    """One row per household of the province in the user's scope, with only `fields` (catalogue codes, written
    in catalogue order). The code is the household's pseudonym under `key` (the agreement's, landreg/sharing.py),
    never the code printed on its letters, and the rows are in the order of those pseudonyms: in the order of
    registration they would line up with the printed codes. Rows stream from the database in chunks."""
    wanted = [f for f in HOUSEHOLD_FIELDS if f in fields]
    active = Allocation.objects.active().filter(household=OuterRef("pk")).order_by("-pk")
    households = filter_by_scope(Household.objects.filter(province=province), user, province_field="province")
    ids = list(households.values_list("pk", flat=True))
    codes = {pk: pseudonym(key, pk) for pk in ids}
    in_order = sorted(ids, key=codes.__getitem__)
    records = households.annotate(
        allocation_status=Subquery(active.values("status")[:1]),
        township=Subquery(active.values("plot__township__code")[:1]),
        shelter_stage=shelter_stage(through="household"),
    ).values_list(
        "pk",
        "province__pcode",
        "current_district__pcode",
        "category",
        "size",
        "status",
        "allocation_status",
        "township",
        "shelter_stage",
    )

    def rows() -> Iterator[list]:
        for start in range(0, len(in_order), chunk_size):
            chunk = in_order[start : start + chunk_size]
            found = {record[0]: record for record in records.filter(pk__in=chunk)}
            for pk in chunk:
                if pk not in found:  # deleted since the export began
                    continue
                _pk, pcode, district, category, size, status, allocation, town, stage = found[pk]
                values = {
                    "code": codes[pk],
                    "province": pcode,
                    "district": district or "",
                    "category": category,
                    "size": size,
                    "status": status,
                    "allocation_status": allocation or "",
                    "township": town or "",
                    "shelter_stage": stage or "",
                }
                yield [values[f] for f in wanted]

    return PartnerDataset(
        name="household_records",
        columns=wanted,
        hashtags=[HOUSEHOLD_FIELDS[f][1] for f in wanted],
        rows=rows(),
        what="households.Household",
        object_ids=ids,
        count=len(ids),
    )


def _age_band(now):
    """The age band of a grievance's received_at on `now` (the dashboard's bands), as a database expression."""
    whens = [
        When(received_at__gt=now - datetime.timedelta(days=high), then=Value(key))
        for key, _label, _low, high in AGE_BANDS
        if high is not None
    ]
    return Case(*whens, default=Value(AGE_BANDS[-1][0]), output_field=CharField())


def grievance_summary(*, user, province, now=None) -> PartnerDataset:
    """Complaints of the province in the user's scope, counted by township, category, status and age band (since
    received, in the dashboard's bands: grievances.selectors.AGE_BANDS); each
    complaint in exactly one row, so no two rows can be subtracted to single out a few. A sensitive category
    (sexual exploitation and abuse, staff conduct, data protection), and any complaint marked sensitive, is
    counted for the province as a whole, never by township; so are complaints not about a township. Counts
    under 5 are "<5" (landreg/sharing.py); a combination with no complaint has no row."""
    now = now or timezone.now()
    grievances = filter_by_scope(
        Grievance.objects.filter(province=province), user, province_field="province", township_field="township"
    )
    sensitive = Q(category__in=Grievance.SENSITIVE_CATEGORIES) | Q(sensitive=True)
    counts = (
        grievances.annotate(
            area=Case(When(sensitive, then=Value("")), default=F("township__code"), output_field=CharField()),
            band=_age_band(now),
        )
        .values_list("area", "category", "status", "band")
        .annotate(n=Count("pk"))
        .order_by()
    )
    band_order = {key: i for i, (key, _label, _low, _high) in enumerate(AGE_BANDS)}
    category_order = {code: i for i, code in enumerate(Grievance.Category.values)}
    status_order = {code: i for i, code in enumerate(Grievance.Status.values)}
    rows = sorted(
        counts,
        key=lambda r: (r[0] or "", category_order.get(r[1], 99), status_order.get(r[2], 99), band_order[r[3]]),
    )
    ids = list(grievances.values_list("pk", flat=True))
    return PartnerDataset(
        name="grievance_summary",
        columns=["province", "township", "category", "status", "age_band", "grievances"],
        hashtags=[
            "#adm1+code",
            "#loc+code",
            "#event+category+code",
            "#status+code",
            "#date+age+band",
            "#indicator+grievances+num",
        ],
        rows=([province.pcode, area or "", cat, status, band, suppressed(n)] for area, cat, status, band, n in rows),
        what="grievances.Grievance",
        object_ids=ids,
        count=len(rows),
    )


# --- returns and displacement --------------------------------------------------------------------------------------

# The sex and age split of a figure: (column suffix, the view's sex and age band, HXL attributes). DTM's bands: 0-4 and
# 5-17 are children, 18-59 adults, 60 and over elderly.
_BAND_TAGS = {
    AgeBand.CHILD_0_4: ("0_4", "+children+age0_4"),
    AgeBand.CHILD_5_17: ("5_17", "+children+age5_17"),
    AgeBand.ADULT_18_59: ("18_59", "+adults"),
    AgeBand.ELDER_60: ("60_plus", "+elderly"),
}
SEXES = ("f", "m")
SPLIT = [(sex, None, f"_{sex}", f"+{sex}") for sex in SEXES]
SPLIT += [
    (sex, band, f"_{sex}_{suffix}", f"+{sex}{tags}") for sex in SEXES for band, (suffix, tags) in _BAND_TAGS.items()
]
FIGURE_COLUMNS = [
    ("figure", "#meta+figure"),
    ("period", "#meta+period"),
    ("date_reported", "#date+reported"),
    ("province", "#adm1+code"),
    ("district", "#adm2+code"),
    ("crossing_point", "#loc+crossing+code"),
    ("direction", "#meta+direction"),
    ("category", "#group+code"),
    ("source", "#meta+source"),
    ("returnees", "#affected+returnees+ind"),
    *[(f"returnees{suffix}", f"#affected+returnees+ind{tags}") for _sex, _band, suffix, tags in SPLIT],
    ("idps", "#affected+idps+ind"),
]
_EMPTY_SPLIT = [""] * len(SPLIT)


def _small(value) -> bool:
    return value == SUPPRESSED or (isinstance(value, int) and is_small_cell(value))


def _split_cells(by_sex: dict, by_band: dict) -> list:
    """The sex, and sex and age, split of one figure ({sex: people}, {(sex, age band): people}), or blanks when any
    cell of it is a small cell (with the total shown, a small cell could be found by subtracting the others from
    it), and when some of the people have no sex or age band recorded (the split would not add up to the total)."""
    cells = [*by_sex.values(), *by_band.values()]
    unrecorded = any(sex not in SEXES or band not in _BAND_TAGS for sex, band in by_band) or set(by_sex) - set(SEXES)
    if unrecorded or any(_small(n) for n in cells):
        return list(_EMPTY_SPLIT)
    return [by_sex.get(sex, 0) if band is None else by_band.get((sex, band), 0) for sex, band, _s, _t in SPLIT]


def _figure_rows(kind: str, read, keys: tuple, keep, place) -> list[list]:
    """Rows of one kind of figure: one per value of `keys`, with its total and its split. `read(by)` gives the
    figures grouped by `by`, each already suppressed by the one rule (movements.figures, published=True): the
    total, the sexes and the sex and age bands are each read as a figure of their own, never summed from
    suppressed cells. `keep` chooses the rows, `place` writes the columns from the period to the source."""
    totals = [f for f in read(keys) if keep(f)]
    by_sex: dict = {}
    for f in read((*keys, "sex")):
        if keep(f):
            by_sex.setdefault(tuple(f[k] for k in keys), {})[f["sex"]] = f["people"]
    by_band: dict = {}
    for f in read((*keys, "sex", "age_band")):
        if keep(f):
            by_band.setdefault(tuple(f[k] for k in keys), {})[(f["sex"], f["age_band"])] = f["people"]
    rows = []
    for f in sorted(totals, key=lambda f: [str(f[k]) for k in keys]):
        key = tuple(f[k] for k in keys)
        if f["people"] == 0:
            continue
        rows.append([kind, *place(f), f["people"], *_split_cells(by_sex.get(key, {}), by_band.get(key, {})), ""])
    return rows


def movement_figures(*, user, province) -> PartnerDataset:
    """The returns and displacement figures of a province, HXL-tagged as HDX users know them, one row per figure:

    - `arrivals`: people registered at the border, by week and month (from Saturday), crossing point, destination
      district and category, at the province's crossing points or bound for the province (adm1 and adm2 are the
      destination);
    - `flow_counts`: crossings counted by the border monitoring teams at the province's crossing points, by source
      (never added up: they count the same crossings), direction and category (adm2: the crossing point's district);
    - `idp_sites`: the people in the province's open IDP sites by district and kind of site, from each site's
      latest estimate (idps: arrival and returned IDPs; returnees: returnees from abroad living there).

    A figure of 1 to 4 people is "<5" (landreg/sharing.py); a split with a small cell is left blank."""
    codes = dict(AdminArea.objects.filter(level__in=["province", "district"]).values_list("pk", "pcode"))
    points = {p.pk: p for p in CrossingPoint.objects.all()}
    rows: list[list] = []
    for period in PERIODS:
        rows += _figure_rows(
            "arrivals",
            lambda by, period=period: arrival_figures(user, period=period, by=by, published=True),
            (
                "period_start",
                "crossing_point_id",
                "province_id",
                "destination_province_id",
                "destination_district_id",
                "direction",
                "category",
            ),
            lambda f: province.pk in (f["province_id"], f["destination_province_id"]),
            lambda f, period=period: [
                period,
                f["period_start"].isoformat(),
                codes.get(f["destination_province_id"], ""),
                codes.get(f["destination_district_id"], ""),
                points[f["crossing_point_id"]].code,
                f["direction"],
                f["category"],
                "registrations",
            ],
        )
        rows += _figure_rows(
            "flow_counts",
            lambda by, period=period: flow_figures(
                user, period=period, by=by, where={"province_id": province.pk}, published=True
            ),
            ("period_start", "crossing_point_id", "direction", "category", "source"),
            lambda f: True,
            lambda f, period=period: [
                period,
                f["period_start"].isoformat(),
                province.pcode,
                codes.get(points[f["crossing_point_id"]].district_id, ""),
                points[f["crossing_point_id"]].code,
                f["direction"],
                f["category"],
                f["source"],
            ],
        )
    rows += _idp_site_rows(province, codes)
    return PartnerDataset(
        name="movement_figures",
        columns=[name for name, _tag in FIGURE_COLUMNS],
        hashtags=[tag for _name, tag in FIGURE_COLUMNS],
        rows=rows,
        what="movements.figures",
        count=len(rows),
    )


def _idp_site_rows(province, codes: dict) -> list[list]:
    today = timezone.localdate()
    sites = IdpSite.objects.filter(province=province).filter(Q(closed_on__isnull=True) | Q(closed_on__gte=today))
    latest = SitePopulationEstimate.objects.filter(site=OuterRef("pk")).order_by("-assessed_on", "-pk")
    groups = ("assessed_on", "arrival_idps", "returned_idps", "returnees_from_abroad")
    sites = sites.annotate(**{f"e_{g}": Subquery(latest.values(g)[:1]) for g in groups}).filter(
        e_assessed_on__isnull=False
    )
    totals: dict = {}
    for site in sites:
        place = (codes.get(site.district_id, ""), site.kind)
        entry = totals.setdefault(place, {"on": site.e_assessed_on, "idps": 0, "returnees": 0})
        entry["on"] = max(entry["on"], site.e_assessed_on)
        entry["idps"] += site.e_arrival_idps + site.e_returned_idps
        entry["returnees"] += site.e_returnees_from_abroad
    return [
        ["idp_sites", "latest", t["on"].isoformat(), province.pcode, district, "", "", kind, "site_estimates"]
        + [suppressed(t["returnees"]), *_EMPTY_SPLIT, suppressed(t["idps"])]
        for (district, kind), t in sorted(totals.items())
    ]


# --- livelihood referrals ------------------------------------------------------------------------------------------

STEP_STATUSES = [s for s in Referral.Status.values if s != Referral.Status.SUGGESTED]


def livelihood_referrals(*, user, province, agreement: DataSharingAgreement | None) -> PartnerDataset:
    """The referrals to the partner's own opportunities in the province, one row each, as
    livelihoods.selectors.referrals_for_partner gives them (a pseudonymous household code under the provider's
    agreement, sex, age band, status, the step dates; no name, no ID number, no location); the household code only
    when the agreement shares household codes. Not the opportunity's title either: free text, which may name someone
    (the partner knows its opportunities by their number). For partners only: an administrator checks a partner's
    referrals on the officers' pages."""
    if agreement is None:
        raise PermissionDenied(
            _(
                "The referrals file is each partner's own: it lists the referrals to their opportunities. "
                "Officers follow referrals on the livelihoods pages."
            )
        )
    rows = referrals_for_partner(user)
    in_province = set(
        Opportunity.objects.filter(pk__in={r["opportunity"] for r in rows}, province=province).values_list(
            "pk", flat=True
        )
    )
    with_code = "code" in (agreement.household_fields or [])
    columns = [
        ("referral", "#activity+referral+id"),
        ("opportunity", "#activity+id"),
        ("province", "#adm1+code"),
        *([("household", "#beneficiary+code")] if with_code else []),
        ("sex", "#beneficiary+sex"),
        ("age_band", "#beneficiary+age+band"),
        ("status", "#status+referral"),
        *[(f"{status}_on", f"#date+{status}") for status in STEP_STATUSES],
    ]
    chosen = [r for r in rows if r["opportunity"] in in_province]

    def row(r: dict) -> list:
        days = {step["to"]: step["on"] for step in r["steps"]}  # the last date of each step
        return [
            r["referral"],
            r["opportunity"],
            province.pcode,
            *([r["household"]] if with_code else []),
            r["sex"],
            r["age_band"],
            r["status"],
            *[days.get(status, "") for status in STEP_STATUSES],
        ]

    return PartnerDataset(
        name="livelihood_referrals",
        columns=[name for name, _tag in columns],
        hashtags=[tag for _name, tag in columns],
        rows=[row(r) for r in chosen],
        what="livelihoods.Referral",
        object_ids=[r["referral"] for r in chosen],
        count=len(chosen),
    )


# --- reintegration scores ----------------------------------------------------------------------------------------


def reintegration_scores(*, user, province) -> PartnerDataset:
    """The reintegration survey as published: per township of the province and survey round, the households
    surveyed and their mean economic, social, psychosocial and composite scores (0-100, docs/livelihoods.md); on
    the 12-month rows, the share of the households surveyed who still live on their plot. A cell of 1-4 households
    is "<5" with no score or share, whoever exports it (what a partner receives is what an administrator checks).
    No household, person or answer leaves: only these means and counts."""
    scores = reintegration_scores_by_township(user, province=province)
    on_plot = {r["township"]: r for r in still_on_plot_at_12_months(user, province=province)}
    codes = dict(Township.objects.filter(pk__in={r["township"] for r in scores}).values_list("pk", "code"))
    columns = [
        ("province", "#adm1+code"),
        ("township", "#loc+code"),
        ("township_name", "#loc+name"),
        ("round", "#meta+round"),
        ("households", "#population+hh+num"),
        *[(f"score_{f}", f"#indicator+score+{f}") for f in SCORE_FIELDS],
        ("on_plot_share_12_months", "#indicator+on_plot+pct"),
    ]

    def row(r: dict) -> list:
        small = r["households"] == SUPPRESSED or is_small_cell(r["households"])
        share = on_plot.get(r["township"], {}).get("share") if r["round"] == "m12" else None
        held = on_plot.get(r["township"], {}).get("households")
        if share is not None and (held == SUPPRESSED or is_small_cell(held)):
            share = None
        return [
            province.pcode,
            codes.get(r["township"], ""),
            r["township_name"],
            r["round"],
            SUPPRESSED if small else r["households"],
            *["" if small or r[f] is None else r[f] for f in SCORE_FIELDS],
            "" if small or share is None else round(100 * share, 1),
        ]

    return PartnerDataset(
        name="reintegration_scores",
        columns=[name for name, _tag in columns],
        hashtags=[tag for _name, tag in columns],
        rows=[row(r) for r in scores],
        what="livelihoods.SurveyRound (aggregates)",
        count=len(scores),
    )


def partner_dataset(*, user, dataset: str, province, agreement: DataSharingAgreement | None, **options):
    """The dataset as this user may receive it under `agreement` (None: an administrator, every catalogue field,
    and household codes under a key for this export only)."""
    if dataset == "township_summary":
        return township_summary(user=user, province=province)
    if dataset == "household_records":
        fields = agreement.household_fields if agreement is not None else list(HOUSEHOLD_FIELDS)
        key = pseudonym_key_of(agreement)
        return household_records(user=user, province=province, fields=fields, key=key, **options)
    if dataset == "grievance_summary":
        return grievance_summary(user=user, province=province, **options)
    if dataset == "movement_figures":
        return movement_figures(user=user, province=province)
    if dataset == "livelihood_referrals":
        return livelihood_referrals(user=user, province=province, agreement=agreement)
    if dataset == "reintegration_scores":
        return reintegration_scores(user=user, province=province)
    if dataset == "grievance_referrals":
        raise ValidationError(
            _(
                "Grievance referrals are not a file: a partner's hotline refers cases through "
                "/api/v1/grievance-referrals/."
            ),
            code="dataset_not_a_table",
        )
    raise ValidationError(
        _("%(dataset)s is not a table; take it from the township exports instead.") % {"dataset": dataset},
        code="dataset_not_a_table",
    )


def partner_export_log(*, user, data: PartnerDataset, agreement: DataSharingAgreement | None, where: str) -> None:
    """Every partner export is logged, aggregates too, naming the agreement it was made under."""
    under = f"agreement {agreement.reference} (#{agreement.pk})" if agreement else "administrator, no agreement"
    log_personal_data_access(
        user=user, action="export", what=data.what, ids=data.object_ids, where=f"{data.name} {under} {where}"
    )


def province_by_pcode(pcode: str | None) -> AdminArea:
    """The province a partner asked for, or a ValidationError saying how to ask."""
    if not pcode:
        raise ValidationError(_("Say which province, by its p-code: ?province=AF06."), code="province_missing")
    province = AdminArea.objects.filter(level="province", pcode__iexact=pcode.strip()).first()
    if province is None:
        raise ValidationError(
            _("There is no province with the p-code %(pcode)r.") % {"pcode": pcode}, code="province_unknown"
        )
    return province


def export_file_name(dataset: str, province, on: datetime.date | None = None) -> str:
    return f"landreg-{dataset}-{province.pcode}-{(on or timezone.localdate()).isoformat()}.csv"


class _Echo:
    def write(self, value):
        return value


def csv_lines(data: PartnerDataset) -> Iterator[str]:
    """The CSV text line by line: the column names, the HXL hashtag row, then the rows, every cell through
    landreg.tabular (a household code or a township name such as `=HYPERLINK(…)` is text, never a formula)."""
    writer = SafeWriter(_Echo())
    yield writer.writerow(data.columns)
    yield writer.writerow(data.hashtags)
    for row in data.rows:
        yield writer.writerow(row)
