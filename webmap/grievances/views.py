"""The officers' grievance pages: the list (filters, overdue first, the officer's provinces), a new grievance, a
grievance's page (the record, its steps, its deadlines, the actions this officer may take, each confirmed), the
dashboard, the acknowledgement receipt (PDF) and the list as CSV.

Thin: reads through grievances.selectors (scope, the sealed description readable only by the focal point, every
view of personal data logged), writes through grievances.services (which refuse with a sentence, shown on the page).
docs/grievances.md says who may do what."""

import io

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, Count, F, IntegerField, Q, Value, When
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grievances import permissions, selectors, services
from grievances.models import OPEN_STATUSES, Appeal, Grievance, LandDispute
from households.selectors import households_visible_to
from landreg import calendar, roles
from landreg.access_log import log_personal_data_access
from landreg.i18n import choice_label
from landreg.roles import PERSONAL_DATA_ROLES, has_role
from landreg.tabular import SafeWriter
from parcels.models import AdminArea
from townships.selectors import plots_visible_to
from webmap.grievances.forms import (
    AppealDecisionForm,
    AssignForm,
    DisputeDecisionForm,
    GrievanceFilterForm,
    GrievanceForm,
    NoteForm,
    ReferForm,
    ResolveForm,
)
from webmap.grievances.receipt import receipt_pdf

LIST_LIMIT = 200  # a page; the CSV export has them all
EXPORT_LIMIT = 100_000
# The actions a grievance's page offers, in the order an office takes them: (button, what it does, the form it asks,
# what the message says afterwards). Which of them this officer may take now is grievance_allowed_actions's.
ACTIONS = {
    "acknowledge": (
        gettext_lazy("Acknowledge"),
        gettext_lazy("Records that the complainant was told the grievance is received and will be looked into."),
        NoteForm,
        gettext_lazy("Grievance %(reference)s acknowledged. Next: review it."),
    ),
    "review": (
        gettext_lazy("Start the review"),
        gettext_lazy("The grievance is under review: its owner looks into it and gathers what is needed to decide."),
        NoteForm,
        gettext_lazy("Grievance %(reference)s is under review."),
    ),
    "refer": (
        gettext_lazy("Refer it"),
        gettext_lazy("The grievance is referred to a partner, a court or the police, who take it up. Say to whom."),
        ReferForm,
        gettext_lazy("Grievance %(reference)s referred."),
    ),
    "resolve": (
        gettext_lazy("Resolve"),
        gettext_lazy(
            "Records the outcome: say what was decided or done. Then tell the complainant and close the loop."
        ),
        ResolveForm,
        gettext_lazy("Grievance %(reference)s resolved. Next: tell the complainant the outcome, then close the loop."),
    ),
    "close_loop": (
        gettext_lazy("The complainant was told the outcome"),
        gettext_lazy("Records that the complainant knows the outcome: the loop is closed."),
        NoteForm,
        gettext_lazy("Loop closed on grievance %(reference)s: the complainant knows the outcome."),
    ),
    "close": (
        gettext_lazy("Close"),
        gettext_lazy("The grievance is closed: nothing more is done on it. The record and its steps stay."),
        NoteForm,
        gettext_lazy("Grievance %(reference)s closed."),
    ),
    "open_dispute": (
        gettext_lazy("Open the land dispute on the plot"),
        gettext_lazy(
            "The plot becomes disputed: an allocation holding it is suspended, and it cannot be allocated, handed "
            "over or transferred until a committee member decides the dispute."
        ),
        NoteForm,
        gettext_lazy("Land dispute %(reference)s opened: the plot is disputed until the dispute is decided."),
    ),
    "decide_dispute": (
        gettext_lazy("Resolve the dispute"),
        gettext_lazy(
            "The decision is recorded for good and the plot returns to the status it should have (an allocation "
            "suspended for the dispute resumes, unless the claim is upheld)."
        ),
        DisputeDecisionForm,
        gettext_lazy("Dispute %(reference)s resolved; the plot's status follows the decision."),
    ),
    "decide_appeal": (
        gettext_lazy("Decide the appeal"),
        gettext_lazy("Records the decision on the appeal; another committee member then checks it before it counts."),
        AppealDecisionForm,
        gettext_lazy("Appeal %(reference)s decided; waiting for a second committee member to check it."),
    ),
    "check_appeal": (
        gettext_lazy("Check the appeal's decision"),
        gettext_lazy("You confirm, as the second committee member, the decision recorded on this appeal."),
        NoteForm,
        gettext_lazy("Appeal %(reference)s checked: the decision counts."),
    ),
    "assign": (
        gettext_lazy("Assign an owner"),
        gettext_lazy("The owner answers for the grievance's deadlines; reminders go to them first."),
        AssignForm,
        gettext_lazy("Grievance %(reference)s assigned."),
    ),
}


