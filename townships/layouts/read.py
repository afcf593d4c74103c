"""Reading a layout file with GDAL: its format (from an explicit list of drivers, never guessed), layers, attributes
and declared CRS, and its features as rows for the checks, in EPSG:4326."""

import hashlib
import logging
import re
import sys
import threading
import zipfile
from contextlib import contextmanager
from ctypes import byref, c_char_p, c_ubyte, c_void_p
from dataclasses import dataclass
from pathlib import Path

from django.contrib.gis.gdal import CoordTransform, DataSource, GDALException, SpatialReference
from django.contrib.gis.gdal.driver import Driver
from django.contrib.gis.gdal.field import OFTInteger, OFTInteger64, OFTReal, OFTString, OFTWideString
from django.contrib.gis.gdal.libgdal import lgdal
from django.contrib.gis.gdal.prototypes import ds as gdal_ds
from django.contrib.gis.gdal.prototypes import geom as gdal_geom
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from townships.layouts.limits import (
    ZIP_MAX_MEMBERS,
    ZIP_MAX_RATIO,
    LayoutError,
    _mib,
    max_features,
    max_unzipped_bytes,
    max_upload_bytes,
    too_large_message,
)
from townships.models import Plot

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


def number_order(text: str) -> tuple:
    """Plot numbers (and other labels) in the order people count them: 1, 2, 10, 100, 100A, B3."""
    parts = re.split(r"(\d+)", text)
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p.lower()) for p in parts if p)


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
            _("The zip unpacks to %(mb)d MiB, which is not a plausible layout; it is refused unread.")
            % {"mb": _mib(unzipped)}
        )
    shapes = [m.filename for m in members if m.filename.lower().endswith(".shp") and ".." not in m.filename]
    if len(shapes) != 1:
        raise LayoutError(
            _("The zip must hold exactly one Shapefile (.shp with its .shx, .dbf and .prj); it holds %(n)d.")
            % {"n": len(shapes)}
        )
    return f"/vsizip/{path}/{shapes[0]}"


def vector_file_open(path: Path, name: str) -> tuple[DataSource, str]:
    """A GIS file opened only with the GDAL driver its name's ending says (FORMATS; a zipped Shapefile after the
    zip-bomb checks), never a format GDAL guesses from the content (a VRT could read other files): the data source
    and the format's label. Raises LayoutError with a sentence."""
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
    source, label = vector_file_open(path, name)
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


USE_VALUES_LIMIT = 40  # distinct values offered for mapping uses; more than that is not a field of uses


@_gdal_errors_held_back()
def layout_field_values(info: LayoutFile, field: str, limit: int = USE_VALUES_LIMIT) -> tuple[list[str], bool]:
    """The distinct values of one attribute in the file, as the checks read them (trimmed; the empty value,
    which means residential, left out), in natural order; and whether there were more than `limit` of them."""
    source, label = vector_file_open(info.path, info.name)
    seen: set[str] = set()
    n = fid = 0
    try:
        layers = _layers(source, label)
        for layer in layers:
            if field not in layer.fields:
                n += len(layer)
                continue
            value_of = _field_reader(layer, field)
            for feature in layer:
                n += 1
                fid = feature.fid if len(layers) == 1 else n  # as the report names it (_features)
                value = value_of(feature._ptr, feature)
                if value:
                    seen.add(value)
                    if len(seen) > limit:
                        return sorted(seen, key=number_order)[:limit], True
    except GDALException as exc:
        raise LayoutError(_("The file's layer could not be read; it is damaged or truncated.")) from exc
    except UnicodeDecodeError as exc:
        raise LayoutError(_not_text_message(fid)) from exc
    return sorted(seen, key=number_order), False


def use_of(raw: str, use_values: dict | None = None) -> str | None:
    """The use a value of the file stands for, through the source's own spellings or a use's code or name."""
    return _use(raw, Mapping(number="", use_values=use_values))


