"""A deterministic, seeded demonstration: two townships on state land, households, allocations, users.

Everything it creates is marked is_demo (and codes start with DEMO-), so it is never mistaken for real
records of real people. The same seed always gives the same data.
"""

import datetime
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.db import transaction
from pyproj import Transformer

from allocations.ballots import ballot_approve_list, ballot_create
from allocations.models import Allocation, AllocationTransition
from households.eligibility import default_scheme, priority_score
from households.models import Category, EligibilityAssessment, Household, Person
from households.services import person_set_id_numbers
from landreg import roles
from landreg.services import roles_sync, user_create
from parcels.models import AdminArea, LandParcel
from parcels.services import provinces_load_reference
from townships.models import Block, Entitlement, Facility, Plot, Township

SEED = 20261128
DEMO_PASSWORD = "landreg-demo"
STREET_M = 12  # street width left between blocks
PLOT_DEPTH_M = 40
# Plot widths along a block row: six of 10 biswa (1,000 m²), two of 15 biswa (1,500 m²).
PLOT_WIDTHS_M = [25, 25, 25, 25, 25, 25, 37.5, 37.5]

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


@dataclass(frozen=True)
class TownshipPlan:
    code: str
    name: str
    name_prs: str
    province_pcode: str
    lon: float
    lat: float
    blocks_x: int
    blocks_y: int
    households: int


PLANS = [
    TownshipPlan("NAN-SMD", "Sheikh Mesri (demo)", "شیخ مصری (نمونه)", "AF06", 70.515, 34.372, 4, 4, 250),
    TownshipPlan("HER-SHD", "Shaidayee (demo)", "شیدایی (نمونه)", "AF32", 62.268, 34.366, 5, 4, 250),
]


def demo_exists() -> bool:
    return Township.objects.filter(is_demo=True).exists()


def _utm_srid(lon: float) -> int:
    return 32641 if lon < 66 else 32642 if lon < 72 else 32643


class _Grid:
    """Builds the layout in UTM metres and hands out EPSG:4326 polygons with shared vertices."""

    def __init__(self, plan: TownshipPlan):
        self.srid = _utm_srid(plan.lon)
        to_utm = Transformer.from_crs(4326, self.srid, always_xy=True)
        self.to_wgs = Transformer.from_crs(self.srid, 4326, always_xy=True)
        self.x0, self.y0 = to_utm.transform(plan.lon, plan.lat)
        self.block_w = sum(PLOT_WIDTHS_M)
        self.block_h = 2 * PLOT_DEPTH_M
        self.width = plan.blocks_x * self.block_w + (plan.blocks_x - 1) * STREET_M
        self.height = plan.blocks_y * self.block_h + (plan.blocks_y - 1) * STREET_M

    def polygon(self, ring_m: list[tuple[float, float]]) -> Polygon:
        ring = [self.to_wgs.transform(self.x0 + x, self.y0 + y) for x, y in ring_m]
        return Polygon(ring + [ring[0]], srid=4326)

    def point(self, x: float, y: float) -> Point:
        return Point(*self.to_wgs.transform(self.x0 + x, self.y0 + y), srid=4326)

    def block_origin(self, bx: int, by: int) -> tuple[float, float]:
        return bx * (self.block_w + STREET_M), by * (self.block_h + STREET_M)

    def block_ring(self, bx: int, by: int) -> list[tuple[float, float]]:
        """The block outline through every plot corner on its edge, so plot and block share vertices."""
        x0, y0 = self.block_origin(bx, by)
        xs = [x0]
        for w in PLOT_WIDTHS_M:
            xs.append(xs[-1] + w)
        bottom = [(x, y0) for x in xs]
        top = [(x, y0 + self.block_h) for x in reversed(xs)]
        return bottom + [(xs[-1], y0 + PLOT_DEPTH_M)] + top + [(x0, y0 + PLOT_DEPTH_M)]

    def plot_rings(self, bx: int, by: int):
        x0, y0 = self.block_origin(bx, by)
        for row in range(2):
            x = x0
            for w in PLOT_WIDTHS_M:
                y = y0 + row * PLOT_DEPTH_M
                yield [(x, y), (x + w, y), (x + w, y + PLOT_DEPTH_M), (x, y + PLOT_DEPTH_M)]
                x += w


