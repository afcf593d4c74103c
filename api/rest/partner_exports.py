"""REST v1 partner exports: HXL-tagged CSV of a province, under the partner's data-sharing agreement.

GET /api/v1/partner/exports/<dataset>.csv?province=AF06. The agreement check is landreg/sharing.py's, the rows
are partners/exports.py's; this view only turns them into a streamed download, and refusals into 403 sentences.
"""

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from landreg.sharing import partner_export_agreement
from partners import exports


class FirstRenderer(BaseContentNegotiation):
    """A client asking for text/csv still gets its refusal as a JSON sentence, not 406 Not Acceptable."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class PartnerExportView(APIView):
    """GET /api/v1/partner/exports/<dataset>.csv?province=<p-code>: a partner's dataset for one province."""

    renderer_classes = [JSONRenderer]
    content_negotiation_class = FirstRenderer

    @extend_schema(
        summary="A partner dataset as HXL-tagged CSV",
        description=(
            "Partners (under a valid data-sharing agreement covering the dataset and the province) and "
            "administrators. The second row holds HXL hashtags. township_summary suppresses household counts "
            "under 5 as '<5'; household_records holds only the agreed fields, and instead of the household code "
            "printed on letters a pseudonym under the agreement's own key (docs/partners.md), in pseudonym order. "
            "grievance_summary counts complaints by township, category, status and age band, counts under 5 as "
            "'<5', sensitive categories for the province as a whole only. movement_figures: arrivals registered at "
            "the border and the border teams' flow counts per week and month, and the people in IDP sites, with HDX "
            "hashtags (#adm1+code, #adm2+code, #date+reported, #affected+returnees+ind with +f, +m and age, "
            "#affected+idps+ind); counts under 5 as '<5' and a sex and age split with a small cell left blank. "
            "livelihood_referrals: the referrals to the partner's own opportunities, pseudonymised, for partners "
            "only. Logged."
        ),
        parameters=[
            OpenApiParameter("dataset", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(exports.TABLES)),
            OpenApiParameter("province", OpenApiTypes.STR, required=True, description="Province p-code, e.g. AF06."),
        ],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY, description="The CSV file"),
            400: OpenApiResponse(description="No such dataset or province"),
            403: OpenApiResponse(description="No valid data-sharing agreement covers this; the sentence says why"),
        },
    )
    def get(self, request, dataset: str):
        province = exports.province_by_pcode(request.query_params.get("province"))
        agreement = partner_export_agreement(request.user, dataset, province)
        data = exports.partner_dataset(user=request.user, dataset=dataset, province=province, agreement=agreement)
        exports.partner_export_log(user=request.user, data=data, agreement=agreement, where=request.path)
        response = StreamingHttpResponse(exports.csv_lines(data), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{exports.export_file_name(dataset, province)}"'
        return response
