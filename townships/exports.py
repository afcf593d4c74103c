"""Township files for offline work and partners: GeoPackage, zipped Shapefile, GeoJSON, CSV and KML.

GDAL's ogr2ogr reads each layer straight from PostGIS (its own connection, so it sees committed data) with a
query built here from constants and the township's integer id, and writes the file in a temporary folder.
Exported layers carry land records only: plots show their status, never who holds them, and no household,
name or ID number is ever selected. The time of a large export is ogr2ogr's; each layer takes one query.
"""

import csv
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from landreg import roles
from landreg.access_log import log_personal_data_access
from landreg.tabular import safe_cell
from townships.models import Township
from townships.selectors import townships_visible_to

OGR2OGR = shutil.which("ogr2ogr") or "/usr/bin/ogr2ogr"
OGR2OGR_TIMEOUT_S = 30 * 60  # a national-size township takes seconds; this only stops a hung process

# Roles that see townships in their scope may take their layers home; the layers hold no personal data.
EXPORT_ROLES = roles.ALL_ROLES


@dataclass(frozen=True)
class ExportLayer:
    name: str
    geometry_type: str  # ogr2ogr -nlt
    columns: dict  # exported attribute name -> SQL expression over the aliases in `source`
    source: str  # FROM ... with the layer's table aliased f, {township} standing for the township id
    order_by: str
    kml_label: str  # the placemark name in KML

    def sql(self, township_id: int, *, geometry: str = "geom", kml: bool = False) -> str:
        """The query for one township. geometry: "geom" (the geometry), "lonlat" (the centroid's lon and lat
        columns, for CSV) or "none" (attributes only)."""
        columns = dict(self.columns)
        if kml:  # KML keeps `name` for the placemark label; the label goes first, the other attributes after
            columns.pop("name", None)
            columns = {"kml_label": self.kml_label, **columns}
        if geometry == "geom":
            columns["geom"] = "f.geom"
        elif geometry == "lonlat":
            columns["lon"] = "ST_X(ST_Centroid(f.geom))"
            columns["lat"] = "ST_Y(ST_Centroid(f.geom))"
        select = ", ".join(f'{expression} AS "{name}"' for name, expression in columns.items())
        return f"SELECT {select} FROM {self.source.format(township=int(township_id))} ORDER BY {self.order_by}"


LAYERS = {
    layer.name: layer
    for layer in (
        ExportLayer(
            name="township",
            geometry_type="MULTIPOLYGON",
            columns={
                "code": "f.code",
                "name": "f.name",
                "name_prs": "f.name_prs",
                "status": "f.status",
                "utm_srid": "f.utm_srid",
            },
            source="townships_township f WHERE f.id = {township}",
            order_by="f.code",
            kml_label="f.name",
        ),
        ExportLayer(
            name="blocks",
            geometry_type="POLYGON",
            columns={"code": "f.code", "township": "t.code"},
            source=(
                "townships_block f JOIN townships_township t ON t.id = f.township_id WHERE f.township_id = {township}"
            ),
            order_by="f.code",
            kml_label="'Block ' || f.code",
        ),
        ExportLayer(
            name="plots",
            geometry_type="POLYGON",
            columns={
                "number": "f.number",
                "block": "b.code",
                "township": "t.code",
                "status": "f.status",
                "use": "f.use",
                "area_m2": "f.area_m2",
                "area_biswa": "round(f.area_m2 / 100, 4)::numeric(12, 4)",
            },
            source=(
                "townships_plot f JOIN townships_township t ON t.id = f.township_id "
                "LEFT JOIN townships_block b ON b.id = f.block_id WHERE f.township_id = {township}"
            ),
            order_by="f.number",
            kml_label="'Plot ' || f.number",
        ),
        ExportLayer(
            name="facilities",
            geometry_type="POINT",
            columns={"kind": "f.kind", "name": "f.name", "functional": "f.functional"},
            source="townships_facility f WHERE f.township_id = {township}",
            order_by="f.kind, f.name, f.id",
            kml_label="coalesce(nullif(f.name, ''), replace(f.kind, '_', ' '))",
        ),
    )
}


@dataclass(frozen=True)
class ExportFormat:
    name: str  # as in the file name: NAN-SMD-plots.geojson
    driver: str
    content_type: str
    multi_layer: bool
    options: tuple = ()  # ogr2ogr options for every layer


