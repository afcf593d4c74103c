"""The layout draft pages (/planning/…): the form, refusals as form errors, the result, the commit, who may see."""

import pytest
from django.contrib.gis.geos import MultiPolygon

from parcels.models import LandParcel
from townships import services as township_services
from townships.models import Block, LayoutImport, Plot


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Drafts, their GeoPackages and the import's kept files go to a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def site(provinces, frame):
    outline = frame.ring([(0, 0), (300, 10), (320, 200), (-10, 220)])
    parcel = LandParcel.objects.create(
        reference="NAN-LP-99", name="Sheikh Misri", province=provinces["nangarhar"], geom=MultiPolygon(outline)
    )
    township = township_services.township_create(
        code="NAN-PAGE",
        name="Page township",
        province=provinces["nangarhar"],
        legal_basis="decree_305_2018",
        geom=MultiPolygon(frame.rect(-40, -20, 400, 300)),
    )
    return parcel, township


FORM = {
    "township": "NAN-PAGE",
    "road_width_m": "8",
    "plot_width_m": "10",
    "plot_depth_m": "20",
    "plot_biswa": "",
    "plots_per_row": "6",
    "orientation": "longest",
    "angle_deg": "",
    "setback_m": "5",
    "reserve_percent": "10",
}


def test_a_gis_specialist_drafts_reads_the_figures_and_imports(client, users, site):
    parcel, township = site
    client.force_login(users["gis"])
    assert client.get("/planning/drafts/").status_code == 200
    page = client.get(f"/planning/parcels/{parcel.pk}/draft/")
    assert page.status_code == 200 and b"NAN-PAGE" in page.content
    answer = client.post(f"/planning/parcels/{parcel.pk}/draft/", FORM)
    assert answer.status_code == 302, answer.content.decode()[:2000]
    result = client.get(answer["Location"])
    assert result.status_code == 200
    html = result.content.decode()
    assert 'id="draft-commit"' in html and 'data-row="roads"' in html
    li = LayoutImport.objects.get()
    preview = client.get(f"/planning/drafts/{li.pk}/preview.geojson").json()
    layers = {f["properties"]["layer"] for f in preview["features"]}
    assert layers == {"plots", "blocks", "roads", "outline"}
    gpkg = client.get(f"/planning/drafts/{li.pk}/draft.gpkg")
    assert gpkg.status_code == 200
    done = client.post(f"/planning/drafts/{li.pk}/commit/")
    assert done.status_code == 302 and done["Location"] == f"/layouts/{li.pk}/"
    assert Plot.objects.filter(township=township).count() == li.counts["added"]
    assert Block.objects.filter(township=township).exists()


def test_bad_parameters_come_back_as_form_errors_and_nothing_is_kept(client, users, site):
    parcel, _township = site
    client.force_login(users["gis"])
    answer = client.post(f"/planning/parcels/{parcel.pk}/draft/", {**FORM, "setback_m": "-2", "road_width_m": "x"})
    assert answer.status_code == 400
    html = answer.content.decode()
    assert "cannot be negative" in html and "is not a number" in html
    assert not LayoutImport.objects.exists()


def test_a_land_officer_may_not_draft_and_another_province_sees_no_parcel(client, users, site, provinces):
    parcel, _township = site
    client.force_login(users["officer_nangarhar"])
    assert client.get(f"/planning/parcels/{parcel.pk}/draft/").status_code == 403
    assert client.post(f"/planning/parcels/{parcel.pk}/draft/", FORM).status_code == 403
    from landreg import roles
    from landreg.services import user_create

    herat = user_create(username="gis.h", password="x", roles=[roles.GIS_SPECIALIST], provinces=[provinces["herat"]])
    client.force_login(herat)
    assert client.get(f"/planning/parcels/{parcel.pk}/draft/").status_code == 404
    assert "NAN-LP-99" not in client.get("/planning/drafts/").content.decode()


def test_the_form_page_is_in_dari_and_right_to_left(client, users, site):
    parcel, _township = site
    client.force_login(users["gis"])
    client.cookies["django_language"] = "fa"
    html = client.get(f"/planning/parcels/{parcel.pk}/draft/", HTTP_ACCEPT_LANGUAGE="fa").content.decode()
    assert 'dir="rtl"' in html


def test_a_township_outside_the_list_is_a_form_error_and_an_unknown_parcel_a_404(client, users, site, provinces):
    parcel, _township = site
    client.force_login(users["gis"])
    answer = client.post(f"/planning/parcels/{parcel.pk}/draft/", {**FORM, "township": "NAN-ELSEWHERE"})
    assert answer.status_code == 400
    assert "Choose a township that covers this parcel." in answer.content.decode()
    assert client.get("/planning/parcels/999999/draft/").status_code == 404
    assert client.get("/planning/drafts/999999/").status_code == 404
    assert not LayoutImport.objects.exists()


def test_the_commit_page_takes_only_a_post(client, users, site):
    parcel, _township = site
    client.force_login(users["gis"])
    client.post(f"/planning/parcels/{parcel.pk}/draft/", FORM)
    li = LayoutImport.objects.get()
    assert client.get(f"/planning/drafts/{li.pk}/commit/").status_code == 405
    assert not Plot.objects.exists()
