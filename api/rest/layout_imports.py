"""REST v1 for township layout imports: upload a file (a dry run with its report), then commit it.

POST /api/v1/layout-imports/                 multipart: file, township (code), mapping, srid → the checked import
GET  /api/v1/layout-imports/{id}/            the import and its report
POST /api/v1/layout-imports/{id}/commit/     {"confirm_allocated_moves": false} → imported, or 409 with the report
GET  /api/v1/layout-imports/{id}/problems.gpkg/  the problems as a GeoPackage for QGIS
"""

import json

from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from api.parsers import FormParser, JSONParser, MultiPartParser
from landreg.roles import has_role
from landreg.uploads import UploadLimit
from planning import draft_services
from townships import layouts
from townships.models import LayoutImport, Plot


class UploadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "upload_too_large"


class LayoutImportSerializer(serializers.ModelSerializer):
    township = serializers.SlugRelatedField(slug_field="code", read_only=True)
    source = serializers.SlugRelatedField(slug_field="name", read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    committed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    report = serializers.SerializerMethodField()
    problems_url = serializers.SerializerMethodField()

    class Meta:
        model = LayoutImport
        fields = [
            "id",
            "township",
            "source",
            "file_name",
            "sha256",
            "size_bytes",
            "file_format",
            "crs_name",
            "source_srid",
            "srid_stated",
            "mapping",
            "status",
            "counts",
            "report",
            "confirmed_allocated_moves",
            "error",
            "created_by",
            "created_at",
            "committed_by",
            "committed_at",
            "problems_url",
        ]

    def get_report(self, obj) -> dict:
        return layouts.report_for_people(obj)

    def get_problems_url(self, obj) -> str | None:
        if not layouts.report_path(obj).exists():
            return None
        request = self.context.get("request")
        url = reverse("layout-import-problems", args=[obj.pk])
        return request.build_absolute_uri(url) if request else url


class LayoutUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A .gpkg, .zip (Shapefile), .geojson, .kml or .dxf file.")
    township = serializers.SlugField(help_text="The township's code.")
    source = serializers.CharField(required=False, allow_blank=True, max_length=150, default="")
    number_field = serializers.CharField(required=False, allow_blank=True, default="")
    block_field = serializers.CharField(required=False, allow_blank=True, default="")
    use_field = serializers.CharField(required=False, allow_blank=True, default="")
    use_values = serializers.CharField(
        required=False, allow_blank=True, default="", help_text='JSON, e.g. {"RES": "residential"}.'
    )
    srid = serializers.IntegerField(required=False, allow_null=True, default=None, help_text="EPSG, when none.")

    def validate_use_values(self, value):
        if not value:
            return {}
        try:
            parsed = json.loads(value)
        except ValueError as exc:
            raise serializers.ValidationError(_("use_values must be a JSON object.")) from exc
        uses = ", ".join(Plot.Use.values)
        if isinstance(parsed, dict):
            for spelling, use in parsed.items():
                if not isinstance(use, str):
                    raise serializers.ValidationError(
                        _(
                            "use_values maps each of the file's spellings to a use written as text; “%(spelling)s” "
                            "maps to %(value)s. Write one of %(uses)s."
                        )
                        % {"spelling": spelling, "value": json.dumps(use), "uses": uses}
                    )
        if not isinstance(parsed, dict) or not set(parsed.values()) <= set(Plot.Use.values):
            raise serializers.ValidationError(_("use_values maps the file's spellings to %(uses)s.") % {"uses": uses})
        return parsed


class LayoutCommitSerializer(serializers.Serializer):
    confirm_allocated_moves = serializers.BooleanField(required=False, default=False)


class LayoutImportViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = LayoutImportSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def initial(self, request, *args, **kwargs):
        # An oversized upload is refused before its body is read (authentication may read a form body).
        if request.method == "POST" and layouts.content_length_too_large(request):
            raise UploadTooLarge(layouts.too_large_message(int(request.META["CONTENT_LENGTH"])))
        request._request.upload_handlers.insert(0, UploadLimit(request._request))
        super().initial(request, *args, **kwargs)

    def get_queryset(self):
        if not has_role(self.request.user, *layouts.IMPORT_ROLES):
            return LayoutImport.objects.none()
        return layouts.layout_imports_visible_to(self.request.user)

    @extend_schema(request=LayoutUploadSerializer, responses={201: LayoutImportSerializer})
    def create(self, request):
        """Check a layout file (dry run): nothing is written to the plots. The report lists every repaired and
        rejected feature and the differences with the township's plots; commit it with …/commit/."""
        data = LayoutUploadSerializer(data=request.data)
        if getattr(request._request, "layout_upload_too_large", False):
            raise UploadTooLarge(layouts.too_large_message(layouts.max_upload_bytes() + 1))
        data.is_valid(raise_exception=True)
        values = data.validated_data
        township = layouts.townships_for_import(request.user).filter(code=values["township"]).first()
        if township is None:
            raise Http404
        layouts.authorize_import(by=request.user, township=township)  # before the file is kept
        upload = values["file"]
        mapping = None
        if values["number_field"]:
            mapping = layouts.Mapping(
                values["number_field"], values["block_field"], values["use_field"], values["use_values"]
            )
        try:
            path, _sha, _size = layouts.layout_file_store(name=upload.name, chunks=upload.chunks())
            checked = layouts.layout_check(
                township=township,
                path=path,
                name=upload.name,
                by=request.user,
                mapping=mapping,
                source_name=values["source"],
                srid=values["srid"],
            )
        except layouts.LayoutError as exc:
            return Response({"detail": str(exc), "codes": ["layout_file"]}, status=400)
        return Response(LayoutImportSerializer(checked, context={"request": request}).data, status=201)

    @extend_schema(request=LayoutCommitSerializer, responses={200: LayoutImportSerializer, 409: LayoutImportSerializer})
    @action(detail=True, methods=["post"])
    def commit(self, request, pk=None):
        """Import the checked file, all or nothing. 409 with the report when a feature is rejected, or when the
        import would move plots holding an active allocation and confirm_allocated_moves is not true."""
        layout_import = self.get_object()
        data = LayoutCommitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            if draft_services.is_draft(layout_import):  # a draft's blocks are created with its plots
                done = draft_services.layout_draft_commit(layout_import=layout_import, by=request.user)
            else:
                done = layouts.layout_commit(
                    layout_import=layout_import,
                    by=request.user,
                    confirm_allocated_moves=data.validated_data["confirm_allocated_moves"],
                )
        except layouts.LayoutError as exc:
            return Response({"detail": str(exc), "codes": ["layout_file"]}, status=400)
        body = LayoutImportSerializer(done, context={"request": request}).data
        if done.status != LayoutImport.Status.COMMITTED:
            body["detail"] = (
                _(
                    "Nothing was imported: it would move plots that hold an active allocation (%(plots)s); "
                    "send confirm_allocated_moves=true."
                )
                % {"plots": ", ".join(done.report.get("allocated_moves", []))}
                if done.status == LayoutImport.Status.NEEDS_CONFIRMATION
                else _("Nothing was imported: some features are rejected; see report.features.")
            )
            return Response(body, status=409)
        return Response(body)

    @action(detail=True, methods=["get"], url_path="problems.gpkg")
    def problems(self, request, pk=None):
        """The repaired and rejected features (layer layout_problems) and where each problem lies (layer
        problem_places), as a GeoPackage to open in QGIS."""
        layout_import = self.get_object()
        path = layouts.report_path(layout_import)
        if not path.exists():
            raise Http404
        name = f"{layout_import.township.code}-layout-{layout_import.pk}-problems.gpkg"
        return FileResponse(
            path.open("rb"), as_attachment=True, filename=name, content_type="application/geopackage+sqlite3"
        )
