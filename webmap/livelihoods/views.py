"""The livelihoods pages: opportunities (list, page with its small map, ranked people and referrals, new, edit), a
person's skills profile with their ranked opportunities, referrals stepped to their end, cash-for-work attendance and
payments, survey rounds due and recording one, the township and province dashboards, and the partners' page.

Thin: reads through livelihoods.selectors (scope, partners' agreements, every view of personal data logged), writes
through livelihoods.services, which refuse with a sentence shown on the page (docs/livelihoods.md)."""

import json
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.gis.db.models.aggregates import Extent
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from allocations.models import Allocation
from allocations.selectors import allocations_visible_to
from households.models import Person
from landreg import calendar, roles
from landreg.i18n import choice_label, local_name
from landreg.roles import PERSONAL_DATA_ROLES, has_role
from landreg.scope import province_ids_in_scope
from landreg.sharing import needs_agreement, outside_agreement, partner_provinces
from livelihoods import matching, selectors, services, survey
from livelihoods.models import Opportunity, Provider, Referral, SurveyRoundKind, Workplace
from parcels.models import AdminArea
from townships.selectors import layer_versions
from webmap.livelihoods import dashboards
from webmap.livelihoods.forms import (
    AttendanceForm,
    OpportunityEditForm,
    OpportunityFilterForm,
    OpportunityForm,
    PayForm,
    ReferralStepForm,
    SkillsProfileForm,
    SurveyRoundForm,
)
from webmap.map.views import SUMMARY_DATASET, townships_on_page

# Who works with people's livelihoods on these pages: land and field officers, administrators. Partners have their
# own page and post opportunities; the dashboards are for every role that sees townships.
WORKERS = (roles.LAND_OFFICER, roles.FIELD_OFFICER, roles.ADMINISTRATOR)
LIST_LIMIT = 200


def refused_as_page(view):
    """A refusal becomes a page with its sentence (403), a record outside the scope a 404 page."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied as exc:
            return _refused(request, str(exc) or _("You may not see this page."), 403)

    return wrapped


def _page(request, template: str, context: dict, status: int = 200):
    """A livelihoods page, with what its navigation offers this user."""
    nav = {"worker": has_role(request.user, *WORKERS), "partner": has_role(request.user, roles.PARTNER)}
    return render(request, f"webmap/livelihoods/{template}", {**context, "nav": nav}, status=status)


def _refused(request, message: str, status: int, back: str = ""):
    return _page(request, "refused.html", {"message": message, "back": back, "status": status}, status=status)


def _worker(request) -> None:
    if not has_role(request.user, *WORKERS):
        raise PermissionDenied(_("Your role does not work with people's livelihoods: these pages are for officers."))


def _next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def _sentences(error: ValidationError) -> str:
    return " ".join(str(m) for m in error.messages)


def _form_errors(form, error: ValidationError, rename: dict | None = None) -> None:
    """A service's refusal on the form: each sentence on the field it names (or as the form's field `rename` says)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            field = (rename or {}).get(field, field)
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _opportunity(request, pk: int) -> Opportunity:
    try:
        return selectors.opportunities_visible_to(request.user).get(pk=pk)
    except Opportunity.DoesNotExist:
        raise Http404(_("No opportunity with this number among yours.")) from None


def _person(request, pk: int) -> Person:
    try:
        return selectors.person_for_profile(request.user, pk, where=request.path)
    except Person.DoesNotExist:
        raise Http404(_("No person with this number in your provinces.")) from None


def _money(value) -> str:
    return "" if value is None else calendar.number_text(value, places=0)


def _row(o: Opportunity) -> dict:
    return {
        "o": o,
        "kind": choice_label(Opportunity.Kind, o.kind),
        "status": choice_label(Opportunity.Status, o.status),
        "province": local_name(o.province),
        "places_left": max(o.places_offered - o.places_filled, 0),
    }


