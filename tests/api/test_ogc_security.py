"""The OGC API's side doors, closed: filters, sorting and property lists accept only the published queryables; a
plot's status follows the allocation workflow; an edit names the version it changes; filter-crs is honoured; bad
input gets a 400 sentence, never a 500."""

import json
import re

import pytest
from django.contrib.gis.geos import Polygon

from allocations.services import allocation_propose
from api.ogc import COLLECTIONS
from townships import services
from townships.models import Block, Facility, Plot, Township

UTM42 = "http://www.opengis.net/def/crs/EPSG/0/32642"
HEAD = "Khan Mohammad"

# Names that are not queryables, by collection: relation paths (both spellings), model fields that are not
# published, and reverse relations that lead to households, people and user accounts.
HIDDEN = {
    "plots": [
        "allocations__household__members__name",
        "allocations.household.members.name",
        "allocations__household__members__tazkira_last4",
        "allocations__proposed_by__password",
        "township__province__name_en",
        "township.name",
        "id",
        "geom",
        "block_id",
    ],
    "townships": [
        "plots__allocations__household__members__name",
        "province__name_en",
        "province.pcode",
        "id",
        "geom",
    ],
    "blocks": ["township__name", "plots__allocations__household__code", "township.province", "geom", "id"],
    "facilities": ["township__province__pcode", "township.name", "footprint", "geom", "id"],
    "provinces": ["households__members__name", "parent__pcode", "level", "geom", "id"],
}


def non_queryable_field_names(name: str) -> set[str]:
    """Every model field name (and column name) of the collection's model that is not one of its queryables."""
    c = COLLECTIONS[name]
    names = {f.name for f in c.model._meta.get_fields()} | {
        getattr(f, "attname", f.name) for f in c.model._meta.get_fields()
    }
    return names - set(c.properties) - {"geometry"}


def assert_names_only_queryables(name: str, response) -> None:
    assert response.status_code == 400, response.content
    body = response.json()
    text = " ".join(str(v) for v in body.values())
    leaked = {f for f in non_queryable_field_names(name) if re.search(rf"(?<![\w.]){re.escape(f)}(?![\w])", text)}
    assert not leaked, (leaked, text)
    assert all(q in body["detail"] for q in COLLECTIONS[name].properties), body["detail"]


def as_json_filter(op: str, name: str, *args) -> str:
    return json.dumps({"op": op, "args": [{"property": name}, *args]})


@pytest.fixture
def partner(client, users, provinces):
    from tests.landreg.test_data_sharing import agreement_create

    agreement_create(users=[users["partner"]], provinces=[provinces["nangarhar"]])
    client.force_login(users["partner"])
    return client


@pytest.fixture
def gis(client, users):
    client.force_login(users["gis"])
    return client


@pytest.fixture
def allocated(plots, make_household, users):
    """Plot 0 proposed to the household whose head is Khan Mohammad (a name no partner may learn)."""
    household = make_household(head={"name": HEAD, "father_name": "Wali", "sex": "m", "tazkira": "1400-0101-12345"})
    allocation_propose(household=household, plot=plots[0], proposed_by=users["officer_nangarhar"])
    return plots[0]


def items(client, collection="plots", **params):
    return client.get(f"/ogc/collections/{collection}/items", params)


# --- 1. Filters, sortby and properties accept only the queryables --------------------------------------------


def test_a_partner_cannot_filter_plots_by_the_name_of_the_person_holding_them(partner, allocated):
    response = items(partner, filter=f"allocations__household__members__name = '{HEAD}'")
    assert response.status_code == 400 and HEAD not in response.content.decode()
    assert_names_only_queryables("plots", response)
    as_json = items(
        partner,
        **{"filter-lang": "cql2-json", "filter": as_json_filter("=", "allocations__household__members__name", HEAD)},
    )
    assert_names_only_queryables("plots", as_json)


