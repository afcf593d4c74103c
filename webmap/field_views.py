"""The field officers' pages under /field/: a light offline-first app shell (no map library), its service worker,
and the per-township shelter report. The shell draws today's plots from the field API and keeps working offline.
"""

from datetime import date

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie

from landreg.calendar import SHAMSI_MONTHS, number_text
from landreg.sharing import SMALL_CELL, SUPPRESSED
from shelters import selectors
from shelters.services import inspection_tolerance_m
from shelters.xlsform import CHECKLIST_LABELS
from webmap.map_views import refused_as_page, township_on_page, townships_on_page

# Bumped when the shell's files change, so phones drop the old cache.
SHELL_VERSION = "field-v1"


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
            "checklist_labels": {code: _(label) for code, label in CHECKLIST_LABELS.items()},
            # The Afghan month names (Hamal … Hut) in the page's language, for dates the phone writes itself.
            "shamsi_months": SHAMSI_MONTHS.get(get_language(), SHAMSI_MONTHS["en"]),
        },
    )


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


@_login_required
@refused_as_page
def township_report(request, pk):
    """A township's shelter report; a partner's only under their agreement, with counts under 5 suppressed."""
    township = township_on_page(request.user, selectors.REPORT_DATASET, pk=pk)
    if township is None:
        raise Http404(_("No township with this number in your scope."))
    report = selectors.township_report(request.user, township)
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
        },
    )


@_login_required
@refused_as_page
def township_reports(request):
    """The townships whose shelter report this user may read (a partner: those their agreement shares)."""
    townships = townships_on_page(request.user, selectors.REPORT_DATASET)
    return render(request, "webmap/field/reports.html", {"townships": townships})
