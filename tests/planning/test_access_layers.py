"""Water points, roads and services: drawn one by one or imported from GIS files (GeoJSON, KML, GeoPackage,
zipped Shapefile), all or nothing, within the importer's provinces; refusals with a sentence."""

import json
import shutil
import subprocess
import zipfile

import pytest
from django.contrib.gis.geos import MultiPolygon, Point
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from planning.models import Road, ServicePoint, WaterPoint
from planning.services import AccessLayerError, access_feature_create, access_features_import

pytestmark = pytest.mark.django_db


def geojson(tmp_path, features, name="layer.geojson"):
    path = tmp_path / name
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [{"type": "Feature", "properties": props, "geometry": geom} for props, geom in features],
            }
        )
    )
    return path


def pt(lon, lat):
    return {"type": "Point", "coordinates": [lon, lat]}


def test_water_points_from_geojson_with_their_kind_and_status(tmp_path, provinces, users):
    path = geojson(
        tmp_path,
        [
            ({"type": "Well", "name": "W1", "status": "functional"}, pt(70.50, 34.40)),
            ({"type": "tap", "name": "T1", "status": "broken"}, pt(70.51, 34.40)),
            ({"type": "", "name": "R1"}, pt(70.52, 34.40)),
        ],
    )
    count = access_features_import(
        path=path,
        layer="water",
        province=provinces["nangarhar"],
        by=users["gis"],
        kind_field="type",
        default_kind="reservoir",
        name_field="name",
        status_field="status",
    )
    assert count == 3
    assert sorted(WaterPoint.objects.values_list("name", "kind", "functional")) == [
        ("R1", "reservoir", True),
        ("T1", "tap", False),
        ("W1", "well", True),
    ]
    assert WaterPoint.history_events.field.model.objects.count() == 3  # tracked, as land records are


def test_roads_from_kml_lose_their_heights_and_multi_parts_become_roads(tmp_path, provinces, users):
    kml = tmp_path / "roads.kml"
    kml.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
        '<Placemark><name>Main</name><ExtendedData><Data name="class"><value>paved</value></Data></ExtendedData>'
        "<LineString><coordinates>70.50,34.40,560 70.52,34.41,570</coordinates></LineString></Placemark>"
        "<Placemark><name>Tracks</name><MultiGeometry>"
        "<LineString><coordinates>70.50,34.42,0 70.51,34.42,0</coordinates></LineString>"
        "<LineString><coordinates>70.51,34.42,0 70.51,34.43,0</coordinates></LineString>"
        "</MultiGeometry></Placemark></Document></kml>"
    )
    count = access_features_import(
        path=kml,
        layer="road",
        province=provinces["nangarhar"],
        by=users["admin"],
        kind_field="class",
        default_kind="track",
        name_field="Name",
    )
    assert count == 3
    main = Road.objects.get(road_class="paved")
    assert main.name == "Main" and not main.geom.hasz
    assert Road.objects.filter(road_class="track").count() == 2


@pytest.mark.skipif(not shutil.which("ogr2ogr"), reason="needs GDAL's ogr2ogr")
def test_services_from_a_geopackage_and_a_shapefile_without_crs_needs_one(tmp_path, provinces, users):
    source = geojson(
        tmp_path, [({"kind": "school", "name": "S"}, pt(70.5, 34.4)), ({"kind": "Clinic", "name": "C"}, pt(70.6, 34.4))]
    )
    gpkg = tmp_path / "services.gpkg"
    subprocess.run(["ogr2ogr", "-f", "GPKG", str(gpkg), str(source)], check=True)
    assert (
        access_features_import(
            path=gpkg,
            layer="service",
            province=provinces["nangarhar"],
            by=users["gis"],
            kind_field="kind",
            name_field="name",
        )
        == 2
    )
    shp = tmp_path / "shp"
    subprocess.run(["ogr2ogr", "-f", "ESRI Shapefile", str(shp), str(source)], check=True)
    (shp / "layer.prj").unlink()
    archive = tmp_path / "services.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for part in shp.iterdir():
            z.write(part, part.name)
    with pytest.raises(AccessLayerError, match="declares no coordinate reference system"):
        access_features_import(
            path=archive, layer="service", province=provinces["nangarhar"], by=users["gis"], kind_field="kind"
        )
    assert (
        access_features_import(
            path=archive,
            layer="service",
            province=provinces["nangarhar"],
            by=users["gis"],
            kind_field="kind",
            srid=4326,
        )
        == 2
    )
    assert ServicePoint.objects.filter(kind="clinic").count() == 2


