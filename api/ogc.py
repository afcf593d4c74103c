"""OGC API - Features at /ogc/: Part 1 (core, GeoJSON), Part 2 (CRS), Part 3 (CQL2 text and JSON filters) and
Part 4 (create, replace, update, delete with ETags) for the published layers. No personal data is published.

Plain Django views returning GeoJSON; geometry is serialised by PostGIS (ST_AsGeoJSON) in the requested CRS.
Every door names only what is published: a filter, sortby or properties may use only the collection's queryables
(the parsed filter is checked before any query is built); an edit needs the ETag it was made on (If-Match) and
never sets a plot's status, which follows the allocation workflow.
"""

import hashlib
import json
import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.contrib.gis.db.models import GeometryField
from django.contrib.gis.db.models.functions import AsGeoJSON, Transform
from django.contrib.gis.gdal import GDALException
from django.contrib.gis.geos import GEOSException, GEOSGeometry, MultiPolygon
from django.core.exceptions import EmptyResultSet, PermissionDenied, ValidationError
from django.db import DataError, connection, transaction
from django.db.models import F, Func, Q, QuerySet
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from pygeofilter import ast, values
from pygeofilter.backends.django.evaluate import DjangoFilterEvaluator
from pygeofilter.backends.django.filters import UNITS_LOOKUP
from pygeofilter.backends.evaluator import handle
from pygeofilter.parsers.cql2_json import parse as parse_cql2_json
from pygeofilter.parsers.cql2_text import parse as parse_cql2

from api.auth import request_user
from api.errors import validation_error_body
from landreg import roles
from landreg.scope import filter_by_scope, province_ids_in_scope
from landreg.sharing import provinces_shared_with
from parcels.models import AdminArea
from shelters.selectors import shelter_stage
from townships import services
from townships.models import Block, Facility, Plot, Township

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG = "http://www.opengis.net/def/crs/EPSG/0/{}"
# srid by CRS URI; EPSG:4326 is served in its official latitude, longitude axis order.
CRS = {CRS84: 4326, **{EPSG.format(srid): srid for srid in (4326, 3857, 32641, 32642, 32643)}}
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-operators",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/features",
]
EDITORS = (roles.GIS_SPECIALIST, roles.ADMINISTRATOR)
GEOJSON = "application/geo+json"
SPATIAL = "geometry"  # the one spatial queryable: the feature's geometry
MAX_LIMIT, MAX_OFFSET = 10_000, 1_000_000_000
MAX_FILTER_LENGTH, MAX_FILTER_DEPTH = 100_000, 50
# What a client may send as a feature's geometry, by collection (the column types).
GEOMETRY_TYPES = {
    "townships": ("Polygon", "MultiPolygon"),
    "blocks": ("Polygon",),
    "plots": ("Polygon",),
    "facilities": ("Point",),
}


class Refused(Exception):
    def __init__(self, status: int, detail: str, **extra):
        super().__init__(detail)
        self.status, self.detail, self.extra = status, detail, extra


class FlipCoordinates(Func):
    function = "ST_FlipCoordinates"
    output_field = GeometryField()


@dataclass
class Collection:
    id: str
    title: str
    model: type
    properties: dict  # property name -> ORM lookup (read)
    province_field: str
    township_field: str | None = None
    editable: bool = False
    types: dict = field(default_factory=dict)  # property name -> JSON schema type for queryables
    annotations: dict = field(default_factory=dict)  # computed properties (read-only), by name

    def queryset(self, user) -> QuerySet:
        qs = self.model.objects.all()
        if self.annotations:
            qs = qs.annotate(**self.annotations)
        if self.model is AdminArea:
            qs = qs.filter(level=AdminArea.Level.PROVINCE)
        elif (shared := provinces_shared_with(user, "township_layout")) is not None:  # a partner: under an agreement
            qs = qs.filter(**{f"{self.province_field}__in": shared})
        return filter_by_scope(qs, user, province_field=self.province_field, township_field=self.township_field)


# The construction stage a plot's shelter has passed: one definition, in shelters.selectors.
SHELTER_STAGE = shelter_stage()

COLLECTIONS = {
    c.id: c
    for c in [
        Collection(
            "townships",
            "Townships",
            Township,
            {
                "code": "code",
                "name": "name",
                "name_prs": "name_prs",
                "name_ps": "name_ps",
                "province": "province__pcode",
                "legal_basis": "legal_basis",
                "status": "status",
                "utm_srid": "utm_srid",
            },
            "province",
            "pk",
            editable=True,
            types={"utm_srid": "integer"},
        ),
        Collection(
            "blocks",
            "Blocks",
            Block,
            {"code": "code", "township": "township__code"},
            "township__province",
            "township",
            editable=True,
        ),
        Collection(
            "plots",
            "Plots",
            Plot,
            {
                "number": "number",
                "township": "township__code",
                "block": "block__code",
                "use": "use",
                "status": "status",
                "area_m2": "area_m2",
                "shelter_stage": "shelter_stage",
            },
            "township__province",
            "township",
            editable=True,
            types={"area_m2": "number"},
            annotations={"shelter_stage": SHELTER_STAGE},
        ),
        Collection(
            "facilities",
            "Facilities",
            Facility,
            {"kind": "kind", "name": "name", "functional": "functional", "township": "township__code"},
            "township__province",
            "township",
            editable=True,
            types={"functional": "boolean"},
        ),
        Collection(
            "provinces",
            "Provinces",
            AdminArea,
            {"pcode": "pcode", "name_en": "name_en", "name_prs": "name_prs", "name_ps": "name_ps"},
            "pk",
        ),
    ]
}


