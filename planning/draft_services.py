"""Layout drafts as layout imports: a draft from a land parcel is written as a GeoPackage, checked by the township
layout import's dry run (the same report, the same GeoPackage of problems) and committed by the same
all-or-nothing import, so the database's land rules judge it as any surveyor's file (docs/imports.md).

The import puts plots into blocks the township already has, and a draft brings its own blocks. So the dry run
runs with the draft's blocks created in a savepoint that is rolled back afterwards (the import's record is kept),
and the commit creates the blocks and imports the plots in one transaction: all of it, or nothing. A draft is
known by its source, DRAFT_SOURCE. Who: a GIS specialist or an administrator, with the parcel's province and the
township in their scope (the layout import's own check, `authorize_import`).
"""

import json
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import shapely
from django.conf import settings
from django.contrib.gis.db.models.functions import AsGeoJSON
from django.contrib.gis.gdal import GDALException
from django.contrib.gis.geos import GEOSException, GEOSGeometry, MultiPolygon, Polygon
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from landreg.rules import database_rules_explained
from landreg.scope import filter_by_scope
from landreg.services_common import require_province
from parcels.models import LandParcel
from planning.draft_files import (
    BLOCK_FIELD,
    NUMBER_FIELD,
    USE_FIELD,
    draft_blocks_read,
    draft_geopackage_write,
    draft_preview,
)
from planning.drafting import Draft, DraftError, DraftParameters, draft_layout
from planning.unfit_ground import unfit_ground_found
from townships import layouts
from townships.models import Block, LayoutImport, LayoutSource, Plot, Township
from townships.rules import check_land_rules_now
from townships.selectors import plots_visible_to, townships_visible_to

DRAFT_SOURCE = "Layout draft (landreg)"  # the layout source every draft is checked under: how a draft is known


@dataclass
class DraftCheck:
    draft: Draft
    layout_import: LayoutImport
    figures: dict


def parcels_for_drafting(user):
    """Land parcels of the user's provinces."""
    return filter_by_scope(LandParcel.objects.select_related("province"), user, province_field="province")


def townships_for_draft(*, parcel: LandParcel, user):
    """Townships in the user's scope whose outline meets the parcel, the one covering most of it first."""
    found = list(townships_visible_to(user).filter(geom__intersects=parcel.geom))
    return sorted(found, key=lambda t: -t.geom.intersection(parcel.geom).area)


def is_draft(layout_import: LayoutImport) -> bool:
    return layout_import.source_id is not None and layout_import.source.name == DRAFT_SOURCE


def _draft_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "planning" / "drafts"


def draft_record_path(layout_import: LayoutImport) -> Path:
    """The draft's figures, parameters and preview, kept beside the import (a file: a draft is not a table)."""
    return _draft_dir() / f"{layout_import.pk}.json"


def draft_record(layout_import: LayoutImport) -> dict | None:
    path = draft_record_path(layout_import)
    if not is_draft(layout_import) or not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def township_plots_geojson(township: Township, user) -> list[dict]:
    """The township's plots as stored (number, block, use; nothing about who holds them), in EPSG:4326, for the
    draft's map once it is imported."""
    plots = (
        plots_visible_to(user)
        .filter(township=township)
        .annotate(outline=AsGeoJSON("geom", precision=7))
        .values_list("number", "block__code", "use", "outline")
    )
    return [
        {
            "type": "Feature",
            "geometry": json.loads(outline),
            "properties": {"layer": "plots", "number": number, "block": block or "", "use": use, "stored": 1},
        }
        for number, block, use, outline in plots
    ]


def _shapely_in(geom: GEOSGeometry, srid: int):
    if geom.srid is None:
        raise DraftError({"exclude": _("The unfit ground has no coordinate reference system; give it in EPSG:4326.")})
    return shapely.from_wkb(bytes(geom.transform(srid, clone=True).wkb))


