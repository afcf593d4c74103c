"""The neighbour test of the land rules' set check and of the layout dry run
(townships/sql/0016_plot_neighbour_test.sql, townships.layouts.checks.interiors_meet): exact bounding boxes first,
ST_Relate only where the boxes overlap by a width and a height. It must answer exactly as ST_Relate(a, b,
'T********') does: checked here on the edge shapes (shared edge, shared corner only, part of an edge in common, a
hole, a sliver of 1e-9 degrees, one plot inside another) and on random turned layouts, against shapely (its own
GEOS); and through plot_set_violations() against a reference check of the rule by area."""

import math
import random

import pytest
from shapely import wkb
from shapely.geometry import Polygon

from tests.db.conftest import X0, Y0, insert_township
from townships.layouts.checks import interiors_meet

TOLERANCE_M2 = 0.01  # landreg_tolerance_m2()
PATTERN = "T********"


def lattice(origin=(100.0, 50.0), side=10.0, degrees=0.0):
    """The corners of a grid of side × side metres turned by `degrees`: one function of (i, j), so that two cells
    that share a corner share it to the last bit."""
    a = math.radians(degrees)
    ux, uy = side * math.cos(a), side * math.sin(a)
    vx, vy = -side * math.sin(a), side * math.cos(a)
    return lambda i, j: (origin[0] + i * ux + j * vx, origin[1] + i * uy + j * vy)


def cell(p, i0, j0, i1, j1):
    return Polygon([p(i0, j0), p(i1, j0), p(i1, j1), p(i0, j1)])


def metres(shape):
    """WKT in metres from the frame origin; the database gets it in UTM 42N and stores it in EPSG:4326."""
    return shape.wkt


P = lattice(degrees=0.0)
R = lattice(degrees=27.0)
HOLED = Polygon(
    [P(0, 0), P(3, 0), P(3, 3), P(0, 3)],
    [[P(1, 1), P(2, 1), P(2, 2), P(1, 2)]],
)

# (case, plot a, plot b, do their interiors meet)
EDGE_SHAPES = [
    ("shared edge", cell(P, 0, 0, 1, 1), cell(P, 1, 0, 2, 1), False),
    ("shared edge, turned 27°", cell(R, 0, 0, 1, 1), cell(R, 1, 0, 2, 1), False),
    ("shared corner only", cell(P, 0, 0, 1, 1), cell(P, 1, 1, 2, 2), False),
    ("shared corner only, turned 27°", cell(R, 0, 0, 1, 1), cell(R, 1, 1, 2, 2), False),
    # A corner of b in the middle of a's edge: once reprojected, it lies a hair to one side of that edge or the
    # other (here, inside a): the tests must agree on it, whichever it is, and the overlap is far below the
    # tolerance. In degrees, the same shape is exact (DEGREE_SHAPES).
    ("part of an edge in common", cell(P, 0, 0, 2, 2), cell(P, 2, 1, 3, 2), None),
    ("part of an edge in common, turned 27°", cell(R, 0, 0, 2, 2), cell(R, 2, 0, 3, 1), None),
    ("a plot that fills another's hole", HOLED, cell(P, 1, 1, 2, 2), False),
    ("a plot in another's hole, over its ring", HOLED, cell(P, 1.5, 1.5, 2.5, 2.5), True),
    ("one plot inside another", cell(P, 0, 0, 3, 3), cell(P, 1, 1, 2, 2), True),
    ("one plot inside another, turned 27°", cell(R, 0, 0, 3, 3), cell(R, 1, 1, 2, 2), True),
    ("overlapping by half", cell(P, 0, 0, 2, 2), cell(P, 1, 0, 3, 2), True),
    ("apart", cell(P, 0, 0, 1, 1), cell(P, 2, 0, 3, 1), False),
]

STORED = f"ST_Transform(ST_Translate(ST_GeomFromText(%s, 32642), {X0}, {Y0}), 4326)"

# In degrees, as stored: two boxes of about 9 m × 11 m, side by side; b starts 1e-9° (≈ 0.1 mm) inside a, or
# exactly at its edge.
LON0, LAT0, STEP = 69.0, 34.4, 0.0001
SLIVERS = [
    ("a sliver of 1e-9 degrees", 1e-9, True),
    ("touching at a meridian", 0.0, False),
    ("apart by 1e-9 degrees", -1e-9, False),
]