def _use_table(mapping: Mapping) -> dict[str, str]:
    """Every spelling of a use this mapping knows, lower-cased, to its use: the source's own spellings first,
    then each use's code and name (in the active language). Built once per file, not once per feature."""
    table: dict[str, str] = {}
    for value, label in Plot.Use.choices:
        table.setdefault(value, value)
        table.setdefault(str(label).lower(), value)
    for key, value in (mapping.use_values or {}).items():
        if value in Plot.Use.values:
            table[str(key).strip().lower()] = value
    return table


def _use(raw: str, mapping: Mapping, table: dict[str, str] | None = None) -> str | None:
    if not raw:
        return Plot.Use.RESIDENTIAL
    return (table if table is not None else _use_table(mapping)).get(raw.strip().lower())


def _not_text_message(fid: int) -> str:
    return _(
        "Feature %(n)d has an attribute that is not readable text (not UTF-8). Export the layout again with UTF-8 "
        "as its encoding."
    ) % {"n": fid}


# A feature's geometry is handled through GDAL's C functions on a pointer of our own (a clone, destroyed after
# use), not through Django's OGRGeometry, whose wrapper objects cost more than GDAL's own work (the loop over
# 100,000 features: 1.27 s with them, 0.96 s without). OGR_F_GetGeometryRef gets a function object of our own
# (lgdal[...] makes a new one): Django's prototype raises on a feature without geometry (GeoJSON "geometry": null,
# a DXF entity with no shape), which read as a damaged file.
_geometry_ref = lgdal["OGR_F_GetGeometryRef"]
_geometry_ref.argtypes, _geometry_ref.restype = [c_void_p], c_void_p
_WKB_ORDER = 1 if sys.byteorder == "little" else 0  # wkbNDR / wkbXDR


def _wkb_hex(pointer) -> str:
    buffer = (c_ubyte * gdal_geom.get_wkbsize(pointer))()
    export = gdal_geom.to_iso_wkb if gdal_geom.is_measured(pointer) else gdal_geom.to_wkb
    export(pointer, _WKB_ORDER, byref(buffer))
    return bytes(buffer).hex()


def _geometry_row(feature_ptr, transform_ptr, problems: list, repairs: list) -> tuple[str, str | None]:
    """(kind, WKB hex in EPSG:4326 or None) of a feature's geometry, adding its problems and repairs: flat (a
    KML's or a survey's heights dropped), a one-part multipolygon taken as its polygon, rings closed, transformed."""
    reference = _geometry_ref(feature_ptr)
    if not reference:
        problems.append({"code": "not_a_polygon", "params": {"type": _("feature without geometry")}})
        return "other", None
    pointer = gdal_geom.clone_geom(reference)
    try:
        if gdal_geom.is_3d(pointer):  # KML and many survey files carry heights; a plot is flat
            gdal_geom.set_3d(pointer, 0)
        name = gdal_geom.get_geom_name(pointer).upper()
        if name == "MULTIPOLYGON" and gdal_geom.get_geom_count(pointer) == 1:
            part = gdal_geom.clone_geom(gdal_geom.get_geom_ref(pointer, 0))
            gdal_geom.destroy_geom(pointer)
            pointer, name = part, "POLYGON"
            repairs.append({"code": "single_part"})
        kind = "other"
        if name == "POLYGON":
            kind = "polygon"
            before = gdal_geom.get_wkbsize(pointer)  # closing a ring adds a point, so the WKB grows
            gdal_geom.geom_close_rings(pointer)
            if gdal_geom.get_wkbsize(pointer) != before:
                repairs.append({"code": "ring_closed"})
        elif name in ("LINESTRING", "LINEARRING"):
            kind = "line"
        elif name == "POINT":
            kind = "label"
        else:
            multi = name.startswith("MULTI")
            problems.append(
                {
                    "code": "multipart" if multi else "not_a_polygon",
                    "params": {
                        "type": gdal_geom.get_geom_name(pointer),
                        "parts": gdal_geom.get_geom_count(pointer) if multi else 1,
                    },
                }
            )
        if transform_ptr is not None:
            gdal_geom.geom_transform(pointer, transform_ptr)
        return kind, _wkb_hex(pointer)
    finally:
        gdal_geom.destroy_geom(pointer)


