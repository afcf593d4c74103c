"""Township layouts from survey and GIS files: read, check (dry run) and import plots, all or nothing.

A file (GeoPackage, zipped Shapefile, GeoJSON, KML or DXF) is read with GDAL through Django's bindings, opened
with an explicit list of drivers, in whatever CRS it declares (or the one the user states when it declares
none), and transformed to EPSG:4326. Its features are copied into a temporary table, and every check runs there
as set-based SQL in PostGIS, measured in the township's UTM zone, so a 100,000-plot layout is checked in
seconds: validity (self-intersection), inside the township and the block, overlap with another feature or an
existing plot (with the overlap in m²), duplicate numbers, slivers below LANDREG_LAYOUT_MIN_PLOT_M2.

The dry run writes no plot; it keeps the file (by SHA-256), a LayoutImport with the report, and a GeoPackage of
the problems for QGIS. The commit re-reads the kept file and re-runs every check inside one transaction, then
inserts new plots and updates those matched by number; the database's own land rules are asked at once before
the transaction ends. A plot that holds an active allocation is moved only with explicit confirmation.
"""

import csv
import hashlib
import io
import json
import logging
import shutil
import subprocess
import tempfile
import threading
import zipfile
from collections.abc import Callable
from contextlib import contextmanager
from ctypes import c_char_p
from dataclasses import dataclass
from pathlib import Path

import pghistory
from django.apps import apps
from django.conf import settings
from django.contrib.gis.gdal import CoordTransform, DataSource, GDALException, OGRGeometry, SpatialReference
from django.contrib.gis.gdal.driver import Driver
from django.contrib.gis.gdal.prototypes import ds as gdal_ds
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from landreg import roles
from landreg.rules import database_rules_explained
from landreg.scope import township_ids_in_scope
from landreg.services_common import require_province, require_role
from townships.models import Block, LayoutImport, LayoutSource, Plot, Township
from townships.rules import check_land_rules_now
from townships.selectors import townships_visible_to

OGR2OGR = shutil.which("ogr2ogr") or "/usr/bin/ogr2ogr"
IMPORT_ROLES = [roles.GIS_SPECIALIST, roles.ADMINISTRATOR]

# File name ending -> (format shown to people, GDAL drivers allowed to open it). GDAL never guesses.
FORMATS = {
    ".gpkg": ("GeoPackage", ["GPKG"]),
    ".zip": ("Shapefile (zip)", ["ESRI Shapefile"]),
    ".geojson": ("GeoJSON", ["GeoJSON"]),
    ".json": ("GeoJSON", ["GeoJSON"]),
    ".kml": ("KML", ["LIBKML", "KML"]),
    ".dxf": ("DXF", ["DXF"]),
}
ACCEPT = ",".join(FORMATS)

# CRSs offered when a file declares none; any EPSG code is accepted.
COMMON_SRIDS = [
    (32641, gettext_lazy("WGS 84 / UTM 41N (west of 66°E)")),
    (32642, gettext_lazy("WGS 84 / UTM 42N (66°E to 72°E)")),
    (32643, gettext_lazy("WGS 84 / UTM 43N (east of 72°E)")),
    (4255, gettext_lazy("Herat North (legacy surveys)")),
    (4326, gettext_lazy("WGS 84 (longitude, latitude)")),
]

CHUNK = 5000  # rows per COPY into the temporary table
ZIP_MAX_MEMBERS = 50
ZIP_MAX_RATIO = 100  # a shapefile compresses about 3:1; a zip bomb by thousands


def max_upload_bytes() -> int:
    return getattr(settings, "LANDREG_MAX_UPLOAD_BYTES", 200 * 1024 * 1024)


def max_unzipped_bytes() -> int:
    return getattr(settings, "LANDREG_LAYOUT_MAX_UNZIPPED_BYTES", 5 * max_upload_bytes())


def max_features() -> int:
    return getattr(settings, "LANDREG_LAYOUT_MAX_FEATURES", 500_000)


def min_plot_m2() -> float:
    """Plots smaller than this (m²) are slivers left by digitising, not plots."""
    return float(getattr(settings, "LANDREG_LAYOUT_MIN_PLOT_M2", 20))


def close_gap_m() -> float:
    """A polyline whose ends are at most this far apart (m) is closed as a repair; farther, it is rejected."""
    return float(getattr(settings, "LANDREG_LAYOUT_CLOSE_GAP_M", 0.5))


class LayoutError(Exception):
    """The file as a whole cannot be used; the message says what to fix."""


