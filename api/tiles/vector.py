"""Mapbox vector tiles and TileJSON for the published layers: one ST_AsMVT query per tile, cached by layer version.

A tile is made by PostGIS in one query (`tile_sql`): the spatial index finds the features whose box meets
the tile (plus a margin), ST_AsMVTGeom clips and snaps them to the tile grid, ST_AsMVT encodes the layer.
Labels are points, not polygons: a polygon cut by tile edges would be labelled once in each tile it reaches
("156 156"), so the plots and provinces tiles carry a second layer of label points, and the townships are also
a layer of points with their counts of plots by status; each point is in the one tile that holds it (`PointLayer`).
Tiles carry no personal data (a plot shows its status, never who holds it), so officers and GIS specialists
read every province's tiles, whatever their own scope (a deliberate choice: the map shows the neighbours).
Partners read what their data-sharing agreements share, as everywhere else: the township layout of the
provinces shared with them (`tile_scope`, decided once per login and remembered for LOGIN_SECONDS, so the
tiles of everyone else cost no query for it). The ETag and the in-process cache key are built from the
versions of the tables a layer reads (sequences bumped by a statement trigger on every change, whoever makes
it), so an edit from Django, QGIS or psql gives new keys at once and no stale tile is ever served; a
partner's keys also carry a digest of their provinces, so no one is served a tile made for someone else.

A tile address of the map carries its layer's version (`?v=`), and the tile of a (layer, version, scope, z, x, y)
never changes: when the cache holds it, it is sent without asking the database for the current version, so a
cached tile costs no query at all (an address whose version is not in the cache is answered as one without it:
with the current version's tile). Most tiles take the short way through Django (api/tiles/path.py).
"""

import gzip
import hashlib
import re
from dataclasses import dataclass

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.http import parse_etags
from django.utils.translation import gettext_lazy

from api.auth import login_key, request_user
from api.http import login_or_basic
from landreg.sharing import partner_provinces
from partners import published
from shelters.selectors import shelter_stage_sql
from townships.models import Plot
from townships.selectors import MAP_LAYER_TABLES
from townships.selectors import layer_version as townships_layer_version

MVT_CONTENT_TYPE = "application/vnd.mapbox-vector-tile"
MAX_ZOOM = 22  # deeper than any survey needs; clients overzoom beyond a layer's advertised maxzoom
EXTENT = 4096  # tile grid units, the MVT default
BUFFER = 64  # grid units drawn beyond the tile edge, so strokes and labels do not break at the seams
MARGIN = BUFFER / EXTENT  # the same buffer as a fraction of the tile, for the index search box
SIMPLIFY_BELOW_ZOOM = 12  # polygon layers are simplified to the tile grid below this zoom
WEB_MERCATOR_WIDTH_M = 40075016.685578488
METRES_PER_DEGREE = WEB_MERCATOR_WIDTH_M / 360  # in web mercator, along a parallel, at any latitude
CACHE_SECONDS = 60  # how long browsers and QGIS may reuse a tile before asking again with If-None-Match
CACHE_TIMEOUT = 3600  # in-process cache; an edit gives new keys, so old tiles only wait to be culled
# How long a login's tile scope is remembered, and with it that the login holds: within this time a user who is
# deactivated, changes their password or loses a role, or a partner whose agreement ends or shrinks, is refused
# (or shown less); logging out ends a session's tiles at once (the session is gone). A refusal is not
# remembered, so a new agreement counts at once.
LOGIN_SECONDS = 60
SCOPE_TIMEOUT = LOGIN_SECONDS
# A label point well inside an area (the centre of the largest circle inside it), for provinces and townships,
# whose outlines are irregular; plots are small and simple, and a point on their surface costs less.
LABEL_POINT_OF_AREA = "(ST_MaximumInscribedCircle(f.geom)).center"
# The map writes plot numbers from zoom 16.5 (drawn from zoom-16 tiles); tiles of smaller zooms would carry them for
# nothing. They make a plots tile about half as big again (docs/benchmarks.md).
PLOT_LABELS_FROM_ZOOM = 16
# The counts of a township point: its plots in all, and in each plot status.
PLOT_COUNTS = ("plots", *Plot.Status.values)
LAYOUT_DATASET = "township_layout"  # what an agreement must share for a partner to see the map layers
EVERY_PROVINCE = "every province"  # the remembered scope of every role but partner (None cannot be told from a miss)


