# ruff: noqa: F811  (the fixtures imported from other test modules are used by their names)
"""The published layers of returns and displacement, over OGC API - Features and vector tiles: border crossing points
with last week's and last month's counts, IDP sites with their latest estimate. Aggregates only, small cells
suppressed (null), read-only, scoped like the other collections, and a partner only under an agreement that shares
movement_figures."""

import datetime
import json
import math

import mapbox_vector_tile
import pytest
from django.core.cache import cache
from django.utils import timezone

from movements.figures import figures_refresh
from movements.flows import flow_counts_replace
from movements.services import idp_site_create, site_estimate_record
from partners.published import kabul_today, last_periods
from tests.api.test_tiles import tile_of, url
from tests.landreg.test_data_sharing import agreement_create
from tests.movements.conftest import border_herat, family, points, register  # noqa: F401  (fixtures)

CROSSING_POINT_PROPERTIES = {
    "code",
    "name",
    "name_prs",
    "name_ps",
    "province",
    "district",
    "country",
    "main",
    "week_start",
    "arrivals_last_week",
    "counted_last_week",
    "month_start",
    "arrivals_last_month",
    "counted_last_month",
}
IDP_SITE_PROPERTIES = {
    "kind",
    "province",
    "district",
    "assessed_on",
    "method",
    "population",
    "arrival_idps",
    "returned_idps",
    "returnees_from_abroad",
    "out_migrants",
    "groups_withheld",
}


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def at_noon(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(8), tzinfo=datetime.UTC)  # 12:30 in Kabul, the same day


@pytest.fixture
def counted(register, points, field_officer, border_herat):
    """Last week at Torkham: two families of three registered (6 people), the border team counted 30 and IOM 12.
    At Islam Qala: nobody registered, the border team counted 3 (a small cell). Last month: two more families of
    three at Torkham, on its third day."""
    week, month = last_periods()["week"], last_periods()["month"]
    sunday = week + datetime.timedelta(days=1)
    for names in (("Sher Agha Safi", "Bibi Gul", "Zarmina"), ("Gul Ahmad", "Nazo", "Wali")):
        register(crossed_at=at_noon(sunday), members=family(*names))
    third = month + datetime.timedelta(days=2)
    for names in (("Rahim Dad", "Shirin", "Lina"), ("Nur Ali", "Pari", "Sadaf")):
        register(crossed_at=at_noon(third), members=family(*names))

    def count(point, source, total, by):
        row = {"direction": "in", "category": "deported", "travelling": "family", "method": "headcount", "total": total}
        flow_counts_replace(crossing_point=point, day=sunday, source=source, by=by, rows=[row])

    count(points["torkham"], "border_team", 30, field_officer)
    count(points["torkham"], "iom", 12, field_officer)
    count(points["islam_qala"], "border_team", 3, border_herat)
    figures_refresh()
    in_month = lambda day: month <= day < (month + datetime.timedelta(days=32)).replace(day=1)  # noqa: E731
    return {
        "week": week,
        "month": month,
        # what last month holds at Torkham: its six, and last week's six and 30 if that week's Sunday was in it
        "arrivals_month": 6 + (6 if in_month(sunday) else 0),
        "counted_month": 30 if in_month(sunday) else 0,
    }


def items(client, name, **params) -> dict:
    response = client.get(f"/ogc/collections/{name}/items", params)
    assert response.status_code == 200, response.content
    return response.json()


def by_code(page) -> dict:
    return {f["properties"]["code"]: f for f in page["features"]}


def test_crossing_points_carry_last_weeks_and_months_counts_with_small_cells_suppressed(client, users, counted):
    client.force_login(users["admin"])
    page = items(client, "crossing-points")
    points = by_code(page)
    torkham, islam_qala = points["torkham"]["properties"], points["islam_qala"]["properties"]
    assert set(torkham) == CROSSING_POINT_PROPERTIES
    assert points["torkham"]["geometry"] == {"type": "Point", "coordinates": [71.093, 34.102]}
    assert torkham["province"] == "AF06" and torkham["country"] == "PK" and torkham["main"] is True
    assert torkham["week_start"] == counted["week"].isoformat()
    assert torkham["month_start"] == counted["month"].isoformat()
    assert torkham["arrivals_last_week"] == 6
    assert torkham["counted_last_week"] == 30  # the source that counted most; never 30 + 12
    assert torkham["arrivals_last_month"] == counted["arrivals_month"]
    assert torkham["counted_last_month"] == counted["counted_month"]
    assert islam_qala["counted_last_week"] is None  # 3: fewer than 5, suppressed
    assert islam_qala["arrivals_last_week"] == 0  # nothing is not a small cell