def _field_reader(layer, field: str):
    """A function from a feature of this layer to the text of one attribute, as `_text(feature.get(field))` gives
    it (a whole number stored as a real loses its ".0"; trimmed; "" when unset or when the layer lacks the field),
    that looks the field's place and type up once per layer instead of once per feature: through Django's Field
    wrappers the attributes were half of the read's time (100,000 features: 1.5 s of 2.6 s)."""
    if not field or field not in layer.fields:
        return lambda ptr, feature: ""
    index = layer.fields.index(field)
    kind = layer.field_types[index]
    encoding = layer._ds.encoding or "utf-8"
    is_set = gdal_ds.is_field_set
    if kind in (OFTString, OFTWideString):
        as_string = gdal_ds.get_field_as_string
        return lambda ptr, feature: as_string(ptr, index).decode(encoding).strip() if is_set(ptr, index) else ""
    if kind is OFTReal:
        as_double = gdal_ds.get_field_as_double
        return lambda ptr, feature: _text(as_double(ptr, index)) if is_set(ptr, index) else ""
    if kind in (OFTInteger, OFTInteger64):
        as_int = gdal_ds.get_field_as_integer64
        return lambda ptr, feature: str(as_int(ptr, index)) if is_set(ptr, index) else ""
    return lambda ptr, feature: _text(feature[index].value)  # dates, lists, binary: Django's conversion


def _features(info: LayoutFile, mapping: Mapping, srs: SpatialReference, blocks: dict, progress):
    """Rows for the temporary table, in EPSG:4326: (fid, kind, number, block code, block id, use_raw, use, ewkb
    hex, problems, repairs). Points that carry a number are labels (a DXF's TEXT), matched to the outline they
    lie in. blocks: the township's block codes and ids."""
    source, label = vector_file_open(info.path, info.name)
    layers = _layers(source, label)
    fields = {f for layer in layers for f in layer.fields}
    for wanted in (mapping.number, mapping.block, mapping.use):
        if wanted and wanted not in fields:
            raise LayoutError(
                _("The file has no attribute “%(f)s”. Its attributes are: %(all)s.")
                % {"f": wanted, "all": ", ".join(sorted(fields))}
            )
    uses = _use_table(mapping)
    wgs84 = SpatialReference(4326)
    transform = None if srs.srid == 4326 else CoordTransform(srs, wgs84)
    transform_ptr = None if transform is None else transform.ptr
    readers = [
        (
            layer,
            _field_reader(layer, mapping.number),
            _field_reader(layer, mapping.block),
            _field_reader(layer, mapping.use),
        )
        for layer in layers
    ]

    try:
        n = 0
        for layer, number_of, block_of, use_of_feature in readers:
            for feature in layer:
                n += 1
                fid = feature.fid if len(layers) == 1 else n  # across KML folders, the placemark's place in the file
                problems, repairs = [], []
                ptr = feature._ptr
                number, block, use_raw = number_of(ptr, feature), block_of(ptr, feature), use_of_feature(ptr, feature)
                use = _use(use_raw, mapping, uses)
                if use is None:
                    problems.append(
                        {"code": "unknown_use", "params": {"use": use_raw, "allowed": ", ".join(Plot.Use.values)}}
                    )
                kind, wkb = _geometry_row(ptr, transform_ptr, problems, repairs)
                yield (fid, kind, number, block, blocks.get(block), use_raw, use or "", wkb, problems, repairs)
                if progress and n % 1000 == 0:
                    progress("read", n, info.feature_count)
    except GDALException as exc:
        raise LayoutError(
            _("The file broke off while being read (it is truncated or damaged). Export it again.")
        ) from exc
    except UnicodeDecodeError as exc:
        raise LayoutError(_not_text_message(fid)) from exc
