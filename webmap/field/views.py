"""The field officers' pages under /field/: a light offline-first app shell (no map library), its service worker,
and the per-township shelter report. The shell draws today's plots from the field API and keeps working offline.
"""

from datetime import date

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie

from grievances.models import Grievance
from landreg.access_log import log_personal_data_access
from landreg.calendar import SHAMSI_MONTHS, number_text
from landreg.roles import has_role
from landreg.scope import province_ids_in_scope
from landreg.sharing import SMALL_CELL, SUPPRESSED
from landreg.templatetags.landreg import local_name
from livelihoods.models import MIN_PROFILE_AGE, EducationLevel, Literacy, Occupation, SkillsProfile
from movements import selectors as movement_selectors
from movements.models import AgeBand, ArrivalCategory, ArrivalMember, Assistance, DocumentHeld, Sex, Vulnerability
from movements.services import BORDER_ROLES
from parcels.models import AdminArea
from shelters import selectors
from shelters.models import AllocationReview
from shelters.photos import max_photo_bytes
from shelters.services import OFFICE_ROLES, REVIEW_NOTE_MAX, allocation_review_close, inspection_tolerance_m
from webmap.map.views import refused_as_page, township_on_page, townships_on_page

# Bumped when the shell's files change, so phones drop the old cache.
SHELL_VERSION = "field-v6"
# A complaint noted in the field: what the complainant says, not a file (the same bound as a partner's referral).
GRIEVANCE_TEXT_MAX = 5000


class FieldLogin(auth_views.LoginView):
    template_name = "webmap/field/login.html"
    redirect_authenticated_user = True

    def get_success_url(self):
        return self.get_redirect_url() or "/field/"


def _login_required(view):
    return login_required(view, login_url="/field/login/")


@_login_required
@ensure_csrf_cookie  # the queued visits are sent later with this cookie's token
def shell(request):
    """The app shell: the page a phone keeps (the service worker caches it); data comes from the field API."""
    return render(
        request,
        "webmap/field/index.html",
        {
            "tolerance_m": inspection_tolerance_m(),
            "today": timezone.localdate(),
            "shell_version": SHELL_VERSION,
            "max_photo_bytes": max_photo_bytes(),
            # The Afghan month names (Hamal … Hut) in the page's language, for dates the phone writes itself.
            "shamsi_months": SHAMSI_MONTHS.get(get_language(), SHAMSI_MONTHS["en"]),
            # A complaint not about a plot is recorded in one of the officer's provinces.
            "provinces": _provinces_of(request.user),
            "grievance_categories": Grievance.Category.choices,
            "grievance_text_max": GRIEVANCE_TEXT_MAX,
            **_border_setup(request.user),
            **_skills_setup(),
        },
    )


# The languages a skills profile lists most often (ISO 639 codes, as the profile keeps them).
LANGUAGES_SPOKEN = (
    ("prs", gettext_lazy("Dari")),
    ("ps", gettext_lazy("Pashto")),
    ("en", gettext_lazy("English")),
    ("fa", gettext_lazy("Farsi (Iran)")),
    ("ur", gettext_lazy("Urdu")),
    ("uz", gettext_lazy("Uzbek")),
    ("tk", gettext_lazy("Turkmen")),
    ("ar", gettext_lazy("Arabic")),
)


def _skills_setup() -> dict:
    """The choices of the skills profile form (docs/livelihoods.md), kept on the phone with the page; the people
    and their profiles come with the day's assignments, the ISCO-08 list from /api/v1/field/isco/."""
    return {
        "skills_education": EducationLevel.choices,
        "skills_literacy": Literacy.choices,
        "skills_learnt_in": Occupation.LearntIn.choices,
        "skills_workplace": SkillsProfile.WorkplaceAccepted.choices,
        "skills_languages": LANGUAGES_SPOKEN,
        "skills_min_age": MIN_PROFILE_AGE,
    }


def _border_setup(user) -> dict:
    """What the border registration form needs, kept on the phone with the page: the crossing points of the
    officer's provinces, Afghanistan's provinces and districts for the destination, and the lists to choose from.
    Empty for a user who does not register at the border (the form is not offered)."""
    if not has_role(user, *BORDER_ROLES):
        return {"border": None}
    in_scope = province_ids_in_scope(user)
    points = movement_selectors.crossing_points(user).order_by("-main", "name_en")
    if in_scope is not None:
        points = points.filter(province__in=in_scope)
    points = [
        {"id": p.pk, "label": local_name(p), "country": p.neighbouring_country, "province": p.province_id}
        for p in points
    ]
    if not points:
        return {"border": None}
    areas = AdminArea.objects.filter(level__in=["province", "district"]).order_by("name_en")
    provinces = [{"id": a.pk, "label": f"{local_name(a)} ({a.pcode})"} for a in areas if a.level == "province"]
    districts: dict[int, list] = {}
    for a in areas:
        if a.level == "district" and a.parent_id:
            districts.setdefault(a.parent_id, []).append({"id": a.pk, "label": local_name(a)})
    return {
        "border": {"points": points, "provinces": provinces, "districts": districts},
        "border_categories": ArrivalCategory.choices,
        "border_documents": DocumentHeld.choices,
        "border_vulnerabilities": Vulnerability.choices,
        "border_assistance": [c for c in Assistance.choices if c[0] != Assistance.NONE],
        "border_sexes": Sex.choices,
        "border_age_bands": AgeBand.choices,
        "border_relationships": ArrivalMember.Relationship.choices,
    }