FORMATS = {
    f.name: f
    for f in (
        ExportFormat("gpkg", "GPKG", "application/geopackage+sqlite3", multi_layer=True),
        # UTF-8 and a .cpg file, or Dari and Pashto names are lost; the zip holds .shp, .shx, .dbf, .prj, .cpg.
        ExportFormat(
            "shp.zip", "ESRI Shapefile", "application/zip", multi_layer=False, options=("-lco", "ENCODING=UTF-8")
        ),
        # RFC 7946 (lon/lat, right-hand rings); 9 decimals (0.1 mm) so neighbouring plots still share their edges.
        ExportFormat(
            "geojson",
            "GeoJSON",
            "application/geo+json",
            multi_layer=False,
            options=("-lco", "RFC7946=YES", "-lco", "COORDINATE_PRECISION=9"),
        ),
        # The byte-order mark makes Excel read Dari and Pashto names as UTF-8.
        ExportFormat("csv", "CSV", "text/csv; charset=utf-8", multi_layer=False, options=("-lco", "WRITE_BOM=YES")),
        ExportFormat("kml", "KML", "application/vnd.google-earth.kml+xml", multi_layer=False),
    )
}
CSV_GEOMETRIES = ("wkt", "lonlat")
DEFAULT_LAYER = "plots"


class ExportFailed(RuntimeError):
    """ogr2ogr could not write the file; the message says what it reported."""


@dataclass(frozen=True)
class LayerWritten:
    layer: str
    features: int
    seconds: float


def townships_exportable_by(user):
    """The townships a user may export: those of their provinces (and townships, if narrowed), for any role."""
    if not roles.has_role(user, *EXPORT_ROLES):
        return Township.objects.none()
    return townships_visible_to(user)


def township_for_export(*, user, code: str) -> Township:
    """The township a user asked to export: PermissionDenied without a role, DoesNotExist outside their scope."""
    if not roles.has_role(user, *EXPORT_ROLES):
        raise PermissionDenied("Your account has no role that may export townships; ask an administrator for one.")
    return townships_exportable_by(user).get(code=code)


def export_request_check(*, fmt: str, layer: str | None = None, csv_geometry: str = "wkt") -> list[str]:
    """The layers to write for a request, or a ValidationError saying what to ask for instead."""
    if fmt not in FORMATS:
        raise ValidationError(
            f"There is no export format {fmt!r}; ask for one of {_listed(FORMATS)}.", code="export_format_unknown"
        )
    if layer is not None and layer not in LAYERS:
        raise ValidationError(
            f"There is no layer {layer!r}; ask for one of {_listed(LAYERS)}.", code="export_layer_unknown"
        )
    if csv_geometry not in CSV_GEOMETRIES:
        raise ValidationError(
            f"The CSV geometry must be wkt (a WKT column) or lonlat (lon and lat of the centroid), "
            f"not {csv_geometry!r}.",
            code="export_csv_geometry_unknown",
        )
    if layer is not None:
        return [layer]
    return list(LAYERS) if FORMATS[fmt].multi_layer else [DEFAULT_LAYER]


def export_file_name(township: Township, fmt: str, layers: Sequence[str]) -> str:
    """NAN-SMD.gpkg for a whole township, NAN-SMD-plots.geojson for one layer."""
    suffix = "" if FORMATS[fmt].multi_layer and list(layers) == list(LAYERS) else "-" + "-".join(layers)
    return f"{township.code}{suffix}.{fmt}"


