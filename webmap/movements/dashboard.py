"""The returns dashboard: arrivals per week per crossing point (a line chart), categories and vulnerabilities,
destinations by province (a map drawn from the provinces' outlines simplified in PostGIS), IDP sites by size, and
the households registered at the border that now hold a plot. From the figures (movements/figures.py, refreshed by
a timer), bounded by the reader's provinces, small cells suppressed for roles without personal data."""

import datetime

from django import forms
from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy

from allocations.models import Allocation
from households.models import Household
from landreg.i18n import choice_label, local_name
from landreg.sharing import counts_suppressed_for, suppressed
from movements import dashboards
from movements.models import Arrival, ArrivalCategory, FlowCount, Vulnerability
from parcels.models import AdminArea
from webmap.movements import charts
from webmap.movements.common import render_page

PERIODS = [
    (8, gettext_lazy("8 weeks")),
    (12, gettext_lazy("12 weeks")),
    (26, gettext_lazy("26 weeks")),
    (52, gettext_lazy("52 weeks")),
]


class DashboardForm(forms.Form):
    weeks = forms.TypedChoiceField(
        choices=PERIODS, coerce=int, required=False, initial=12, label=gettext_lazy("Period")
    )
    source = forms.ChoiceField(
        choices=[("", gettext_lazy("Arrivals registered at the border")), *FlowCount.Source.choices],
        required=False,
        label=gettext_lazy("Counted from"),
    )


def border_households_with_plot(user, provinces: set[int] | None) -> dict:
    """Households registered from an arrival at the border, and how many of them now hold a plot (an active
    allocation), in the reader's provinces."""
    households = Household.objects.filter(Exists(Arrival.objects.filter(household=OuterRef("pk"), direction="in")))
    if provinces is not None:
        households = households.filter(province__in=provinces)
    registered = households.count()
    with_plot = households.filter(Exists(Allocation.objects.active().filter(household=OuterRef("pk")))).count()
    suppress = counts_suppressed_for(user)
    return {
        "registered": suppressed(registered) if suppress else registered,
        "with_plot": suppressed(with_plot) if suppress else with_plot,
        "share": round(100 * with_plot / registered) if registered and not (suppress and with_plot < 5) else None,
    }


@login_required
def returns_dashboard(request):
    provinces = dashboards.dashboard_provinces(request.user)  # PermissionDenied without a role
    form = DashboardForm(request.GET or None)
    status = 200
    weeks, source = 12, ""
    if form.is_bound:
        if form.is_valid():
            weeks, source = form.cleaned_data["weeks"] or 12, form.cleaned_data["source"]
        else:
            status = 400
    today = timezone.localdate()
    since = dashboards.week_start(today) - datetime.timedelta(weeks=weeks - 1)
    weekly = dashboards.arrivals_by_week(request.user, weeks=weeks, today=today, source=source)
    series = [{"label": local_name(s["point"]), "counts": s["counts"]} for s in weekly["series"]]
    categories = dashboards.arrivals_by(request.user, "category", since=since, until=today)
    vulnerabilities = dashboards.arrival_vulnerabilities(request.user, since=since, until=today)
    destinations = dashboards.arrivals_by(request.user, "destination_province_id", since=since, until=today)
    by_province = {row["destination_province_id"]: row["people"] for row in destinations}
    outlines = dashboards.province_outlines()
    names = {a.pk: a for a in AdminArea.objects.filter(level=AdminArea.Level.PROVINCE)}
    colours, legend = charts.classes({pk: by_province.get(pk, 0) for pk in outlines["provinces"]})
    shapes = [
        {
            "path": path,
            "colour": colours[pk],
            "title": f"{local_name(names[pk])}: {charts.number(by_province.get(pk, 0))}",
        }
        for pk, path in outlines["provinces"].items()
        if pk in names
    ]
    context = {
        "form": form,
        "weeks": weeks,
        "since": since,
        "today": today,
        "source": source,
        "chart": charts.line_chart(weekly["weeks"], series),
        "categories": charts.bars(
            [{"label": choice_label(ArrivalCategory, r["category"]), "n": r["people"]} for r in categories]
        ),
        "vulnerabilities": charts.bars(
            [{"label": choice_label(Vulnerability, r["vulnerability"]), "n": r["arrivals"]} for r in vulnerabilities]
        ),
        "destinations": charts.bars(
            [
                {"label": local_name(names.get(r["destination_province_id"])), "n": r["people"]}
                for r in destinations
                if r["destination_province_id"] in names
            ]
        ),
        "map": {"view_box": outlines["view_box"], "shapes": shapes, "legend": legend},
        "sites": charts.bars(
            [
                {"label": r["site"].name, "n": r["people"], "site": r["site"]}
                for r in dashboards.sites_by_size(request.user)
            ]
        ),
        "border": border_households_with_plot(request.user, provinces),
        "pending": dashboards.figures_pending_days(),
        "suppressed": counts_suppressed_for(request.user),
    }
    return render_page(request, "webmap/movements/dashboard.html", context, status=status)