def _outline(parcel: LandParcel | None, outline: GEOSGeometry | None, township: Township) -> GEOSGeometry:
    """The ground to draft: the parcel (or the outline given) within the township."""
    geom = outline if outline is not None else parcel.geom
    if geom.srid is None:
        raise DraftError({"outline": _("The outline has no coordinate reference system; give it in EPSG:4326.")})
    if geom.srid != 4326:
        geom = geom.transform(4326, clone=True)
    inside = geom.intersection(township.geom)
    if inside.empty or inside.area == 0:
        raise DraftError({"township": _("The township %(name)s does not cover this parcel.") % {"name": township.name}})
    return inside


def _laid_out(township: Township, srid: int, road_m: float):
    """The township's blocks and plots (in UTM), with a road's width around them: ground a draft leaves alone, so
    a draft fills what is still free and a road separates it from what is there."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_AsBinary(ST_Buffer(ST_Transform(ST_Union(geom), %s), %s, 'join=mitre')) FROM ("
            "  SELECT geom FROM townships_block WHERE township_id = %s"
            "  UNION ALL SELECT geom FROM townships_plot WHERE township_id = %s) g",
            [srid, road_m, township.pk, township.pk],
        )
        (wkb,) = cursor.fetchone()
    return shapely.from_wkb(bytes(wkb)) if wkb is not None else None


def _next_plot_number(township: Township) -> int:
    numbers = Plot.objects.filter(township=township, number__regex=r"^[0-9]{1,9}$").values_list("number", flat=True)
    return max((int(n) for n in numbers), default=0) + 1


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-")[:60] or "parcel"


def _create_blocks(township: Township, blocks) -> None:
    """Create the draft's blocks in the township in one statement: the database's block rules (valid, inside the
    township, code unique) judge every row, and their refusal comes back as a sentence, as from the townships
    service; the block table's history records them once for the statement."""
    taken = set(
        Block.objects.filter(township=township, code__in=[code for code, _g in blocks]).values_list("code", flat=True)
    )
    if taken:
        raise ValidationError(
            _("Blocks %(codes)s have been added to the township since this draft was made; draft the layout again.")
            % {"codes": ", ".join(sorted(taken))},
            code="draft_blocks_taken",
        )
    with database_rules_explained(), transaction.atomic():
        Block.objects.bulk_create([Block(township=township, code=code, geom=geom) for code, geom in blocks])
        check_land_rules_now()


class _RollBack(Exception):
    def __init__(self, layout_import: LayoutImport | None = None):
        self.layout_import = layout_import


