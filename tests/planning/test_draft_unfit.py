"""Layout drafts leave out unfit ground found from the viability rasters (planning/unfit_ground.py): with the
synthetic two-slope elevation model (4 % west of x = 250 m, 30 % east) and the flood band (high hazard 0..50 m
north of the south edge) of tests/planning/conftest.py, on real PostGIS; through the service, the page and the API."""

import json
import re
from pathlib import Path

import numpy
import pytest
from django.contrib.gis.gdal import DataSource
from django.contrib.gis.geos import MultiPolygon

from parcels.models import LandParcel
from planning import draft_services
from planning.drafting import DraftParameters
from planning.models import ViabilityThresholds
from planning.rasters import raster_import
from planning.unfit_ground import unfit_ground, unfit_ground_found
from tests.planning.conftest import FLOOD_CLASSES, SHAPE, local_xy, write_raster
from townships import layouts
from townships import services as township_services

pytestmark = pytest.mark.django_db

PARAMS = DraftParameters(road_width_m=8, setback_m=5, reserve_share=0)
STEEP_FROM_X = 240  # the pixel 240..250 m already reads 10.5 % by central differences across the break at 250 m
# The slope over the township is 4 % west of 240 m and more than 10 % east of it; high flood 0..50 m north.
STEEP_M2 = (500 - STEEP_FROM_X) * 300
FLOOD_M2 = 500 * 50
UNFIT_M2 = STEEP_M2 + FLOOD_M2 - (500 - STEEP_FROM_X) * 50


@pytest.fixture
def ground(provinces, grid):
    """A 500 m × 300 m parcel and a township drawn on it, on the rasters' pixel grid; nothing laid out yet."""
    parcel = LandParcel.objects.create(
        reference="NAN-LP-90",
        name="Two slopes",
        province=provinces["nangarhar"],
        geom=MultiPolygon(grid.rect(0, 0, 500, 300)),
    )
    township = township_services.township_create(
        code="NAN-UNFIT",
        name="Unfit township",
        province=provinces["nangarhar"],
        legal_basis="decree_305_2018",
        geom=MultiPolygon(grid.rect(0, 0, 500, 300)),
    )
    return parcel, township


@pytest.fixture
def rasters(users, dem_two_slopes, flood_band):
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


def local_centres(draft, grid):
    """Each drafted plot's centre in metres from the township's corner."""
    return [(p.geom.centroid.x - grid.x0, p.geom.centroid.y - grid.y0) for p in draft.plots]


def test_the_steep_half_and_the_high_flood_band_are_left_out_of_the_draft(ground, rasters, users, grid):
    parcel, township = ground
    checked = draft_services.layout_draft_check(
        parcel=parcel, township=township, params=PARAMS, by=users["gis"], exclude_unfit=True
    )
    centres = local_centres(checked.draft, grid)
    assert len(centres) > 20  # the fit quarter (west of 240 m, north of 50 m) still holds plots
    assert all(x < STEEP_FROM_X and y > 50 for x, y in centres), [c for c in centres if c[0] >= 240 or c[1] <= 50]
    # no plot touches the unfit ground by more than the drafting's 1 m²
    assert all(p.geom.bounds[2] - grid.x0 <= STEEP_FROM_X + 0.1 for p in checked.draft.plots)
    assert all(p.geom.bounds[1] - grid.y0 >= 50 - 0.1 for p in checked.draft.plots)

    unfit = checked.figures["unfit"]
    assert unfit["asked"] and unfit["covered"]
    assert unfit["steep_m2"] == pytest.approx(STEEP_M2, abs=2)
    assert unfit["flood_m2"] == pytest.approx(FLOOD_M2, abs=2)
    assert unfit["found_m2"] == pytest.approx(UNFIT_M2, abs=2)
    assert (unfit["dem"], unfit["flood"], unfit["slope_max_pct"], unfit["hazards"]) == (
        "Two slopes",
        "Band",
        10,
        ["high"],
    )
    assert checked.figures["unfit_left_out"] > 0
    record = draft_services.draft_record(checked.layout_import)
    assert record["figures"]["unfit"] == unfit  # kept with the draft for its page and the API
    assert checked.figures["unfit_empty_m2"] > 0  # its own share of the parcel, not "left over"
    gpkg = DataSource(str(layouts.stored_path(checked.layout_import)))
    assert [layer.name for layer in gpkg] == ["plots", "blocks", "roads", "outline", "unfit_ground"]  # for QGIS

    whole = draft_services.layout_draft_check(parcel=parcel, township=township, params=PARAMS, by=users["gis"])
    assert "unfit" not in whole.figures  # not asked: nothing is judged, nothing left out
    assert len(whole.draft.plots) > len(checked.draft.plots) + checked.figures["unfit_left_out"] // 2
    assert any(x > 260 for x, _y in local_centres(whole.draft, grid))


