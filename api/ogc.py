"""OGC API - Features at /ogc/: Part 1 (core, GeoJSON), Part 2 (CRS), Part 3 (CQL2 text filters) and Part 4
(create, replace, update, delete with ETags) for the published layers. No personal data is published.

Plain Django views returning GeoJSON; geometry is serialised by PostGIS (ST_AsGeoJSON) in the requested CRS.
"""

import hashlib
import json
from dataclasses import dataclass, field

from django.contrib.gis.db.models import GeometryField
from django.contrib.gis.db.models.functions import AsGeoJSON, Transform
from django.contrib.gis.geos import GEOSException, GEOSGeometry, Polygon
from django.core.exceptions import EmptyResultSet, PermissionDenied, ValidationError
from django.db import connection
from django.db.models import F, Func, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from pygeofilter.backends.django import to_filter
from pygeofilter.parsers.cql2_text import parse as parse_cql2

from api.auth import request_user
from api.errors import validation_error_body
from landreg import roles
from landreg.scope import filter_by_scope, province_ids_in_scope
from landreg.sharing import provinces_shared_with
from parcels.models import AdminArea
from shelters.models import ShelterProject
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
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-operators",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/features",
]
EDITORS = (roles.GIS_SPECIALIST, roles.ADMINISTRATOR)
GEOJSON = "application/geo+json"


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


# The construction stage a plot's shelter has passed ('not_started' before the first), from the shelter project on
# the plot; absent when no shelter is being built. Never who builds it.
SHELTER_STAGE = Subquery(
    ShelterProject.objects.filter(plot=OuterRef("pk"))
    .exclude(status=ShelterProject.Status.CANCELLED)
    .annotate(code=Coalesce("stage_reached__code", Value("not_started")))
    .values("code")[:1]
)

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


def feature_page_sql(collection: Collection, qs: QuerySet, srid: int, lat_first: bool, limit: int):
    """SQL (and params) that returns a page of features as GeoJSON text built by PostgreSQL itself
    (json_build_object, ST_AsGeoJSON), so Python never parses or re-encodes a geometry. The row holds the
    features JSON array, how many, and whether there are more. bench/ogc_items.py runs the same SQL."""
    geom = Transform("geom", srid) if srid != 4326 else FlipCoordinates("geom") if lat_first else "geom"
    precision = 9 if srid == 4326 else 3
    aliases = {name: f"p_{i}" for i, name in enumerate(collection.properties)}
    rows = qs.annotate(
        _fid=F("pk"),
        _geometry=AsGeoJSON(geom, precision=precision),
        **{alias: F(collection.properties[name]) for name, alias in aliases.items()},
    ).values("_fid", "_geometry", *aliases.values())
    inner, params = rows.query.sql_with_params()
    properties = "json_build_object(" + ", ".join(f"'{name}', page.{alias}" for name, alias in aliases.items()) + ")"
    wrapped = (
        "SELECT coalesce(json_agg(json_build_object('type', 'Feature', 'id', page._fid, "
        "'geometry', page._geometry::json, 'properties', " + properties + ") ORDER BY page._fid) "
        "FILTER (WHERE page.n <= %s), '[]'::json)::text, count(*) FILTER (WHERE page.n <= %s), count(*) > %s "
        "FROM (SELECT numbered.*, row_number() OVER (ORDER BY numbered._fid) AS n FROM (" + inner + ") numbered) page"
    )
    return wrapped, [limit, limit, limit, *params]  # the limits come first in the text


def _feature_page_json(collection: Collection, qs: QuerySet, srid: int, lat_first: bool, limit: int):
    try:
        query = feature_page_sql(collection, qs, srid, lat_first, limit)
    except EmptyResultSet:  # an empty scope (a partner without an agreement, an account with no provinces)
        return "[]", 0, False
    with connection.cursor() as cursor:
        cursor.execute(*query)
        return cursor.fetchone()


def _handle(view):
    """Turn refusals into problem responses: never a 500 for a bad request."""

    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except Refused as exc:
            return _problem(exc.status, exc.detail, **exc.extra)
        except PermissionDenied as exc:
            return _problem(403, str(exc) or _("You may not do this."))
        except ValidationError as exc:
            body, status = validation_error_body(exc)
            return _problem(status, body["detail"], rules=body["codes"], errors=body["errors"])

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


