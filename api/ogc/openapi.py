"""The OpenAPI 3.0 description of the OGC API (/ogc/api), which QGIS and other clients read."""

from django.views.decorators.csrf import csrf_exempt

from api.ogc.collections import COLLECTIONS, MAX_OFFSET
from api.ogc.problems import base_url, json_response, problems


@csrf_exempt
@problems
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
    return json_response(
        {
            "openapi": "3.0.3",
            "info": {"title": "landreg OGC API - Features", "version": "1"},
            "servers": [{"url": base_url(request)}],
            "paths": paths,
        },
        content_type="application/vnd.oai.openapi+json;version=3.0",
    )
