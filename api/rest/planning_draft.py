"""REST v1 for layout drafts: draft blocks and plots from a land parcel, as a layout import's dry run, then commit.

POST /api/v1/planning/parcels/{id}/drafts/     JSON: township (code), the parameters, exclude (GeoJSON, EPSG:4326),
                                                exclude_unfit (true: leave out the ground the elevation model and
                                                the flood hazard map judge unfit, planning/unfit_ground.py)
                                                → 201: the draft's figures and its layout import (id, status, counts)
GET  /api/v1/planning/drafts/{import id}/       the draft's figures and parameters, and its import's status
GET  /api/v1/planning/drafts/{import id}/draft.gpkg   the draft as a GeoPackage (plots, blocks, roads, outline)
POST /api/v1/planning/drafts/{import id}/commit/      blocks and plots written all or nothing → 200, or 409 with
                                                the report

The import's report itself is /api/v1/layout-imports/{id}/. GIS specialists and administrators, in their scope.
"""

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiTypes, extend_schema
from rest_framework.decorators import api_view, parser_classes
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from api.parsers import JSONParser
from landreg.roles import has_role
from planning import draft_services
from planning.drafting import DraftError, draft_parameters
from planning.unfit_ground import unfit_summary
from townships import layouts
from townships.models import LayoutImport


def _require_drafter(user):
    if not has_role(user, *layouts.IMPORT_ROLES):
        raise PermissionDenied(_("Only a GIS specialist or an administrator may draft township layouts."))


def _draft_import(request, pk) -> LayoutImport:
    _require_drafter(request.user)
    layout_import = get_object_or_404(layouts.layout_imports_visible_to(request.user), pk=pk)
    if not draft_services.is_draft(layout_import):
        raise Http404
    return layout_import


def _body(request, layout_import: LayoutImport) -> dict:
    record = draft_services.draft_record(layout_import) or {}
    return {
        "layout_import": layout_import.pk,
        "township": layout_import.township.code,
        "parcel": record.get("parcel"),
        "status": layout_import.status,
        "counts": layout_import.counts,
        "figures": record.get("figures"),
        "parameters": record.get("params"),
        "error": layout_import.error,
        # how much ground was judged not fit and why, or that no raster covers the parcel (figures["unfit"])
        "unfit_ground": unfit_summary((record.get("figures") or {}).get("unfit")),
        "report_url": request.build_absolute_uri(reverse("layout-import-detail", args=[layout_import.pk])),
        "geopackage_url": request.build_absolute_uri(reverse("planning-draft-api-gpkg", args=[layout_import.pk])),
    }


def _refusal(exc: DraftError) -> Response:
    return Response({"detail": str(exc), "errors": exc.errors, "codes": ["draft_parameters"]}, status=400)


@extend_schema(request=OpenApiTypes.OBJECT, responses={201: OpenApiTypes.OBJECT})
@api_view(["POST"])
@parser_classes([JSONParser])
def draft_create(request, pk):
    """Draft blocks and plots for the parcel within the township, and run the layout import's dry run on them."""
    _require_drafter(request.user)
    parcel = get_object_or_404(draft_services.parcels_for_drafting(request.user), pk=pk)
    data = request.data if isinstance(request.data, dict) else {}
    code = str(data.get("township") or "")
    township = next(
        (t for t in draft_services.townships_for_draft(parcel=parcel, user=request.user) if t.code == code), None
    )
    if township is None:
        return Response(
            {
                "detail": _("Give the code of a township in your scope that covers this parcel: %(codes)s.")
                % {
                    "codes": ", ".join(
                        t.code for t in draft_services.townships_for_draft(parcel=parcel, user=request.user)
                    )
                    or _("none yet; create the township first")
                },
                "codes": ["township"],
            },
            status=400,
        )
    try:
        params = draft_parameters(
            {k: v for k, v in data.items() if k not in ("township", "exclude", "exclude_unfit")}, strict=True
        )
        exclude_unfit = data.get("exclude_unfit", False)
        if not isinstance(exclude_unfit, bool):
            raise DraftError(
                {
                    "exclude_unfit": _("exclude_unfit is true or false (without quotes); got %(value)s.")
                    % {"value": str(exclude_unfit)[:40]}
                }
            )
        exclude = data.get("exclude")
        exclude = draft_services.polygon_from_geojson(exclude, name="exclude") if exclude else None
        checked = draft_services.layout_draft_check(
            parcel=parcel,
            township=township,
            params=params,
            by=request.user,
            exclude=exclude,
            exclude_unfit=exclude_unfit,
        )
    except DraftError as exc:
        return _refusal(exc)
    except layouts.LayoutError as exc:
        return Response({"detail": str(exc), "codes": ["layout_file"]}, status=400)
    return Response(_body(request, checked.layout_import), status=201)


@extend_schema(responses={200: OpenApiTypes.OBJECT})
@api_view(["GET"])
def draft_detail(request, pk):
    return Response(_body(request, _draft_import(request, pk)))


@extend_schema(responses={(200, "application/geopackage+sqlite3"): OpenApiTypes.BINARY})
@api_view(["GET"])
def draft_geopackage(request, pk):
    """The draft as a GeoPackage, in the site's UTM zone, to refine in QGIS and import again as a layout."""
    layout_import = _draft_import(request, pk)
    path = layouts.stored_path(layout_import)
    if not path.exists():
        raise Http404
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=layout_import.file_name,
        content_type="application/geopackage+sqlite3",
    )


@extend_schema(request=None, responses={200: OpenApiTypes.OBJECT, 409: OpenApiTypes.OBJECT})
@api_view(["POST"])
def draft_commit(request, pk):
    """Create the draft's blocks and import its plots, all or nothing; 409 with the report when anything refuses."""
    layout_import = _draft_import(request, pk)
    try:
        done = draft_services.layout_draft_commit(layout_import=layout_import, by=request.user)
    except layouts.LayoutError as exc:
        return Response({"detail": str(exc), "codes": ["layout_file"]}, status=400)
    body = _body(request, done)
    if done.status != LayoutImport.Status.COMMITTED:
        body["detail"] = _("Nothing was imported: some features are rejected; see the layout import's report.")
        return Response(body, status=409)
    return Response(body)