@dataclass(frozen=True)
class PointLayer:
    """A layer of one point per feature of a table (a label's anchor), drawn only in the tile that holds the point
    (half-open tile bounds), so a client draws each label once, however many tiles the feature reaches."""

    name: str
    description: str
    columns: str  # as TileLayer.columns, over the layer's table aliased f
    fields: dict
    point: str  # SQL of the point in EPSG:4326 from f.geom, inside the feature
    minzoom: int = 0  # a tile of the layer it goes with carries the points only from this zoom ...
    maxzoom: int = MAX_ZOOM  # ... to this one


@dataclass(frozen=True)
class TileLayer:
    name: str
    description: str
    table: str  # the table the geometry comes from, aliased f
    columns: str  # the attributes, with f.id twice: as the MVT feature id (fid) and as a property
    fields: dict  # TileJSON field types: the attributes a client may rely on
    versions: tuple  # the layer versions (landreg_layer_versions()) of every table the tile reads
    minzoom: int
    maxzoom: int  # advertised in TileJSON; the endpoint answers up to MAX_ZOOM
    joins: str = ""
    where: str = ""
    simplify: bool = False  # polygons with many vertices (provinces, townships, blocks)
    # TileJSON bounds: the extent of this table instead (and no `where`). Blocks and plots lie inside their
    # townships (a database rule), and a few hundred townships are summed in a millisecond where a million
    # plots take 0.4 s, after every edit.
    bounds_table: str = ""
    # SQL of a point in EPSG:4326 from f.geom: the layer's features are these points instead of their geometry,
    # each in the one tile that holds it (as a PointLayer), and `joins` are made only for the points in the tile.
    point: str = ""
    # A second layer of label points in the same tile (with its own zooms): the feature's number or name.
    labels: PointLayer | None = None
    # What a partner's agreement must share for the partner to see the layer, and the condition (over f) that
    # keeps them to its provinces (SHARED_PROVINCES_ONLY by the table when empty).
    dataset: str = LAYOUT_DATASET
    shared: str = ""
    # What the tile shows changes with the day too ("last week"): the version carries Kabul's day.
    dated: bool = False


# A partner's features: those of the shared provinces, by the table aliased f (a layer's, or its bounds_table).
# Blocks, plots and facilities belong to a province through their township.
_THROUGH_TOWNSHIP = "f.township_id IN (SELECT s.id FROM townships_township s WHERE s.province_id = ANY(%(provinces)s))"
SHARED_PROVINCES_ONLY = {
    "parcels_adminarea": "f.id = ANY(%(provinces)s)",
    "townships_township": "f.province_id = ANY(%(provinces)s)",
    "townships_block": _THROUGH_TOWNSHIP,
    "townships_plot": _THROUGH_TOWNSHIP,
    "townships_facility": _THROUGH_TOWNSHIP,
}
_IN_PROVINCES = "f.province_id = ANY(%(provinces)s)"


def _published_columns(columns: dict) -> str:
    """The attributes of a published layer (partners.published, over the table aliased f), after its ids."""
    return "f.id AS fid, f.id, " + ", ".join(f"{sql} AS {name}" for name, sql in columns.items())


def _mvt_fields(columns: dict, types: dict) -> dict:
    kinds = {"integer": "Number", "number": "Number", "boolean": "Boolean"}
    return {"id": "Number", **{name: kinds.get(types.get(name, ""), "String") for name in columns}}


