"""Web pages. Thin: they call selectors and services."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from allocations.ballots import ALGORITHM, ballot_verify
from allocations.models import Ballot
from allocations.selectors import allocations_visible_to, documents_visible_to
from households.bulk import (
    OUTCOME_LABELS,
    ListError,
    households_import,
    list_forget,
    list_keep,
    list_kept,
    list_template_csv,
)
from households.eligibility import default_scheme, eligibility_assess, reason_text
from households.models import Document, DuplicateFlag, EligibilityScheme, Household, Person
from households.selectors import duplicate_pair, household_get, households_list, households_search
from households.services import (
    OUTSIDE_SCOPE,
    PERSON_FIELDS,
    document_add,
    duplicate_candidates_visible,
    duplicate_decide,
    household_register,
    household_update,
    person_add,
    person_update,
)
from landreg import roles
from landreg.access_log import log_personal_data_access
from landreg.history import history_of
from landreg.roles import has_role
from landreg.uploads import max_upload_mib
from webmap.households.forms import (
    DuplicateDecisionForm,
    EvidenceForm,
    HouseholdEditForm,
    HouseholdForm,
    HouseholdSearchForm,
    MemberFormSet,
    PersonEditForm,
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
    """The households of the officer's provinces, newest first; searched by code, name, father's name, phone or
    tazkira number (households_search, which logs the search)."""
    # Searched by POST, so that an ID or phone number typed is not kept in addresses, server logs or history.
    sent = request.POST if request.method == "POST" else request.GET
    if any("\x00" in value for value in sent.values()):
        error = _("The search holds a NUL character, which no household record contains; type it again.")
        form = HouseholdSearchForm()
        context = {"households": [], "form": form, "error": error, "searched": True}
        return render(request, "webmap/household_list.html", context, status=400)
    form = HouseholdSearchForm(sent if any(sent.get(f) for f in HouseholdSearchForm.base_fields) else None)
    criteria = form.cleaned_data if form.is_bound and form.is_valid() else {}
    criteria = {k: v.strip() for k, v in criteria.items() if v and v.strip()}
    if criteria:
        households = households_search(
            request.user,
            text=criteria.get("q", ""),
            father_name=criteria.get("father", ""),
            phone=criteria.get("phone", ""),
            tazkira=criteria.get("tazkira", ""),
            where=request.path,
        )
    else:
        households = households_list(request.user, where=request.path)
    page = list(households.select_related("province").order_by("-created_at")[:100])
    heads = {p.household_id: p for p in Person.objects.filter(household__in=page, relationship="head")}
    for household in page:
        household.head = heads.get(household.pk)
    log_personal_data_access(
        user=request.user, action="list", what="households.Household", ids=[h.pk for h in page], where=request.path
    )
    if criteria:  # shown again as typed, but for the tazkira number, which is not echoed
        form = HouseholdSearchForm(initial={k: v for k, v in criteria.items() if k != "tazkira"})
    context = {"households": page, "form": form, "searched": bool(criteria)}
    return render(request, "webmap/household_list.html", context)


@login_required
def household_new(request):
    _land_officers_only(request)
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


def _land_officers_only(request) -> None:
    """Registration pages are for land officers (the services check again, with the province)."""
    if not has_role(request.user, roles.LAND_OFFICER):
        raise PermissionDenied(_("Your role does not register households."))


def _household_or_404(request, pk) -> Household:
    try:
        return household_get(request.user, pk=pk, where=request.path)
    except Household.DoesNotExist:
        raise Http404(_("No household with this number in your provinces.")) from None


def _person_data(cleaned: dict) -> dict:
    return {k: v for k, v in cleaned.items() if k in PERSON_FIELDS or k in ("tazkira", "por")}


@login_required
def household_detail(request, pk):
    household = _household_or_404(request, pk)
    evidence = EvidenceForm(prefix="ev")
    evidence.fields["person"].queryset = household.members.all()
    edit = HouseholdEditForm(prefix="hh", initial={f: getattr(household, f) for f in HouseholdEditForm.base_fields})
    new_member = PersonForm(prefix="new")
    member_forms = {}  # a member's form with errors, by person id
    refusal, status = [], 200  # a refusal that belongs to no form: said at the top of the page
    action = request.POST.get("action") if request.method == "POST" else None
    try:
        if action == "evidence":
            evidence = EvidenceForm(request.POST, request.FILES, prefix="ev")
            evidence.fields["person"].queryset = household.members.all()
            if evidence.is_valid():
                data = evidence.cleaned_data
                document_add(
                    household=household,
                    kind=data["kind"],
                    upload=data["file"],
                    by=request.user,
                    number=data["number"],
                    issued_on=data["issued_on"],
                    person=data["person"],
                )
                messages.success(request, _("Evidence added."))
                return redirect("household-detail", pk=pk)
        elif action == "edit":
            edit = HouseholdEditForm(request.POST, prefix="hh")
            if edit.is_valid():
                household_update(household=household, by=request.user, **edit.cleaned_data)
                messages.success(request, _("Household updated."))
                return redirect("household-detail", pk=pk)
        elif action == "add_member":
            new_member = PersonForm(request.POST, prefix="new")
            if new_member.is_valid():
                person = person_add(
                    household=household, by=request.user, where=request.path, **_person_data(new_member.cleaned_data)
                )
                messages.success(request, _("%(name)s added to the household.") % {"name": person.name})
                return redirect("household-detail", pk=pk)
        elif action == "member":
            person = next((p for p in household.members.all() if str(p.pk) == request.POST.get("person")), None)
            if person is None:
                refusal, status = [_("This member is not one of this household's; reload the page.")], 400
            else:
                form = PersonEditForm(request.POST, prefix=f"p{person.pk}", person=person)
                member_forms[person.pk] = form
                if form.is_valid():
                    person_update(person=person, by=request.user, where=request.path, **_person_data(form.cleaned_data))
                    messages.success(request, _("%(name)s updated.") % {"name": form.cleaned_data["name"]})
                    return redirect("household-detail", pk=pk)
        elif action == "assess":
            scheme = EligibilityScheme.objects.filter(active=True).order_by("pk").first() or default_scheme()
            eligibility_assess(household=household, scheme=scheme, by=request.user)
            return redirect(f"{request.path}#eligibility")  # the result is shown there, in its own colour
    except PermissionDenied as error:  # e.g. a committee member may see but not edit
        refusal, status = [str(error)], 403
    except ValidationError as error:  # on the form that was sent; an assessment's at the top
        form = {"evidence": evidence, "edit": edit, "add_member": new_member}.get(action) or next(
            iter(member_forms.values()), None
        )
        if form is not None:
            _form_errors(form, error)
        else:
            refusal = error.messages
    household = _household_or_404(request, pk) if action else household  # read again after a refused write
    members = []
    for person in _head_first(household.members.all()):
        form = member_forms.get(person.pk) or PersonEditForm(prefix=f"p{person.pk}", person=person)
        members.append({"person": person, "form": form, "history": _member_history(person)})
    assessment = household.assessments.first()
    return render(
        request,
        "webmap/household_detail.html",
        {
            "household": household,
            "members": members,
            "new_member": new_member,
            "evidence": evidence,
            "edit": edit,
            "flags": _flags_for(request.user, household),
            "documents": household.documents.select_related("person"),
            "assessment": assessment,
            "reasons": [(r.get("passed"), reason_text(r)) for r in assessment.results] if assessment else [],
            "allocations": allocations_visible_to(request.user)
            .filter(household=household)
            .select_related("plot__township", "plot__block"),
            "letters": documents_visible_to(request.user).filter(allocation__household=household),
            "refusal": refusal,
        },
        status=status,
    )


# What a member's history says changed, in words; the derived keys and last digits go with what they derive from.
_HISTORY_FIELDS = {
    "relationship": gettext_lazy("Relationship"),
    "name": gettext_lazy("Name"),
    "father_name": gettext_lazy("Father's name"),
    "name_local": gettext_lazy("Name in Dari or Pashto script"),
    "father_name_local": gettext_lazy("Father's name in Dari or Pashto script"),
    "sex": gettext_lazy("Sex"),
    "date_of_birth": gettext_lazy("Date of birth"),
    "phone": gettext_lazy("Phone"),
    "tazkira_hash": gettext_lazy("Tazkira number"),
    "por_hash": gettext_lazy("PoR card number"),
}


def _member_history(person) -> list[dict]:
    rows = []
    for row in history_of(person):
        changed = [str(_HISTORY_FIELDS[f]) for f in row["changed"] if f in _HISTORY_FIELDS]
        if row["action"] == "update" and not changed:
            continue  # only derived columns changed
        rows.append({**row, "changed": changed})
    return rows


def _flags_for(user, household) -> list:
    """The household's possible duplicates, flagged on it or against it (a pair is flagged once); one whose other
    household is outside the user's provinces is shown only as a sentence."""
    flags = list(
        DuplicateFlag.objects.filter(Q(household=household) | Q(candidate=household)).select_related(
            "household", "candidate"
        )
    )
    for flag in flags:
        flag.other = flag.candidate if flag.household_id == household.pk else flag.household
    visible = duplicate_candidates_visible(user, {f.other.pk for f in flags})
    for flag in flags:
        flag.other_visible = flag.other.pk in visible
        flag.outside_scope = "" if flag.other_visible else OUTSIDE_SCOPE[flag.reason]
    return flags


