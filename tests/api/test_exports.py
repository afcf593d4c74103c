"""Township files over HTTP, opened with GDAL's own tools: layers, counts, fields, geometry, no personal data.

ogr2ogr reads PostGIS on its own connection, so the test data must be committed: transactional tests.
"""

import io
import json
import re
import subprocess
import zipfile

import pytest
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.management import call_command
from django.db import connection
from django.test import RequestFactory

from allocations.services import allocation_propose
from landreg.models import PersonalDataAccess
from landreg.services import user_create
from townships import exports
from townships import services as township_services
from townships.admin_exports import export_as_geopackage
from townships.exports import gdal_pg_datasource, gdal_pg_environment
from townships.models import Township

pytestmark = pytest.mark.django_db(transaction=True)

FIELDS = {
    "township": {"code", "name", "name_prs", "status", "utm_srid"},
    "blocks": {"code", "township"},
    "plots": {"number", "block", "township", "status", "use", "area_m2", "area_biswa"},
    "facilities": {"kind", "name", "functional"},
}
TAZKIRA = "1401-0203-98765"
# Everything that would identify the household holding plot 0; none of it may reach a file.
PERSONAL = ["Gul Agha", "Wali Mohammad", TAZKIRA, TAZKIRA.replace("-", "")]


@pytest.fixture
def laid_out(township, plots, frame, users, make_household):
    """The test township with a Dari name, 3 plots, 2 facilities, and plot 0 proposed to Gul Agha's household."""
    township_services.township_update(township=township, name_prs="شهرک آزمایشی")
    township_services.facility_create(
        township=township, kind="water_point", name="Well 1", geom=frame.rect(100, 150, 1, 1).centroid
    )
    township_services.facility_create(township=township, kind="school", geom=frame.rect(300, 150, 1, 1).centroid)
    township.household = make_household(
        head={"name": "Gul Agha", "father_name": "Wali Mohammad", "sex": "m", "tazkira": TAZKIRA},
    )
    allocation_propose(household=township.household, plot=plots[0], proposed_by=users["officer_nangarhar"])
    return township


def download(client, user, url, tmp_path):
    """GET url as user; the file is saved under its download name, which is returned with the response."""
    client.force_login(user)
    response = client.get(url)
    if response.status_code != 200:
        return response, None
    name = re.search(r'filename="([^"]+)"', response["Content-Disposition"]).group(1)
    path = tmp_path / name
    path.write_bytes(b"".join(response.streaming_content))
    return response, path


