"""What partners may receive: the catalogue of shareable datasets, the agreement check (for exports, and for every
page and API a partner opens: `shared_only`), the small-cell rule, and the partner datasets themselves (HXL-tagged
rows), for the API and the export_partner command alike.

DOMAIN (data responsibility): no partner export without a valid data-sharing agreement; pseudonymous codes only;
aggregates with small cells (fewer than 5 households) suppressed; every export logged; names, national ID and
PoR numbers, phone numbers and household GPS points are never in the catalogue, so no agreement can share them.
"""

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Exists, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from landreg import roles
from landreg.access_log import log_personal_data_access
from landreg.models import DataSharingAgreement
from landreg.scope import filter_by_scope
from landreg.tabular import SafeWriter

# Counts of households below this are never given to roles without personal data: shown as "<5" in partner
# files and "fewer than 5" on the dashboard. Zero is shown: it says nothing about anyone.
SMALL_CELL = 5
SUPPRESSED = "<5"


def is_small_cell(n: int) -> bool:
    """Whether a count of households is too small to show to partners (1 to 4)."""
    return 0 < n < SMALL_CELL


def suppressed(n: int) -> int | str:
    """A household count as a partner may see it."""
    return SUPPRESSED if is_small_cell(n) else n


# The datasets an agreement may share. Each is an export a partner can take; nothing else leaves for partners.
DATASETS = {
    "township_summary": gettext_lazy(
        "Township summary: plots by status, allocations by state, households waiting and shelters by stage, "
        "per township, with counts under 5 households suppressed"
    ),
    "household_records": gettext_lazy(
        "Household records: one pseudonymised row per household, only the household fields agreed"
    ),
    "township_layout": gettext_lazy("Township layout files: township, blocks, plots and facilities, no personal data"),
}

# The household fields an agreement may share, with their HXL hashtags, in the order they are written.
# Deliberately absent: names, father's names, tazkira and PoR numbers (or their last digits), phone numbers,
# dates of birth, GPS points of households, vulnerability flags.
HOUSEHOLD_FIELDS = {
    "code": (gettext_lazy("Pseudonymous household code"), "#beneficiary+code"),
    "province": (gettext_lazy("Province (p-code)"), "#adm1+code"),
    "district": (gettext_lazy("Current district (p-code)"), "#adm2+code"),
    "category": (gettext_lazy("Category (returnee, deportee, IDP, host community)"), "#group+code"),
    "size": (gettext_lazy("Household size (people)"), "#population+ind+num"),
    "status": (gettext_lazy("Household status"), "#status+household"),
    "allocation_status": (gettext_lazy("State of the household's allocation"), "#status+allocation"),
    "township": (gettext_lazy("Township of the allocated plot (code)"), "#loc+code"),
    "shelter_stage": (gettext_lazy("Last shelter stage passed"), "#status+shelter"),
}

ASK = gettext_lazy(
    "Ask the landreg administrator at the Ministry of Refugees and Repatriation who records data-sharing agreements."
)


def agreement_catalogue_check(agreement: DataSharingAgreement) -> None:
    """The agreement shares only what the catalogue offers; a ValidationError names what is not in it."""
    errors = {}
    unknown = [d for d in agreement.datasets or [] if d not in DATASETS]
    if not isinstance(agreement.datasets, list) or unknown:
        errors["datasets"] = _("These are not datasets landreg can share: %(names)s. Choose from: %(choices)s.") % {
            "names": ", ".join(map(str, unknown)) or str(agreement.datasets),
            "choices": ", ".join(DATASETS),
        }
    unknown = [f for f in agreement.household_fields or [] if f not in HOUSEHOLD_FIELDS]
    if not isinstance(agreement.household_fields, list) or unknown:
        errors["household_fields"] = _(
            "These are not household fields landreg can share: %(names)s. Choose from: %(choices)s."
        ) % {
            "names": ", ".join(map(str, unknown)) or str(agreement.household_fields),
            "choices": ", ".join(HOUSEHOLD_FIELDS),
        }
    if "household_records" in (agreement.datasets or []) and not agreement.household_fields:
        errors["household_fields"] = _("Household records are shared: choose the household fields that are.")
    if errors:
        raise ValidationError(errors)


def _province_text(province) -> str:
    return f"{province.name_en} ({province.pcode})"


def _references(agreements) -> str:
    return ", ".join(a.reference for a in agreements)


def dataset_check(dataset: str) -> None:
    if dataset not in DATASETS:
        raise ValidationError(
            _("There is no dataset %(name)r; ask for one of %(choices)s.")
            % {"name": dataset, "choices": ", ".join(DATASETS)},
            code="dataset_unknown",
        )


