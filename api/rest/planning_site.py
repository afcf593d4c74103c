"""REST v1 for site viability (docs/planning.md):

GET  /api/v1/planning/viability/township/{id}/ and …/parcel/{id}/   the site viability report as JSON
GET  /api/v1/planning/rasters/                            the planning rasters the user may see
POST /api/v1/planning/rasters/                            multipart: file, kind, name, source, licence, crs,
                                                          flood_classes (JSON) → the stored raster (administrators)
POST /api/v1/planning/access-layers/                      multipart: file, layer, province, kind_field, default_kind,
                                                          name_field, status_field, srid, source → the import's report
                                                          (GIS specialists and administrators of the province)
"""

import json
import tempfile
from pathlib import Path

from django.contrib.gis.gdal import GDALException, SpatialReference
from django.contrib.gis.geos import GEOSException
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from api.parsers import FormParser, MultiPartParser
from landreg.roles import ADMINISTRATOR, GIS_SPECIALIST, has_role
from landreg.scope import filter_by_scope
from landreg.uploads import UploadLimit, over_limit_sentence, safe_upload_name
from parcels.models import AdminArea
from planning import rasters, selectors, services
from planning.models import RasterLayer
from townships.layouts import content_length_too_large


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


class UploadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "upload_too_large"


class RastersView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    def initial(self, request, *args, **kwargs):
        # An oversized upload is refused before its body is read (authentication may read a form body).
        if request.method == "POST" and content_length_too_large(request):
            raise UploadTooLarge(rasters.over_limit_sentence())
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
        if getattr(request._request, "layout_upload_too_large", False):
            raise UploadTooLarge(rasters.over_limit_sentence())
        data = RasterUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        try:
            layer = rasters.raster_upload_import(
                upload=values["file"],
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


# --- water points, roads and services (docs/planning.md) ---------------------------------------------------------

# The API's names of the layers, as the issue spells them, and the service's.
ACCESS_LAYERS = {"water_points": "water", "roads": "road", "services": "service"}


class AccessUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A GeoPackage (.gpkg), zipped Shapefile (.zip), GeoJSON or KML file.")
    # Plain text, not an enum component (see RasterSerializer.kind).
    layer = serializers.CharField(max_length=20, help_text="water_points, roads or services.")
    province = serializers.CharField(max_length=20, help_text="The province's p-code, e.g. AF06.")
    kind_field = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=100, help_text="The attribute holding the kind."
    )
    default_kind = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=30, help_text="The kind of features without one."
    )
    name_field = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    status_field = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=100,
        help_text="Water points and services: a status of no, false, 0, broken, non-functional or dry marks one off.",
    )
    srid = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        max_value=999999,
        help_text="EPSG code, when the file declares none.",
    )
    source = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=200, help_text="Default: the file's name."
    )

    def validate_layer(self, value):
        if value not in ACCESS_LAYERS:
            raise serializers.ValidationError(
                _("The layer is one of %(layers)s.") % {"layers": ", ".join(ACCESS_LAYERS)}
            )
        return value

    def validate_file(self, value):
        refusal = services.access_file_refusal(value.name)
        if refusal:
            raise serializers.ValidationError(refusal)
        return value

    def validate_srid(self, value):
        if value is None:
            return None
        try:
            SpatialReference(value)
        except (GDALException, ValueError, TypeError):
            raise serializers.ValidationError(
                _("EPSG:%(srid)s is not a coordinate reference system GDAL knows.") % {"srid": value}
            ) from None
        return value


class AccessImportReportSerializer(serializers.Serializer):
    layer = serializers.CharField(help_text="water_points, roads or services.")
    province = serializers.CharField(help_text="The province's p-code.")
    file_name = serializers.CharField()
    source = serializers.CharField()
    imported = serializers.IntegerField(help_text="Features written (a multi-part road counts one per part).")
    held = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="What the province holds after the import: water_points, functional_water_points, roads, services.",
    )


def access_held(user, province) -> dict:
    """How many water points (and of them functional), roads and services a province holds, as the user sees."""
    held = selectors.access_feature_counts(user, province.pk).get(province.pk, {})
    return {
        "water_points": held.get("water", 0),
        "functional_water_points": held.get("functional", 0),
        "roads": held.get("roads", 0),
        "services": held.get("services", 0),
    }


class AccessLayersView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    def initial(self, request, *args, **kwargs):
        # An oversized upload is refused before its body is read (authentication may read a form body).
        if request.method == "POST" and content_length_too_large(request):
            raise UploadTooLarge(over_limit_sentence())
        request._request.upload_handlers.insert(0, UploadLimit(request._request))
        super().initial(request, *args, **kwargs)

    @extend_schema(
        request=AccessUploadSerializer,
        responses={201: AccessImportReportSerializer, 400: OpenApiTypes.OBJECT, 403: OpenApiTypes.OBJECT},
    )
    def post(self, request):
        """Import water points, roads or services into a province from a GeoPackage, zipped Shapefile, GeoJSON or
        KML, all or nothing (GIS specialists and administrators of the province). Refused with a sentence, writing
        nothing: a file GDAL cannot read, a feature of the wrong geometry type or kind, a file without a CRS and no
        srid, a feature outside the province; 413 over the upload limit."""
        if not has_role(request.user, ADMINISTRATOR, GIS_SPECIALIST):
            return Response(
                {"detail": _("Only a GIS specialist or an administrator may import water points, roads and services.")},
                status=403,
            )
        if getattr(request._request, "layout_upload_too_large", False):
            raise UploadTooLarge(over_limit_sentence())
        data = AccessUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        province = AdminArea.objects.filter(level="province", pcode=values["province"]).first()
        if province is None:
            return Response(
                {"detail": _("No province has the p-code “%(pcode)s”.") % {"pcode": values["province"]}}, status=400
            )
        if not filter_by_scope(AdminArea.objects.filter(pk=province.pk), request.user, province_field="id").exists():
            return Response({"detail": _("The province is outside your provinces.")}, status=403)
        upload = values["file"]
        name = safe_upload_name(upload.name)
        with tempfile.TemporaryDirectory() as work:
            path = Path(work) / name
            with path.open("wb") as out:
                for chunk in upload.chunks():
                    out.write(chunk)
            try:
                count = services.access_features_import(
                    path=path,
                    layer=ACCESS_LAYERS[values["layer"]],
                    province=province,
                    by=request.user,
                    kind_field=values["kind_field"],
                    default_kind=values["default_kind"],
                    name_field=values["name_field"],
                    status_field=values["status_field"],
                    srid=values["srid"],
                    source=values["source"],
                )
            except PermissionDenied as exc:
                return Response({"detail": str(exc)}, status=403)
            except services.AccessLayerError as exc:
                return Response({"detail": str(exc), "codes": ["access_file"]}, status=400)
            except ValidationError as exc:  # the database's rules, e.g. a feature outside the province
                return Response({"detail": " ".join(exc.messages), "codes": ["access_rule"]}, status=400)
            except (GDALException, GEOSException):
                return Response(
                    {
                        "detail": _(
                            "%(file)s holds a geometry or coordinate reference system that cannot be read; "
                            "export it again from QGIS."
                        )
                        % {"file": name},
                        "codes": ["access_file"],
                    },
                    status=400,
                )
        report = {
            "layer": values["layer"],
            "province": province.pcode,
            "file_name": name,
            "source": (values["source"] or name)[:200],
            "imported": count,
            "held": access_held(request.user, province),
        }
        return Response(AccessImportReportSerializer(report).data, status=201)
