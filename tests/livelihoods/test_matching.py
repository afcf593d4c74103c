"""Matching: the eligible people for an opportunity and the opportunities for a person, ranked by a score in parts
(skills, distance from the plot in the UTM zone, vulnerability, workplace) weighed per programme; the set-based
ranking agrees with the database's eligibility rule."""

import random
import re

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import translation

from allocations.services import allocation_propose, allocation_transition
from landreg.models import PersonalDataAccess
from livelihoods.matching import explain, match_of, rank_people
from livelihoods.models import IscoOccupation, MatchingProgramme
from livelihoods.selectors import opportunities_near_household, opportunities_ranked_for, people_ranked_for


def test_the_carpenter_ranks_above_the_driver_for_a_carpentry_course(post, profiled, users):
    o = post()
    carpenter = profiled(occupations=[("7115", 6)])
    joiner_trainee = profiled(occupations=[("7119", 1)])
    driver = profiled(occupations=[("8322", 10)])
    rows = people_ranked_for(users["officer_nangarhar"], o)
    assert [r["person"] for r in rows] == [carpenter.pk, joiner_trainee.pk, driver.pk]
    top = rows[0]
    assert top["parts"]["skills"] == 1.0 and rows[1]["parts"]["skills"] == pytest.approx(0.6 * 0.6)
    assert rows[2]["parts"]["skills"] == 0.0
    # no plot, no district: the distance is unknown and scores nothing
    assert top["distance_km"] is None and top["parts"]["distance"] == 0.0
    assert top["score"] == pytest.approx(round(100 * (40 * 1 + 20 * 0 + 10 * 1) / 100, 1))
    assert PersonalDataAccess.objects.filter(what="households.Person", action="list").exists()


def test_distance_is_measured_from_the_plot_in_the_utm_zone(post, profiled, users, plots, frame):
    person = profiled()
    officer = users["officer_nangarhar"]
    a = allocation_propose(household=person.household, plot=plots[0], proposed_by=officer)
    allocation_transition(allocation=a, action="approve", by=users["committee"], reference="CMT-9")
    # plot 0 is 0..20 m × 0..25 m; its centroid (10, 12.5); the opportunity 5 km east of it
    o = post(point=frame.rect(5010, 12.5, 0.001, 0.001).centroid)
    row = match_of(o.pk, person.pk)
    assert row["located_by"] == "plot" and row["distance_km"] == pytest.approx(5.0, abs=0.01)
    # full within 2.5 km, nothing at the default 10 km: 1 - (5 - 2.5) / 7.5
    assert row["parts"]["distance"] == pytest.approx(1 - 2.5 / 7.5, abs=0.01)
    assert any("5.0 km from their plot" in line for line in explain(row))


def test_the_explanation_is_in_the_readers_language_and_digits(post, profiled, users, plots, frame):
    person = profiled(occupations=[("7115", 6)], household={"female_headed": True})
    a = allocation_propose(household=person.household, plot=plots[0], proposed_by=users["officer_nangarhar"])
    allocation_transition(allocation=a, action="approve", by=users["committee"], reference="CMT-7")
    o = post(point=frame.rect(5010, 12.5, 0.001, 0.001).centroid, vulnerability_priorities=["female_headed"])
    row = match_of(o.pk, person.pk)
    english = explain(row)
    assert english[0] == "Skills: 7115 Carpenters and joiners, 6 years (fit 100%)."
    assert english[1].startswith("Distance: 5.0 km from their plot; full within 2.5 km, none beyond 10.0 km")
    with translation.override("fa"):
        dari = explain(row)
    carpenter = IscoOccupation.objects.get(code="7115")
    assert carpenter.title_prs and carpenter.title_prs in dari[0] and carpenter.title_en not in dari[0]
    # every number in Persian digits (5.0 km: ۵٫۰); only the ISCO code keeps its Latin digits, as it is typed
    assert "۶" in dari[0] and "۱۰۰" in dari[0] and "۵٫۰" in dari[1] and "۲٫۵" in dari[1] and "۱۰۰" in dari[2]
    assert re.findall(r"[0-9]+", " ".join(dari)) == ["7115"]
    with translation.override("ps"):
        assert IscoOccupation.objects.get(code="7115").title_ps in explain(row)[0]


def test_the_programme_weights_change_the_order(post, profiled, users):
    programme = MatchingProgramme.objects.create(
        code="vuln",
        name="Vulnerability first",
        weight_skills=1,
        weight_distance=0,
        weight_vulnerability=50,
        weight_workplace=0,
    )
    o = post(programme=programme, vulnerability_priorities=["female_headed"])
    skilled = profiled(occupations=[("7115", 6)])
    vulnerable = profiled(occupations=[("8322", 1)], household={"female_headed": True})
    rows = people_ranked_for(users["officer_nangarhar"], o)
    assert [r["person"] for r in rows] == [vulnerable.pk, skilled.pk]
    assert rows[0]["weights"] == {"skills": 1, "distance": 0, "vulnerability": 50, "workplace": 0}


def test_a_woman_who_works_only_among_women_scores_no_workplace_part_in_a_mixed_one(post, profiled):
    person = profiled(sex="f", workplace_accepted="women_only")
    assert match_of(post(workplace="mixed").pk, person.pk)["parts"]["workplace"] == 0.0
    assert match_of(post(workplace="women_only").pk, person.pk)["parts"]["workplace"] == 1.0


