"""The demo's returns and displacement (demo/movements.py): four weeks at Torkham and Islam Qala, two IDP sites,
journeys of demo households from the border, all through the services and marked as demo data."""

import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone

from demo.services import demo_load
from households.models import Household, ReturnEvidence
from movements.figures import arrival_figures, flow_figures
from movements.models import Arrival, FlowCount, HouseholdLocation, IdpSite


def test_the_demo_movements_load_through_the_services(db):
    lines = []
    totals = demo_load(progress=lines.append)
    assert totals["sites"] == 2 and totals["journeys"] == 16 and totals["arrivals"] > 200
    assert any(line.startswith("movements:") for line in lines)
    four_weeks_ago = timezone.now() - datetime.timedelta(days=29)
    for code in ("torkham", "islam_qala"):
        arrivals = Arrival.objects.filter(crossing_point__code=code, crossed_at__gte=four_weeks_ago)
        assert arrivals.count() > 100
        days = FlowCount.objects.filter(crossing_point__code=code).values("day").distinct().count()
        assert days == 28
    assert not Arrival.objects.filter(is_demo=False).exists() and not FlowCount.objects.filter(is_demo=False).exists()
    assert Household.objects.count() == 500 and not Household.objects.exclude(code__startswith="DEMO-").exists()
    assert set(IdpSite.objects.values_list("code", flat=True)) == {"DEMO-NAN-SHEIKH-MESRI", "DEMO-HER-SHAIDAYEE"}
    assert all(site.estimates.count() == 2 for site in IdpSite.objects.all())
    assert ReturnEvidence.objects.count() == 16
    assert HouseholdLocation.objects.filter(status="in_site").count() == 8
    admin = get_user_model().objects.get(username="admin")
    weekly = arrival_figures(admin, period="week", by=("crossing_point_id",))
    assert len(weekly) == 2 and all(row["people"] > 100 for row in weekly)
    assert flow_figures(admin, by=("source",), where={"direction": "in"})