def ogrinfo(*args) -> str:
    done = subprocess.run(["ogrinfo", "-ro", *args], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def layers_of(summary: str) -> dict:
    """From `ogrinfo -so -al`: {layer: {"count": n, "geometry": ..., "fields": {name: type}}}."""
    layers = {}
    for block in summary.split("Layer name: ")[1:]:
        name = block.splitlines()[0].strip()
        layers[name] = {
            "count": int(re.search(r"^Feature Count: (\d+)", block, re.M).group(1)),
            "geometry": re.search(r"^Geometry: (.+)$", block, re.M).group(1),
            "fields": {
                field: kind
                for field, kind in re.findall(r"^(\w+): (\w+)(?:\(\w+\))? \(", block, re.M)
                if field != "Geometry"  # "Geometry: Unknown (any)" is the layer's, not a field
            },
        }
    return layers


def test_a_geopackage_holds_the_four_layers_of_the_township_with_their_fields(client, laid_out, users, tmp_path):
    response, path = download(client, users["officer_nangarhar"], "/api/v1/exports/townships/NAN-TEST.gpkg", tmp_path)
    assert response["Content-Type"] == "application/geopackage+sqlite3"
    assert path.name == "NAN-TEST.gpkg"
    layers = layers_of(ogrinfo("-so", "-al", str(path)))
    assert {name: layer["count"] for name, layer in layers.items()} == {
        "township": 1,
        "blocks": 2,
        "plots": 3,
        "facilities": 2,
    }
    assert {name: set(layer["fields"]) for name, layer in layers.items()} == FIELDS
    assert [layers[n]["geometry"] for n in FIELDS] == ["Multi Polygon", "Polygon", "Polygon", "Point"]
    township = ogrinfo("-al", str(path), "township")
    assert "name_prs (String) = شهرک آزمایشی" in township and "utm_srid (Integer) = 32642" in township
    plot = ogrinfo("-al", "-where", "number = '1'", str(path), "plots")
    assert "block (String) = A" in plot and "status (String) = available" in plot
    assert "area_m2 (Real) = 500\n" in plot and "area_biswa (Real) = 5\n" in plot  # 20 m × 25 m, 5 biswa


def test_the_geopackage_plots_copied_back_by_ogr2ogr_are_the_plots_in_the_database(client, laid_out, users, tmp_path):
    _response, path = download(client, users["gis"], "/api/v1/exports/townships/NAN-TEST.gpkg", tmp_path)
    # ogr2ogr copies the file's plots into a scratch table of the test database: binary doubles all the way.
    copy = [gdal_pg_datasource(), str(path), "plots", "-nln", "exported_plots", "-lco", "GEOMETRY_NAME=geom"]
    subprocess.run(["ogr2ogr", "-f", "PostgreSQL", *copy], env=gdal_pg_environment(), check=True)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                """SELECT p.number, ST_Equals(p.geom, e.geom),
                          ST_Area(ST_Transform(ST_SymDifference(p.geom, e.geom), t.utm_srid)),
                          p.area_m2 = e.area_m2::numeric, e.status, e.block
                     FROM townships_plot p
                     JOIN townships_township t ON t.id = p.township_id
                     JOIN exported_plots e ON e.number = p.number AND e.township = t.code
                    ORDER BY p.number"""
            )
            rows = cursor.fetchall()
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE exported_plots")
    assert [row[0] for row in rows] == ["0", "1", "2"]
    for _number, equal, difference_m2, same_area, _status, block in rows:
        assert equal and difference_m2 < 0.01 and same_area and block == "A"
    assert rows[0][4] == "reserved"  # proposed to a household: the status shows it, the name does not


def test_a_zipped_shapefile_holds_one_layer_readable_through_vsizip(client, laid_out, users, tmp_path):
    response, path = download(client, users["committee"], "/api/v1/exports/townships/NAN-TEST.shp.zip", tmp_path)
    assert response["Content-Type"] == "application/zip" and path.name == "NAN-TEST-plots.shp.zip"
    assert sorted(zipfile.ZipFile(path).namelist()) == [f"plots.{ext}" for ext in ("cpg", "dbf", "prj", "shp", "shx")]
    layers = layers_of(ogrinfo("-so", "-al", f"/vsizip/{path}"))
    assert layers["plots"]["count"] == 3 and set(layers["plots"]["fields"]) == FIELDS["plots"]

    _response, path = download(
        client, users["committee"], "/api/v1/exports/townships/NAN-TEST.shp.zip?layer=township", tmp_path
    )
    assert path.name == "NAN-TEST-township.shp.zip"
    assert "name_prs (String) = شهرک آزمایشی" in ogrinfo("-al", f"/vsizip/{path}")  # UTF-8, thanks to the .cpg


def test_geojson_holds_the_chosen_layer(client, laid_out, users, tmp_path):
    response, path = download(client, users["gis"], "/api/v1/exports/townships/NAN-TEST.geojson", tmp_path)
    assert response["Content-Type"] == "application/geo+json" and path.name == "NAN-TEST-plots.geojson"
    collection = json.loads(path.read_text())
    assert len(collection["features"]) == 3
    assert all(set(f["properties"]) == FIELDS["plots"] for f in collection["features"])
    assert layers_of(ogrinfo("-so", "-al", str(path)))["plots"]["count"] == 3

    _response, path = download(
        client, users["gis"], "/api/v1/exports/townships/NAN-TEST.geojson?layer=facilities", tmp_path
    )
    facilities = json.loads(path.read_text())["features"]
    assert sorted(f["properties"]["kind"] for f in facilities) == ["school", "water_point"]
    assert {f["geometry"]["type"] for f in facilities} == {"Point"}