def _mb(n: int) -> int:
    return max(1, n // 1_000_000)


def too_large_message(size: int) -> str:
    return _("The file is %(size)d MB, over the %(mb)d MB limit. Split the layout into several files.") % {
        "size": _mb(size),
        "mb": _mb(max_upload_bytes()),
    }


logger = logging.getLogger(__name__)


class _GdalErrorsHeldBack(logging.Filter):
    """Holds back the lines GDAL's error handler logs (django.contrib.gis: `GDAL_ERROR 1: b'database disk image is
    malformed'`) in this thread while it reads an uploaded file: the person gets our sentence instead, and the raw
    line goes to this module's log at DEBUG. Other threads' GDAL errors pass as before."""

    def __init__(self):
        super().__init__()
        self.thread, self.held = threading.get_ident(), []

    def filter(self, record: logging.LogRecord) -> bool:
        if record.thread != self.thread or not str(record.msg).startswith("GDAL_ERROR"):
            return True
        self.held.append(record.getMessage())
        return False


@contextmanager
def _gdal_errors_held_back():
    gis = logging.getLogger("django.contrib.gis")
    held = _GdalErrorsHeldBack()
    gis.addFilter(held)
    try:
        yield
    finally:
        gis.removeFilter(held)
        for line in held.held:
            logger.debug("While reading a layout file: %s", line)


# --- problems and repairs: stored as codes with parameters, turned into sentences when shown ------------------

PROBLEMS = {
    "self_intersection": gettext_lazy(
        "The outline crosses itself near %(place)s. Redraw it so that no edge crosses another."
    ),
    "invalid_geometry": gettext_lazy("The outline is not a valid polygon (%(reason)s). Redraw it."),
    "outside_township": gettext_lazy("%(area)s m² of the plot lies outside the township boundary. Move or reshape it."),
    "overlap": gettext_lazy("The plot overlaps %(other)s by %(area)s m². Reshape one of them."),
    "duplicate_number": gettext_lazy(
        "Plot number %(number)s is used by %(count)s features of this file (features %(fids)s). Number each plot once."
    ),
    "sliver": gettext_lazy(
        "The plot is only %(area)s m², smaller than the %(min)s m² minimum: a sliver left by digitising. "
        "Delete it or merge it into its neighbour."
    ),
    "no_number": gettext_lazy("The feature has no plot number (attribute “%(field)s” is empty)."),
    "several_labels": gettext_lazy("Several number labels (%(labels)s) lie inside this outline; keep one."),
    "number_too_long": gettext_lazy("Plot number “%(number)s” is longer than %(max)s characters."),
    "unknown_block": gettext_lazy(
        "Block “%(block)s” does not exist in this township. Create the block first, or correct the code."
    ),
    "outside_block": gettext_lazy("%(area)s m² of the plot lies outside block %(block)s. Move or reshape it."),
    "unknown_use": gettext_lazy("Use “%(use)s” is not one of %(allowed)s. Correct it or map it on the import page."),
    "not_a_polygon": gettext_lazy("A %(type)s is not a plot outline: a plot must be a polygon or a closed polyline."),
    "multipart": gettext_lazy("The feature has %(parts)s separate parts; a plot is one polygon. Split it."),
    "open_outline": gettext_lazy("The polyline is not closed: its ends are %(gap)s m apart. Close it in the drawing."),
    "too_few_points": gettext_lazy("The outline has fewer than three corners."),
}
REPAIRS = {
    "ring_closed": gettext_lazy("Ring closed (its last corner was not its first)."),
    "polyline_closed": gettext_lazy("Polyline closed (its ends were %(gap)s m apart)."),
    "duplicate_vertex_removed": gettext_lazy("%(count)s repeated corner(s) removed."),
    "single_part": gettext_lazy("Multi-polygon with one part read as a polygon."),
}
# Short names of the reasons, for the report's summary.
REASON_LABELS = {
    "self_intersection": gettext_lazy("self-intersection"),
    "invalid_geometry": gettext_lazy("invalid outline"),
    "outside_township": gettext_lazy("outside the township"),
    "overlap": gettext_lazy("overlap"),
    "duplicate_number": gettext_lazy("duplicate number"),
    "sliver": gettext_lazy("sliver"),
    "no_number": gettext_lazy("no number"),
    "several_labels": gettext_lazy("several number labels"),
    "number_too_long": gettext_lazy("number too long"),
    "unknown_block": gettext_lazy("unknown block"),
    "outside_block": gettext_lazy("outside its block"),
    "unknown_use": gettext_lazy("unknown use"),
    "not_a_polygon": gettext_lazy("not a polygon"),
    "multipart": gettext_lazy("several parts"),
    "open_outline": gettext_lazy("open polyline"),
    "too_few_points": gettext_lazy("too few corners"),
}


def describe(kind: dict, entry: dict) -> str:
    table = PROBLEMS if kind is PROBLEMS else REPAIRS
    template = table.get(entry["code"])
    if template is None:
        return entry["code"]
    try:
        return str(template) % entry.get("params", {})
    except (KeyError, TypeError, ValueError):
        return str(template)


def problem_text(entry: dict) -> str:
    return describe(PROBLEMS, entry)


def repair_text(entry: dict) -> str:
    return describe(REPAIRS, entry)


# --- reading the file -----------------------------------------------------------------------------------------


@dataclass
class LayoutFile:
    path: Path
    name: str
    file_format: str
    layer_name: str
    fields: list[str]
    srid: int | None  # EPSG code the file declares, when GDAL can name one
    crs_name: str  # "" when the file declares no CRS
    feature_count: int
    sha256: str
    size_bytes: int


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _format(name: str) -> tuple[str, list[str], str]:
    suffix = Path(name).suffix.lower()
    if suffix not in FORMATS:
        raise LayoutError(
            _(
                "“%(name)s” is not a layout file this import reads. Send a GeoPackage (.gpkg), a zipped Shapefile "
                "(.zip), GeoJSON (.geojson), KML (.kml) or DXF (.dxf)."
            )
            % {"name": name}
        )
    label, drivers = FORMATS[suffix]
    return label, drivers, suffix


def _shapefile_in_zip(path: Path) -> str:
    """The path GDAL reads a zipped Shapefile by, after refusing a zip bomb or an archive of something else."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise LayoutError(
            _("The zip archive is damaged or incomplete (%(e)s). Zip the Shapefile again.") % {"e": exc}
        ) from exc
    if len(members) > ZIP_MAX_MEMBERS:
        raise LayoutError(
            _(
                "The zip holds %(n)d files; a zipped Shapefile holds a handful. Zip only the "
                "layout's .shp, .shx, .dbf and .prj."
            )
            % {"n": len(members)}
        )
    unzipped = sum(m.file_size for m in members)
    packed = max(1, sum(m.compress_size for m in members))
    if unzipped > max_unzipped_bytes() or unzipped / packed > ZIP_MAX_RATIO:
        raise LayoutError(
            _("The zip unpacks to %(mb)d MB, which is not a plausible layout; it is refused unread.")
            % {"mb": _mb(unzipped)}
        )
    shapes = [m.filename for m in members if m.filename.lower().endswith(".shp") and ".." not in m.filename]
    if len(shapes) != 1:
        raise LayoutError(
            _("The zip must hold exactly one Shapefile (.shp with its .shx, .dbf and .prj); it holds %(n)d.")
            % {"n": len(shapes)}
        )
    return f"/vsizip/{path}/{shapes[0]}"


def _open(path: Path, name: str) -> tuple[DataSource, str]:
    label, drivers, suffix = _format(name)
    gdal_path = _shapefile_in_zip(path) if suffix == ".zip" else str(path)
    allowed = (c_char_p * (len(drivers) + 1))(*[d.encode() for d in drivers], None)
    Driver.ensure_registered()
    try:
        pointer = gdal_ds.open_ds(gdal_path.encode(), 0x04, allowed, None, None)  # GDAL_OF_VECTOR, read-only
        return DataSource(pointer, ds_driver=gdal_ds.get_dataset_driver(pointer)), label
    except GDALException as exc:
        raise LayoutError(
            _(
                "The file could not be read as %(format)s: it is damaged, truncated, or not that format. Export it "
                "again from QGIS or the survey software."
            )
            % {"format": label}
        ) from exc


def _layer(source: DataSource):
    """The layer that holds the outlines: the first with polygons or lines (DXF has one, 'entities')."""
    try:
        layers = list(source)
    except GDALException as exc:
        raise LayoutError(_("The file's layers could not be read; it is damaged or truncated.")) from exc
    if not layers:
        raise LayoutError(_("The file holds no layer."))
    for layer in layers:
        kind = str(layer.geom_type).lower()
        if "polygon" in kind or "line" in kind:
            return layer
    return layers[0]


def _layers(source: DataSource, label: str) -> list:
    """The layers read: the outline layer, or for KML every folder that holds placemarks (a Google Earth
    layout often keeps each block in a folder of its own)."""
    if label != "KML":
        return [_layer(source)]
    try:
        layers = [layer for layer in source if len(layer)]
    except GDALException as exc:
        raise LayoutError(_("The file's layers could not be read; it is damaged or truncated.")) from exc
    return layers or [_layer(source)]


@_gdal_errors_held_back()
def layout_inspect(*, path: Path, name: str) -> LayoutFile:
    """What the file holds: its format, attributes and declared CRS; refuses an oversized or unreadable file."""
    path = Path(path)
    size = path.stat().st_size
    if size > max_upload_bytes():
        raise LayoutError(too_large_message(size))
    source, label = _open(path, name)
    layers = _layers(source, label)
    layer = layers[0]
    try:
        srs = layer.srs
        count = sum(len(each) for each in layers)
        fields = list(dict.fromkeys(f for each in layers for f in each.fields if f != "OGR_STYLE"))
    except GDALException as exc:
        raise LayoutError(_("The file's layer could not be read; it is damaged or truncated.")) from exc
    srid, crs_name = None, ""
    if srs is not None:
        crs_name = srs.name or "custom"
        try:
            srs.identify_epsg()
        except GDALException:
            pass
        srid = srs.srid
    if count > max_features():
        raise LayoutError(
            _("The file holds %(n)d features; the limit is %(max)d. Split the layout.")
            % {"n": count, "max": max_features()}
        )
    layer_names = ", ".join(each.name for each in layers)
    return LayoutFile(path, name, label, layer_names, fields, srid, crs_name, count, _sha256(path), size)


def _no_crs_message(info: LayoutFile) -> str:
    return _(
        "%(name)s declares no coordinate reference system, so its coordinates cannot be placed on the map. "
        "State the CRS the surveyor used (for example EPSG:32642 for UTM zone 42N, 32641 for 41N, 32643 for 43N, "
        "4255 for Herat North): choose it on the import page, give --srid to the command, or send srid with the "
        "API. Better still, set the CRS in QGIS and export the file again."
    ) % {"name": info.name}


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


@dataclass
class Mapping:
    number: str
    block: str = ""
    use: str = ""
    use_values: dict | None = None

    def as_dict(self) -> dict:
        return {"number": self.number, "block": self.block, "use": self.use, "use_values": self.use_values or {}}


def _use(raw: str, mapping: Mapping) -> str | None:
    if not raw:
        return Plot.Use.RESIDENTIAL
    own = {str(k).strip().lower(): v for k, v in (mapping.use_values or {}).items()}
    text = raw.strip().lower()
    if text in own and own[text] in Plot.Use.values:
        return own[text]
    for value, label in Plot.Use.choices:
        if text in (value, str(label).lower()):
            return value
    return None


def _features(info: LayoutFile, mapping: Mapping, srs: SpatialReference, blocks: dict, progress):
    """Rows for the temporary table, in EPSG:4326: (fid, kind, number, block code, block id, use_raw, use, ewkb
    hex, problems, repairs). Points that carry a number are labels (a DXF's TEXT), matched to the outline they
    lie in. blocks: the township's block codes and ids."""
    source, label = _open(info.path, info.name)
    layers = _layers(source, label)
    fields = {f for layer in layers for f in layer.fields}
    for wanted in (mapping.number, mapping.block, mapping.use):
        if wanted and wanted not in fields:
            raise LayoutError(
                _("The file has no attribute “%(f)s”. Its attributes are: %(all)s.")
                % {"f": wanted, "all": ", ".join(sorted(fields))}
            )
    wgs84 = SpatialReference(4326)
    transform = None if srs.srid == 4326 else CoordTransform(srs, wgs84)
    def get(feature, own_fields, field):
        return _text(feature.get(field)) if field and field in own_fields else ""

    try:
        n = 0
        for own, feature in ((each.fields, feature) for each in layers for feature in each):
            n += 1
            problems, repairs = [], []
            number = get(feature, own, mapping.number)
            block = get(feature, own, mapping.block)
            use_raw = get(feature, own, mapping.use)
            use = _use(use_raw, mapping)
            if use is None:
                problems.append(
                    {"code": "unknown_use", "params": {"use": use_raw, "allowed": ", ".join(Plot.Use.values)}}
                )
            geom = feature.geom
            kind, wkb = "other", None
            if geom is not None:
                if geom.is_3d:  # KML and many survey files carry heights; a plot is flat
                    geom.set_3d(False)
                name = geom.geom_name.upper()
                if name == "MULTIPOLYGON" and len(geom) == 1:
                    geom = OGRGeometry(geom[0].wkb)
                    name = "POLYGON"
                    repairs.append({"code": "single_part"})
                if name == "POLYGON":
                    kind = "polygon"
                    before = bytes(geom.wkb)
                    geom.close_rings()
                    if bytes(geom.wkb) != before:
                        repairs.append({"code": "ring_closed"})
                elif name == "LINESTRING" or name == "LINEARRING":
                    kind = "line"
                elif name == "POINT":
                    kind = "label"
                else:
                    problems.append(
                        {
                            "code": "multipart" if name.startswith("MULTI") else "not_a_polygon",
                            "params": {"type": geom.geom_name, "parts": len(geom) if name.startswith("MULTI") else 1},
                        }
                    )
                if transform is not None:
                    geom.transform(transform)
                wkb = bytes(geom.wkb).hex()
            else:
                problems.append({"code": "not_a_polygon", "params": {"type": _("feature without geometry")}})
            fid = feature.fid if len(layers) == 1 else n  # across KML folders, the placemark's place in the file
            yield (fid, kind, number, block, blocks.get(block), use_raw, use or "", wkb, problems, repairs)
            if progress and n % 1000 == 0:
                progress("read", n, info.feature_count)
    except GDALException as exc:
        raise LayoutError(
            _("The file broke off while being read (it is truncated or damaged). Export it again.")
        ) from exc


# --- the checks, as set-based SQL on a temporary table ------------------------------------------------------

CREATE_STAGE = """
CREATE TEMP TABLE layout_feature (
  fid bigint, kind text, number text, block_code text, use_raw text, use text, geom geometry,
  problems jsonb NOT NULL DEFAULT '[]', repairs jsonb NOT NULL DEFAULT '[]',
  block_id bigint, plot_id bigint, action text, changes text[] NOT NULL DEFAULT '{}', allocated boolean
) ON COMMIT DROP
"""

# Each statement adds problems or repairs; %(t)s is the township, %(srid)s its UTM zone. Containment is asked
# as ST_Covers(container, plot): PostGIS prepares the container once, which ST_CoveredBy(plot, container) does
# not (0.3 s against 4.7 s for 100,000 plots in a 1,300-vertex township).
CHECKS = [
    # Lines (DXF polylines) become polygons when closed, or nearly closed (a repair).
    """
    UPDATE layout_feature SET
      problems = problems || CASE WHEN ST_NPoints(geom) < 3 THEN '[{"code": "too_few_points"}]'::jsonb
        WHEN gap > %(gap)s THEN jsonb_build_array(jsonb_build_object('code', 'open_outline',
                                 'params', jsonb_build_object('gap', round(gap::numeric, 2))))
        ELSE '[]'::jsonb END,
      repairs = repairs || CASE WHEN gap > 0 AND gap <= %(gap)s AND ST_NPoints(geom) >= 3 THEN
        jsonb_build_array(jsonb_build_object('code', 'polyline_closed',
                          'params', jsonb_build_object('gap', round(gap::numeric, 3)))) ELSE '[]'::jsonb END,
      geom = CASE WHEN ST_NPoints(geom) >= 3 AND gap <= %(gap)s THEN
               ST_MakePolygon(CASE WHEN ST_IsClosed(geom) THEN geom ELSE ST_AddPoint(geom, ST_StartPoint(geom)) END)
             ELSE geom END,
      kind = CASE WHEN ST_NPoints(geom) >= 3 AND gap <= %(gap)s THEN 'polygon' ELSE 'line' END
    FROM (SELECT fid AS gfid, ST_Distance(ST_Transform(ST_StartPoint(geom), %(srid)s),
                                          ST_Transform(ST_EndPoint(geom), %(srid)s)) AS gap
            FROM layout_feature WHERE kind = 'line') g
    WHERE kind = 'line' AND fid = gfid
    """,
    # Repeated corners are removed (a repair); fewer than four points left is not a polygon.
    """
    UPDATE layout_feature SET
      repairs = repairs || jsonb_build_array(jsonb_build_object('code', 'duplicate_vertex_removed',
                 'params', jsonb_build_object('count', ST_NPoints(geom) - ST_NPoints(ST_RemoveRepeatedPoints(geom))))),
      geom = ST_RemoveRepeatedPoints(geom)
    WHERE kind = 'polygon' AND ST_NPoints(ST_RemoveRepeatedPoints(geom)) < ST_NPoints(geom)
    """,
    """
    UPDATE layout_feature SET problems = problems || CASE
        WHEN d.reason ILIKE '%%self-intersection%%' THEN jsonb_build_array(jsonb_build_object(
          'code', 'self_intersection', 'params', jsonb_build_object('place',
            format('%%s°E %%s°N', round(ST_X(d.location)::numeric, 6), round(ST_Y(d.location)::numeric, 6)),
            'lon', ST_X(d.location), 'lat', ST_Y(d.location))))
        ELSE jsonb_build_array(jsonb_build_object('code', 'invalid_geometry',
          'params', jsonb_build_object('reason', d.reason))) END
    FROM (SELECT v.fid AS vfid, detail.* FROM layout_feature v CROSS JOIN LATERAL ST_IsValidDetail(v.geom) detail
           WHERE v.kind = 'polygon' AND NOT ST_IsValid(v.geom)) d
    WHERE kind = 'polygon' AND fid = vfid
    """,
    # From here on only valid polygons are measured (GEOS refuses to intersect invalid ones).
    """
    UPDATE layout_feature SET kind = 'invalid'
    WHERE kind = 'polygon'
      AND (problems @> '[{"code": "self_intersection"}]' OR problems @> '[{"code": "invalid_geometry"}]')
    """,
    # Numbers from labels (points) inside outlines that carry none, as a DXF's TEXT entities.
    """
    WITH inside AS (
      SELECT o.fid, array_agg(DISTINCT l.number ORDER BY l.number) AS labels
        FROM layout_feature o JOIN layout_feature l
          ON l.kind = 'label' AND l.number <> '' AND o.geom && l.geom
         AND ST_Intersects(CASE WHEN o.kind = 'line' THEN ST_ConvexHull(o.geom) ELSE o.geom END, l.geom)
       WHERE o.kind IN ('polygon', 'invalid', 'line') AND o.number = ''
       GROUP BY o.fid)
    UPDATE layout_feature f SET
      number = CASE WHEN cardinality(i.labels) = 1 THEN i.labels[1] ELSE '' END,
      problems = problems || CASE WHEN cardinality(i.labels) > 1 THEN jsonb_build_array(jsonb_build_object(
        'code', 'several_labels', 'params', jsonb_build_object('labels', array_to_string(i.labels, ', '))))
        ELSE '[]'::jsonb END
    FROM inside i WHERE f.fid = i.fid
    """,
    """
    UPDATE layout_feature SET problems = problems || jsonb_build_array(jsonb_build_object('code', 'no_number',
      'params', jsonb_build_object('field', %(number_field)s)))
    WHERE kind IN ('polygon', 'invalid') AND number = '' AND NOT problems @> '[{"code": "several_labels"}]'
    """,
    """
    UPDATE layout_feature SET problems = problems || jsonb_build_array(jsonb_build_object('code', 'number_too_long',
      'params', jsonb_build_object('number', left(number, 40), 'max', %(number_max)s)))
    WHERE kind IN ('polygon', 'invalid', 'line') AND length(number) > %(number_max)s
    """,
    """
    WITH d AS (SELECT number, count(*) AS n, string_agg(fid::text, ', ' ORDER BY fid) AS fids
                 FROM layout_feature WHERE kind IN ('polygon', 'invalid') AND number <> ''
                GROUP BY number HAVING count(*) > 1)
    UPDATE layout_feature f SET problems = problems || jsonb_build_array(jsonb_build_object(
      'code', 'duplicate_number', 'params', jsonb_build_object('number', d.number, 'count', d.n, 'fids', d.fids)))
    FROM d WHERE f.kind IN ('polygon', 'invalid') AND f.number = d.number
    """,
    """
    UPDATE layout_feature SET problems = problems || jsonb_build_array(jsonb_build_object('code', 'sliver',
      'params', jsonb_build_object('area', round(a::numeric, 2), 'min', %(min_area)s)))
    FROM (SELECT fid AS afid, ST_Area(ST_Transform(geom, %(srid)s)) AS a FROM layout_feature
           WHERE kind = 'polygon') s
    WHERE fid = afid AND a < %(min_area)s
    """,
    """
    UPDATE layout_feature f SET problems = problems || jsonb_build_array(jsonb_build_object(
      'code', 'outside_township', 'params', jsonb_build_object('area', round(o.outside::numeric, 2))))
    FROM (SELECT f2.fid AS ofid, landreg_area_outside(f2.geom, t.geom, %(srid)s) AS outside
            FROM layout_feature f2, townships_township t
           WHERE t.id = %(t)s AND f2.kind = 'polygon' AND NOT ST_Covers(t.geom, f2.geom)) o
    WHERE f.fid = o.ofid AND o.outside > landreg_tolerance_m2()
    """,
    """
    UPDATE layout_feature SET problems = problems || jsonb_build_array(jsonb_build_object('code', 'unknown_block',
      'params', jsonb_build_object('block', block_code)))
    WHERE kind IN ('polygon', 'invalid') AND block_code <> '' AND block_id IS NULL
    """,
    """
    UPDATE layout_feature f SET problems = problems || jsonb_build_array(jsonb_build_object(
      'code', 'outside_block', 'params', jsonb_build_object('area', round(o.outside::numeric, 2), 'block', o.code)))
    FROM (SELECT f2.fid AS ofid, b.code, landreg_area_outside(f2.geom, b.geom, %(srid)s) AS outside
            FROM layout_feature f2 JOIN townships_block b ON b.id = f2.block_id
           WHERE f2.kind = 'polygon' AND NOT ST_Covers(b.geom, f2.geom)) o
    WHERE f.fid = o.ofid AND o.outside > landreg_tolerance_m2()
    """,
    # Overlaps between features of the file: both are reported, each naming the other.
    """
    WITH pairs AS (
      SELECT a.fid AS afid, a.number AS anum, b.fid AS bfid, b.number AS bnum,
             ST_Area(ST_Transform(ST_Intersection(a.geom, b.geom), %(srid)s)) AS area
        FROM layout_feature a JOIN layout_feature b
          ON a.fid < b.fid AND a.geom && b.geom AND ST_Relate(a.geom, b.geom, 'T********')
       WHERE a.kind = 'polygon' AND b.kind = 'polygon'),
    found AS (
      SELECT afid AS fid, bfid AS other_fid, bnum AS other_number, area FROM pairs WHERE area > landreg_tolerance_m2()
      UNION ALL
      SELECT bfid, afid, anum, area FROM pairs WHERE area > landreg_tolerance_m2()),
    per AS (
      SELECT fid, jsonb_agg(jsonb_build_object('code', 'overlap', 'params', jsonb_build_object(
               'area', round(area::numeric, 2), 'other_fid', other_fid, 'other_number', other_number,
               'other', 'feature ' || other_fid || ' (plot ' || coalesce(nullif(other_number, ''), '?') || ')'))
               ORDER BY other_fid) AS found
        FROM found GROUP BY fid)
    UPDATE layout_feature f SET problems = problems || per.found FROM per WHERE f.fid = per.fid
    """,
    # Overlaps with plots already in the township that this file does not replace (their number is not in it).
    """
    WITH found AS (
      SELECT f.fid, p.number, ST_Area(ST_Transform(ST_Intersection(f.geom, p.geom), %(srid)s)) AS area
        FROM layout_feature f JOIN townships_plot p
          ON p.township_id + 0 = %(t)s AND p.geom && f.geom AND ST_Relate(p.geom, f.geom, 'T********')
       WHERE f.kind = 'polygon'
         AND NOT EXISTS (SELECT 1 FROM layout_feature r WHERE r.number = p.number AND r.kind <> 'label')),
    per AS (
      SELECT fid, jsonb_agg(jsonb_build_object('code', 'overlap', 'params', jsonb_build_object(
               'area', round(area::numeric, 2), 'existing_number', number,
               'other', 'existing plot ' || number)) ORDER BY number) AS found
        FROM found WHERE area > landreg_tolerance_m2() GROUP BY fid)
    UPDATE layout_feature f SET problems = problems || per.found FROM per WHERE f.fid = per.fid
    """,
]

# Differences with the plots already in the township, matched by number.
DIFF = [
    """
    UPDATE layout_feature f SET plot_id = m.id, changes = m.changes, allocated = m.allocated,
      action = CASE WHEN m.changes = '{}' THEN 'unchanged' ELSE 'change' END
    FROM (
      SELECT f2.fid AS mfid, p.id,
             array_remove(ARRAY[
               CASE WHEN NOT ST_OrderingEquals(p.geom, f2.geom)
                     AND ST_HausdorffDistance(ST_Transform(p.geom, %(srid)s), ST_Transform(f2.geom, %(srid)s)) > 0.01
                    THEN 'outline' END,
               CASE WHEN p.block_id IS DISTINCT FROM f2.block_id THEN 'block' END,
               CASE WHEN p.use <> f2.use THEN 'use' END], NULL) AS changes,
             EXISTS (SELECT 1 FROM allocations_allocation a WHERE a.plot_id = p.id
                      AND NOT (a.status = ANY(%(ended)s))) AS allocated
        FROM layout_feature f2 JOIN townships_plot p ON p.township_id = %(t)s AND p.number = f2.number
       WHERE f2.kind = 'polygon') m
    WHERE f.fid = m.mfid
    """,
]

INSERT_PLOTS = """
INSERT INTO townships_plot (township_id, block_id, number, geom, use, status, created_at, updated_at)
SELECT %(t)s, block_id, number, geom, use, 'planned', now(), now()
  FROM layout_feature WHERE action = 'add' ORDER BY fid
"""
UPDATE_PLOTS = """
UPDATE townships_plot p SET
  geom = CASE WHEN 'outline' = ANY(f.changes) THEN f.geom ELSE p.geom END,
  block_id = f.block_id, use = f.use, updated_at = now()
FROM layout_feature f WHERE f.action = 'change' AND p.id = f.plot_id
"""


def _copy(cursor, rows) -> int:
    n = 0
    buffer = io.StringIO()

    def flush():
        buffer.seek(0)
        cursor.copy_expert(
            "COPY layout_feature (fid, kind, number, block_code, block_id, use_raw, use, geom, problems, repairs, "
            "action) "
            "FROM STDIN WITH (FORMAT csv, FORCE_NOT_NULL (number, block_code, use_raw, use))",
            buffer,
        )
        buffer.seek(0)
        buffer.truncate()

    writer = csv.writer(buffer)
    for fid, kind, number, block, block_id, use_raw, use, wkb, problems, repairs in rows:
        writer.writerow(
            [
                fid,
                kind,
                number,
                block,
                block_id,
                use_raw,
                use,
                "" if wkb is None else f"SRID=4326;{wkb}",
                json.dumps(problems),
                json.dumps(repairs),
                "" if kind == "label" else "add",  # until matched with an existing plot by number
            ]
        )
        n += 1
        if n % CHUNK == 0:
            flush()
    flush()
    return n


@dataclass
class LayoutReport:
    counts: dict
    features: list  # only the repaired and rejected ones, in file order
    changed: list  # [{"number", "changes"}]
    missing: list  # numbers of plots in the township that the file does not have (kept as they are)
    allocated_moves: list  # numbers of plots with an active allocation whose outline would move
    added: list
    committed: bool = False

    @property
    def rejected(self) -> bool:
        return self.counts.get("rejected", 0) > 0

    def as_dict(self) -> dict:
        return {
            "counts": self.counts,
            "features": self.features,
            "changed": self.changed,
            "missing": self.missing,
            "allocated_moves": self.allocated_moves,
            "added": self.added,
        }

    @classmethod
    def from_dict(cls, data: dict, *, committed=False) -> "LayoutReport":
        return cls(
            counts=data.get("counts", {}),
            features=data.get("features", []),
            changed=data.get("changed", []),
            missing=data.get("missing", []),
            allocated_moves=data.get("allocated_moves", []),
            added=data.get("added", []),
            committed=committed,
        )


def _json(value):
    return json.loads(value) if isinstance(value, str) else value


REPORT_LIST_LIMIT = 5000  # rows kept for the page and the API; the GeoPackage has every problem


def _check(cursor, *, township: Township, info: LayoutFile, mapping: Mapping, srs, progress) -> LayoutReport:
    """Stage the file in a temporary table and run every check; must run inside a transaction."""
    cursor.execute("DROP TABLE IF EXISTS pg_temp.layout_feature")
    cursor.execute(CREATE_STAGE)
    blocks = dict(Block.objects.filter(township=township).values_list("code", "id"))
    total = _copy(cursor, _features(info, mapping, srs, blocks, progress))
    if progress:
        progress("read", total, total)
    cursor.execute("CREATE INDEX ON layout_feature USING gist (geom)")
    cursor.execute("CREATE INDEX ON layout_feature (number)")
    cursor.execute("CREATE INDEX ON layout_feature (fid)")
    cursor.execute("ANALYZE layout_feature")
    params = {
        "t": township.pk,
        "srid": township.utm_srid,
        "gap": close_gap_m(),
        "min_area": min_plot_m2(),
        "number_field": mapping.number,
        "number_max": Plot._meta.get_field("number").max_length,
        "ended": list(apps.get_model("allocations", "Allocation").ENDED),
    }
    steps = CHECKS + DIFF
    for i, statement in enumerate(steps, start=1):
        cursor.execute(statement, params)
        if progress:
            progress("checked", i, len(steps))
    cursor.execute(
        """
        SELECT count(*) FILTER (WHERE kind <> 'label'),
               count(*) FILTER (WHERE kind <> 'label' AND problems = '[]' AND repairs = '[]'),
               count(*) FILTER (WHERE kind <> 'label' AND problems = '[]' AND repairs <> '[]'),
               count(*) FILTER (WHERE kind <> 'label' AND problems <> '[]'),
               count(*) FILTER (WHERE action = 'add' AND problems = '[]'),
               count(*) FILTER (WHERE action = 'change' AND problems = '[]'),
               count(*) FILTER (WHERE action = 'unchanged' AND problems = '[]'),
               count(*) FILTER (WHERE kind = 'label')
          FROM layout_feature
        """
    )
    features, valid, repaired, rejected, added, changed, unchanged, labels = cursor.fetchone()
    counts = {
        "features": features,
        "valid": valid,
        "repaired": repaired,
        "rejected": rejected,
        "added": added,
        "changed": changed,
        "unchanged": unchanged,
        "labels": labels,
    }
    cursor.execute(
        """
        SELECT fid, number, CASE WHEN problems <> '[]' THEN 'rejected' ELSE 'repaired' END, problems, repairs
          FROM layout_feature WHERE kind <> 'label' AND (problems <> '[]' OR repairs <> '[]')
         ORDER BY problems = '[]', fid LIMIT %s
        """,
        [REPORT_LIST_LIMIT],
    )
    rows = [
        {"fid": fid, "number": number, "outcome": outcome, "problems": _json(problems), "repairs": _json(repairs)}
        for fid, number, outcome, problems, repairs in cursor.fetchall()
    ]
    rows.sort(key=lambda r: r["fid"])
    by_reason: dict = {}
    cursor.execute(
        "SELECT p->>'code', count(DISTINCT fid) FROM layout_feature, jsonb_array_elements(problems) p GROUP BY 1"
    )
    by_reason = dict(cursor.fetchall())
    counts["reasons"] = by_reason
    cursor.execute(
        "SELECT number, changes, coalesce(allocated, false) FROM layout_feature WHERE action = 'change' "
        "ORDER BY number LIMIT %s",
        [REPORT_LIST_LIMIT],
    )
    changed_rows = cursor.fetchall()
    cursor.execute(
        "SELECT number FROM layout_feature WHERE action = 'add' AND problems = '[]' ORDER BY fid LIMIT %s",
        [REPORT_LIST_LIMIT],
    )
    added_numbers = [r[0] for r in cursor.fetchall()]
    cursor.execute(
        "SELECT p.number FROM townships_plot p WHERE p.township_id = %s AND NOT EXISTS "
        "(SELECT 1 FROM layout_feature f WHERE f.number = p.number AND f.kind <> 'label') ORDER BY p.number",
        [township.pk],
    )
    missing = [r[0] for r in cursor.fetchall()]
    counts["missing"] = len(missing)
    cursor.execute(
        "SELECT number FROM layout_feature WHERE action = 'change' AND allocated AND 'outline' = ANY(changes) "
        "ORDER BY number"
    )
    allocated_moves = [r[0] for r in cursor.fetchall()]
    counts["allocated_moves"] = len(allocated_moves)
    return LayoutReport(
        counts=counts,
        features=rows,
        changed=[{"number": n, "changes": c, "allocated": a} for n, c, a in changed_rows],
        missing=missing[:REPORT_LIST_LIMIT],
        allocated_moves=allocated_moves,
        added=added_numbers,
    )


def _write_problem_geopackage(cursor, township: Township, target: Path) -> None:
    """The features with problems or repairs (layer layout_problems) and where each problem is (layer
    problem_places: the overlap areas, the points where an outline crosses itself), in EPSG:4326, for QGIS."""
    cursor.execute(
        """
        SELECT json_build_object('type', 'Feature', 'geometry', ST_AsGeoJSON(geom, 9)::json, 'properties',
                 json_build_object('feature', fid, 'number', number,
                   'outcome', CASE WHEN problems <> '[]' THEN 'rejected' ELSE 'repaired' END,
                   'codes', (SELECT string_agg(DISTINCT p->>'code', ', ') FROM jsonb_array_elements(problems) p),
                   'problems', problems::text, 'repairs', repairs::text))::text
          FROM layout_feature WHERE kind <> 'label' AND (problems <> '[]' OR repairs <> '[]') ORDER BY fid
        """
    )
    features = [json.loads(row[0]) for row in cursor.fetchall()]
    for feature in features:
        props = feature["properties"]
        props["reasons"] = " ".join(problem_text(p) for p in json.loads(props.pop("problems")))
        props["repairs"] = " ".join(repair_text(r) for r in json.loads(props["repairs"]))
    cursor.execute(
        """
        SELECT json_build_object('type', 'Feature', 'geometry', ST_AsGeoJSON(g, 9)::json,
                 'properties', json_build_object('feature', fid, 'number', number, 'problem', code,
                                                 'area_m2', area))::text
          FROM (
            SELECT f.fid, f.number, 'overlap' AS code, (p->'params'->>'area')::numeric AS area,
                   ST_CollectionExtract(ST_Intersection(f.geom, coalesce(o.geom, e.geom)), 3) AS g
              FROM layout_feature f CROSS JOIN LATERAL jsonb_array_elements(f.problems) p
              LEFT JOIN layout_feature o ON o.fid = (p->'params'->>'other_fid')::bigint
              LEFT JOIN townships_plot e ON e.township_id = %s AND e.number = p->'params'->>'existing_number'
             WHERE p->>'code' = 'overlap' AND f.kind = 'polygon'
            UNION ALL
            SELECT f.fid, f.number, p->>'code', NULL,
                   ST_SetSRID(ST_MakePoint((p->'params'->>'lon')::float8, (p->'params'->>'lat')::float8), 4326)
              FROM layout_feature f CROSS JOIN LATERAL jsonb_array_elements(f.problems) p
             WHERE p->>'code' = 'self_intersection') x
         WHERE g IS NOT NULL AND NOT ST_IsEmpty(g)
        """,
        [township.pk],
    )
    places = [json.loads(row[0]) for row in cursor.fetchall()]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        for i, (layer, rows) in enumerate((("layout_problems", features), ("problem_places", places))):
            source = Path(folder) / f"{layer}.geojson"
            source.write_text(json.dumps({"type": "FeatureCollection", "features": rows}), encoding="utf-8")
            command = [
                OGR2OGR,
                "-f",
                "GPKG",
                str(target),
                str(source),
                "-nln",
                layer,
                "-nlt",
                "GEOMETRY",
                "-a_srs",
                "EPSG:4326",
            ]
            if i:
                command.insert(1, "-update")
            done = subprocess.run(command, capture_output=True, text=True, timeout=600)
            if done.returncode:
                raise RuntimeError(f"ogr2ogr could not write the problem GeoPackage: {done.stderr.strip()}")


# --- storage of the checked file and its report ----------------------------------------------------------------


def _storage() -> Path:
    return Path(settings.MEDIA_ROOT) / "layouts"


def stored_path(layout_import: LayoutImport) -> Path:
    return _storage() / layout_import.sha256 / ("layout" + Path(layout_import.file_name).suffix.lower())


def report_path(layout_import: LayoutImport) -> Path:
    return _storage() / "reports" / f"{layout_import.pk}.gpkg"


def layout_file_store(*, name: str, chunks) -> tuple[Path, str, int]:
    """Keep an uploaded file by its SHA-256, counting bytes as they arrive: past the limit it is refused and
    nothing is kept. chunks: an iterable of bytes (an UploadedFile's .chunks(), or an open file)."""
    _format(name)  # refuse an unknown kind of file before keeping anything
    folder = _storage() / "incoming"
    folder.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    with tempfile.NamedTemporaryFile(dir=folder, delete=False) as out:
        try:
            for chunk in chunks:
                size += len(chunk)
                if size > max_upload_bytes():
                    raise LayoutError(too_large_message(size))
                digest.update(chunk)
                out.write(chunk)
        except BaseException:
            Path(out.name).unlink(missing_ok=True)
            raise
    sha = digest.hexdigest()
    target = _storage() / sha / ("layout" + Path(name).suffix.lower())
    target.parent.mkdir(parents=True, exist_ok=True)
    Path(out.name).replace(target)
    return target, sha, size


def layout_files_clean(*, older_than_hours: float | None = None) -> list[Path]:
    """Delete uploaded layout files that were never imported, once older than LANDREG_IMPORT_RETENTION_HOURS:
    files kept for a dry run whose import was not committed (or whose check failed before it was recorded), and
    partial uploads left in incoming/. Files of committed imports stay (the plots' history names them by hash),
    and so do the problem GeoPackages (they hold no personal data and the import's report links to them)."""
    import time
    from datetime import timedelta

    hours = settings.LANDREG_IMPORT_RETENTION_HOURS if older_than_hours is None else older_than_hours
    cutoff = time.time() - hours * 3600
    storage = _storage()
    if not storage.is_dir():
        return []
    imports = LayoutImport.objects.values_list("sha256", flat=True)
    committed = set(imports.filter(status=LayoutImport.Status.COMMITTED))
    recent = set(imports.filter(created_at__gte=timezone.now() - timedelta(hours=hours)))
    removed = []
    for folder in sorted(storage.iterdir()):
        if not folder.is_dir() or folder.name == "reports":
            continue
        if folder.name != "incoming" and (folder.name in committed or folder.name in recent):
            continue
        for path in sorted(folder.iterdir()):
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
                removed.append(path)
        if folder.name != "incoming" and not any(folder.iterdir()):
            folder.rmdir()
    return removed


def _file_chunks(path: Path):
    with open(path, "rb") as f:
        yield from iter(lambda: f.read(1 << 20), b"")


# --- the services -------------------------------------------------------------------------------------------------


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
        source, _label = _open(info.path, info.name)
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
    def __init__(self, report: LayoutReport, status: str):
        self.report, self.status = report, status


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
    """Import a checked file: every check again, then all plots written in one transaction, or none.

    New numbers are added, plots matched by number are updated where the file differs, plots the file lacks are
    kept as they are (listed as missing). A plot with an active allocation is moved only when
    confirm_allocated_moves is given; otherwise nothing is written and those plots are listed."""
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
            report = _check(cursor, township=township, info=info, mapping=mapping, srs=srs, progress=progress)
            if report.rejected:
                raise _Refused(report, LayoutImport.Status.REJECTED)
            if report.allocated_moves and not confirm_allocated_moves:
                raise _Refused(report, LayoutImport.Status.NEEDS_CONFIRMATION)
            # pgtrigger's history triggers look up this setting in an exception block; unset, every row aborts a
            # subtransaction, and PostgreSQL then rescans the whole queue of deferred land-rule events: quadratic
            # (126 s instead of about 15 s for 100,000 plots). Set and empty, nothing is ignored and nothing aborts.
            cursor.execute("SELECT set_config('pgtrigger.ignore', '{}', true)")
            if confirm_allocated_moves:  # the database lets allocated plots move in this transaction only
                cursor.execute("SELECT set_config('landreg.confirm_allocated_moves', 'on', true)")
            with database_rules_explained():
                cursor.execute(INSERT_PLOTS, {"t": township.pk})
                if progress:
                    progress("written", 1, 3)
                cursor.execute(UPDATE_PLOTS)
                if progress:
                    progress("written", 2, 3)
                check_land_rules_now()  # the database's own land rules, for every plot written
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
        layout_import.status = refused.status
        layout_import.counts, layout_import.report = refused.report.counts, refused.report.as_dict()
        layout_import.save(update_fields=["status", "counts", "report"])
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


def layout_import_report(layout_import: LayoutImport) -> LayoutReport:
    return LayoutReport.from_dict(layout_import.report, committed=layout_import.status == LayoutImport.Status.COMMITTED)


def layout_imports_visible_to(user):
    """Layout imports of the townships in the user's scope."""
    from landreg.scope import filter_by_scope

    return filter_by_scope(
        LayoutImport.objects.select_related("township", "source", "created_by"),
        user,
        province_field="township__province",
        township_field="township",
    )


def townships_for_import(user):
    return townships_visible_to(user)


def report_for_people(layout_import: LayoutImport) -> dict:
    """The stored report with every problem and repair as a sentence in the current language."""
    report = dict(layout_import.report)
    report["features"] = [
        {
            **feature,
            "problems": [{**p, "message": problem_text(p)} for p in feature["problems"]],
            "repairs": [{**r, "message": repair_text(r)} for r in feature["repairs"]],
        }
        for feature in report.get("features", [])
    ]
    return report


class UploadLimit(FileUploadHandler):
    """A Django upload handler that stops reading an upload once it passes LANDREG_MAX_UPLOAD_BYTES, whatever
    Content-Length said; request.layout_upload_too_large then tells the view."""

    def __init__(self, request=None):
        super().__init__(request)
        self.seen = 0

    def receive_data_chunk(self, raw_data, start):
        self.seen += len(raw_data)
        if self.seen > max_upload_bytes():
            self.request.layout_upload_too_large = True
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size):
        return None


def content_length_too_large(request) -> bool:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > max_upload_bytes()
    except ValueError:
        return False