def test_the_current_week_is_not_counted_until_it_is_over(client, users, register, points, counted):
    register(crossed_at=timezone.now() - datetime.timedelta(minutes=5), members=family("Jan Agha", "Malalai"))
    figures_refresh()
    client.force_login(users["admin"])
    assert by_code(items(client, "crossing-points"))["torkham"]["properties"]["arrivals_last_week"] == 6


def test_crossing_points_are_filtered_sorted_and_described_like_the_other_collections(client, users, counted):
    client.force_login(users["gis"])
    busy = items(client, "crossing-points", filter="arrivals_last_week >= 5 AND main = true")
    assert [f["properties"]["code"] for f in busy["features"]] == ["torkham"]
    json_filter = {"op": "isNull", "args": [{"property": "counted_last_week"}]}
    small = items(client, "crossing-points", **{"filter": json.dumps(json_filter), "filter-lang": "cql2-json"})
    assert [f["properties"]["code"] for f in small["features"]] == ["islam_qala"]
    ordered = items(client, "crossing-points", sortby="-counted_last_week", properties="code,counted_last_week")
    assert [f["properties"] for f in ordered["features"]][0] == {"code": "torkham", "counted_last_week": 30}
    assert items(client, "crossing-points", country="IR")["features"][0]["properties"]["code"] == "islam_qala"
    queryables = client.get("/ogc/collections/crossing-points/queryables").json()["properties"]
    assert queryables["arrivals_last_week"]["type"] == "integer" and queryables["main"]["type"] == "boolean"
    described = client.get("/ogc/collections/crossing-points").json()
    assert "A count of 1 to 4 is null" in described["description"]
    assert described["extent"]["spatial"]["bbox"][0] == pytest.approx([61.073, 34.102, 71.093, 34.661])
    mercator = items(client, "crossing-points", crs="http://www.opengis.net/def/crs/EPSG/0/3857", code="torkham")
    assert mercator["features"][0]["geometry"]["coordinates"][0] == pytest.approx(6378137 * math.radians(71.093))
    one = client.get(f"/ogc/collections/crossing-points/items/{by_code(busy)['torkham']['id']}").json()
    assert one["properties"]["arrivals_last_week"] == 6


@pytest.mark.parametrize(
    ("params", "sentence"),
    [
        ({"filter": "name_en = 'Torkham'"}, "A filter may use only the queryables of crossing-points"),
        ({"filter": "arrivals_last_week > 'many'"}, "A filter compares a queryable with a value of another type"),
        ({"sortby": "source"}, "sortby may name only these properties of crossing-points"),
        ({"main": "perhaps"}, "main must be a boolean"),
        ({"arrivals_last_week": "six"}, "arrivals_last_week must be a integer"),
    ],
)
def test_hostile_or_mistaken_requests_get_a_sentence_and_no_map_of_the_tables(client, users, counted, params, sentence):
    client.force_login(users["gis"])
    response = client.get("/ogc/collections/crossing-points/items", params)
    assert response.status_code == 400
    assert sentence in response.json()["detail"]
    assert "movements_" not in response.content.decode() and "SELECT" not in response.content.decode()


def test_the_published_layers_are_read_only(client, users, counted):
    client.force_login(users["gis"])  # a GIS specialist edits the land layers, not these
    feature = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [70, 34]}, "properties": {}}
    for name in ("crossing-points", "idp-sites", "opportunities"):
        created = client.post(f"/ogc/collections/{name}/items", feature, content_type="application/geo+json")
        assert created.status_code in (403, 405), name
        allowed = client.options(f"/ogc/collections/{name}/items")["Allow"]
        assert "POST" not in allowed
    torkham = by_code(items(client, "crossing-points"))["torkham"]
    address = f"/ogc/collections/crossing-points/items/{torkham['id']}"
    assert "PUT" not in client.options(address)["Allow"]
    refused = client.put(address, feature, content_type="application/geo+json", HTTP_IF_MATCH="*")
    assert refused.status_code in (403, 405, 412)