def test_kml_names_each_placemark_and_keeps_the_attributes(client, laid_out, users, tmp_path):
    response, path = download(client, users["gis"], "/api/v1/exports/townships/NAN-TEST.kml", tmp_path)
    assert response["Content-Type"] == "application/vnd.google-earth.kml+xml"
    layers = layers_of(ogrinfo("-so", "-al", str(path)))
    assert layers["plots"]["count"] == 3
    assert FIELDS["plots"] <= set(layers["plots"]["fields"])
    assert "Name (String) = Plot 1" in ogrinfo("-al", str(path))


def test_csv_carries_a_wkt_column_or_lon_and_lat_of_the_centroid(client, laid_out, users, tmp_path, frame):
    response, path = download(client, users["officer_nangarhar"], "/api/v1/exports/townships/NAN-TEST.csv", tmp_path)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    header, *rows = path.read_text(encoding="utf-8-sig").splitlines()
    assert header.split(",") == ["WKT", "number", "block", "township", "status", "use", "area_m2", "area_biswa"]
    assert len(rows) == 3 and all(row.startswith('"POLYGON ((') for row in rows)
    summary = ogrinfo("-so", "-al", str(path))  # GDAL finds the WKT column by its name
    assert layers_of(summary)[path.stem]["count"] == 3 and "Extent: (70.5" in summary

    _response, path = download(
        client,
        users["officer_nangarhar"],
        "/api/v1/exports/townships/NAN-TEST.csv?layer=blocks&csv_geometry=lonlat",
        tmp_path,
    )
    header, *rows = path.read_text(encoding="utf-8-sig").splitlines()
    assert header.split(",") == ["code", "township", "lon", "lat"]
    centre_of_a = frame.rect(0, 0, 200, 100).centroid
    lon, lat = (float(v) for v in rows[0].split(",")[2:])
    assert abs(lon - centre_of_a.x) < 1e-6 and abs(lat - centre_of_a.y) < 1e-6
    summary = ogrinfo("-so", "-al", "-oo", "X_POSSIBLE_NAMES=lon", "-oo", "Y_POSSIBLE_NAMES=lat", str(path))
    assert "Geometry: Point" in summary and "Feature Count: 2" in summary


@pytest.mark.parametrize("fmt", ["gpkg", "shp.zip", "geojson", "csv", "kml"])
def test_no_file_names_the_household_holding_a_plot(client, laid_out, users, tmp_path, fmt):
    _response, path = download(
        client, users["officer_nangarhar"], f"/api/v1/exports/townships/NAN-TEST.{fmt}", tmp_path
    )
    source = f"/vsizip/{path}" if fmt == "shp.zip" else str(path)
    everything = ogrinfo("-al", source)  # every property key and value of every feature
    for name, layer in layers_of(ogrinfo("-so", "-al", source)).items():
        extra = set(layer["fields"]) - FIELDS["plots" if fmt == "csv" else name] - {"WKT"}
        if fmt == "kml":  # KML's own placemark fields (Name, description, timestamp, …), no attribute of ours
            extra -= {"Name", "description", "timestamp", "begin", "end", "altitudeMode", "tessellate", "extrude"}
            extra -= {"visibility", "drawOrder", "icon"}
        assert not extra, f"{name} has unexpected fields {extra}"
    raw = path.read_bytes() if fmt != "shp.zip" else b"".join(map(zipfile.ZipFile(path).read, ["plots.dbf"]))
    for secret in [*PERSONAL, laid_out.household.code]:
        assert secret not in everything
        assert secret.encode() not in raw


def test_an_officer_of_another_province_gets_a_404_and_bad_requests_a_sentence(client, laid_out, users, tmp_path):
    response, _path = download(client, users["officer_herat"], "/api/v1/exports/townships/NAN-TEST.gpkg", tmp_path)
    assert response.status_code == 404 and response.json()["detail"] == "Not found in your scope."
    response, _path = download(client, users["officer_nangarhar"], "/api/v1/exports/townships/NAN-TEST.xls", tmp_path)
    assert response.status_code == 400
    assert (
        response.json()["detail"]
        == "There is no export format 'xls'; ask for one of gpkg, shp.zip, geojson, csv or kml."
    )
    response, _path = download(
        client, users["officer_nangarhar"], "/api/v1/exports/townships/NAN-TEST.geojson?layer=households", tmp_path
    )
    assert response.status_code == 400 and "There is no layer 'households'" in response.json()["detail"]
    response, _path = download(
        client, users["officer_nangarhar"], "/api/v1/exports/townships/NAN-TEST.csv?csv_geometry=x", tmp_path
    )
    assert response.status_code == 400 and response.json()["detail"].startswith("The CSV geometry must be wkt")