def layout_draft_check(
    *,
    township: Township,
    params: DraftParameters,
    by,
    parcel: LandParcel | None = None,
    outline: GEOSGeometry | None = None,
    exclude: GEOSGeometry | None = None,
    exclude_unfit: bool = False,
) -> DraftCheck:
    """Draft a layout for the parcel (or outline) within the township, and run the layout import's dry run on it.

    exclude: unfit ground given (EPSG:4326). exclude_unfit: also leave out the ground the elevation model and the
    flood hazard map judge unfit (planning/unfit_ground.py); the figures' "unfit" says how much and why, or that no
    raster covers the parcel. Raises PermissionDenied (role, scope), DraftError (parameters or outline: a sentence
    per parameter) or layouts.LayoutError (the import could not read the draft)."""
    layouts.authorize_import(by=by, township=township)
    if parcel is not None:
        require_province(by, parcel.province_id, _("Land parcel %(ref)s") % {"ref": parcel.reference})
    elif outline is None:
        raise DraftError({"outline": _("Give a land parcel or an outline to draft.")})
    township.refresh_from_db(fields=["utm_srid", "geom"])
    srid = township.utm_srid
    drafted = _outline(parcel, outline, township)
    ground = _shapely_in(drafted, srid)
    laid_out = _laid_out(township, srid, params.road_width_m)
    free = ground.difference(laid_out) if laid_out is not None else ground
    if free.is_empty or free.area < 1:
        raise DraftError(
            {"township": _("This parcel is already laid out in the township: there is no free ground to draft.")}
        )
    given = _shapely_in(exclude, srid) if exclude is not None else None
    unfit = None
    if exclude_unfit:
        unfit = _unfit_figures(drafted, srid, free, given)
    elif given is not None:
        unfit = {"geom": None, "given_m2": round(shapely.intersection(given, free).area, 1)}
    if unfit is not None and unfit["geom"] is not None:
        given = unfit["geom"] if given is None else shapely.union(given, unfit["geom"])
    try:
        draft = draft_layout(
            free,
            params,
            srid=srid,
            exclude=given,
            taken_codes=Block.objects.filter(township=township).values_list("code", flat=True),
            first_number=_next_plot_number(township),
        )
    except DraftError as exc:
        if laid_out is not None and ground.area - free.area > 1:  # say why the ground is short
            exc.errors["township"] = _(
                "%(m2)s m² of this parcel are already laid out in the township (blocks and plots, with a road's "
                "width around them) and are left out of the draft."
            ) % {"m2": f"{ground.area - free.area:,.0f}"}
        raise
    name = f"draft-{_safe_name(parcel.reference if parcel else 'outline')}-{_safe_name(township.code)}.gpkg"
    with tempfile.TemporaryDirectory(prefix="landreg-draft-") as folder:  # the import keeps its copy, by hash
        path = draft_geopackage_write(draft, Path(folder) / name)
        blocks = draft_blocks_read(path)
        source, _created = LayoutSource.objects.get_or_create(
            township=township,
            name=DRAFT_SOURCE,
            defaults={
                "number_field": NUMBER_FIELD,
                "block_field": BLOCK_FIELD,
                "use_field": USE_FIELD,
                "updated_by": by,
            },
        )
        mapping = layouts.Mapping(number=NUMBER_FIELD, block=BLOCK_FIELD, use=USE_FIELD)
        # The dry run sees the draft's blocks, created in a savepoint that is rolled back: nothing but the import's
        # record (inserted again below with its id, which names its problem GeoPackage) outlives it.
        try:
            with transaction.atomic():
                _create_blocks(township, blocks)
                checked = layouts.layout_check(
                    township=township, path=path, name=name, by=by, mapping=mapping, source_name=DRAFT_SOURCE
                )
                raise _RollBack(checked)
        except _RollBack as done:
            checked = done.layout_import
    values = {f.attname: getattr(checked, f.attname) for f in LayoutImport._meta.concrete_fields}
    values["source_id"] = source.pk
    layout_import = LayoutImport(**values)
    layout_import.save(force_insert=True)
    figures = draft.figures()
    figures["laid_out_m2"] = round(ground.area - free.area, 1)  # already blocks and plots: left out of the draft
    if unfit is not None:
        unfit.pop("geom")
        unfit["asked"] = exclude_unfit
        figures["unfit"] = unfit
    record = {
        "parcel": parcel.pk if parcel else None,
        "parcel_reference": parcel.reference if parcel else "",
        "township": township.code,
        "params": params.as_dict(),
        "figures": figures,
        "preview": draft_preview(draft),
    }
    draft_record_path(layout_import).parent.mkdir(parents=True, exist_ok=True)
    draft_record_path(layout_import).write_text(json.dumps(record), encoding="utf-8")
    return DraftCheck(draft=draft, layout_import=layout_import, figures=figures)


