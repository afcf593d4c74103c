"""Each plot's site fit on the published plots layer: a tile property and an OGC API property, with a new tile
version when the figures change (planning/sql/0003), and nothing about who holds the plot."""

import mapbox_vector_tile
import pytest
from django.core.cache import cache

from planning import services
from planning.models import PlotSite
from tests.api.test_tiles import township_tile_url
from tests.planning.test_plot_sites import layers, two_plots  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_tile_cache():
    cache.clear()
    yield
    cache.clear()


def test_the_plots_layer_says_whether_the_ground_is_fit_and_changes_version_when_it_is_judged(
    client,
    users,
    site,
    grid,
    layers,  # noqa: F811
    two_plots,  # noqa: F811
):
    west, _east = two_plots
    client.force_login(users["gis"])
    url = township_tile_url(grid, layer="plots", z=16, at=(10, 72))
    before = client.get(url)
    features = mapbox_vector_tile.decode(before.content)["plots"]["features"]
    assert {f["properties"]["number"]: f["properties"]["site_fit"] for f in features}["W1"] == "unknown"
    services.plot_sites_recompute(township=site)
    fit = PlotSite.objects.get(plot=west).fit
    assert fit != PlotSite.Fit.UNKNOWN
    after = client.get(url)
    assert before["ETag"] != after["ETag"]
    features = mapbox_vector_tile.decode(after.content)["plots"]["features"]
    assert {f["properties"]["number"]: f["properties"]["site_fit"] for f in features}["W1"] == fit
    expected = set(PlotSite.objects.filter(fit=fit).values_list("plot__number", flat=True))
    ogc = client.get(f"/ogc/collections/plots/items?site_fit={fit}").json()
    assert {f["properties"]["number"] for f in ogc["features"]} == expected and "W1" in expected
    assert "holder" not in str(ogc) and "household" not in str(ogc)