def layer_feature_count(township: Township, layer: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM ({LAYERS[layer].sql(township.pk, geometry='none')}) AS q")
        return cursor.fetchone()[0]


def township_export(
    *,
    township: Township,
    fmt: str,
    directory: Path,
    layers: Sequence[str] | None = None,
    csv_geometry: str = "wkt",
    progress: Callable[[int, int, str, int], None] | None = None,
) -> tuple[Path, list[LayerWritten]]:
    """Write the township's layers in `fmt` into `directory` (which must exist); return the file and what was
    written. `progress(i, n, layer, features)` is called before each layer. Scope is the caller's business:
    pass a township from townships_exportable_by(user)."""
    wanted = export_request_check(fmt=fmt, csv_geometry=csv_geometry) if layers is None else list(layers)
    for layer in wanted:  # the same sentences for layers passed in by code as for a request
        export_request_check(fmt=fmt, layer=layer, csv_geometry=csv_geometry)
    export_format = FORMATS[fmt]
    if len(wanted) > 1 and not export_format.multi_layer:
        raise ValidationError(
            f"A {fmt} file holds one layer; ask for one of {_listed(LAYERS)}.", code="export_one_layer_only"
        )
    path = Path(directory) / export_file_name(township, fmt, wanted)
    written = []
    for i, layer in enumerate(wanted, start=1):
        features = layer_feature_count(township, layer)
        if progress:
            progress(i, len(wanted), layer, features)
        started = time.monotonic()
        _ogr2ogr(export_format, LAYERS[layer], township, path, update=i > 1, csv_geometry=csv_geometry)
        written.append(LayerWritten(layer, features, time.monotonic() - started))
    return path, written


def township_export_to(
    *, township: Township, fmt: str, out: Path, by=None, where: str = "", **options
) -> list[LayerWritten]:
    """Export and move the finished file to `out` (so no half-written file is ever there); logged."""
    with tempfile.TemporaryDirectory(prefix="landreg-export-") as tmp:
        path, written = township_export(township=township, fmt=fmt, directory=Path(tmp), **options)
        shutil.move(path, out)
    export_log(township=township, by=by, where=where)
    return written


def township_export_open(*, township: Township, fmt: str, by, where: str, **options) -> tuple[BinaryIO, str]:
    """Export, log, and return the open file with its download name. The temporary folder is already gone
    (the open file stays readable until it is closed), so nothing is left behind when a download breaks off."""
    tmp = tempfile.mkdtemp(prefix="landreg-export-")
    try:
        path, _written = township_export(township=township, fmt=fmt, directory=Path(tmp), **options)
        handle = path.open("rb")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    export_log(township=township, by=by, where=where)
    return handle, path.name


def export_log(*, township: Township, by, where: str) -> None:
    """Exports hold no personal data, but every export is written to the access log for audit (it is cheap)."""
    log_personal_data_access(user=by, action="export", what="townships.Township", ids=[township.pk], where=where)


def _ogr2ogr(export_format, layer: ExportLayer, township, path: Path, *, update: bool, csv_geometry: str) -> None:
    kml = export_format.driver == "KML"
    geometry = "lonlat" if export_format.driver == "CSV" and csv_geometry == "lonlat" else "geom"
    command = [OGR2OGR, "-f", export_format.driver]
    if update:
        command.append("-update")
    sql = layer.sql(township.pk, geometry=geometry, kml=kml)
    command += [str(path), gdal_pg_datasource(), "-sql", sql]
    command += ["-nln", layer.name, "-a_srs", "EPSG:4326", *export_format.options]
    if geometry == "geom":
        command += ["-nlt", layer.geometry_type]
    if kml:
        command += ["-dsco", "NameField=kml_label"]
    if export_format.driver == "CSV" and geometry == "geom":
        command += ["-lco", "GEOMETRY=AS_WKT"]
    try:
        done = subprocess.run(
            command, env=gdal_pg_environment(), capture_output=True, text=True, timeout=OGR2OGR_TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise ExportFailed(f"Writing the {layer.name} layer took longer than {OGR2OGR_TIMEOUT_S} s.") from exc
    if done.returncode != 0 or not path.exists():
        raise ExportFailed(f"ogr2ogr could not write the {layer.name} layer: {done.stderr.strip()[-500:]}")
    if export_format.driver == "CSV":
        _csv_cells_made_safe(path, _text_columns(sql))


# PostgreSQL type oids of text: text, varchar, char, name.
TEXT_TYPES = {25, 1043, 1042, 19}


def _text_columns(sql: str) -> set[str]:
    """The columns of a layer query that hold text (asked of PostgreSQL, without reading a row)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM ({sql}) AS q LIMIT 0")
        return {column.name for column in cursor.description if column.type_code in TEXT_TYPES}


def _csv_cells_made_safe(path: Path, text_columns: set[str]) -> None:
    """Rewrite the CSV ogr2ogr wrote with its text cells through landreg.tabular: a township or facility named
    `=HYPERLINK(…)` is text in a spreadsheet, never a formula. Only text columns are touched, so an area or a
    coordinate stays a number even when negative. Done in the temporary folder, before the file is moved or opened."""
    safe = path.with_name(f".safe-{path.name}")
    with (
        path.open(encoding="utf-8-sig", newline="") as source,
        safe.open("w", encoding="utf-8-sig", newline="") as target,
    ):
        reader, writer = csv.reader(source), csv.writer(target)
        header = next(reader)
        writer.writerow(header)  # the column names are ours
        is_text = [name in text_columns for name in header]
        for row in reader:
            writer.writerow([safe_cell(value) if text else value for value, text in zip(row, is_text, strict=True)])
    safe.replace(path)


def gdal_pg_datasource() -> str:
    """GDAL's PG: connection string for the database Django uses, from the very parameters Django gives
    psycopg2 (so a socket folder, a port or sslmode in DATABASE_URL all carry over). The password travels in
    the environment (PGPASSWORD), never on the command line where any local user could read it."""
    params = {
        key: value
        for key, value in connection.get_connection_params().items()
        if key != "password" and isinstance(value, str | int) and not isinstance(value, bool)
    }
    params["application_name"] = "landreg-export"
    return "PG:" + " ".join(f"{key}={_conninfo_quote(str(value))}" for key, value in params.items() if value != "")


def gdal_pg_environment() -> dict:
    env = {**os.environ, "PGCLIENTENCODING": "UTF8", "PG_LIST_ALL_TABLES": "NO"}
    password = connection.get_connection_params().get("password")
    if password:
        env["PGPASSWORD"] = str(password)
    return env


def _conninfo_quote(value: str) -> str:
    """libpq quoting: single quotes around the value, backslash before quotes and backslashes."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _listed(names) -> str:
    names = list(names)
    return ", ".join(names[:-1]) + " or " + names[-1]
