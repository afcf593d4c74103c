"""Web pages. Thin: they call selectors and services."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.translation import gettext as _

from allocations.ballots import ALGORITHM, ballot_verify
from allocations.models import Ballot
from households.bulk import ListError, households_import, list_forget, list_keep, list_kept
from households.eligibility import default_scheme, eligibility_assess
from households.models import EligibilityScheme, Household
from households.selectors import household_get, households_list
from households.services import (
    OUTSIDE_SCOPE,
    document_add,
    duplicate_candidates_visible,
    duplicate_decide,
    household_register,
    household_update,
)
from landreg.access_log import log_personal_data_access
from webmap.households.forms import (
    DuplicateDecisionForm,
    EvidenceForm,
    HouseholdEditForm,
    HouseholdForm,
    MemberFormSet,
    PersonForm,
)


def ballot_sheet(request, reference):
    """The printable result sheet of a public draw, verified live from the seed. Household codes only."""
    ballot = get_object_or_404(Ballot.objects.select_related("township"), reference=reference)
    ok, differences = ballot_verify(ballot)
    results = ballot.results.select_related("household", "plot__block").order_by("draw_order")
    return render(
        request,
        "webmap/ballot.html",
        {
            "ballot": ballot,
            "results": results,
            "verified": ok,
            "differences": differences,
            "algorithm": ALGORITHM,
            "entries": ballot.entries.count(),
            "plots": ballot.plots.count(),
        },
    )


# --- Households: the officer's registration pages -------------------------------------------------------------


def _form_errors(form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form, field by field where the field exists."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@login_required
def household_list(request):
    query = request.GET.get("q", "").strip()
    households = households_list(request.user, where=request.path).select_related("province")
    if "\x00" in query:
        error = _("The search holds a NUL character, which no household code contains; type the code again.")
        return render(
            request, "webmap/household_list.html", {"households": [], "query": "", "error": error}, status=400
        )
    if query:
        households = households.filter(code__icontains=query)
    page = list(households.order_by("-created_at")[:100])
    log_personal_data_access(
        user=request.user, action="list", what="households.Household", ids=[h.pk for h in page], where=request.path
    )
    return render(request, "webmap/household_list.html", {"households": page, "query": query})


@login_required
def household_new(request):
    form = HouseholdForm(request.POST or None, user=request.user)
    members = MemberFormSet(request.POST or None, prefix="m")
    head = PersonForm(request.POST or None, prefix="head", initial={"relationship": "head"})
    head.fields["relationship"].disabled = True
    if request.method == "POST" and form.is_valid() and head.is_valid() and members.is_valid():
        head_data = {k: v for k, v in head.cleaned_data.items() if k != "relationship"}
        member_data = [m for m in members.cleaned_data if m and m.get("name")]
        try:
            household = household_register(
                registered_by=request.user,
                head=head_data,
                members=member_data,
                where=request.path,
                **form.cleaned_data,
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Household %(code)s registered.") % {"code": household.code})
            return redirect("household-detail", pk=household.pk)
    return render(request, "webmap/household_new.html", {"form": form, "head": head, "members": members})


@login_required
def household_detail(request, pk):
    try:
        household = household_get(request.user, pk=pk, where=request.path)
    except Household.DoesNotExist:
        raise Http404(_("No household with this number in your provinces.")) from None
    evidence = EvidenceForm(prefix="ev")
    edit = HouseholdEditForm(prefix="hh", initial={f: getattr(household, f) for f in HouseholdEditForm.base_fields})
    refusal, status = [], 200  # a refusal that belongs to no form: said at the top of the page
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "evidence":
                evidence = EvidenceForm(request.POST, request.FILES, prefix="ev")
                if evidence.is_valid():
                    data = evidence.cleaned_data
                    document_add(
                        household=household,
                        kind=data["kind"],
                        upload=data["file"],
                        by=request.user,
                        number=data["number"],
                        issued_on=data["issued_on"],
                    )
                    messages.success(request, _("Evidence added."))
                    return redirect("household-detail", pk=pk)
            elif action == "decide":
                # The form names the flag by its id as text; a household has a handful of flags.
                flag_id = request.POST.get("flag")
                flag = next((f for f in household.duplicate_flags.all() if str(f.pk) == flag_id), None)
                decision = DuplicateDecisionForm(request.POST)
                if flag is None:
                    refusal = [_("This possible duplicate is not one of this household's; reload the page.")]
                    status = 400
                elif decision.is_valid():
                    duplicate_decide(
                        flag=flag,
                        decision=decision.cleaned_data["decision"],
                        by=request.user,
                        note=decision.cleaned_data["note"],
                    )
                    messages.success(request, _("Decision recorded."))
                    return redirect("household-detail", pk=pk)
            elif action == "edit":
                edit = HouseholdEditForm(request.POST, prefix="hh")
                if edit.is_valid():
                    household_update(household=household, by=request.user, **edit.cleaned_data)
                    messages.success(request, _("Household updated."))
                    return redirect("household-detail", pk=pk)
            elif action == "assess":
                scheme = EligibilityScheme.objects.filter(active=True).order_by("pk").first() or default_scheme()
                assessment = eligibility_assess(household=household, scheme=scheme, by=request.user)
                messages.success(request, _("Eligible.") if assessment.eligible else _("Not eligible."))
                return redirect("household-detail", pk=pk)
        except PermissionDenied as error:  # e.g. the other household of a possible duplicate is not in scope
            refusal, status = [str(error)], 403
        except ValidationError as error:  # on the form that was sent; a decision's or an assessment's at the top
            if action in ("evidence", "edit"):
                _form_errors(evidence if action == "evidence" else edit, error)
            else:
                refusal = error.messages
    return render(
        request,
        "webmap/household_detail.html",
        {
            "household": household,
            "evidence": evidence,
            "edit": edit,
            "decision_form": DuplicateDecisionForm(),
            "flags": _flags_for(request.user, household),
            "documents": household.documents.all(),
            "assessment": household.assessments.first(),
            "allocations": household.allocations.select_related("plot__township"),
            "refusal": refusal,
        },
        status=status,
    )


def _flags_for(user, household) -> list:
    """The household's possible duplicates; one outside the user's provinces is shown only as a sentence."""
    flags = list(household.duplicate_flags.select_related("candidate"))
    visible = duplicate_candidates_visible(user, {f.candidate_id for f in flags})
    for flag in flags:
        flag.candidate_visible = flag.candidate_id in visible
        flag.outside_scope = "" if flag.candidate_visible else OUTSIDE_SCOPE[flag.reason]
    return flags


# --- Bulk registration from a list ------------------------------------------------------------------------------

_IMPORT_KEY = "landreg.household_import"


def _import_store(request, name: str, content: bytes) -> None:
    """Keep the uploaded list between the dry run and the real run (server side, in MEDIA_ROOT/imports, for at
    most LANDREG_IMPORT_RETENTION_HOURS)."""
    request.session[_IMPORT_KEY] = {"name": name, "sha256": list_keep(content)}


def _import_load(request) -> tuple[str, bytes] | None:
    stored = request.session.get(_IMPORT_KEY)
    if not stored:
        return None
    content = list_kept(stored["sha256"])
    return None if content is None else (stored["name"], content)


@login_required
def household_import(request):
    """Upload a list → the dry-run report row by row → register everything (all or nothing), with progress."""
    report, error = None, None
    if request.method == "POST" and request.POST.get("action") == "commit":
        stored = _import_load(request)
        if stored is None:
            error = _("Upload the list again: the checked file is no longer here.")
        else:
            return StreamingHttpResponse(_import_progress(request, *stored), content_type="text/html; charset=utf-8")
    elif request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            error = _("Choose a CSV or XLSX file.")
        elif upload.size > settings.LANDREG_MAX_UPLOAD_BYTES:
            error = _("The file is larger than the %(mb)d MB limit; split the list.") % {
                "mb": settings.LANDREG_MAX_UPLOAD_BYTES // 1_000_000
            }
        else:
            content = upload.read()
            try:
                report = households_import(
                    name=upload.name, content=content, by=request.user, dry_run=True, where=request.path
                )
            except ListError as exc:
                error = str(exc)
            else:
                _import_store(request, upload.name, content)
    return render(request, "webmap/household_import.html", {"report": report, "error": error})


def _import_progress(request, name: str, content: bytes):
    """Stream the real run's progress as it happens: the import runs in its own thread and database
    connection, and reports every few rows."""
    import queue
    import threading

    from django.db import connections

    events: queue.Queue = queue.Queue()
    user = request.user

    def work():
        try:
            report = households_import(
                name=name,
                content=content,
                by=user,
                dry_run=False,
                where=request.path,
                progress=lambda stage, done, total: events.put(("progress", stage, done, total)),
            )
            events.put(("done", report))
        except Exception as exc:  # reported to the officer below; nothing was written (one transaction)
            events.put(("error", exc))
        finally:
            connections.close_all()

    threading.Thread(target=work, daemon=True).start()
    yield render_to_string("webmap/household_import_progress_head.html", {}, request=request)
    last = -1
    while True:
        event = events.get(timeout=600)
        if event[0] == "progress":
            _kind, stage, done, total = event
            percent = 100 * done // max(total, 1)
            if percent != last and (percent % 5 == 0 or done == total):
                last = percent
                yield f'<p class="progress">{_(stage)} {done}/{total} ({percent}%)</p>\n'
            continue
        if event[0] == "error":
            yield (
                '<p class="notice">'
                + escape(_("The import failed and nothing was registered: %(e)s") % {"e": event[1]})
                + "</p>"
            )
        else:
            report = event[1]
            stored = request.session.pop(_IMPORT_KEY, None)
            request.session.save()
            if report.committed and stored:  # the list holds names and ID numbers: not kept once registered
                list_forget(stored["sha256"])
            yield render_to_string("webmap/household_import_done.html", {"report": report}, request=request)
        break
