"""The demo's livelihoods: providers (one under the demo partner's agreement), opportunities near both demo townships,
skills profiles of the adults of handed-over households, referrals along their steps, a cash-for-work week paid, and
the reintegration rounds due (baseline, and 3 months where due), all through the real services."""

import datetime
import random
import uuid
from collections.abc import Callable

from django.contrib.gis.geos import Point
from django.utils import timezone

from allocations.models import Allocation
from households.models import Person
from landreg.models import DataSharingAgreement
from livelihoods.services import (
    attendance_pay,
    attendance_record,
    opportunity_post,
    provider_create,
    provider_for_agreement,
    referral_step,
    referral_suggest,
    round_due_on,
    skills_profile_save,
    survey_assignment_create,
    survey_round_record,
    week_start,
)
from livelihoods.survey import questions
from townships.models import Township

# (kind, title, ISCO codes, metres east and north of the township's centre, extra fields)
OPPORTUNITIES = [
    (
        "cash_for_work",
        "Irrigation canal cleaning (demo)",
        ["9312"],
        (600, -400),
        {"daily_wage": 500, "days_offered": 30, "places_offered": 40},
    ),
    (
        "tvet",
        "Tailoring course for women (demo)",
        ["7531", "7533"],
        (1500, 800),
        {"sex": "f", "workplace": "women_only", "stipend_monthly": 3000, "places_offered": 20},
    ),
    (
        "apprenticeship",
        "Carpentry and masonry apprenticeship (demo)",
        ["7115", "7112"],
        (4000, -2500),
        {"places_offered": 12, "stipend_monthly": 4000},
    ),
    (
        "job_placement",
        "Drivers for a transport company (demo)",
        ["8322", "8332"],
        (8000, 3000),
        {"sex": "m", "places_offered": 5, "age_min": 21},
    ),
]
# Occupations the demo's adults learnt (ISCO-08 unit group, where).
TRADES = [
    ("7115", "iran"),
    ("7112", "iran"),
    ("7531", "pakistan"),
    ("8322", "pakistan"),
    ("9313", "iran"),
    ("6111", "afghanistan"),
    ("7512", "afghanistan"),
    ("5221", "pakistan"),
    ("9312", "iran"),
    ("7533", "iran"),
]


def _near(township: Township, east_m: float, north_m: float) -> Point:
    centre = township.geom.centroid
    centre.transform(township.utm_srid)
    point = Point(centre.x + east_m, centre.y + north_m, srid=township.utm_srid)
    point.transform(4326)
    return point


def _answers(rng: random.Random) -> dict[str, int]:
    return {
        q["code"]: rng.choices(range(q["min"], q["max"] + 1), weights=[1] * (q["max"] - q["min"]) + [3])[0]
        for q in questions()
    }