def _explained(match: dict) -> dict:
    """A ranked row with its score in parts, each part's points out of its weight and its sentence."""
    lines = matching.explain(match)
    parts, offset = [], 0.0
    total = sum(match["weights"].values()) or 1
    for i, (code, label) in enumerate(
        (
            ("skills", _("Skills")),
            ("distance", _("Distance")),
            ("vulnerability", _("Vulnerability")),
            ("workplace", _("Workplace")),
        )
    ):
        weight = match["weights"][code] or 0
        points = match["parts"][code] * weight
        share = round(100 * points / total, 2)
        parts.append(
            {
                "offset": offset,
                "share": share,
                "code": code,
                "label": label,
                "points": calendar.number_text(points, places=0),
                "weight": calendar.number_text(weight, places=0),
                "sentence": lines[i] if i < len(lines) else "",
            }
        )
        offset = round(offset + share, 2)
    return {
        **match,
        "score_text": calendar.number_text(match["score"], places=0),
        "distance_text": ""
        if match["distance_km"] is None
        else _("%(km)s km") % {"km": calendar.number_text(match["distance_km"], places=1)},
        "kind_label": choice_label(Opportunity.Kind, match["kind"]),
        "referral_label": choice_label(Referral.Status, match["referral_status"]) if match["referral_status"] else "",
        "explained": parts,
    }


# --- opportunities ------------------------------------------------------------------------------------------------


@login_required
@refused_as_page
def opportunity_list(request):
    user = request.user
    if not has_role(user, *WORKERS, roles.PARTNER, roles.GIS_SPECIALIST, roles.COMMITTEE_MEMBER):
        raise PermissionDenied(_("Your role does not work with livelihood opportunities."))
    opportunities = selectors.opportunities_visible_to(user)
    in_scope = province_ids_in_scope(user)
    provinces = AdminArea.objects.filter(level="province").order_by("name_en")
    if in_scope is not None:
        provinces = provinces.filter(pk__in=in_scope)
    form = OpportunityFilterForm(request.GET or None, provinces=provinces)
    status = 200
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data["kind"]:
            opportunities = opportunities.filter(kind=data["kind"])
        if data["province"]:
            opportunities = opportunities.filter(province=data["province"])
        if data["open_now"]:
            opportunities = opportunities.open_on(timezone.localdate())
    elif form.is_bound:
        status = 400
    page = list(opportunities.order_by("-start_on", "title")[: LIST_LIMIT + 1])
    return _page(
        request,
        "opportunity_list.html",
        {
            "form": form,
            "rows": [_row(o) for o in page[:LIST_LIMIT]],
            "more": len(page) > LIST_LIMIT,
            "query": request.GET.urlencode(),
            "may_post": has_role(user, roles.LAND_OFFICER, roles.ADMINISTRATOR, roles.PARTNER),
            "is_worker": has_role(user, *WORKERS),
        },
        status=status,
    )


def _tiles(request) -> dict | None:
    """The vector tiles the small maps draw under an opportunity (townships and plots), at their current versions;
    none for a partner, whose agreement may not share the layout."""
    if needs_agreement(request.user):
        return None
    versions = layer_versions()
    root = request.build_absolute_uri("/tiles/")
    return {name: f"{root}{name}/{{z}}/{{x}}/{{y}}.mvt?v={versions[name]}" for name in ("townships", "plots")}


def _extent(provinces) -> list[float]:
    extent = provinces.aggregate(e=Extent("geom"))["e"]
    return [round(v, 6) for v in extent] if extent and extent[0] is not None else [60.5, 29.3, 75.2, 38.5]


def _opportunity_map(o: Opportunity) -> dict:
    geom = o.point or o.area
    return {"type": "Feature", "properties": {"title": o.title}, "geometry": json.loads(geom.geojson)}


def _steps_of(referral: Referral) -> list[dict]:
    return [
        {
            "label": choice_label(Referral.Status, s.to_status),
            "day": calendar.shamsi_date(s.day),
            "reason": s.reason,
            "by": s.by.username if s.by_id else "",
        }
        for s in referral.steps.all()
    ]


