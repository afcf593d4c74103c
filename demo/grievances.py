"""The demo's grievances, in the Nangarhar township, through the real services: a land dispute on an occupied plot
with a claimed outline (a neighbour's wall), an appeal against a revocation (decided, awaiting its check), a
shelter payment complaint answered and closed, a sensitive complaint about staff conduct, one from the complaint
box left overdue, and a partner's hotline referral. References come from the demo's seed."""

import datetime
import random
from collections.abc import Callable

from django.utils import timezone

from allocations.models import Allocation
from grievances import services
from grievances.models import Grievance
from grievances.references import drawn_from
from parcels.models import AdminArea
from shelters.models import ShelterProject
from townships.models import Township


def _neighbours_wall(plot, metres: float):
    """The plot's outline moved `metres` east in its UTM zone: the claimed outline of a neighbour whose wall takes
    a strip of the plot."""
    outline = plot.geom.transform(plot.township.utm_srid, clone=True)
    coords = [(x + metres, y) for x, y in outline.exterior_ring.coords]
    moved = type(outline)(coords, srid=outline.srid)
    moved.transform(4326)
    return moved


def demo_grievances_create(users: dict, seed: int, progress: Callable[[str], None]) -> int:
    """The demo's grievances; `seed` fixes their references (the rest is fixed by the demo's data)."""
    township = Township.objects.select_related("province").get(code="NAN-SMD")
    officer, committee = users["officer.nangarhar"], users["committee.nangarhar"]
    field, partner = users["field.nangarhar"], users["partner.unhcr"]
    now = timezone.now()
    created = []
    with drawn_from(random.Random(seed)):
        # A competing claim on an occupied plot: the allocation is suspended while the committee decides.
        occupied = Allocation.objects.filter(plot__township=township, status="occupied").order_by("id").first()
        dispute = services.dispute_open(
            plot=occupied.plot,
            by=officer,
            description="My neighbour built his compound wall four metres inside my plot.",
            channel="office",
            household=occupied.household,
            claimed_outline=_neighbours_wall(occupied.plot, 4.0),
            language="fa",
        )
        services.grievance_transition(grievance=dispute, action="acknowledge", by=officer, note="Site visit booked.")
        created.append(dispute.pk)

        # An appeal against a revocation (the officer revoked it; the committee member decides; a second one checks).
        revoked = Allocation.objects.filter(plot__township=township, status="revoked").order_by("id").first()
        appeal = services.appeal_lodge(
            allocation=revoked,
            by=field,
            description="We were away for our father's funeral, not gone for good. We ask for the plot back.",
            channel="field_visit",
            language="ps",
        )
        appeal = services.grievance_transition(grievance=appeal, action="acknowledge", by=officer)
        services.appeal_decide(
            grievance=appeal, decision="upheld", by=committee, note="The absence is documented (death certificate)."
        )
        created.append(appeal.pk)

        # A shelter tranche paid late: answered, closed, and the complainant told.
        project = ShelterProject.objects.filter(plot__township=township).order_by("id").first()
        payment = services.grievance_receive(
            by=officer,
            channel="hotline",
            category="shelter_payment",
            description="The second tranche for our roof has not come.",
            household=project.household,
            shelter_project=project,
            language="fa",
            received_at=now - datetime.timedelta(days=12),
        )
        for action, note in [
            ("acknowledge", ""),
            ("review", ""),
            ("resolve", "The payment list was delayed; the tranche was paid on the next list."),
            ("close", ""),
            ("close_loop", "Told by phone."),
        ]:
            payment = services.grievance_transition(grievance=payment, action=action, by=officer, note=note)
        created.append(payment.pk)

        # A sensitive complaint: its text is sealed; only the grievance focal point reads it.
        sensitive = services.grievance_receive(
            by=officer,
            channel="hotline",
            category="staff_conduct",
            description="An officer asked for money to put our name on the list.",
            province=township.province,
            anonymous=True,
            language="ps",
        )
        sensitive = services.grievance_assign(grievance=sensitive, to=users["focal.nangarhar"], by=officer)
        created.append(sensitive.pk)

        # From the complaint box, ten days ago, never acknowledged: overdue, and escalated by the reminders.
        overdue = services.grievance_receive(
            by=field,
            channel="complaint_box",
            category="other",
            description="The water point in block A has been dry for two weeks.",
            plot=occupied.plot.township.plots.order_by("id").first(),
            received_at=now - datetime.timedelta(days=10),
        )
        created.append(overdue.pk)

        # A partner's hotline referral (the partner sees only its status).
        referral = services.grievance_refer_from_partner(
            by=partner,
            category="shelter_payment",
            description="Caller reports the cash-for-shelter tranche was short by 5,000 AFN.",
            province=AdminArea.objects.get(pcode="AF06"),
            consent_to_share=True,
            language="fa",
        )
        created.append(referral.pk)
    Grievance.objects.filter(pk__in=created).update(is_demo=True)
    count = len(created)
    progress(f"{count} grievances (a dispute, an appeal, a sensitive one, an overdue one)")
    return count
