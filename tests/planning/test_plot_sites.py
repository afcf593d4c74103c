"""Each plot's site figures: computed from the rasters and the water points, marked stale by the database when they
change, judged against the thresholds; the warning the allocation workflow shows."""

import pytest
from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied, ValidationError

from planning import selectors, services
from planning.models import PlotSite, ViabilityThresholds, WaterPoint
from planning.rasters import raster_import
from tests.planning.conftest import FLOOD_CLASSES
from townships import services as township_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def layers(site, users, dem_two_slopes, flood_band):
    admin = users["admin"]
    raster_import(source_path=dem_two_slopes, kind="dem", name="DEM", source="synthetic", licence="CC0", by=admin)
    raster_import(
        source_path=flood_band,
        kind="flood",
        name="Flood",
        source="synthetic",
        licence="CC0",
        by=admin,
        flood_classes=FLOOD_CLASSES,
    )


@pytest.fixture
def two_plots(site, grid):
    west = township_services.plot_create(
        township=site, block=site.block_a, number="W1", geom=grid.rect(0, 60, 20, 25), status="available"
    )
    east = township_services.plot_create(
        township=site, block=site.block_b, number="E1", geom=grid.rect(300, 60, 20, 25), status="available"
    )
    return west, east


def water_at(site, grid, x, y, **fields):
    return WaterPoint.objects.create(
        province=site.province,
        kind="well",
        geom=Point(*grid.to_wgs.transform(grid.x0 + x, grid.y0 + y), srid=4326),
        **fields,
    )


def test_a_new_plot_gets_a_stale_row_and_the_figures_come_from_the_rasters(site, grid, layers, two_plots):
    west, east = two_plots
    assert PlotSite.objects.get(plot=west).stale
    water_at(site, grid, 10, 150)  # 65 m north of the west plot's north edge (60 + 25 = 85 → 150)
    assert services.plot_sites_recompute(township=site) == 2
    w, e = PlotSite.objects.get(plot=west), PlotSite.objects.get(plot=east)
    assert not w.stale and w.computed_at
    assert w.slope_mean_pct == pytest.approx(4.0, abs=0.01)
    assert w.flood_hazard == "low" and w.flood_high_share_pct == 0  # 60..85 m: the low band (50..100 m)
    assert w.water_m == pytest.approx(65.0, abs=0.5)
    assert w.fit == "fit"
    assert e.slope_mean_pct == pytest.approx(30.0, abs=0.01)
    assert e.fit == "not_fit"  # steeper than 10 %
    assert e.water_m == pytest.approx(((300 - 10) ** 2 + 65**2) ** 0.5, abs=0.5)
    assert selectors.plot_site_warning(west) is None
    warning = selectors.plot_site_warning(east)
    assert "not fit" in warning and "30.0 %" in warning


def test_a_plot_in_the_high_flood_band_is_not_fit(site, grid, layers):
    plot = township_services.plot_create(
        township=site, block=site.block_a, number="F1", geom=grid.rect(40, 10, 20, 25), status="available"
    )
    water_at(site, grid, 50, 45)
    services.plot_sites_recompute(township=site)
    figures = PlotSite.objects.get(plot=plot)
    assert figures.flood_hazard == "high" and figures.flood_high_share_pct == pytest.approx(100.0)
    assert figures.fit == "not_fit"
    assert "high flood hazard" in selectors.plot_site_warning(plot)


def test_reshaping_a_plot_or_moving_water_marks_the_figures_stale(site, grid, layers, two_plots):
    west, east = two_plots
    well = water_at(site, grid, 10, 150)
    services.plot_sites_recompute(township=site)
    assert not PlotSite.objects.filter(stale=True).exists()
    township_services.plot_update(plot=west, geom=grid.rect(0, 60, 20, 30))
    assert PlotSite.objects.get(plot=west).stale and not PlotSite.objects.get(plot=east).stale
    services.plot_sites_recompute(township=site)
    well.delete()  # the nearest water of both plots
    assert PlotSite.objects.filter(stale=True).count() == 2
    services.plot_sites_recompute(township=site)
    assert PlotSite.objects.get(plot=west).water_m is None
    assert PlotSite.objects.get(plot=west).fit == "conditions"  # slope and flood fine, water unknown


def test_new_thresholds_are_a_new_version_and_mark_every_plot_stale(site, grid, layers, two_plots, users):
    water_at(site, grid, 10, 150)
    services.plot_sites_recompute(township=site)
    with pytest.raises(PermissionDenied):
        services.thresholds_set(by=users["officer_nangarhar"], slope_max_pct=35)
    with pytest.raises(ValidationError):
        services.thresholds_set(by=users["admin"], slope_max_pct=150)
    first = services.thresholds_set(by=users["admin"], slope_max_pct=35)
    assert PlotSite.objects.filter(stale=True).count() == 2
    services.plot_sites_recompute(township=site)
    assert PlotSite.objects.get(plot=two_plots[1]).fit == "conditions"  # 30 % under 35 %, but all of it over 20 %
    second = services.thresholds_set(by=users["admin"], water_max_m=50)
    first.refresh_from_db()
    assert (first.version, first.active, second.version, second.active) == (1, False, 2, True)
    assert second.slope_max_pct == 35  # carried over from the version before
    assert ViabilityThresholds.objects.count() == 2


def test_a_plot_deleted_takes_its_figures_with_it(site, two_plots):
    west, _east = two_plots
    township_services.land_record_delete(instance=west)
    assert not PlotSite.objects.filter(plot_id=west.pk).exists()


def test_the_plot_panel_figures_carry_the_warning_and_name_no_one(site, grid, layers, two_plots):
    _west, east = two_plots
    assert selectors.plot_site_figures(east)["fit"] == "unknown"  # before the first computation
    water_at(site, grid, 10, 150)
    services.plot_sites_recompute(township=site)
    figures = selectors.plot_site_figures(east)
    assert figures["fit"] == "not_fit" and figures["slope_mean_pct"] == pytest.approx(30.0, abs=0.01)
    assert figures["warning"] == selectors.plot_site_warning(east)
    assert set(figures) == {
        "fit",
        "fit_label",
        "slope_mean_pct",
        "share_over_20_pct",
        "flood_hazard",
        "water_m",
        "stale",
        "computed_at",
        "warning",
    }
