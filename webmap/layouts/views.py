"""Layout import pages: upload a survey or GIS file, map its attributes, read the dry-run report, import.

The upload is refused before its body is read when Content-Length is over the limit (the view runs before the
CSRF check reads the form), and stopped while streaming when it grows past it. The commit streams its progress.
"""

import queue
import threading
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from landreg.roles import has_role
from landreg.uploads import UploadLimit
from planning import draft_services
from townships import layouts
from townships.models import LayoutImport, LayoutSource
from webmap.layouts.forms import LayoutMappingForm, LayoutUploadForm, mapping_initial

_UPLOAD_KEY = "landreg.layout_upload"


def _require_importer(user):
    if not has_role(user, *layouts.IMPORT_ROLES):
        raise PermissionDenied(_("Only a GIS specialist or an administrator may import township layouts."))


@csrf_exempt  # the size is checked before the CSRF check reads the body; the inner view is CSRF-protected
def layout_upload(request):
    if request.method == "POST":
        if layouts.content_length_too_large(request):
            return render(
                request,
                "webmap/layouts/too_large.html",
                {"error": layouts.too_large_message(int(request.META["CONTENT_LENGTH"]))},
                status=413,
            )
        request.upload_handlers.insert(0, UploadLimit(request))
    return _layout_upload(request)


@csrf_protect
@login_required
def _layout_upload(request):
    """The upload form and the recent imports; a file from a known source is checked at once."""
    _require_importer(request.user)
    form = LayoutUploadForm(request.POST or None, request.FILES or None, user=request.user)
    error = None
    if request.method == "POST" and getattr(request, "layout_upload_too_large", False):
        error = layouts.too_large_message(layouts.max_upload_bytes() + 1)
    elif request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        township = form.cleaned_data["township"]
        layouts.authorize_import(by=request.user, township=township)  # before the file is kept
        try:
            path, sha, _size = layouts.layout_file_store(name=upload.name, chunks=upload.chunks())
            info = layouts.layout_inspect(path=path, name=upload.name)
        except layouts.LayoutError as exc:
            error = str(exc)
        else:
            request.session[_UPLOAD_KEY] = {
                "path": str(path),
                "name": upload.name,
                "sha256": sha,
                "township": township.pk,
                "source": form.cleaned_data["source"],
                "srid": form.cleaned_data["srid"],
            }
            source = LayoutSource.objects.filter(township=township, name=form.cleaned_data["source"]).first()
            known = source is not None and {source.number_field, source.block_field, source.use_field} - {""} <= set(
                info.fields
            )
            if known and (info.crs_name or form.cleaned_data["srid"] or source.stated_srid):
                return _check(request, request.session[_UPLOAD_KEY], mapping=None)
            return redirect("layout-mapping")
    imports = layouts.layout_imports_visible_to(request.user)[:20]
    return render(
        request,
        "webmap/layouts/upload.html",
        {"form": form, "error": error, "imports": imports, "max_mib": layouts.max_upload_mib()},
    )


def _check(request, kept: dict, *, mapping, srid=None):
    township = layouts.townships_for_import(request.user).get(pk=kept["township"])
    try:
        checked = layouts.layout_check(
            township=township,
            path=Path(kept["path"]),
            name=kept["name"],
            by=request.user,
            mapping=mapping,
            source_name=kept["source"],
            srid=srid or kept["srid"],
        )
    except layouts.LayoutError as exc:
        request.session[_UPLOAD_KEY] = {**kept, "error": str(exc)}
        return redirect("layout-mapping")
    request.session.pop(_UPLOAD_KEY, None)
    return redirect("layout-report", pk=checked.pk)


@login_required
def layout_mapping(request):
    """Which attribute holds the plot number, the block code and the use; and the CRS if the file has none."""
    _require_importer(request.user)
    kept = request.session.get(_UPLOAD_KEY)
    if not kept or not Path(kept["path"]).exists():
        return redirect("layout-upload")
    try:
        info = layouts.layout_inspect(path=Path(kept["path"]), name=kept["name"])
    except layouts.LayoutError as exc:
        request.session.pop(_UPLOAD_KEY, None)
        return render(
            request,
            "webmap/layouts/upload.html",
            {
                "form": LayoutUploadForm(user=request.user),
                "error": str(exc),
                "imports": layouts.layout_imports_visible_to(request.user)[:20],
                "max_mib": layouts.max_upload_mib(),
            },
        )
    source = LayoutSource.objects.filter(township_id=kept["township"], name=kept["source"]).first()
    initial = mapping_initial(source) if source else _guess(info.fields)
    if kept.get("srid"):
        initial["srid"] = kept["srid"]
    known_uses = source.use_values if source else {}
    data = request.POST if request.method == "POST" else None
    use_field = (data or initial).get("use_field") or ""
    if use_field not in info.fields:
        use_field = ""
    try:
        values, more = layouts.layout_field_values(info, use_field) if use_field else ([], False)
    except layouts.LayoutError as exc:
        values, more, kept["error"] = [], False, str(exc)
    error = kept.get("error")
    note = None
    if data is not None and ("values_of" in data and data["values_of"] != use_field or "show_values" in data):
        # Another use attribute was picked: offer its values before checking anything.
        initial = {**initial, **data.dict()}
        data = None
        note = _("Choose the use each value of “%(field)s” stands for, then check the layout.") % {"field": use_field}
    initial["values_of"] = use_field
    form = LayoutMappingForm(data, fields=info.fields, initial=initial, values=values, known_uses=known_uses)
    if data is not None and form.is_valid():
        values = form.cleaned_data
        mapping = layouts.Mapping(
            values["number_field"], values["block_field"], values["use_field"], values["use_values"]
        )
        request.session[_UPLOAD_KEY] = {k: v for k, v in kept.items() if k != "error"}
        return _check(request, request.session[_UPLOAD_KEY], mapping=mapping, srid=values["srid"])
    return render(
        request,
        "webmap/layouts/mapping.html",
        {
            "form": form,
            "info": info,
            "error": error,
            "note": note,
            "kept": kept,
            "needs_crs": not info.crs_name,
            "use_field": use_field,
            "values": values,
            "more_values": more,
            "values_limit": layouts.USE_VALUES_LIMIT,
        },
    )