def test_officers_see_their_provinces_and_partners_what_their_agreement_shares(client, users, provinces, counted):
    client.force_login(users["officer_herat"])
    assert set(by_code(items(client, "crossing-points"))) == {"islam_qala"}
    client.force_login(users["partner"])
    assert items(client, "crossing-points")["features"] == []  # no agreement: nothing
    agreement = agreement_create(users=[users["partner"]], provinces=[provinces["nangarhar"]])  # the layout only
    assert items(client, "crossing-points")["features"] == []
    agreement.datasets = [*agreement.datasets, "movement_figures"]
    agreement.save()
    assert set(by_code(items(client, "crossing-points"))) == {"torkham"}
    hidden = client.get("/ogc/collections/crossing-points/items", {"code": "islam_qala"}).json()
    assert hidden["features"] == []


@pytest.fixture
def sites(users, provinces):
    officer = users["officer_nangarhar"]
    camp = idp_site_create(
        code="nan-camp-1", province=provinces["nangarhar"], by=officer, name="Haji Karim's land", kind="camp",
        geom="SRID=4326;POLYGON((70.40 34.40, 70.41 34.40, 70.41 34.41, 70.40 34.41, 70.40 34.40))",
    )  # fmt: skip
    today = timezone.localdate()
    site_estimate_record(
        site=camp, round="2025-R1", assessed_on=today - datetime.timedelta(days=200), method="key_informant",
        by=officer, arrival_idps=900, returned_idps=40, returnees_from_abroad=300, out_migrants=12,
    )  # fmt: skip
    site_estimate_record(
        site=camp, round="2025-R2", assessed_on=today - datetime.timedelta(days=20), method="headcount",
        by=officer, arrival_idps=1200, returned_idps=3, returnees_from_abroad=450, out_migrants=0,
    )  # fmt: skip
    closed = idp_site_create(
        code="nan-closed", province=provinces["nangarhar"], by=officer, name="Closed camp", kind="camp",
        geom="SRID=4326;POINT(70.45 34.42)", closed_on=today - datetime.timedelta(days=1),
    )  # fmt: skip
    host = idp_site_create(
        code="nan-host", province=provinces["nangarhar"], by=officer, name="Host village", kind="host_community",
        geom="SRID=4326;POINT(70.47 34.43)",
    )  # fmt: skip
    return {"camp": camp, "closed": closed, "host": host}


def test_idp_sites_carry_their_latest_estimate_suppressed_and_no_name(client, users, sites):
    client.force_login(users["admin"])
    page = items(client, "idp-sites")
    features = {f["id"]: f for f in page["features"]}
    assert set(features) == {sites["camp"].pk, sites["host"].pk}  # the closed site is not published
    camp = features[sites["camp"].pk]
    assert camp["geometry"]["type"] == "Polygon"
    assert camp["properties"] == {
        "kind": "camp",
        "province": "AF06",
        "district": None,
        "assessed_on": (timezone.localdate() - datetime.timedelta(days=20)).isoformat(),
        "method": "headcount",
        "population": 1653,
        # 3 returned IDPs: a small cell, which 1653 - 1200 - 450 would give away; so no group is given
        "arrival_idps": None,
        "returned_idps": None,
        "returnees_from_abroad": None,
        "groups_withheld": True,
        "out_migrants": 0,
    }
    host = features[sites["host"].pk]["properties"]
    assert host["population"] is None and host["assessed_on"] is None  # not assessed yet: nothing to say
    assert host["groups_withheld"] is False
    site_estimate_record(
        site=sites["host"], round="2025-R1", assessed_on=timezone.localdate(), method="key_informant",
        by=users["officer_nangarhar"], arrival_idps=60, returned_idps=0, returnees_from_abroad=25, out_migrants=4,
    )  # fmt: skip
    host = next(f for f in items(client, "idp-sites")["features"] if f["id"] == sites["host"].pk)["properties"]
    assert (host["population"], host["arrival_idps"], host["returned_idps"], host["returnees_from_abroad"]) == (
        85,
        60,
        0,
        25,
    )
    assert host["groups_withheld"] is False and host["out_migrants"] is None  # 4 left: a small cell, on its own
    text = client.get("/ogc/collections/idp-sites/items").content.decode()
    assert "Haji Karim" not in text and "nan-camp-1" not in text and "Host village" not in text
    big = items(client, "idp-sites", filter="population > 1000")
    assert [f["id"] for f in big["features"]] == [sites["camp"].pk]


def decode_tile(response) -> dict:
    assert response.status_code == 200, response.content
    return mapbox_vector_tile.decode(response.content)