def test_the_opportunities_for_a_person_are_ranked_and_scoped(post, profiled, users):
    from livelihoods.services import referral_step, referral_suggest

    person = profiled(occupations=[("7531", 5)], sex="f")
    tailoring = post(title="Tailoring", isco_codes=["7531"])
    carpentry = post(title="Carpentry", isco_codes=["7115"])
    post(title="Men only", sex="m")
    full = post(title="Full", places_offered=1)
    taken = referral_suggest(opportunity=full, person=profiled(), by=users["officer_nangarhar"])
    taken = referral_step(referral=taken, to_status="referred", by=users["officer_nangarhar"])
    referral_step(referral=taken, to_status="accepted", by=users["partner"])
    rows = opportunities_ranked_for(users["officer_nangarhar"], person)
    assert [r["opportunity"] for r in rows] == [tailoring.pk, carpentry.pk]
    assert rows[0]["parts"]["skills"] == 1.0 and rows[1]["parts"]["skills"] == pytest.approx(0.1)
    with pytest.raises(PermissionDenied):
        opportunities_ranked_for(users["officer_herat"], person)
    with pytest.raises(PermissionDenied):
        opportunities_ranked_for(users["partner"], person)


def test_opportunities_near_this_household(post, profiled, users, plots, frame):
    person = profiled()
    officer = users["officer_nangarhar"]
    a = allocation_propose(household=person.household, plot=plots[0], proposed_by=officer)
    allocation_transition(allocation=a, action="approve", by=users["committee"], reference="CMT-8")
    near = post(title="Near", point=frame.rect(300, 100, 1, 1).centroid)
    post(title="Far", point=frame.rect(15000, 0, 1, 1).centroid)
    rows = opportunities_near_household(users["officer_nangarhar"], person.household, within_km=10)
    assert [r["opportunity"] for r in rows] == [near.pk]
    assert rows[0]["members"][0]["person"] == person.pk


def test_the_ranking_and_the_database_rule_agree_on_who_is_eligible(post, adult, users, provinces):
    """Random people and opportunities: the set-based ranking lists exactly those livelihood_ineligibility() finds
    eligible."""
    from livelihoods.services import skills_profile_save

    rnd = random.Random(20261129)
    people = []
    for _ in range(30):
        person = adult(
            age=rnd.choice([15, 17, 19, 24, 30, 45, 63, 70]),
            sex=rnd.choice("fm"),
            province=rnd.choice(["nangarhar", "nangarhar", "herat"]),
            category=rnd.choice(["documented_returnee", "idp", "deportee"]),
            female_headed=rnd.random() < 0.3,
            disability=rnd.random() < 0.3,
        )
        skills_profile_save(
            person=person, by=users["admin"], occupations=[{"isco": "7115", "years": 1, "learnt_in": "iran"}]
        )
        people.append(person)
    for _ in range(8):
        o = post(
            sex=rnd.choice(["any", "f", "m"]),
            **rnd.choice(
                [{"age_min": 15, "age_max": 24}, {"age_min": 18, "age_max": 35}, {"age_min": 25, "age_max": 64}]
            ),
            categories=rnd.choice([[], ["idp"], ["documented_returnee", "deportee"]]),
            vulnerability_priorities=rnd.choice([[], ["female_headed"], ["disability", "female_headed"]]),
            vulnerable_only=rnd.random() < 0.4,
        )
        ranked = {r["person"] for r in rank_people(o.pk, limit=1000)}
        with connection.cursor() as cursor:
            cursor.execute("SELECT id FROM households_person WHERE livelihood_ineligibility(%s, id) IS NULL", [o.pk])
            eligible = {row[0] for row in cursor.fetchall()}
        assert ranked == eligible


def test_both_rankings_give_each_pair_the_same_score_and_parts(post, profiled):
    """The ranking of people (one opportunity: levels looked up per ISCO group) and of opportunities (one person:
    each occupation against each code) compute the skills part two ways; on random codes they agree, pair by pair,
    with each other and with a match of the pair alone."""
    from django.utils import timezone

    from livelihoods.matching import rank_opportunities

    rnd = random.Random(20261130)
    codes = ["7115", "7112", "7119", "7126", "7212", "8322", "9313", "5221", "711", "72", "7"]
    people = [
        profiled(occupations=[(c, rnd.choice([0, 1, 2.5, 4, 9])) for c in rnd.sample(codes[:8], rnd.randint(0, 4))])
        for _ in range(10)
    ]
    opportunities = [post(isco_codes=rnd.sample(codes, rnd.randint(0, 3))) for _ in range(8)]
    by_opportunity = {(r["opportunity"], r["person"]): r for o in opportunities for r in rank_people(o.pk, limit=100)}
    by_person = {
        (r["opportunity"], r["person"]): r
        for p in people
        for r in rank_opportunities(p.pk, today=timezone.localdate(), limit=100)
    }
    assert by_opportunity.keys() == by_person.keys() and len(by_person) == len(people) * len(opportunities)
    for pair, row in by_opportunity.items():
        other, alone = by_person[pair], match_of(*pair)
        assert (row["score"], row["parts"], row["best_isco"]) == (other["score"], other["parts"], other["best_isco"])
        assert (row["score"], row["parts"]) == (alone["score"], alone["parts"])