def demo_livelihoods_create(users: dict, seed: int, progress: Callable[[str], None]) -> dict:
    """Providers, opportunities near each demo township, profiles, referrals, attendance and survey rounds."""
    rng = random.Random(seed + 16)
    today = timezone.localdate()
    admin = users["admin"]
    agreement = DataSharingAgreement.objects.filter(reference="DEMO-DSA-2026-01").first()
    partner_provider = provider_for_agreement(agreement) if agreement else None
    ngo = provider_create(name="NRC Livelihoods (demo)", by=admin)
    totals = {"opportunities": 0, "profiles": 0, "referrals": 0, "survey_rounds": 0}
    for township in Township.objects.filter(is_demo=True).select_related("province").order_by("code"):
        nangarhar = township.province.pcode == "AF06"
        officer = users["officer.nangarhar" if nangarhar else "officer.herat"]
        field = users["field.nangarhar" if nangarhar else "field.herat"]
        provider = partner_provider if nangarhar and partner_provider else ngo
        opportunities = [
            opportunity_post(
                provider=provider,
                by=officer,
                kind=kind,
                title=title,
                isco_codes=codes,
                province=township.province,
                point=_near(township, *offset),
                start_on=today - datetime.timedelta(days=21),
                end_on=today + datetime.timedelta(days=120),
                description="Demonstration opportunity.",
                **{"places_offered": 10, **extra},
            )
            for kind, title, codes, offset, extra in OPPORTUNITIES
        ]
        totals["opportunities"] += len(opportunities)
        held = list(
            Allocation.objects.filter(plot__township=township, status__in=["handed_over", "occupied", "titled"])
            .select_related("household")
            .order_by("id")
        )
        today_age = today.replace(year=today.year - 15)
        adults = list(
            Person.objects.filter(household__in=[a.household_id for a in held], date_of_birth__lte=today_age).order_by(
                "household_id", "id"
            )
        )
        for person in adults:
            trades = rng.sample(TRADES, rng.choice([1, 1, 2]))
            skills_profile_save(
                person=person,
                by=officer,
                education=rng.choice(["none", "none", "religious", "primary", "lower_secondary", "upper_secondary"]),
                literacy_dari=rng.choice(["none", "basic", "fluent"]),
                literacy_pashto=rng.choice(["none", "basic", "fluent"]),
                occupations=[
                    {"isco": code, "years": rng.randrange(0, 12), "learnt_in": where} for code, where in trades
                ],
                languages=["prs", "ps"] if rng.random() < 0.5 else ["ps"],
                can_work_outside_home=person.sex == "m" or rng.random() < 0.6,
                workplace_accepted="women_only" if person.sex == "f" and rng.random() < 0.7 else "any",
                care_duties=person.sex == "f" and rng.random() < 0.5,
                max_travel_km=rng.choice([None, None, 5, 10, 15]),
            )
        totals["profiles"] += len(adults)
        # A few referrals along their steps, the best-ranked first.
        from livelihoods.matching import rank_people

        steps = [["referred", "accepted", "enrolled"], ["referred", "accepted"], ["referred"], []]
        for opportunity in opportunities:
            for match, path in zip(rank_people(opportunity.pk, limit=4), steps, strict=False):
                referral = referral_suggest(
                    opportunity=opportunity, person=Person.objects.get(pk=match["person"]), by=officer
                )
                totals["referrals"] += 1
                for status in path:
                    referral = referral_step(
                        referral=referral, to_status=status, by=officer, day=today - datetime.timedelta(days=14)
                    )
                if opportunity.kind == "cash_for_work" and referral.status == "enrolled":
                    week = attendance_record(
                        referral=referral,
                        week_start=week_start(today) - datetime.timedelta(days=14),
                        days_worked=rng.randrange(3, 7),
                        by=officer,
                    )
                    attendance_pay(
                        attendance=week,
                        by=officer,
                        paid_on=today - datetime.timedelta(days=3),
                        reference=f"DEMO-PAY-{referral.pk}",
                    )
                    attendance_record(
                        referral=referral,
                        week_start=week_start(today) - datetime.timedelta(days=7),
                        days_worked=rng.randrange(3, 7),
                        by=officer,
                    )
        # The reintegration rounds due: baseline and 3 months where due, conducted by the field officer; the next
        # round due, assigned to them.
        for allocation in held:
            for index, kind in enumerate(("baseline", "m3")):
                due = round_due_on(allocation, kind)
                if due is None or due > today:
                    if due is not None and kind == "m3" and due <= today + datetime.timedelta(days=60):
                        survey_assignment_create(officer=field, allocation=allocation, round=kind, by=officer)
                    break
                survey_round_record(
                    allocation=allocation,
                    round=kind,
                    answers=_answers(rng),
                    by=field,
                    conducted_on=min(today, due + datetime.timedelta(days=rng.randrange(0, 10))),
                    client_uuid=uuid.UUID(int=(seed << 64) + allocation.pk * 10 + index),
                    source="demo",
                )
                totals["survey_rounds"] += 1
        progress(f"livelihoods near {township.name}: {len(opportunities)} opportunities, {len(adults)} profiles")
    return totals