# The published layers of returns, displacement and livelihoods: aggregates only (partners/published.py).
_CROSSING_POINTS = published.crossing_point_columns("f")
_IDP_SITES = published.idp_site_columns("f")
_OPPORTUNITIES = published.opportunity_columns("f")
PUBLISHED_LAYERS = (
    TileLayer(
        name="crossing-points",
        description=(
            "Border crossing points: code, names, province and district p-codes, neighbouring country, main, and the "
            "people who arrived last week and last month (weeks from Saturday; week_start, month_start): registered "
            "at the border (arrivals_*) and counted by the border monitoring teams (counted_*). A count of 1 to 4 "
            "is absent (suppressed)."
        ),
        table="parcels_crossingpoint",
        columns=_published_columns(_CROSSING_POINTS),
        fields=_mvt_fields(_CROSSING_POINTS, published.CROSSING_POINT_TYPES),
        versions=("crossing_points", "movement_figures", "admin_areas"),
        minzoom=0,
        maxzoom=14,
        dataset=published.MOVEMENTS_DATASET,
        shared=_IN_PROVINCES,
        dated=True,
    ),
    TileLayer(
        name="idp-sites",
        description=(
            "IDP sites still open, as points or outlines: kind, province and district p-codes, and the latest "
            "population estimate by group with its date (assessed_on) and method. A count of 1 to 4 is absent "
            "(suppressed). No site name, no person."
        ),
        table="movements_idpsite",
        columns=_published_columns(_IDP_SITES),
        fields=_mvt_fields(_IDP_SITES, published.IDP_SITE_TYPES),
        versions=("idp_sites", "admin_areas"),
        where="AND " + published.IDP_SITES_OPEN.format(alias="f"),
        minzoom=4,
        maxzoom=16,
        dataset=published.MOVEMENTS_DATASET,
        shared=_IN_PROVINCES,
        dated=True,
    ),
    TileLayer(
        name="opportunities",
        description=(
            "Livelihood opportunities open today, as points or areas: kind, ISIC section (sector) and code, places "
            "offered and filled (1 to 4 filled is absent), dates, pay, provider and province. No personal data."
        ),
        # An opportunity is a point or an area: its geometry is whichever it has.
        table=(
            "(SELECT o.*, " + published.OPPORTUNITY_GEOMETRY.format(alias="o") + " AS geom "
            "FROM livelihoods_opportunity o WHERE " + published.OPPORTUNITIES_OPEN.format(alias="o") + ")"
        ),
        columns=_published_columns(_OPPORTUNITIES),
        fields=_mvt_fields(_OPPORTUNITIES, published.OPPORTUNITY_TYPES),
        versions=("opportunities", "admin_areas"),
        minzoom=6,
        maxzoom=18,
        dataset=published.OPPORTUNITIES_DATASET,
        shared=_IN_PROVINCES,
        dated=True,
    ),
)