def _provinces_of(user) -> list[dict]:
    provinces = AdminArea.objects.filter(level="province").order_by("name_en")
    in_scope = province_ids_in_scope(user)
    if in_scope is not None:
        provinces = provinces.filter(pk__in=in_scope)
    return [{"pk": p.pk, "label": f"{local_name(p)} ({p.pcode})"} for p in provinces]


@never_cache
def service_worker(request):
    """GET /field/sw.js, served from /field/ so its scope is /field/ (a static URL would scope it elsewhere)."""
    body = render_to_string(
        "webmap/field/sw.js",
        {
            "version": SHELL_VERSION,
            "shell": [
                "/field/",
                static("webmap/field/field.js"),
                static("webmap/field/border.js"),
                static("webmap/field/survey.js"),
                static("webmap/field/skills.js"),
                static("webmap/field/field.css"),
                "/jsi18n/",
                "/field/manifest.webmanifest",
            ],
        },
    )
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/field/"
    return response


def manifest(request):
    body = render_to_string("webmap/field/manifest.webmanifest", {}, request=request)
    return HttpResponse(body, content_type="application/manifest+json")


def _review_close(request, township) -> ValidationError | None:
    """Close the review the form names, one of this township's that the user may read; the refusal, if any (the
    service refuses roles that may not close one, and a review closed already, with its sentence)."""
    reviews = selectors.reviews_visible_to(request.user).filter(plot__township=township)
    review = reviews.select_related("plot").filter(pk=_number(request.POST.get("review"))).first()
    if review is None:
        return ValidationError(_("This review is not one of this township's; reload the page."))
    try:
        allocation_review_close(
            review=review, by=request.user, outcome=request.POST.get("outcome", ""), note=request.POST.get("note", "")
        )
    except ValidationError as error:
        return error
    messages.success(
        request, _("The review of plot %(plot)s is closed; your note is kept with it.") % {"plot": review.plot.number}
    )
    return None


def _number(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@_login_required
@refused_as_page
def township_report(request, pk):
    """A township's shelter report; a partner's only under their agreement, with counts under 5 suppressed. Land
    officers (and administrators) also see the township's open allocation reviews and close them here."""
    township = township_on_page(request.user, selectors.REPORT_DATASET, pk=pk)
    if township is None:
        raise Http404(_("No township with this number in your scope."))
    may_close = has_role(request.user, *OFFICE_ROLES)
    refusal = None
    if request.method == "POST":
        refusal = _review_close(request, township)
        if refusal is None:
            return redirect("field-report", pk=township.pk)
    report = selectors.township_report(request.user, township)
    reviews = list(selectors.reviews_open_in(request.user, township)) if may_close else []
    households = [r.allocation.household_id for r in reviews if r.allocation_id]
    if households:  # a review says what was found of a household: a logged view
        log_personal_data_access(
            user=request.user, action="list", what="households.Household", ids=households, where=request.path
        )
    tranches = report["tranches"]
    rows = [
        (_("Due"), tranches["due"]),
        (_("Paid"), tranches["paid"]),
        (_("Paid this week"), tranches["paid_this_week"]),
        (_("Not yet due"), tranches["not_yet_due"]),
    ]
    return render(
        request,
        "webmap/field/report.html",
        {
            "township": township,
            "report": report,
            "report_date": date.fromisoformat(report["date"]),
            "week_start": date.fromisoformat(report["week_starts"]),
            "tranche_rows": rows,
            "suppressed": SUPPRESSED,
            "fewer_than": _("fewer than %(n)s") % {"n": number_text(SMALL_CELL, places=0)},
            "may_close": may_close,
            "reviews": reviews,
            "refusal": refusal.messages if refusal else [],
            "note_max": REVIEW_NOTE_MAX,
            "outcomes": AllocationReview.Outcome.choices,
        },
        status=400 if refusal else 200,
    )


@_login_required
@refused_as_page
def township_reports(request):
    """The townships whose shelter report this user may read (a partner: those their agreement shares)."""
    townships = townships_on_page(request.user, selectors.REPORT_DATASET)
    return render(request, "webmap/field/reports.html", {"townships": townships})
