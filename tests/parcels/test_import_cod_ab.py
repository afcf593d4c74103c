"""Districts and provinces import from an OCHA COD-AB GeoPackage or shapefile zip, made here with ogr2ogr."""

import json
import subprocess
import zipfile

import pytest
from django.core.management import CommandError, call_command

from parcels.models import AdminArea
from parcels.services import admin_areas_import_cod_ab


def square(x, y, size=0.1):
    return {"type": "Polygon", "coordinates": [[[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]]}


def write_cod_ab(tmp_path, fmt):
    adm1 = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": square(70.0, 34.0, 1.0),
                "properties": {
                    "ADM1_EN": "Nangarhar",
                    "ADM1_PCODE": "AF06",
                    "ADM1_PRS": "ننگرهار",
                    "ADM1_PS": "ننګرهار",
                    "ADM0_PCODE": "AF",
                },
            }
        ],
    }
    adm2 = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": square(70.0, 34.0),
                "properties": {"ADM2_EN": "Achin", "ADM2_PCODE": "AF0617", "ADM2_PRS": "اچین", "ADM1_PCODE": "AF06"},
            },
            {
                "type": "Feature",
                "geometry": square(70.2, 34.2),
                "properties": {"ADM2_EN": "Behsud", "ADM2_PCODE": "AF0601", "ADM2_PRS": "بهسود", "ADM1_PCODE": "AF06"},
            },
        ],
    }
    for name, data in (("adm1", adm1), ("adm2", adm2)):
        (tmp_path / f"{name}.geojson").write_text(json.dumps(data), encoding="utf-8")
    if fmt == "gpkg":
        target = tmp_path / "afg_adm.gpkg"
        for name in ("adm1", "adm2"):
            update = ["-update"] if target.exists() else []
            subprocess.run(
                [
                    "ogr2ogr",
                    "-f",
                    "GPKG",
                    *update,
                    "-nln",
                    f"afg_admbnda_{name}",
                    str(target),
                    str(tmp_path / f"{name}.geojson"),
                ],
                check=True,
            )
        return target
    target = tmp_path / "afg_adm_shp.zip"
    with zipfile.ZipFile(target, "w") as archive:
        for name in ("adm1", "adm2"):
            shp = tmp_path / f"afg_admbnda_{name}.shp"
            subprocess.run(
                [
                    "ogr2ogr",
                    "-f",
                    "ESRI Shapefile",
                    "-lco",
                    "ENCODING=UTF-8",
                    str(shp),
                    str(tmp_path / f"{name}.geojson"),
                ],
                check=True,
            )
            for part in tmp_path.glob(f"afg_admbnda_{name}.*"):
                archive.write(part, part.name)
    return target


@pytest.mark.parametrize("fmt", ["gpkg", "shp.zip"])
def test_it_imports_provinces_and_districts(db, tmp_path, fmt):
    report = admin_areas_import_cod_ab(write_cod_ab(tmp_path, fmt))
    assert report.created == 3 and report.unmatched == []
    achin = AdminArea.objects.get(pcode="AF0617")
    assert (achin.level, achin.name_en, achin.name_prs, achin.parent.pcode) == ("district", "Achin", "اچین", "AF06")
    assert AdminArea.objects.get(pcode="AF06").name_ps == "ننګرهار"
    assert achin.geom.geom_type == "MultiPolygon"


def test_reimporting_updates_in_place(db, tmp_path):
    path = write_cod_ab(tmp_path, "gpkg")
    admin_areas_import_cod_ab(path)
    report = admin_areas_import_cod_ab(path)
    assert (report.created, report.updated) == (0, 3)


def test_a_file_that_is_not_cod_ab_is_refused_with_a_reason(db, tmp_path):
    junk = tmp_path / "junk.gpkg"
    junk.write_bytes(b"this is not a geopackage")
    with pytest.raises(CommandError, match="Could not open junk.gpkg"):
        call_command("import_cod_ab", str(junk))


def test_a_zip_without_a_shapefile_is_refused(db, tmp_path):
    empty = tmp_path / "empty.zip"
    with zipfile.ZipFile(empty, "w") as archive:
        archive.writestr("readme.txt", "nothing here")
    with pytest.raises(CommandError, match="holds no .shp or .gpkg"):
        call_command("import_cod_ab", str(empty))
