"""Imagery: an administrator's GeoTIFF becomes a cloud-optimised GeoTIFF that our own server cuts into tiles."""

import io
import math

import numpy
import pytest
import rasterio
from django.core.management import call_command
from django.core.management.base import CommandError
from PIL import Image
from rasterio.transform import from_origin

from parcels.models import Imagery
from parcels.services import ImageryError, imagery_import

ORIGIN = (500000.0, 3806000.0)  # UTM 42N: on its central meridian (69°E), 34.4°N


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def geotiff(path, *, crs="EPSG:32642", dtype="uint8", count=3, size=400, pixel=0.5):
    """A size × size scene of `pixel`-metre pixels: a red square on green."""
    data = numpy.zeros((count, size, size), dtype=dtype)
    data[1 % count] = 120
    data[0, size // 4 : size // 2, size // 4 : size // 2] = 250
    with rasterio.open(
        path, "w", driver="GTiff", width=size, height=size, count=count, dtype=dtype,
        crs=crs, transform=from_origin(ORIGIN[0], ORIGIN[1], pixel, pixel),
    ) as out:  # fmt: skip
        out.write(data)
    return path


def tile_at(lon, lat, z):
    n = 2**z
    return z, int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)


def test_a_geotiff_becomes_a_cloud_optimised_geotiff(tmp_path, media, provinces):
    imagery = imagery_import(
        source_path=geotiff(tmp_path / "drone.tif", size=1000), name="Drone 1405", province=provinces["nangarhar"]
    )
    assert str(media) in imagery.file.path and imagery.file.path.endswith(".tif")
    with rasterio.open(imagery.file.path) as cog:
        assert cog.profile["tiled"] and cog.overviews(1) and cog.crs.to_epsg() == 32642
        assert cog.tags(ns="IMAGE_STRUCTURE").get("LAYOUT") == "COG"
    west, south, east, north = imagery.bounds.extent
    assert 68.99 < west < east < 69.01 and 34.3 < south < north < 34.5
    assert imagery.resolution_m == pytest.approx(0.5, rel=0.05) and imagery.maxzoom >= 18


def test_a_file_without_a_crs_is_refused_unless_one_is_stated(tmp_path, db):
    path = geotiff(tmp_path / "nocrs.tif", crs=None)
    with pytest.raises(ImageryError, match="declares no coordinate reference system"):
        imagery_import(source_path=path, name="No CRS")
    imagery = imagery_import(source_path=path, name="Stated", crs="EPSG:32642")
    with rasterio.open(imagery.file.path) as cog:
        assert cog.crs.to_epsg() == 32642


def test_a_file_that_is_not_a_raster_is_refused(tmp_path, db):
    path = tmp_path / "plots.tif"
    path.write_text("not a raster")
    with pytest.raises(ImageryError, match="not a raster"):
        imagery_import(source_path=path, name="Broken")


def test_tiles_are_cut_from_the_scene_and_transparent_outside(client, tmp_path, users, provinces):
    imagery = imagery_import(source_path=geotiff(tmp_path / "d.tif"), name="D", province=provinces["nangarhar"])
    centre = imagery.bounds.centroid
    z, x, y = tile_at(centre.x, centre.y, 17)
    client.force_login(users["officer_nangarhar"])
    answer = client.get(f"/tiles/imagery/{imagery.pk}/{z}/{x}/{y}.png")
    assert answer.status_code == 200 and answer["Content-Type"] == "image/png"
    pixels = numpy.asarray(Image.open(io.BytesIO(answer.content)))
    assert pixels.shape == (256, 256, 4) and (pixels[..., 3] == 255).any()
    assert ((pixels[..., 0] > 200) & (pixels[..., 3] == 255)).any()  # the red square
    assert (
        client.get(f"/tiles/imagery/{imagery.pk}/{z}/{x}/{y}.png", HTTP_IF_NONE_MATCH=answer["ETag"]).status_code == 304
    )
    far = client.get(f"/tiles/imagery/{imagery.pk}/{z}/{x + 50}/{y}.png")
    assert (numpy.asarray(Image.open(io.BytesIO(far.content)))[..., 3] == 0).all()
    webp = client.get(f"/tiles/imagery/{imagery.pk}/{z}/{x}/{y}.webp")
    assert webp.status_code == 200 and webp.content[8:12] == b"WEBP"


