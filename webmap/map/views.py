"""The land officers' web map (the home page of land officers and committee members) and the township dashboard.

Thin: the map page hands MapLibre a small JSON configuration (tile URLs carrying the layer versions, the user's
townships and extent, translated legend entries); everything else comes from the tile and JSON endpoints."""

from functools import cache, wraps

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.gis.db.models.aggregates import Extent
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Subquery
from django.http import Http404
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from allocations.models import Allocation
from households.models import EligibilityAssessment, Household
from landreg import calendar, roles
from landreg.roles import has_role
from landreg.sharing import (
    SMALL_CELL,
    counts_suppressed_for,
    is_small_cell,
    needs_agreement,
    outside_agreement,
    shared_only,
)
from movements.selectors import household_origins, origins_described
from parcels.selectors import imagery_visible_to
from shelters.selectors import township_shelter_completion
from townships.map_style import LOCAL_NAME_FIELDS, PLOT_STATUSES
from townships.models import Plot
from townships.selectors import layer_versions, townships_visible_to
from webmap.livelihoods.dashboards import township_summary

# What a partner's agreement must share for the dashboards and the shelter reports: the township summary (their
# counts are the aggregates of the township_summary file). The map needs the layout (MAP_DATASET).
SUMMARY_DATASET = "township_summary"
MAP_DATASET = "township_layout"
# MapLibre's right-to-left plugin (ICU's Arabic shaping and bidi, asm.js: no WebAssembly, so no CSP exception),
# vendored by scripts/devenv.sh from the npm package @mapbox/mapbox-gl-rtl-text; without it Arabic-script labels
# are drawn as unjoined letters in the wrong order.
RTL_TEXT_PLUGIN = "vendor/mapbox-gl-rtl-text/mapbox-gl-rtl-text.min.js"
AFGHANISTAN = [60.5, 29.3, 75.2, 38.5]  # west, south, east, north: the extent for national users with no data
PIPELINE = [
    ("proposed", [Allocation.Status.PROPOSED]),
    ("approved", [Allocation.Status.APPROVED, Allocation.Status.ASSIGNED, Allocation.Status.LETTER_ISSUED]),
    ("handed_over", [Allocation.Status.HANDED_OVER]),
    ("occupied", [Allocation.Status.OCCUPIED, Allocation.Status.TITLED]),
]


def _pipeline_labels():
    return {
        "proposed": _("Proposed"),
        "approved": _("Approved"),
        "handed_over": _("Handed over"),
        "occupied": _("Occupied"),
    }


def _bbox(extent) -> list[float] | None:
    if not extent or extent[0] is None:
        return None
    return [round(v, 6) for v in extent]


def _is_map_user(user) -> bool:
    """Land officers and committee members by their groups (a superuser has every role, so is asked apart)."""
    names = set(user.groups.values_list("name", flat=True))
    return bool(names & {roles.LAND_OFFICER, roles.COMMITTEE_MEMBER, roles.GIS_SPECIALIST, roles.FIELD_OFFICER})