def _layout(plan: TownshipPlan, progress: Callable[[str], None]) -> Township:
    grid = _Grid(plan)
    province = AdminArea.objects.get(pcode=plan.province_pcode)
    margin = 25
    boundary = grid.polygon(
        [
            (-margin, -margin),
            (grid.width + margin, -margin),
            (grid.width + margin, grid.height + margin),
            (-margin, grid.height + margin),
        ]
    )
    parcel_ring = grid.polygon(
        [(-60, -60), (grid.width + 60, -60), (grid.width + 60, grid.height + 60), (-60, grid.height + 60)]
    )
    parcel = LandParcel.objects.create(
        reference=f"DEMO-ARAZI-{plan.code}",
        name=f"State land for {plan.name}",
        province=province,
        legal_status=LandParcel.LegalStatus.DESIGNATED,
        geom=MultiPolygon(parcel_ring, srid=4326),
        notes="Demonstration parcel: synthetic, not a real land record.",
    )
    township = Township.objects.create(
        code=plan.code,
        name=plan.name,
        name_prs=plan.name_prs,
        province=province,
        legal_basis=Township.LegalBasis.DECREE_305_2018,
        geom=MultiPolygon(boundary, srid=4326),
        status=Township.Status.OPEN,
        planned_services="Water network, primary school, clinic, mosque, market.",
        is_demo=True,
    )
    township.land_parcels.add(parcel)
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    n_blocks = plan.blocks_x * plan.blocks_y
    plots, number = [], 0
    for by in range(plan.blocks_y):
        for bx in range(plan.blocks_x):
            code = f"{letters[by]}{bx + 1}"
            block = Block.objects.create(township=township, code=code, geom=grid.polygon(grid.block_ring(bx, by)))
            for ring in grid.plot_rings(bx, by):
                number += 1
                use = Plot.Use.RESIDENTIAL
                if (bx, by) == (0, 0) and number <= 4:
                    use = Plot.Use.PUBLIC  # school and clinic site
                elif (bx, by) == (plan.blocks_x - 1, 0) and number % 16 in (7, 8):
                    use = Plot.Use.COMMERCIAL
                plots.append(
                    Plot(
                        township=township,
                        block=block,
                        number=str(number),
                        geom=grid.polygon(ring),
                        use=use,
                        status=Plot.Status.AVAILABLE,
                    )
                )
            Plot.objects.bulk_create(plots)  # triggers check every rule and measure the area
            plots = []
            progress(f"{plan.name}: block {code} ({by * plan.blocks_x + bx + 1}/{n_blocks}), {number} plots")
    facilities = [
        (Facility.Kind.SCHOOL, "Primary school", grid.point(30, 40)),
        (Facility.Kind.CLINIC, "Basic health centre", grid.point(80, 40)),
        (Facility.Kind.MOSQUE, "Jama masjid", grid.point(grid.width / 2, grid.block_h + STREET_M / 2)),
        (Facility.Kind.MARKET, "Market", grid.point(grid.width - 40, 40)),
        (Facility.Kind.ROAD_ACCESS, "Main road access", grid.point(grid.width / 2, -margin)),
    ]
    for i in range(plan.blocks_x - 1):
        x = (i + 1) * (grid.block_w + STREET_M) - STREET_M / 2
        facilities.append((Facility.Kind.WATER_POINT, f"Water point {i + 1}", grid.point(x, grid.height / 2)))
    Facility.objects.bulk_create(Facility(township=township, kind=k, name=n, geom=g) for k, n, g in facilities)
    return township


def _households(plan: TownshipPlan, rng: random.Random, officer, progress) -> list[Household]:
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