LAYERS = {
    layer.name: layer
    for layer in (
        TileLayer(
            name="provinces",
            description="The 34 provinces (OCHA COD-AB p-codes), names in English, Dari and Pashto.",
            table="parcels_adminarea",
            columns="f.id AS fid, f.pcode, f.name_en, f.name_prs, f.name_ps",
            fields={"pcode": "String", "name_en": "String", "name_prs": "String", "name_ps": "String"},
            versions=MAP_LAYER_TABLES["provinces"],
            where="AND f.level = 'province'",
            minzoom=0,
            maxzoom=12,
            simplify=True,
            labels=PointLayer(
                name="province-labels",
                description="Where to write each province's name, once (Dari or Pashto name absent when not recorded).",
                columns="f.id AS fid, f.pcode, f.name_en, NULLIF(f.name_prs, '') AS name_prs, "
                "NULLIF(f.name_ps, '') AS name_ps",
                fields={"pcode": "String", "name_en": "String", "name_prs": "String", "name_ps": "String"},
                point=LABEL_POINT_OF_AREA,
                maxzoom=10,
            ),
        ),
        TileLayer(
            name="townships",
            description="Townships for returnees and IDPs: boundary, code, names and status.",
            table="townships_township",
            columns="f.id AS fid, f.id, f.code, f.name, f.name_prs, f.name_ps, f.status",
            fields={
                "id": "Number",
                "code": "String",
                "name": "String",
                "name_prs": "String",
                "name_ps": "String",
                "status": "String",
            },
            versions=MAP_LAYER_TABLES["townships"],
            minzoom=6,
            maxzoom=16,
            simplify=True,
        ),
        TileLayer(
            name="township-points",
            description=(
                "One point a township (inside it), with its code, names (Dari or Pashto absent when not recorded), "
                "status, and its number of plots in all (plots) and in each plot status: what the map draws at "
                "national and provincial zoom. Counts of land only, nothing about households."
            ),
            table="townships_township",
            columns="f.id AS fid, f.id, f.code, f.name, NULLIF(f.name_prs, '') AS name_prs, "
            "NULLIF(f.name_ps, '') AS name_ps, f.status, " + ", ".join(f"c.{name}" for name in PLOT_COUNTS),
            fields={
                "id": "Number",
                "code": "String",
                "name": "String",
                "name_prs": "String",
                "name_ps": "String",
                "status": "String",
                **dict.fromkeys(PLOT_COUNTS, "Number"),
            },
            versions=MAP_LAYER_TABLES["township-points"],
            minzoom=0,
            maxzoom=14,
            bounds_table="townships_township",
            point=LABEL_POINT_OF_AREA,
            # Counted only for the townships whose point is in the tile, from the (township, status) index.
            joins="CROSS JOIN LATERAL (SELECT count(*) AS plots, "
            + ", ".join(f"count(*) FILTER (WHERE p.status = '{status}') AS {status}" for status in Plot.Status.values)
            + " FROM townships_plot p WHERE p.township_id = f.id) AS c",
        ),
        TileLayer(
            name="blocks",
            description="Blocks of plots inside townships.",
            table="townships_block",
            joins="JOIN townships_township t ON t.id = f.township_id",
            columns="f.id AS fid, f.id, f.code, t.code AS township",
            fields={"id": "Number", "code": "String", "township": "String"},
            versions=MAP_LAYER_TABLES["blocks"],
            minzoom=12,
            maxzoom=18,
            simplify=True,
            bounds_table="townships_township",
        ),
        TileLayer(
            name="plots",
            description=(
                "Plots with number, status, use and area, and shelter_stage (the construction stage a shelter on the "
                "plot has passed, 'not_started' before the first; absent when no shelter is built); never who holds "
                "them."
            ),
            table="townships_plot",
            joins=(
                "JOIN townships_township t ON t.id = f.township_id LEFT JOIN townships_block b ON b.id = f.block_id "
                "LEFT JOIN planning_plotsite ps ON ps.plot_id = f.id " + shelter_stage_sql("f")
            ),
            columns=(
                "f.id AS fid, f.id, f.number, f.status, f.use, f.area_m2::float8 AS area_m2, "
                "b.code AS block, t.code AS township, sh.shelter_stage, coalesce(ps.fit, 'unknown') AS site_fit"
            ),
            fields={
                "id": "Number",
                "number": "String",
                "status": "String",
                "use": "String",
                "area_m2": "Number",
                "block": "String",
                "township": "String",
                "shelter_stage": "String",
                "site_fit": "String",
            },
            versions=MAP_LAYER_TABLES["plots"],
            minzoom=13,
            maxzoom=18,
            bounds_table="townships_township",
            labels=PointLayer(
                name="plot-labels",
                description="Where to write each plot's number, once; with its status and use, for the map's filters.",
                columns="f.id AS fid, f.id, f.number, f.status, f.use",
                fields={"id": "Number", "number": "String", "status": "String", "use": "String"},
                point="ST_PointOnSurface(f.geom)",
                minzoom=PLOT_LABELS_FROM_ZOOM,
            ),
        ),
        TileLayer(
            name="facilities",
            description="Water points, schools, clinics, mosques, markets and road access points.",
            table="townships_facility",
            columns="f.id AS fid, f.id, f.kind, f.name, f.functional",
            fields={"id": "Number", "kind": "String", "name": "String", "functional": "Boolean"},
            versions=MAP_LAYER_TABLES["facilities"],
            minzoom=13,
            maxzoom=18,
        ),
        *PUBLISHED_LAYERS,
    )
}