def _guess(fields) -> dict:
    """First guesses for a new source, from common attribute names."""
    lower = {f.lower(): f for f in fields}

    def first(*names):
        return next((lower[n] for n in names if n in lower), "")

    return {
        "number_field": first("plot_no", "plot_number", "number", "plotno", "plot", "no", "text", "name"),
        "block_field": first("block", "block_code", "blk", "layer"),
        "use_field": first("use", "land_use", "landuse", "type"),
    }


def _visible(request, pk) -> LayoutImport:
    _require_importer(request.user)
    return get_object_or_404(layouts.layout_imports_visible_to(request.user), pk=pk)


@login_required
def layout_report(request, pk):
    """The dry-run (or import) report: every repaired and rejected feature, and the differences."""
    layout_import = _visible(request, pk)
    report = layouts.report_for_people(layout_import)
    return render(
        request,
        "webmap/layouts/report.html",
        {
            "li": layout_import,
            "report": report,
            "reasons": [
                (code, layouts.REASON_LABELS.get(code, code), n)
                for code, n in sorted(layout_import.counts.get("reasons", {}).items())
            ],
            "has_problems_file": layouts.report_path(layout_import).exists(),
            "different_plots": [ch for ch in report.get("changed", []) if ch.get("different_plot")],
            "can_commit": layout_import.status in (LayoutImport.Status.CHECKED, LayoutImport.Status.NEEDS_CONFIRMATION),
            # A layout draft brings its own blocks: its import creates them with the plots (planning/draft_services.py).
            "draft_commit": draft_services.is_draft(layout_import),
        },
    )


@login_required
def layout_problems(request, pk):
    layout_import = _visible(request, pk)
    path = layouts.report_path(layout_import)
    if not path.exists():
        raise Http404
    name = f"{layout_import.township.code}-layout-{layout_import.pk}-problems.gpkg"
    return FileResponse(
        path.open("rb"), as_attachment=True, filename=name, content_type="application/geopackage+sqlite3"
    )


@login_required
def layout_commit(request, pk):
    """Import, all or nothing, streaming the progress as it goes."""
    layout_import = _visible(request, pk)
    if request.method != "POST":
        return redirect("layout-report", pk=pk)
    confirm = request.POST.get("confirm_allocated_moves") == "yes"
    if layout_import.counts.get("different_plots") and request.POST.get("confirm_different_plots") != "yes":
        messages.error(
            request,
            _("Nothing was written: confirm the plots whose new outline does not overlap the old one, or renumber."),
        )
        return redirect("layout-report", pk=pk)
    return StreamingHttpResponse(_progress(request, layout_import, confirm), content_type="text/html; charset=utf-8")


def _progress(request, layout_import: LayoutImport, confirm: bool):
    """The import runs in its own thread and database connection and reports each stage; this yields a line per
    step so the page fills in while the work goes on."""
    events: queue.Queue = queue.Queue()
    user = request.user

    def work():
        try:
            done = layouts.layout_commit(
                layout_import=layout_import,
                by=user,
                confirm_allocated_moves=confirm,
                progress=lambda stage, n, total: events.put(("progress", stage, n, total)),
            )
            events.put(("done", done))
        except (layouts.LayoutError, ValidationError, PermissionDenied) as exc:
            events.put(("error", " ".join(getattr(exc, "messages", [str(exc)]))))
        except Exception as exc:  # reported to the user; the transaction rolled back, so nothing was written
            events.put(("error", exc.__class__.__name__))
            raise
        finally:
            connections.close_all()

    threading.Thread(target=work, daemon=True).start()
    yield render_to_string("webmap/layouts/progress_head.html", {"li": layout_import}, request=request)
    last = None
    while True:
        event = events.get(timeout=3600)
        if event[0] == "progress":
            _kind, stage, n, total = event
            percent = 100 * n // max(total, 1)
            step = (stage, percent // 10)
            if step != last or n == total:
                last = step
                label = {"read": _("Features read"), "checked": _("Checks run"), "written": _("Plots written")}
                yield f'<p class="progress">{escape(label.get(stage, stage))} {n}/{total} ({percent}%)</p>\n'
            continue
        if event[0] == "error":
            yield (
                '<p class="notice" id="import-done">'
                + escape(_("The import failed and nothing was written: %(e)s") % {"e": event[1]})
                + "</p>"
            )
            yield render_to_string("webmap/layouts/progress_tail.html", {"li": layout_import}, request=request)
        else:
            yield render_to_string("webmap/layouts/progress_done.html", {"li": event[1]}, request=request)
        break
