"""The services of a layout import: who may import, the dry run (check) and the commit, all or nothing."""

from collections.abc import Callable
from pathlib import Path

import pghistory
from django.contrib.gis.gdal import GDALException, SpatialReference
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from landreg import roles
from landreg.rules import database_rules_explained
from landreg.scope import filter_by_scope, township_ids_in_scope
from landreg.services_common import require_province, require_role
from townships.layouts.checks import _check
from townships.layouts.limits import LayoutError
from townships.layouts.read import (
    LayoutFile,
    Mapping,
    _gdal_errors_held_back,
    _layer,
    _no_crs_message,
    layout_inspect,
    vector_file_open,
)
from townships.layouts.report import LayoutReport, _write_problem_geopackage
from townships.layouts.store import _file_chunks, _storage, layout_file_store, report_path, stored_path
from townships.layouts.write import plots_write
from townships.models import LayoutImport, LayoutSource, Township
from townships.rules import check_land_rules_now
from townships.selectors import townships_visible_to

IMPORT_ROLES = [roles.GIS_SPECIALIST, roles.ADMINISTRATOR]


def authorize_import(*, by, township: Township) -> None:
    """Refuse (PermissionDenied) unless the user may import layouts into this township: a GIS specialist or an
    administrator, with the township in their scope. Views call it before keeping an uploaded file."""
    require_role(by, IMPORT_ROLES, _("import township layouts"))
    require_province(by, township.province_id, _("Township %(name)s") % {"name": township.name})
    townships = township_ids_in_scope(by)
    if townships is not None and township.pk not in townships:
        raise PermissionDenied(_("Township %(name)s is outside your scope.") % {"name": township.name})


def _source_crs(info: LayoutFile, stated_srid: int | None):
    """(SpatialReference to read the coordinates in, EPSG code or None, whether the user stated it)."""
    if info.crs_name:
        source, _label = vector_file_open(info.path, info.name)
        return _layer(source).srs, info.srid, False
    if not stated_srid:
        raise LayoutError(_no_crs_message(info))
    try:
        return SpatialReference(int(stated_srid)), int(stated_srid), True
    except (GDALException, ValueError, TypeError) as exc:
        raise LayoutError(
            _("EPSG:%(srid)s is not a coordinate reference system GDAL knows. Check the code (UTM 42N is 32642).")
            % {"srid": stated_srid}
        ) from exc


def _mapping_for(township: Township, source_name: str, mapping: Mapping | None) -> Mapping:
    if mapping is not None and mapping.number:
        return mapping
    source = LayoutSource.objects.filter(township=township, name=source_name).first() if source_name else None
    if source is None:
        raise LayoutError(
            _("Say which attribute holds the plot number (and, if the file has them, the block code and the use).")
        )
    return Mapping(source.number_field, source.block_field, source.use_field, dict(source.use_values or {}))


class _Refused(Exception):
    """The commit stops, nothing written; error: the database's refusal (a ValidationError), if it was one."""

    def __init__(self, error: ValidationError | None = None):
        self.error = error


