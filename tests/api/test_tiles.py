"""Vector tiles and TileJSON: real PostGIS tiles decoded as a client would, cached by layer version."""

import gzip
import math
import subprocess

import mapbox_vector_tile
import pytest
from django.contrib.gis.geos import MultiPolygon, Point
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from allocations.services import allocation_propose
from api.tiles.vector import LAYERS, MVT_CONTENT_TYPE, PLOT_COUNTS, tile_sql
from townships import services

PLOT_KEYS = {"id", "number", "status", "use", "area_m2", "block", "township", "site_fit"}


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    """The x, y of the web-mercator (XYZ) tile at zoom z that contains a point."""
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def url(layer: str, z: int, x: int, y: int) -> str:
    return f"/tiles/{layer}/{z}/{x}/{y}.mvt"


def township_tile_url(frame, layer="plots", z=16, at=(30, 12)) -> str:
    """The tile that contains a point of the township drawn by `frame` (metres from its origin)."""
    lon, lat = frame.to_wgs.transform(frame.x0 + at[0], frame.y0 + at[1])
    return url(layer, z, *tile_of(lon, lat, z))


def decode(response) -> dict:
    return mapbox_vector_tile.decode(response.content)


@pytest.fixture(autouse=True)
def empty_tile_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def partner(client, users, provinces):
    """Tiles carry no personal data: the most restricted role may read them, under an agreement sharing the
    township layout of Nangarhar, where the test township lies (test_tiles_partner.py: what it does not share)."""
    from tests.landreg.test_data_sharing import agreement_create

    agreement_create(users=[users["partner"]], provinces=[provinces["nangarhar"]])
    client.force_login(users["partner"])
    return client


def test_a_tile_over_the_township_shows_its_plots_and_nothing_personal(partner, plots, frame, make_household, users):
    head = {"name": "Gul Ahmad Sherzad", "father_name": "Mohammad Nabi", "sex": "m", "tazkira": "1400-0101-12345"}
    household = make_household(head=head)
    allocation_propose(household=household, plot=plots[0], proposed_by=users["officer_nangarhar"])

    response = partner.get(township_tile_url(frame))

    assert response.status_code == 200
    assert response["Content-Type"] == MVT_CONTENT_TYPE
    features = decode(response)["plots"]["features"]
    by_number = {f["properties"]["number"]: f for f in features}
    assert set(by_number) == {"0", "1", "2"}
    assert by_number["1"]["properties"]["status"] == "available"
    assert by_number["1"]["properties"]["area_m2"] == pytest.approx(500.0, abs=0.01)
    assert by_number["1"]["properties"]["block"] == "A"
    assert by_number["1"]["properties"]["township"] == "NAN-TEST"
    assert by_number["1"]["id"] == plots[1].pk
    assert all(set(f["properties"]) == PLOT_KEYS for f in features)
    for personal in (household.code, "Gul Ahmad", "Sherzad", "Nabi", "12345"):
        assert personal.encode() not in response.content


def test_a_tile_far_from_any_data_is_empty(partner, plots):
    x, y = tile_of(-40.0, 10.0, 16)  # the middle of the Atlantic

    response = partner.get(url("plots", 16, x, y))

    assert response.status_code == 204
    assert response.content == b""


def test_plots_are_not_drawn_below_their_minimum_zoom(partner, plots, frame):
    response = partner.get(township_tile_url(frame, z=LAYERS["plots"].minzoom - 1))

    assert response.status_code == 204


def test_a_tile_has_an_etag_and_an_unchanged_tile_is_not_sent_again(partner, plots, frame):
    first = partner.get(township_tile_url(frame))
    etag = first["ETag"]

    again = partner.get(township_tile_url(frame), headers={"if-none-match": etag})

    assert etag.startswith('"plots-') and etag.endswith('"')
    assert "max-age=60" in first["Cache-Control"]
    assert again.status_code == 304
    assert again["ETag"] == etag
    assert again.content == b""