def _shared_only(table: str, provinces: frozenset[int] | None, condition: str = "") -> str:
    """The condition that keeps a partner to their provinces (parameter `provinces`); nothing for anyone else."""
    return "" if provinces is None else f" AND {condition or SHARED_PROVINCES_ONLY[table]}"


def _province_parameters(provinces: frozenset[int] | None) -> dict:
    return {} if provinces is None else {"provinces": sorted(provinces)}


def tile_sql(layer: TileLayer, z: int, provinces: frozenset[int] | None = None, labels: bool = True) -> str:
    """The one query that makes a tile of `layer` at zoom z, with parameters z, x, y (and `provinces`, the ids
    of a partner's shared provinces, when given: only their features are drawn): the layer, and its label points
    when it has them at this zoom (and `labels`; the benchmark measures the tile without them too).

    The view, the benchmark and the index test all run this SQL. Storage is EPSG:4326 and tiles are
    EPSG:3857: the search box is the tile envelope (with the buffer) transformed to 4326, a constant the
    planner folds, so `f.geom && box` is answered by the GiST index. Below SIMPLIFY_BELOW_ZOOM polygons are
    simplified to about one grid cell before they are transformed, which saves most of the work on
    provinces; above it ST_AsMVTGeom's own snapping to the grid is enough. Features that ST_AsMVTGeom
    clips away (NULL) are skipped by ST_AsMVT itself: a `WHERE geom IS NOT NULL` would be pushed into the
    scan by the planner and clip every feature twice.
    """
    shared = _shared_only(layer.table, provinces, layer.shared)
    if layer.point:
        parts = [_points_sql(layer.name, layer.table, layer.columns, layer.point, layer.joins, layer.where + shared)]
    else:
        parts = [_geometry_sql(layer, z, shared)]
    extra = layer.labels
    if labels and extra and extra.minzoom <= z <= extra.maxzoom:
        parts.append(_points_sql(extra.name, layer.table, extra.columns, extra.point, "", layer.where + shared))
    if len(parts) == 1:
        return parts[0]
    # A tile of several layers is their encodings end to end (an MVT is a list of layers); an empty one is NULL.
    return "SELECT " + " || ".join(f"COALESCE(({part}), ''::bytea)" for part in parts)


def _geometry_sql(layer: TileLayer, z: int, shared: str) -> str:
    geometry = "f.geom"
    if layer.simplify and z < SIMPLIFY_BELOW_ZOOM:
        tolerance = WEB_MERCATOR_WIDTH_M / 2**z / EXTENT / METRES_PER_DEGREE
        geometry = f"ST_SimplifyPreserveTopology({geometry}, {tolerance!r})"
    return f"""
        SELECT ST_AsMVT(mvt.*, '{layer.name}', {EXTENT}, 'geom', 'fid')
          FROM (SELECT {layer.columns},
                       ST_AsMVTGeom(ST_Transform({geometry}, 3857), ST_TileEnvelope(%(z)s, %(x)s, %(y)s),
                                    {EXTENT}, {BUFFER}, true) AS geom
                  FROM {layer.table} f {layer.joins}
                 WHERE f.geom && ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => {MARGIN!r}), 4326)
                       {layer.where}{shared}) AS mvt
    """


def _points_sql(name: str, table: str, columns: str, point: str, joins: str, where: str) -> str:
    """A layer of one point per feature, in the one tile that holds it: west and south edges in, east and north
    out, so a point on an edge is in one tile only. The point is made once per feature whose box meets the tile
    (OFFSET 0 keeps the planner from copying its expression into each test), and `joins` only for the points
    in the tile."""
    tile = "ST_TileEnvelope(%(z)s, %(x)s, %(y)s)"
    return f"""
        SELECT ST_AsMVT(mvt.*, '{name}', {EXTENT}, 'geom', 'fid')
          FROM (SELECT {columns}, ST_AsMVTGeom(f.point, {tile}, {EXTENT}, 0, false) AS geom
                  FROM (SELECT f.*, ST_Transform({point}, 3857) AS point
                          FROM {table} f
                         WHERE f.geom && ST_Transform({tile}, 4326) {where}
                        OFFSET 0) AS f
                       {joins}
                 WHERE ST_X(f.point) >= ST_XMin({tile}) AND ST_X(f.point) < ST_XMax({tile})
                   AND ST_Y(f.point) >= ST_YMin({tile}) AND ST_Y(f.point) < ST_YMax({tile})) AS mvt
    """


