"""Flow counts on the page: the day's grid at one crossing point from one source (saved through
flow_counts_replace: entering the day again replaces it), and the import of a CSV or XLSX file with its dry-run
report first, then the import (flow_counts_import, all or nothing). Counts of crossings, never a person."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from households.bulk import list_forget, list_keep, list_kept
from landreg.tabular import SafeWriter
from landreg.uploads import max_upload_mib
from movements.flows import OUTCOME_LABELS, TEMPLATE_ROWS, FlowFileError, flow_counts_import, flow_counts_replace
from movements.selectors import flow_counts_visible_to
from webmap.movements.common import form_errors, provinces_of, render_page, require_flow_role
from webmap.movements.forms import FlowDayForm, FlowGridForm, FlowImportForm


@login_required
def flow_grid(request):
    """The grid of one day at one crossing point from one source; a reload shows what is recorded."""
    require_flow_role(request)
    provinces = provinces_of(request)
    sent = request.POST if request.method == "POST" else request.GET
    day_form = FlowDayForm(sent if sent.get("crossing_point") else None, provinces=provinces)
    if not day_form.is_bound:
        first = day_form.fields["crossing_point"].queryset.first()
        day_form = FlowDayForm(
            initial={"crossing_point": first, "day": timezone.localdate(), "source": "border_team"},
            provinces=provinces,
        )
        return render_page(request, "webmap/movements/flow_grid.html", {"day_form": day_form, "grid": None})
    if not day_form.is_valid():
        context = {"day_form": day_form, "grid": None}
        return render_page(request, "webmap/movements/flow_grid.html", context, status=400)
    point, day, source = (day_form.cleaned_data[k] for k in ("crossing_point", "day", "source"))
    # Shown again as the officer reads a date (Shamsi), whatever form the address gave it in.
    day_form = FlowDayForm(initial=day_form.cleaned_data, provinces=provinces)
    recorded = flow_counts_visible_to(request.user).filter(crossing_point=point, day=day, source=source)
    problems, row_problems, status = [], {}, 200
    if request.method == "POST":
        grid = FlowGridForm(request.POST)
        status = 400
        if grid.is_valid():
            rows, row_problems = grid.counts()
            if not row_problems:
                try:
                    removed = flow_counts_replace(
                        crossing_point=point, day=day, source=source, rows=rows, by=request.user
                    )
                except PermissionDenied as error:
                    problems, status = [str(error)], 403
                except ValidationError as error:
                    problems = form_errors(day_form, error)
                else:
                    messages.success(
                        request,
                        _("%(n)d counts saved for %(point)s.") % {"n": len(rows), "point": point.name_en},
                    )
                    for sentence in removed:
                        messages.info(request, sentence)
                    query = urlencode({"crossing_point": point.pk, "day": day.isoformat(), "source": source})
                    return redirect(f"{reverse('movement-flow-grid')}?{query}")
    else:
        grid = FlowGridForm(initial=FlowGridForm.initial_from(recorded))
    rows = list(grid.rows())
    for row in rows:
        row["errors"] = row["errors"] + row_problems.get(row["index"], [])
    context = {
        "day_form": day_form,
        "grid": grid,
        "rows": rows,
        "point": point,
        "day": day,
        "recorded": recorded.count(),
        "problems": problems,
    }
    return render_page(request, "webmap/movements/flow_grid.html", context, status=status)


_IMPORT_KEY = "landreg.flow_import"


def _import_load(request) -> tuple[str, bytes] | None:
    stored = request.session.get(_IMPORT_KEY)
    if not stored:
        return None
    content = list_kept(stored["sha256"])
    return None if content is None else (stored["name"], content)


@login_required
def flow_import(request):
    """Upload → the dry-run report, row by row (new, replaces, unchanged, invalid, and what would be removed) →
    the import, all or nothing. The file is kept between the two (as the household lists are, and cleaned up with
    them), so the report survives a reload and a change of language."""
    require_flow_role(request)
    form = FlowImportForm(request.POST or None, request.FILES or None)
    report, error, name, status = None, None, "", 200
    if request.method == "POST" and request.POST.get("action") == "commit":
        stored = _import_load(request)
        if stored is None:
            error = _("Upload the file again: the checked file is no longer here.")
        else:
            return StreamingHttpResponse(_import_progress(request, *stored), content_type="text/html; charset=utf-8")
    elif request.method == "POST":
        status = 400
        if not form.is_valid():
            error = " ".join(form.errors.get("file", [])) or _("Choose a CSV or XLSX file.")
        elif form.cleaned_data["file"].size > settings.LANDREG_MAX_UPLOAD_BYTES:
            error = _("The file is larger than the %(mb)d MiB limit; split it.") % {"mb": max_upload_mib()}
        else:
            upload = form.cleaned_data["file"]
            content = upload.read()
            try:
                flow_counts_import(name=upload.name, content=content, by=request.user, dry_run=True)
            except (FlowFileError, PermissionDenied) as exc:
                error = str(exc)
            else:
                request.session[_IMPORT_KEY] = {"name": upload.name, "sha256": list_keep(content)}
                return redirect(f"{request.path}?checked=1")
    elif request.GET.get("checked"):
        stored = _import_load(request)
        if stored is None:
            error = _("Upload the file again: the checked file is no longer here.")
        else:
            name = stored[0]
            try:
                report = flow_counts_import(name=name, content=stored[1], by=request.user, dry_run=True)
            except (FlowFileError, PermissionDenied) as exc:
                error = str(exc)
    context = {"form": FlowImportForm(), "report": report, "error": error, "name": name}
    context["outcomes"] = OUTCOME_LABELS
    return render_page(request, "webmap/movements/flow_import.html", context, status=status)


@login_required
def flow_import_template(request):
    """The file's template: its header row and one example."""
    require_flow_role(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="flow-counts-template.csv"'
    writer = SafeWriter(response)
    for row in TEMPLATE_ROWS:
        writer.writerow(row)
    return response


# While a long import runs, the page says so this often (seconds): the officer sees it is still working.
HEARTBEAT_SECONDS = 5


def _import_progress(request, name: str, content: bytes):
    """Stream the import's page as it happens: the import runs in its own thread and database connection (one
    transaction: all or nothing), the page says it is still working until the result arrives."""
    import queue
    import threading

    from django.db import connections

    events: queue.Queue = queue.Queue()
    user = request.user

    def work():
        try:
            events.put(("done", flow_counts_import(name=name, content=content, by=user, dry_run=False)))
        except Exception as exc:  # said to the officer below; nothing was written (one transaction)
            events.put(("error", exc))
        finally:
            connections.close_all()

    threading.Thread(target=work, daemon=True).start()
    yield render_to_string("webmap/movements/flow_import_head.html", {"name": name}, request=request)
    while True:
        try:
            kind, result = events.get(timeout=HEARTBEAT_SECONDS)
        except queue.Empty:
            yield '<p class="progress">' + escape(_("Still importing…")) + "</p>\n"
            continue
        break
    if kind == "error":
        message = str(result) if isinstance(result, FlowFileError | PermissionDenied) else _("an unexpected error")
        context = {"error": _("Nothing was imported: %(e)s") % {"e": message}}
        if not isinstance(result, FlowFileError | PermissionDenied):
            import logging

            logging.getLogger(__name__).error("flow count import failed", exc_info=result)
    elif not result.committed:
        context = {"report": result, "error": _("Nothing was imported: a row became invalid since the check.")}
    else:
        stored = request.session.pop(_IMPORT_KEY, None)
        request.session.save()
        if stored:
            list_forget(stored["sha256"])
        context = {"done": result}
    yield render_to_string("webmap/movements/flow_import_done.html", context, request=request)
