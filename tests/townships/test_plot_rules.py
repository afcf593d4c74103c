"""The land rules through the services: a readable ValidationError on the field, nothing written."""

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.core.exceptions import ValidationError

from townships import services
from townships.models import Plot


def codes(error: ValidationError) -> dict:
    return {field: [e.code for e in errors] for field, errors in error.error_dict.items()}


def test_it_creates_a_plot_and_measures_its_area_in_utm(township, frame):
    plot = services.plot_create(township=township, block=township.block_a, number="1", geom=frame.rect(0, 0, 20, 25))
    assert township.utm_srid == 32642
    assert float(plot.area_m2) == pytest.approx(500.0, abs=0.01)
    assert float(plot.area_biswa) == pytest.approx(5.0, abs=0.001)


def test_plots_sharing_an_edge_are_fine(township, frame):
    services.plot_create(township=township, block=township.block_a, number="1", geom=frame.rect(0, 0, 20, 25))
    services.plot_create(township=township, block=township.block_a, number="2", geom=frame.rect(20, 0, 20, 25))
    assert township.plots.count() == 2


def test_it_rejects_an_overlapping_plot_with_the_overlap_in_square_metres(township, frame):
    services.plot_create(township=township, block=township.block_a, number="1", geom=frame.rect(0, 0, 20, 25))
    with pytest.raises(ValidationError) as error:
        services.plot_create(township=township, block=township.block_a, number="2", geom=frame.rect(15, 0, 20, 25))
    assert codes(error.value) == {"geom": ["plots_do_not_overlap"]}
    message = error.value.message_dict["geom"][0]
    assert "must not overlap" in message and "plot 1 by 125" in message
    assert not Plot.objects.filter(number="2").exists()


def test_it_rejects_a_plot_outside_the_township(township, frame):
    with pytest.raises(ValidationError) as error:
        services.plot_create(township=township, number="9", geom=frame.rect(490, 0, 20, 25))
    assert codes(error.value) == {"geom": ["plot_inside_township"]}
    assert "must lie inside its township" in error.value.message_dict["geom"][0]


def test_it_rejects_a_plot_outside_its_block(township, frame):
    with pytest.raises(ValidationError) as error:
        services.plot_create(township=township, block=township.block_a, number="9", geom=frame.rect(190, 0, 20, 25))
    assert codes(error.value) == {"geom": ["plot_inside_block"]}


def test_it_rejects_a_self_intersecting_plot_without_touching_geos_predicates(township, frame):
    bowtie = frame.ring([(0, 0), (20, 20), (20, 0), (0, 20)])
    with pytest.raises(ValidationError) as error:
        services.plot_create(township=township, number="9", geom=bowtie)
    assert codes(error.value) == {"geom": ["plot_geometry_valid"]}
    assert "Self-intersection" in error.value.message_dict["geom"][0]


def test_it_rejects_an_empty_plot(township):
    with pytest.raises(ValidationError) as error:
        services.plot_create(township=township, number="9", geom=Polygon(srid=4326))
    assert "plot_geometry_valid" in codes(error.value)["geom"]


def test_it_rejects_a_duplicate_number_in_the_township(township, frame):
    services.plot_create(township=township, block=township.block_a, number="7", geom=frame.rect(0, 0, 20, 25))
    with pytest.raises(ValidationError) as error:
        services.plot_create(township=township, block=township.block_a, number="7", geom=frame.rect(40, 0, 20, 25))
    assert "already exists in this township" in str(error.value)


def test_it_rejects_a_block_of_another_township(township, frame, provinces):
    other = services.township_create(
        code="NAN-OTHER",
        name="Other",
        province=provinces["nangarhar"],
        legal_basis="decree_305_2018",
        geom=MultiPolygon(frame.rect(0, 400, 300, 200)),
    )
    block = services.block_create(township=other, code="X", geom=frame.rect(0, 400, 100, 100))
    with pytest.raises(ValidationError) as error:
        services.plot_create(township=township, block=block, number="1", geom=frame.rect(0, 0, 20, 25))
    assert codes(error.value)["block"] == ["plot_block_in_same_township"]


def test_it_rejects_moving_a_plot_onto_its_neighbour(township, frame):
    services.plot_create(township=township, block=township.block_a, number="1", geom=frame.rect(0, 0, 20, 25))
    plot = services.plot_create(township=township, block=township.block_a, number="2", geom=frame.rect(20, 0, 20, 25))
    with pytest.raises(ValidationError):
        services.plot_update(plot=plot, geom=frame.rect(10, 0, 20, 25))
    plot.refresh_from_db()
    assert float(plot.area_m2) == pytest.approx(500.0, abs=0.01)


def test_reshaping_a_plot_re_measures_it_and_ignores_a_typed_area(township, frame):
    plot = services.plot_create(township=township, block=township.block_a, number="1", geom=frame.rect(0, 0, 20, 25))
    plot = services.plot_update(plot=plot, geom=frame.rect(0, 0, 40, 25), area_m2=1)
    assert float(plot.area_m2) == pytest.approx(1000.0, abs=0.01)


def test_it_rejects_a_block_outside_the_township(township, frame):
    with pytest.raises(ValidationError) as error:
        services.block_create(township=township, code="Z", geom=frame.rect(450, 250, 100, 100))
    assert codes(error.value) == {"geom": ["block_inside_township"]}


def test_it_rejects_shrinking_a_township_away_from_its_plots(township, frame):
    with pytest.raises(ValidationError) as error:
        services.township_update(township=township, geom=MultiPolygon(frame.rect(0, 0, 150, 300)))
    assert codes(error.value) == {"geom": ["block_inside_township"]}


def test_a_township_in_herat_is_measured_in_utm_41n(provinces):
    from tests.conftest import UtmFrame

    herat = UtmFrame(62.2, 34.35, 32641)
    township = services.township_create(
        code="HER-T",
        name="Herat test",
        province=provinces["herat"],
        legal_basis="decree_305_2018",
        geom=MultiPolygon(herat.rect(0, 0, 300, 300)),
    )
    plot = services.plot_create(township=township, number="1", geom=herat.rect(10, 10, 30, 40))
    assert township.utm_srid == 32641
    assert float(plot.area_m2) == pytest.approx(1200.0, abs=0.01)


def test_a_facility_with_an_invalid_footprint_is_refused(township, frame):
    with pytest.raises(ValidationError) as error:
        services.facility_create(
            township=township,
            kind="school",
            geom=frame.rect(5, 5, 1, 1).centroid,
            footprint=frame.ring([(0, 0), (20, 20), (20, 0), (0, 20)]),
        )
    assert codes(error.value) == {"geom": ["facility_geometry_valid"]}
