"""Entitlement: the plot size by household size is set per township; plots are matched by area."""

from townships import services
from townships.models import Entitlement
from townships.selectors import area_fits_entitlement, entitlement_biswa, plots_matching_entitlement


def test_plots_are_matched_to_the_household_size(township, frame):
    Entitlement.objects.create(township=township, min_members=1, max_members=10, plot_biswa=10)
    Entitlement.objects.create(township=township, min_members=11, plot_biswa=15)
    ten = services.plot_create(
        township=township, block=township.block_a, number="1", status="available", geom=frame.rect(0, 0, 25, 40)
    )
    fifteen = services.plot_create(
        township=township, block=township.block_a, number="2", status="available", geom=frame.rect(25, 0, 37.5, 40)
    )
    services.plot_create(
        township=township, block=township.block_a, number="3", status="planned", geom=frame.rect(62.5, 0, 25, 40)
    )
    assert (entitlement_biswa(township, 6), entitlement_biswa(township, 14)) == (10, 15)
    assert list(plots_matching_entitlement(township, 6)) == [ten]
    assert list(plots_matching_entitlement(township, 14)) == [fifteen]


def test_no_entitlement_set_means_no_plots(township):
    assert entitlement_biswa(township, 5) is None
    assert not plots_matching_entitlement(township, 5).exists()


def test_a_plot_fits_an_entitlement_within_five_percent():
    # 10 biswa = 1,000 m²; the map's candidates, the ballot and the plot query share this bound.
    assert area_fits_entitlement(950, 10) and area_fits_entitlement(1050, 10)
    assert not area_fits_entitlement(949, 10) and not area_fits_entitlement(1051, 10)
    assert not area_fits_entitlement(None, 10) and not area_fits_entitlement(1000, None)
