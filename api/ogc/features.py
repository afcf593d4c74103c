"""Features in and out: GeoJSON serialised by PostGIS (ST_AsGeoJSON) in the requested CRS, a page of features
built as JSON text by PostgreSQL itself, a feature's ETag, and a client's GeoJSON geometry checked and brought to
storage coordinates."""

import hashlib
import json
import math
from contextlib import nullcontext

from django.contrib.gis.db.models import GeometryField
from django.contrib.gis.db.models.functions import AsGeoJSON, Transform
from django.contrib.gis.gdal import GDALException
from django.contrib.gis.geos import GEOSException, GEOSGeometry
from django.core.exceptions import EmptyResultSet
from django.db import DataError, connection, transaction
from django.db.models import F, Func, QuerySet
from django.utils.translation import gettext as _

from api.ogc.collections import Collection
from api.ogc.problems import Refused


class FlipCoordinates(Func):
    function = "ST_FlipCoordinates"
    output_field = GeometryField()


def feature_etag(feature: dict) -> str:
    return '"' + hashlib.sha256(json.dumps(feature, sort_keys=True, default=str).encode()).hexdigest()[:32] + '"'


def features(collection: Collection, qs: QuerySet, srid: int, lat_first: bool) -> list[dict]:
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


def stored_feature(c: Collection, user, pk) -> tuple[object, dict]:
    """The object and its feature as stored (EPSG:4326, longitude first: what its ETag is made of), if the user's
    scope holds it."""
    qs = c.queryset(user)
    if any(f.name == "township" and f.is_relation for f in c.model._meta.concrete_fields):
        qs = qs.select_related("township")  # the item view asks for it (who may edit it)
    try:
        obj = qs.get(pk=int(pk))
    except (c.model.DoesNotExist, ValueError):
        raise Refused(404, _("No feature %(id)s in %(c)s within your scope.") % {"id": pk, "c": c.id}) from None
    feature = features(c, c.model.objects.filter(pk=obj.pk), 4326, False)[0]
    return obj, feature


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
    sort = [f"numbered.{aliases[name]} {'DESC' if descending else 'ASC'} NULLS LAST" for name, descending in order]
    wrapped = (
        "SELECT coalesce(json_agg(json_build_object('type', 'Feature', 'id', page._fid, "
        "'geometry', page._geometry::json, 'properties', " + properties + ") ORDER BY page.n) "
        "FILTER (WHERE page.n <= %s), '[]'::json)::text, count(*) FILTER (WHERE page.n <= %s), count(*) > %s "
        "FROM (SELECT numbered.*, row_number() OVER (ORDER BY " + ", ".join([*sort, "numbered._fid"]) + ") AS n "
        "FROM (" + inner + ") numbered) page"
    )
    return wrapped, [limit, limit, limit, *params]  # the limits come first in the text


def feature_page_json(collection: Collection, qs: QuerySet, srid: int, lat_first: bool, limit: int, **choice):
    try:
        query = feature_page_sql(collection, qs, srid, lat_first, limit, **choice)
    except EmptyResultSet:  # an empty scope (a partner without an agreement, an account with no provinces)
        return "[]", 0, False
    try:
        # Inside a transaction, a savepoint, so that a refused value leaves it usable; outside one (a request in
        # autocommit), no savepoint and no transaction to open: a failed read harms nothing.
        with transaction.atomic() if connection.in_atomic_block else nullcontext(), connection.cursor() as cursor:
            cursor.execute(*query)
            return cursor.fetchone()
    except DataError:  # the checks above should catch every such value first; this is the last line
        raise Refused(400, _("A value in the request does not fit the property it is compared with.")) from None


def finite(*numbers) -> bool:
    try:
        return all(isinstance(n, (int, float)) and not isinstance(n, bool) and math.isfinite(n) for n in numbers)
    except OverflowError:  # an integer too large for a float
        return False


def client_geometry(geojson, srid: int, lat_first: bool, what: str, types=None, valid=False) -> GEOSGeometry:
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
    if not finite(*geom.extent):
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
    if not finite(x0, y0, x1, y1) or x0 < -180 or x1 > 180 or y0 < -90 or y1 > 90:
        raise outside
    if valid and not geom.valid:
        raise Refused(400, _("%(what)s is not valid (%(why)s).") % {"what": what, "why": geom.valid_reason})
    return geom


def _flip(geom: GEOSGeometry) -> GEOSGeometry:
    with connection.cursor() as cursor:
        cursor.execute("SELECT ST_AsEWKB(ST_FlipCoordinates(ST_GeomFromEWKB(%s)))", [bytes(geom.ewkb)])
        return GEOSGeometry(memoryview(bytes(cursor.fetchone()[0])))  # WKB is read from a buffer, not bytes