def refused_as_page(view):
    """A refusal (a partner outside their agreement) becomes a 403 page with its sentence, not a bare 403."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied as exc:
            message = str(exc) or _("You may not see this page.")
            return render(request, "webmap/dashboard/refused.html", {"message": message}, status=403)

    return wrapped


def townships_on_page(user, dataset: str):
    """The townships a page shows this user: their scope, and for a partner only the provinces their
    agreement shares `dataset` for (PermissionDenied, with the sentence, when it shares none)."""
    return shared_only(townships_visible_to(user), user, dataset, province_field="province")


def township_on_page(user, dataset: str, **lookup):
    """The township a page was asked for, or None outside the user's scope. A partner asking outside the
    provinces shared is refused with a sentence that says what to ask for, and never whether it exists."""
    township = townships_on_page(user, dataset).select_related("province").filter(**lookup).first()
    if township is None and needs_agreement(user):
        raise outside_agreement(user, dataset)
    return township


@cache
def rtl_text_plugin_installed() -> bool:
    return finders.find(RTL_TEXT_PLUGIN) is not None


def map_config(request) -> dict:
    user = request.user
    versions = layer_versions()
    townships = townships_on_page(user, MAP_DATASET).order_by("name")
    tile_root = request.build_absolute_uri("/tiles/")
    language = (get_language() or "en")[:2]
    return {
        "language": language,
        "localNameField": LOCAL_NAME_FIELDS.get(language),
        "rtlTextPlugin": static(RTL_TEXT_PLUGIN) if rtl_text_plugin_installed() else None,
        "tiles": {name: f"{tile_root}{name}/{{z}}/{{x}}/{{y}}.mvt?v={version}" for name, version in versions.items()},
        "basemap": settings.LANDREG_BASEMAP_URL,
        "imagery": _imagery(request, user),
        "extent": _bbox(townships.aggregate(e=Extent("geom"))["e"]) or AFGHANISTAN,
        "townships": [
            {"id": t.pk, "code": t.code, "name": t.local_name, "bbox": _bbox(t.geom.extent)} for t in townships
        ],
        "statuses": [{"code": c, "label": str(lbl), "colour": colour} for c, (lbl, colour) in PLOT_STATUSES.items()],
        "uses": [{"code": c, "label": str(lbl)} for c, lbl in Plot.Use.choices],
        "roles": {
            "officer": has_role(user, roles.LAND_OFFICER),
            "committee": has_role(user, roles.COMMITTEE_MEMBER),
        },
        "csrf": get_token(request),
        "api": {
            "plot": reverse("map-plot", kwargs={"pk": 0}),
            "candidates": reverse("map-plot-candidates", kwargs={"pk": 0}),
            "search": reverse("map-search"),
            "versions": reverse("map-versions"),
            "allocations": reverse("allocation-list"),
            "dashboard": reverse("township-dashboard", kwargs={"code": "CODE"}),
        },
    }


def _imagery(request, user) -> list[dict]:
    """Uploaded imagery the user may see, as raster tile sources."""
    root = request.build_absolute_uri("/tiles/imagery/")
    return [
        {
            "id": i.pk,
            "name": i.name,
            "bounds": _bbox(i.bounds.extent) if i.bounds else None,
            "url": f"{root}{i.pk}/{{z}}/{{x}}/{{y}}.png?v={int(i.updated_at.timestamp())}",
            "maxzoom": i.maxzoom,
        }
        for i in imagery_visible_to(user)
    ]


@login_required
@refused_as_page
def map_home(request):
    """The home page: the map for land officers and committee members; administrators go to the admin."""
    user = request.user
    if not _is_map_user(user) and (user.is_superuser or has_role(user, roles.ADMINISTRATOR)):
        return redirect("admin:index")
    return render(request, "webmap/map/map.html", {"config": map_config(request)})


@login_required
@refused_as_page
def dashboard_home(request):
    """The dashboard of the first township in the user's scope."""
    township = townships_on_page(request.user, SUMMARY_DATASET).order_by("name").first()
    if township is None:
        raise Http404(_("There is no township in your scope yet."))
    return redirect("township-dashboard", code=township.code)


def percent_text(value: float) -> str:
    """A share as a person reads it: '63%' in English, '۶۳٪' (Dari digits, the Arabic percent sign) in Dari and
    Pashto."""
    return calendar.number_text(value, places=0) + ("٪" if _dari_or_pashto() else "%")


def _dari_or_pashto() -> bool:
    return (get_language() or "en")[:2] in calendar.RTL_LANGUAGES


def _bars(rows: list[tuple[str, str, int, str]]) -> list[dict]:
    """(code, label, count, colour) → rows with their share of the total, which is also the bar's width: the bars
    of a section are the parts of one whole (a bar drawn full means all of it)."""
    total = sum(n for _c, _l, n, _col in rows)
    return [
        {
            "code": code,
            "label": text,
            "n": n,
            "n_text": calendar.number_text(n, places=0),
            "width": round(100 * n / total, 1) if total else 0,
            "share": percent_text(100 * n / total if total else 0),
            "colour": colour,
        }
        for code, text, n, colour in rows
    ]


