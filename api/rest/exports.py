"""REST v1 file exports of a township: GeoPackage (every layer), zipped Shapefile, GeoJSON, CSV or KML (one layer).

The file is written by ogr2ogr from PostGIS while the request waits (townships/exports.py): a large township
takes a few seconds, all of them in ogr2ogr. The layers hold no personal data; each export is logged.
"""

import logging

from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from landreg import sharing
from townships import exports

logger = logging.getLogger(__name__)
LAYOUTS = "township_layout"  # what a partner's agreement must share for township files


class TownshipExportView(APIView):
    """GET /api/v1/exports/townships/<code>.<gpkg|shp.zip|geojson|csv|kml>: a township in your scope, as a file."""

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "layer",
                enum=list(exports.LAYERS),
                description="Only this layer. Default: every layer in a GeoPackage, plots in the other formats.",
            ),
            OpenApiParameter(
                "csv_geometry",
                enum=list(exports.CSV_GEOMETRIES),
                description="CSV only: a WKT column (default), or lon and lat columns of each feature's centroid.",
            ),
        ],
        responses={
            (200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY, description="The file"),
            403: OpenApiResponse(description="A partner without a data-sharing agreement covering layouts"),
            503: OpenApiResponse(description="ogr2ogr could not write the file"),
        },
    )
    def get(self, request, code: str, fmt: str):
        csv_geometry = request.query_params.get("csv_geometry", "wkt")
        layers = exports.export_request_check(
            fmt=fmt, layer=request.query_params.get("layer"), csv_geometry=csv_geometry
        )
        where = request.path
        if sharing.needs_agreement(request.user):  # a partner takes layouts only under an agreement
            shared = sharing.shared_only(
                exports.townships_exportable_by(request.user), request.user, LAYOUTS, province_field="province"
            )
            township = shared.select_related("province").filter(code=code).first()
            if township is None:  # outside the agreement or no such township: one sentence, naming no province
                raise sharing.outside_agreement(request.user, LAYOUTS)
            agreement = sharing.agreement_for(request.user, LAYOUTS, township.province)
            where = f"{where} agreement {agreement.reference} (#{agreement.pk})"
        else:
            township = exports.township_for_export(user=request.user, code=code)
        try:
            handle, name = exports.township_export_open(
                township=township,
                fmt=fmt,
                layers=layers,
                csv_geometry=csv_geometry,
                by=request.user,
                where=where,
            )
        except exports.ExportFailed:  # what ogr2ogr said names tables and columns: for the server log only
            logger.exception("township export %s.%s failed", township.code, fmt)
            return Response({"detail": _("The file could not be written; try again later.")}, status=503)
        return FileResponse(handle, as_attachment=True, filename=name, content_type=exports.FORMATS[fmt].content_type)