def _side(user, household: Household) -> dict:
    """What the officer compares of one household: its facts, its members (ID numbers only as recorded or not),
    and the plot it holds."""
    allocation = (
        allocations_visible_to(user).filter(household=household).active().select_related("plot__township").first()
    )
    return {"household": household, "members": _head_first(household.members.all()), "allocation": allocation}


def _head_first(people) -> list:
    """The head of household first, then the members in the order they were registered."""
    return sorted(people, key=lambda p: (p.relationship != Person.Relationship.HEAD, p.pk))


@login_required
def duplicate_compare(request, pk, flag_id):
    """A possible duplicate side by side with the household it was flagged on, and the decision (none chosen)."""
    household = _household_or_404(request, pk)
    try:
        flag, other = duplicate_pair(request.user, household=household, flag_id=flag_id, where=request.path)
    except DuplicateFlag.DoesNotExist:
        raise Http404(_("This possible duplicate is not one you may compare; reload the household's page.")) from None
    form = DuplicateDecisionForm(request.POST or None)
    refusal, status = [], 200
    if request.method == "POST" and form.is_valid():
        try:
            duplicate_decide(
                flag=flag, decision=form.cleaned_data["decision"], by=request.user, note=form.cleaned_data["note"]
            )
        except PermissionDenied as error:
            refusal, status = [str(error)], 403
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(
                request,
                _("Decision recorded: %(decision)s.") % {"decision": DuplicateFlag.Decision(flag.decision).label},
            )
            return redirect("household-detail", pk=pk)
    elif request.method == "POST":
        status = 400
    other = Household.objects.select_related("province").prefetch_related("members").get(pk=other)
    return render(
        request,
        "webmap/household_duplicate.html",
        {
            "flag": flag,
            "sides": [_side(request.user, household), _side(request.user, other)],
            "form": form,
            "refusal": refusal,
        },
        status=status,
    )


