"""REST v1 for letters and deeds: issue one for an allocation (once; a re-issue needs a reason), read it, and get
its PDF: as issued, or rendered in any language (a print, logged), every download logged as an export."""

from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from allocations.documents import (
    REISSUE_REASONS,
    document_issue,
    document_print,
    document_standing,
    document_verify_url,
)
from allocations.models import AllocationDocument
from allocations.selectors import allocations_visible_to, documents_visible_to
from api.errors import validation_error_body
from landreg.access_log import log_personal_data_access

# Refusals about the document's state, not the request: 409, like the workflow's (api/errors.py CONFLICTS).
DOCUMENT_CONFLICTS = {"document_already_issued", "document_superseded", "document_revoked"}


def _refusal(exc: ValidationError) -> Response:
    body, status = validation_error_body(exc)
    return Response(body, status=409 if DOCUMENT_CONFLICTS & set(body["codes"]) else status)


class DocumentSerializer(serializers.ModelSerializer):
    allocation = serializers.IntegerField(source="allocation_id", read_only=True)
    standing = serializers.SerializerMethodField(help_text="valid, superseded or revoked; derived, never stored.")
    supersedes = serializers.SlugRelatedField(
        slug_field="number", read_only=True, help_text="The document this re-issue replaces."
    )
    prints = serializers.SerializerMethodField(help_text="How many times it was printed, in any language.")
    verify_url = serializers.SerializerMethodField(help_text="The public verification page (the QR code).")
    pdf_url = serializers.SerializerMethodField(help_text="The PDF as issued; add ?language=en|fa|ps to print it.")

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
            "supersedes",
            "reissue_reason",
            "reissue_note",
            "prints",
            "verify_url",
            "pdf_url",
        ]
        read_only_fields = fields

    def get_standing(self, document) -> str:
        return document_standing(document)

    def get_prints(self, document) -> int:
        return document.prints.count()

    def get_verify_url(self, document) -> str:
        return document_verify_url(document)

    def get_pdf_url(self, document) -> str:
        path = reverse("document-pdf", kwargs={"number": document.number})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class IssueSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=AllocationDocument.Kind.choices)
    language = serializers.ChoiceField(
        choices=AllocationDocument.Language.choices,
        default=AllocationDocument.Language.DARI,
        help_text="The language of the first print; any language prints later from the same document.",
    )
    reissue_reason = serializers.ChoiceField(
        choices=[(c, AllocationDocument.ReissueReason(c).label) for c in REISSUE_REASONS],
        required=False,
        default="",
        help_text="Only to re-issue the current document (a new number that supersedes it): why.",
    )
    reissue_note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class PrintSerializer(serializers.Serializer):
    language = serializers.ChoiceField(choices=AllocationDocument.Language.choices, required=False)


class AllocationDocumentsView(APIView):
    """The letters and deeds of one allocation in your scope. POST issues one (land officers): the first of its
    kind, or with reissue_reason a re-issue that supersedes the current one. A second issue without a reason is
    refused (409): print the issued one again instead."""

    @extend_schema(responses=DocumentSerializer(many=True))
    def get(self, request, pk: int):
        allocation = allocations_visible_to(request.user).get(pk=pk)
        documents = documents_visible_to(request.user).filter(allocation=allocation).select_related("supersedes")
        return Response(DocumentSerializer(documents, many=True, context={"request": request}).data)

    @extend_schema(request=IssueSerializer, responses={201: DocumentSerializer})
    def post(self, request, pk: int):
        allocation = allocations_visible_to(request.user).get(pk=pk)
        data = IssueSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            document = document_issue(allocation=allocation, by=request.user, **data.validated_data)
        except ValidationError as exc:
            return _refusal(exc)
        return Response(DocumentSerializer(document, context={"request": request}).data, status=201)


class DocumentView(APIView):
    """One letter or deed in your scope, by its number."""

    @extend_schema(responses=DocumentSerializer)
    def get(self, request, number: str):
        document = documents_visible_to(request.user).get(number=number)
        return Response(DocumentSerializer(document, context={"request": request}).data)


class DocumentPdfView(APIView):
    """The PDF. Without `language`, the file as issued. With `language` (en, fa, ps), the same document (number,
    date, QR code) rendered in that language and logged as a print, by a land officer, while it stands. It names
    the household, so every download is logged as an export of personal data."""

    @extend_schema(
        parameters=[OpenApiParameter("language", str, enum=AllocationDocument.Language.values, required=False)],
        responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The PDF")},
    )
    def get(self, request, number: str):
        document = documents_visible_to(request.user).get(number=number)
        query = PrintSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        language = query.validated_data.get("language")
        if language:
            try:
                pdf, _printed = document_print(document=document, language=language, by=request.user)
            except ValidationError as exc:
                return _refusal(exc)
        log_personal_data_access(
            user=request.user,
            action="export",
            what="allocations.AllocationDocument",
            ids=[document.pk],
            where=request.path,
        )
        if language:
            response = HttpResponse(pdf, content_type="application/pdf")
            response["Content-Disposition"] = f'inline; filename="{document.number}-{language}.pdf"'
            return response
        return FileResponse(document.file.open("rb"), content_type="application/pdf", filename=f"{document.number}.pdf")
