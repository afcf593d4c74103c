"""Loads administrative areas: the shipped province boundaries, and OCHA COD-AB files a user downloads."""

import csv
import difflib
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.gis.gdal import DataSource
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon
from django.db import transaction

from parcels.models import AdminArea


@dataclass
class LoadReport:
    created: int = 0
    updated: int = 0
    matched_by: dict = field(default_factory=dict)  # p-code -> "iso" | "name" | "similar name"
    unmatched: list = field(default_factory=list)  # what could not be joined, with why

    def lines(self) -> list[str]:
        out = [f"{self.created} created, {self.updated} updated"]
        for pcode, how in sorted(self.matched_by.items()):
            if how != "iso":
                out.append(f"{pcode}: matched by {how}")
        out += [f"not matched: {item}" for item in self.unmatched]
        return out


def _normalise_iso(code: str) -> str:
    return re.sub(r"[^A-Z]", "-", (code or "").strip().upper())


def _normalise_name(name: str) -> str:
    return re.sub(r"[^a-z]", "", (name or "").lower())


def _as_multipolygon(geom: GEOSGeometry) -> MultiPolygon:
    geom = geom if geom.srid else GEOSGeometry(geom.wkt, srid=4326)
    if geom.srid != 4326:
        geom.transform(4326)
    if geom.geom_type == "Polygon":
        geom = MultiPolygon(geom, srid=4326)
    if not geom.valid:
        geom = geom.make_valid()
        if geom.geom_type == "Polygon":
            geom = MultiPolygon(geom, srid=4326)
    return geom


@transaction.atomic
def provinces_load_reference(geojson_path: Path, csv_path: Path, pashto_csv_path: Path | None = None) -> LoadReport:
    """Join geoBoundaries ADM1 polygons to the p-code table and upsert the 34 provinces.

    The boundary file is used as published: ISO codes like 'AF_KAN' and 'AF-BDN', names like 'Ghanzi'.
    Features are matched by normalised ISO code, then by name, then by a close name; the rest is reported.
    """
    report = LoadReport()
    rows = list(csv.DictReader(Path(csv_path).open(encoding="utf-8")))
    pashto = {}
    if pashto_csv_path and Path(pashto_csv_path).exists():
        pashto = {r["pcode"]: r["name_ps"] for r in csv.DictReader(Path(pashto_csv_path).open(encoding="utf-8"))}
    by_iso = {_normalise_iso(r["iso_3166_2"]): r for r in rows}
    by_name = {_normalise_name(r["name_en"]): r for r in rows}
    features = json.loads(Path(geojson_path).read_text(encoding="utf-8"))["features"]
    used = set()
    for feature in features:
        props = feature.get("properties", {})
        iso, name = _normalise_iso(props.get("shapeISO", "")), props.get("shapeName", "")
        row, how = by_iso.get(iso), "iso"
        if row is None or row["pcode"] in used:
            row, how = by_name.get(_normalise_name(name)), "name"
        if row is None or row["pcode"] in used:
            close = difflib.get_close_matches(_normalise_name(name), list(by_name), n=1, cutoff=0.75)
            row, how = (by_name[close[0]], "similar name") if close else (None, "")
        if row is None or row["pcode"] in used:
            report.unmatched.append(f"boundary feature '{name}' ({props.get('shapeISO', '')})")
            continue
        used.add(row["pcode"])
        report.matched_by[row["pcode"]] = f"{how} ('{name}', {props.get('shapeISO', '')})" if how != "iso" else how
        geom = _as_multipolygon(GEOSGeometry(json.dumps(feature["geometry"]), srid=4326))
        _, created = AdminArea.objects.update_or_create(
            pcode=row["pcode"],
            defaults={
                "level": AdminArea.Level.PROVINCE,
                "iso_code": row["iso_3166_2"],
                "name_en": row["name_en"],
                "name_prs": row["name_prs"],
                "name_ps": pashto.get(row["pcode"], ""),
                "geom": geom,
                "parent": None,
            },
        )
        report.created += created
        report.updated += not created
    for row in rows:
        if row["pcode"] not in used:
            report.unmatched.append(f"p-code {row['pcode']} {row['name_en']} has no boundary in the file")
    return report


_TRUE = {"yes", "y", "true", "1"}


