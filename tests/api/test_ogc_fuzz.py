"""Property-based fuzzing of the OGC API: random CQL2 filters (text and JSON) built from queryables and hidden names,
random query parameters and random edit bodies, as a GIS specialist and as a partner. Never a 5xx; a filter that
names anything but a queryable is refused; a partner never sees personal data. Bounded and reproducible
(derandomize), about a minute in all."""

import json
from collections import Counter

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allocations.services import allocation_propose
from api.ogc import COLLECTIONS, CRS
from townships import services

FUZZ = settings(
    max_examples=150,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
PERSONAL = ["Khan Mohammad", "Wali Jan", "Gul Bibi"]
HIDDEN = [
    "allocations__household__members__name",
    "allocations.household.members.name",
    "allocations__household__members__tazkira_last4",
    "allocations__proposed_by__password",
    "plots__allocations__household__members__name",
    "township__province__name_en",
    "households__members__name",
    "id",
    "pk",
    "geom",
    "level",
    "footprint",
]
QUERYABLES = sorted({name for c in COLLECTIONS.values() for name in c.properties} | {"geometry"})
COUNTS = Counter()


@pytest.fixture(scope="module", autouse=True)
def report_counts():
    yield
    counts = {key: COUNTS[key] for key in ("probes", "4xx", "2xx", "5xx")}
    print("\nOGC fuzz: {probes} probes, {4xx} refused (4xx), {2xx} answered (2xx), {5xx} 5xx".format(**counts))


@pytest.fixture
def world(users, provinces, plots, make_household, frame):
    """Three plots, one proposed to Khan Mohammad's household (with Gul Bibi), a well; a partner under an
    agreement; a GIS specialist."""
    from tests.landreg.test_data_sharing import agreement_create

    household = make_household(
        head={"name": "Khan Mohammad", "father_name": "Wali Jan", "sex": "m", "tazkira": "1400-0101-12345"},
        members=[{"name": "Gul Bibi", "sex": "f", "relationship": "spouse"}],
    )
    allocation_propose(household=household, plot=plots[0], proposed_by=users["officer_nangarhar"])
    services.facility_create(
        township=plots[0].township, kind="water_point", name="Well", geom=frame.rect(100, 150, 1, 1).centroid
    )
    agreement_create(users=[users["partner"]], provinces=[provinces["nangarhar"]])
    clients = {who: Client() for who in ("gis", "partner")}
    for who, client in clients.items():
        client.force_login(users[who])  # once: a login per probe would cost more than the probe
    return clients


def probe(world, who: str, method: str, url: str, *args, **kwargs):
    """One request as `who`; counted; never a 5xx; a partner's answer never holds personal data."""
    client = world[who]
    COUNTS["probes"] += 1
    try:
        response = getattr(client, method)(url, *args, **kwargs)
    except Exception:  # the test client re-raises a view's exception: that would have been a 500
        COUNTS["5xx"] += 1
        raise
    if response.status_code >= 500:
        COUNTS["5xx"] += 1
    assert response.status_code < 500, (method, url, args, kwargs, response.content[:300])
    if 400 <= response.status_code < 500:
        COUNTS["4xx"] += 1
    elif response.status_code < 300:
        COUNTS["2xx"] += 1
    if who == "partner":
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert not any(name.encode() in body for name in PERSONAL), (url, kwargs)
    return response


# --- strategies ---------------------------------------------------------------------------------------------

identifiers = st.from_regex(r"[A-Za-z_][A-Za-z0-9_.]{0,24}", fullmatch=True)
names = st.one_of(st.sampled_from(QUERYABLES), st.sampled_from(HIDDEN), identifiers)
numbers = st.one_of(st.integers(min_value=-(10**25), max_value=10**25), st.floats())
texts = st.text(max_size=12)
scalars = st.one_of(numbers, texts, st.booleans())
coordinate = st.one_of(st.floats(min_value=60, max_value=75), st.floats(), st.integers(-(10**9), 10**9))
points = st.tuples(coordinate, coordinate)
rings = st.lists(points, min_size=0, max_size=6)


# Values that fit a queryable's type, to reach past the type checks as often as they are refused.
TYPED = {
    "number": st.floats(min_value=0, max_value=1000),
    "integer": st.integers(32640, 32644),
    "boolean": st.booleans(),
    "string": st.sampled_from(["available", "reserved", "0", "1", "NAN-TEST", "A", "residential", "%", "1%", "N%"]),
}


def names_for(collection: str):
    own = sorted([*COLLECTIONS[collection].properties, "geometry"])
    return st.one_of(st.sampled_from(own), st.sampled_from(own), names)


def value_for(draw, collection: str, name: str):
    kind = COLLECTIONS[collection].types.get(name, "string")
    return draw(st.one_of(TYPED.get(kind, texts), scalars))


def cql_literal(value) -> str:
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


def wkt(kind: str, ring) -> str:
    coords = ", ".join(f"{x!r} {y!r}" for x, y in ring) or "0 0"
    return {"POINT": f"POINT({coords.split(',')[0]})", "POLYGON": f"POLYGON(({coords}))"}[kind]


@st.composite
def text_predicates(draw, used: list, collection: str):
    name = draw(names_for(collection))
    used.append(name)
    op = draw(st.sampled_from(["=", "<>", "<", ">=", "LIKE", "IN", "BETWEEN", "IS NULL", "S_INTERSECTS", "S_WITHIN"]))
    value = cql_literal(value_for(draw, collection, name))
    if op == "IN":
        return f"{name} IN ({value}, {cql_literal(value_for(draw, collection, name))})"
    if op == "BETWEEN":
        return f"{name} BETWEEN {value} AND {cql_literal(value_for(draw, collection, name))}"
    if op == "IS NULL":
        return f"{name} IS NULL"
    if op.startswith("S_"):
        return f"{op}({name}, {wkt(draw(st.sampled_from(['POINT', 'POLYGON'])), draw(rings))})"
    return f"{name} {op} {value}"


@st.composite
def text_filters(draw, collection: str):
    used: list = []
    parts = [draw(text_predicates(used, collection)) for _ in range(draw(st.integers(1, 3)))]
    joined = parts[0]
    for part in parts[1:]:
        joined = f"{joined} {draw(st.sampled_from(['AND', 'OR', 'AND NOT']))} ({part})"
    return joined, used


@st.composite
def json_predicates(draw, used: list, collection: str):
    name = draw(names_for(collection))
    used.append(name)
    op = draw(st.sampled_from(["=", "<>", "<", ">=", "like", "in", "between", "isNull", "s_intersects"]))
    prop = {"property": name}
    if op == "in":
        return {"op": op, "args": [prop, [value_for(draw, collection, name) for _ in range(draw(st.integers(0, 3)))]]}
    if op == "between":
        return {"op": op, "args": [prop, value_for(draw, collection, name), value_for(draw, collection, name)]}
    if op == "isNull":
        return {"op": op, "args": [prop]}
    if op == "s_intersects":
        ring = [list(p) for p in draw(rings)]
        geometry = draw(
            st.sampled_from(
                [
                    {"type": "Polygon", "coordinates": [ring]},
                    {"type": "Point", "coordinates": ring[0] if ring else []},
                    {"bbox": [p for point in ring[:2] for p in point]},
                ]
            )
        )
        return {"op": op, "args": [prop, geometry]}
    return {"op": op, "args": [prop, value_for(draw, collection, name)]}


@st.composite
def json_filters(draw, collection: str):
    used: list = []
    parts = [draw(json_predicates(used, collection)) for _ in range(draw(st.integers(1, 3)))]
    tree = parts[0] if len(parts) == 1 else {"op": draw(st.sampled_from(["and", "or"])), "args": parts}
    if draw(st.booleans()):
        tree = {"op": "not", "args": [tree]}
    return json.dumps(tree), used


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), numbers, texts),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(texts, inner, max_size=3)),
    max_leaves=8,
)
crs_uris = st.one_of(st.sampled_from(list(CRS)), st.sampled_from(["EPSG:4326", "EPSG:2000", "", "CRS84"]), texts)
collections = st.sampled_from(list(COLLECTIONS))
roles_fuzzed = st.sampled_from(["gis", "partner"])