def _every_check(township: Township, info: LayoutFile, mapping: Mapping, srs, progress) -> LayoutReport:
    """The file's report with every check, as the dry run makes it, in a transaction of its own."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('landreg.plots_of_township'), %s)", [township.pk])
        township.refresh_from_db(fields=["utm_srid", "geom"])
        report = _check(cursor, township=township, info=info, mapping=mapping, srs=srs, progress=progress)
        cursor.execute("DROP TABLE pg_temp.layout_feature")
    return report


@_gdal_errors_held_back()
def layout_check(
    *,
    township: Township,
    path: Path,
    name: str,
    by,
    mapping: Mapping | None = None,
    source_name: str = "",
    srid: int | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> LayoutImport:
    """Dry run: read the file, check every feature, and keep the report; no plot is written.

    The mapping (and a CRS stated for a file that declares none) is remembered under source_name, so the next
    file from that source needs neither. Raises LayoutError when the file as a whole cannot be used."""
    authorize_import(by=by, township=township)
    path = Path(path)
    info = layout_inspect(path=path, name=name)
    mapping = _mapping_for(township, source_name, mapping)
    source = None
    if not srid and source_name and not info.crs_name:
        source = LayoutSource.objects.filter(township=township, name=source_name).first()
        srid = source.stated_srid if source else None
    srs, source_srid, stated = _source_crs(info, srid)
    if path.resolve().parent.parent != _storage().resolve():  # keep a copy for the commit, by its hash
        layout_file_store(name=name, chunks=_file_chunks(path))
    with transaction.atomic(), connection.cursor() as cursor:
        report = _check(cursor, township=township, info=info, mapping=mapping, srs=srs, progress=progress)
        if not report.counts["features"]:
            raise LayoutError(
                _("%(name)s holds no plot outlines (polygons or closed polylines) in layer %(layer)s.")
                % {"name": info.name, "layer": info.layer_name}
            )
        layout_import = LayoutImport(
            township=township,
            file_name=Path(name).name[:255],
            sha256=info.sha256,
            size_bytes=info.size_bytes,
            file_format=info.file_format,
            source_srid=source_srid,
            crs_name=(info.crs_name or f"EPSG:{source_srid}")[:200],
            srid_stated=stated,
            mapping={**mapping.as_dict(), "srid": source_srid if stated else None},
            status=(
                LayoutImport.Status.REJECTED
                if report.rejected
                else LayoutImport.Status.NEEDS_CONFIRMATION
                if report.allocated_moves
                else LayoutImport.Status.CHECKED
            ),
            counts=report.counts,
            report=report.as_dict(),
            created_by=by,
        )
        if source_name:
            layout_import.source, _created = LayoutSource.objects.update_or_create(
                township=township,
                name=source_name[:150],
                defaults={
                    "number_field": mapping.number,
                    "block_field": mapping.block,
                    "use_field": mapping.use,
                    "use_values": mapping.use_values or {},
                    "stated_srid": source_srid if stated else (source.stated_srid if source else None),
                    "updated_by": by,
                },
            )
        layout_import.save()
        if report.features:
            _write_problem_geopackage(cursor, township, report_path(layout_import))
        cursor.execute("DROP TABLE pg_temp.layout_feature")
    return layout_import


@_gdal_errors_held_back()
def layout_commit(
    *,
    layout_import: LayoutImport,
    by,
    confirm_allocated_moves: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
) -> LayoutImport:
    """Import a checked file: all plots written in one transaction, or none.

    The file is read and checked again, but for the checks whose rules the database enforces on every plot written
    (inside the township and block, no overlap: checks.DatabaseRuleCheck), which it leaves to the database. When
    anything refuses, the file gets every check, and the report says what to fix, plot by plot, as the dry run
    does; nothing is written. New numbers are added, plots matched by number are updated where the file differs,
    plots the file lacks are kept as they are (listed as missing). A plot with an active allocation is moved only
    when confirm_allocated_moves is given; otherwise nothing is written and those plots are listed."""
    township = layout_import.township
    authorize_import(by=by, township=township)
    if layout_import.status == LayoutImport.Status.COMMITTED:
        raise ValidationError(_("This file has already been imported."), code="already_imported")
    path = stored_path(layout_import)
    if not path.exists():
        raise ValidationError(_("The checked file is no longer kept; upload it again."), code="file_gone")
    info = layout_inspect(path=path, name=layout_import.file_name)
    if info.sha256 != layout_import.sha256:
        raise ValidationError(_("The kept file does not match the one checked; upload it again."), code="file_gone")
    mapping = Mapping(**{k: v for k, v in layout_import.mapping.items() if k != "srid"})
    srs, _srid, _stated = _source_crs(info, layout_import.mapping.get("srid"))
    try:
        with (
            transaction.atomic(),
            pghistory.context(
                user=by.pk,
                layout_import=layout_import.pk,
                layout_file=layout_import.file_name,
                layout_sha256=layout_import.sha256,
            ),
            connection.cursor() as cursor,
        ):
            # Writers of this township's plots take turns (the land-rule triggers take the same lock).
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('landreg.plots_of_township'), %s)", [township.pk])
            township.refresh_from_db(fields=["utm_srid", "geom"])
            report = _check(
                cursor,
                township=township,
                info=info,
                mapping=mapping,
                srs=srs,
                progress=progress,
                trust_the_database=True,
            )
            if report.rejected or (report.allocated_moves and not confirm_allocated_moves):
                raise _Refused()
            # pgtrigger's history triggers look up this setting in an exception block; unset, every row aborts a
            # subtransaction, and PostgreSQL then rescans the whole queue of deferred land-rule events: quadratic
            # (126 s instead of about 15 s for 100,000 plots). Set and empty, nothing is ignored and nothing aborts.
            cursor.execute("SELECT set_config('pgtrigger.ignore', '{}', true)")
            if confirm_allocated_moves:  # the database lets allocated plots move in this transaction only
                cursor.execute("SELECT set_config('landreg.confirm_allocated_moves', 'on', true)")
            try:
                with database_rules_explained():
                    plots_write(cursor, township_id=township.pk, progress=progress)
                    check_land_rules_now()  # the database's own land rules, for every plot written
            except ValidationError as refusal:  # a land rule refused a plot: the checks will say which and why
                raise _Refused(refusal) from refusal
            if progress:
                progress("written", 3, 3)
            cursor.execute("DROP TABLE pg_temp.layout_feature")
            layout_import.status = LayoutImport.Status.COMMITTED
            layout_import.counts, layout_import.report = report.counts, report.as_dict()
            layout_import.confirmed_allocated_moves = bool(report.allocated_moves and confirm_allocated_moves)
            layout_import.committed_by, layout_import.committed_at = by, timezone.now()
            layout_import.error = ""
            layout_import.save()
    except _Refused as refused:
        report = _every_check(township, info, mapping, srs, progress)
        if report.rejected or (report.allocated_moves and not confirm_allocated_moves):
            layout_import.status = (
                LayoutImport.Status.REJECTED if report.rejected else LayoutImport.Status.NEEDS_CONFIRMATION
            )
            layout_import.counts, layout_import.report = report.counts, report.as_dict()
            layout_import.save(update_fields=["status", "counts", "report"])
            return layout_import
        # A rule no check words (or a plot that another writer has since moved out of the way): its sentence.
        error = refused.error or ValidationError(_("The import was refused; check the file again."))
        layout_import.status = LayoutImport.Status.FAILED
        layout_import.error = " ".join(error.messages)
        layout_import.save(update_fields=["status", "error"])
        raise error from refused
    except DatabaseError as exc:  # not a land rule (those come as ValidationError): say so, never a 500
        layout_import.status = LayoutImport.Status.FAILED
        layout_import.error = str(exc).strip().splitlines()[0][:500]
        layout_import.save(update_fields=["status", "error"])
        raise ValidationError(
            _("The database refused the import, and nothing was written: %(e)s") % {"e": layout_import.error},
            code="import_failed",
        ) from exc
    except ValidationError as exc:
        layout_import.status = LayoutImport.Status.FAILED
        layout_import.error = " ".join(exc.messages)
        layout_import.save(update_fields=["status", "error"])
        raise
    return layout_import


def layout_imports_visible_to(user):
    """Layout imports of the townships in the user's scope."""
    return filter_by_scope(
        LayoutImport.objects.select_related("township", "source", "created_by"),
        user,
        province_field="township__province",
        township_field="township",
    )


def townships_for_import(user):
    return townships_visible_to(user)