# --- helpers -------------------------------------------------------------------------------------------------


def _json(request, body, status=200, content_type="application/json", headers=None):
    response = JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = content_type
    for key, value in (headers or {}).items():
        response[key] = value
    return response


def _problem(status: int, detail: str, **extra):
    body = {
        "title": {
            400: "Bad request",
            403: "Forbidden",
            404: "Not found",
            409: "Conflict",
            412: "Precondition failed",
            428: "Precondition required",
            415: "Unsupported media type",
            401: "Unauthorized",
        }.get(status, "Error"),
        "status": status,
        "detail": detail,
        **extra,
    }
    response = _json(None, body, status=status, content_type="application/problem+json")
    if status == 401:
        response["WWW-Authenticate"] = 'Basic realm="landreg"'
    return response


def _base(request) -> str:
    return request.build_absolute_uri("/ogc").rstrip("/")


def _user(request):
    user = request_user(request)
    if not user.is_authenticated:
        raise Refused(401, _("Log in (session or HTTP Basic) to read the published layers."))
    return user


def _collection(name: str) -> Collection:
    if name not in COLLECTIONS:
        raise Refused(
            404, _("There is no collection “%(c)s”. Collections: %(all)s.") % {"c": name, "all": ", ".join(COLLECTIONS)}
        )
    return COLLECTIONS[name]


def _crs(uri: str | None, what: str) -> tuple[int, bool]:
    """(srid, latitude first?) for a CRS URI; CRS84 when none is given."""
    uri = (uri or CRS84).strip().strip("<>")
    if uri not in CRS:
        raise Refused(
            400,
            _("%(what)s “%(uri)s” is not supported. Use one of: %(all)s.")
            % {"what": what, "uri": uri, "all": ", ".join(CRS)},
        )
    return CRS[uri], uri == EPSG.format(4326)


def _can_edit(user, collection: Collection, township: Township | None = None) -> bool:
    if not collection.editable or not roles.has_role(user, *EDITORS):
        return False
    if township is None:
        return True
    provinces = province_ids_in_scope(user)
    return provinces is None or township.province_id in provinces


def _etag(feature: dict) -> str:
    return '"' + hashlib.sha256(json.dumps(feature, sort_keys=True, default=str).encode()).hexdigest()[:32] + '"'


def _features(collection: Collection, qs: QuerySet, srid: int, lat_first: bool) -> list[dict]:
    geom = Transform("geom", srid) if srid != 4326 else FlipCoordinates("geom") if lat_first else "geom"
    precision = 9 if srid == 4326 else 3  # 9 decimals of a degree: under a millimetre
    missing = {k: v for k, v in collection.annotations.items() if k not in qs.query.annotations}
    rows = (
        qs.annotate(**missing)
        .annotate(_geometry=AsGeoJSON(geom, precision=precision))
        .values("pk", "_geometry", *collection.properties.values())
    )
    out = []
    for row in rows:
        props = {name: row[lookup] for name, lookup in collection.properties.items()}
        for name, value in props.items():
            if value is not None and not isinstance(value, (str, int, float, bool)):
                props[name] = float(value) if collection.types.get(name) == "number" else str(value)
        out.append(
            {
                "type": "Feature",
                "id": row["pk"],
                "geometry": json.loads(row["_geometry"]) if row["_geometry"] else None,
                "properties": props,
            }
        )
    return out


def feature_page_sql(
    collection: Collection,
    qs: QuerySet,
    srid: int,
    lat_first: bool,
    limit: int,
    *,
    names: list[str] | None = None,
    order: list[tuple[str, bool]] = (),
):
    """SQL (and params) that returns a page of features as GeoJSON text built by PostgreSQL itself
    (json_build_object, ST_AsGeoJSON), so Python never parses or re-encodes a geometry. The row holds the
    features JSON array, how many, and whether there are more. bench/ogc_items.py runs the same SQL.
    names: the properties to include (all by default); order: (property, descending?) pairs, which qs must be
    ordered by too (then by pk)."""
    geom = Transform("geom", srid) if srid != 4326 else FlipCoordinates("geom") if lat_first else "geom"
    precision = 9 if srid == 4326 else 3
    names = list(collection.properties) if names is None else names
    aliases = {name: f"p_{i}" for i, name in enumerate(collection.properties)}
    rows = qs.annotate(
        _fid=F("pk"),
        _geometry=AsGeoJSON(geom, precision=precision),
        **{alias: F(collection.properties[name]) for name, alias in aliases.items()},
    ).values("_fid", "_geometry", *aliases.values())
    inner, params = rows.query.sql_with_params()
    # Names come from the collection's declaration, never from the request: only the choice among them does.
    properties = "json_build_object(" + ", ".join(f"'{name}', page.{aliases[name]}" for name in names) + ")"
    sort = [f"numbered.{aliases[name]} {'DESC' if descending else 'ASC'}" for name, descending in order]
    wrapped = (
        "SELECT coalesce(json_agg(json_build_object('type', 'Feature', 'id', page._fid, "
        "'geometry', page._geometry::json, 'properties', " + properties + ") ORDER BY page.n) "
        "FILTER (WHERE page.n <= %s), '[]'::json)::text, count(*) FILTER (WHERE page.n <= %s), count(*) > %s "
        "FROM (SELECT numbered.*, row_number() OVER (ORDER BY " + ", ".join([*sort, "numbered._fid"]) + ") AS n "
        "FROM (" + inner + ") numbered) page"
    )
    return wrapped, [limit, limit, limit, *params]  # the limits come first in the text


