"""GDAL's OAPIF driver, a real client, reads our OGC API - Features: layers, server-side filters, a full copy."""

import json
import subprocess

import pytest
from django.contrib.gis.geos import GEOSGeometry

from landreg import roles
from landreg.services import roles_sync, user_create
from townships import services
from townships.models import Plot

AUTH = ["--config", "GDAL_HTTP_AUTH", "BASIC", "--config", "GDAL_HTTP_USERPWD", "gdal.reader:gdal-pass-1"]


@pytest.fixture
def layout(township, frame):
    roles_sync()
    user_create(username="gdal.reader", password="gdal-pass-1", roles=[roles.GIS_SPECIALIST], national=True)
    for i in range(25):  # more than one page of GDAL's default page size
        services.plot_create(
            township=township,
            block=township.block_a,
            number=str(i + 1),
            status="reserved" if i % 5 == 0 else "available",
            geom=frame.rect((i % 10) * 20, (i // 10) * 25, 20, 25),
        )
    return township


def ogrinfo(*args):
    out = subprocess.run(["ogrinfo", "-ro", *args, *AUTH], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout


@pytest.mark.django_db(transaction=True)
def test_ogrinfo_lists_the_layers_and_filters_on_the_server(live_server, layout):
    url = f"OAPIF:{live_server.url}/ogc"
    listing = ogrinfo(url)
    for layer in ("townships", "blocks", "plots", "facilities", "provinces"):
        assert layer in listing
    assert "Feature Count: 25" in ogrinfo("-so", url, "plots")
    assert "Feature Count: 5" in ogrinfo("-so", "-al", url, "plots", "-where", "status = 'reserved'")


@pytest.mark.django_db(transaction=True)
def test_ogr2ogr_copies_the_plots_with_identical_count_and_geometry(live_server, layout, tmp_path):
    target = tmp_path / "plots.gpkg"
    out = subprocess.run(
        ["ogr2ogr", "-f", "GPKG", str(target), f"OAPIF:{live_server.url}/ogc", "plots", *AUTH],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    copied = json.loads(
        subprocess.run(
            ["ogr2ogr", "-f", "GeoJSON", "/vsistdout/", str(target), "plots"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )["features"]
    assert len(copied) == 25
    stored = {p.number: p.geom for p in Plot.objects.all()}
    for f in copied:
        geom = GEOSGeometry(json.dumps(f["geometry"]), srid=4326)
        original = stored[f["properties"]["number"]]
        difference = geom.sym_difference(original)
        difference.transform(32642)
        assert difference.area < 0.01  # m², the rules' own tolerance: the ring is served to 9 decimals (0.1 mm)