def must_refuse_hidden(response, used: list, collection: str) -> None:
    allowed = set(COLLECTIONS[collection].properties) | {"geometry"}
    if any(name not in allowed for name in used):
        assert response.status_code == 400, (used, response.content[:300])


# --- the fuzz tests -----------------------------------------------------------------------------------------


@FUZZ
@given(collection=collections, who=roles_fuzzed, data=st.data(), crs=st.one_of(st.none(), crs_uris))
def test_random_text_filters(world, collection, who, data, crs):
    text, used = data.draw(text_filters(collection))
    params = {"filter": text} | ({"filter-crs": crs} if crs is not None else {})
    response = probe(world, who, "get", f"/ogc/collections/{collection}/items", params)
    must_refuse_hidden(response, used, collection)


@FUZZ
@given(collection=collections, who=roles_fuzzed, data=st.data(), raw=st.one_of(st.none(), json_values))
def test_random_json_filters(world, collection, who, data, raw):
    text, used = data.draw(json_filters(collection))
    if raw is not None:  # sometimes any JSON at all
        text, used = json.dumps(raw), []
    response = probe(
        world, who, "get", f"/ogc/collections/{collection}/items", {"filter": text, "filter-lang": "cql2-json"}
    )
    must_refuse_hidden(response, used, collection)