def _feature_page_json(collection: Collection, qs: QuerySet, srid: int, lat_first: bool, limit: int, **choice):
    try:
        query = feature_page_sql(collection, qs, srid, lat_first, limit, **choice)
    except EmptyResultSet:  # an empty scope (a partner without an agreement, an account with no provinces)
        return "[]", 0, False
    try:
        with transaction.atomic(), connection.cursor() as cursor:  # a savepoint: a refused value leaves no harm
            cursor.execute(*query)
            return cursor.fetchone()
    except DataError:  # the checks above should catch every such value first; this is the last line
        raise Refused(400, _("A value in the request does not fit the property it is compared with.")) from None


def _handle(view):
    """Turn refusals into problem responses: never a 500 for a bad request."""

    def wrapped(request, *args, **kwargs):
        try:
            if any("\x00" in key + "".join(given) for key, given in request.GET.lists()):
                raise Refused(400, _("The request contains a NUL character; remove it."))
            return view(request, *args, **kwargs)
        except Refused as exc:
            return _problem(exc.status, exc.detail, **exc.extra)
        except PermissionDenied as exc:
            return _problem(403, str(exc) or _("You may not do this."))
        except ValidationError as exc:
            body, status = validation_error_body(exc)
            errors = {("geometry" if name == "geom" else name): e for name, e in body["errors"].items()}  # as published
            return _problem(status, body["detail"], rules=body["codes"], errors=errors)

    wrapped.__name__ = view.__name__
    return csrf_exempt(wrapped)  # HTTP Basic clients (QGIS, GDAL) carry no CSRF token; sessions are same-site


# --- Part 1: landing, conformance, collections, items -------------------------------------------------------


@_handle
def landing(request):
    base = _base(request)
    return _json(
        request,
        {
            "title": "landreg — land allocation and townships",
            "description": "Townships, blocks, plots, facilities and provinces. No personal data.",
            "links": [
                {"href": f"{base}/", "rel": "self", "type": "application/json", "title": "This document"},
                {"href": f"{base}/api", "rel": "service-desc", "type": "application/vnd.oai.openapi+json;version=3.0"},
                {"href": f"{base}/conformance", "rel": "conformance", "type": "application/json"},
                {"href": f"{base}/collections", "rel": "data", "type": "application/json"},
            ],
        },
    )


@_handle
def conformance(request):
    return _json(request, {"conformsTo": CONFORMANCE})


def _describe(request, collection: Collection, user) -> dict:
    base = _base(request)
    qs = collection.queryset(user)
    from django.contrib.gis.db.models import Extent

    extent = qs.aggregate(e=Extent("geom"))["e"]
    body = {
        "id": collection.id,
        "title": collection.title,
        "itemType": "feature",
        "crs": list(CRS),
        "storageCrs": EPSG.format(4326),
        "links": [
            {"href": f"{base}/collections/{collection.id}", "rel": "self", "type": "application/json"},
            {"href": f"{base}/collections/{collection.id}/items", "rel": "items", "type": GEOJSON},
            {
                "href": f"{base}/collections/{collection.id}/queryables",
                "rel": "http://www.opengis.net/def/rel/ogc/1.0/queryables",
                "type": "application/schema+json",
            },
        ],
    }
    if extent:
        body["extent"] = {"spatial": {"bbox": [list(extent)], "crs": CRS84}}
    return body


@_handle
def collections(request):
    user = _user(request)
    base = _base(request)
    return _json(
        request,
        {
            "links": [{"href": f"{base}/collections", "rel": "self", "type": "application/json"}],
            "collections": [_describe(request, c, user) for c in COLLECTIONS.values()],
        },
    )


@_handle
def collection(request, name):
    return _json(request, _describe(request, _collection(name), _user(request)))


@_handle
def queryables(request, name):
    c = _collection(name)
    _user(request)
    props = {p: {"type": c.types.get(p, "string"), "title": p} for p in c.properties}
    props["geometry"] = {"$ref": "https://geojson.org/schema/Geometry.json"}
    return _json(
        request,
        {
            "$schema": "https://json-schema.org/draft/2019-09/schema",
            "type": "object",
            "$id": f"{_base(request)}/collections/{name}/queryables",
            "properties": props,
        },
        content_type="application/schema+json",
    )


def _queryables_text(c: Collection) -> str:
    return ", ".join([*c.properties, SPATIAL])


def _not_queryable(c: Collection) -> Refused:
    # Names only the queryables, never the name that was sent nor any model field: no map of what lies behind.
    return Refused(
        400,
        _("A filter may use only the queryables of %(c)s: %(q)s.") % {"c": c.id, "q": _queryables_text(c)},
    )


def _finite(*numbers) -> bool:
    try:
        return all(isinstance(n, (int, float)) and not isinstance(n, bool) and math.isfinite(n) for n in numbers)
    except OverflowError:  # an integer too large for a float
        return False