def test_part_of_an_edge_in_common_in_degrees_is_not_a_meeting(raw):
    """b's western edge is the lower half of a's eastern edge, on the same meridian to the last bit."""
    a, _ = degree_boxes(0.0)
    mid, half = LON0 + STEP, LAT0 + STEP / 2
    east = mid + STEP
    b = f"SRID=4326;POLYGON(({mid!r} {half!r},{east!r} {half!r},{east!r} {LAT0!r},{mid!r} {LAT0!r},{mid!r} {half!r}))"
    for test, relate, sa, sb in judged(raw, [(a, b), (b, a)]):
        assert test is relate is sa.relate_pattern(sb, PATTERN) is False


def degree_boxes(overlap, lon=LON0, lat=LAT0):
    """Two boxes side by side in degrees (EWKT): b begins `overlap` degrees inside a's eastern edge."""
    west, mid, east, south, north = lon, lon + STEP, lon + 2 * STEP, lat, lat + STEP
    return (
        f"SRID=4326;POLYGON(({west!r} {south!r},{mid!r} {south!r},{mid!r} {north!r},{west!r} {north!r},"
        f"{west!r} {south!r}))",
        f"SRID=4326;POLYGON(({mid - overlap!r} {south!r},{east!r} {south!r},{east!r} {north!r},{mid - overlap!r} "
        f"{north!r},{mid - overlap!r} {south!r}))",
    )


def judged(cursor, pairs):
    """For (geometry a, geometry b) given as SQL values: the neighbour test's answer, ST_Relate's, and the two
    geometries as stored (WKB), for shapely."""
    cursor.execute(
        "SELECT " + interiors_meet("a", "b") + ", ST_Relate(a, b, %s), ST_AsBinary(a), ST_AsBinary(b) "
        "FROM unnest(%s::geometry[], %s::geometry[]) WITH ORDINALITY AS u(a, b, n) ORDER BY n",
        (PATTERN, [a for a, _ in pairs], [b for _, b in pairs]),
    )
    return [(test, relate, wkb.loads(bytes(a)), wkb.loads(bytes(b))) for test, relate, a, b in cursor.fetchall()]


def stored(cursor, shape):
    cursor.execute("SELECT ST_AsEWKT(" + STORED + ")", (metres(shape),))
    return cursor.fetchone()[0]


def test_the_layout_check_and_the_set_check_use_the_same_neighbour_test(raw):
    raw.execute("SELECT prosrc FROM pg_proc WHERE oid = 'plot_set_violations(bigint[])'::regprocedure")
    assert interiors_meet("o.geom", "t.geom") in raw.fetchone()[0]


@pytest.mark.parametrize(("case", "a", "b", "meet"), EDGE_SHAPES, ids=[c[0] for c in EDGE_SHAPES])
def test_the_edge_shapes_are_judged_as_st_relate_and_shapely_judge_them(raw, case, a, b, meet):
    pairs = [(stored(raw, a), stored(raw, b)), (stored(raw, b), stored(raw, a))]
    for test, relate, sa, sb in judged(raw, pairs):
        assert test is relate is sa.relate_pattern(sb, PATTERN), case
        assert meet is None or test is meet, case


@pytest.mark.parametrize(("case", "overlap", "meet"), SLIVERS, ids=[c[0] for c in SLIVERS])
def test_slivers_of_a_billionth_of_a_degree_are_seen(raw, case, overlap, meet):
    a, b = degree_boxes(overlap)
    for test, relate, sa, sb in judged(raw, [(a, b), (b, a)]):
        assert test is relate is sa.relate_pattern(sb, PATTERN) is meet, case