sort_keys = st.lists(st.tuples(st.sampled_from(["", "-", "+"]), names), max_size=3).map(
    lambda keys: ",".join(sign + name for sign, name in keys)
)
bbox_numbers = st.lists(st.one_of(st.floats(), st.integers(-(10**12), 10**12)), min_size=3, max_size=5)
query_params = st.fixed_dictionaries(
    {},
    optional={
        "limit": st.one_of(st.integers(-5, 10**22).map(str), texts),
        "offset": st.one_of(st.integers(-5, 10**22).map(str), texts),
        "bbox": st.one_of(bbox_numbers.map(lambda ns: ",".join(repr(n) for n in ns)), texts),
        "bbox-crs": crs_uris,
        "crs": crs_uris,
        "datetime": st.one_of(st.just("2024-01-01T00:00:00Z"), texts),
        "sortby": sort_keys,
        "properties": sort_keys,
        "filter-crs": crs_uris,
        "status": texts,
        "area_m2": texts,
        "utm_srid": texts,
        "functional": texts,
    },
)


@FUZZ
@given(collection=collections, who=roles_fuzzed, params=query_params)
def test_random_query_parameters(world, collection, who, params):
    response = probe(world, who, "get", f"/ogc/collections/{collection}/items", params)
    hidden = [
        name.lstrip("+-")
        for key in ("sortby", "properties")
        for name in params.get(key, "").split(",")
        if name.strip() and name.strip().lstrip("+-") not in COLLECTIONS[collection].properties
    ]
    if hidden:
        assert response.status_code == 400, (params, response.content[:300])


geometries = st.one_of(
    st.builds(
        lambda kind, ring: {
            "type": kind,
            "coordinates": [[list(p) for p in ring]]
            if kind == "Polygon"
            else [list(p) for p in ring]
            if kind != "Point"
            else list(ring[0])
            if ring
            else [],
        },
        st.sampled_from(["Polygon", "Point", "LineString", "MultiPoint"]),
        rings,
    ),
    st.just({"type": "GeometryCollection", "geometries": []}),
    json_values,
)
edit_properties = st.dictionaries(
    st.one_of(
        st.sampled_from(["number", "township", "block", "use", "status", "code", "name", "functional", "kind"]),
        st.sampled_from(HIDDEN),
    ),
    json_values,
    max_size=4,
)
bodies = st.one_of(
    st.fixed_dictionaries(
        {},
        optional={
            "type": st.just("Feature"),
            "geometry": geometries,
            "properties": st.one_of(edit_properties, json_values),
        },
    ),
    json_values,
).map(lambda body: json.dumps(body).encode())


@FUZZ
@given(
    collection=st.sampled_from(["plots", "blocks", "facilities", "townships"]),
    who=roles_fuzzed,
    method=st.sampled_from(["patch", "put", "post"]),
    body=st.one_of(bodies, st.binary(max_size=40)),
    crs=st.one_of(st.none(), crs_uris),
)
def test_random_edit_bodies(world, collection, who, method, body, crs):
    from townships.models import Block, Facility, Plot, Township

    model = {"plots": Plot, "blocks": Block, "facilities": Facility, "townships": Township}[collection]
    headers = {"Content-Crs": crs} if crs is not None else {}
    if method == "post":
        url = f"/ogc/collections/{collection}/items"
    else:
        url = f"/ogc/collections/{collection}/items/{model.objects.order_by('pk').first().pk}"
        headers["If-Match"] = world["gis"].get(url)["ETag"]
    status_before = list(Plot.objects.order_by("pk").values_list("status", flat=True))
    response = probe(world, who, method, url, body, content_type="application/geo+json", headers=headers)
    if who == "partner":
        assert response.status_code == 403
    assert list(Plot.objects.order_by("pk").values_list("status", flat=True))[: len(status_before)] == status_before