def _geometry(geojson, srid: int, lat_first: bool, what: str, types=None, valid=False) -> GEOSGeometry:
    """A client's GeoJSON geometry in storage coordinates (EPSG:4326, longitude first), or a 400 saying what to fix:
    a kind the layer cannot hold, an empty one, 3D, or coordinates that lie outside the earth."""
    refuse = Refused(400, _("%(what)s is not a valid GeoJSON geometry.") % {"what": what})
    if not isinstance(geojson, dict):
        raise refuse
    try:
        geom = GEOSGeometry(json.dumps(geojson, allow_nan=False))
    except (GEOSException, GDALException, ValueError, TypeError, RecursionError):
        raise refuse from None
    if types and geom.geom_type not in types:
        raise Refused(400, _("%(what)s must be a %(types)s.") % {"what": what, "types": _(" or ").join(types)})
    if geom.empty:
        raise Refused(400, _("%(what)s is empty; draw it before sending it.") % {"what": what})
    if geom.hasz:
        raise Refused(400, _("%(what)s has 3D coordinates; send two coordinates per point.") % {"what": what})
    outside = Refused(
        400,
        _("%(what)s lies outside the earth in the coordinate system given; check the coordinates and the CRS.")
        % {"what": what},
    )
    if not _finite(*geom.extent):
        raise outside
    geom.srid = srid
    if lat_first:
        geom = _flip(geom)
    if srid != 4326:
        try:
            geom.transform(4326)
        except (GEOSException, GDALException, ValueError):
            raise outside from None
    x0, y0, x1, y1 = geom.extent
    if not _finite(x0, y0, x1, y1) or x0 < -180 or x1 > 180 or y0 < -90 or y1 > 90:
        raise outside
    if valid and not geom.valid:
        raise Refused(400, _("%(what)s is not valid (%(why)s).") % {"what": what, "why": geom.valid_reason})
    return geom


NUMERIC = {"number", "integer"}


def _kind(node, c: Collection) -> str:
    """The type of a filter operand: a queryable's declared type, or a literal's. Anything else is refused."""
    if isinstance(node, ast.Attribute):
        if not isinstance(node.name, str) or (node.name not in c.properties and node.name != SPATIAL):
            raise _not_queryable(c)
        return "geometry" if node.name == SPATIAL else c.types.get(node.name, "string")
    if isinstance(node, bool):
        return "boolean"
    if isinstance(node, int):
        return "integer"
    if isinstance(node, float):
        if not math.isfinite(node):
            raise Refused(400, _("Numbers in a filter must be finite."))
        return "number"
    if isinstance(node, str):
        return "string"
    if isinstance(node, (values.Geometry, values.Envelope)):
        return "geometry"
    if isinstance(node, (date, datetime, time, timedelta, values.Interval)):
        return "temporal"
    raise Refused(
        400,
        _("A filter here compares queryables with values; arithmetic, functions and arrays are not supported."),
    )


def _same_kind(c: Collection, *operands) -> str:
    """Refuse operands that PostgreSQL could not compare (text with a number…); give their common type."""
    kinds = [_kind(operand, c) for operand in operands]
    if not any(isinstance(operand, ast.Attribute) for operand in operands):
        raise Refused(400, _("Each comparison in a filter needs a queryable: %(q)s.") % {"q": _queryables_text(c)})
    if len(set(kinds)) > 1 and not set(kinds) <= NUMERIC:
        names = ", ".join(
            f"{operand.name} ({_kind(operand, c)})" for operand in operands if isinstance(operand, ast.Attribute)
        )
        raise Refused(
            400,
            _("A filter compares a queryable with a value of another type: %(names)s. Quote text, not numbers.")
            % {"names": names},
        )
    return kinds[0]


def _check_filter(node, c: Collection, depth: int = 0) -> None:
    """Walk the parsed filter and refuse, before any query is built, any name that is not a queryable of the
    collection and any operation that does not fit its operands: whatever the operator and the encoding."""
    if depth > MAX_FILTER_DEPTH:
        raise Refused(400, _("The filter is nested too deeply; simplify it."))
    if isinstance(node, ast.Not):
        return _check_filter(node.sub_node, c, depth + 1)
    if isinstance(node, (ast.And, ast.Or)):
        _check_filter(node.lhs, c, depth + 1)
        return _check_filter(node.rhs, c, depth + 1)
    if isinstance(node, ast.Comparison):
        if _same_kind(c, node.lhs, node.rhs) in ("geometry", "temporal"):
            raise Refused(400, _("Compare the geometry with the spatial operators (S_INTERSECTS…)."))
    elif isinstance(node, ast.Between):
        if _same_kind(c, node.lhs, node.low, node.high) not in NUMERIC | {"string"}:
            raise Refused(400, _("BETWEEN needs a number or text queryable."))
    elif isinstance(node, ast.Like):
        if not isinstance(node.lhs, ast.Attribute) or not isinstance(node.pattern, str):
            raise Refused(400, _("LIKE compares a text queryable with a quoted pattern."))
        if _same_kind(c, node.lhs, node.pattern) != "string":
            raise Refused(400, _("LIKE compares a text queryable with a quoted pattern."))
    elif isinstance(node, ast.In):
        if not isinstance(node.lhs, ast.Attribute) or not node.sub_nodes:
            raise Refused(400, _("IN compares a queryable with a list of values."))
        for option in node.sub_nodes:
            if _same_kind(c, node.lhs, option) in ("geometry", "temporal"):
                raise Refused(400, _("IN compares a queryable with a list of values."))
    elif isinstance(node, ast.IsNull):
        if not isinstance(node.lhs, ast.Attribute):
            raise Refused(400, _("IS NULL applies to a queryable."))
        _kind(node.lhs, c)
    elif isinstance(node, (ast.SpatialComparisonPredicate, ast.Relate, ast.SpatialDistancePredicate)):
        operands = (node.lhs, node.rhs)
        attributes = [operand for operand in operands if isinstance(operand, ast.Attribute)]
        if _same_kind(c, *operands) != "geometry" or len(attributes) != 1:
            raise Refused(400, _("A spatial operator compares the queryable %(g)s with a geometry.") % {"g": SPATIAL})
        if isinstance(node, ast.Relate) and not (
            isinstance(node.pattern, str) and len(node.pattern) == 9 and set(node.pattern) <= set("TF012*")
        ):
            raise Refused(400, _("S_RELATE needs a pattern of nine characters among T, F, 0, 1, 2 and *."))
        if isinstance(node, ast.SpatialDistancePredicate) and not (
            _finite(node.distance) and node.distance >= 0 and isinstance(node.units, str) and node.units in UNITS_LOOKUP
        ):
            raise Refused(400, _("A distance must be a positive number of meters or kilometers."))
    elif isinstance(node, ast.BBox):
        if not isinstance(node.lhs, ast.Attribute) or _kind(node.lhs, c) != "geometry":
            raise Refused(400, _("BBOX applies to the queryable %(g)s.") % {"g": SPATIAL})
        if not _finite(node.minx, node.miny, node.maxx, node.maxy):
            raise Refused(400, _("BBOX needs four finite numbers."))
    else:
        raise Refused(
            400,
            _(
                "This filter uses an operator that is not supported here. Use comparisons, LIKE, IN, BETWEEN, "
                "IS NULL and the spatial operators, combined with AND, OR and NOT."
            ),
        )