@login_required
@refused_as_page
def opportunity_detail(request, pk: int):
    user = request.user
    o = _opportunity(request, pk)
    sees_people = has_role(user, *PERSONAL_DATA_ROLES)
    ranked, referrals, partner_rows = [], [], []
    if sees_people:
        ranked = [_explained(m) for m in selectors.people_ranked_for(user, o, where=request.path)]
        for r in selectors.referrals_of_opportunity(user, o, where=request.path):
            offered = selectors.referral_steps_offered(user, r)
            referrals.append(
                {
                    "r": r,
                    "status": choice_label(Referral.Status, r.status),
                    "steps": _steps_of(r),
                    "form": ReferralStepForm(allowed=offered, prefix=f"r{r.pk}") if offered else None,
                    "score": calendar.number_text((r.match or {}).get("score") or 0, places=0),
                }
            )
    elif has_role(user, roles.PARTNER):
        by_pk = {r.pk: r for r in Referral.objects.filter(opportunity=o)}
        for row in selectors.partner_referrals_of(user, o):
            offered = selectors.referral_steps_offered(user, by_pk[row["referral"]])
            partner_rows.append(
                {
                    **row,
                    "status_label": choice_label(Referral.Status, row["status"]),
                    "sex_label": {"f": _("woman"), "m": _("man")}.get(row["sex"], row["sex"]),
                    "steps_text": [
                        {
                            "label": choice_label(Referral.Status, s["to"]),
                            "day": calendar.shamsi_date(timezone.datetime.fromisoformat(s["on"]).date()),
                        }
                        for s in row["steps"]
                    ],
                    "form": ReferralStepForm(allowed=offered, prefix=f"r{row['referral']}") if offered else None,
                }
            )
    return _page(
        request,
        "opportunity_detail.html",
        {
            "o": o,
            "row": _row(o),
            "feature": _opportunity_map(o),
            "tiles": _tiles(request),
            "ranked": ranked,
            "referrals": referrals,
            "partner_rows": partner_rows,
            "sees_people": sees_people,
            "may_refer": has_role(user, *WORKERS),
            "may_edit": has_role(user, roles.LAND_OFFICER, roles.ADMINISTRATOR, roles.PARTNER),
            "eligibility": _eligibility(o),
            "pay": _pay_text(o),
        },
    )


def _eligibility(o: Opportunity) -> list[tuple[str, str]]:
    from households.models import VULNERABILITY_FLAG_LABELS, Category

    rows = [
        (_("Who"), choice_label(Opportunity.Sex, o.sex)),
        (
            _("Ages"),
            _("%(min)s to %(max)s")
            % {"min": calendar.number_text(o.age_min, places=0), "max": calendar.number_text(o.age_max, places=0)},
        ),
        (
            _("Household categories"),
            ", ".join(choice_label(Category, c) for c in o.categories) or _("all"),
        ),
        (_("Where they live"), _where_they_live(o)),
        (
            _("Vulnerabilities given priority"),
            ", ".join(str(VULNERABILITY_FLAG_LABELS.get(f, f)) for f in o.vulnerability_priorities) or _("all of them"),
        ),
        (_("Workplace"), choice_label(Workplace, o.workplace)),
        (_("Occupations wanted (ISCO-08)"), ", ".join(o.isco_codes) or _("any skill")),
    ]
    if o.vulnerable_only:
        rows.append((_("Only for vulnerable households"), _("yes")))
    return rows


def _where_they_live(o: Opportunity) -> str:
    if o.township_id:
        return local_name(o.township)
    if o.district_id:
        return local_name(o.district)
    return local_name(o.province)


def _pay_text(o: Opportunity) -> str:
    if o.daily_wage:
        return _("%(wage)s AFN a day, %(days)s days") % {
            "wage": _money(o.daily_wage),
            "days": calendar.number_text(o.days_offered or 0, places=0),
        }
    if o.stipend_monthly:
        return _("%(stipend)s AFN a month") % {"stipend": _money(o.stipend_monthly)}
    return ""


