"""REST v1 for letters and deeds: issue one for an allocation, read it, download its PDF (logged as an export)."""

from django.http import FileResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from allocations.documents import document_issue, document_standing, document_verify_url
from allocations.models import AllocationDocument
from allocations.selectors import allocations_visible_to, documents_visible_to
from landreg.access_log import log_personal_data_access


class DocumentSerializer(serializers.ModelSerializer):
    allocation = serializers.IntegerField(source="allocation_id", read_only=True)
    standing = serializers.SerializerMethodField(help_text="valid, superseded or revoked; derived, never stored.")
    verify_url = serializers.SerializerMethodField(help_text="The public verification page (the QR code).")
    pdf_url = serializers.SerializerMethodField(help_text="The PDF; downloading it is logged.")

    class Meta:
        model = AllocationDocument
        fields = [
            "number",
            "kind",
            "language",
            "allocation",
            "issued_at",
            "sha256",
            "standing",
            "verify_url",
            "pdf_url",
        ]
        read_only_fields = fields

    def get_standing(self, document) -> str:
        return document_standing(document)

    def get_verify_url(self, document) -> str:
        return document_verify_url(document)

    def get_pdf_url(self, document) -> str:
        path = reverse("document-pdf", kwargs={"number": document.number})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class IssueSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=AllocationDocument.Kind.choices)
    language = serializers.ChoiceField(
        choices=AllocationDocument.Language.choices, default=AllocationDocument.Language.DARI
    )


class AllocationDocumentsView(APIView):
    """The letters and deeds of one allocation in your scope. POST issues a new one (land officers)."""

    @extend_schema(responses=DocumentSerializer(many=True))
    def get(self, request, pk: int):
        allocation = allocations_visible_to(request.user).get(pk=pk)
        documents = documents_visible_to(request.user).filter(allocation=allocation)
        return Response(DocumentSerializer(documents, many=True, context={"request": request}).data)

    @extend_schema(request=IssueSerializer, responses={201: DocumentSerializer})
    def post(self, request, pk: int):
        allocation = allocations_visible_to(request.user).get(pk=pk)
        data = IssueSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        document = document_issue(allocation=allocation, by=request.user, **data.validated_data)
        return Response(DocumentSerializer(document, context={"request": request}).data, status=201)


class DocumentView(APIView):
    """One letter or deed in your scope, by its number."""

    @extend_schema(responses=DocumentSerializer)
    def get(self, request, number: str):
        document = documents_visible_to(request.user).get(number=number)
        return Response(DocumentSerializer(document, context={"request": request}).data)


class DocumentPdfView(APIView):
    """The PDF as issued. It names the household, so every download is logged as an export of personal data."""

    @extend_schema(responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The PDF")})
    def get(self, request, number: str):
        document = documents_visible_to(request.user).get(number=number)
        log_personal_data_access(
            user=request.user,
            action="export",
            what="allocations.AllocationDocument",
            ids=[document.pk],
            where=request.path,
        )
        return FileResponse(document.file.open("rb"), content_type="application/pdf", filename=f"{document.number}.pdf")
