"""Arrivals at the border: the list (filters: crossing point, period, category), an arrival's page, the border
team's registration of a whole family on one screen, and the open reviews (an ID number registered to another
household) where a land officer decides. Personal data: only for the roles that work with it, each view logged
(movements/selectors.py decides who sees which arrival)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from households.models import DuplicateFlag, Household
from households.selectors import households_visible_to
from landreg.access_log import log_personal_data_access
from landreg.i18n import choice_label
from movements.models import COUNTRIES_OF_ASYLUM, Arrival, ArrivalReview, Assistance, DocumentHeld, Vulnerability
from movements.selectors import (
    arrival_get,
    arrival_reviews_open,
    arrival_reviews_outside_scope,
    arrivals_list,
    log_arrivals_listed,
)
from movements.services import arrival_register, arrival_review_decide
from webmap.movements.common import (
    form_errors,
    provinces_of,
    render_page,
    require_border_role,
    require_personal_data_role,
)
from webmap.movements.forms import ArrivalFilterForm, ArrivalForm, ArrivalMemberFormSet, ReviewDecisionForm

LIST_LIMIT = 200


@login_required
def arrival_list(request):
    """The arrivals the officer may read, newest first, filtered; the ones shown are logged."""
    arrivals = arrivals_list(request.user, where=request.path)  # PermissionDenied for roles without personal data
    form = ArrivalFilterForm(request.GET or None)
    status = 200
    if form.is_bound and not form.is_valid():
        status, arrivals = 400, arrivals.none()
    elif form.is_bound:
        data = form.cleaned_data
        if data.get("crossing_point"):
            arrivals = arrivals.filter(crossing_point=data["crossing_point"])
        if data.get("since"):
            arrivals = arrivals.filter(crossed_at__date__gte=data["since"])
        if data.get("until"):
            arrivals = arrivals.filter(crossed_at__date__lte=data["until"])
        if data.get("category"):
            arrivals = arrivals.filter(category=data["category"])
    total = arrivals.count()
    page = list(
        arrivals.select_related("household").prefetch_related("members").order_by("-crossed_at", "-id")[:LIST_LIMIT]
    )
    for arrival in page:
        arrival.head = next((m for m in arrival.members.all() if m.relationship == "head"), None)
    log_arrivals_listed(request.user, page, where=request.path)
    context = {"arrivals": page, "form": form, "total": total, "limit": LIST_LIMIT}
    return render_page(request, "webmap/movements/arrival_list.html", context, status=status)


def _labels(choices, codes) -> list[str]:
    return [choice_label(choices, code) for code in codes]


@login_required
def arrival_detail(request, pk):
    require_personal_data_role(request)
    try:
        arrival = arrival_get(request.user, pk=pk, where=request.path)
    except Arrival.DoesNotExist:
        raise Http404(_("No arrival with this number in your provinces.")) from None
    reviews = list(arrival.reviews.filter(decision=ArrivalReview.Decision.UNDECIDED))
    household, flags = None, 0
    if arrival.household_id:  # named only when the officer may see the household too
        household = households_visible_to(request.user).filter(pk=arrival.household_id).first()
    if household is not None:  # registration's own question: a similar head registered already
        flags = DuplicateFlag.objects.filter(
            Q(household=household) | Q(candidate=household), decision=DuplicateFlag.Decision.UNDECIDED
        ).count()
    context = {
        "arrival": arrival,
        "country_name": COUNTRIES_OF_ASYLUM.get(arrival.country_of_asylum),
        "members": sorted(arrival.members.all(), key=lambda m: (m.relationship != "head", m.pk)),
        "documents": _labels(DocumentHeld, arrival.documents_held),
        "vulnerabilities": _labels(Vulnerability, arrival.vulnerabilities),
        "assistance": _labels(Assistance, arrival.assistance),
        "household": household,
        "reviews": reviews,
        "flags": flags,
    }
    return render_page(request, "webmap/movements/arrival_detail.html", context)


# The service's fields that the registration form names differently.
_ALIASES = {"country_of_asylum": "country_other", "crossed_at": "crossed_time", "household": "household_code"}


@login_required
def arrival_new(request):
    """A whole family on one screen: the crossing, its members, what they hold and need, where they are bound.
    The page's identifier (client_uuid) makes a second click, or a reload after sending, record it once."""
    require_border_role(request)
    provinces = provinces_of(request)
    form = ArrivalForm(request.POST or None, provinces=provinces)
    members = ArrivalMemberFormSet(request.POST or None, prefix="m")
    problems, status = [], 200
    if request.method == "POST":
        status = 400
        if form.is_valid() and members.is_valid():
            people = [m for m in (f.member() for f in members) if m]
            household = _household_named(request, form)
            if household is not False:
                try:
                    arrival = _register(request, form.cleaned_data, people, household)
                except ValidationError as error:
                    left = form_errors(form, error, _ALIASES)
                    if "members" in getattr(error, "error_dict", {}):
                        problems += error.error_dict["members"][0].messages
                    problems += [p for p in left if p not in problems]
                except PermissionDenied as error:
                    problems, status = [str(error)], 403
                else:
                    messages.success(request, _outcome(arrival))
                    return redirect("movement-arrival-detail", pk=arrival.pk)
    context = {"form": form, "members": members, "problems": problems}
    return render_page(request, "webmap/movements/arrival_new.html", context, status=status)


