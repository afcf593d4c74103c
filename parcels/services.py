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
