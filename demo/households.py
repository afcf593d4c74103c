"""The demo's households: synthetic returnee, deportee, displaced and host families with their members, and the
eligibility assessments of those found eligible."""

import datetime
import random
from collections.abc import Callable

from demo.land import TownshipPlan
from households.eligibility import default_scheme, priority_score
from households.models import Category, EligibilityAssessment, Household, Person
from households.services import person_set_id_numbers
from parcels.models import AdminArea
from townships.models import Entitlement, Township

MALE = [
    "Abdul Rahman",
    "Ahmad Shah",
    "Mohammad Nabi",
    "Gul Agha",
    "Noor Mohammad",
    "Abdullah",
    "Zabihullah",
    "Hamidullah",
    "Sayed Karim",
    "Faizullah",
    "Rahmatullah",
    "Khan Mohammad",
    "Shir Agha",
    "Najibullah",
    "Mirwais",
    "Habibullah",
    "Assadullah",
    "Jan Agha",
    "Qudratullah",
    "Wali Mohammad",
    "Ghulam Sakhi",
]
FEMALE = [
    "Bibi Gul",
    "Zarghona",
    "Fatima",
    "Nazifa",
    "Shukria",
    "Mariam",
    "Zainab",
    "Gulalai",
    "Parwana",
    "Sima",
    "Malalai",
    "Hadia",
    "Freshta",
    "Nilofar",
    "Shabnam",
    "Rahima",
]


def demo_households_create(
    plan: TownshipPlan, rng: random.Random, officer, progress: Callable[[str], None]
) -> list[Household]:
    """The plan's households (codes DEMO-<province prefix>-0001 on), registered by the officer, each with its head
    (tazkira, and proof of registration for those back from Pakistan) and up to five more members by name."""
    province = AdminArea.objects.get(pcode=plan.province_pcode)
    prefix = plan.code.split("-")[0]
    categories = (
        [Category.DOCUMENTED_RETURNEE] * 3
        + [Category.UNDOCUMENTED_RETURNEE] * 3
        + [Category.DEPORTEE] * 2
        + [Category.IDP] * 2
        + [Category.HOST_COMMUNITY]
    )
    households, people = [], []
    for i in range(1, plan.households + 1):
        female_headed = rng.random() < 0.12
        category = rng.choice(categories)
        from_iran = plan.province_pcode == "AF32" or rng.random() < 0.2
        returned = datetime.date(2023, 9, 1) + datetime.timedelta(days=rng.randrange(0, 900))
        status = rng.choices(
            [Household.Status.REGISTERED, Household.Status.VERIFIED, Household.Status.ELIGIBLE], [1, 2, 7]
        )[0]
        household = Household(
            code=f"DEMO-{prefix}-{i:04d}",
            province=province,
            size=rng.randint(2, 14),
            category=category,
            country_returned_from=""
            if category in (Category.IDP, Category.HOST_COMMUNITY)
            else ("IR" if from_iran else "PK"),
            return_date=None if category == Category.HOST_COMMUNITY else returned,
            return_type=Household.ReturnType.DEPORTED
            if category == Category.DEPORTEE
            else Household.ReturnType.SPONTANEOUS
            if category != Category.IDP
            else "",
            crossing_point=""
            if category in (Category.IDP, Category.HOST_COMMUNITY)
            else (Household.CrossingPoint.ISLAM_QALA if from_iran else Household.CrossingPoint.TORKHAM),
            female_headed=female_headed,
            disability=rng.random() < 0.08,
            elderly_head=rng.random() < 0.1,
            chronic_illness=rng.random() < 0.07,
            landless_declared=rng.random() < 0.9,
            prior_beneficiary=rng.random() < 0.03,
            status=status,
            is_demo=True,
            registered_by=officer,
        )
        households.append(household)
    Household.objects.bulk_create(households)
    for n, household in enumerate(households, 1):
        head_female = household.female_headed
        birth = datetime.date(1960, 1, 1) + datetime.timedelta(days=rng.randrange(0, 365 * 40))
        head = Person(
            household=household,
            relationship=Person.Relationship.HEAD,
            name=rng.choice(FEMALE if head_female else MALE),
            father_name=rng.choice(MALE),
            sex="f" if head_female else "m",
            date_of_birth=birth,
        )
        person_set_id_numbers(
            head,
            tazkira=f"1400-{rng.randint(1000, 9999)}-{rng.randint(10000, 99999)}",
            por=f"PoR{rng.randint(1000000, 9999999)}" if household.country_returned_from == "PK" else "",
        )
        people.append(head)
        for _ in range(min(household.size - 1, 5)):  # the rest of the family, up to five listed by name
            sex = rng.choice("fm")
            people.append(
                Person(
                    household=household,
                    relationship=rng.choice(["spouse", "child", "child", "parent"]),
                    name=rng.choice(FEMALE if sex == "f" else MALE),
                    father_name=head.name,
                    sex=sex,
                    date_of_birth=birth + datetime.timedelta(days=rng.randrange(3000, 12000)),
                )
            )
        if n % 50 == 0:
            progress(f"{plan.name}: households {n}/{plan.households}")
    Person.objects.bulk_create(people)
    return households


def demo_eligibility_create(township: Township, households: list[Household], officer) -> None:
    """The default scheme, the township's entitlement table (10 biswa up to 10 members, 15 above), and an
    assessment for each eligible household."""
    scheme = default_scheme()
    Entitlement.objects.bulk_create(
        [
            Entitlement(township=township, min_members=1, max_members=10, plot_biswa=10),
            Entitlement(township=township, min_members=11, plot_biswa=15),
        ]
    )
    results = [  # a reason code, rendered in the reader's language (households.eligibility.REASONS)
        {"criterion": c.kind, "passed": True, "reason": "demonstration", "params": {}} for c in scheme.criteria.all()
    ]
    EligibilityAssessment.objects.bulk_create(
        EligibilityAssessment(
            household=h,
            scheme=scheme,
            assessed_by=officer,
            eligible=True,
            results=results,
            priority_score=priority_score(h, scheme.priority_weights),
        )
        for h in households
        if h.status == Household.Status.ELIGIBLE
    )