def test_a_client_that_accepts_gzip_gets_the_tile_gzipped_with_its_own_etag(partner, plots, frame):
    plain = partner.get(township_tile_url(frame))
    zipped = partner.get(township_tile_url(frame), headers={"accept-encoding": "gzip, deflate, br"})

    assert zipped["Content-Encoding"] == "gzip" and "Content-Encoding" not in plain
    assert gzip.decompress(zipped.content) == plain.content and len(zipped.content) < len(plain.content)
    assert zipped["ETag"] != plain["ETag"] and "Accept-Encoding" in zipped["Vary"]
    again = partner.get(township_tile_url(frame), headers={"accept-encoding": "gzip", "if-none-match": zipped["ETag"]})
    assert again.status_code == 304


def test_a_repeated_tile_is_served_from_the_cache_without_the_tile_query(partner, plots, frame):
    first = partner.get(township_tile_url(frame))

    with CaptureQueriesContext(connection) as queries:
        second = partner.get(township_tile_url(frame))

    assert (first["X-Tile-Cache"], second["X-Tile-Cache"]) == ("miss", "hit")
    assert second.content == first.content
    assert not [q for q in queries.captured_queries if "ST_AsMVT" in q["sql"]]
    assert [q for q in queries.captured_queries if "landreg_layer_versions" in q["sql"]]


def test_a_status_change_gives_a_new_etag_and_the_tile_shows_the_new_status(partner, plots, frame):
    before = partner.get(township_tile_url(frame))
    assert partner.get(township_tile_url(frame))["X-Tile-Cache"] == "hit"

    services.plot_update(plot=plots[1], status="disputed")
    after = partner.get(township_tile_url(frame), headers={"if-none-match": before["ETag"]})

    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
    assert after["X-Tile-Cache"] == "miss"
    statuses = {f["properties"]["number"]: f["properties"]["status"] for f in decode(after)["plots"]["features"]}
    assert statuses == {"0": "available", "1": "disputed", "2": "available"}


def test_renaming_a_township_changes_the_plot_tiles_that_show_its_code(partner, plots, frame):
    before = partner.get(township_tile_url(frame))

    services.township_update(township=plots[0].township, code="NAN-NEW")
    after = partner.get(township_tile_url(frame))

    assert after["ETag"] != before["ETag"]
    assert {f["properties"]["township"] for f in decode(after)["plots"]["features"]} == {"NAN-NEW"}


def test_every_layer_draws_its_features(partner, plots, frame, provinces):
    township = plots[0].township
    services.facility_create(
        township=township, kind="school", name="Girls' school", geom=frame.rect(5, 5, 1, 1).centroid
    )
    provinces["nangarhar"].geom = MultiPolygon(frame.rect(-5000, -5000, 10000, 10000))
    provinces["nangarhar"].save()
    expected = {
        "townships": (
            {"id", "code", "name", "name_prs", "name_ps", "status"},
            {"code": "NAN-TEST", "status": "identified"},
        ),
        "township-points": (
            {"id", "code", "name", "status", *PLOT_COUNTS},
            {"code": "NAN-TEST", "plots": 3, "available": 3, "allocated": 0},
        ),
        "blocks": ({"id", "code", "township"}, {"code": "A", "township": "NAN-TEST"}),
        "plots": (PLOT_KEYS, {"number": "0"}),
        "facilities": ({"id", "kind", "name", "functional"}, {"kind": "school", "functional": True}),
        "provinces": ({"pcode", "name_en", "name_prs", "name_ps"}, {"pcode": "AF06", "name_prs": "ننگرهار"}),
    }
    for layer, (keys, some_values) in expected.items():
        z = max(LAYERS[layer].minzoom, 14)
        at = (250, 150) if layer == "township-points" else (5, 5)  # the township's point: its middle
        response = partner.get(township_tile_url(frame, layer=layer, z=z, at=at))
        assert response.status_code == 200, layer
        features = decode(response)[layer]["features"]
        assert {k for f in features for k in f["properties"]} == keys, layer
        assert any(some_values.items() <= f["properties"].items() for f in features), layer


def test_provinces_are_drawn_simplified_at_the_national_zoom(partner, frame, provinces):
    provinces["nangarhar"].geom = MultiPolygon(frame.rect(-50000, -50000, 100000, 100000))
    provinces["nangarhar"].save()

    response = partner.get(township_tile_url(frame, layer="provinces", z=5))

    assert [f["properties"]["pcode"] for f in decode(response)["provinces"]["features"]] == ["AF06"]