def test_unfit_ground_is_the_steep_and_flooded_parts_in_epsg_4326(ground, rasters, grid):
    parcel, _township = ground
    found = unfit_ground(parcel.geom)
    assert found.srid == 4326 and found.valid
    utm = found.transform(32642, clone=True)
    assert utm.area == pytest.approx(UNFIT_M2, abs=2)
    xmin, ymin, xmax, ymax = utm.extent
    assert (round(xmin - grid.x0), round(ymin - grid.y0), round(xmax - grid.x0), round(ymax - grid.y0)) == (
        0,
        0,
        500,
        300,
    )
    inside_fit = grid.rect(10, 60, 200, 200).transform(32642, clone=True)
    assert not utm.intersects(inside_fit)


def test_stricter_thresholds_judge_more_ground_unfit(ground, rasters, users):
    parcel, _township = ground
    strict = ViabilityThresholds(version=9, slope_max_pct=3, flood_high_share_max_pct=100)
    found = unfit_ground_found(parcel.geom, thresholds=strict, srid=32642)
    assert found.flooded is None and found.hazards == ()  # a threshold allowing all of a plot in high hazard
    assert found.steep.area == pytest.approx(500 * 300, abs=2)  # 4 % is steeper than 3 %


def test_a_speck_of_a_pixel_or_two_punches_no_hole_but_a_patch_does(ground, users, grid, tmp_path):
    parcel, _township = ground
    x, y = local_xy(SHAPE)
    classes = numpy.zeros(SHAPE)
    classes[(x > 100) & (x < 120) & (y > 150) & (y < 160)] = 3  # two pixels
    classes[(x > 300) & (x < 330) & (y > 150) & (y < 180)] = 3  # three by three
    path = write_raster(tmp_path / "specks.tif", classes, grid=grid, nodata=255, dtype="uint8")
    raster_import(
        source_path=path,
        kind="flood",
        name="Specks",
        source="synthetic",
        licence="CC0",
        by=users["admin"],
        flood_classes=FLOOD_CLASSES,
    )
    found = unfit_ground_found(parcel.geom, srid=32642)
    assert found.dem is None and "No elevation model" in found.problems["dem"]
    assert found.flooded.area == pytest.approx(900, abs=2)
    assert found.flooded.centroid.x - grid.x0 == pytest.approx(315, abs=0.5)


def test_without_rasters_nothing_is_left_out_and_the_draft_says_so(ground, users):
    parcel, township = ground
    assert unfit_ground(parcel.geom) is None
    checked = draft_services.layout_draft_check(
        parcel=parcel, township=township, params=PARAMS, by=users["gis"], exclude_unfit=True
    )
    unfit = checked.figures["unfit"]
    assert unfit["asked"] and not unfit["covered"] and unfit["found_m2"] == 0
    assert checked.figures["unfit_left_out"] == 0
    whole = draft_services.layout_draft_check(parcel=parcel, township=township, params=PARAMS, by=users["gis"])
    assert len(whole.draft.plots) == len(checked.draft.plots)


