"""Aggregates for publication (scores by township and round, households on their plot at 12 months, townships at
risk) with the small-cell rule, and the admin scoped like the rest."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from allocations.services import allocation_propose, allocation_transition
from landreg import roles
from landreg.services import user_create
from livelihoods.selectors import (
    reintegration_scores_by_township,
    still_on_plot_at_12_months,
    township_livelihoods_summary,
    townships_at_risk,
)
from livelihoods.services import survey_round_record
from livelihoods.survey import questions
from townships import services as township_services


@pytest.fixture
def surveyed(township, frame, make_household, users, field_officer):
    """Six households handed over on plots of the test township, a baseline round each, and a 12-month round each:
    scores falling and two of six no longer on their plot."""
    officer = users["officer_nangarhar"]
    allocations = []
    for i in range(6):
        plot = township_services.plot_create(
            township=township,
            block=township.block_b,
            number=f"L{i}",
            geom=frame.rect(220 + i * 20, 0, 20, 25),
            status="available",
        )
        a = allocation_propose(household=make_household(registered_by=officer), plot=plot, proposed_by=officer)
        a = allocation_transition(allocation=a, action="approve", by=users["committee"], reference=f"C-{i}")
        a = allocation_transition(allocation=a, action="assign", by=officer)
        a = allocation_transition(allocation=a, action="issue_letter", by=officer)
        a = allocation_transition(
            allocation=a,
            action="hand_over",
            by=field_officer,
            point=frame.rect(230 + i * 20, 12, 1, 1).centroid,
            accuracy_m=5,
        )
        allocations.append(a)
    best = {
        q["code"]: max((v for v in q["points"] if q["points"][v] is not None), key=q["points"].get) for q in questions()
    }
    for i, a in enumerate(allocations):
        survey_round_record(allocation=a, round="baseline", answers=best, by=field_officer)
        later = {**best, "work": 0, "income_sources": 1, "safety": 0, "lives_on_plot": 0 if i < 2 else 1}
        survey_round_record(allocation=a, round="m12", answers=later, by=field_officer)
    return allocations


def test_scores_by_township_and_round(surveyed, users, township):
    rows = reintegration_scores_by_township(users["officer_nangarhar"])
    assert [(r["round"], r["households"]) for r in rows] == [("baseline", 6), ("m12", 6)]
    assert rows[0]["composite"] == 100.0 and rows[1]["composite"] < rows[0]["composite"]
    on_plot = still_on_plot_at_12_months(users["officer_nangarhar"])
    assert (
        on_plot[0]["households"] == 6
        and on_plot[0]["on_plot"] == 4
        and on_plot[0]["share"] == pytest.approx(0.667, abs=0.001)
    )


def test_a_township_with_falling_scores_and_empty_plots_is_at_risk(surveyed, users, provinces):
    risks = townships_at_risk(users["officer_nangarhar"], province=provinces["nangarhar"])
    assert len(risks) == 1
    assert {r["code"] for r in risks[0]["reasons"]} == {"score_falling", "low_occupancy_at_12_months"}
    with pytest.raises(PermissionDenied):
        townships_at_risk(users["officer_herat"], province=provinces["nangarhar"])


def test_small_cells_are_suppressed_for_roles_without_personal_data(surveyed, users, provinces):
    gis = users["gis"]
    assert reintegration_scores_by_township(gis)[0]["households"] == 6  # six households: shown
    surveyed[0].household  # noqa: B018
    from livelihoods.models import SurveyRound

    for extra in SurveyRound.objects.filter(round="m12")[:2]:
        SurveyRound.objects.filter(pk=extra.pk).update(round="m6")
    rows = {r["round"]: r for r in reintegration_scores_by_township(gis)}
    assert rows["m6"]["households"] == "<5" and rows["m6"]["composite"] is None and rows["m6"]["suppressed"]
    officer_rows = {r["round"]: r for r in reintegration_scores_by_township(users["officer_nangarhar"])}
    assert officer_rows["m6"]["households"] == 2


def test_the_township_summary(surveyed, users, township, post, frame):
    post(point=frame.rect(300, 100, 1, 1).centroid)
    post(point=frame.rect(8000, 100, 1, 1).centroid)
    post(point=frame.rect(15000, 100, 1, 1).centroid)
    summary = township_livelihoods_summary(users["officer_nangarhar"], township)
    assert summary["opportunities_within_walking"] == 1 and summary["opportunities_within_near"] == 2
    assert [r["round"] for r in summary["scores_by_round"]] == ["baseline", "m12"]


def test_the_admin_shows_referrals_only_in_scope(referred_and_accepted, users, provinces):
    herat_admin = user_create(
        username="admin.h", password="x", roles=[roles.ADMINISTRATOR], provinces=[provinces["herat"]]
    )
    herat_admin.is_staff = True
    herat_admin.save()
    national = users["admin"]
    national.is_staff = True
    national.save()
    client = Client()
    client.force_login(national)
    url = f"/admin/livelihoods/referral/{referred_and_accepted.pk}/change/"
    assert client.get(url).status_code == 200
    assert client.get("/admin/livelihoods/isccooccupation/").status_code in (404, 302)
    assert client.get("/admin/livelihoods/iscooccupation/?q=carpenter").status_code == 200
    client.force_login(herat_admin)
    assert client.get(url).status_code == 404
    assert client.get("/admin/livelihoods/referral/").context["cl"].result_count == 0
