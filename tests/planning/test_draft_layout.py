"""The drafting algorithm alone (planning/drafting.py): shapely in metres, no database."""

import math

import pytest
import shapely
from shapely import affinity
from shapely.geometry import Polygon, box

from planning.drafting import (
    DraftError,
    DraftParameters,
    block_code,
    draft_layout,
    draft_parameters,
    longest_side_angle,
)

SRID = 32642


def rect(w, h, x=500_000.0, y=3_800_000.0):
    return box(x, y, x + w, y + h)


def test_it_fills_a_rectangle_with_whole_blocks_of_two_rows_back_to_back():
    # 2 blocks of 10 × 2 plots across (2 × 100 m + 8 m road), 3 rows of blocks (3 × 40 m + 2 × 8 m) and nothing
    # to spare: a 208 × 136 m site with no setback holds 120 plots of 10 × 20 m.
    params = DraftParameters(setback_m=0, reserve_share=0, angle_deg=0)
    draft = draft_layout(rect(208, 136), params, srid=SRID)
    assert len(draft.plots) == 120
    assert len(draft.blocks) == 6
    assert {round(p.geom.area, 6) for p in draft.plots} == {200.0}
    assert all(b.plots == 20 for b in draft.blocks)
    figures = draft.figures()
    assert figures["plots_m2"] == 24_000
    # roads: 2 horizontal strips of 208 × 8 and 1 vertical of 8 × 120, less their 2 crossings counted twice
    assert figures["roads_m2"] == pytest.approx(2 * 208 * 8 + 8 * 120, abs=0.5)
    assert figures["plots_share"] + figures["roads_share"] + figures["left_over_share"] == pytest.approx(1, abs=1e-3)


def test_plots_lie_inside_the_parcel_less_the_setback_and_never_overlap():
    parcel = Polygon([(0, 0), (420, 30), (520, 300), (260, 420), (-40, 260)])
    parcel = affinity.translate(parcel, 500_000, 3_800_000)
    draft = draft_layout(parcel, DraftParameters(setback_m=12, reserve_share=0.1), srid=SRID)
    inner = parcel.buffer(-12 + 1e-6, join_style="mitre")
    geoms = [p.geom for p in draft.plots]
    assert all(inner.contains(g) for g in geoms)
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    pairs = [(i, j) for i, j in zip(left, right, strict=True) if i < j]
    assert all(geoms[i].intersection(geoms[j]).area < 1e-6 for i, j in pairs)
    # every plot keeps its full size: no sliver (the reserve's public plots are whole blocks)
    assert {round(p.geom.area, 4) for p in draft.plots if p.use == "residential"} == {200.0}
    # each plot lies in its block
    blocks = {b.code: b.geom for b in draft.blocks}
    assert all(blocks[p.block].buffer(1e-6).contains(p.geom) for p in draft.plots)


def test_blocks_are_coded_and_plots_numbered_block_by_block_after_those_taken():
    draft = draft_layout(
        rect(208, 136),
        DraftParameters(setback_m=0, reserve_share=0, angle_deg=0),
        srid=SRID,
        taken_codes=["A", "B"],
        first_number=101,
    )
    assert [b.code for b in draft.blocks] == ["C", "D", "E", "F", "G", "H"]
    assert [p.number for p in draft.plots] == [str(n) for n in range(101, 221)]
    assert [p.block for p in draft.plots[:20]] == ["C"] * 20
    assert block_code(0) == "A" and block_code(25) == "Z" and block_code(26) == "AA" and block_code(27) == "AB"


def test_the_grid_turns_to_the_longest_side():
    parcel = affinity.rotate(rect(400, 120), 30, origin="centroid")
    assert longest_side_angle(parcel) == pytest.approx(30, abs=1e-6)
    draft = draft_layout(parcel, DraftParameters(setback_m=0, reserve_share=0), srid=SRID)
    plot = draft.plots[0].geom
    corners = list(plot.exterior.coords)
    sides = {
        round(math.degrees(math.atan2(b[1] - a[1], b[0] - a[0])) % 90, 6)
        for a, b in zip(corners, corners[1:], strict=False)
    }
    assert sides == {30.0}
    # turned the other way, far fewer plots fit
    across = draft_layout(parcel, DraftParameters(setback_m=0, reserve_share=0, angle_deg=75), srid=SRID)
    assert len(across.plots) < len(draft.plots)


def test_whole_blocks_nearest_the_centre_are_reserved_close_to_the_share_asked():
    params = DraftParameters(setback_m=0, reserve_share=0.15, angle_deg=0)
    site = rect(5 * 108, 5 * 48)
    draft = draft_layout(site, params, srid=SRID)
    reserved = [b for b in draft.blocks if b.reserve]
    # 25 blocks of 4,000 m²; 15 % of 129,600 m² is 19,440 m²: 5 blocks (20,000 m², 560 m² over) are closer to it
    # than 4 (16,000 m², 3,440 m² short)
    assert len(reserved) == 5
    figures = draft.figures()
    assert figures["reserve_share_asked"] == 0.15
    centre = site.centroid
    others = [b for b in draft.blocks if not b.reserve]
    assert max(b.geom.centroid.distance(centre) for b in reserved) <= min(
        b.geom.centroid.distance(centre) for b in others
    )
    public = [p for p in draft.plots if p.use == "public"]
    assert len(public) == len(reserved) and all(p.geom.area == pytest.approx(4000) for p in public)


