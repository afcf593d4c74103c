"""What a partner may download, agreement by agreement, for the "Data for partners" page: the tables of
partners/exports.py per province, the township layout files and the published map layers (partners/published.py),
under each current agreement; ended and
upcoming agreements are listed without downloads. The checks at download time are landreg/sharing.py's."""

import datetime
from dataclasses import dataclass, field

from django.utils import timezone

from landreg.models import DATASETS, HOUSEHOLD_FIELDS, DataSharingAgreement
from landreg.scope import province_ids_in_scope
from parcels.models import AdminArea
from partners.exports import TABLES
from partners.published import LAYERS_BY_DATASET
from partners.referrals import REFERRALS  # not a download: the hotline's door in the API, said on the page
from townships.exports import townships_exportable_by
from townships.models import Township

LAYOUTS = "township_layout"
ENDING_SOON_DAYS = 30  # an agreement ending within this many days says so, so renewal is asked for in time


@dataclass
class Downloads:
    """One agreement of the partner, with what may be downloaded under it today."""

    agreement: DataSharingAgreement
    state: str  # "current", "upcoming" or "ended"
    days_left: int | None
    provinces: list[AdminArea]
    datasets: list[tuple[str, str]]  # (code, description) as the catalogue words them
    household_fields: list[str]  # the descriptions of the household fields shared
    tables: list[tuple[str, str, AdminArea]] = field(default_factory=list)  # (dataset, description, province)
    refers: bool = False  # the agreement lets the partner's hotline refer complaints in its provinces
    townships: list[Township] = field(default_factory=list)  # for the layout files
    layers: list[tuple[str, str]] = field(default_factory=list)  # (layer, description): OGC API and vector tiles

    @property
    def ending_soon(self) -> bool:
        return self.state == "current" and self.days_left is not None and self.days_left <= ENDING_SOON_DAYS


def _state(agreement: DataSharingAgreement, on: datetime.date) -> str:
    if agreement.valid_from > on:
        return "upcoming"
    return "ended" if agreement.valid_until < on else "current"


def partner_downloads(user, on: datetime.date | None = None) -> list[Downloads]:
    """The user's agreements, current ones first (the one ending last first), then upcoming, then ended; each
    with the province tables and the township files it allows today, within the user's own scope too."""
    on = on or timezone.localdate()
    in_scope = province_ids_in_scope(user)
    result = []
    agreements = DataSharingAgreement.objects.filter(users=user).prefetch_related("provinces")
    for agreement in agreements.order_by("-valid_until", "reference"):
        state = _state(agreement, on)
        provinces = sorted(
            (p for p in agreement.provinces.all() if in_scope is None or p.pk in in_scope), key=lambda p: p.name_en
        )
        entry = Downloads(
            agreement=agreement,
            state=state,
            days_left=(agreement.valid_until - on).days if state == "current" else None,
            provinces=provinces,
            datasets=[(code, DATASETS[code]) for code in DATASETS if code in agreement.datasets],
            household_fields=[
                str(HOUSEHOLD_FIELDS[f][0])
                for f in HOUSEHOLD_FIELDS
                if "household_records" in agreement.datasets and f in agreement.household_fields
            ],
        )
        if state == "current":
            entry.refers = REFERRALS in agreement.datasets and bool(provinces)
            entry.layers = [
                layer
                for code, layers in LAYERS_BY_DATASET.items()
                if code in agreement.datasets and provinces
                for layer in layers
            ]
            entry.tables = [
                (code, DATASETS[code], province)
                for province in provinces
                for code in TABLES
                if code in agreement.datasets
            ]
            if LAYOUTS in agreement.datasets:
                entry.townships = list(
                    townships_exportable_by(user)
                    .filter(province__in=provinces)
                    .select_related("province")
                    .order_by("province__name_en", "name")
                )
        result.append(entry)
    order = {"current": 0, "upcoming": 1, "ended": 2}
    return sorted(result, key=lambda d: order[d.state])  # stable: within a state, the one ending last first