def test_crossing_point_and_idp_site_tiles_carry_the_same_properties(client, users, counted, sites):
    client.force_login(users["officer_nangarhar"])  # tiles: every province, as the land layers
    x, y = tile_of(71.093, 34.102, 8)
    layer = decode_tile(client.get(url("crossing-points", 8, x, y)))["crossing-points"]
    [torkham] = [f["properties"] for f in layer["features"] if f["properties"]["code"] == "torkham"]
    assert torkham["arrivals_last_week"] == 6 and torkham["counted_last_week"] == 30 and torkham["main"] is True
    x, y = tile_of(61.073, 34.661, 8)
    [islam_qala] = decode_tile(client.get(url("crossing-points", 8, x, y)))["crossing-points"]["features"]
    assert "counted_last_week" not in islam_qala["properties"]  # suppressed: absent
    assert islam_qala["properties"]["arrivals_last_week"] == 0
    x, y = tile_of(70.405, 34.405, 12)
    features = decode_tile(client.get(url("idp-sites", 12, x, y)))["idp-sites"]["features"]
    camp = next(f["properties"] for f in features if f["id"] == sites["camp"].pk)
    assert camp["population"] == 1653 and "returned_idps" not in camp and camp["method"] == "headcount"
    assert camp["groups_withheld"] is True and "arrival_idps" not in camp
    assert sites["closed"].pk not in [f["id"] for f in features]
    tilejson = client.get("/tiles/crossing-points.json").json()
    assert set(tilejson["vector_layers"][0]["fields"]) == {"id", *CROSSING_POINT_PROPERTIES}
    assert tilejson["vector_layers"][0]["fields"]["arrivals_last_week"] == "Number"


def test_a_refresh_of_the_figures_gives_the_crossing_point_tiles_a_new_etag(client, users, register, counted):
    client.force_login(users["gis"])
    x, y = tile_of(71.093, 34.102, 8)
    first = client.get(url("crossing-points", 8, x, y))
    register(crossed_at=at_noon(counted["week"] + datetime.timedelta(days=2)), members=family("Jan Agha", "Malalai"))
    again = client.get(url("crossing-points", 8, x, y), HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304  # the figures have not been refreshed: the tile has not changed
    figures_refresh()
    changed = client.get(url("crossing-points", 8, x, y), HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200 and changed["ETag"] != first["ETag"]
    features = mapbox_vector_tile.decode(changed.content)["crossing-points"]["features"]
    assert next(f for f in features if f["properties"]["code"] == "torkham")["properties"]["arrivals_last_week"] == 8


def test_partner_tiles_need_an_agreement_sharing_the_figures(client, users, provinces, counted):
    client.force_login(users["partner"])
    x, y = tile_of(71.093, 34.102, 8)
    agreement = agreement_create(users=[users["partner"]], provinces=[provinces["nangarhar"]])  # the layout only
    refused = client.get(url("crossing-points", 8, x, y))
    assert refused.status_code == 403 and "does not include" in refused.json()["detail"]
    assert client.get("/tiles/provinces/0/0/0.mvt").status_code in (200, 204)  # the layout still is shared
    agreement.datasets = [*agreement.datasets, "movement_figures"]
    agreement.save()
    cache.clear()  # a refusal is not remembered; a scope is, for a minute
    codes = [
        f["properties"]["code"]
        for f in decode_tile(client.get(url("crossing-points", 8, x, y)))["crossing-points"]["features"]
    ]  # noqa: E501
    assert codes == ["torkham"]
    x, y = tile_of(61.073, 34.661, 8)
    assert client.get(url("crossing-points", 8, x, y)).status_code == 204  # Herat is not shared


def test_an_edit_from_psql_or_qgis_gives_each_layer_a_new_version(counted, sites):
    """The version triggers (partners/sql/0001) follow raw SQL as well as the services: no stale tile is served."""
    from django.db import connection

    from api.tiles.vector import LAYERS, layer_version

    statements = {
        "crossing-points": "UPDATE parcels_crossingpoint SET precision_km = precision_km WHERE code = 'torkham'",
        "idp-sites": "UPDATE movements_idpsite SET kind = 'informal_settlement' WHERE code = 'nan-camp-1'",
        "opportunities": "DELETE FROM livelihoods_opportunity WHERE false",
    }
    for layer, statement in statements.items():
        before = layer_version(LAYERS[layer])
        with connection.cursor() as cursor:
            cursor.execute(statement)
        assert layer_version(LAYERS[layer]) != before, layer
    before = layer_version(LAYERS["crossing-points"])
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM movements_arrival_totals WHERE period = 'month'")  # as a refresh rewrites them
    assert layer_version(LAYERS["crossing-points"]) != before
    assert layer_version(LAYERS["crossing-points"]).endswith(f".d{kabul_today():%Y%m%d}")  # "last week" turns over
