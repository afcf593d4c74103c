"""A deterministic, seeded demonstration: two townships on state land, households, allocations, shelters, users.

Everything it creates is marked is_demo (and codes start with DEMO-), so it is never mistaken for real
records of real people. The same seed always gives the same data. Each step is a module of this app: users,
land, households, workflow, shelters, grievances, partners; this one runs them in order, in one transaction.
"""

import random
from collections.abc import Callable

from django.db import transaction

from demo.grievances import demo_grievances_create
from demo.households import demo_eligibility_create, demo_households_create
from demo.land import PLANS, demo_provinces_ensure, demo_township_create
from demo.livelihoods import demo_livelihoods_create
from demo.movements import demo_movements_create
from demo.partners import demo_agreement_create
from demo.planning import demo_planning_create
from demo.shelters import demo_shelters_create
from demo.users import DEMO_LOGINS, DEMO_PASSWORD, demo_users_create
from demo.workflow import demo_allocations_create, demo_ballot_create
from townships.models import Township

__all__ = ["DEMO_LOGINS", "DEMO_PASSWORD", "SEED", "demo_exists", "demo_load"]

SEED = 20261128


def demo_exists() -> bool:
    return Township.objects.filter(is_demo=True).exists()


@transaction.atomic
def demo_load(progress: Callable[[str], None] = print) -> dict:
    """Build the whole demo in one transaction: all of it, or nothing."""
    rng = random.Random(SEED)
    demo_provinces_ensure(progress)
    users = demo_users_create(progress)
    totals = {"townships": 0, "plots": 0, "households": 0, "allocations": 0, "shelters": 0, "grievances": 0}
    for plan in PLANS:
        township = demo_township_create(plan, progress)
        officer = users["officer.herat" if plan.province_pcode == "AF32" else "officer.nangarhar"]
        households = demo_households_create(plan, rng, officer, progress)
        totals["allocations"] += demo_allocations_create(
            township, households, rng, officer, users[officer.username.replace("officer", "committee")], progress
        )
        demo_eligibility_create(township, households, officer)
        field = users["field.herat" if plan.province_pcode == "AF32" else "field.nangarhar"]
        totals["shelters"] += demo_shelters_create(township, rng, SEED, officer, field, progress)
        totals["townships"] += 1
        totals["plots"] += township.plots.count()
        totals["households"] += len(households)
    totals["grievances"] = demo_grievances_create(users, SEED, progress)
    demo_ballot_create(users, progress)
    demo_agreement_create(users, progress)
    totals.update(demo_movements_create(users, random.Random(SEED + 15), progress))
    totals["livelihoods"] = demo_livelihoods_create(users, SEED, progress)
    totals["plot_sites"] = demo_planning_create(progress)
    return totals