@pytest.mark.parametrize("collection", list(HIDDEN))
def test_hidden_names_are_refused_for_every_operator_and_both_encodings(partner, gis, allocated, collection):
    for hidden in HIDDEN[collection]:
        texts = [
            f"{hidden} = 'x'",
            f"{hidden} LIKE 'K%'",
            f"{hidden} IS NULL",
            f"{hidden} IN ('a', 'b')",
            f"{hidden} BETWEEN 'a' AND 'z'",
            f"status = 'x' OR NOT ({hidden} > 'a')",
            f"S_INTERSECTS({hidden}, POINT(70.5 34.4))",
        ]
        jsons = [
            as_json_filter("=", hidden, "x"),
            as_json_filter("like", hidden, "K%"),
            as_json_filter("isNull", hidden),
            as_json_filter("in", hidden, ["a", "b"]),
            as_json_filter("between", hidden, "a", "z"),
            json.dumps({"op": "not", "args": [{"op": "<", "args": ["a", {"property": hidden}]}]}),
            as_json_filter("s_intersects", hidden, {"type": "Point", "coordinates": [70.5, 34.4]}),
        ]
        for client in (partner, gis):
            for text in texts:
                assert_names_only_queryables(collection, items(client, collection, filter=text))
            for encoded in jsons:
                response = items(client, collection, filter=encoded, **{"filter-lang": "cql2-json"})
                assert_names_only_queryables(collection, response)


def test_complementary_like_filters_on_a_hidden_name_answer_the_same_refusal(partner, gis, allocated, users):
    """A yes/no oracle needs two different answers; both are the same 400, whatever the hidden value is."""
    pairs = [
        (partner, "allocations__household__members__name LIKE 'K%'"),
        (partner, "allocations__household__members__tazkira_last4 LIKE '%5'"),
        (gis, "allocations__proposed_by__password LIKE 'md5%'"),
    ]
    for client, condition in pairs:
        yes, no = items(client, filter=condition), items(client, filter=f"NOT ({condition})")
        assert yes.status_code == no.status_code == 400
        assert yes.content == no.content
    name = "allocations__household__members__name"
    yes_json = items(partner, filter=as_json_filter("like", name, "K%"), **{"filter-lang": "cql2-json"})
    no_json = items(
        partner,
        filter=json.dumps({"op": "not", "args": [json.loads(as_json_filter("like", name, "K%"))]}),
        **{"filter-lang": "cql2-json"},
    )
    assert yes_json.status_code == no_json.status_code == 400 and yes_json.content == no_json.content


def test_queryables_still_filter(partner, allocated):
    Plot.objects.filter(number="2").update(status="reserved")
    text = items(partner, filter="status = 'reserved' AND number LIKE '2%'").json()
    assert [f["properties"]["number"] for f in text["features"]] == ["2"]
    encoded = items(partner, filter=as_json_filter("=", "status", "reserved"), **{"filter-lang": "cql2-json"}).json()
    assert [f["properties"]["number"] for f in encoded["features"]] == ["0", "2"]  # 0: proposed, so reserved
    assert items(partner, filter="area_m2 > 499.5 AND area_m2 < 500.5").json()["numberReturned"] == 3


def test_sortby_and_properties_accept_only_published_properties(partner, allocated):
    for params in (
        {"sortby": "allocations__household__members__name"},
        {"sortby": "-geom"},
        {"sortby": "number,id"},
        {"properties": "number,allocations__household__members__name"},
        {"properties": "township_id"},
    ):
        response = items(partner, **params)
        assert response.status_code == 400, params
        assert HEAD not in response.content.decode()
        leaked = [f for f in non_queryable_field_names("plots") if re.search(rf"\b{f}\b", response.json()["detail"])]
        assert not leaked and "number, township, block" in response.json()["detail"]
    descending = items(partner, sortby="-number").json()
    assert [f["properties"]["number"] for f in descending["features"]] == ["2", "1", "0"]
    ascending = items(partner, sortby="+number", limit=2).json()
    assert [f["properties"]["number"] for f in ascending["features"]] == ["0", "1"]
    only = items(partner, properties="number,status").json()
    assert all(set(f["properties"]) == {"number", "status"} for f in only["features"])


# --- 3. filter-crs and bbox-crs -----------------------------------------------------------------------------


def utm_square(frame, x, y, w, h):
    """The same rectangle in UTM 42N metres and in CRS84, as WKT."""
    x0, y0 = frame.x0 + x, frame.y0 + y
    utm = Polygon.from_bbox((x0, y0, x0 + w, y0 + h))
    return utm.wkt, frame.rect(x, y, w, h).wkt