class _QueryableFilter(DjangoFilterEvaluator):
    """pygeofilter's translation to Django, with names mapped only through the queryables (never handed to the
    ORM as they came) and geometry literals read in the filter's CRS."""

    def __init__(self, c: Collection, srid: int, lat_first: bool):
        super().__init__({**c.properties, SPATIAL: "geom"}, None)
        self.srid, self.lat_first = srid, lat_first

    @handle(ast.Attribute)
    def attribute(self, node):
        return F(self.field_mapping[node.name])  # _check_filter refused every other name

    @handle(values.Geometry)
    def geometry(self, node):
        return _geometry(node.geometry, self.srid, self.lat_first, _("A geometry in the filter"), valid=True)

    @handle(values.Envelope)
    def envelope(self, node):
        return _geometry(node.geometry, self.srid, self.lat_first, _("A box in the filter"))

    @handle(ast.BBox)
    def bbox(self, node, lhs):
        srid, lat_first = (self.srid, self.lat_first) if node.crs is None else _crs(str(node.crs), "BBOX crs")
        corners = values.Envelope(node.minx, node.maxx, node.miny, node.maxy).geometry
        return Q(**{f"{lhs.name}__bboverlaps": _geometry(corners, srid, lat_first, _("A box in the filter"))})

    @handle(ast.Like)
    def like(self, node, lhs):
        if not node.pattern.replace("%", ""):  # only wildcards: any value
            q = Q(**{f"{lhs.name}__isnull": False})
            return ~q if node.not_ else q
        return super().like(node, lhs)