def _current_sharing(user, dataset: str, on: datetime.date) -> list[DataSharingAgreement]:
    """The user's agreements current on `on` that share `dataset`; PermissionDenied with a sentence saying what is
    missing and whom to ask when there is none."""
    dataset_check(dataset)
    agreements = list(DataSharingAgreement.objects.filter(users=user).order_by("-valid_until", "pk"))
    if not agreements:
        raise PermissionDenied(
            _("Your account is not covered by any data-sharing agreement, so no data may be exported to you. %(ask)s")
            % {"ask": ASK}
        )
    current = [a for a in agreements if a.valid_from <= on <= a.valid_until]
    if not current:
        upcoming = [a for a in agreements if a.valid_from > on]
        if upcoming:
            first = min(upcoming, key=lambda a: a.valid_from)
            message = _("Your data-sharing agreement %(ref)s is valid only from %(day)s. %(ask)s")
            raise PermissionDenied(message % {"ref": first.reference, "day": first.valid_from.isoformat(), "ask": ASK})
        last = agreements[0]
        message = _("Your data-sharing agreement %(ref)s ended on %(day)s; it must be renewed first. %(ask)s")
        raise PermissionDenied(message % {"ref": last.reference, "day": last.valid_until.isoformat(), "ask": ASK})
    sharing = [a for a in current if dataset in a.datasets]
    if not sharing:
        raise PermissionDenied(
            _("Your data-sharing agreement %(refs)s does not include %(dataset)s. %(ask)s")
            % {"refs": _references(current), "dataset": DATASETS[dataset], "ask": ASK}
        )
    return sharing


def agreement_for(user, dataset: str, province, on: datetime.date | None = None) -> DataSharingAgreement:
    """The agreement under which `user` may receive `dataset` for `province` on the day `on` (today by default).
    PermissionDenied with a sentence saying what is missing and whom to ask when there is none."""
    sharing = _current_sharing(user, dataset, on or timezone.localdate())
    covering = [a for a in sharing if a.provinces.filter(pk=province.pk).exists()]
    if not covering:
        raise PermissionDenied(
            _("Your data-sharing agreement %(refs)s does not cover %(province)s. %(ask)s")
            % {"refs": _references(sharing), "province": _province_text(province), "ask": ASK}
        )
    return covering[0]


def needs_agreement(user) -> bool:
    """Partners (and only they) export under an agreement; a partner account with another role is that role."""
    other = [r for r in roles.ALL_ROLES if r != roles.PARTNER]
    return roles.has_role(user, roles.PARTNER) and not roles.has_role(user, *other)


def provinces_shared_with(user, dataset: str, on: datetime.date | None = None) -> set[int] | None:
    """The provinces whose `dataset` a partner may take today under a current agreement (the published layers
    through OGC API and WFS follow this for partners); None for every other role, which its own scope governs."""
    if not needs_agreement(user):
        return None
    on = on or timezone.localdate()
    current = DataSharingAgreement.objects.filter(
        users=user, valid_from__lte=on, valid_until__gte=on, datasets__contains=[dataset]
    )
    return set(current.values_list("provinces", flat=True)) - {None}


def partner_provinces(user, dataset: str, on: datetime.date | None = None) -> set[int] | None:
    """The provinces whose `dataset` a partner may see on a page or through the API today: None for every other
    role (its own scope governs). A partner with no current agreement sharing `dataset` for some province is
    refused with the sentence saying what to ask for."""
    if not needs_agreement(user):
        return None
    on = on or timezone.localdate()
    sharing = _current_sharing(user, dataset, on)
    provinces = provinces_shared_with(user, dataset, on)
    if not provinces:
        raise PermissionDenied(
            _("Your data-sharing agreement %(refs)s shares %(dataset)s for no province. %(ask)s")
            % {"refs": _references(sharing), "dataset": DATASETS[dataset], "ask": ASK}
        )
    return provinces


def shared_only(queryset, user, dataset: str, *, province_field: str):
    """The queryset as `user` may see it under their agreements: unchanged for roles other than partner, only
    the provinces shared for a partner (PermissionDenied, with the sentence, when no province is)."""
    provinces = partner_provinces(user, dataset)
    return queryset if provinces is None else queryset.filter(**{f"{province_field}__in": provinces})


def outside_agreement(user, dataset: str) -> PermissionDenied:
    """The refusal of a record a partner asked for outside the provinces shared with them. The same sentence
    for a record that does not exist, so the answer says nothing about other provinces."""
    from parcels.models import AdminArea  # noqa: PLC0415

    provinces = AdminArea.objects.filter(pk__in=partner_provinces(user, dataset) or ()).order_by("name_en")
    return PermissionDenied(
        _(
            "Your data-sharing agreement shares %(dataset)s for %(provinces)s only, and this is not among them. "
            "To see another province, ask for it to be added to your agreement. %(ask)s"
        )
        % {"dataset": DATASETS[dataset], "provinces": ", ".join(_province_text(p) for p in provinces), "ask": ASK}
    )