def test_anonymous_users_and_users_without_a_role_are_refused(client, laid_out, provinces, tmp_path):
    assert client.get("/api/v1/exports/townships/NAN-TEST.gpkg").status_code == 403
    nobody = user_create(username="nobody", password="x", roles=[], provinces=[provinces["nangarhar"]])
    response, _path = download(client, nobody, "/api/v1/exports/townships/NAN-TEST.gpkg", tmp_path)
    assert response.status_code == 403 and "no role that may export townships" in response.json()["detail"]


def test_every_export_is_logged(client, laid_out, users, tmp_path):
    download(client, users["gis"], "/api/v1/exports/townships/NAN-TEST.gpkg", tmp_path)
    entry = PersonalDataAccess.objects.get(action="export")
    assert entry.user == users["gis"] and entry.what == "townships.Township"
    assert entry.object_ids == [laid_out.pk] and entry.where == "/api/v1/exports/townships/NAN-TEST.gpkg"


def test_the_command_writes_the_file_and_prints_progress_layer_by_layer(laid_out, tmp_path):
    out = io.StringIO()
    call_command("export_township", "NAN-TEST", "--format", "gpkg", "--out", str(tmp_path / "t.gpkg"), stdout=out)
    assert out.getvalue().splitlines()[:4] == [
        "[1/4] township: 1 feature",
        "[2/4] blocks: 2 features",
        "[3/4] plots: 3 features",
        "[4/4] facilities: 2 features",
    ]
    assert "4 layer(s), 8 features" in out.getvalue()
    assert set(layers_of(ogrinfo("-so", "-al", str(tmp_path / "t.gpkg")))) == set(FIELDS)
    assert PersonalDataAccess.objects.get(action="export").where == "manage.py export_township"

    out = io.StringIO()
    call_command("export_township", "NAN-TEST", "--format", "shp", "--out", str(tmp_path / "p.shp.zip"), stdout=out)
    assert out.getvalue().startswith("[1/1] plots: 3 features")
    assert layers_of(ogrinfo("-so", "-al", f"/vsizip/{tmp_path / 'p.shp.zip'}"))["plots"]["count"] == 3


def test_the_admin_action_exports_only_townships_in_scope(laid_out, users, provinces, frame):
    from django.contrib.gis.geos import MultiPolygon

    herat = township_services.township_create(
        code="HER-TEST",
        name="Herat test",
        province=provinces["herat"],
        legal_basis="decree_305_2018",
        geom=MultiPolygon(frame.rect(2000, 0, 100, 100)),
    )
    request = RequestFactory().post("/admin/townships/township/")
    request.user = users["officer_nangarhar"]
    request.session = {}
    request._messages = FallbackStorage(request)
    modeladmin = type("TownshipAdmin", (), {"message_user": lambda self, r, m, level: r._messages.add(level, m)})()

    response = export_as_geopackage(modeladmin, request, Township.objects.filter(pk__in=[laid_out.pk, herat.pk]))
    assert response["Content-Disposition"] == 'attachment; filename="NAN-TEST.gpkg"'
    assert [str(m) for m in request._messages] == ["1 selected township(s) outside your provinces were left out."]

    request.user = users["admin"]
    response = export_as_geopackage(modeladmin, request, Township.objects.all())
    names = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))).namelist()
    assert names == ["HER-TEST.gpkg", "NAN-TEST.gpkg"]


def test_a_failed_export_says_so_without_what_ogr2ogr_said(client, laid_out, users, tmp_path, monkeypatch):
    def fails(*args, **kwargs):
        raise exports.ExportFailed('ogr2ogr could not write the plots layer: ERROR: column "townships_plot.x"')

    monkeypatch.setattr(exports, "_ogr2ogr", fails)
    response, _path = download(client, users["officer_nangarhar"], "/api/v1/exports/townships/NAN-TEST.csv", tmp_path)
    assert response.status_code == 503
    assert response.json()["detail"] == "The file could not be written; try again later."