# A step as the timeline names it.
STEP_LABELS = {
    "receive": gettext_lazy("Received"),
    "acknowledge": gettext_lazy("Acknowledged"),
    "review": gettext_lazy("Review started"),
    "refer": gettext_lazy("Referred"),
    "resolve": gettext_lazy("Resolved"),
    "close": gettext_lazy("Closed"),
    "close_loop": gettext_lazy("Complainant told the outcome (loop closed)"),
    "assign": gettext_lazy("Owner assigned"),
    "escalate": gettext_lazy("Escalated: overdue"),
    "open_dispute": gettext_lazy("Land dispute opened on the plot"),
    "decide_dispute": gettext_lazy("Dispute decided"),
    "decide_appeal": gettext_lazy("Appeal decided"),
    "check_appeal": gettext_lazy("Appeal's decision checked"),
}


def _owners(grievance: Grievance):
    """Who may own a grievance: land officers, committee members and focal points whose scope covers its
    province. The service checks the same (grievance_assign)."""
    owner_roles = [roles.GRIEVANCE_FOCAL_POINT] if grievance.sensitive else permissions.OWNERS
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=owner_roles)
        .filter(Q(scope__national=True) | Q(scope__provinces=grievance.province_id))
        .distinct()
        .order_by("username")
    )


def _form_for(action: str, grievance: Grievance, data=None):
    form_class = ACTIONS[action][2]
    prefix = action
    if form_class is AssignForm:
        return AssignForm(data, owners=_owners(grievance), prefix=prefix)
    return form_class(data, prefix=prefix)


def _run(action: str, grievance: Grievance, user, data: dict):
    """The service call of one page action."""
    note = data.get("note", "")
    if action == "assign":
        return services.grievance_assign(grievance=grievance, to=data["to"], by=user)
    if action == "open_dispute":
        return services.dispute_open_for(grievance=grievance, by=user, note=note)
    if action == "decide_dispute":
        return services.dispute_resolve(grievance=grievance, decision=data["decision"], by=user, note=note)
    if action == "decide_appeal":
        return services.appeal_decide(grievance=grievance, decision=data["decision"], by=user, note=note)
    if action == "check_appeal":
        return services.appeal_check(grievance=grievance, by=user, note=note)
    return services.grievance_transition(
        grievance=grievance, action=action, by=user, note=note, referred_to=data.get("referred_to", "")
    )


def _the_grievance(request, reference: str) -> Grievance:
    try:
        return selectors.grievance_for(request.user, reference)
    except (Grievance.DoesNotExist, ValueError):
        raise Http404(_("No grievance with this reference in your provinces.")) from None


def _may_use(request) -> None:
    if not has_role(request.user, *permissions.RECEIVERS):
        raise PermissionDenied(_("Your role does not work with grievances."))


