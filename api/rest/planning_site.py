"""REST v1 for site viability (docs/planning.md):

GET  /api/v1/planning/viability/township/{id}/ and …/parcel/{id}/   the site viability report as JSON
GET  /api/v1/planning/rasters/                            the planning rasters the user may see
POST /api/v1/planning/rasters/                            multipart: file, kind, name, source, licence, crs,
                                                          flood_classes (JSON) → the stored raster (administrators)
"""

import json
import tempfile
from pathlib import Path

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from api.parsers import FormParser, MultiPartParser
from landreg.roles import ADMINISTRATOR, has_role
from landreg.uploads import UploadLimit
from planning import rasters, selectors
from planning.models import RasterLayer


class ViabilityView(APIView):
    @extend_schema(responses={200: OpenApiTypes.OBJECT}, operation_id=None)
    def get(self, request, pk: int, kind: str = "township"):
        """The report: terrain, flood, access, population, a verdict per criterion and overall, the reasons."""
        if kind == "township":
            township = get_object_or_404(selectors.townships_for_viability(request.user), pk=pk)
            return Response(selectors.township_viability(request.user, township=township))
        parcel = get_object_or_404(selectors.parcels_for_viability(request.user), pk=pk)
        return Response(selectors.parcel_viability(request.user, parcel=parcel))


class RasterSerializer(serializers.ModelSerializer):
    # Plain text, not an enum component: the OpenAPI component "KindEnum" is taken by other models' kinds.
    kind = serializers.CharField(read_only=True, help_text="dem, flood or landcover.")
    uploaded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    province = serializers.SlugRelatedField(slug_field="pcode", read_only=True)

    class Meta:
        model = RasterLayer
        fields = [
            "id",
            "kind",
            "name",
            "province",
            "source",
            "licence",
            "source_crs",
            "resolution_m",
            "nodata",
            "flood_classes",
            "size_bytes",
            "uploaded_by",
            "uploaded_at",
        ]


class RasterUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A GeoTIFF.")
    kind = serializers.CharField(max_length=10, help_text="dem, flood or landcover.")
    name = serializers.CharField(max_length=150)
    source = serializers.CharField(max_length=200)
    licence = serializers.CharField(max_length=200)
    crs = serializers.CharField(required=False, allow_blank=True, default="", max_length=50)
    flood_classes = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text='JSON, e.g. [{"value": 3, "label": "Over 1 m", "hazard": "high"}].',
    )

    def validate_flood_classes(self, value):
        if not value:
            return None
        try:
            return json.loads(value)
        except ValueError as exc:
            raise serializers.ValidationError(_("flood_classes must be a JSON list.")) from exc


class RastersView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    def initial(self, request, *args, **kwargs):
        request._request.upload_handlers.insert(0, UploadLimit(request._request))
        super().initial(request, *args, **kwargs)

    @extend_schema(responses={200: RasterSerializer(many=True)})
    def get(self, request):
        return Response(RasterSerializer(selectors.rasters_visible_to(request.user), many=True).data)

    @extend_schema(request=RasterUploadSerializer, responses={201: RasterSerializer})
    def post(self, request):
        """Store a raster (administrators). Refused with a sentence: no CRS, degrees labelled as metres, not a
        GeoTIFF, more than one band, a flood raster without its legend."""
        if not has_role(request.user, ADMINISTRATOR):
            return Response({"detail": _("Only an administrator may upload planning rasters.")}, status=403)
        data = RasterUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        with tempfile.TemporaryDirectory() as work:
            path = Path(work) / "upload.tif"
            with path.open("wb") as out:
                for chunk in values["file"].chunks():
                    out.write(chunk)
            try:
                layer = rasters.raster_import(
                    source_path=path,
                    kind=values["kind"],
                    name=values["name"],
                    source=values["source"],
                    licence=values["licence"],
                    by=request.user,
                    crs=values["crs"],
                    flood_classes=values["flood_classes"],
                )
            except rasters.RasterError as exc:
                return Response({"detail": str(exc), "codes": ["raster_file"]}, status=400)
        return Response(RasterSerializer(layer).data, status=201)