def test_filter_crs_is_honoured_for_spatial_literals(partner, plots, frame):
    utm, lonlat = utm_square(frame, 0, 0, 30, 10)  # plots 0 and 1
    in_utm = items(partner, filter=f"S_INTERSECTS(geometry, {utm})", **{"filter-crs": UTM42}).json()
    in_crs84 = items(partner, filter=f"S_INTERSECTS(geometry, {lonlat})").json()
    assert sorted(f["properties"]["number"] for f in in_utm["features"]) == ["0", "1"]
    assert sorted(f["properties"]["number"] for f in in_crs84["features"]) == ["0", "1"]
    geojson = json.loads(Polygon.from_bbox((frame.x0, frame.y0, frame.x0 + 30, frame.y0 + 10)).json)
    encoded = items(
        partner,
        filter=json.dumps({"op": "s_intersects", "args": [{"property": "geometry"}, geojson]}),
        **{"filter-lang": "cql2-json", "filter-crs": UTM42},
    ).json()
    assert sorted(f["properties"]["number"] for f in encoded["features"]) == ["0", "1"]
    refused = items(partner, filter=f"S_INTERSECTS(geometry, {utm})", **{"filter-crs": "EPSG:2000"})
    assert refused.status_code == 400 and UTM42 in refused.json()["detail"]
    assert "CRS84" in refused.json()["detail"]


def test_bbox_crs_in_utm(partner, plots, frame):
    x, y = frame.x0, frame.y0
    box = items(partner, bbox=f"{x},{y},{x + 30},{y + 10}", **{"bbox-crs": UTM42}).json()
    assert sorted(f["properties"]["number"] for f in box["features"]) == ["0", "1"]
    assert items(partner, bbox="0,0,1,1", **{"bbox-crs": "EPSG:2000"}).status_code == 400


# --- 2. A plot's status follows the allocation workflow -----------------------------------------------------


def edit(client, method, url, body, etag=None):
    headers = {"If-Match": etag} if etag else {}
    return getattr(client, method)(url, body, content_type="application/geo+json", headers=headers)


def test_an_ogc_edit_cannot_move_an_allocated_plot_to_available(gis, allocated):
    assert Plot.objects.get(pk=allocated.pk).status == "reserved"  # by its proposed allocation
    url = f"/ogc/collections/plots/items/{allocated.pk}"
    etag = gis.get(url)["ETag"]
    for method, body in (
        ("patch", {"properties": {"status": "available"}}),
        ("put", {**gis.get(url).json(), "properties": {"number": "0", "township": "NAN-TEST", "status": "available"}}),
    ):
        refused = edit(gis, method, url, body, etag)
        assert refused.status_code == 400 and "allocation workflow" in refused.json()["detail"], refused.content
        assert Plot.objects.get(pk=allocated.pk).status == "reserved"
    same = edit(gis, "patch", url, {"properties": {"status": "reserved", "use": "residential"}}, etag)
    assert same.status_code == 200, same.content
    omitted = edit(gis, "patch", url, {"properties": {"number": "0"}}, same["ETag"])
    assert omitted.status_code == 200 and Plot.objects.get(pk=allocated.pk).status == "reserved"


def test_a_new_plot_starts_as_planned_whatever_the_edit_says(gis, township, frame):
    feature = {
        "type": "Feature",
        "geometry": json.loads(frame.rect(300, 200, 20, 25).json),
        "properties": {"number": "77", "township": "NAN-TEST", "status": "available"},
    }
    refused = gis.post("/ogc/collections/plots/items", feature, content_type="application/geo+json")
    assert refused.status_code == 400 and "allocation workflow" in refused.json()["detail"]
    assert not Plot.objects.filter(number="77").exists()
    feature["properties"]["status"] = "planned"
    created = gis.post("/ogc/collections/plots/items", feature, content_type="application/geo+json")
    assert created.status_code == 201 and created.json()["properties"]["status"] == "planned"


# --- 3. Edits need If-Match ---------------------------------------------------------------------------------


def test_edits_without_if_match_are_refused_with_428_and_stale_ones_with_412(gis, plots):
    url = f"/ogc/collections/plots/items/{plots[1].pk}"
    before = gis.get(url)["ETag"]
    for headers in ({}, {"If-Match": "*"}):
        for method in ("patch", "put"):
            response = getattr(gis, method)(
                url, {"properties": {"use": "commercial"}}, content_type="application/geo+json", headers=headers
            )
            assert response.status_code == 428 and "If-Match" in response.json()["detail"]
        deleted = gis.delete(url, headers=headers)
        assert deleted.status_code == 428 and "If-Match" in deleted.json()["detail"]
    assert gis.get(url)["ETag"] == before
    stale = edit(gis, "patch", url, {"properties": {"use": "commercial"}}, '"0000"')
    assert stale.status_code == 412 and stale.json()["etag"] == before
    assert edit(gis, "patch", url, {"properties": {"use": "commercial"}}, f"W/{before}").status_code == 200
    assert Plot.objects.get(pk=plots[1].pk).use == "commercial"