def overdue_text(due, now) -> str:
    """'3 days overdue' (or hours, under a day) for a deadline passed; '' otherwise."""
    if due is None or due >= now:
        return ""
    late = now - due
    if late.days >= 1:
        return _("%(n)s days overdue") % {"n": calendar.number_text(late.days, places=0)}
    hours = max(1, int(late.total_seconds() // 3600))
    return _("%(n)s hours overdue") % {"n": calendar.number_text(hours, places=0)}


def due_in_text(due, now) -> str:
    """'due in 3 days' (or hours, under a day) for a deadline ahead."""
    ahead = due - now
    if ahead.days >= 1:
        return _("due in %(n)s days") % {"n": calendar.number_text(ahead.days, places=0)}
    hours = max(1, int(ahead.total_seconds() // 3600))
    return _("due in %(n)s hours") % {"n": calendar.number_text(hours, places=0)}


def _filtered(request):
    """The grievances the list's filters ask for, overdue first (the selector's order), and the filter form."""
    form = GrievanceFilterForm(request.GET or None)
    criteria = {}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        criteria = {
            "status": data["status"] or None,
            "category": data["category"] or None,
            "overdue": True if data["overdue"] else None,
        }
    return form, overdue_first(selectors.grievances_for(request.user, **criteria), timezone.now())


def overdue_first(grievances, now):
    """Overdue ones first, the most overdue at the top; then the others, newest first."""
    late = Q(status__in=OPEN_STATUSES, next_due__lt=now)
    return grievances.annotate(
        late_rank=Case(When(late, then=Value(0)), default=Value(1), output_field=IntegerField()),
        late_due=Case(When(late, then=F("next_due")), default=None),
    ).order_by("late_rank", F("late_due").asc(nulls_last=True), "-received_at", "-id")


def _row(g: Grievance, now) -> dict:
    return {
        "g": g,
        "overdue": overdue_text(g.next_due, now),
        "category": choice_label(Grievance.Category, g.category),
        "status": choice_label(Grievance.Status, g.status),
        "priority": choice_label(Grievance.Priority, g.priority),
    }


@login_required
def grievance_list(request):
    _may_use(request)
    form, grievances = _filtered(request)
    now = timezone.now()
    page = list(grievances.select_related("province", "plot", "assigned_to")[: LIST_LIMIT + 1])
    more = len(page) > LIST_LIMIT
    rows = [_row(g, now) for g in page[:LIST_LIMIT]]
    return render(
        request,
        "webmap/grievances/list.html",
        {
            "form": form,
            "rows": rows,
            "more": more,
            "limit": LIST_LIMIT,
            "query": request.GET.urlencode(),
            "status_code": 400 if form.is_bound and not form.is_valid() else 200,
        },
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


@login_required
def grievance_export(request):
    """The list, as filtered, in CSV: every cell through landreg.tabular (a cell a spreadsheet would run as a
    formula is neutralised). Sealed descriptions stay sealed: an export is a file that travels."""
    _may_use(request)
    form, grievances = _filtered(request)
    if form.is_bound and not form.is_valid():
        return HttpResponse(" ".join(e for errors in form.errors.values() for e in errors), status=400)
    now = timezone.now()
    rows = list(grievances.select_related("province", "township", "plot", "household", "assigned_to")[:EXPORT_LIMIT])
    sees_people = has_role(request.user, *PERSONAL_DATA_ROLES)
    out = io.StringIO()
    writer = SafeWriter(out)
    writer.writerow(
        [
            "reference",
            "received_at",
            "channel",
            "category",
            "sensitive",
            "priority",
            "anonymous",
            "status",
            "province",
            "township",
            "plot",
            "household",
            "owner",
            "acknowledge_due",
            "resolve_due",
            "next_due",
            "overdue",
            "loop_closed_at",
            "description",
        ]
    )
    for g in rows:
        writer.writerow(
            [
                g.reference,
                _iso(g.received_at),
                g.channel,
                g.category,
                "yes" if g.sensitive else "no",
                g.priority,
                "yes" if g.anonymous else "no",
                g.status,
                g.province.pcode if g.province_id else "",
                g.township.code if g.township_id else "",
                g.plot.number if g.plot_id else "",
                g.household.code if g.household_id and sees_people else "",
                g.assigned_to.username if g.assigned_to_id else "",
                _iso(g.acknowledge_due),
                _iso(g.resolve_due),
                _iso(g.next_due),
                "yes" if g.next_due is not None and g.next_due < now else "no",
                _iso(g.loop_closed_at),
                "[sealed]" if g.sensitive else g.description,
            ]
        )
    log_personal_data_access(
        user=request.user, action="export", what="grievances.Grievance", ids=[g.pk for g in rows], where=request.path
    )
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="grievances.csv"'
    return response


def _iso(moment) -> str:
    return timezone.localtime(moment).isoformat(timespec="minutes") if moment else ""


@login_required
def grievance_new(request):
    _may_use(request)
    initial = _initial_links(request)
    form = GrievanceForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if form.is_appeal:
                grievance = services.appeal_lodge(by=request.user, **form.appeal_arguments())
            elif form.is_dispute:
                grievance = services.dispute_open(by=request.user, **form.dispute_arguments())
            else:
                grievance = services.grievance_receive(by=request.user, **form.service_arguments())
        except PermissionDenied as error:
            form.add_error(None, str(error))
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(
                request,
                _(
                    "Grievance %(reference)s recorded. Give the complainant this reference and print the receipt; "
                    "next, acknowledge it."
                )
                % {"reference": grievance.reference},
            )
            return redirect("grievance-detail", reference=grievance.reference)
    return render(request, "webmap/grievances/new.html", {"form": form}, status=400 if form.errors else 200)


def _initial_links(request) -> dict:
    """A link from the map or a household's page names the plot or household (?plot=<id>, ?household=<id>),
    looked up in the officer's scope; anything else is ignored."""
    initial = {}
    plot_id, household_id = request.GET.get("plot", ""), request.GET.get("household", "")
    if plot_id.isdigit():
        plot = plots_visible_to(request.user).filter(pk=int(plot_id)).first()
        if plot is not None:
            initial.update(township=plot.township_id, plot_number=plot.number)
    if household_id.isdigit():
        household = households_visible_to(request.user).filter(pk=int(household_id)).first()
        if household is not None:
            initial["household"] = household.code
    return initial


def _form_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _deadlines(g: Grievance, now) -> list[dict]:
    rows = [
        (_("Acknowledge"), g.acknowledge_due, g.acknowledged_at),
        (_("Refer (sensitive)"), g.refer_due, g.referred_at),
        (_("Resolve"), g.resolve_due, g.resolved_at),
    ]
    out = []
    for label, due, met in rows:
        if due is None:
            continue
        if met is not None:
            state = _("done %(when)s") % {"when": calendar.shamsi_datetime(met)}
            late = overdue_text(due, met)
            if late:
                state += " · " + _("late")
        else:
            late = overdue_text(due, now)
            state = late or due_in_text(due, now)
        out.append({"label": label, "due": due, "state": state, "overdue": bool(met is None and late), "met": met})
    return out


@login_required
def grievance_detail(request, reference: str):
    _may_use(request)
    grievance = _the_grievance(request, reference)
    allowed = [a for a in ACTIONS if a in selectors.grievance_allowed_actions(request.user, grievance)]
    forms_by_action = {a: _form_for(a, grievance) for a in allowed}
    refusal, status, opened = "", 200, ""
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in allowed:
            refusal, status = (
                _("This step cannot be taken on this grievance now; the page shows the steps you may take."),
                400,
            )
        else:
            form = _form_for(action, grievance, request.POST)
            forms_by_action[action] = form
            opened = action
            if form.is_valid():
                try:
                    _run(action, grievance, request.user, form.cleaned_data)
                except PermissionDenied as error:
                    refusal, status = str(error), 403
                except ValidationError as error:
                    _form_errors(form, error)
                    status = 400
                else:
                    messages.success(request, str(ACTIONS[action][3]) % {"reference": grievance.reference})
                    return redirect("grievance-detail", reference=grievance.reference)
            else:
                status = 400
    return _detail_page(request, grievance, forms_by_action, refusal=refusal, status=status, opened=opened)


def _detail_page(request, grievance, forms_by_action, *, refusal="", status=200, opened=""):
    grievance = _the_grievance(request, grievance.reference)  # read again after a write refused
    now = timezone.now()
    description = selectors.grievance_description(request.user, grievance, where=request.path)
    dispute = LandDispute.objects.filter(grievance=grievance).select_related("plot", "decided_by").first()
    appeal = Appeal.objects.filter(grievance=grievance).select_related("decided_by", "checked_by").first()
    actions = [
        {
            "code": code,
            "label": ACTIONS[code][0],
            "consequence": ACTIONS[code][1],
            "form": form,
            "open": code == opened,
        }
        for code, form in forms_by_action.items()
    ]
    return render(
        request,
        "webmap/grievances/detail.html",
        {
            "g": grievance,
            "row": _row(grievance, now),
            "description": description,
            "steps": _steps(request, grievance),
            "deadlines": _deadlines(grievance, now),
            "dispute": dispute,
            "appeal": appeal,
            "actions": actions,
            "refusal": refusal,
            "sees_people": has_role(request.user, *PERSONAL_DATA_ROLES),
            "receipt_languages": [("en", "English"), ("fa", "دری"), ("ps", "پښتو")],
        },
        status=status,
    )


def _steps(request, grievance: Grievance) -> list[dict]:
    """The timeline: each step with who and when, its note as the user may read it (a sealed one says so)."""
    return [
        {
            "action": step.action,
            "label": STEP_LABELS.get(step.action, step.action),
            # A decision that resolves says so; a transition's own name already says its status.
            "status": choice_label(Grievance.Status, step.to_status)
            if step.to_status != step.from_status
            and step.action not in Grievance.TRANSITIONS
            and step.action != "receive"
            else "",
            "by": (step.by.get_full_name() or step.by.username) if step.by_id else "",
            "at": step.at,
            "note": step.note_text or "",
            "sealed": step.note_hidden,
            "referred_to": step.referred_to,
        }
        for step in selectors.grievance_steps(request.user, grievance, where=request.path)
    ]


@login_required
def grievance_receipt(request, reference: str):
    """The acknowledgement receipt as a PDF, in the language asked (?language=en|fa|ps; the complainant's by
    default)."""
    _may_use(request)
    grievance = _the_grievance(request, reference)
    language = request.GET.get("language") or grievance.language
    if language not in Grievance.Language.values:
        return HttpResponse(_("The receipt is printed in en, fa or ps."), status=400, content_type="text/plain")
    description = (
        None if grievance.sensitive else selectors.grievance_description(request.user, grievance, where=request.path)
    )
    pdf = receipt_pdf(grievance=grievance, language=language, description=description)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{grievance.reference}-{language}.pdf"'
    return response


@login_required
def grievance_dashboard(request):
    _may_use(request)
    now = timezone.now()
    data = selectors.grievance_dashboard(request.user, now=now)
    return render(
        request,
        "webmap/grievances/dashboard.html",
        {
            "data": data,
            "provinces": _by_province(request.user, now),
            "overdue": [
                {
                    **row,
                    "category_label": choice_label(Grievance.Category, row["category"]),
                    "status_label": choice_label(Grievance.Status, row["status"]),
                    "late": overdue_text(row["next_due"], now),
                }
                for row in data["overdue"]
            ],
            "today": calendar.shamsi_date(timezone.localdate()),
        },
    )


def _by_province(user, now) -> list[dict]:
    """Open and overdue grievances per province of the user's scope, the most overdue province first."""
    late = Q(status__in=OPEN_STATUSES, next_due__lt=now)
    rows = list(
        selectors.grievances_for(user)
        .order_by()
        .values("province_id")
        .annotate(open=Count("id", filter=Q(status__in=OPEN_STATUSES)), overdue=Count("id", filter=late))
    )
    provinces = AdminArea.objects.in_bulk([row["province_id"] for row in rows])
    out = [
        {"name": provinces[row["province_id"]].local_name, "open": row["open"], "overdue": row["overdue"]}
        for row in rows
    ]
    return sorted(out, key=lambda r: (-r["overdue"], -r["open"], r["name"]))
