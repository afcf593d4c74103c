"""Layout draft pages: draft blocks and plots from a land parcel, see the draft on a map with its figures and the
layout import's dry run, then import it (all or nothing) or download it to refine in QGIS.

GIS specialists and administrators, for parcels and townships in their scope (planning/draft_services.py)."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from landreg.roles import has_role
from planning import draft_services
from planning.drafting import DraftError, DraftParameters, draft_parameters
from planning.unfit_ground import no_raster_sentence, rasters_cover, unfit_summary
from townships import layouts
from townships.models import LayoutImport

FIELDS = (
    "township",
    "road_width_m",
    "plot_width_m",
    "plot_depth_m",
    "plot_biswa",
    "plots_per_row",
    "orientation",
    "angle_deg",
    "setback_m",
    "reserve_percent",
)


def _require_drafter(user):
    if not has_role(user, *layouts.IMPORT_ROLES):
        raise PermissionDenied(_("Only a GIS specialist or an administrator may draft township layouts."))


def _defaults() -> dict:
    d = DraftParameters()
    return {
        "road_width_m": d.road_width_m,
        "plot_width_m": d.plot_width_m,
        "plot_depth_m": d.plot_depth_m,
        "plot_biswa": "",
        "plots_per_row": d.plots_per_row,
        "orientation": "longest",
        "angle_deg": "",
        "setback_m": d.setback_m,
        "reserve_percent": round(d.reserve_share * 100),
    }


@login_required
def draft_parcels(request):
    """The land parcels a planner may draft a layout for, and the recent drafts."""
    _require_drafter(request.user)
    drafts = layouts.layout_imports_visible_to(request.user).filter(source__name=draft_services.DRAFT_SOURCE)[:20]
    return render(
        request,
        "webmap/planning/draft_parcels.html",
        {"parcels": draft_services.parcels_for_drafting(request.user), "drafts": drafts},
    )


@login_required
def draft_form(request, pk):
    """The parameters, the parcel on a map, and the townships that cover it; a valid form drafts and checks."""
    _require_drafter(request.user)
    parcel = get_object_or_404(draft_services.parcels_for_drafting(request.user), pk=pk)
    townships = draft_services.townships_for_draft(parcel=parcel, user=request.user)
    covered = rasters_cover(parcel.geom)  # leaving out unfit ground is on by default when a raster can judge it
    values, errors, status = _defaults(), {}, 200
    values["exclude_unfit"] = covered
    if townships:
        values["township"] = townships[0].code
    if request.method == "POST":
        values = {name: request.POST.get(name, "").strip() for name in FIELDS}
        values["exclude_unfit"] = request.POST.get("exclude_unfit") == "on"
        township = next((t for t in townships if t.code == values["township"]), None)
        try:
            params = draft_parameters({k: v for k, v in values.items() if k not in ("township", "exclude_unfit")})
            if township is None:
                raise DraftError({"township": _("Choose a township that covers this parcel.")})
            checked = draft_services.layout_draft_check(
                parcel=parcel,
                township=township,
                params=params,
                by=request.user,
                exclude_unfit=values["exclude_unfit"],
            )
        except DraftError as exc:
            errors, status = exc.errors, 400
        except layouts.LayoutError as exc:
            errors, status = {"township": str(exc)}, 400
        else:
            return redirect("planning-draft-result", pk=checked.layout_import.pk)
    return render(
        request,
        "webmap/planning/draft_form.html",
        {
            "parcel": parcel,
            "townships": townships,
            "values": values,
            "errors": errors,
            "other_errors": [v for k, v in errors.items() if k not in FIELDS],
            "rasters_cover": covered,
            "no_raster": None if covered else no_raster_sentence(),
            "outline": {"type": "Feature", "geometry": _geojson(parcel.geom), "properties": {"layer": "outline"}},
        },
        status=status,
    )


def _geojson(geom) -> dict:
    return json.loads(geom.json)


def _draft(request, pk) -> LayoutImport:
    _require_drafter(request.user)
    layout_import = get_object_or_404(layouts.layout_imports_visible_to(request.user), pk=pk)
    if not draft_services.is_draft(layout_import):
        raise Http404
    return layout_import


@login_required
def draft_result(request, pk):
    """The draft's figures against what was asked, its map, and the dry run's outcome; import or download."""
    layout_import = _draft(request, pk)
    record = draft_services.draft_record(layout_import)
    if record is None:
        raise Http404
    figures, params = record["figures"], record["params"]
    rows = [
        ("plots", _("Plots"), figures["plots_m2"], figures["plots_share"], None),
        (
            "reserve",
            _("Reserved for facilities"),
            figures["reserve_m2"],
            figures["reserve_share"],
            params["reserve_share"],
        ),
        ("roads", _("Roads"), figures["roads_m2"], figures["roads_share"], None),
        ("setback", _("Setback from the boundary"), figures["setback_m2"], figures["setback_share"], None),
        *(
            [("unfit", _("Unfit ground left empty"), figures["unfit_empty_m2"], figures["unfit_empty_share"], None)]
            if figures.get("unfit_empty_m2")
            else []
        ),
        (
            "left_over",
            _("Left over (too small for a whole plot)"),
            figures["left_over_m2"],
            figures["left_over_share"],
            None,
        ),
    ]
    return render(
        request,
        "webmap/planning/draft_result.html",
        {
            "li": layout_import,
            "record": record,
            "figures": figures,
            "params": params,
            "rows": [
                (key, label, m2, share * 100, None if asked is None else asked * 100)
                for key, label, m2, share, asked in rows
            ],
            "house_blocks": figures["blocks"] - figures["reserve_blocks"],
            "hectares": figures["outline_m2"] / 10_000,
            "can_commit": layout_import.status == LayoutImport.Status.CHECKED,
            "parcel_pk": record.get("parcel"),
            "unfit": figures.get("unfit"),
            "unfit_summary": unfit_summary(figures.get("unfit")),
        },
    )


@login_required
def draft_preview(request, pk):
    """The draft's plots, blocks, roads and outline in EPSG:4326 for the page's map (no personal data); once the
    draft is imported, the township's plots as the database holds them instead of the draft's."""
    layout_import = _draft(request, pk)
    record = draft_services.draft_record(layout_import)
    if record is None:
        raise Http404
    preview = record["preview"]
    if layout_import.status == LayoutImport.Status.COMMITTED:
        kept = [f for f in preview["features"] if f["properties"]["layer"] in ("roads", "outline", "unfit_ground")]
        stored = draft_services.township_plots_geojson(layout_import.township, request.user)
        preview = {"type": "FeatureCollection", "features": kept + stored}
    return JsonResponse(preview)


@login_required
def draft_geopackage(request, pk):
    layout_import = _draft(request, pk)
    path = layouts.stored_path(layout_import)
    if not path.exists():
        raise Http404
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=layout_import.file_name,
        content_type="application/geopackage+sqlite3",
    )


@require_POST
@login_required
def draft_commit(request, pk):
    """Create the draft's blocks and import its plots, all or nothing; then the layout import's report."""
    layout_import = _draft(request, pk)
    try:
        done = draft_services.layout_draft_commit(layout_import=layout_import, by=request.user)
    except (ValidationError, layouts.LayoutError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        return redirect("planning-draft-result", pk=pk)
    if done.status == LayoutImport.Status.COMMITTED:
        messages.success(
            request,
            _("The draft is imported: %(plots)s plots in %(blocks)s blocks.")
            % {
                "plots": done.counts.get("added", 0),
                "blocks": (draft_services.draft_record(done) or {}).get("figures", {}).get("blocks", 0),
            },
        )
    else:
        messages.error(request, _("Nothing was imported: the check refused some plots. Read the report below."))
    return redirect("layout-report", pk=pk)
