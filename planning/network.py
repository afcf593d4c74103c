"""Distances from a site to what people need, measured in PostGIS in the site's UTM zone: in a straight line, and
along the road network with pgRouting where roads are loaded (docs/planning.md, "How distances are measured")."""

from django.db import DatabaseError, connection, transaction

# How far to look for water, services and roads, and how much road network to route on.
SEARCH_RADIUS_M = 20_000
# Roads are cut into edges of at most this length, so a site or a target joins the network near where it is.
EDGE_M = 100
CANDIDATES = 5  # nearest candidates by straight line whose road distance is measured

TARGETS = {
    "water": ("planning_waterpoint", "functional"),
    "school": ("planning_servicepoint", "functional AND kind = 'school'"),
    "clinic": ("planning_servicepoint", "functional AND kind = 'clinic'"),
    "market": ("planning_servicepoint", "functional AND kind = 'market'"),
}


def pgrouting_available() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT FROM pg_extension WHERE extname = 'pgrouting')")
        return cursor.fetchone()[0]


_NEAREST_SQL = """
SELECT t.id, t.name, ST_Distance(ST_Transform(t.geom, %(srid)s), ST_Transform(%(site)s::geometry, %(srid)s)) AS d,
       ST_X(t.geom), ST_Y(t.geom)
  FROM {table} t
 WHERE {condition} AND ST_DWithin(t.geom::geography, %(site)s::geography, %(radius)s)
 ORDER BY t.geom <-> %(site)s::geometry
 LIMIT %(n)s
"""

_PAVED_SQL = """
SELECT min(ST_Distance(ST_Transform(r.geom, %(srid)s), ST_Transform(%(site)s::geometry, %(srid)s)))
  FROM (SELECT geom FROM planning_road WHERE road_class = 'paved'
         AND ST_DWithin(geom::geography, %(site)s::geography, %(radius)s)
         ORDER BY geom <-> %(site)s::geometry LIMIT %(n)s) r
"""

# The road network around the site, noded where roads cross, cut into short edges, with shared vertices.
_NETWORK_SQL = """
CREATE TEMP TABLE planning_net_edges AS
WITH lines AS (
  SELECT ST_SnapToGrid(ST_Transform(geom, %(srid)s), 0.5) AS g FROM planning_road
   WHERE ST_DWithin(geom::geography, %(site)s::geography, %(radius)s)
), noded AS (
  SELECT (ST_Dump(ST_Node(ST_Collect(g)))).geom AS g FROM lines
), segments AS (
  SELECT (ST_DumpSegments(ST_Segmentize(g, %(edge)s))).geom AS g FROM noded
)
SELECT row_number() OVER () AS id, ST_SnapToGrid(g, 0.5) AS g FROM segments WHERE ST_Length(g) > 0;
CREATE TEMP TABLE planning_net_vertices AS
SELECT row_number() OVER () AS id, p FROM (
  SELECT DISTINCT p FROM (SELECT ST_StartPoint(g) AS p FROM planning_net_edges
                          UNION SELECT ST_EndPoint(g) FROM planning_net_edges) q) v;
CREATE INDEX ON planning_net_vertices USING gist (p);
CREATE TEMP TABLE planning_net AS
SELECT e.id, s.id AS source, t.id AS target, ST_Length(e.g) AS cost, ST_Length(e.g) AS reverse_cost
  FROM planning_net_edges e
  JOIN planning_net_vertices s ON s.p = ST_StartPoint(e.g)
  JOIN planning_net_vertices t ON t.p = ST_EndPoint(e.g);
"""

_NEAREST_VERTEX_SQL = """
SELECT v.id, ST_Distance(v.p, ST_Transform(%(g)s::geometry, %(srid)s))
  FROM planning_net_vertices v ORDER BY v.p <-> ST_Transform(%(g)s::geometry, %(srid)s) LIMIT 1
"""


def distances(*, site_wkt: str, srid: int) -> dict:
    """For water, school, clinic, market: {"straight_m", "network_m" (None when not routed), "name"}; and for the
    paved road: {"straight_m"}. A target is reached along the roads from the network vertex nearest the site to
    the one nearest the target, plus the two straight legs; the nearest few targets by straight line are routed."""
    site = f"SRID=4326;{site_wkt}"
    params = {"site": site, "srid": srid, "radius": SEARCH_RADIUS_M, "n": CANDIDATES, "edge": EDGE_M}
    out, candidates = {}, {}
    with connection.cursor() as cursor:
        for what, (table, condition) in TARGETS.items():
            cursor.execute(_NEAREST_SQL.format(table=table, condition=condition), params)
            rows = cursor.fetchall()
            candidates[what] = rows
            nearest = min(rows, key=lambda r: r[2]) if rows else None
            out[what] = {
                "straight_m": round(nearest[2], 1) if nearest else None,
                "network_m": None,
                "name": nearest[1] if nearest else "",
            }
        cursor.execute(_PAVED_SQL, params)
        paved = cursor.fetchone()[0]
        out["paved_road"] = {"straight_m": round(paved, 1) if paved is not None else None}
        cursor.execute(
            "SELECT EXISTS (SELECT FROM planning_road WHERE ST_DWithin(geom::geography, %(site)s::geography, "
            "%(radius)s))",
            params,
        )
        roads = cursor.fetchone()[0]
        if roads and pgrouting_available() and any(candidates.values()):
            _route(cursor, params, candidates, out)
    out["roads_loaded"] = bool(roads)
    out["routed"] = any(out[what]["network_m"] is not None for what in TARGETS)
    return out


def _route(cursor, params: dict, candidates: dict, out: dict) -> None:
    """Measure along the roads in a savepoint: a routing failure leaves the straight-line figures, labelled so."""
    try:
        with transaction.atomic():
            cursor.execute("DROP TABLE IF EXISTS planning_net, planning_net_vertices, planning_net_edges")
            cursor.execute(_NETWORK_SQL, params)
            cursor.execute(_NEAREST_VERTEX_SQL, {**params, "g": params["site"]})  # the site's way onto the roads
            start = cursor.fetchone()
            if start is None:
                return
            start_vertex, start_leg = start
            legs = {}
            for what, rows in candidates.items():
                for target_id, _name, _d, x, y in rows:
                    cursor.execute(_NEAREST_VERTEX_SQL, {**params, "g": f"SRID=4326;POINT({x} {y})"})
                    legs[(what, target_id)] = cursor.fetchone()
            ends = sorted({vertex for vertex, _leg in legs.values()} - {start_vertex})
            cost = {start_vertex: 0.0}
            if ends:
                cursor.execute(
                    "SELECT end_vid, agg_cost FROM pgr_dijkstraCost("
                    "'SELECT id, source, target, cost, reverse_cost FROM planning_net', %s::bigint, %s::bigint[], "
                    "directed => false)",
                    [start_vertex, ends],
                )
                cost.update(cursor.fetchall())
            cursor.execute("DROP TABLE planning_net, planning_net_vertices, planning_net_edges")
    except DatabaseError:
        return
    for what, rows in candidates.items():
        best = None
        for target_id, name, _d, _x, _y in rows:
            vertex, leg = legs[(what, target_id)]
            if vertex not in cost:
                continue  # not connected to the site's part of the network
            total = start_leg + cost[vertex] + leg
            if best is None or total < best[0]:
                best = (total, name)
        if best is not None:
            out[what]["network_m"] = round(best[0], 1)
            out[what]["network_name"] = best[1]
