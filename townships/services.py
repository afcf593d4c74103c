"""Writes to townships, blocks, plots and facilities. Each checks the rules first, in one transaction."""

from django.core.exceptions import ValidationError
from django.db import transaction

from landreg.rules import database_rules_explained
from townships.models import Block, Facility, Plot, Township
from townships.rules import check_land_rules_now


def _save(instance, *, exclude=None):
    instance.full_clean(exclude=exclude)
    with database_rules_explained(), transaction.atomic():
        instance.save()
        check_land_rules_now()
    return instance


def township_create(*, code: str, name: str, province, legal_basis: str, geom, **fields) -> Township:
    township = Township(code=code, name=name, province=province, legal_basis=legal_basis, geom=geom, **fields)
    _save(township)
    township.refresh_from_db(fields=["utm_srid"])
    return township


def township_update(*, township: Township, **fields) -> Township:
    for name, value in fields.items():
        setattr(township, name, value)
    _save(township)
    township.refresh_from_db(fields=["utm_srid"])
    return township


def block_create(*, township: Township, code: str, geom) -> Block:
    return _save(Block(township=township, code=code, geom=geom))


def plot_create(
    *,
    township: Township,
    number: str,
    geom,
    block: Block | None = None,
    use: str = Plot.Use.RESIDENTIAL,
    status: str = Plot.Status.PLANNED,
) -> Plot:
    plot = _save(Plot(township=township, block=block, number=number, geom=geom, use=use, status=status))
    plot.refresh_from_db(fields=["area_m2"])  # measured by the database
    return plot


def plot_update(*, plot: Plot, **fields) -> Plot:
    fields.pop("area_m2", None)  # derived, never typed in
    for name, value in fields.items():
        setattr(plot, name, value)
    _save(plot)
    plot.refresh_from_db(fields=["area_m2"])
    return plot


def facility_create(*, township: Township, kind: str, geom, name: str = "", footprint=None) -> Facility:
    return _save(Facility(township=township, kind=kind, geom=geom, name=name, footprint=footprint))


def block_update(*, block: Block, **fields) -> Block:
    for name, value in fields.items():
        setattr(block, name, value)
    return _save(block)


def facility_update(*, facility: Facility, **fields) -> Facility:
    for name, value in fields.items():
        setattr(facility, name, value)
    return _save(facility)


@transaction.atomic
def land_record_delete(*, instance) -> None:
    """Delete a township, block, plot or facility, unless something still depends on it (a plot with an
    allocation, a block with plots…): then say what."""
    from django.db.models import ProtectedError
    from django.utils.translation import gettext as _

    try:
        with database_rules_explained():
            instance.delete()
            check_land_rules_now()
    except ProtectedError as exc:
        blocking = sorted({str(obj._meta.verbose_name_plural) for obj in exc.protected_objects})
        raise ValidationError(
            _("%(what)s cannot be deleted while it has %(blocking)s; cancel or move those first.")
            % {"what": str(instance), "blocking": ", ".join(blocking)},
            code="record_in_use",
        ) from None