@login_required
def evidence_file(request, pk, document_id):
    """An evidence scan of a household the user may see; the view is logged."""
    household = _household_or_404(request, pk)
    document = get_object_or_404(Document, household=household, pk=document_id)
    log_personal_data_access(
        user=request.user, action="view", what="households.Document", ids=[document.pk], where=request.path
    )
    try:
        scan = document.file.open("rb")
    except FileNotFoundError:  # lost from the media folder: say so, never a 500
        message = _("This scan is no longer in the media folder; upload it again.")
        return render(request, "webmap/not_found.html", {"message": message}, status=404)
    # Sent as a download, never shown inline: a scan is an upload, and the browser must not render what it holds.
    return FileResponse(scan, as_attachment=True, filename=document.file.name.rsplit("/", 1)[-1])


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
    """Upload a list → the dry-run report row by row → register everything (all or nothing), with progress.

    The upload is checked, kept, and the page redirects to ?checked=1, which checks the kept list again and shows
    the report: so the report survives a reload and a change of language, and is in the reader's language."""
    _land_officers_only(request)
    report, error, name = None, None, ""
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
            error = _("The file is larger than the %(mb)d MiB limit; split the list.") % {"mb": max_upload_mib()}
        else:
            content = upload.read()
            try:
                households_import(name=upload.name, content=content, by=request.user, dry_run=True, where=request.path)
            except ListError as exc:
                error = str(exc)
            else:
                _import_store(request, upload.name, content)
                return redirect(f"{request.path}?checked=1")
    elif request.GET.get("checked"):
        stored = _import_load(request)
        if stored is None:
            error = _("Upload the list again: the checked file is no longer here.")
        else:
            name = stored[0]
            try:
                report = households_import(
                    name=name, content=stored[1], by=request.user, dry_run=True, where=request.path
                )
            except ListError as exc:
                error = str(exc)
    # A file refused is bad input (400); a checked list gone since (the clean-up) is only asked for again.
    status = 400 if error and request.method == "POST" and request.POST.get("action") != "commit" else 200
    context = {"report": report, "error": error, "name": name, "outcomes": OUTCOME_LABELS}
    return render(request, "webmap/household_import.html", context, status=status)


@login_required
def household_import_template(request):
    """The list template: the header row and one example row."""
    _land_officers_only(request)
    response = HttpResponse(list_template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="households-template.csv"'
    return response


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
