"""What partners may receive: the agreement check (for exports, and for every page and API a partner opens:
`shared_only`) and the small-cell rule. The catalogue of shareable datasets and household fields is kept beside
the agreement model (landreg/models.py: DATASETS, HOUSEHOLD_FIELDS); the partner datasets themselves (HXL-tagged
rows) are built above the domain apps, in partners/exports.py.

Data responsibility: no partner export without a valid data-sharing agreement; pseudonymous codes only, a
different one under each agreement (`pseudonym`, docs/partners.md);
aggregates with small cells (fewer than 5 households) suppressed; every export logged; names, national ID and
PoR numbers, phone numbers and household GPS points are never in the catalogue, so no agreement can share them.
"""

import base64
import datetime
import hashlib
import hmac
import secrets

from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from landreg import roles
from landreg.models import DATASETS, DataSharingAgreement, PseudonymKey

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


def small_cell_sql(count: str) -> str:
    """Whether a count (an SQL expression) is a small cell, in SQL: is_small_cell's rule."""
    return f"(({count}) > 0 AND ({count}) < {SMALL_CELL})"


def suppressed_sql(count: str) -> str:
    """The same rule in SQL, for the published layers (OGC API, vector tiles), whose counts PostGIS writes: the
    count (an SQL expression, evaluated once), or NULL when it is a small cell. A layer's property has one type, so
    a suppressed cell is absent (null) there, where a partner file writes "<5"."""
    return (
        f"(SELECT CASE WHEN n > 0 AND n < {SMALL_CELL} THEN NULL ELSE n END "
        f"FROM (SELECT ({count})::bigint AS n) AS cell)"
    )


ASK = gettext_lazy(
    "Ask the landreg administrator at the Ministry of Refugees and Repatriation who records data-sharing agreements."
)


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
    # The provinces by their model's name: parcels sits above landreg.
    shared = partner_provinces(user, dataset) or ()
    provinces = apps.get_model("parcels", "AdminArea").objects.filter(pk__in=shared).order_by("name_en")
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


# Pseudonymous household codes: HMAC-SHA256 of the household's id under a key of the agreement, never the code
# printed on letters and deeds. 60 bits in Crockford's base32 (no I, L, O, U), in three groups of four: readable
# over the phone, and for a million households the chance that two share a code is below one in a million.
PSEUDONYM_BYTES = 32
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def pseudonym(key: bytes, household_id: int) -> str:
    """The household's code under one agreement's key, e.g. "7KQ3-M2XD-9FTA"."""
    digest = hmac.new(key, f"household:{household_id}".encode(), hashlib.sha256).digest()
    text = base64.b32encode(digest[:10]).decode().translate(str.maketrans(_BASE32, _CROCKFORD))[:12]
    return f"{text[:4]}-{text[4:8]}-{text[8:]}"


def pseudonym_key_of(agreement: DataSharingAgreement | None) -> bytes:
    """The agreement's pseudonym key, made on its first export (whoever made the agreement: admin, psql).
    None (an administrator checking what a partner receives): a key for this export only, so the codes an
    administrator sees link to no partner's file."""
    if agreement is None:
        return secrets.token_bytes(PSEUDONYM_BYTES)
    # Two first exports at once: one key wins, and both read it back.
    PseudonymKey.objects.bulk_create(
        [PseudonymKey(agreement=agreement, key=secrets.token_bytes(PSEUDONYM_BYTES))], ignore_conflicts=True
    )
    return bytes(PseudonymKey.objects.get(agreement=agreement).key)


def pseudonym_key_rotate(*, agreement: DataSharingAgreement) -> None:
    """Forget the agreement's key: its next export has new codes, which cannot be linked to the earlier files."""
    PseudonymKey.objects.filter(agreement=agreement).delete()


def pseudonym_keys_of_ended_forget(on: datetime.date | None = None) -> list[str]:
    """Forget the keys of agreements that have ended: nobody can recompute the codes a partner was given under
    them. The references of the agreements whose key was forgotten."""
    ended = PseudonymKey.objects.filter(agreement__valid_until__lt=on or timezone.localdate())
    references = sorted(ended.values_list("agreement__reference", flat=True))
    ended.delete()
    return references