def tile_bytes(layer: TileLayer, z: int, x: int, y: int, provinces: frozenset[int] | None = None) -> bytes:
    """The encoded tile (of the `provinces` only, when given); empty when no feature of the layer reaches it."""
    with connection.cursor() as cursor:
        cursor.execute(tile_sql(layer, z, provinces), {"z": z, "x": x, "y": y, **_province_parameters(provinces)})
        row = cursor.fetchone()
    return bytes(row[0]) if row and row[0] else b""


def layer_version(layer: TileLayer) -> str:
    """The version of what a tile of `layer` shows: the versions of every table it reads (and Kabul's day, for a
    layer of last week's and last month's counts)."""
    version = townships_layer_version(layer.versions)
    return f"{version}.d{published.kabul_today():%Y%m%d}" if layer.dated else version


def layer_bounds(layer: TileLayer, provinces: frozenset[int] | None = None) -> list[float]:
    """West, south, east, north of the layer's data (in the `provinces` only, when given); the whole web-mercator
    world when it has none."""
    table, where = (layer.bounds_table, "") if layer.bounds_table else (layer.table, layer.where)
    shared = _shared_only(table, provinces, "" if layer.bounds_table else layer.shared)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) "
            f"FROM (SELECT ST_Extent(f.geom) AS e FROM {table} f WHERE true {where}{shared}) "
            "AS extent",
            _province_parameters(provinces) or None,
        )
        row = cursor.fetchone()
    if row is None or row[0] is None:
        return [-180.0, -85.051129, 180.0, 85.051129]
    return [round(value, 6) for value in row]


LOG_IN = gettext_lazy("Log in to see the map tiles (a session, or HTTP Basic authentication for QGIS).")


def tile_scope(request, dataset: str = LAYOUT_DATASET) -> frozenset[int] | None:
    """The provinces whose features the tiles show to who asks (a logged-in user): None, every province, for
    every role but partner; for a partner, the provinces a current agreement shares `dataset` for (the layer's:
    the township layout for the land layers). PermissionDenied, with the sentence saying what to ask for, for a
    partner with none.

    Decided once per login (session or Basic credentials) and dataset, and remembered for LOGIN_SECONDS, so a
    tile costs no query for it; a refusal is decided again on each request."""
    key = scope_key(login_key(request), dataset)
    scope = cache.get(key)
    if scope is None:
        user = request_user(request)
        if not user.is_authenticated:  # a session that no longer holds (a changed password): not "every province"
            raise PermissionDenied(LOG_IN)
        provinces = partner_provinces(user, dataset)
        scope = EVERY_PROVINCE if provinces is None else frozenset(provinces)
        cache.set(key, scope, SCOPE_TIMEOUT)
    return None if scope == EVERY_PROVINCE else scope


def scope_key(login: str | None, dataset: str = LAYOUT_DATASET) -> str:
    """The cache key of what tile_scope remembered for a login (api.auth.login_key) and a layer's dataset."""
    return f"tile-scope:{login}" if dataset == LAYOUT_DATASET else f"tile-scope:{dataset}:{login}"


def remembered_scope(login: str | None, dataset: str = LAYOUT_DATASET) -> tuple[bool, frozenset[int] | None]:
    """(True, the provinces) when tile_scope decided this login's scope for `dataset` within LOGIN_SECONDS; (False,
    None) when it did not (the login must be checked). Costs no query: for the tiles' short way
    (api/tiles/path.py), whose login key is only claimed, never checked, so only what tile_scope wrote after
    checking it counts."""
    scope = cache.get(scope_key(login, dataset)) if login is not None else None
    if scope is None:
        return False, None
    return True, (None if scope == EVERY_PROVINCE else scope)