def _filtered(request, c: Collection, user) -> QuerySet:
    qs = c.queryset(user)
    params = request.GET
    if bbox := params.get("bbox"):
        try:
            numbers = [float(v) for v in bbox.split(",")]
            assert len(numbers) == 4
        except (ValueError, AssertionError):
            raise Refused(400, _("bbox must be four numbers: minx,miny,maxx,maxy.")) from None
        srid, lat_first = _crs(params.get("bbox-crs"), "bbox-crs")
        if lat_first:
            numbers = [numbers[1], numbers[0], numbers[3], numbers[2]]
        box = Polygon.from_bbox(numbers)
        box.srid = srid  # never trust a bbox without an SRID
        if srid != 4326:
            box.transform(4326)
        qs = qs.filter(geom__bboverlaps=box)
    for name, lookup in c.properties.items():
        if name in params:
            qs = qs.filter(**{lookup: params[name]})
    if text := params.get("filter"):
        if params.get("filter-lang", "cql2-text") != "cql2-text":
            raise Refused(400, _("Only filter-lang=cql2-text is supported."))
        srid, lat_first = _crs(params.get("filter-crs"), "filter-crs")
        try:
            ast = parse_cql2(text)
            mapping = {**c.properties, "geometry": "geom", "geom": "geom"}
            qs = qs.filter(to_filter(ast, field_mapping=mapping))
        except Exception as exc:  # the parser and translator raise many kinds; all mean "fix the filter"
            raise Refused(
                400,
                _("The filter could not be understood: %(e)s. Queryables: %(q)s.")
                % {"e": str(exc)[:200], "q": ", ".join(c.properties)},
            ) from None
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
        limit = min(int(request.GET.get("limit", 100)), 10000)
        offset = int(request.GET.get("offset", 0))
        assert limit > 0 and offset >= 0
    except (ValueError, AssertionError):
        raise Refused(400, _("limit must be 1 to 10000 and offset 0 or more.")) from None
    srid, lat_first = _crs(request.GET.get("crs"), "crs")
    qs = _filtered(request, c, user).order_by("pk")[offset : offset + limit + 1]
    features, returned, more = _feature_page_json(c, qs, srid, lat_first, limit)
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
    if (expected := request.headers.get("If-Match")) and expected != "*" and expected != _etag(feature):
        raise Refused(
            412,
            _("This feature was changed by someone else since you read it; reload it and edit again."),
            etag=_etag(feature),
        )
    if request.method == "DELETE":
        services.land_record_delete(instance=obj)
        return HttpResponse(status=204)
    if request.method in ("PUT", "PATCH"):
        incoming = _read_feature(request)
        values = _values(c, incoming, partial=request.method == "PATCH", user=user)
        _update(c, obj, values)
        _obj, feature = _one(c, user, obj.pk)
        return _json(request, feature, content_type=GEOJSON, headers={"ETag": _etag(feature)})
    raise Refused(400, _("Method %(m)s is not supported here.") % {"m": request.method})


JSON_TYPES = {"application/json", "application/geo+json", "application/merge-patch+json"}


def _read_feature(request) -> dict:
    # The views are CSRF-exempt for HTTP Basic clients (QGIS, GDAL). A cross-site HTML form cannot send these
    # content types without a CORS preflight, which this server never grants: that keeps sessions safe too.
    if request.content_type not in JSON_TYPES:
        raise Refused(415, _("Send the feature as GeoJSON (Content-Type: application/geo+json)."))
    limit = 5 * 1024 * 1024
    if int(request.META.get("CONTENT_LENGTH") or 0) > limit:
        raise Refused(400, _("A feature larger than 5 MB is not accepted; simplify the geometry."))
    try:
        feature = json.loads(request.body or b"{}")
        assert isinstance(feature, dict)
    except (ValueError, AssertionError):
        raise Refused(400, _("Send one GeoJSON Feature as JSON.")) from None
    srid, lat_first = _crs(request.headers.get("Content-Crs"), "Content-Crs")
    if "geometry" in feature and feature["geometry"] is not None:
        try:
            geom = GEOSGeometry(json.dumps(feature["geometry"]))
        except (GEOSException, ValueError, TypeError):
            raise Refused(400, _("The geometry is not valid GeoJSON.")) from None
        geom.srid = srid
        if lat_first:
            geom = _flip(geom)
        if srid != 4326:
            geom.transform(4326)
        feature["_geom"] = geom
    return feature


def _flip(geom: GEOSGeometry) -> GEOSGeometry:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT ST_AsEWKB(ST_FlipCoordinates(ST_GeomFromEWKB(%s)))", [bytes(geom.ewkb)])
        return GEOSGeometry(bytes(cursor.fetchone()[0]))


WRITABLE = {
    "townships": {"code", "name", "name_prs", "name_ps", "province", "legal_basis", "status"},
    "blocks": {"code", "township"},
    "plots": {"number", "township", "block", "use", "status"},
    "facilities": {"kind", "name", "functional", "township"},
}


def _values(c: Collection, feature: dict, *, partial: bool, user) -> dict:
    props = dict(feature.get("properties") or {})
    unknown = set(props) - WRITABLE[c.id] - {"area_m2", "utm_srid", "shelter_stage"}  # derived: ignored, not refused
    if unknown:
        raise Refused(
            400,
            _("Unknown or read-only properties: %(p)s. Writable: %(w)s.")
            % {"p": ", ".join(sorted(unknown)), "w": ", ".join(sorted(WRITABLE[c.id]))},
        )
    values = {k: v for k, v in props.items() if k in WRITABLE[c.id]}
    if "_geom" in feature:
        geom = feature["_geom"]
        if c.id == "townships" and geom.geom_type == "Polygon":
            from django.contrib.gis.geos import MultiPolygon

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
    values = _values(c, _read_feature(request), partial=False, user=user)
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
            {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0, "default": 0}},
            *(
                {"name": n, "in": "query", "schema": {"type": "string"}}
                for n in ("bbox", "bbox-crs", "crs", "filter", "filter-lang", "filter-crs")
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
