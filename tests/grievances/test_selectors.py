"""Grievance reads: scope by role and province, sensitive ones hidden from the staff they may be about, the
dashboard, the public status (nothing personal), a partner's own referrals, the demo's grievances."""

import datetime
import random

import pytest
from django.core.management import call_command
from django.utils import timezone

from grievances import selectors, services
from grievances.models import Grievance
from grievances.references import drawn_from, new_reference
from landreg.models import PersonalDataAccess

pytestmark = pytest.mark.django_db


def receive(people, provinces, province="nangarhar", by="officer_nangarhar", **fields):
    values = {
        "by": people[by],
        "channel": "office",
        "category": "other",
        "description": "Broken pump.",
        "province": provinces[province],
    }
    values.update(fields)
    return services.grievance_receive(**values)


def test_each_officer_sees_the_grievances_of_their_provinces(people, provinces):
    here = receive(people, provinces)
    there = receive(people, provinces, province="herat", by="officer_herat")

    assert list(selectors.grievances_for(people["officer_nangarhar"])) == [here]
    assert list(selectors.grievances_for(people["officer_herat"])) == [there]
    assert set(selectors.grievances_for(people["admin"])) == {here, there}
    for nobody in ("gis", "partner"):
        assert not selectors.grievances_for(people[nobody]).exists()
    with pytest.raises(Grievance.DoesNotExist):
        selectors.grievance_for(people["officer_herat"], here.reference)
    assert selectors.grievance_for(people["officer_nangarhar"], here.reference.lower().replace("-", " ")) == here
    assert selectors.grievance_for(people["officer_nangarhar"], str(here.pk)) == here


def test_a_sensitive_grievance_is_listed_to_the_focal_point_administrators_and_its_receiver_only(people, provinces):
    g = receive(people, provinces, category="staff_conduct", description="About an officer.")

    for name in ("focal", "administrator", "admin", "officer_nangarhar"):
        assert g in selectors.grievances_for(people[name]), name
    for name in ("committee", "committee2", "field", "focal_herat"):
        assert g not in selectors.grievances_for(people[name]), name
    assert selectors.grievance_allowed_actions(people["officer_nangarhar"], g) == []
    assert "acknowledge" in selectors.grievance_allowed_actions(people["focal"], g)


def test_reading_a_description_is_logged(people, provinces):
    g = receive(people, provinces)
    assert selectors.grievance_description(people["committee"], g, where="/g/") == "Broken pump."
    assert PersonalDataAccess.objects.filter(user=people["committee"], object_ids=[g.pk], where="/g/").exists()
    assert selectors.grievance_description(people["officer_herat"], g) is None  # out of scope: nothing, no log
    assert not PersonalDataAccess.objects.filter(user=people["officer_herat"]).exists()


def test_the_allowed_actions_follow_status_and_role(people, provinces):
    g = receive(people, provinces)
    assert selectors.grievance_allowed_actions(people["officer_nangarhar"], g) == ["acknowledge", "assign"]
    assert selectors.grievance_allowed_actions(people["field"], g) == []
    assert selectors.grievance_allowed_actions(people["officer_herat"], g) == []
    g = services.grievance_transition(grievance=g, action="acknowledge", by=people["officer_nangarhar"])
    assert selectors.grievance_allowed_actions(people["committee"], g) == ["resolve"]
    assert selectors.grievance_allowed_actions(people["officer_nangarhar"], g) == [
        "review",
        "refer",
        "resolve",
        "assign",
    ]


def test_the_dashboard_counts_by_category_status_and_age_with_the_overdue_first(people, provinces):
    now = timezone.now()
    late = receive(people, provinces, category="shelter_payment", received_at=now - datetime.timedelta(days=10))
    receive(people, provinces, category="shelter_payment", received_at=now - datetime.timedelta(days=1))
    receive(people, provinces, category="other", received_at=now - datetime.timedelta(days=40))
    receive(people, provinces, province="herat", by="officer_herat")

    board = selectors.grievance_dashboard(people["officer_nangarhar"], now=now)

    assert (board["total"], board["open"], board["overdue_count"]) == (3, 3, 2)
    assert board["by_category"][0]["category"] in ("shelter_payment", "other")
    payment = next(row for row in board["by_category"] if row["category"] == "shelter_payment")
    assert (payment["total"], payment["open"], payment["overdue"]) == (2, 2, 1)
    assert {row["band"]: row["count"] for row in board["age_bands"]} == {
        "under_3_days": 1,
        "3_to_7_days": 0,
        "7_to_30_days": 1,
        "over_30_days": 1,
    }
    assert {row["status"]: row["count"] for row in board["by_status"]}["received"] == 3
    assert [row["reference"] for row in board["overdue"]][1] == late.reference  # the 40-day-old one first
    assert "description" not in board["overdue"][0]


def test_the_public_status_shows_nothing_personal(people, provinces, make_household):
    g = receive(people, provinces, household=make_household(), description="Ahmad's plot, tazkira 1234")
    g = services.grievance_transition(grievance=g, action="acknowledge", by=people["officer_nangarhar"])

    status = selectors.grievance_public_status(g.reference.lower())

    assert status["status"] == "acknowledged" and status["received_on"] == timezone.localdate(g.received_at)
    assert status["acknowledged_on"] is not None and status["loop_closed"] is False
    assert "Ahmad" not in repr(status) and "1234" not in repr(status) and "HH-" not in repr(status)
    assert set(status) == {
        "reference",
        "status",
        "status_label",
        "sensitive",
        "category",
        "category_label",
        "received_on",
        "acknowledged_on",
        "resolved_on",
        "closed_on",
        "loop_closed",
        "loop_closed_on",
    }


def test_a_sensitive_grievance_shows_its_status_only(people, provinces):
    g = receive(people, provinces, category="sea", description="x")
    assert selectors.grievance_public_status(g.reference) == {
        "reference": g.reference,
        "status": "received",
        "status_label": "Received",
        "sensitive": True,
    }


def test_a_thousand_guesses_find_nothing(people, provinces):
    for _ in range(20):
        receive(people, provinces)
    rng = random.Random(7)
    with drawn_from(rng):
        guesses = {new_reference() for _ in range(1000)}
    guesses |= {"", "G-", "G-AAAA", "x" * 5000, "' OR 1=1 --", "G-AAAA-AAAA%", "G-____-____"}
    assert not any(
        selectors.grievance_public_status(guess)
        for guess in guesses - set(Grievance.objects.values_list("reference", flat=True))
    )


def test_the_demo_loads_its_grievances_with_their_references_from_the_seed(db, capsys):
    call_command("load_demo")
    assert "grievances" in capsys.readouterr().out
    demo = Grievance.objects.filter(is_demo=True)
    assert demo.count() == 6
    assert {g.category for g in demo} >= {"land_dispute", "appeal", "shelter_payment", "staff_conduct"}
    dispute = demo.get(category="land_dispute")
    assert dispute.land_dispute.overlap_m2 > 0 and dispute.plot.status == "disputed"
    assert demo.get(category="appeal").appeal.decision == "upheld"
    assert demo.get(category="staff_conduct").description == ""
    assert demo.overdue().count() >= 1
    from demo.services import SEED

    with drawn_from(random.Random(SEED)):
        expected = {new_reference() for _ in range(6)}
    assert set(demo.values_list("reference", flat=True)) == expected