@login_required
@refused_as_page
def opportunity_new(request):
    user = request.user
    choices = selectors.posting_choices(user)
    providers = None
    if choices["providers"] is not None:
        providers = [("", "—")] + [(str(p.pk), p.name) for p in choices["providers"]]
    form = OpportunityForm(
        request.POST or None,
        providers=providers,
        provinces=choices["provinces"],
        townships=choices["townships"],
        initial={"start_on": calendar.shamsi_numeric(timezone.localdate()), "age_min": 15, "age_max": 64},
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                if providers is None:
                    provider = services.partner_provider_for(user, form.cleaned_data["province"])
                else:
                    provider = Provider.objects.get(pk=int(form.cleaned_data["provider"]))
                o = services.opportunity_post(provider=provider, by=user, **form.service_arguments())
            except PermissionDenied as error:
                form.add_error(None, str(error))
                status = 403
            except ValidationError as error:
                # The rule about the place (opportunity_inside_its_province) goes beside the map.
                _form_errors(form, error, {"point": "area" if form.cleaned_data["location"] == "area" else "lon"})
            else:
                messages.success(
                    request,
                    _("Opportunity “%(title)s” posted with %(places)s places. Next: refer the people ranked for it.")
                    % {"title": o.title, "places": calendar.number_text(o.places_offered, places=0)},
                )
                return redirect("opportunity-detail", pk=o.pk)
    return _page(
        request,
        "opportunity_form.html",
        {
            "form": form,
            "is_partner": providers is None,
            "tiles": _tiles(request),
            "extent": _extent(choices["provinces"]),
        },
        status=status,
    )


@login_required
@refused_as_page
def opportunity_edit(request, pk: int):
    user = request.user
    o = _opportunity(request, pk)
    if not has_role(user, roles.LAND_OFFICER, roles.ADMINISTRATOR, roles.PARTNER):
        raise PermissionDenied(
            _("Only a land officer, an administrator or the provider's partner account may do this.")
        )
    initial = {name: getattr(o, name) for name in OpportunityEditForm.FIELDS}
    initial["end_on"] = calendar.shamsi_numeric(o.end_on) if o.end_on else ""
    form = OpportunityEditForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        try:
            if request.POST.get("action") == "close":
                services.opportunity_close(opportunity=o, by=user)
                messages.success(request, _("“%(title)s” is closed: it takes nobody more.") % {"title": o.title})
                return redirect("opportunity-detail", pk=o.pk)
            if form.is_valid():
                services.opportunity_update(opportunity=o, by=user, **form.cleaned_data)
                messages.success(request, _("“%(title)s” updated.") % {"title": form.cleaned_data["title"]})
                return redirect("opportunity-detail", pk=o.pk)
        except PermissionDenied as error:
            form.add_error(None, str(error))
            status = 403
        except ValidationError as error:
            _form_errors(form, error)
    return _page(request, "opportunity_edit.html", {"form": form, "o": o}, status=status)


# --- referrals ------------------------------------------------------------------------------------------------------


@login_required
@require_POST
def refer(request):
    """Suggest or refer a person (the ranked lists' buttons, and the map panel's "Refer", which sends JSON with the
    CSRF token in its header), through services.referral_refer like the REST API. JSON in, JSON out; a form post
    goes back to the page it came from."""
    wants_json = request.content_type == "application/json"
    if wants_json:
        try:
            data = json.loads(request.body or b"{}")
        except ValueError:
            data = None
        if not isinstance(data, dict):
            return JsonResponse({"detail": _("Send a JSON object with the opportunity and the person.")}, status=400)
    else:
        data = request.POST
    step = str(data.get("step") or "referred")
    opportunity_id, person_id = str(data.get("opportunity", "")), str(data.get("person", ""))
    back = _next(request, reverse("opportunity-list"))

    def answer(detail: str, code: int, **more):
        if wants_json:
            return JsonResponse({"detail": detail, **more}, status=code)
        if code < 400:
            messages.success(request, detail)
            return redirect(back)
        return _refused(request, detail, code, back)

    if step not in ("suggested", "referred") or not opportunity_id.isdigit() or not person_id.isdigit():
        return answer(
            _("Name the opportunity and the person by their numbers, and the step: suggested or referred."), 400
        )
    if not has_role(request.user, *WORKERS):
        return answer(_("Your role does not work with people's livelihoods: these pages are for officers."), 403)
    try:
        opportunity, person = selectors.referral_parties(
            request.user, int(opportunity_id), int(person_id), where=request.path
        )
        referral = services.referral_refer(opportunity=opportunity, person=person, by=request.user, step=step)
    except (Opportunity.DoesNotExist, Person.DoesNotExist):
        return answer(_("No such opportunity or person in your provinces."), 404)
    except PermissionDenied as error:
        return answer(str(error), 403)
    except ValidationError as error:
        return answer(_sentences(error), 400)
    done = (
        _("%(name)s referred to “%(title)s”. Next: the provider accepts or refuses.")
        if referral.status == "referred"
        else _("%(name)s suggested for “%(title)s”. Next: refer them.")
    ) % {"name": person.name, "title": opportunity.title}
    return answer(
        done,
        201 if wants_json else 302,
        referral=referral.pk,
        status=referral.status,
        status_label=choice_label(Referral.Status, referral.status),
        url=reverse("opportunity-detail", kwargs={"pk": opportunity.pk}),
    )


@login_required
@require_POST
def referral_step(request, pk: int):
    """One step of a referral, from the opportunity's page (officers) or the partner's view of it."""
    back_default = reverse("opportunity-list")
    try:
        referral = selectors.referral_for_step(request.user, pk)
    except Referral.DoesNotExist:
        return _refused(request, _("No such referral among yours."), 404, back_default)
    back = _next(request, reverse("opportunity-detail", kwargs={"pk": referral.opportunity_id}))
    form = ReferralStepForm(
        request.POST, allowed=selectors.referral_steps_offered(request.user, referral), prefix=f"r{referral.pk}"
    )
    if not form.is_valid():
        errors = " ".join(str(e) for errors in form.errors.values() for e in errors)
        return _refused(request, errors or _("Choose the next step."), 400, back)
    data = form.cleaned_data
    try:
        referral = services.referral_step(
            referral=referral, to_status=data["to_status"], by=request.user, day=data["day"], reason=data["reason"]
        )
    except PermissionDenied as error:
        return _refused(request, str(error), 403, back)
    except ValidationError as error:
        return _refused(request, _sentences(error), 400, back)
    messages.success(
        request,
        _("Referral %(number)s is now: %(status)s.")
        % {"number": referral.pk, "status": choice_label(Referral.Status, referral.status)},
    )
    return redirect(back)


# --- skills profiles ------------------------------------------------------------------------------------------------


@login_required
@refused_as_page
def skills_profile(request, pk: int):
    _worker(request)
    user = request.user
    person = _person(request, pk)
    profile = getattr(person, "skills_profile", None) if hasattr(person, "skills_profile") else None
    form = SkillsProfileForm(request.POST or None, initial=SkillsProfileForm.initial_of(profile))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.skills_profile_save(person=person, by=user, **form.service_arguments())
            except PermissionDenied as error:
                form.add_error(None, str(error))
                status = 403
            except ValidationError as error:
                _form_errors(form, error)
            else:
                messages.success(
                    request,
                    _("Skills profile of %(name)s saved. The opportunities they are eligible for are listed below.")
                    % {"name": person.name},
                )
                return redirect("skills-profile", pk=person.pk)
    ranked = []
    if profile is not None:
        ranked = [_explained(m) for m in selectors.opportunities_ranked_for(user, person, where=request.path)]
    referrals = [
        {"r": r, "status": choice_label(Referral.Status, r.status)} for r in selectors.referrals_of_person(user, person)
    ]
    rows = form.occupation_rows()
    titles = selectors.occupation_titles([isco.value() for isco, _years, _learnt in rows])
    occupations = [
        (isco, years, learnt, titles.get(str(isco.value() or "").strip(), "")) for isco, years, learnt in rows
    ]
    age = services.age_on(person, timezone.localdate())
    return _page(
        request,
        "profile.html",
        {
            "person": person,
            "age": age,
            "profile": profile,
            "form": form,
            "ranked": ranked,
            "referrals": referrals,
            "search_url": reverse("occupation-search"),
            "occupations": occupations,
        },
        status=status,
    )


@login_required
def occupation_search(request):
    """ISCO-08 groups for what was typed, in English, Dari or Pashto (the profile and opportunity forms ask it)."""
    try:
        found = selectors.occupations_search(request.user, request.GET.get("q", ""))
    except PermissionDenied as error:
        return JsonResponse({"detail": str(error)}, status=403)
    return JsonResponse(
        {"results": [{"code": o.code, "title": selectors.occupation_label(o), "title_en": o.title_en} for o in found]}
    )


# --- cash for work ----------------------------------------------------------------------------------------------------


@login_required
@refused_as_page
def attendance(request, pk: int):
    user = request.user
    o = _opportunity(request, pk)
    if o.kind != Opportunity.Kind.CASH_FOR_WORK:
        raise Http404(_("This opportunity is not cash for work: it has no attendance."))
    sheet = selectors.cash_for_work_sheet(user, o, where=request.path)
    record = AttendanceForm(
        request.POST if request.POST.get("action") == "record" else None,
        referrals=sheet["people"],
        initial={"week_start": calendar.shamsi_numeric(services.week_start(timezone.localdate()))},
    )
    pay_forms = {}
    status, refusal = 200, ""
    if request.method == "POST":
        status = 400
        action = request.POST.get("action")
        try:
            if action == "record" and record.is_valid():
                data = record.cleaned_data
                referral = Referral.objects.get(pk=data["referral"])  # one of the sheet's choices
                week = services.attendance_record(
                    referral=referral, week_start=data["week_start"], days_worked=data["days_worked"], by=user
                )
                messages.success(
                    request,
                    _("%(days)s days recorded for the week of %(week)s; %(amount)s AFN due.")
                    % {
                        "days": calendar.number_text(week.days_worked, places=0),
                        "week": calendar.shamsi_date(week.week_start),
                        "amount": _money(week.amount_due),
                    },
                )
                return redirect(_next(request, reverse("opportunity-attendance", kwargs={"pk": o.pk})))
            if action == "pay":
                week_id = request.POST.get("week", "")
                weeks = {w["week"].pk: w["week"] for w in sheet["weeks"]}
                week = weeks.get(int(week_id)) if week_id.isdigit() else None
                if week is None:
                    refusal = _("No such week on this sheet.")
                else:
                    form = PayForm(request.POST, prefix=f"w{week.pk}")
                    pay_forms[week.pk] = form
                    if form.is_valid():
                        services.attendance_pay(
                            attendance=week,
                            by=user,
                            paid_on=form.cleaned_data["paid_on"],
                            reference=form.cleaned_data["reference"],
                        )
                        messages.success(
                            request,
                            _("The week of %(week)s is marked paid (%(amount)s AFN): it is final now.")
                            % {"week": calendar.shamsi_date(week.week_start), "amount": _money(week.amount_due)},
                        )
                        return redirect(_next(request, reverse("opportunity-attendance", kwargs={"pk": o.pk})))
        except PermissionDenied as error:
            refusal, status = str(error), 403
        except ValidationError as error:
            if action == "record":
                _form_errors(record, error)
            else:
                refusal = _sentences(error)
    weeks = [
        {
            **w,
            "amount": _money(w["week"].amount_due),
            "form": pay_forms.get(w["week"].pk) or PayForm(prefix=f"w{w['week'].pk}"),
        }
        for w in sheet["weeks"]
    ]
    return _page(
        request,
        "attendance.html",
        {"o": o, "sheet": sheet, "weeks": weeks, "record": record, "refusal": refusal, "pay": _pay_text(o)},
        status=status,
    )


@login_required
@refused_as_page
def payments(request):
    _worker(request)
    weeks = selectors.payments_due_listed(request.user, where=request.path)
    rows = [
        {
            "w": w,
            "amount": _money(w.amount_due),
            "form": PayForm(prefix=f"w{w.pk}"),
        }
        for w in weeks
    ]
    total = sum((w.amount_due for w in weeks), 0)
    return _page(request, "payments.html", {"rows": rows, "total": _money(total)})


# --- survey rounds ----------------------------------------------------------------------------------------------------


@login_required
@refused_as_page
def rounds_due(request):
    _worker(request)
    rows = selectors.survey_rounds_due(request.user, horizon_days=30)
    today = timezone.localdate()
    for row in rows:
        row["round_label"] = choice_label(SurveyRoundKind, row["round"])
        row["due_text"] = calendar.shamsi_date(row["due_on"])
        row["late"] = row["due_on"] < today
    return _page(request, "rounds_due.html", {"rows": rows})


@login_required
@refused_as_page
def round_record(request, allocation: int, round: str):
    _worker(request)
    if round not in SurveyRoundKind.values:
        raise Http404(_("No such survey round."))
    try:
        the_allocation = (
            allocations_visible_to(request.user).select_related("household", "plot__township").get(pk=allocation)
        )
    except Allocation.DoesNotExist:
        raise Http404(_("No allocation with this number in your provinces.")) from None
    form = SurveyRoundForm(
        request.POST or None,
        questions=survey.questions(),
        initial={"conducted_on": calendar.shamsi_numeric(timezone.localdate())},
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                done = services.survey_round_record(
                    allocation=the_allocation,
                    round=round,
                    answers=form.answers(),
                    by=request.user,
                    conducted_on=form.cleaned_data["conducted_on"],
                    source="office",
                )
            except PermissionDenied as error:
                form.add_error(None, str(error))
                status = 403
            except ValidationError as error:
                _form_errors(form, error)
            else:
                messages.success(
                    request,
                    _("%(round)s recorded for household %(code)s: composite score %(score)s.")
                    % {
                        "round": choice_label(SurveyRoundKind, round),
                        "code": the_allocation.household.code,
                        "score": calendar.number_text(done.score_composite or 0, places=1),
                    },
                )
                return redirect("survey-rounds-due")
    dimensions = [
        {
            "label": _(survey.DIMENSION_LABELS[d]),
            "fields": [form[f"q_{q['code']}"] for q in survey.questions() if q["dimension"] == d],
        }
        for d in survey.DIMENSIONS
    ]
    return _page(
        request,
        "round_form.html",
        {
            "allocation": the_allocation,
            "round_label": choice_label(SurveyRoundKind, round),
            "form": form,
            "dimensions": dimensions,
            "due": services.round_due_on(the_allocation, round),
        },
        status=status,
    )


# --- dashboards -----------------------------------------------------------------------------------------------------


@login_required
@refused_as_page
def township_page(request, pk: int):
    user = request.user
    township = townships_on_page(user, SUMMARY_DATASET).select_related("province").filter(pk=pk).first()
    if township is None:
        if needs_agreement(user):
            raise outside_agreement(user, SUMMARY_DATASET)
        raise Http404(_("No township with this number in your scope."))
    return _page(
        request,
        "township.html",
        {
            "township": township,
            "township_name": local_name(township),
            "province_name": local_name(township.province),
            "today": calendar.shamsi_date(timezone.localdate()),
            "data": dashboards.township_summary(user, township),
        },
    )


@login_required
@refused_as_page
def at_risk(request):
    user = request.user
    provinces = AdminArea.objects.filter(level="province").order_by("name_en")
    in_scope = province_ids_in_scope(user)
    if in_scope is not None:
        provinces = provinces.filter(pk__in=in_scope)
    shared = partner_provinces(user, SUMMARY_DATASET)
    if shared is not None:
        provinces = provinces.filter(pk__in=shared)
    chosen = request.GET.get("province", "")
    province = provinces.filter(pk=int(chosen)).first() if chosen.isdigit() else provinces.first()
    if chosen and province is None:
        raise Http404(_("No province with this number in your scope."))
    rows = dashboards.at_risk_rows(user, province) if province is not None else []
    return _page(
        request,
        "at_risk.html",
        {
            "provinces": [(p.pk, local_name(p)) for p in provinces],
            "province": province,
            "province_name": local_name(province) if province else "",
            "rows": rows,
            "today": calendar.shamsi_date(timezone.localdate()),
        },
    )


# --- partners -------------------------------------------------------------------------------------------------------


@login_required
@refused_as_page
def partner_page(request):
    user = request.user
    if not has_role(user, roles.PARTNER):
        raise PermissionDenied(_("This page is for partners; officers follow referrals on each opportunity's page."))
    opportunities = [_row(o) for o in selectors.opportunities_visible_to(user).order_by("-start_on", "title")]
    rows = [
        {
            **row,
            "status_label": choice_label(Referral.Status, row["status"]),
            "sex_label": {"f": _("woman"), "m": _("man")}.get(row["sex"], row["sex"]),
            "last": calendar.shamsi_date(timezone.datetime.fromisoformat(row["steps"][-1]["on"]).date())
            if row["steps"]
            else "",
        }
        for row in selectors.referrals_for_partner(user)
    ]
    return _page(request, "partner.html", {"opportunities": opportunities, "rows": rows})