# --- 4. Bad input: a 400 with a sentence, never a 500 --------------------------------------------------------

BAD_READS = [
    ("plots", {"limit": "99999999999999999999"}),
    ("plots", {"limit": "0"}),
    ("plots", {"offset": "99999999999999999999"}),
    ("plots", {"offset": "-1"}),
    ("plots", {"bbox": "nan,0,1,1"}),
    ("plots", {"bbox": "inf,0,1,1"}),
    ("plots", {"bbox": "-1e308,-1e308,1e308,1e308", "bbox-crs": UTM42}),
    ("plots", {"status": "avail\x00able"}),
    ("plots", {"filter": "status = 'a\x00b'"}),
    ("plots", {"filter": "area_m2 = 'abc'"}),
    ("plots", {"filter": "number > 5"}),
    ("plots", {"filter": "status = 'x' AND", "filter-lang": "cql2-text"}),
    ("plots", {"filter": "{not json", "filter-lang": "cql2-json"}),
    ("plots", {"filter": "[1, 2]", "filter-lang": "cql2-json"}),
    (
        "plots",
        {
            "filter": json.dumps({"op": "=", "args": [{"property": "area_m2"}, float("nan")]}),
            "filter-lang": "cql2-json",
        },
    ),
    ("plots", {"filter": "status = 'x'", "filter-lang": "sql"}),
    ("plots", {"filter": "S_INTERSECTS(geometry, POLYGON((0 0, 1 1, 0 1, 1 0, 0 0)))"}),
    ("plots", {"filter": "S_INTERSECTS(geometry, POINT(1e308 1e308))", "filter-crs": UTM42}),
    ("plots", {"filter": "NOT " * 200 + "status = 'x'"}),
    ("plots", {"area_m2": "abc"}),
    ("plots", {"datetime": "2024-01-01T00:00:00Z"}),
    ("facilities", {"functional": "perhaps"}),
    ("townships", {"utm_srid": "zone"}),
]


@pytest.mark.parametrize("collection, params", BAD_READS)
def test_bad_reads_get_a_400_sentence(gis, plots, collection, params):
    response = items(gis, collection, **params)
    assert response.status_code == 400, (params, response.content)
    detail = response.json()["detail"]
    assert detail.endswith(".") and "Traceback" not in detail and "Choices are" not in detail


def test_a_limit_above_the_maximum_sends_a_full_page_and_typed_queryables_work(gis, plots):
    assert items(gis, limit="100000").status_code == 200
    assert items(gis, "townships", filter="utm_srid = 32642").json()["numberReturned"] == 1
    assert items(gis, "townships", utm_srid="32642").json()["numberReturned"] == 1
    assert items(gis, "facilities", filter="functional = true").status_code == 200


def polygon(frame, x=300, y=200):
    return json.loads(frame.rect(x, y, 20, 25).json)


BAD_GEOMETRIES = {
    "a point": {"type": "Point", "coordinates": [70.5, 34.4]},
    "an empty polygon": {"type": "Polygon", "coordinates": []},
    "a geometry collection": {"type": "GeometryCollection", "geometries": [{"type": "Point", "coordinates": [1, 2]}]},
    "3D coordinates": {
        "type": "Polygon",
        "coordinates": [[[70.5, 34.4, 1], [70.6, 34.4, 1], [70.6, 34.5, 1], [70.5, 34.4, 1]]],
    },
    "1e308 coordinates": {
        "type": "Polygon",
        "coordinates": [[[1e308, 1e308], [-1e308, 1e308], [0, -1e308], [1e308, 1e308]]],
    },
    "a string": "POLYGON((0 0, 1 0, 1 1, 0 0))",
    "nonsense": {"type": "Polygon", "coordinates": "abc"},
}