def test_a_raster_too_fine_for_the_site_is_read_coarser(ground, rasters, monkeypatch):
    parcel, _township = ground
    monkeypatch.setattr("planning.unfit_ground.MAX_PIXELS", 500)  # the site's box: 150,000 m², so 17.3 m pixels
    found = unfit_ground_found(parcel.geom, srid=32642)
    assert found.steep.area == pytest.approx(STEEP_M2, rel=0.1)
    assert found.steep.area != pytest.approx(STEEP_M2, abs=2)  # not the 10 m pixels' answer


# --- the page ---------------------------------------------------------------------------------------------------


def test_the_form_leaves_out_unfit_ground_by_default_when_a_raster_covers_the_parcel(client, ground, rasters, users):
    parcel, _township = ground
    client.force_login(users["gis"])
    form = client.get(f"/planning/parcels/{parcel.pk}/draft/").content.decode()
    assert 'name="exclude_unfit"' in form
    assert re.search(r'<input type="checkbox" name="exclude_unfit"[^>]*\schecked', form)
    assert "no-unfit-raster" not in form
    answer = client.post(
        f"/planning/parcels/{parcel.pk}/draft/",
        {
            "township": "NAN-UNFIT",
            "exclude_unfit": "on",
            "road_width_m": "8",
            "plot_width_m": "10",
            "plot_depth_m": "20",
            "plots_per_row": "10",
            "orientation": "longest",
            "setback_m": "5",
            "reserve_percent": "0",
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    result = client.get(answer["Location"]).content.decode()
    assert 'id="draft-unfit"' in result
    assert "m² of the parcel are judged not fit to build on" in result
    assert "steeper than 10.0 %" in result and "Two slopes" in result and "high flood hazard class" in result
    assert "plots on unfit ground left out" in result
    assert 'data-row="unfit"' in result and "Unfit ground left empty" in result  # its own share, not "left over"
    preview = client.get(answer["Location"].rstrip("/") + "/preview.geojson")
    assert preview.status_code == 200
    assert "unfit_ground" in {f["properties"]["layer"] for f in preview.json()["features"]}  # drawn on its map


def test_the_form_says_when_no_raster_covers_the_parcel(client, ground, users):
    parcel, _township = ground
    client.force_login(users["gis"])
    form = client.get(f"/planning/parcels/{parcel.pk}/draft/").content.decode()
    assert 'id="no-unfit-raster"' in form and "No elevation model or flood hazard map covers this parcel" in form
    box = re.search(r'<input type="checkbox" name="exclude_unfit"[^>]*>', form).group(0)
    assert " checked" not in box and 'aria-describedby="no-unfit-raster"' in box
    answer = client.post(
        f"/planning/parcels/{parcel.pk}/draft/",
        {"township": "NAN-UNFIT", "exclude_unfit": "on", "orientation": "longest", "reserve_percent": "0"},
    )
    assert answer.status_code == 302
    result = client.get(answer["Location"]).content.decode()
    assert "No elevation model or flood hazard map covers this parcel" in result
    assert "plots on unfit ground left out" not in result


# --- the API ----------------------------------------------------------------------------------------------------


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_the_api_takes_exclude_unfit(client, ground, rasters, users, grid):
    parcel, _township = ground
    client.force_login(users["gis"])
    url = f"/api/v1/planning/parcels/{parcel.pk}/drafts/"
    answer = post(client, url, {"township": "NAN-UNFIT", "exclude_unfit": True, "reserve_share": 0})
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["figures"]["unfit"]["found_m2"] == pytest.approx(UNFIT_M2, abs=2)
    assert body["figures"]["unfit_left_out"] > 0
    assert "judged not fit to build on" in body["unfit_ground"]
    # with an explicit polygon too: both are left out, and the figures count what was given
    given = grid.rect(0, 200, 240, 100)
    both = post(
        client,
        url,
        {"township": "NAN-UNFIT", "exclude_unfit": True, "reserve_share": 0, "exclude": json.loads(given.geojson)},
    )
    assert both.status_code == 201, both.content
    figures = both.json()["figures"]
    assert figures["unfit"]["given_m2"] == pytest.approx(240 * 100, abs=2)
    assert figures["plots"] < body["figures"]["plots"]
    assert "were given with the request" in both.json()["unfit_ground"]


def test_the_api_without_rasters_drafts_all_and_says_why(client, ground, users):
    parcel, _township = ground
    client.force_login(users["gis"])
    answer = post(
        client, f"/api/v1/planning/parcels/{parcel.pk}/drafts/", {"township": "NAN-UNFIT", "exclude_unfit": True}
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["figures"]["unfit_left_out"] == 0 and not body["figures"]["unfit"]["covered"]
    assert "No elevation model or flood hazard map covers this parcel" in body["unfit_ground"]


@pytest.mark.parametrize("value", ["yes", 1, None, {"a": 1}, [True]])
def test_the_api_refuses_an_exclude_unfit_that_is_not_true_or_false(client, ground, users, value):
    parcel, _township = ground
    client.force_login(users["gis"])
    answer = post(
        client, f"/api/v1/planning/parcels/{parcel.pk}/drafts/", {"township": "NAN-UNFIT", "exclude_unfit": value}
    )
    assert answer.status_code == 400
    assert "exclude_unfit is true or false" in answer.json()["errors"]["exclude_unfit"]


def test_a_land_officer_may_not_draft_with_unfit_ground_either(client, ground, rasters, users):
    parcel, _township = ground
    client.force_login(users["officer_nangarhar"])
    answer = post(
        client, f"/api/v1/planning/parcels/{parcel.pk}/drafts/", {"township": "NAN-UNFIT", "exclude_unfit": True}
    )
    assert answer.status_code == 403


# --- in a real browser ------------------------------------------------------------------------------------------

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


@pytest.mark.django_db(transaction=True)
def test_a_planner_leaves_out_unfit_ground_in_the_browser(live_server, page, ground, rasters, users):  # noqa: F811
    parcel, _township = ground
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "request",
        lambda r: problems.append(r.url) if not r.url.startswith((live_server.url, "data:", "blob:")) else None,
    )
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(f"{live_server.url}/planning/parcels/{parcel.pk}/draft/")
    page.fill("#id_username", "gis")
    page.fill("#id_password", "x")
    with page.expect_navigation():
        page.click("input[type=submit]")
    page.wait_for_selector("#draft-map canvas")
    assert page.is_checked("#id_exclude_unfit")
    page.screenshot(path=str(ARTIFACTS / "layout-unfit-form-en.png"), full_page=True)
    page.fill("#id_reserve_percent", "0")
    page.click("#draft-submit")
    page.wait_for_url(re.compile(r"/planning/drafts/\d+/$"), timeout=60000)
    assert "judged not fit to build on" in page.inner_text("#draft-unfit")
    page.wait_for_selector("#draft-map[data-features]")  # the preview is drawn: plots, roads, outline, unfit ground
    assert int(page.get_attribute("#draft-map", "data-features")) > 200
    page.screenshot(path=str(ARTIFACTS / "layout-unfit-result-en.png"), full_page=True)
    with page.expect_navigation():
        page.select_option("select[name=language]", "fa")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.inner_text("#draft-unfit").strip()
    page.wait_for_selector("#draft-map canvas")
    page.screenshot(path=str(ARTIFACTS / "layout-unfit-result-fa.png"), full_page=True)
    page.goto(f"{live_server.url}/planning/parcels/{parcel.pk}/draft/")
    page.wait_for_selector("#draft-map canvas")
    assert page.is_checked("#id_exclude_unfit")
    page.screenshot(path=str(ARTIFACTS / "layout-unfit-form-fa.png"), full_page=True)
    assert not problems, problems