def _household_named(request, form) -> Household | None | bool:
    """The registered household the officer named by its code (None: register a new one; False: refused)."""
    code = form.cleaned_data.get("household_code", "").strip()
    if not code:
        return None
    household = households_visible_to(request.user).filter(code__iexact=code).first()
    if household is None:
        form.add_error("household_code", _("No household with the code %(code)s in your provinces.") % {"code": code})
        return False
    return household


def _register(request, data: dict, people: list[dict], household: Household | None) -> Arrival:
    return arrival_register(
        crossing_point=data["crossing_point"],
        crossed_at=data["crossed_at"],
        direction=data["direction"],
        category=data["category"],
        repatriation_form=data["repatriation_form"],
        country_of_asylum=data["country_of_asylum"],
        years_abroad=data["years_abroad"],
        documents_held=data["documents_held"],
        travelling=data["travelling"],
        members=people,
        vulnerabilities=data["vulnerabilities"],
        assistance=data["assistance"],
        destination_province=data["destination_province"],
        destination_district=data["destination_district"],
        client_uuid=data["client_uuid"],
        household=household,
        by=request.user,
        where=request.path,
    )


def _outcome(arrival: Arrival) -> str:
    if arrival.household_id:
        return _("Arrival recorded and linked to household %(code)s.") % {"code": arrival.household.code}
    if arrival.reviews.filter(decision=ArrivalReview.Decision.UNDECIDED).exists():
        return _(
            "Arrival recorded. An ID number is already registered to another household: a land officer decides "
            "whether these are the same people before it is linked."
        )
    return _("Arrival recorded.")


@login_required
def arrival_reviews(request):
    """The arrivals waiting for a land officer's decision, each beside the registered household that holds one of
    its ID numbers; the decision (the same people, or other people) is asked, never assumed."""
    require_personal_data_role(request)
    refusal, status, forms = [], 200, {}
    if request.method == "POST":
        sent = request.POST.get("review", "")
        review = arrival_reviews_open(request.user).filter(pk=int(sent)).first() if sent.isdigit() else None
        if review is None:
            refusal, status = [_("This review is not open in your provinces any more; reload the page.")], 400
        else:
            form = ReviewDecisionForm(request.POST, prefix=f"r{review.pk}")
            forms[review.pk] = form
            status = 400
            if form.is_valid():
                try:
                    arrival_review_decide(review=review, decision=form.cleaned_data["decision"], by=request.user)
                except PermissionDenied as error:
                    refusal, status = [str(error)], 403
                except ValidationError as error:
                    refusal = form_errors(form, error)
                else:
                    review.refresh_from_db()
                    messages.success(
                        request,
                        _("Decision recorded: %(decision)s. The arrival is linked to household %(code)s.")
                        % {
                            "decision": review.get_decision_display(),
                            "code": Arrival.objects.get(pk=review.arrival_id).household.code,
                        },
                    )
                    return redirect("movement-arrival-reviews")
    reviews = list(
        arrival_reviews_open(request.user)
        .select_related("arrival__crossing_point", "candidate__province")
        .prefetch_related("arrival__members", "candidate__members")
    )
    for review in reviews:
        review.form = forms.get(review.pk) or ReviewDecisionForm(prefix=f"r{review.pk}")
    if reviews:
        log_personal_data_access(
            user=request.user,
            action="view",
            what="movements.Arrival",
            ids=sorted({r.arrival_id for r in reviews}),
            where=request.path,
        )
        log_personal_data_access(
            user=request.user,
            action="view",
            what="households.Household",
            ids=sorted({r.candidate_id for r in reviews}),
            where=request.path,
        )
    context = {
        "reviews": reviews,
        "outside": arrival_reviews_outside_scope(request.user),
        "refusal": refusal,
    }
    return render_page(request, "webmap/movements/arrival_reviews.html", context, status=status)
