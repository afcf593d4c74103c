"""WFS 2.0 (read) of the published layers for older GIS clients and ArcGIS, served by django-gisserver.

Five feature types: provinces, townships, blocks, plots, facilities, with the attributes of the file exports
and never personal data (a plot shows its status, not who holds it). The layers carry no personal data, but
land records matter in disputes, so reading needs a login: a session, or HTTP Basic credentials on every
request, which is what GDAL and QGIS send (`GDAL_HTTP_AUTH=BASIC GDAL_HTTP_USERPWD=user:password`). Each
user sees the townships of their own scope, as in the exports; provinces are reference data, shown to all.

The parts: views (the feature types and the view) and urls.
"""

from api.wfs.views import feature_types_for, wfs_view

__all__ = ["feature_types_for", "wfs_view"]
