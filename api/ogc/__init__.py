"""OGC API - Features at /ogc/: Part 1 (core, GeoJSON), Part 2 (CRS), Part 3 (CQL2 text and JSON filters) and
Part 4 (create, replace, update, delete with ETags) for the published layers. No personal data is published.

Plain Django views returning GeoJSON; geometry is serialised by PostGIS (ST_AsGeoJSON) in the requested CRS.
Every door names only what is published: a filter, sortby or properties may use only the collection's queryables
(the parsed filter is checked before any query is built); an edit needs the ETag it was made on (If-Match) and
never sets a plot's status, which follows the allocation workflow. Reading needs a login (a session, or HTTP
Basic as QGIS and GDAL send it); a refusal is a problem document that says what to fix.

The parts: collections (what is published, in which CRS, who may edit), problems (the answers and refusals),
features (GeoJSON out through PostGIS, client geometries in), filters (bbox, properties, CQL2 and the
queryables check), items (the reads), edit (Part 4), openapi (the service description) and urls.
"""

from api.ogc.collections import COLLECTIONS, CRS, CRS84, Collection
from api.ogc.features import feature_page_sql
from api.ogc.items import landing

__all__ = ["COLLECTIONS", "CRS", "CRS84", "Collection", "feature_page_sql", "landing"]
