"""The demo step of planning: rasters made with rasterio around the demo township, access layers, plot figures."""

import pytest

from demo.land import PLANS, demo_provinces_ensure, demo_township_create
from demo.planning import demo_planning_create
from demo.users import demo_users_create
from planning import selectors
from planning.models import PlotSite, RasterLayer

pytestmark = pytest.mark.django_db


def test_the_demo_township_gets_a_viability_report_and_plot_figures(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    demo_provinces_ensure(lambda _m: None)
    users = demo_users_create(lambda _m: None)
    township = demo_township_create(PLANS[0], lambda _m: None)
    assert demo_planning_create(lambda _m: None) == township.plots.count() > 0
    assert RasterLayer.objects.count() == 2
    report = selectors.township_viability(users["admin"], township=township)
    assert report["terrain"]["slope_mean_pct"] is not None and report["flood"]["by_hazard"]["high"] > 0
    assert report["access"]["routed"]
    fits = set(PlotSite.objects.filter(plot__township=township).values_list("fit", flat=True))
    assert "not_fit" in fits and fits - {"not_fit"}  # the wash and the hill are unfit; the rest is not