@transaction.atomic
def crossing_points_load_reference(csv_path: Path) -> LoadReport:
    """Upsert the border crossing points of gis_data/border_crossings.csv (docs/movements.md), joined to the loaded
    provinces by p-code and, once districts are loaded, to their district by name. A point an administrator has
    corrected (corrected_at set) is left as corrected; a row whose province is not loaded is reported."""
    from django.contrib.gis.geos import Point  # noqa: PLC0415

    from parcels.models import CrossingPoint  # noqa: PLC0415

    report = LoadReport()
    provinces = {a.pcode: a for a in AdminArea.objects.filter(level=AdminArea.Level.PROVINCE)}
    for row in csv.DictReader(Path(csv_path).open(encoding="utf-8")):
        province = provinces.get(row["province_pcode"])
        if province is None:
            report.unmatched.append(f"crossing point {row['code']}: province {row['province_pcode']} is not loaded")
            continue
        existing = CrossingPoint.objects.filter(code=row["code"]).first()
        if existing is not None and existing.corrected_at is not None:
            report.matched_by[row["code"]] = "kept as corrected by an administrator"
            continue
        district = None
        if row.get("district_name"):
            district = next(
                (
                    d
                    for d in AdminArea.objects.filter(level=AdminArea.Level.DISTRICT, parent=province)
                    if _normalise_name(d.name_en) == _normalise_name(row["district_name"])
                ),
                None,
            )
        _, created = CrossingPoint.objects.update_or_create(
            code=row["code"],
            defaults={
                "name_en": row["name_en"],
                "name_prs": row["name_prs"],
                "name_ps": row["name_ps"],
                "province": province,
                "district": district,
                "neighbouring_country": row["country"],
                "kind": row["kind"],
                "main": row["main"].strip().lower() in _TRUE,
                "official": row["official"].strip().lower() in _TRUE,
                "geom": Point(float(row["lon"]), float(row["lat"]), srid=4326),
                "source": row["source"],
                "precision_km": row["precision_km"],
            },
        )
        report.created += created
        report.updated += not created
    return report


# Field names used by COD-AB releases (ADM1_EN, ADM1_PCODE, ADM2_PRS…); older ones use ADM1_DA or ADM1_DR.
_NAME_FIELDS = {"en": ("_EN",), "prs": ("_PRS", "_DA", "_DR", "_FA"), "ps": ("_PS", "_PRS_PS", "_PA")}


def _field(feature, fields: list[str], level: int, suffixes) -> str:
    for suffix in suffixes:
        name = f"ADM{level}{suffix}"
        for f in fields:
            if f.upper() == name:
                value = feature.get(f)
                return str(value).strip() if value is not None else ""
    return ""


def _cod_ab_source(path: Path) -> str:
    if path.suffix.lower() == ".zip":
        with zipfile.ZipFile(path) as archive:
            inner = [n for n in archive.namelist() if n.lower().endswith((".shp", ".gpkg"))]
        if not inner:
            raise ValueError(
                f"{path.name} holds no .shp or .gpkg file; download the COD-AB shapefile zip or GeoPackage."
            )
        return f"/vsizip/{path}"
    return str(path)


@transaction.atomic
def admin_areas_import_cod_ab(path: Path) -> LoadReport:
    """Upsert provinces (ADM1) and districts (ADM2) from an OCHA COD-AB shapefile zip or GeoPackage."""
    path = Path(path)
    try:
        source = DataSource(_cod_ab_source(path))
    except Exception as exc:  # GDAL gives terse errors; say what file we could not read
        raise ValueError(f"Could not open {path.name} as a shapefile zip or GeoPackage ({exc}).") from exc
    report = LoadReport()
    layers = {1: None, 2: None}
    for layer in source:
        fields = [f.upper() for f in layer.fields]
        for level in (2, 1):  # a district layer also carries ADM1_PCODE; test it first
            if f"ADM{level}_PCODE" in fields and layers[level] is None:
                layers[level] = layer
                break
    if layers[1] is None and layers[2] is None:
        raise ValueError(f"{path.name} has no layer with ADM1_PCODE or ADM2_PCODE fields; is it a COD-AB file?")
    for level in (1, 2):
        layer = layers[level]
        if layer is None:
            continue
        for feature in layer:
            fields = layer.fields
            pcode = _field(feature, fields, level, ("_PCODE",))
            defaults = {
                "level": AdminArea.Level.PROVINCE if level == 1 else AdminArea.Level.DISTRICT,
                "name_en": _field(feature, fields, level, _NAME_FIELDS["en"]),
                "name_prs": _field(feature, fields, level, _NAME_FIELDS["prs"]),
                "name_ps": _field(feature, fields, level, _NAME_FIELDS["ps"]),
            }
            if level == 2:
                parent = AdminArea.objects.filter(pcode=_field(feature, fields, 1, ("_PCODE",))).first()
                if parent is None:
                    report.unmatched.append(f"district {pcode}: its province is not loaded")
                    continue
                defaults["parent"] = parent
            geom = feature.geom.geos
            if geom.srid is None:
                geom.srid = 4326
            defaults["geom"] = _as_multipolygon(geom)
            for key in ("name_prs", "name_ps"):
                if not defaults[key]:
                    defaults.pop(key)  # keep names we already have from the reference table
            _, created = AdminArea.objects.update_or_create(pcode=pcode, defaults=defaults)
            report.created += created
            report.updated += not created
    return report


# --- Imagery: a GeoTIFF in, a cloud-optimised GeoTIFF stored, raster tiles served by api/tiles/imagery.py -------------

IMAGERY_MIN_ZOOM, IMAGERY_MAX_ZOOM = 10, 22
WEB_MERCATOR_METRES_AT_ZOOM_0 = 156543.03392804097  # metres per pixel of a 256-pixel tile at the equator, zoom 0