def test_random_turned_layouts_are_judged_as_st_relate_and_shapely_judge_them(raw):
    """2,000 pairs of cells of random turned lattices: neighbours by an edge, a corner, part of an edge, over
    each other by a part, inside each other, or apart."""
    rng = random.Random(20261130)
    shapes = []
    for _ in range(2000):
        origin = (rng.uniform(20, 400), rng.uniform(20, 200))
        p = lattice(origin=origin, side=rng.choice((5.0, 10.0, 20.0)), degrees=rng.uniform(0, 90))
        w, h = rng.choice((1, 2, 3)), rng.choice((1, 2))
        di, dj = rng.choice((0, 0.5, 1, w, w + 0.5, w + 1, -1)), rng.choice((0, 0.5, 1, h, h + 1, -1))
        shapes.append((cell(p, 0, 0, w, h), cell(p, di, dj, di + rng.choice((1, 0.5, 2)), dj + rng.choice((1, 0.5)))))
    raw.execute(
        "SELECT ST_AsEWKT(" + STORED.replace("%s", "wa") + "), ST_AsEWKT(" + STORED.replace("%s", "wb") + ") "
        "FROM unnest(%s::text[], %s::text[]) WITH ORDINALITY AS u(wa, wb, n) ORDER BY n",
        ([a.wkt for a, _ in shapes], [b.wkt for _, b in shapes]),
    )
    results = judged(raw, raw.fetchall())
    agree = [test is relate is sa.relate_pattern(sb, PATTERN) for test, relate, sa, sb in results]
    assert all(agree), [shapes[i] for i, ok in enumerate(agree) if not ok][:3]
    meets = sum(1 for test, *_ in results if test)
    assert 200 < meets < 1800  # both answers were exercised


@pytest.mark.parametrize(("case", "a", "b", "meet"), EDGE_SHAPES, ids=[c[0] for c in EDGE_SHAPES])
def test_the_set_check_refuses_the_edge_shapes_exactly_when_a_reference_check_does(raw, case, a, b, meet):
    """Both plots in one multi-row INSERT, then plot_set_violations(): an overlap of more than the tolerance,
    measured by shapely on the plots as stored (in UTM), names both plots; anything less names none."""
    township, _ = insert_township(raw)
    raw.execute("SET CONSTRAINTS plots_keep_the_land_rules DEFERRED")  # asked below, before a commit would
    raw.execute(
        "INSERT INTO townships_plot (township_id, number, geom, use, status, created_at, updated_at) "
        "SELECT %s, n, " + STORED.replace("%s", "w") + ", 'residential', 'available', now(), now() "
        "FROM unnest(%s::text[], %s::text[]) AS u(n, w) RETURNING id",
        (township, ["a", "b"], [metres(a), metres(b)]),
    )
    ids = [row[0] for row in raw.fetchall()]
    raw.execute(
        "SELECT ST_AsBinary(ST_Transform(geom, 32642)) FROM townships_plot WHERE id = ANY(%s) ORDER BY number", (ids,)
    )
    ua, ub = (wkb.loads(bytes(g)) for (g,) in raw.fetchall())
    expected = set()
    if ua.intersection(ub).area > TOLERANCE_M2:
        expected = {("a", "plots_do_not_overlap", "b"), ("b", "plots_do_not_overlap", "a")}
    assert bool(expected) is bool(meet)  # the shapes that meet overlap by more than the tolerance, the others not
    raw.execute("SELECT plot_number, rule, detail FROM plot_set_violations(%s)", (ids,))
    found = {(n, rule, detail.split("overlaps plot ")[1].split(" ")[0]) for n, rule, detail in raw.fetchall()}
    assert found == expected, case


def test_the_set_check_measures_a_sliver_and_lets_it_pass_under_the_tolerance(raw):
    """Interiors that meet by a sliver of 1e-9 degrees (≈ 0.001 m²): the neighbour test sends the pair to be
    measured, and the measure finds less than the tolerance."""
    township, _ = insert_township(raw)
    raw.execute("SET CONSTRAINTS plots_keep_the_land_rules DEFERRED")  # asked below, before a commit would
    raw.execute(
        "SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_Centroid(geom) AS c FROM townships_township WHERE id = %s) s",
        (township,),
    )
    lon, lat = raw.fetchone()
    a, b = degree_boxes(1e-9, lon, lat)
    raw.execute(
        "INSERT INTO townships_plot (township_id, number, geom, use, status, created_at, updated_at) "
        "SELECT %s, n, ST_GeomFromEWKT(w), 'residential', 'available', now(), now() "
        "FROM unnest(%s::text[], %s::text[]) AS u(n, w) RETURNING id",
        (township, ["a", "b"], [a, b]),
    )
    ids = [row[0] for row in raw.fetchall()]
    raw.execute(
        "SELECT ST_Area(ST_Transform(ST_Intersection(x.geom, y.geom), 32642)) FROM townships_plot x, "
        "townships_plot y WHERE x.id = %s AND y.id = %s",
        ids,
    )
    assert 0 < raw.fetchone()[0] < TOLERANCE_M2
    raw.execute("SELECT count(*) FROM plot_set_violations(%s)", (ids,))
    assert raw.fetchone()[0] == 0