def _standard_between(node):
    """CQL2 JSON writes BETWEEN with three arguments; pygeofilter 0.4 reads the draft's [value, [low, high]]."""
    if isinstance(node, list):
        return [_standard_between(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _standard_between(value) for key, value in node.items()}
    if node.get("op") == "between" and isinstance(node.get("args"), list) and len(node["args"]) == 3:
        node["args"] = [node["args"][0], node["args"][1:]]
    return node


def _filter_q(c: Collection, text: str, lang: str, srid: int, lat_first: bool) -> Q:
    parsers = {"cql2-text": parse_cql2, "cql2-json": lambda t: parse_cql2_json(_standard_between(json.loads(t)))}
    if lang not in parsers:
        raise Refused(400, _("filter-lang must be cql2-text or cql2-json."))
    if len(text) > MAX_FILTER_LENGTH:
        raise Refused(400, _("The filter is too long; simplify it or use bbox."))
    not_understood = Refused(
        400,
        _("The filter could not be understood: check its %(lang)s syntax. Queryables: %(q)s.")
        % {"lang": lang, "q": _queryables_text(c)},
    )
    try:
        tree = parsers[lang](text)
    except Exception:  # the parsers raise many kinds (lark, KeyError, ValueError…); all mean "fix the filter"
        raise not_understood from None
    try:
        _check_filter(tree, c)
        return _QueryableFilter(c, srid, lat_first).evaluate(tree)
    except Refused:
        raise
    except Exception:  # a combination the checks let through but the translator cannot express
        raise not_understood from None


def _typed(c: Collection, name: str, value: str):
    """A property's value from the query string, in the property's type."""
    kind = c.types.get(name, "string")
    try:
        if kind == "number":
            number = float(value)
            assert math.isfinite(number)
            return number
        if kind == "integer":
            return int(value)
        if kind == "boolean":
            return {"true": True, "false": False}[value.lower()]
    except (ValueError, AssertionError, KeyError):
        raise Refused(400, _("%(p)s must be a %(t)s.") % {"p": name, "t": kind}) from None
    return value


def _names(c: Collection, params, key: str, *, signed: bool = False) -> list[str]:
    """The published properties a parameter names (sortby: each with an optional + or -); nothing else."""
    names = [n.strip() for n in params.get(key, "").split(",") if n.strip()]
    if any((n.lstrip("+-") if signed else n) not in c.properties for n in names):
        raise Refused(
            400,
            _("%(key)s may name only these properties of %(c)s: %(p)s.")
            % {"key": key, "c": c.id, "p": ", ".join(c.properties)},
        )
    return names


def _filtered(request, c: Collection, user) -> QuerySet:
    qs = c.queryset(user)
    params = request.GET
    if "datetime" in params:
        raise Refused(400, _("These layers have no time property; leave out datetime."))
    if bbox := params.get("bbox"):
        try:
            numbers = [float(v) for v in bbox.split(",")]
            assert len(numbers) == 4 and _finite(*numbers)
        except (ValueError, AssertionError):
            raise Refused(400, _("bbox must be four finite numbers: minx,miny,maxx,maxy.")) from None
        srid, lat_first = _crs(params.get("bbox-crs"), "bbox-crs")
        corners = values.Envelope(numbers[0], numbers[2], numbers[1], numbers[3]).geometry
        qs = qs.filter(geom__bboverlaps=_geometry(corners, srid, lat_first, "bbox"))  # an SRID, always
    elif "bbox-crs" in params:
        _crs(params["bbox-crs"], "bbox-crs")
    for name, lookup in c.properties.items():
        if name in params:
            qs = qs.filter(**{lookup: _typed(c, name, params[name])})
    srid, lat_first = _crs(params.get("filter-crs"), "filter-crs")
    if text := params.get("filter"):
        qs = qs.filter(_filter_q(c, text, params.get("filter-lang", "cql2-text"), srid, lat_first))
    return qs


@_handle
def items(request, name):
    c = _collection(name)
    user = _user(request)
    if request.method == "OPTIONS":
        return _options(["GET", "HEAD", "OPTIONS"] + (["POST"] if _can_edit(user, c) else []))
    if request.method == "POST":
        return _create(request, c, user)
    try:
        limit, offset = int(request.GET.get("limit", 100)), int(request.GET.get("offset", 0))
        assert 0 < limit <= MAX_OFFSET and 0 <= offset <= MAX_OFFSET
        limit = min(limit, MAX_LIMIT)  # more is asked: a full page is sent
    except (ValueError, AssertionError):
        raise Refused(
            400,
            _("limit must be a whole number from 1 to %(o)s (at most %(l)s are sent) and offset one from 0 to %(o)s.")
            % {"l": MAX_LIMIT, "o": MAX_OFFSET},
        ) from None
    srid, lat_first = _crs(request.GET.get("crs"), "crs")
    order = [(n.lstrip("+-"), n.startswith("-")) for n in _names(c, request.GET, "sortby", signed=True)]
    names = _names(c, request.GET, "properties") if "properties" in request.GET else None
    sort = [("-" if descending else "") + c.properties[name] for name, descending in order]
    qs = _filtered(request, c, user).order_by(*sort, "pk")[offset : offset + limit + 1]
    features, returned, more = _feature_page_json(c, qs, srid, lat_first, limit, names=names, order=order)
    base = f"{_base(request)}/collections/{name}/items"
    query = request.GET.copy()
    links = [{"href": f"{base}?{query.urlencode()}", "rel": "self", "type": GEOJSON}]
    if more:
        query["offset"], query["limit"] = offset + limit, limit
        links.append({"href": f"{base}?{query.urlencode()}", "rel": "next", "type": GEOJSON})
    if offset:
        query["offset"], query["limit"] = max(0, offset - limit), limit
        links.append({"href": f"{base}?{query.urlencode()}", "rel": "prev", "type": GEOJSON})
    body = (
        '{"type": "FeatureCollection", "features": '
        + features
        + f', "numberReturned": {returned}, "links": '
        + json.dumps(links)
        + "}"
    )
    response = HttpResponse(body, content_type=GEOJSON)
    response["Content-Crs"] = f"<{request.GET.get('crs', CRS84)}>"
    return response


# --- Part 4: one feature, and editing ---------------------------------------------------------------------------


def _one(c: Collection, user, pk) -> tuple[object, dict]:
    try:
        obj = c.queryset(user).get(pk=int(pk))
    except (c.model.DoesNotExist, ValueError):
        raise Refused(404, _("No feature %(id)s in %(c)s within your scope.") % {"id": pk, "c": c.id}) from None
    feature = _features(c, c.model.objects.filter(pk=obj.pk), 4326, False)[0]
    return obj, feature


def _options(allowed: list[str]):
    response = HttpResponse(status=204)
    response["Allow"] = ", ".join(allowed)
    response["Access-Control-Allow-Methods"] = response["Allow"]
    return response


@_handle
def item(request, name, pk):
    c = _collection(name)
    user = _user(request)
    obj, feature = _one(c, user, pk)
    township = obj if isinstance(obj, Township) else getattr(obj, "township", None)
    editable = _can_edit(user, c, township)
    if request.method == "OPTIONS":
        return _options(["GET", "HEAD", "OPTIONS"] + (["PUT", "PATCH", "DELETE"] if editable else []))
    if request.method in ("GET", "HEAD"):
        srid, lat_first = _crs(request.GET.get("crs"), "crs")
        shown = (
            _features(c, c.model.objects.filter(pk=obj.pk), srid, lat_first)[0]
            if srid != 4326 or lat_first
            else feature
        )
        etag = _etag(feature)  # of the stored feature, before links are added
        shown = {
            **shown,
            "links": [{"href": f"{_base(request)}/collections/{name}/items/{obj.pk}", "rel": "self", "type": GEOJSON}],
        }
        if request.headers.get("If-None-Match") == etag:
            return HttpResponse(status=304)
        return _json(
            request,
            shown,
            content_type=GEOJSON,
            headers={"ETag": etag, "Content-Crs": f"<{request.GET.get('crs', CRS84)}>"},
        )
    if not editable:
        raise Refused(403, _("Your role or provinces do not allow editing %(c)s here.") % {"c": c.id})
    if request.method not in ("PUT", "PATCH", "DELETE"):
        raise Refused(400, _("Method %(m)s is not supported here.") % {"m": request.method})
    _require_if_match(request, feature)
    if request.method == "DELETE":
        services.land_record_delete(instance=obj)
        return HttpResponse(status=204)
    if request.method in ("PUT", "PATCH"):
        incoming = _read_feature(request, c)
        values = _values(c, incoming, partial=request.method == "PATCH", user=user, current=obj)
        _update(c, obj, values)
        _obj, feature = _one(c, user, obj.pk)
        return _json(request, feature, content_type=GEOJSON, headers={"ETag": _etag(feature)})
    raise Refused(400, _("Method %(m)s is not supported here.") % {"m": request.method})


def _require_if_match(request, feature: dict) -> None:
    """An edit names the version it was made on (the ETag read with the feature), so that no one overwrites a
    change they have not seen. "*" names no version and is not enough."""
    sent = request.headers.get("If-Match", "").strip()
    if not sent or sent == "*":
        raise Refused(
            428,
            _(
                "Send the feature's ETag in an If-Match header: read the feature, then edit it, so that you do not "
                "overwrite a change you have not seen."
            ),
        )
    current = _etag(feature)
    if current not in {tag.strip().removeprefix("W/") for tag in sent.split(",")}:
        raise Refused(
            412,
            _("This feature was changed by someone else since you read it; reload it and edit again."),
            etag=current,
        )


JSON_TYPES = {"application/json", "application/geo+json", "application/merge-patch+json"}


def _read_feature(request, c: Collection) -> dict:
    # The views are CSRF-exempt for HTTP Basic clients (QGIS, GDAL). A cross-site HTML form cannot send these
    # content types without a CORS preflight, which this server never grants: that keeps sessions safe too.
    if request.content_type not in JSON_TYPES:
        raise Refused(415, _("Send the feature as GeoJSON (Content-Type: application/geo+json)."))
    limit = 5 * 1024 * 1024
    too_large = Refused(400, _("A feature larger than 5 MB is not accepted; simplify the geometry."))
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise too_large from None
    if length > limit:
        raise too_large
    try:
        feature = json.loads(request.body or b"{}")
        assert isinstance(feature, dict)
    except (ValueError, AssertionError, RecursionError):
        raise Refused(400, _("Send one GeoJSON Feature as a JSON object.")) from None
    srid, lat_first = _crs(request.headers.get("Content-Crs"), "Content-Crs")
    if feature.get("geometry") is not None:
        what = _("The feature's geometry")
        feature["_geom"] = _geometry(feature["geometry"], srid, lat_first, what, types=GEOMETRY_TYPES[c.id])
    return feature


def _flip(geom: GEOSGeometry) -> GEOSGeometry:
    with connection.cursor() as cursor:
        cursor.execute("SELECT ST_AsEWKB(ST_FlipCoordinates(ST_GeomFromEWKB(%s)))", [bytes(geom.ewkb)])
        return GEOSGeometry(memoryview(bytes(cursor.fetchone()[0])))  # WKB is read from a buffer, not bytes


WRITABLE = {
    "townships": {"code", "name", "name_prs", "name_ps", "province", "legal_basis", "status"},
    "blocks": {"code", "township"},
    "plots": {"number", "township", "block", "use", "status"},
    "facilities": {"kind", "name", "functional", "township"},
}


def _values(c: Collection, feature: dict, *, partial: bool, user, current=None) -> dict:
    props = feature.get("properties") or {}
    if not isinstance(props, dict):
        raise Refused(400, _("properties must be a JSON object of property names and values."))
    unknown = set(props) - WRITABLE[c.id] - {"area_m2", "utm_srid", "shelter_stage"}  # derived: ignored, not refused
    if unknown:
        raise Refused(
            400,
            _("Unknown or read-only properties: %(p)s. Writable: %(w)s.")
            % {"p": ", ".join(sorted(unknown)), "w": ", ".join(sorted(WRITABLE[c.id]))},
        )
    values = {k: v for k, v in props.items() if k in WRITABLE[c.id]}
    for name, value in values.items():
        if name == "functional":
            if not isinstance(value, bool):
                raise Refused(400, _("functional must be true or false."))
        elif not (isinstance(value, str) or (name == "block" and value is None)):
            raise Refused(400, _("%(p)s must be text.") % {"p": name})
        elif value and "\x00" in value:
            raise Refused(400, _("%(p)s contains a NUL character; remove it.") % {"p": name})
    if c.id == "plots" and "status" in values:
        # A plot's status follows its allocations (proposed, approved, handed over, revoked…): a layout edit
        # may repeat it, never change it. The database refuses the change from GIS roles too.
        unchanged = current.status if current is not None else Plot.Status.PLANNED
        if values.pop("status") != unchanged:
            raise Refused(
                400,
                _(
                    "A plot's status follows the allocation workflow and cannot be set here; leave status out. "
                    "A new plot starts as %(s)s."
                )
                % {"s": Plot.Status.PLANNED},
            )
    if "_geom" in feature:
        geom = feature["_geom"]
        if c.id == "townships" and geom.geom_type == "Polygon":
            geom = MultiPolygon(geom, srid=4326)
        values["geom"] = geom
    elif not partial:
        raise Refused(400, _("A feature needs a geometry."))
    if "township" in values:
        try:
            values["township"] = Township.objects.get(code=values["township"])
        except Township.DoesNotExist:
            raise Refused(400, _("No township with code “%(c)s”.") % {"c": values["township"]}) from None
        if not _can_edit(user, c, values["township"]):
            raise Refused(403, _("Township %(t)s is outside your provinces.") % {"t": values["township"]})
    if "province" in values:
        values["province"] = AdminArea.objects.filter(pcode=values["province"], level="province").first()
        if values["province"] is None:
            raise Refused(400, _("province must be a province p-code such as AF06."))
    if c.id == "plots" and values.get("block") not in (None, ""):
        township = values.get("township")
        block = Block.objects.filter(code=values["block"], township=township).first() if township else None
        if block is None and township is None:
            raise Refused(400, _("Give the township with the block code."))
        if block is None:
            raise Refused(400, _("Township %(t)s has no block “%(b)s”.") % {"t": township, "b": values["block"]})
        values["block"] = block
    elif "block" in values:
        values["block"] = None
    return values


def _create(request, c: Collection, user):
    if not _can_edit(user, c):
        raise Refused(403, _("Your role does not allow adding %(c)s.") % {"c": c.id})
    values = _values(c, _read_feature(request, c), partial=False, user=user)
    if c.id == "townships":
        if not values.get("province") or not _can_edit(user, c, Township(province=values["province"])):
            raise Refused(403, _("You may add townships only in your provinces."))
        obj = services.township_create(**values)
    elif "township" not in values:
        raise Refused(400, _("Give the township code in the properties."))
    elif c.id == "blocks":
        obj = services.block_create(**values)
    elif c.id == "plots":
        obj = services.plot_create(**values)
    else:
        obj = services.facility_create(**values)
    _obj, feature = _one(c, user, obj.pk)
    location = f"{_base(request)}/collections/{c.id}/items/{obj.pk}"
    return _json(
        request, feature, status=201, content_type=GEOJSON, headers={"Location": location, "ETag": _etag(feature)}
    )


def _update(c: Collection, obj, values: dict) -> None:
    update = {
        "townships": lambda: services.township_update(township=obj, **values),
        "blocks": lambda: services.block_update(block=obj, **values),
        "plots": lambda: services.plot_update(plot=obj, **values),
        "facilities": lambda: services.facility_update(facility=obj, **values),
    }
    update[c.id]()


@_handle
def openapi(request):
    """A compact OpenAPI 3.0 description of this service."""
    paths = {
        "/": {"get": {"summary": "Landing page", "responses": {"200": {"description": "Links"}}}},
        "/conformance": {"get": {"summary": "Conformance classes", "responses": {"200": {"description": "OK"}}}},
        "/collections": {"get": {"summary": "Collections", "responses": {"200": {"description": "OK"}}}},
    }
    for cid, c in COLLECTIONS.items():
        parameters = [
            {
                "name": "limit",
                "in": "query",
                "schema": {"type": "integer", "minimum": 1, "maximum": 10000, "default": 100},
            },
            {
                "name": "offset",
                "in": "query",
                "schema": {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0},
            },
            *(
                {"name": n, "in": "query", "schema": {"type": "string"}}
                for n in ("bbox", "bbox-crs", "crs", "filter", "filter-crs")
            ),
            {"name": "filter-lang", "in": "query", "schema": {"type": "string", "enum": ["cql2-text", "cql2-json"]}},
            # Published properties only, comma-separated; sortby takes an optional + or - before each.
            *(
                {"name": n, "in": "query", "schema": {"type": "string"}, "description": ", ".join(c.properties)}
                for n in ("sortby", "properties")
            ),
            # Equality filters on each property (Part 1 "parameters for filtering on feature properties").
            *({"name": p, "in": "query", "schema": {"type": c.types.get(p, "string")}} for p in c.properties),
        ]
        paths[f"/collections/{cid}/items"] = {
            "get": {
                "summary": f"{cid}: features",
                "parameters": parameters,
                "responses": {"200": {"description": "GeoJSON FeatureCollection"}},
            }
        }
        paths[f"/collections/{cid}/items/{{featureId}}"] = {
            "get": {
                "summary": f"{cid}: one feature",
                "parameters": [{"name": "featureId", "in": "path", "required": True, "schema": {"type": "integer"}}],
                "responses": {"200": {"description": "GeoJSON Feature"}},
            }
        }
    return _json(
        request,
        {
            "openapi": "3.0.3",
            "info": {"title": "landreg OGC API - Features", "version": "1"},
            "servers": [{"url": _base(request)}],
            "paths": paths,
        },
        content_type="application/vnd.oai.openapi+json;version=3.0",
    )