@pytest.mark.parametrize("what", list(BAD_GEOMETRIES))
def test_bad_geometries_in_edits_get_a_400_and_change_nothing(gis, plots, frame, what):
    url = f"/ogc/collections/plots/items/{plots[2].pk}"
    etag = gis.get(url)["ETag"]
    feature = {
        "type": "Feature",
        "geometry": BAD_GEOMETRIES[what],
        "properties": {"number": "50", "township": "NAN-TEST"},
    }
    created = gis.post("/ogc/collections/plots/items", feature, content_type="application/geo+json")
    assert created.status_code == 400 and created.json()["detail"].endswith("."), (what, created.content)
    for method in ("put", "patch"):
        response = edit(gis, method, url, feature, etag)
        assert response.status_code == 400, (what, method, response.content)
    assert gis.get(url)["ETag"] == etag and not Plot.objects.filter(number="50").exists()


BAD_BODIES = [
    b"{not json",
    b"[]",
    b'[{"type": "Feature"}]',
    b'"a string"',
    b"null",
    b"[" * 100_000,
    b'{"properties": ["number", "1"]}',
    b'{"properties": {"number": {"nested": 1}}}',
    b'{"properties": {"number": "5\\u0000"}}',
    b'{"properties": {"functional": "yes"}}',
    b'{"properties": {"number": null}}',
    b'{"geometry": {"type": "Polygon", "coordinates": [[[NaN, 1], [2, 2], [3, 1], [NaN, 1]]]}}',
]


@pytest.mark.parametrize("body", BAD_BODIES, ids=range(len(BAD_BODIES)))
def test_malformed_bodies_get_a_400_sentence(gis, plots, body):
    url = f"/ogc/collections/plots/items/{plots[2].pk}"
    etag = gis.get(url)["ETag"]
    for method in ("put", "patch"):
        response = getattr(gis, method)(url, body, content_type="application/geo+json", headers={"If-Match": etag})
        assert response.status_code == 400, (body[:60], method, response.content)
        assert response.json()["detail"].endswith(".")
    created = gis.post("/ogc/collections/plots/items", body, content_type="application/geo+json")
    assert created.status_code == 400, (body[:60], created.content)
    assert gis.get(url)["ETag"] == etag


def test_edits_of_each_collection_refuse_a_geometry_of_the_wrong_kind(gis, township, frame):
    facility = services.facility_create(
        township=township, kind="water_point", name="Well", geom=frame.rect(1, 1, 1, 1).centroid
    )
    targets = {
        "townships": Township.objects.get(code="NAN-TEST"),
        "blocks": Block.objects.get(code="A"),
        "facilities": Facility.objects.get(pk=facility.pk),
    }
    wrong = {"townships": BAD_GEOMETRIES["a point"], "blocks": BAD_GEOMETRIES["a point"], "facilities": polygon(frame)}
    for name, obj in targets.items():
        url = f"/ogc/collections/{name}/items/{obj.pk}"
        response = edit(gis, "patch", url, {"geometry": wrong[name]}, gis.get(url)["ETag"])
        assert response.status_code == 400 and "must be a" in response.json()["detail"], (name, response.content)


def test_every_supported_operator_works_on_the_queryables(gis, plots, frame):
    """The checks refuse names and types, not operators: each kind still answers, in both encodings."""
    x, y = frame.rect(0, 0, 30, 10).centroid.coords
    expected = {
        "status IN ('available', 'planned')": 3,
        "area_m2 BETWEEN 499 AND 501": 3,
        "number NOT LIKE '1%'": 2,
        "block IS NULL": 0,
        "NOT (block IS NULL) AND use = 'residential'": 3,
        "shelter_stage IS NULL": 3,
        "number <> '1' AND area_m2 >= 1": 2,
        f"S_INTERSECTS(geometry, POINT({x} {y}))": 1,
        f"S_WITHIN(geometry, {frame.rect(-1, -1, 100, 100).wkt})": 3,
    }
    for text, count in expected.items():
        response = items(gis, filter=text)
        assert response.status_code == 200 and response.json()["numberReturned"] == count, (text, response.content)
    encoded = json.dumps(
        {
            "op": "and",
            "args": [
                {"op": "in", "args": [{"property": "number"}, ["0", "2"]]},
                {"op": "between", "args": [{"property": "area_m2"}, 499, 501]},
                {"op": "not", "args": [{"op": "isNull", "args": [{"property": "block"}]}]},
            ],
        }
    )
    assert items(gis, filter=encoded, **{"filter-lang": "cql2-json"}).json()["numberReturned"] == 2
    assert gis.get("/ogc/collections/plots/items/99999999999999999999").status_code == 404
    assert gis.get(f"/ogc/collections/plots/items/{plots[0].pk}", {"crs": "EPSG:2000"}).status_code == 400