def scope_digest(provinces: frozenset[int] | None) -> str:
    """A short mark of a partner's provinces for cache keys and ETags; empty for every province (keys unchanged)."""
    if provinces is None:
        return ""
    return "p" + hashlib.sha256(",".join(map(str, sorted(provinces))).encode()).hexdigest()[:12]


def _refusal(request, layer_name: str) -> tuple[TileLayer | None, frozenset[int] | None, JsonResponse | None]:
    """The layer asked for and the provinces its tiles show (tile_scope), or the response that refuses it: 403
    for partners without an agreement sharing the layer's dataset, 404 for no such layer. (The login is checked
    before.)"""
    layer = LAYERS.get(layer_name)
    try:
        provinces = tile_scope(request, layer.dataset if layer else LAYOUT_DATASET)
    except PermissionDenied as refused:
        return None, None, JsonResponse({"detail": str(refused)}, status=403)
    if layer is None:
        names = ", ".join(sorted(LAYERS))
        detail = f"There is no tile layer called {layer_name!r}; the layers are {names}."
        return None, None, JsonResponse({"detail": detail}, status=404)
    return layer, provinces, None


def _cache_headers(response: HttpResponse, etag: str | None) -> HttpResponse:
    # private: tiles are for logged-in users only, so a shared proxy must not hand them to anyone else.
    response["Cache-Control"] = f"private, max-age={CACHE_SECONDS}"
    if etag:
        response["ETag"] = etag
    return response


# A session (the web map) or HTTP Basic (QGIS and GDAL send it with each tile), checked without loading the user on
# every tile: tiles carry no personal data, and small tiles cost PostGIS well under a millisecond.
tiles_login = login_or_basic(refuse=403, sentence=LOG_IN, load_user=False)


@tiles_login
def tile(request, layer: str, z: int, x: int, y: int):
    """GET /tiles/<layer>/<z>/<x>/<y>.mvt: 200 with the tile, 204 when it is empty, 304 when unchanged."""
    layer, provinces, refusal = _refusal(request, layer)
    if refusal:
        return refusal
    if not 0 <= z <= MAX_ZOOM:
        return JsonResponse({"detail": f"The zoom level must be between 0 and {MAX_ZOOM}, not {z}."}, status=400)
    if not tile_exists(z, x, y):
        return JsonResponse(
            {"detail": f"At zoom {z}, x and y must be between 0 and {2**z - 1}; tile {x}/{y} does not exist."},
            status=400,
        )
    return tile_answer(request, layer, z, x, y, provinces)


def tile_exists(z: int, x: int, y: int) -> bool:
    """Whether z/x/y is a tile of the grid, down to MAX_ZOOM."""
    return 0 <= z <= MAX_ZOOM and 0 <= x < 2**z and 0 <= y < 2**z


# What a version in a tile address may look like (landreg_layer_versions(): "<database>:<n>.<n>...", and
# "@<replay LSN>" on a replica); anything else is not looked up in the cache.
VERSION_SHAPE = re.compile(r"[0-9A-Za-z:.@/]{1,120}")


def tile_answer(request, layer: TileLayer, z: int, x: int, y: int, provinces: frozenset[int] | None) -> HttpResponse:
    """The tile z/x/y of `layer` (a tile of the grid) as `provinces` show it, for a login already checked: 200,
    204 when it is empty, 304 when the client holds it. From the cache without a query when the address's `v`
    is a version whose tile the cache holds; otherwise at the current version."""
    if z < layer.minzoom:  # never drawn that far out; no need to ask the database
        return _cache_headers(HttpResponse(status=204), None)
    # Gzipped for clients that accept it (browsers, QGIS, GDAL): tiles shrink to about a third on slow links.
    # Each encoding is its own representation, with its own ETag.
    gzipped = "gzip" in request.headers.get("Accept-Encoding", "")
    # A partner's tile is its own representation too: their provinces' digest is part of the version.
    digest = scope_digest(provinces)
    asked = request.GET.get("v", "")
    if VERSION_SHAPE.fullmatch(asked):
        version = f"{asked}-{digest}" if digest else asked
        data = cache.get(_tile_key(layer, version, z, x, y, gzipped))
        if data is not None:  # made at that version (the key says so), which an address never outlives
            return _tile_response(request, layer, version, z, x, y, gzipped, data, hit=True)
    # The version is read before the tile, so a cached tile is never older than its key.
    version = layer_version(layer)
    version = f"{version}-{digest}" if digest else version
    key = _tile_key(layer, version, z, x, y, gzipped)
    data = cache.get(key)
    hit = data is not None
    if not hit and _etag(layer, version, z, x, y, gzipped) not in _held_etags(request):
        data = tile_bytes(layer, z, x, y, provinces)
        if data and gzipped:
            data = gzip.compress(data, compresslevel=6, mtime=0)
        cache.set(key, data, CACHE_TIMEOUT)
    return _tile_response(request, layer, version, z, x, y, gzipped, data, hit=hit)


