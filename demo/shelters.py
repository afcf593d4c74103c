"""The demo's shelters: shelter projects on handed-over plots, inspected stage by stage through the real services,
tranches paid, and the field officers' visits for today."""

import datetime
import random
import uuid
from collections.abc import Callable

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from allocations.models import Allocation
from demo.sample_photos import site_jpeg
from shelters.models import ShelterProject, Stage
from shelters.services import (
    assignment_create,
    inspection_submit,
    occupancy_check_submit,
    shelter_project_create,
    tranche_pay,
)
from townships.models import Township

SHELTER_TRANCHES = [("foundation", 40000), ("walls_to_lintel", 60000), ("roof", 50000), ("completed", 30000)]


def demo_shelters_create(
    township: Township, rng: random.Random, seed: int, officer, field, progress: Callable[[str], None]
) -> int:
    """Shelters on handed-over plots, inspected stage by stage through the real services (photos with EXIF time
    and GPS on the plot, so the database lets the tranches be paid), and today's visits for the field officer.
    The seed makes each photo and each visit's client UUID the same on every load."""
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
            photo_seed = seed + allocation.plot_id * 10 + stage.position
            taken = datetime.datetime.combine(day, datetime.time(9, rng.randrange(60)))
            jpeg = site_jpeg(lat=where.y, lon=where.x, taken=taken, seed=photo_seed, size=(640, 480))
            photo = SimpleUploadedFile("site.jpg", jpeg)
            inspection_submit(
                client_uuid=uuid.UUID(int=photo_seed),
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
            client_uuid=uuid.UUID(int=seed + township.pk),
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