# How the first eligible households of each township stand in the workflow: (status, count).
ALLOCATION_MIX = [
    ("proposed", 12),
    ("approved", 10),
    ("assigned", 8),
    ("letter_issued", 12),
    ("handed_over", 15),
    ("occupied", 25),
    ("titled", 4),
    ("suspended", 2),
    ("appealed", 2),
    ("revoked", 8),
]
MAIN_PATH = ["proposed", "approved", "assigned", "letter_issued", "handed_over", "occupied", "titled"]
# The side states reached from an occupied plot (suspended, appealed) or from any step (revoked).
PATH_TO = {
    **{status: MAIN_PATH[: i + 1] for i, status in enumerate(MAIN_PATH)},
    "suspended": MAIN_PATH[:6] + ["suspended"],
    "appealed": MAIN_PATH[:6] + ["suspended", "appealed"],
    "revoked": MAIN_PATH[:3] + ["revoked"],
}


def _allocations(township: Township, households, rng: random.Random, officer, committee, progress) -> int:
    """Allocations in every state, written directly (the database still checks every rule, keeps the plot's
    status in step, and refuses an approval by the proposer), each with its workflow log."""
    eligible = [h for h in households if h.status == Household.Status.ELIGIBLE and not h.prior_beneficiary]
    plots = list(township.plots.filter(use=Plot.Use.RESIDENTIAL).order_by("id"))
    rng.shuffle(plots)
    allocations, paths, count = [], [], 0
    today = datetime.date(2026, 11, 1)
    for status, n in ALLOCATION_MIX:
        for _ in range(n):
            if not eligible or not plots:
                break
            household, plot = eligible.pop(0), plots.pop()
            count += 1
            path = PATH_TO[status]
            proposed = datetime.date(2025, 3, 1) + datetime.timedelta(days=rng.randrange(0, 500))
            handed_over = "handed_over" in path
            allocation = Allocation(
                household=household,
                plot=plot,
                status=status,
                proposed_by=officer,
                approved_by=committee if "approved" in path else None,
                decision_reference=f"DEMO-{township.code}-CMT-{count:03d}" if "approved" in path else "",
                start_date=proposed + datetime.timedelta(days=90) if handed_over else None,
                handover_point=plot.geom.point_on_surface if handed_over else None,
                handover_accuracy_m=rng.choice([4.0, 6.5, 9.0, 12.0]) if handed_over else None,
                suspended_from="occupied" if status in ("suspended", "appealed") else "",
                is_demo=True,
                notes="Demonstration allocation.",
            )
            if status == "revoked":
                allocation.revocation_reason = rng.choice(["non_occupancy", "voluntary_return", "error"])
                allocation.end_date = min(today, proposed + datetime.timedelta(days=200))
                plots.append(plot)  # free again: offered to the next household
            allocations.append(allocation)
            paths.append(path)
    Allocation.objects.bulk_create(allocations)
    transitions = []
    for allocation, path in zip(allocations, paths, strict=True):
        for before, after in zip(["", *path], path, strict=False):
            by = committee if after in ("approved", "rejected") else officer
            transitions.append(
                AllocationTransition(
                    allocation=allocation,
                    from_status=before,
                    to_status=after,
                    by=by,
                    reason="Demonstration step." if after != "revoked" else "Demonstration revocation.",
                    reference=allocation.decision_reference if after == "approved" else "",
                )
            )
    AllocationTransition.objects.bulk_create(transitions)
    allocated = [a.household_id for a in allocations if a.status not in ("proposed", "approved", "revoked")]
    Household.objects.filter(pk__in=allocated).update(status=Household.Status.ALLOCATED)
    progress(f"{township.name}: {len(allocations)} allocations")
    return len(allocations)


SHELTER_TRANCHES = [("foundation", 40000), ("walls_to_lintel", 60000), ("roof", 50000), ("completed", 30000)]