def dashboard_data(township, user) -> dict:
    counts = dict(Plot.objects.filter(township=township).values_list("status").annotate(n=Count("pk")))
    plots = _bars([(c, str(lbl), counts.get(c, 0), colour) for c, (lbl, colour) in PLOT_STATUSES.items()])
    allocated = dict(Allocation.objects.filter(plot__township=township).values_list("status").annotate(n=Count("pk")))
    labels = _pipeline_labels()
    pipeline = _bars(
        [
            (code, str(labels[code]), sum(allocated.get(s, 0) for s in statuses), "#377eb8")
            for code, statuses in PIPELINE
        ]
    )
    active = Allocation.objects.filter(household=OuterRef("pk"), status__in=Allocation.ACTIVE)
    latest = EligibilityAssessment.objects.filter(household=OuterRef("pk")).order_by("-assessed_at")
    waiting_rows = (
        Household.objects.filter(
            province_id=township.province_id, status=Household.Status.ELIGIBLE, prior_beneficiary=False
        )
        .exclude(Exists(active))
        .annotate(priority=Subquery(latest.values("priority_score")[:1]))
        .values_list("priority")
        .annotate(n=Count("pk"))
    )
    by_priority: dict[int, int] = {}
    for priority, n in waiting_rows:
        by_priority[priority or 0] = by_priority.get(priority or 0, 0) + n
    waiting = _bars(
        [
            (str(p), _("Priority %(score)s") % {"score": calendar.number_text(p, places=0)}, n, "#ff7f00")
            for p, n in sorted(by_priority.items(), reverse=True)
        ]
    )
    # Roles without personal data get aggregates only, household counts under 5 suppressed (the allocations, the
    # households waiting, the shelters: as in the partner files); plots are land, shown as they are.
    small = counts_suppressed_for(user)

    def count_text(n: int) -> str:
        if small and is_small_cell(n):
            return _("fewer than %(n)s") % {"n": calendar.number_text(SMALL_CELL, places=0)}
        return calendar.number_text(n, places=0)

    def suppress(rows: list[dict]) -> list[dict]:
        for row in rows:
            if small and is_small_cell(row["n"]):
                row["n_text"], row["width"] = count_text(row["n"]), 0  # no bar: its length would tell the count
        return rows

    shelter = township_shelter_completion(township)
    if shelter is not None:
        completed, projects = shelter["completed"], shelter["projects"]
        shelter["completed_text"], shelter["projects_text"] = count_text(completed), count_text(projects)
        hidden = small and (is_small_cell(completed) or is_small_cell(projects))
        shelter["share"] = None if hidden else percent_text(100 * completed / projects)
        shelter["bars"] = suppress(_bars([(lbl, lbl, n, "#4daf4a") for lbl, n in shelter["by_stage"]]))
    return {
        "plots": plots,
        "plots_total": calendar.number_text(sum(counts.values()), places=0),
        "pipeline": suppress(pipeline),
        "waiting": suppress(waiting),
        "waiting_total": count_text(sum(by_priority.values())),
        "shelter": shelter,
    }


@login_required
@refused_as_page
def township_dashboard(request, code: str):
    townships = townships_on_page(request.user, SUMMARY_DATASET)
    township = township_on_page(request.user, SUMMARY_DATASET, code=code)
    if township is None:
        raise Http404(_("No township with this code in your scope."))
    today = timezone.localdate()
    return render(
        request,
        "webmap/dashboard/township.html",
        {
            "township": township,
            "township_name": township.local_name,
            "province_name": township.province.local_name,
            "townships": [(t.code, t.local_name) for t in townships.order_by("name")],
            "today": calendar.shamsi_date(today),
            # The printed page's date: Shamsi, and in English the Gregorian date beside it.
            "printed_on": calendar.shamsi_date(today)
            if _dari_or_pashto()
            else f"{calendar.shamsi_date(today)} ({calendar.gregorian_date(today)})",
            "data": dashboard_data(township, request.user),
            # Livelihoods: opportunities within reach, referrals by sex, cash-for-work days, reintegration scores.
            "livelihoods": township_summary(request.user, township),
            # Where its households came from: crossing point, country of asylum, year of the first arrival.
            "origins": origins_described(
                household_origins(
                    request.user,
                    households=Household.objects.filter(
                        allocations__plot__township=township, allocations__status__in=Allocation.ACTIVE
                    ).distinct(),
                )
            ),
        },
    )