def test_tilejson_describes_the_layer_for_maplibre_and_qgis(partner, plots):
    response = partner.get("/tiles/plots.json")

    assert response.status_code == 200
    document = response.json()
    assert document["tilejson"] == "3.0.0"
    assert document["tiles"] == ["http://testserver/tiles/plots/{z}/{x}/{y}.mvt"]
    assert (document["minzoom"], document["maxzoom"]) == (13, 18)
    west, south, east, north = document["bounds"]
    assert 70.49 < west < east < 70.52 and 34.39 < south < north < 34.41
    assert west <= document["center"][0] <= east and south <= document["center"][1] <= north
    layer, labels = document["vector_layers"]
    assert layer["id"] == "plots"
    assert set(layer["fields"]) == PLOT_KEYS | {"shelter_stage"}  # absent from a plot with no shelter yet
    assert set(layer["fields"].values()) <= {"String", "Number", "Boolean"}
    assert (labels["id"], labels["minzoom"], labels["maxzoom"]) == ("plot-labels", 16, 18)
    assert set(labels["fields"]) == {"id", "number", "status", "use"}


def test_tilejson_of_an_empty_layer_covers_the_world(partner):
    document = partner.get("/tiles/facilities.json").json()

    assert document["bounds"] == [-180.0, -85.051129, 180.0, 85.051129]


def test_an_anonymous_visitor_is_refused(client, plots, frame):
    for path in (township_tile_url(frame), "/tiles/plots.json"):
        response = client.get(path)
        assert response.status_code == 403
        assert "Log in" in response.json()["detail"]


def test_qgis_may_send_basic_credentials_with_each_tile(client, users, plots, frame):
    good = client.get(township_tile_url(frame), headers={"authorization": "Basic Z2lzOng="})  # gis:x
    wrong = client.get(township_tile_url(frame), headers={"authorization": "Basic Z2lzOnk="})  # gis:y

    assert good.status_code == 200
    assert wrong.status_code == 403


def test_an_unknown_layer_is_not_found(partner):
    for path in ("/tiles/households/16/1/1.mvt", "/tiles/households.json"):
        response = partner.get(path)
        assert response.status_code == 404
        assert "no tile layer called 'households'" in response.json()["detail"]


@pytest.mark.parametrize(
    "z, x, y, sentence",
    [
        (23, 0, 0, "The zoom level must be between 0 and 22, not 23."),
        (2, 4, 0, "At zoom 2, x and y must be between 0 and 3; tile 4/0 does not exist."),
        (2, 0, 4, "At zoom 2, x and y must be between 0 and 3; tile 0/4 does not exist."),
    ],
)
def test_a_tile_outside_the_grid_is_refused_with_a_sentence(partner, z, x, y, sentence):
    response = partner.get(url("plots", z, x, y))

    assert response.status_code == 400
    assert response.json() == {"detail": sentence}


def test_gdal_opens_a_saved_tile_and_counts_its_features(partner, plots, frame, tmp_path):
    """GDAL's MVT driver is what QGIS uses underneath; the z/x/y path lets it place the tile."""
    path = township_tile_url(frame)
    z, x, y = path.removesuffix(".mvt").split("/")[-3:]
    saved = tmp_path / z / x / f"{y}.mvt"
    saved.parent.mkdir(parents=True)
    saved.write_bytes(partner.get(path).content)

    result = subprocess.run(
        ["ogrinfo", "-ro", "-al", "-so", str(saved)], capture_output=True, text=True, timeout=60, check=True
    )

    assert (
        "MVT"
        in subprocess.run(["ogrinfo", "-ro", str(saved)], capture_output=True, text=True, timeout=60, check=True).stdout
    )
    assert "Layer name: plots" in result.stdout
    assert "Feature Count: 3" in result.stdout
    assert "status: String" in result.stdout and "area_m2: Real" in result.stdout


