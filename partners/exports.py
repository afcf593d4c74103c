"""The partner datasets: HXL-tagged CSV of a province as a partner receives it under their data-sharing agreement
(or an administrator checking what a partner would receive), for the API and the export_partner command alike.

Which agreement covers an export, the catalogue of what may be shared and the small-cell rule are landreg's
(landreg/sharing.py, landreg/models.py); this module reads the domain apps to build the rows that follow them.
"""

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
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
from landreg.sharing import pseudonym, pseudonym_key_of, suppressed
from landreg.tabular import SafeWriter
from parcels.models import AdminArea
from shelters.models import DEFAULT_STAGES
from shelters.selectors import open_shelter_projects, shelter_stage
from townships.models import Plot, Township

# The datasets that are a table of one province (a CSV); the township layout is files per township, and the
# grievance referrals are a door of the API, not a file.
TABLES = ("township_summary", "household_records", "grievance_summary")


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
