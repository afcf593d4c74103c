"""The 34 provinces load from the shipped geoBoundaries file joined to the p-code table, quirks and all."""

import json
from pathlib import Path

from django.conf import settings
from django.core.management import call_command

from parcels.models import AdminArea
from parcels.services import provinces_load_reference

DATA = Path(settings.BASE_DIR) / "gis_data"


def test_all_34_provinces_load_with_pcodes_names_and_boundaries(db):
    report = provinces_load_reference(
        DATA / "geoBoundaries-AFG-ADM1.geojson", DATA / "af_provinces.csv", DATA / "af_provinces_ps.csv"
    )
    assert report.created == 34 and report.unmatched == []
    assert not AdminArea.objects.filter(name_ps="").exists()
    assert AdminArea.objects.get(pcode="AF06").name_ps == "ننګرهار"
    assert AdminArea.objects.filter(level="province", geom__isnull=False).count() == 34
    ghazni = AdminArea.objects.get(pcode="AF11")
    assert ghazni.name_en == "Ghazni"  # not the file's 'Ghanzi'
    assert AdminArea.objects.get(iso_code="AF-KAN").geom.geom_type == "MultiPolygon"  # from 'AF_KAN'
    assert "name" in report.matched_by["AF17"]  # Badakhshan: 'AF-BDN' in the file, AF-BDS in ISO
    jalalabad = "SRID=4326;POINT(70.45 34.43)"
    assert AdminArea.objects.get(geom__contains=jalalabad).pcode == "AF06"


def test_loading_twice_updates_instead_of_duplicating(db):
    provinces_load_reference(DATA / "geoBoundaries-AFG-ADM1.geojson", DATA / "af_provinces.csv")
    report = provinces_load_reference(DATA / "geoBoundaries-AFG-ADM1.geojson", DATA / "af_provinces.csv")
    assert (report.created, report.updated) == (0, 34)


def test_features_that_cannot_be_matched_are_reported(db, tmp_path):
    collection = json.loads((DATA / "geoBoundaries-AFG-ADM1.geojson").read_text())
    collection["features"] = collection["features"][:2] + [
        {
            "type": "Feature",
            "properties": {"shapeName": "Atlantis", "shapeISO": "AF-ZZZ"},
            "geometry": {"type": "Polygon", "coordinates": [[[60, 30], [61, 30], [61, 31], [60, 30]]]},
        }
    ]
    (tmp_path / "adm1.geojson").write_text(json.dumps(collection))
    report = provinces_load_reference(tmp_path / "adm1.geojson", DATA / "af_provinces.csv")
    assert report.created == 2
    assert any("Atlantis" in line for line in report.unmatched)
    assert sum("has no boundary in the file" in line for line in report.unmatched) == 32


def test_the_command_prints_what_it_matched_by_name(db, capsys):
    call_command("load_provinces")
    out = capsys.readouterr().out
    assert "34 created" in out and "AF17: matched by name" in out