class ImageryError(ValueError):
    """A file that cannot become imagery, with a sentence that says why."""


def _display_range(src) -> tuple[float | None, float | None]:
    """For scenes that are not 8-bit: the 2nd and 98th percentiles of a decimated read, mapped to 0–255 later."""
    import numpy  # noqa: PLC0415 - rasterio's dependency, only needed here

    if src.dtypes[0] == "uint8":
        return None, None
    scale = max(1, max(src.width, src.height) // 512)
    sample = src.read(
        indexes=list(range(1, min(src.count, 3) + 1)),
        out_shape=(min(src.count, 3), max(1, src.height // scale), max(1, src.width // scale)),
        masked=True,
    )
    values = sample.compressed() if hasattr(sample, "compressed") else sample.ravel()
    if values.size == 0:
        return None, None
    low, high = numpy.percentile(values, [2, 98])
    return float(low), float(high) if high > low else float(low) + 1


def imagery_import(
    *,
    source_path,
    name: str,
    province: AdminArea | None = None,
    source: str = "",
    captured_on=None,
    by=None,
    crs: str = "",
):
    """Convert a GeoTIFF to a cloud-optimised GeoTIFF under MEDIA_ROOT/imagery/ and record it. A file that declares
    no coordinate system is refused unless `crs` states one (as for vector imports)."""
    import math  # noqa: PLC0415
    import tempfile  # noqa: PLC0415
    import uuid  # noqa: PLC0415

    import rasterio  # noqa: PLC0415 - heavy; only the imagery import needs it
    from django.contrib.gis.geos import Polygon  # noqa: PLC0415
    from django.core.files import File  # noqa: PLC0415
    from django.utils.translation import gettext  # noqa: PLC0415
    from rasterio.crs import CRS  # noqa: PLC0415
    from rasterio.errors import RasterioIOError  # noqa: PLC0415
    from rasterio.warp import calculate_default_transform, transform_bounds  # noqa: PLC0415

    from parcels.cog import CogError, write_cog  # noqa: PLC0415 - heavy (rasterio); only the imagery import needs it
    from parcels.models import Imagery  # noqa: PLC0415

    if not name.strip():
        raise ImageryError(gettext("Give the imagery a name."))
    try:
        src = rasterio.open(source_path)
    except RasterioIOError as error:
        raise ImageryError(
            gettext("This file is not a raster that GDAL can read (a GeoTIFF is expected): %(error)s")
            % {"error": error}
        ) from None
    with src:
        source_crs = src.crs or (CRS.from_user_input(crs) if crs else None)
        if source_crs is None:
            raise ImageryError(
                gettext(
                    "The file declares no coordinate reference system; state it (for example EPSG:32642) or export "
                    "the GeoTIFF again with its CRS."
                )
            )
        if src.count not in (1, 3, 4):
            raise ImageryError(
                gettext("The file has %(n)s bands; imagery needs 1 (grey), 3 (RGB) or 4 (RGBA).") % {"n": src.count}
            )
        west, south, east, north = transform_bounds(source_crs, "EPSG:4326", *src.bounds, densify_pts=21)
        if not (-180 <= west < east <= 180 and -85 <= south < north <= 85):
            raise ImageryError(gettext("The file's extent is not on the map; check its coordinate reference system."))
        transform, _w, _h = calculate_default_transform(source_crs, "EPSG:3857", src.width, src.height, *src.bounds)
        resolution = abs(transform.a) * math.cos(math.radians((south + north) / 2))
        maxzoom = math.ceil(math.log2(WEB_MERCATOR_METRES_AT_ZOOM_0 / abs(transform.a)))
        maxzoom = min(IMAGERY_MAX_ZOOM, max(IMAGERY_MIN_ZOOM, maxzoom))
        display_min, display_max = _display_range(src)
        rgb8 = src.dtypes[0] == "uint8" and src.count == 3 and src.nodata is None
        options = {"COMPRESS": "JPEG", "QUALITY": 85} if rgb8 else {"COMPRESS": "DEFLATE", "PREDICTOR": "YES"}
        with tempfile.TemporaryDirectory() as work:
            cog = f"{work}/{uuid.uuid4().hex}.tif"
            try:
                write_cog(src, cog, source_crs=source_crs, **options)
            except CogError as error:
                raise ImageryError(str(error)) from None
            with open(cog, "rb") as handle:
                imagery = Imagery(
                    name=name.strip(),
                    province=province,
                    source=source,
                    captured_on=captured_on,
                    bounds=Polygon.from_bbox((west, south, east, north)),
                    source_crs=source_crs.to_string(),
                    resolution_m=round(resolution, 3),
                    maxzoom=maxzoom,
                    display_min=display_min,
                    display_max=display_max,
                    size_bytes=0,
                    uploaded_by=by,
                )
                imagery.bounds.srid = 4326
                imagery.file.save(f"{uuid.uuid4().hex}.tif", File(handle), save=False)
                imagery.size_bytes = imagery.file.size
                imagery.save()
    return imagery
