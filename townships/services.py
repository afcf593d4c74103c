"""Writes to townships, blocks, plots and facilities. Each checks the rules first, in one transaction."""

from django.db import transaction

from landreg.rules import database_rules_explained
from townships.models import Block, Facility, Plot, Township


def _save(instance, *, exclude=None):
    instance.full_clean(exclude=exclude)
    with transaction.atomic(), database_rules_explained():
        instance.save()
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