def test_the_plot_tile_query_uses_the_spatial_index(plots, township, frame):
    """With thousands of plots and fresh statistics, a zoomed-in tile reads only its plots through GiST."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO townships_plot (township_id, number, geom, use, status, created_at, updated_at)
            SELECT %(township)s, 'G' || i || '-' || j,
                   ST_Transform(ST_MakeEnvelope(%(x0)s + 5 + i * 6, %(y0)s + 110 + j * 5,
                                                %(x0)s + 11 + i * 6, %(y0)s + 115 + j * 5, 32642), 4326),
                   'residential', 'planned', now(), now()
              FROM generate_series(0, 79) AS i, generate_series(0, 35) AS j
            """,
            {"township": township.pk, "x0": frame.x0, "y0": frame.y0},
        )
        cursor.execute("ANALYZE townships_plot")
        cursor.execute(
            "SELECT indexname FROM pg_indexes "
            "WHERE tablename = 'townships_plot' AND indexdef LIKE '%%USING gist (geom)'"
        )
        [(gist,)] = cursor.fetchall()
        path = township_tile_url(frame, z=18, at=(10, 10))
        z, x, y = (int(part) for part in path.removesuffix(".mvt").split("/")[-3:])
        cursor.execute("EXPLAIN " + tile_sql(LAYERS["plots"], z), {"z": z, "x": x, "y": y})
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SELECT count(*) FROM townships_plot WHERE township_id = %s", [township.pk])
        assert cursor.fetchone()[0] == 3 + 80 * 36

    assert "Seq Scan on townships_plot" not in plan, plan
    assert f"Index Scan using {gist} on townships_plot" in plan or f"Bitmap Index Scan on {gist}" in plan, plan


# --- labels: one point a feature, in the one tile that holds it ---------------------------------------------------


def tile_corner(x: int, y: int, z: int) -> tuple[float, float]:
    """The north-west corner of a tile, in lon, lat."""
    n = 2**z
    return x / n * 360 - 180, math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / n))))