def counts_suppressed_for(user) -> bool:
    """Whether household counts under 5 are suppressed for this user: for every role that does not work with
    personal data (partners, GIS specialists), on the dashboards and the shelter reports."""
    return not roles.has_role(user, *roles.PERSONAL_DATA_ROLES)


def partner_export_agreement(user, dataset: str, province, on=None) -> DataSharingAgreement | None:
    """The agreement a partner export is made under; None for an administrator (ministry staff checking what a
    partner receives). Every other role is refused: they have their own screens and exports."""
    if roles.has_role(user, roles.ADMINISTRATOR):
        dataset_check(dataset)
        return None
    if not roles.has_role(user, roles.PARTNER):
        raise PermissionDenied(_("Partner exports are for partners and administrators; your role has its own exports."))
    return agreement_for(user, dataset, province, on)


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
    from townships.models import Township  # noqa: PLC0415 - the domain apps import landreg, not the other way

    towns = Township.objects.filter(province=province).order_by("code")
    return filter_by_scope(towns, user, province_field="province", township_field="pk")


def township_summary(*, user, province) -> PartnerDataset:
    """Per township of the province in the user's scope: plots by status, allocations by state, households
    waiting in the province, open shelters by stage. Household counts under 5 are "<5"; plot counts are
    shown as they are, since each plot's status is published on the map layers anyway."""
    from allocations.models import Allocation  # noqa: PLC0415
    from households.models import Household  # noqa: PLC0415
    from shelters.models import DEFAULT_STAGES, ShelterProject  # noqa: PLC0415
    from townships.models import Plot  # noqa: PLC0415

    townships = list(_townships(user, province))
    ids = [t.pk for t in townships]
    plots = _counts(Plot.objects.filter(township__in=ids), "township_id", "status")
    allocations = _counts(Allocation.objects.filter(plot__township__in=ids), "plot__township_id", "status")
    open_shelters = ShelterProject.objects.filter(plot__township__in=ids).exclude(
        status=ShelterProject.Status.CANCELLED
    )
    shelters = _counts(open_shelters, "plot__township_id", "stage_reached__code")
    active = Allocation.objects.filter(household=OuterRef("pk")).exclude(status__in=Allocation.ENDED)
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


def household_records(*, user, province, fields: list[str], chunk_size: int = 2000) -> PartnerDataset:
    """One row per household of the province in the user's scope, with only `fields` (catalogue codes, written
    in catalogue order). Rows stream from the database in chunks."""
    from allocations.models import Allocation  # noqa: PLC0415
    from households.models import Household  # noqa: PLC0415
    from shelters.models import ShelterProject  # noqa: PLC0415

    wanted = [f for f in HOUSEHOLD_FIELDS if f in fields]
    active = Allocation.objects.filter(household=OuterRef("pk")).exclude(status__in=Allocation.ENDED).order_by("-pk")
    shelter = (
        ShelterProject.objects.filter(household=OuterRef("pk"))
        .exclude(status=ShelterProject.Status.CANCELLED)
        .order_by("-pk")
    )
    households = filter_by_scope(Household.objects.filter(province=province), user, province_field="province").order_by(
        "code"
    )
    ids = list(households.values_list("pk", flat=True))
    records = households.annotate(
        allocation_status=Subquery(active.values("status")[:1]),
        township=Subquery(active.values("plot__township__code")[:1]),
        has_shelter=Exists(shelter),
        shelter_stage=Subquery(shelter.values("stage_reached__code")[:1]),
    ).values_list(
        "code",
        "province__pcode",
        "current_district__pcode",
        "category",
        "size",
        "status",
        "allocation_status",
        "township",
        "has_shelter",
        "shelter_stage",
    )

    def rows() -> Iterator[list]:
        for code, pcode, district, category, size, status, allocation, town, has_shelter, stage in records.iterator(
            chunk_size=chunk_size
        ):
            values = {
                "code": code,
                "province": pcode,
                "district": district or "",
                "category": category,
                "size": size,
                "status": status,
                "allocation_status": allocation or "",
                "township": town or "",
                "shelter_stage": (stage or "not_started") if has_shelter else "",
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


def partner_dataset(*, user, dataset: str, province, agreement: DataSharingAgreement | None, **options):
    """The dataset as this user may receive it under `agreement` (None: an administrator, every catalogue field)."""
    if dataset == "township_summary":
        return township_summary(user=user, province=province)
    if dataset == "household_records":
        fields = agreement.household_fields if agreement is not None else list(HOUSEHOLD_FIELDS)
        return household_records(user=user, province=province, fields=fields, **options)
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


def province_by_pcode(pcode: str | None):
    """The province a partner asked for, or a ValidationError saying how to ask."""
    from parcels.models import AdminArea  # noqa: PLC0415

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