def _tile_key(layer: TileLayer, version: str, z: int, x: int, y: int, gzipped: bool) -> str:
    return f"tile:{layer.name}:{version}:{z}:{x}:{y}{':gz' if gzipped else ''}"


def _etag(layer: TileLayer, version: str, z: int, x: int, y: int, gzipped: bool) -> str:
    return f'"{layer.name}-{version}-{z}-{x}-{y}{"-gz" if gzipped else ""}"'


def _held_etags(request) -> list[str]:
    return parse_etags(request.headers.get("If-None-Match", ""))


def _tile_response(request, layer, version, z, x, y, gzipped, data, *, hit) -> HttpResponse:
    """304 when the client holds this ETag; otherwise the tile's bytes (data), 204 when empty."""
    etag = _etag(layer, version, z, x, y, gzipped)
    if etag in _held_etags(request):
        return _cache_headers(HttpResponse(status=304), etag)
    response = HttpResponse(data, content_type=MVT_CONTENT_TYPE) if data else HttpResponse(status=204)
    if not data:
        del response["Content-Type"]
    elif gzipped:
        response["Content-Encoding"] = "gzip"
    response["Vary"] = "Accept-Encoding"
    response["X-Tile-Cache"] = "hit" if hit else "miss"
    return _cache_headers(response, etag)


@tiles_login
def tilejson(request, layer: str):
    """GET /tiles/<layer>.json: TileJSON 3.0.0 for MapLibre and QGIS."""
    layer, provinces, refusal = _refusal(request, layer)
    if refusal:
        return refusal
    version = layer_version(layer)
    bounds = cache.get_or_set(
        f"tilebounds:{layer.name}:{version}{scope_digest(provinces)}",
        lambda: layer_bounds(layer, provinces),
        CACHE_TIMEOUT,
    )
    example = request.build_absolute_uri(reverse("tile", kwargs={"layer": layer.name, "z": 0, "x": 0, "y": 0}))
    template = example.removesuffix("/0/0/0.mvt") + "/{z}/{x}/{y}.mvt"
    center_zoom = max(layer.minzoom, 6)
    document = {
        "tilejson": "3.0.0",
        "name": layer.name,
        "description": layer.description,
        "version": "1.0.0",
        "scheme": "xyz",
        "tiles": [template],
        "minzoom": layer.minzoom,
        "maxzoom": layer.maxzoom,
        "bounds": bounds,
        "center": [round((bounds[0] + bounds[2]) / 2, 6), round((bounds[1] + bounds[3]) / 2, 6), center_zoom],
        "vector_layers": [
            {
                "id": layer.name,
                "description": layer.description,
                "minzoom": layer.minzoom,
                "maxzoom": layer.maxzoom,
                "fields": layer.fields,
            },
            *(
                [
                    {
                        "id": labels.name,
                        "description": labels.description,
                        "minzoom": max(layer.minzoom, labels.minzoom),
                        "maxzoom": min(layer.maxzoom, labels.maxzoom),
                        "fields": labels.fields,
                    }
                ]
                if (labels := layer.labels)
                else []
            ),
        ],
    }
    return _cache_headers(JsonResponse(document), None)
