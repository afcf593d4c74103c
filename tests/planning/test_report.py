"""The site viability report of a township or a land parcel: terrain, flood, access (straight and along the roads
with pgRouting), population, the verdicts; who may read it."""

import pytest
from django.contrib.gis.geos import LineString, MultiPolygon, Point
from django.core.exceptions import PermissionDenied

from movements.models import IdpSite, SitePopulationEstimate
from parcels.models import LandParcel
from planning import network, selectors
from planning.models import Road, ServicePoint, WaterPoint
from planning.rasters import raster_import
from tests.planning.conftest import FLOOD_CLASSES

pytestmark = pytest.mark.django_db


def at(grid, x, y):
    return Point(*grid.to_wgs.transform(grid.x0 + x, grid.y0 + y), srid=4326)


def line(grid, *points):
    return LineString([grid.to_wgs.transform(grid.x0 + x, grid.y0 + y) for x, y in points], srid=4326)


@pytest.fixture
def rasters(users, dem_plane, flood_band):
    admin = users["admin"]
    raster_import(source_path=dem_plane, kind="dem", name="Plane", source="synthetic", licence="CC0", by=admin)
    raster_import(
        source_path=flood_band,
        kind="flood",
        name="Band",
        source="synthetic",
        licence="CC0",
        by=admin,
        flood_classes=FLOOD_CLASSES,
    )


def test_the_report_of_a_township_judges_each_criterion_and_says_why(site, grid, rasters, users):
    nangarhar = site.province
    WaterPoint.objects.create(province=nangarhar, kind="tap", name="Tap 1", geom=at(grid, 250, 400))  # 100 m N
    ServicePoint.objects.create(province=nangarhar, kind="school", name="School", geom=at(grid, 250, 1300))
    report = selectors.township_viability(users["officer_nangarhar"], township=site)
    assert report["site"]["area_ha"] == pytest.approx(15.0, abs=0.01)
    assert report["terrain"]["slope_mean_pct"] == pytest.approx(15.0, abs=0.01)
    assert report["flood"]["by_hazard"]["high"] == pytest.approx(16.67, abs=0.01)
    assert report["access"]["water"]["straight_m"] == pytest.approx(100.0, abs=0.5)
    assert report["access"]["water"]["measured"] == "straight line"  # no roads loaded
    assert report["access"]["school"]["straight_m"] == pytest.approx(1000.0, abs=0.5)
    verdicts = {c["criterion"]: c["verdict"] for c in report["criteria"]}
    assert verdicts == {
        "slope": "fail",
        "flood": "fail",
        "water": "pass",
        "school": "pass",
        "clinic": "conditional",
        "market": "conditional",
        "paved_road": "conditional",
    }
    assert report["verdict"] == "not_fit"
    assert report["reasons"].startswith("Not fit: the mean slope is 15.0 % (more than 10 %); 17 % of the area")


def test_distances_go_along_the_roads_where_roads_are_loaded(site, grid, users):
    assert network.pgrouting_available()
    nangarhar = site.province
    # A road from the township's east side east, then north; a well 400 m north of its end, beside the road.
    Road.objects.create(province=nangarhar, road_class="gravel", geom=line(grid, (500, 150), (1500, 150)))
    Road.objects.create(province=nangarhar, road_class="gravel", geom=line(grid, (1500, 150), (1500, 1150)))
    WaterPoint.objects.create(province=nangarhar, kind="well", geom=at(grid, 1510, 1150))
    report = selectors.township_viability(users["admin"], township=site)
    water = report["access"]["water"]
    assert water["straight_m"] == pytest.approx(((1510 - 500) ** 2 + (1150 - 300) ** 2) ** 0.5, abs=1)
    # From the site onto the road at (500, 150): 0 m; 1,000 m east, 1,000 m north, 10 m to the well.
    assert water["network_m"] == pytest.approx(2010.0, abs=1)
    assert water["measured"] == "road network"
    assert report["access"]["routed"]
    criterion = next(c for c in report["criteria"] if c["criterion"] == "water")
    assert "along the roads" in criterion["sentence"] and criterion["verdict"] == "fail"


def test_a_site_without_rasters_says_what_to_upload(site, users):
    report = selectors.township_viability(users["admin"], township=site)
    assert report["terrain"]["problem"].startswith("No elevation model covers the site")
    assert report["verdict"] == "conditions"


def test_population_within_5_km_counts_idp_sites_latest_estimate(site, grid, users):
    camp = IdpSite.objects.create(
        code="camp-1", name="Camp", kind="camp", province=site.province, geom=at(grid, 250, 3000)
    )
    SitePopulationEstimate.objects.create(
        site=camp, round="R1", assessed_on="2026-01-01", method="headcount", arrival_idps=100
    )
    SitePopulationEstimate.objects.create(
        site=camp, round="R2", assessed_on="2026-06-01", method="headcount", arrival_idps=250, returnees_from_abroad=50
    )
    IdpSite.objects.create(code="far", name="Far", kind="camp", province=site.province, geom=at(grid, 250, 9000))
    population = selectors.township_viability(users["admin"], township=site)["population"]
    assert [s["code"] for s in population["idp_sites"]] == ["camp-1"]
    assert population["idp_people"] == 300


def test_a_land_parcel_has_its_report_too(site, grid, rasters, users):
    parcel = LandParcel.objects.create(
        reference="NAN-LB-1", province=site.province, geom=MultiPolygon(grid.rect(0, 150, 200, 150))
    )
    report = selectors.parcel_viability(users["admin"], parcel=parcel)
    assert report["site"]["kind"] == "parcel" and report["site"]["area_ha"] == pytest.approx(3.0, abs=0.01)
    assert report["flood"]["by_hazard"]["high"] == 0


def test_only_planners_of_the_province_read_reports(site, users):
    assert site in selectors.townships_for_viability(users["officer_nangarhar"])
    assert site not in selectors.townships_for_viability(users["officer_herat"])
    for refused in ("partner",):
        with pytest.raises(PermissionDenied):
            selectors.townships_for_viability(users[refused])
