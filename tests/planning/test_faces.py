"""The faces of site viability: the report page and its PDF in three languages, the JSON API, the raster upload
page and API; refusals by role and province, bad files answered with a sentence (never a 500)."""

import shutil
import subprocess
from pathlib import Path

import numpy
import pytest
from django.urls import reverse

from planning.models import RasterLayer, WaterPoint
from planning.rasters import raster_import
from tests.planning.conftest import FLOOD_CLASSES, SHAPE, write_raster

pytestmark = pytest.mark.django_db
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


@pytest.fixture
def loaded(site, grid, users, dem_two_slopes, flood_band):
    from django.contrib.gis.geos import Point

    from townships import services as township_services

    admin = users["admin"]
    raster_import(
        source_path=dem_two_slopes, kind="dem", name="Two slopes", source="synthetic", licence="CC0", by=admin
    )
    raster_import(
        source_path=flood_band,
        kind="flood",
        name="Band",
        source="synthetic",
        licence="CC0",
        by=admin,
        flood_classes=FLOOD_CLASSES,
    )
    WaterPoint.objects.create(
        province=site.province,
        kind="tap",
        name="Tap",
        geom=Point(*grid.to_wgs.transform(grid.x0 + 100, grid.y0 + 350), srid=4326),
    )
    for i in range(10):
        township_services.plot_create(
            township=site,
            block=site.block_a if i < 5 else site.block_b,
            number=str(i + 1),
            geom=grid.rect((i % 5) * 40 + (0 if i < 5 else 220), 60, 30, 30),
            status="available",
        )
    from planning.services import plot_sites_recompute

    plot_sites_recompute(township=site)
    return site


def test_the_api_gives_the_report_to_planners_of_the_province_only(client, loaded, users):
    url = reverse("api-planning-viability-township", args=[loaded.pk])
    client.force_login(users["officer_nangarhar"])
    body = client.get(url).json()
    assert body["verdict"] == "not_fit" and body["terrain"]["slope_mean_pct"] == pytest.approx(17.0, abs=0.01)
    client.force_login(users["officer_herat"])
    assert client.get(url).status_code == 404  # not in their provinces
    client.force_login(users["partner"])
    assert client.get(url).status_code == 403
    assert client.get(reverse("api-planning-viability-parcel", args=[999999])).status_code in (403, 404)


def test_the_page_and_its_pdf_in_english_dari_and_pashto(client, loaded, users):
    client.force_login(users["officer_nangarhar"])
    page = client.get(reverse("planning-site-report", args=["township", loaded.pk]))
    assert page.status_code == 200
    assert "Not fit" in page.content.decode() and "<script>" not in page.content.decode().split("</header>")[1]
    ARTIFACTS.mkdir(exist_ok=True)
    for language in ("en", "fa", "ps"):
        response = client.get(reverse("planning-site-report-pdf", args=["township", loaded.pk, language]))
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        pdf = ARTIFACTS / f"planning-viability-{language}.pdf"
        pdf.write_bytes(response.content)
        if shutil.which("pdftotext"):
            text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
            assert {"en": "Site viability report", "fa": "Site", "ps": "Site"}[language] in text or language != "en"
        if shutil.which("pdftoppm") and language in ("en", "fa"):
            subprocess.run(
                ["pdftoppm", "-png", "-r", "70", str(pdf), str(ARTIFACTS / f"planning-viability-pdf-{language}")],
                check=True,
            )
        pdf.unlink()
    assert client.get(reverse("planning-site-report-pdf", args=["township", loaded.pk, "de"])).status_code == 404


def test_only_administrators_upload_rasters_and_bad_files_get_a_sentence(client, users, tmp_path, grid):
    url = reverse("api-planning-rasters")
    client.force_login(users["gis"])
    assert client.get(url).status_code == 200
    good = write_raster(tmp_path / "ok.tif", numpy.full(SHAPE, 1800.0), grid=grid, nodata=-9999)
    with good.open("rb") as f:
        refused = client.post(url, {"file": f, "kind": "dem", "name": "x", "source": "x", "licence": "x"})
    assert refused.status_code == 403
    client.force_login(users["admin"])
    (tmp_path / "junk.tif").write_bytes(b"not a tiff")
    with (tmp_path / "junk.tif").open("rb") as f:
        junk = client.post(url, {"file": f, "kind": "dem", "name": "x", "source": "x", "licence": "x"})
    assert junk.status_code == 400 and "not a raster" in junk.json()["detail"]
    nocrs = write_raster(tmp_path / "nocrs.tif", numpy.full(SHAPE, 1800.0), grid=grid, crs=None)
    with nocrs.open("rb") as f:
        answer = client.post(url, {"file": f, "kind": "dem", "name": "x", "source": "x", "licence": "x"})
    assert answer.status_code == 400 and "no coordinate reference system" in answer.json()["detail"]
    with good.open("rb") as f:
        bad_json = client.post(
            url, {"file": f, "kind": "flood", "name": "x", "source": "x", "licence": "x", "flood_classes": "{not json"}
        )
    assert bad_json.status_code == 400
    with good.open("rb") as f:
        stored = client.post(url, {"file": f, "kind": "dem", "name": "Good", "source": "x", "licence": "CC0"})
    assert stored.status_code == 201 and stored.json()["resolution_m"] == 10
    assert RasterLayer.objects.count() == 1


def test_the_raster_page_uploads_for_administrators_and_refuses_others(client, users, tmp_path, grid):
    url = reverse("planning-rasters")
    client.force_login(users["officer_nangarhar"])
    page = client.get(url)
    assert page.status_code == 200 and 'id="raster-upload"' not in page.content.decode()
    nocrs = write_raster(tmp_path / "nocrs.tif", numpy.full(SHAPE, 1800.0), grid=grid, crs=None)
    with nocrs.open("rb") as f:
        assert client.post(url, {"file": f}).status_code == 403
    client.force_login(users["admin"])
    with nocrs.open("rb") as f:
        answer = client.post(url, {"file": f, "kind": "dem", "name": "x", "source": "x", "licence": "x"})
    assert answer.status_code == 400 and "no coordinate reference system" in answer.content.decode()
    assert not RasterLayer.objects.exists()


def test_a_raster_over_the_upload_limit_is_refused_with_a_sentence_on_the_page_and_the_api(
    client, users, tmp_path, grid, settings
):
    """Over the limit, the administrator is told to clip or compress the raster (413), not that no file was sent;
    nothing is stored. Others are refused as before, whatever the size."""
    good = write_raster(tmp_path / "big.tif", numpy.full(SHAPE, 1800.0), grid=grid, nodata=-9999)
    settings.LANDREG_MAX_UPLOAD_BYTES = good.stat().st_size // 2
    fields = {"kind": "dem", "name": "Big", "source": "x", "licence": "CC0"}
    client.force_login(users["admin"])
    for url in (reverse("api-planning-rasters"), reverse("planning-rasters")):
        with good.open("rb") as f:
            answer = client.post(url, {"file": f, **fields})
        assert answer.status_code == 413, url
        assert "over the" in answer.content.decode() and "Clip it to the site" in answer.content.decode()
    client.force_login(users["gis"])
    with good.open("rb") as f:
        assert client.post(reverse("planning-rasters"), {"file": f, **fields}).status_code == 403
    assert not RasterLayer.objects.exists()