def tiles_around(lon: float, lat: float, z: int) -> list[tuple[int, int, int]]:
    """The four tiles at zoom z that meet at the tile corner nearest a point."""
    n = 2**z
    x = round((lon + 180) / 360 * n)
    y = round((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return [(z, x - dx, y - dy) for dx in (0, 1) for dy in (0, 1)]


def features(client, layer: str, tiles, source_layer: str | None = None) -> list[dict]:
    """The features of `source_layer` (the layer's own by default) in every one of the tiles, together."""
    found = []
    for z, x, y in tiles:
        response = client.get(url(layer, z, x, y))
        assert response.status_code in (200, 204), response.content
        if response.status_code == 200:
            for feature in decode(response).get(source_layer or layer, {"features": []})["features"]:
                found.append({**feature, "tile": (z, x, y)})
    return found


def point_lon_lat(feature) -> tuple[float, float]:
    """Where a decoded point feature lies (the decoder counts the tile grid's y upwards from the south edge)."""
    z, x, y = feature["tile"]
    px, py = feature["geometry"]["coordinates"]
    west, north = tile_corner(x, y, z)
    east, south = tile_corner(x + 1, y + 1, z)
    lat = math.degrees(
        math.atan(
            math.sinh(
                math.asinh(math.tan(math.radians(south)))
                + py / 4096 * (math.asinh(math.tan(math.radians(north))) - math.asinh(math.tan(math.radians(south))))
            )
        )
    )
    return west + px / 4096 * (east - west), lat


@pytest.fixture
def plot_on_a_tile_corner(township, frame):
    return plot_on_tile_corner(township, frame)


def plot_on_tile_corner(township, frame):
    """A 16 m × 16 m plot "156" in the north of the test township whose middle is a corner of four tiles at zoom
    16 (or 17 or 18, and so at every deeper zoom): its outline is cut into four, one piece in each. Returns the
    plot, that zoom and the corner (lon, lat)."""
    from pyproj import Transformer

    to_metres = Transformer.from_crs(4326, 32642, always_xy=True)
    lon, lat = frame.to_wgs.transform(frame.x0 + 250, frame.y0 + 200)
    for z in (16, 17, 18):
        _z, x, y = tiles_around(lon, lat, z)[0]
        cx, cy = to_metres.transform(*tile_corner(x, y, z))
        cx, cy = cx - frame.x0, cy - frame.y0
        if 20 < cx < 480 and 120 < cy < 280:  # inside the township, clear of its blocks (y < 100)
            plot = services.plot_create(township=township, number="156", geom=frame.rect(cx - 8, cy - 8, 16, 16))
            return plot, z, tile_corner(x, y, z)
    raise AssertionError("no tile corner in the north of the test township")


def test_a_plot_cut_by_tile_edges_has_its_number_in_one_tile_only(partner, plot_on_a_tile_corner):
    plot, corner_zoom, corner = plot_on_a_tile_corner

    for z in range(corner_zoom, 19):
        tiles = tiles_around(*corner, z)
        outline = [f for f in features(partner, "plots", tiles) if f["id"] == plot.pk]
        labels = [f for f in features(partner, "plots", tiles, "plot-labels") if f["id"] == plot.pk]
        assert len(outline) == 4, z  # the polygon reaches all four tiles ...
        assert len(labels) == 1, z  # ... and its number is written in one
        assert labels[0]["properties"] == {"id": plot.pk, "number": "156", "status": "planned", "use": "residential"}
        assert labels[0]["geometry"]["type"] == "Point"
        assert plot.geom.contains(Point(*point_lon_lat(labels[0]), srid=4326))


def test_plot_numbers_are_only_in_the_tiles_that_draw_them(partner, plots, frame):
    """The map writes plot numbers from zoom 16.5: the tiles of smaller zooms do not carry them for nothing."""
    for z, expected in ((14, False), (15, False), (16, True), (18, True)):
        tile = decode(partner.get(township_tile_url(frame, z=z)))
        assert ("plot-labels" in tile) is expected, z
    extent = MultiPolygon([p.geom for p in plots]).extent
    for z in (16, 17, 18):  # every plot's number once, in whichever tile holds it
        labels = features(partner, "plots", covering(extent, z), "plot-labels")
        assert sorted(f["properties"]["number"] for f in labels) == ["0", "1", "2"], z


def covering(lon_lat_box, z: int) -> list[tuple[int, int, int]]:
    west, south, east, north = lon_lat_box
    (x0, y0), (x1, y1) = tile_of(west, north, z), tile_of(east, south, z)
    return [(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]


def test_a_township_is_one_point_with_its_plots_counted_by_status(partner, plots, frame, township):
    services.township_update(township=township, name_prs="شهرک آزمایشی")
    services.plot_update(plot=plots[2], status="disputed")

    for z in range(4, 15):
        points = features(partner, "township-points", covering(township.geom.extent, z))
        assert len(points) == 1, z
    [point] = points
    assert point["geometry"]["type"] == "Point"
    assert township.geom.contains(Point(*point_lon_lat(point), srid=4326))  # inside it, in the one tile
    counts = {k: v for k, v in point["properties"].items() if k in PLOT_COUNTS and v}
    assert counts == {"plots": 3, "available": 2, "disputed": 1}
    assert (point["properties"]["name_prs"], point["properties"]["code"]) == ("شهرک آزمایشی", "NAN-TEST")
    assert "name_ps" not in point["properties"]  # not recorded: the map falls back on the name


def test_a_plot_change_gives_the_township_points_a_new_etag_and_new_counts(partner, plots, frame):
    path = township_tile_url(frame, layer="township-points", z=10, at=(250, 150))
    before = partner.get(path)

    services.plot_update(plot=plots[0], status="allocated")
    after = partner.get(path, headers={"if-none-match": before["ETag"]})

    assert after.status_code == 200 and after["ETag"] != before["ETag"]
    [point] = decode(after)["township-points"]["features"]
    assert (point["properties"]["available"], point["properties"]["allocated"]) == (2, 1)


def test_a_province_across_many_tiles_has_its_name_in_one(partner, frame, provinces):
    provinces["nangarhar"].geom = MultiPolygon(frame.rect(-60000, -40000, 120000, 80000))
    provinces["nangarhar"].save()

    for z in (5, 7, 9):
        tiles = covering(provinces["nangarhar"].geom.extent, z)
        outlines = features(partner, "provinces", tiles)
        labels = features(partner, "provinces", tiles, "province-labels")
        assert len(outlines) == len(tiles) > 1 or z == 5, z
        assert [f["properties"] for f in labels] == [{"pcode": "AF06", "name_en": "Nangarhar", "name_prs": "ننگرهار"}]
    deep = decode(partner.get(township_tile_url(frame, layer="provinces", z=11)))
    assert "province-labels" not in deep  # the map writes province names only at small zooms
