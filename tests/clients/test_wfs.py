"""WFS 2.0 with a real client: GDAL's WFS driver (ogrinfo, ogr2ogr) against the live server, HTTP Basic login."""

import base64
import json
import os
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from xml.etree import ElementTree

import pytest
from django.db import connection
from shapely.geometry import shape

from allocations.services import allocation_propose
from landreg import roles
from landreg.services import roles_sync, user_create
from townships import services as township_services
from townships.exports import gdal_pg_datasource, gdal_pg_environment
from townships.models import Plot

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "wfs-pass-1"
LAYERS = {"provinces", "townships", "blocks", "plots", "facilities"}
PLOT_FIELDS = ["number", "block", "township", "status", "use", "area_m2", "area_biswa"]


@pytest.fixture
def wfs_users(provinces):
    roles_sync()
    return {
        "officer": user_create(
            username="wfs.officer", password=PASSWORD, roles=[roles.LAND_OFFICER], provinces=[provinces["nangarhar"]]
        ),
        "herat": user_create(
            username="wfs.herat", password=PASSWORD, roles=[roles.LAND_OFFICER], provinces=[provinces["herat"]]
        ),
    }


@pytest.fixture
def published(township, plots, frame, wfs_users, make_household):
    """The test township, 3 plots, a well; plot 0 proposed to Gul Agha's household (who must never show)."""
    township_services.facility_create(
        township=township, kind="water_point", name="Well 1", geom=frame.rect(100, 150, 1, 1).centroid
    )
    household = make_household(head={"name": "Gul Agha", "father_name": "Wali Mohammad", "sex": "m"})
    allocation_propose(household=household, plot=plots[0], proposed_by=wfs_users["officer"])
    return township


def gdal(*args, user="wfs.officer", password=PASSWORD, check=True):
    env = {**os.environ, "GDAL_HTTP_TIMEOUT": "60", "CPL_DEBUG": "OFF"}
    if user:
        env.update(GDAL_HTTP_AUTH="BASIC", GDAL_HTTP_USERPWD=f"{user}:{password}")
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if check:
        assert done.returncode == 0, done.stderr
    return done


def get(url, user="wfs.officer", password=PASSWORD):
    """(status, headers, body) of a GET, with Basic credentials unless user is None."""
    request = urllib.request.Request(url)
    if user:
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def wfs(live_server, **params):
    return f"{live_server.url}/wfs/?" + urllib.parse.urlencode({"SERVICE": "WFS", "VERSION": "2.0.0", **params})


def test_ogrinfo_lists_the_plots_layer_with_its_count_and_fields(live_server, published):
    summary = gdal("ogrinfo", "-ro", "-so", f"WFS:{live_server.url}/wfs/?SERVICE=WFS", "plots").stdout
    assert "Feature Count: 3" in summary
    fields = [line.split(":")[0] for line in summary.splitlines() if ": " in line and "(" in line]
    assert [f for f in fields if f in PLOT_FIELDS] == PLOT_FIELDS
    assert "Extent: (70.5" in summary


def test_ogr2ogr_copies_the_plots_with_identical_count_and_geometry(live_server, published, tmp_path):
    out = tmp_path / "out.gpkg"
    gdal("ogr2ogr", "-f", "GPKG", str(out), f"WFS:{live_server.url}/wfs/?SERVICE=WFS", "plots")
    assert "Feature Count: 3" in gdal("ogrinfo", "-ro", "-so", "-al", str(out), user=None).stdout
    # WFS says gml:Surface, which GDAL reads as a curve polygon; its rings are straight, so converting is lossless.
    copy = [gdal_pg_datasource(), str(out), "-nln", "wfs_plots", "-nlt", "CONVERT_TO_LINEAR"]
    subprocess.run(
        ["ogr2ogr", "-f", "PostgreSQL", *copy, "-lco", "GEOMETRY_NAME=geom"], env=gdal_pg_environment(), check=True
    )
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                """SELECT p.number, ST_Equals(p.geom, w.geom),
                          ST_Area(ST_Transform(ST_SymDifference(p.geom, w.geom), 32642)),
                          p.area_m2 = w.area_m2::numeric, w.status
                     FROM townships_plot p JOIN wfs_plots w ON w.number = p.number ORDER BY p.number"""
            )
            rows = cursor.fetchall()
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS wfs_plots")
    assert [row[0] for row in rows] == ["0", "1", "2"]
    assert all(equal and difference < 0.01 and same_area for _n, equal, difference, same_area, _s in rows), rows
    assert rows[0][4] == "reserved"


def test_get_capabilities_lists_the_five_feature_types_and_their_crs(live_server, published):
    status, _headers, body = get(wfs(live_server, REQUEST="GetCapabilities"))
    assert status == 200
    ns = {"wfs": "http://www.opengis.net/wfs/2.0"}
    feature_types = ElementTree.fromstring(body).findall(".//wfs:FeatureType", ns)
    assert {ft.findtext("wfs:Name", namespaces=ns).split(":")[-1] for ft in feature_types} == LAYERS
    plots = next(ft for ft in feature_types if ft.findtext("wfs:Name", namespaces=ns).endswith(":plots"))
    assert plots.findtext("wfs:DefaultCRS", namespaces=ns) == "urn:ogc:def:crs:EPSG::4326"
    other = {e.text for e in plots.findall("wfs:OtherCRS", ns)}
    assert other == {
        "urn:ogc:def:crs:OGC::CRS84",
        "urn:ogc:def:crs:EPSG::3857",
        "urn:ogc:def:crs:EPSG::32641",
        "urn:ogc:def:crs:EPSG::32642",
        "urn:ogc:def:crs:EPSG::32643",
    }