def test_bad_files_get_a_sentence_and_nothing_is_written(tmp_path, provinces, users):
    nangarhar = provinces["nangarhar"]
    junk = tmp_path / "junk.geojson"
    junk.write_text("{ not json")
    with pytest.raises(AccessLayerError, match="could not be read as GeoJSON"):
        access_features_import(path=junk, layer="water", province=nangarhar, by=users["gis"], default_kind="well")
    unknown = geojson(tmp_path, [({"type": "well"}, pt(70.5, 34.4)), ({"type": "canal"}, pt(70.5, 34.4))])
    with pytest.raises(AccessLayerError, match="Feature 2: “canal” is not one of well, borehole"):
        access_features_import(path=unknown, layer="water", province=nangarhar, by=users["gis"], kind_field="type")
    lines = geojson(tmp_path, [({}, {"type": "LineString", "coordinates": [[70.5, 34.4], [70.6, 34.4]]})], "l.json")
    with pytest.raises(AccessLayerError, match="Feature 1 is a LineString; the water layer holds Point"):
        access_features_import(path=lines, layer="water", province=nangarhar, by=users["gis"], default_kind="well")
    assert not WaterPoint.objects.exists()


def test_importers_are_administrators_and_gis_specialists_of_the_province(tmp_path, provinces, users):
    path = geojson(tmp_path, [({}, pt(70.5, 34.4))])
    with pytest.raises(PermissionDenied):
        access_features_import(
            path=path,
            layer="water",
            province=provinces["nangarhar"],
            by=users["officer_nangarhar"],
            default_kind="well",
        )
    from landreg import roles
    from landreg.services import user_create

    gis_herat = user_create(
        username="gis.h", password="x", roles=[roles.GIS_SPECIALIST], provinces=[provinces["herat"]]
    )
    with pytest.raises(PermissionDenied, match="outside your provinces"):
        access_features_import(
            path=path, layer="water", province=provinces["nangarhar"], by=gis_herat, default_kind="well"
        )
    with pytest.raises(CommandError, match="outside your provinces"):
        call_command("import_access_layer", str(path), layer="water", province="AF06", by="gis.h", default_kind="well")


def test_a_feature_outside_its_province_is_refused_with_a_sentence(provinces, users, frame):
    nangarhar = provinces["nangarhar"]
    nangarhar.geom = MultiPolygon(frame.rect(-5000, -5000, 10000, 10000))
    nangarhar.save()
    inside = access_feature_create(
        layer="water",
        by=users["gis"],
        province=nangarhar,
        kind="well",
        geom=Point(*frame.to_wgs.transform(frame.x0, frame.y0), srid=4326),
    )
    assert inside.pk
    with pytest.raises(ValidationError) as refused:
        access_feature_create(
            layer="water",
            by=users["gis"],
            province=nangarhar,
            kind="well",
            geom=Point(*frame.to_wgs.transform(frame.x0 + 20_000, frame.y0), srid=4326),
        )
    assert "must lie in its province" in str(refused.value) and "lies outside Nangarhar (AF06)" in str(refused.value)


def test_a_file_is_read_only_as_the_format_its_name_says_never_one_gdal_guesses(tmp_path, provinces, users):
    """A .geojson that holds a GDAL virtual format (VRT) pointing at a file of the server is not opened as VRT: the
    reader names the driver by the file's ending, as the layout import does."""
    secret = tmp_path / "secret.csv"
    secret.write_text('WKT,name\n"POINT (70.5 34.4)",server secret\n')
    vrt = tmp_path / "water.geojson"
    vrt.write_text(
        f'<OGRVRTDataSource><OGRVRTLayer name="secret"><SrcDataSource>{secret}</SrcDataSource>'
        "<GeometryType>wkbPoint</GeometryType><LayerSRS>EPSG:4326</LayerSRS>"
        '<GeometryField encoding="WKT" field="WKT"/></OGRVRTLayer></OGRVRTDataSource>'
    )
    with pytest.raises(AccessLayerError) as refused:
        access_features_import(
            path=vrt,
            layer="water",
            province=provinces["nangarhar"],
            by=users["gis"],
            default_kind="well",
            name_field="name",
        )
    assert "could not be read as GeoJSON" in str(refused.value)
    assert not WaterPoint.objects.filter(name="server secret").exists()
