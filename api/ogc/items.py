"""OGC API - Features Part 1 (core, GeoJSON) and Part 2 (CRS): the landing page, conformance, the collections,
their queryables, pages of features and one feature (whose edits, Part 4, are in api.ogc.edit)."""

import json

from django.contrib.gis.db.models import Extent
from django.db.models import F
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from api.http import conditional, login_or_basic, once_per_request
from api.ogc.collections import (
    COLLECTIONS,
    CRS,
    CRS84,
    EPSG,
    MAX_LIMIT,
    MAX_OFFSET,
    Collection,
    can_edit,
    collection_named,
    crs_named,
)
from api.ogc.edit import create, edit
from api.ogc.features import feature_etag, feature_page_json, features, stored_feature
from api.ogc.filters import filtered, property_names
from api.ogc.problems import (
    GEOJSON,
    LOG_IN,
    Refused,
    base_url,
    json_response,
    options_response,
    problem,
    problems,
)
from townships.models import Township

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


@csrf_exempt  # HTTP Basic clients (QGIS, GDAL) carry no CSRF token; sessions are same-site
@problems
def landing(request):
    base = base_url(request)
    return json_response(
        {
            "title": "landreg — land allocation and townships",
            "description": (
                "Townships, blocks, plots, facilities and provinces; border crossing points, IDP sites and livelihood "
                "opportunities with their counts (1 to 4 suppressed). No personal data."
            ),
            "links": [
                {"href": f"{base}/", "rel": "self", "type": "application/json", "title": "This document"},
                {"href": f"{base}/api", "rel": "service-desc", "type": "application/vnd.oai.openapi+json;version=3.0"},
                {"href": f"{base}/conformance", "rel": "conformance", "type": "application/json"},
                {"href": f"{base}/collections", "rel": "data", "type": "application/json"},
            ],
        },
    )


@csrf_exempt
@problems
def conformance(request):
    return json_response({"conformsTo": CONFORMANCE})


def _describe(request, collection: Collection, user) -> dict:
    base = base_url(request)
    qs = collection.queryset(user)
    extent = qs.aggregate(e=Extent("geom"))["e"]
    body = {
        "id": collection.id,
        "title": collection.title,
        **({"description": collection.description} if collection.description else {}),
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


@csrf_exempt
@problems
@login_or_basic(refuse=401, sentence=LOG_IN, answer=problem)
def collections(request):
    base = base_url(request)
    return json_response(
        {
            "links": [{"href": f"{base}/collections", "rel": "self", "type": "application/json"}],
            "collections": [_describe(request, c, request.user) for c in COLLECTIONS.values()],
        },
    )


@csrf_exempt
@problems
@login_or_basic(refuse=401, sentence=LOG_IN, answer=problem)
def collection(request, name):
    return json_response(_describe(request, collection_named(name), request.user))


@csrf_exempt
@problems
@login_or_basic(refuse=401, sentence=LOG_IN, answer=problem)
def queryables(request, name):
    c = collection_named(name)
    props = {p: {"type": c.types.get(p, "string"), "title": p} for p in c.properties}
    props["geometry"] = {"$ref": "https://geojson.org/schema/Geometry.json"}
    return json_response(
        {
            "$schema": "https://json-schema.org/draft/2019-09/schema",
            "type": "object",
            "$id": f"{base_url(request)}/collections/{name}/queryables",
            "properties": props,
        },
        content_type="application/schema+json",
    )


@csrf_exempt
@problems
@login_or_basic(refuse=401, sentence=LOG_IN, answer=problem)
def items(request, name):
    c = collection_named(name)
    user = request.user
    if request.method == "OPTIONS":
        return options_response(["GET", "HEAD", "OPTIONS"] + (["POST"] if can_edit(user, c) else []))
    if request.method == "POST":
        return create(request, c, user)
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
    srid, lat_first = crs_named(request.GET.get("crs"), "crs")
    order = [(n.lstrip("+-"), n.startswith("-")) for n in property_names(c, request.GET, "sortby", signed=True)]
    names = property_names(c, request.GET, "properties") if "properties" in request.GET else None
    # Absent values (a suppressed count) last, whichever the direction: as feature_page_sql orders the page.
    sort = [
        F(c.properties[name]).desc(nulls_last=True) if descending else F(c.properties[name]).asc(nulls_last=True)
        for name, descending in order
    ]
    qs = filtered(request, c, user).order_by(*sort, "pk")[offset : offset + limit + 1]
    page, returned, more = feature_page_json(c, qs, srid, lat_first, limit, names=names, order=order)
    base = f"{base_url(request)}/collections/{name}/items"
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
        + page
        + f', "numberReturned": {returned}, "links": '
        + json.dumps(links)
        + "}"
    )
    response = HttpResponse(body, content_type=GEOJSON)
    response["Content-Crs"] = f"<{request.GET.get('crs', CRS84)}>"
    return response


@once_per_request
def _stored(request, name, pk):
    """The collection, the object and its stored feature: read once for the ETag and the view."""
    c = collection_named(name)
    return (c, *stored_feature(c, request.user, pk))


def _stored_etag(request, name, pk) -> str:
    return feature_etag(_stored(request, name, pk)[2])  # of the stored feature, in whatever CRS it is shown


@csrf_exempt
@problems
@login_or_basic(refuse=401, sentence=LOG_IN, answer=problem)
@conditional(_stored_etag)
def item(request, name, pk):
    c, obj, feature = _stored(request, name, pk)
    user = request.user
    township = obj if isinstance(obj, Township) else getattr(obj, "township", None)
    editable = can_edit(user, c, township)
    if request.method == "OPTIONS":
        return options_response(["GET", "HEAD", "OPTIONS"] + (["PUT", "PATCH", "DELETE"] if editable else []))
    if request.method in ("GET", "HEAD"):
        srid, lat_first = crs_named(request.GET.get("crs"), "crs")
        shown = (
            features(c, c.model.objects.filter(pk=obj.pk), srid, lat_first)[0] if srid != 4326 or lat_first else feature
        )
        shown = {
            **shown,
            "links": [
                {"href": f"{base_url(request)}/collections/{name}/items/{obj.pk}", "rel": "self", "type": GEOJSON}
            ],
        }
        return json_response(shown, content_type=GEOJSON, headers={"Content-Crs": f"<{request.GET.get('crs', CRS84)}>"})
    if not editable:
        raise Refused(403, _("Your role or provinces do not allow editing %(c)s here.") % {"c": c.id})
    return edit(request, c, user, obj, feature)