def test_plots_come_in_the_utm_zone_asked_for_and_measure_their_area(live_server, published):
    url = wfs(live_server, REQUEST="GetFeature", TYPENAMES="plots", OUTPUTFORMAT="geojson", SRSNAME="EPSG:32642")
    status, _headers, body = get(url)
    assert status == 200
    features = json.loads(body)["features"]
    assert len(features) == 3
    for feature in features:
        assert abs(shape(feature["geometry"]).area - float(feature["properties"]["area_m2"])) < 0.01
        assert float(feature["properties"]["area_biswa"]) == float(feature["properties"]["area_m2"]) / 100


def test_no_layer_names_the_household_holding_a_plot(live_server, published):
    for layer in LAYERS:
        status, _headers, body = get(wfs(live_server, REQUEST="GetFeature", TYPENAMES=layer))
        assert status == 200 and b"Gul Agha" not in body and b"Wali Mohammad" not in body


def test_each_user_sees_the_townships_of_their_scope(live_server, published):
    summary = gdal("ogrinfo", "-ro", "-so", f"WFS:{live_server.url}/wfs/?SERVICE=WFS", "plots", user="wfs.herat").stdout
    assert "Feature Count: 0" in summary
    _status, _headers, body = get(wfs(live_server, REQUEST="GetFeature", TYPENAMES="townships", RESULTTYPE="hits"))
    assert b'numberMatched="1"' in body


def test_anonymous_and_wrong_passwords_are_refused_with_a_401_asking_for_basic_credentials(live_server, published):
    for user, password in [(None, None), ("wfs.officer", "wrong")]:
        status, headers, body = get(wfs(live_server, REQUEST="GetCapabilities"), user=user, password=password)
        assert status == 401 and headers["WWW-Authenticate"].startswith('Basic realm="landreg WFS"')
        assert b"Log in to read the WFS" in body and b"ows:ExceptionReport" in body
    refused = gdal("ogrinfo", "-ro", "-so", f"WFS:{live_server.url}/wfs/?SERVICE=WFS", "plots", user=None, check=False)
    assert refused.returncode != 0


# The WFS is read-only and filters only on the published fields: checked with Django's test client, no live server.


def wfs_get(client, **params):
    response = client.get("/wfs/?" + urllib.parse.urlencode({"SERVICE": "WFS", "VERSION": "2.0.0", **params}))
    return response.status_code, b"".join(response.streaming_content) if response.streaming else response.content


def like_filter(name: str, pattern: str, negate: bool = False) -> str:
    like = (
        '<fes:PropertyIsLike wildCard="%" singleChar="_" escapeChar="!">'
        f"<fes:ValueReference>{name}</fes:ValueReference><fes:Literal>{pattern}</fes:Literal></fes:PropertyIsLike>"
    )
    like = f"<fes:Not>{like}</fes:Not>" if negate else like
    return f'<fes:Filter xmlns:fes="http://www.opengis.net/fes/2.0">{like}</fes:Filter>'


def test_the_wfs_is_read_only_so_no_transaction_can_change_a_plot_status(client, published, wfs_users, plots):
    client.force_login(wfs_users["officer"])
    _status, capabilities = wfs_get(client, REQUEST="GetCapabilities")
    assert b'name="Transaction"' not in capabilities
    assert b'ImplementsTransactionalWFS"><ows:NoValues/><ows:DefaultValue>FALSE' in capabilities
    transaction = (
        b'<wfs:Transaction service="WFS" version="2.0.0" xmlns:wfs="http://www.opengis.net/wfs/2.0">'
        b'<wfs:Update typeName="plots"><wfs:Property><wfs:ValueReference>status</wfs:ValueReference>'
        b"<wfs:Value>available</wfs:Value></wfs:Property></wfs:Update></wfs:Transaction>"
    )
    posted = client.post("/wfs/", transaction, content_type="text/xml")
    assert posted.status_code == 400 and b"OperationNotSupported" in posted.content
    status, body = wfs_get(client, REQUEST="Transaction")
    assert status == 400 and b"OperationNotSupported" in body
    assert [p.status for p in Plot.objects.order_by("number")] == ["reserved", "available", "available"]


def test_wfs_filters_and_sorting_refuse_fields_that_are_not_published(client, published, wfs_users):
    client.force_login(wfs_users["officer"])
    hidden = ["allocations__household__members__name", "allocations/household/members/name", "township/name", "id"]
    for name in hidden:
        yes = wfs_get(client, REQUEST="GetFeature", TYPENAMES="plots", FILTER=like_filter(name, "Gul%"))
        no = wfs_get(client, REQUEST="GetFeature", TYPENAMES="plots", FILTER=like_filter(name, "Gul%", negate=True))
        assert yes[0] == no[0] == 400 and b"InvalidParameterValue" in yes[1], (name, yes)
        assert b"Gul Agha" not in yes[1] + no[1] and b"Choices are" not in yes[1]
        status, body = wfs_get(client, REQUEST="GetFeature", TYPENAMES="plots", SORTBY=name)
        assert status == 400 and b"Gul Agha" not in body
    status, body = wfs_get(client, REQUEST="GetFeature", TYPENAMES="plots", FILTER=like_filter("status", "res%"))
    assert status == 200 and body.count(b"<app:plots ") == 1