def test_plots_on_unfit_ground_are_left_out_or_marked():
    site = rect(208, 136)
    flood = box(500_000, 3_800_000, 500_000 + 208, 3_800_000 + 30)  # the bottom 30 m
    params = DraftParameters(setback_m=0, reserve_share=0, angle_deg=0)
    left_out = draft_layout(site, params, srid=SRID, exclude=flood)
    assert left_out.unfit_left_out == 40  # the bottom row of blocks: its front row (0-20 m) and back row (20-40)
    assert len(left_out.plots) == 80
    assert not any(p.geom.intersection(flood).area > 1 for p in left_out.plots)
    marked = draft_layout(
        site, DraftParameters(setback_m=0, reserve_share=0, angle_deg=0, mark_unfit=True), srid=SRID, exclude=flood
    )
    assert len(marked.plots) == 120 and sum(p.unfit for p in marked.plots) == 40


def test_unfit_ground_left_empty_has_its_own_share_not_left_over():
    site = rect(208, 136)
    flood = box(500_000, 3_800_000, 500_000 + 208, 3_800_000 + 30)  # the bottom 30 m, 6,240 m²
    params = DraftParameters(setback_m=0, reserve_share=0, angle_deg=0)
    figures = draft_layout(site, params, srid=SRID, exclude=flood).figures()
    # the bottom row of blocks (40 m deep) is left out, so all 30 m of flood lie under no plot; the road just above
    # the flood band is drawn only next to blocks, so the whole band is unfit ground left empty
    assert figures["unfit_empty_m2"] == pytest.approx(208 * 30, abs=1)
    total = sum(figures[f"{k}_share"] for k in ("plots", "reserve", "roads", "setback", "unfit_empty", "left_over"))
    assert total == pytest.approx(1, abs=1e-3)
    whole = draft_layout(site, params, srid=SRID).figures()
    assert whole["unfit_empty_m2"] == 0
    assert figures["left_over_m2"] < whole["left_over_m2"] + figures["unfit_empty_m2"]  # not counted twice
    marked = draft_layout(
        site, DraftParameters(setback_m=0, reserve_share=0, angle_deg=0, mark_unfit=True), srid=SRID, exclude=flood
    ).figures()
    assert marked["unfit_empty_m2"] == pytest.approx(0, abs=1)  # kept and marked: the plots cover it


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"setback_m": "-5"}, "setback_m", "cannot be negative"),
        ({"road_width_m": "abc"}, "road_width_m", "not a number"),
        ({"road_width_m": "nan"}, "road_width_m", "number"),
        ({"plots_per_row": "2.5"}, "plots_per_row", "whole number"),
        ({"plot_biswa": "0"}, "plot_biswa", "biswa"),
        ({"reserve_percent": "80"}, "reserve_share", "50 %"),
        ({"orientation": "angle"}, "angle_deg", "angle"),
        ({"orientation": "sideways"}, "orientation", "orientation"),
        (
            {"road_width_m": "30", "plot_depth_m": "10", "plots_per_row": "2", "plot_width_m": "10"},
            "road_width_m",
            "wider than a block",
        ),
    ],
)
def test_bad_parameters_are_refused_with_a_sentence(data, field, words):
    with pytest.raises(DraftError) as refused:
        draft_parameters(data)
    assert words in refused.value.errors[field]


def test_unknown_names_are_refused_only_when_strict():
    assert draft_parameters({"colour": "red"}).road_width_m == 8
    with pytest.raises(DraftError) as refused:
        draft_parameters({"colour": "red"}, strict=True)
    assert "colour" in refused.value.errors["parameters"]


def test_a_target_area_in_biswa_gives_plots_twice_as_deep_as_wide():
    params = draft_parameters({"plot_biswa": "2"})
    width, depth = params.plot_size
    assert width * depth == pytest.approx(200) and depth == pytest.approx(2 * width)


def test_parameters_that_leave_no_room_for_a_plot_are_refused():
    with pytest.raises(DraftError) as refused:
        draft_layout(rect(15, 15), DraftParameters(setback_m=0), srid=SRID)
    assert "Not a single whole 10 × 20 m plot" in refused.value.errors["plot_width_m"]
    with pytest.raises(DraftError) as refused:
        draft_layout(rect(100, 100), DraftParameters(setback_m=60), srid=SRID)
    assert "lower the setback" in refused.value.errors["setback_m"]


def test_an_outline_in_degrees_read_as_metres_is_refused():
    with pytest.raises(DraftError) as refused:
        draft_layout(box(70.5, 34.4, 70.51, 34.41), DraftParameters(), srid=SRID)
    assert "degrees" in refused.value.errors["outline"]


def test_a_site_too_large_to_draft_at_once_is_refused():
    with pytest.raises(DraftError) as refused:
        draft_layout(rect(10_000, 10_000), DraftParameters(), srid=SRID)
    assert "part by part" in refused.value.errors["outline"]


def test_a_parcel_clipped_to_a_township_keeps_its_polygon_parts():
    clipped = shapely.GeometryCollection([rect(208, 136), shapely.LineString([(0, 0), (1, 1)])])
    draft = draft_layout(clipped, DraftParameters(setback_m=0, reserve_share=0, angle_deg=0), srid=SRID)
    assert len(draft.plots) == 120
    with pytest.raises(DraftError) as refused:
        draft_layout(shapely.LineString([(0, 0), (100, 100)]), DraftParameters(), srid=SRID)
    assert "not a polygon" in refused.value.errors["outline"]


def test_numbers_in_dari_digits_are_read():
    params = draft_parameters({"road_width_m": "۷٫۵", "plots_per_row": "۸", "setback_m": "3,5"})
    assert (params.road_width_m, params.plots_per_row, params.setback_m) == (7.5, 8, 3.5)
