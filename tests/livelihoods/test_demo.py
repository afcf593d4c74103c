"""The demo's livelihoods (demo/livelihoods.py): opportunities near both demo townships, profiles, referrals, a paid
cash-for-work week and reintegration rounds, through the services, the same on every load."""

from django.db import connection

from demo.services import demo_load
from livelihoods.models import AttendanceWeek, Opportunity, Referral, SkillsProfile, SurveyRound
from townships.models import Township


def test_the_demo_livelihoods_load_through_the_services(db):
    lines = []
    totals = demo_load(progress=lines.append)["livelihoods"]
    assert totals["opportunities"] == 8 and totals["profiles"] > 20 and totals["referrals"] > 8
    assert (
        totals["survey_rounds"] > 0
        and SurveyRound.objects.exclude(score_composite=None).count() == totals["survey_rounds"]
    )
    for township in Township.objects.filter(is_demo=True):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM livelihoods_opportunity o, townships_township t WHERE t.id = %s AND "
                "ST_Distance(ST_Transform(t.geom, t.utm_srid), ST_Transform(o.point, t.utm_srid)) < 10000",
                [township.pk],
            )
            assert cursor.fetchone()[0] == 4, township
    assert Opportunity.objects.filter(provider__agreement__reference="DEMO-DSA-2026-01").count() == 4
    assert Referral.objects.filter(status="enrolled").exists()
    assert AttendanceWeek.objects.filter(paid_on__isnull=False).count() >= 1
    assert SkillsProfile.objects.count() == totals["profiles"]
    assert any(line.startswith("livelihoods near") for line in lines)