def _shelters(township: Township, rng: random.Random, officer, field, progress) -> int:
    """Shelters on handed-over plots, inspected stage by stage through the real services (photos with EXIF time
    and GPS on the plot, so the database lets the tranches be paid), and today's visits for the field officer."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from demo.sample_photos import site_jpeg
    from shelters.models import ShelterProject, Stage
    from shelters.services import (
        assignment_create,
        inspection_submit,
        occupancy_check_submit,
        shelter_project_create,
        tranche_pay,
    )

    today = timezone.localdate()
    held = list(
        Allocation.objects.filter(plot__township=township, status__in=["handed_over", "occupied", "titled"])
        .select_related("plot")
        .order_by("id")
    )[:24]
    stages = None
    for n, allocation in enumerate(held, start=1):
        project = shelter_project_create(
            allocation=allocation,
            implementing_partner=rng.choice(["NRC (demo)", "IOM (demo)", "DACAAR (demo)"]),
            modality=rng.choice(["conditional_cash", "conditional_cash", "in_kind", "contractor"]),
            by=officer,
            tranches=SHELTER_TRANCHES,
        )
        stages = stages or list(Stage.objects.filter(programme=project.programme).order_by("position"))
        where = allocation.plot.geom.point_on_surface
        reached = rng.choice([0, 1, 1, 2, 2, 3, 3, 4, 5, 6])
        day = today - datetime.timedelta(days=7 * reached + rng.randrange(1, 6))
        for stage in stages[:reached]:
            seed = SEED + allocation.plot_id * 10 + stage.position
            taken = datetime.datetime.combine(day, datetime.time(9, rng.randrange(60)))
            jpeg = site_jpeg(lat=where.y, lon=where.x, taken=taken, seed=seed, size=(640, 480))
            photo = SimpleUploadedFile("site.jpg", jpeg)
            inspection_submit(
                client_uuid=uuid.UUID(int=seed),
                plot=allocation.plot,
                stage=stage.code,
                inspected_on=day,
                by=field,
                result="pass",
                point=where,
                accuracy_m=rng.choice([4.0, 6.0, 8.0]),
                checklist={},
                remarks="Demonstration inspection.",
                photos=[photo],
            )
            day += datetime.timedelta(days=7)
        for tranche in project.tranches.filter(stage__position__lte=reached).order_by("stage__position"):
            if rng.random() < 0.8:  # some are due and not yet paid
                tranche_pay(tranche=tranche, by=officer, paid_on=today, reference=f"DEMO-PAY-{township.code}-{n:03d}")
        if reached < len(stages) and n % 3 == 0:
            assignment_create(officer=field, plot=allocation.plot, due_on=today, by=officer)
    for allocation in held[-3:]:
        assignment_create(officer=field, plot=allocation.plot, due_on=today, by=officer, purpose="occupancy")
    if held:  # one occupancy visit found the plot empty: it raised a review for the office
        occupancy_check_submit(
            client_uuid=uuid.UUID(int=SEED + township.pk),
            plot=held[0].plot,
            finding="empty",
            checked_on=today - datetime.timedelta(days=2),
            by=field,
            point=held[0].plot.geom.point_on_surface,
            accuracy_m=7.0,
            remarks="Demonstration check: nobody found, door locked.",
        )
    count = ShelterProject.objects.filter(plot__township=township).count()
    progress(f"{township.name}: {count} shelter projects with their inspections and tranches")
    return count


def _users(progress):
    nangarhar, herat = AdminArea.objects.get(pcode="AF06"), AdminArea.objects.get(pcode="AF32")
    specs = [
        ("admin", [roles.ADMINISTRATOR], [], True, True, "Administrator (national)"),
        ("officer.nangarhar", [roles.LAND_OFFICER], [nangarhar], False, False, "Land officer, Nangarhar"),
        ("officer.herat", [roles.LAND_OFFICER], [herat], False, False, "Land officer, Herat"),
        ("committee.nangarhar", [roles.COMMITTEE_MEMBER], [nangarhar], False, False, "Committee member, Nangarhar"),
        ("committee.herat", [roles.COMMITTEE_MEMBER], [herat], False, False, "Committee member, Herat"),
        ("gis.specialist", [roles.GIS_SPECIALIST], [], True, False, "GIS specialist (national)"),
        ("field.nangarhar", [roles.FIELD_OFFICER], [nangarhar], False, False, "Field officer, Nangarhar"),
        ("field.herat", [roles.FIELD_OFFICER], [herat], False, False, "Field officer, Herat"),
        ("partner.unhcr", [roles.PARTNER], [], True, False, "Partner (aggregates only)"),
    ]
    users = {}
    for username, role_list, provinces, national, superuser, description in specs:
        users[username] = user_create(
            username=username,
            password=DEMO_PASSWORD,
            roles=role_list,
            provinces=provinces,
            national=national,
            is_superuser=superuser,
            first_name=description,
        )
    progress(f"{len(users)} demo users")
    return users


@transaction.atomic
def demo_load(progress: Callable[[str], None] = print) -> dict:
    """Build the whole demo in one transaction: all of it, or nothing."""
    rng = random.Random(SEED)
    needed = {plan.province_pcode for plan in PLANS}
    if AdminArea.objects.filter(pcode__in=needed).count() < len(needed):
        from django.conf import settings

        data = settings.BASE_DIR / "gis_data"
        provinces_load_reference(
            data / "geoBoundaries-AFG-ADM1.geojson", data / "af_provinces.csv", data / "af_provinces_ps.csv"
        )
        progress("34 provinces loaded")
    roles_sync()
    users = _users(progress)
    totals = {"townships": 0, "plots": 0, "households": 0, "allocations": 0, "shelters": 0}
    for plan in PLANS:
        township = _layout(plan, progress)
        officer = users["officer.herat" if plan.province_pcode == "AF32" else "officer.nangarhar"]
        households = _households(plan, rng, officer, progress)
        totals["allocations"] += _allocations(
            township, households, rng, officer, users[officer.username.replace("officer", "committee")], progress
        )
        _eligibility(township, households, officer)
        field = users["field.herat" if plan.province_pcode == "AF32" else "field.nangarhar"]
        totals["shelters"] += _shelters(township, rng, officer, field, progress)
        totals["townships"] += 1
        totals["plots"] += township.plots.count()
        totals["households"] += len(households)
    herat = Township.objects.get(code="HER-SHD")
    ballot = ballot_create(
        township=herat,
        reference="DEMO-HER-SHD-2026-R1",
        by=users["officer.herat"],
        witnesses=["Haji Abdul Qadir, community elder (demo)", "Eng. Sima, DoRR Herat (demo)"],
    )
    ballot_approve_list(ballot=ballot, by=users["committee.herat"], decision_reference="DEMO-HER-CMT-BALLOT-1")
    progress(
        f"ballot {ballot.reference}: {ballot.entries.count()} households, {ballot.plots.count()} plots, "
        "list approved and ready to draw"
    )
    return totals


def _eligibility(township: Township, households, officer) -> None:
    """The default scheme, the township's entitlement table (10 biswa up to 10 members, 15 above), and an
    assessment for each eligible household."""
    scheme = default_scheme()
    Entitlement.objects.bulk_create(
        [
            Entitlement(township=township, min_members=1, max_members=10, plot_biswa=10),
            Entitlement(township=township, min_members=11, plot_biswa=15),
        ]
    )
    results = [
        {"criterion": c.kind, "passed": True, "explanation": "Demonstration assessment."} for c in scheme.criteria.all()
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


DEMO_LOGINS = [
    ("admin", "administrator, all provinces"),
    ("officer.nangarhar", "land officer, Nangarhar"),
    ("officer.herat", "land officer, Herat"),
    ("committee.nangarhar", "committee member, Nangarhar"),
    ("committee.herat", "committee member, Herat"),
    ("gis.specialist", "GIS specialist"),
    ("field.nangarhar", "field officer, Nangarhar"),
    ("field.herat", "field officer, Herat"),
    ("partner.unhcr", "partner (no personal data)"),
]