def _unfit_figures(drafted: GEOSGeometry, srid: int, free, given) -> dict:
    """The unfit ground under the free ground to draft, and how much of it is steep, flood-prone or given (m², in
    UTM): the figures a draft reports; "geom" (shapely, UTM, or None) is what it leaves out. "covered" is False
    when no elevation model or flood hazard map covers the parcel: nothing is judged then."""
    found = unfit_ground_found(drafted, srid=srid)

    def m2(geom):
        return round(shapely.intersection(geom, free).area, 1) if geom is not None else 0.0

    parts = [g for g in (found.steep, found.flooded) if g is not None]
    geom = shapely.intersection(shapely.union_all(parts), free) if parts else None
    if geom is not None and geom.is_empty:
        geom = None
    return {
        "geom": geom,
        "covered": found.covered,
        "steep_m2": m2(found.steep),
        "flood_m2": m2(found.flooded),
        "found_m2": round(geom.area, 1) if geom is not None else 0.0,
        "given_m2": m2(given),
        "slope_max_pct": found.slope_max_pct,
        "hazards": list(found.hazards),
        "dem": found.dem.name if found.dem is not None else None,
        "flood": found.flood.name if found.flood is not None else None,
    }


def layout_draft_commit(*, layout_import: LayoutImport, by, progress=None) -> LayoutImport:
    """Create the draft's blocks and import its plots through the layout import's commit, in one transaction: all
    of it or nothing. When the import refuses, the blocks go too, and the import's record keeps the report."""
    if not is_draft(layout_import):
        raise ValidationError(
            _("This layout import is not a draft; import it from its layout page."), code="not_a_draft"
        )
    layouts.authorize_import(by=by, township=layout_import.township)
    if layout_import.status == LayoutImport.Status.COMMITTED:
        raise ValidationError(_("This draft has already been imported."), code="already_imported")
    path = layouts.stored_path(layout_import)
    if not path.exists():
        raise ValidationError(_("The draft's file is no longer kept; draft the layout again."), code="file_gone")
    blocks = draft_blocks_read(path)
    try:
        with transaction.atomic():
            _create_blocks(layout_import.township, blocks)
            done = layouts.layout_commit(layout_import=layout_import, by=by, progress=progress)
            if done.status != LayoutImport.Status.COMMITTED:
                raise _RollBack(done)
    except _RollBack as refused:  # the report says why; the blocks are rolled back with everything else
        kept = refused.layout_import
        LayoutImport.objects.filter(pk=kept.pk).update(status=kept.status, counts=kept.counts, report=kept.report)
        return kept
    except (ValidationError, PermissionDenied) as exc:
        LayoutImport.objects.filter(pk=layout_import.pk).update(
            status=LayoutImport.Status.FAILED, error=" ".join(getattr(exc, "messages", [str(exc)]))[:2000]
        )
        raise
    return done


def polygon_from_geojson(value, *, name: str) -> GEOSGeometry:
    """A polygon given as GeoJSON (EPSG:4326), for the API's outline and unfit ground; a sentence when it is not."""
    try:
        raw = value if isinstance(value, str) else json.dumps(value)
        geom = GEOSGeometry(raw, srid=4326)
    except (ValueError, TypeError, GEOSException, GDALException) as exc:
        raise DraftError({name: _("This is not a GeoJSON geometry in EPSG:4326.")}) from exc
    if isinstance(geom, Polygon):
        geom = MultiPolygon(geom, srid=4326)
    if not isinstance(geom, MultiPolygon) or geom.empty:
        raise DraftError({name: _("Give a polygon (or a multipolygon), not a %(kind)s.") % {"kind": geom.geom_type}})
    if not geom.valid:
        raise DraftError({name: _("The polygon crosses itself; draw it again.")})
    return geom


def drafts_clean(*, older_than_hours: float | None = None) -> list[Path]:
    """Delete the records of drafts never imported, once older than LANDREG_IMPORT_RETENTION_HOURS, as the layout
    files of their dry runs are (`manage.py clean_imports`); a committed draft's record stays with its import."""
    hours = settings.LANDREG_IMPORT_RETENTION_HOURS if older_than_hours is None else older_than_hours
    folder = _draft_dir()
    if not folder.is_dir():
        return []
    cutoff = time.time() - hours * 3600
    committed = {
        str(pk) for pk in LayoutImport.objects.filter(status=LayoutImport.Status.COMMITTED).values_list("pk", flat=True)
    }
    removed = []
    for path in sorted(folder.glob("*.json")):
        if path.stem not in committed and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed
