"""The layout check's overlaps inside the file find their candidate pairs on a grid (townships.layouts.checks.
FILE_PAIRS): the pairs must be exactly those whose exact boxes overlap by a width and a height, as the spatial
index and interiors_meet() would find them, on random layouts (straight and turned), with shared edges and
corners, and when a few very large outlines make the grid give way to the index."""

import random

import pytest
from django.db import connection

from townships.layouts.checks import CREATE_STAGE, FILE_PAIRS

pytestmark = pytest.mark.django_db

EXPECTED = """
SELECT a.fid, b.fid FROM layout_feature a JOIN layout_feature b ON a.fid < b.fid AND a.geom && b.geom
 WHERE a.kind = 'polygon' AND b.kind = 'polygon'
   AND ST_XMin(box2d(a.geom)) < ST_XMax(box2d(b.geom)) AND ST_XMin(box2d(b.geom)) < ST_XMax(box2d(a.geom))
   AND ST_YMin(box2d(a.geom)) < ST_YMax(box2d(b.geom)) AND ST_YMin(box2d(b.geom)) < ST_YMax(box2d(a.geom))
"""


def stage(cursor, rng, count, turn, big=0):
    """count outlines of 5–15 m in UTM 42N near 69°E, on a 5 m lattice (so they share edges and corners or
    overlap), turned by `turn` degrees, plus `big` outlines of several kilometres; a few points and lines."""
    cursor.execute("DROP TABLE IF EXISTS pg_temp.layout_feature")
    cursor.execute(CREATE_STAGE.replace("ON COMMIT DROP", ""))
    rows = []
    for fid in range(1, count + 1):
        w, h = rng.choice((5, 10, 15)), rng.choice((5, 10))
        x, y = rng.randrange(0, 400, 5), rng.randrange(0, 300, 5)
        rows.append((fid, "polygon", x, y, x + w, y + h))
    for fid in range(count + 1, count + big + 1):
        x, y = rng.randrange(-3000, 0, 5), rng.randrange(-3000, 0, 5)
        rows.append((fid, "polygon", x, y, x + rng.randrange(3000, 6000), y + rng.randrange(3000, 6000)))
    rows += [(count + big + 1, "label", 1, 1, 1, 1), (count + big + 2, "line", 0, 0, 50, 50)]
    for fid, kind, x0, y0, x1, y1 in rows:
        if kind == "label":
            shape = f"ST_MakePoint({500000 + x0}, {3806000 + y0})"
        elif kind == "line":
            shape = (
                f"ST_MakeLine(ST_MakePoint({500000 + x0}, {3806000 + y0}), ST_MakePoint({500000 + x1}, {3806000 + y1}))"
            )
        else:
            shape = f"ST_MakeEnvelope({500000 + x0}, {3806000 + y0}, {500000 + x1}, {3806000 + y1})"
        cursor.execute(
            "INSERT INTO layout_feature (fid, kind, number, geom) VALUES (%s, %s, %s, ST_Transform(ST_SetSRID("
            "ST_Rotate(" + shape + ", radians(%s), 500000, 3806000), 32642), 4326))",
            (fid, kind, str(fid), turn),
        )


def pairs(cursor, sql):
    cursor.execute(sql)
    return sorted(cursor.fetchall())


def grid_pays(cursor):
    cursor.execute("WITH " + FILE_PAIRS + " SELECT pays FROM grid")
    return cursor.fetchone()[0]


@pytest.mark.parametrize(("turn", "big"), [(0, 0), (17, 0), (28.6, 0), (0, 15), (12, 15)])
def test_the_grid_finds_exactly_the_pairs_whose_boxes_overlap(turn, big):
    rng = random.Random(f"{turn}-{big}")
    with connection.cursor() as cursor:
        for _round in range(3):
            stage(cursor, rng, rng.randint(300, 700), turn, big)
            expected = pairs(cursor, EXPECTED)
            found = pairs(cursor, "WITH " + FILE_PAIRS + " SELECT a, b FROM candidates")
            assert found == expected
            assert len(expected) > 50  # the layouts do overlap, share edges and corners
            assert grid_pays(cursor) is (big == 0)  # the very large outlines send it to the index
        cursor.execute("DROP TABLE pg_temp.layout_feature")


def test_a_file_without_polygons_has_no_pairs():
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS pg_temp.layout_feature")
        cursor.execute(CREATE_STAGE.replace("ON COMMIT DROP", ""))
        assert pairs(cursor, "WITH " + FILE_PAIRS + " SELECT a, b FROM candidates") == []
        cursor.execute("DROP TABLE pg_temp.layout_feature")