def test_sixteen_bit_scenes_are_stretched_for_display(client, tmp_path, users):
    path = geotiff(tmp_path / "s2.tif", dtype="uint16", pixel=10, size=200)
    imagery = imagery_import(source_path=path, name="Sentinel-2")
    assert imagery.display_min is not None and imagery.display_max > imagery.display_min
    centre = imagery.bounds.centroid
    z, x, y = tile_at(centre.x, centre.y, 14)
    client.force_login(users["officer_nangarhar"])
    pixels = numpy.asarray(Image.open(io.BytesIO(client.get(f"/tiles/imagery/{imagery.pk}/{z}/{x}/{y}.png").content)))
    assert pixels[..., :3].max() > 100


def test_imagery_follows_the_users_scope(client, tmp_path, users, provinces):
    imagery = imagery_import(source_path=geotiff(tmp_path / "d.tif"), name="D", province=provinces["nangarhar"])
    url = f"/tiles/imagery/{imagery.pk}/17/0/0.png"
    assert client.get(url).status_code == 403
    client.force_login(users["officer_herat"])
    assert client.get(url).status_code == 404
    assert client.get(f"/tiles/imagery/{imagery.pk}.json").status_code == 404
    client.force_login(users["officer_nangarhar"])
    tilejson = client.get(f"/tiles/imagery/{imagery.pk}.json").json()
    assert tilejson["maxzoom"] == imagery.maxzoom and "/tiles/imagery/" in tilejson["tiles"][0]


def test_a_partner_sees_only_the_imagery_of_provinces_their_agreement_shares(tmp_path, users, provinces):
    from parcels.selectors import imagery_visible_to
    from tests.landreg.test_data_sharing import agreement_create

    nangarhar = imagery_import(source_path=geotiff(tmp_path / "n.tif"), name="N", province=provinces["nangarhar"])
    herat = imagery_import(source_path=geotiff(tmp_path / "h.tif"), name="H", province=provinces["herat"])
    everyone = imagery_import(source_path=geotiff(tmp_path / "e.tif"), name="E", province=None)
    partner = users["partner"]  # national scope: before, every province's imagery
    assert set(imagery_visible_to(partner)) == {everyone}  # no agreement: only the scenes of no province
    agreement_create(users=[partner], provinces=[provinces["nangarhar"]])
    assert set(imagery_visible_to(partner)) == {nangarhar, everyone}
    assert herat in set(imagery_visible_to(users["gis"]))  # other national roles are unchanged


def test_the_map_page_lists_the_imagery_in_scope(client, tmp_path, users, provinces, township):
    imagery_import(
        source_path=geotiff(tmp_path / "d.tif"), name="Drone over the township", province=provinces["nangarhar"]
    )
    client.force_login(users["officer_nangarhar"])
    assert "Drone over the township" in client.get("/").content.decode()
    client.force_login(users["officer_herat"])
    assert "Drone over the township" not in client.get("/").content.decode()


def test_an_administrator_uploads_imagery_in_the_admin(client, tmp_path, users, provinces):
    client.force_login(users["admin"])
    path = geotiff(tmp_path / "upload.tif")
    with open(path, "rb") as upload:
        answer = client.post(
            "/admin/parcels/imagery/add/",
            {"name": "Uploaded", "province": provinces["nangarhar"].pk, "source": "Drone", "geotiff": upload},
        )
    assert answer.status_code == 302, answer.content.decode()[-2000:]
    imagery = Imagery.objects.get(name="Uploaded")
    assert imagery.uploaded_by == users["admin"] and imagery.size_bytes > 0
    assert client.get(f"/admin/parcels/imagery/{imagery.pk}/change/").status_code == 200
    with open(tmp_path / "bad.tif", "w") as bad:
        bad.write("nope")
    with open(tmp_path / "bad.tif", "rb") as upload:
        answer = client.post("/admin/parcels/imagery/add/", {"name": "Bad", "geotiff": upload})
    assert answer.status_code == 200 and "not a raster" in answer.content.decode()


def test_the_import_imagery_command(tmp_path, provinces):
    out = io.StringIO()
    call_command("import_imagery", str(geotiff(tmp_path / "c.tif")), "--name", "Cmd", "--province", "AF06", stdout=out)
    assert "/tiles/imagery/" in out.getvalue() and Imagery.objects.get(name="Cmd").province == provinces["nangarhar"]
    with pytest.raises(CommandError, match="no province"):
        call_command("import_imagery", str(tmp_path / "c.tif"), "--name", "X", "--province", "AF99")
