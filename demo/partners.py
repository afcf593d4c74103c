"""The demo's data-sharing agreement: the demo partner may download Nangarhar's data (not Herat's), so the
"Data for partners" page, the partner's map and dashboards show what an agreement gives and what it withholds."""

import datetime
from collections.abc import Callable

from django.utils import timezone

from landreg.models import HOUSEHOLD_FIELDS, DataSharingAgreement
from parcels.models import AdminArea

DEMO_AGREEMENT = "DEMO-DSA-2026-01"


def demo_agreement_create(users: dict, progress: Callable[[str], None]) -> DataSharingAgreement:
    """One agreement for partner.unhcr over Nangarhar, every dataset and household field, valid from two months
    before the day the demo is loaded for a year, so a demonstration server always shows it as current."""
    today = timezone.localdate()
    valid_from = today - datetime.timedelta(days=60)
    agreement = DataSharingAgreement(
        partner_name="UNHCR Afghanistan (demo)",
        purpose="Shelter planning and monitoring of the township programme in Nangarhar (demonstration).",
        reference=DEMO_AGREEMENT,
        signed_on=valid_from - datetime.timedelta(days=14),
        valid_from=valid_from,
        valid_until=valid_from + datetime.timedelta(days=365),
        datasets=[
            "township_summary",
            "household_records",
            "township_layout",
            "grievance_summary",
            "grievance_referrals",
            "movement_figures",
            "livelihood_opportunities",
            "livelihood_referrals",
            "reintegration_scores",
        ],
        household_fields=list(HOUSEHOLD_FIELDS),
    )
    agreement.full_clean(exclude=["users", "provinces"])
    agreement.save()
    agreement.users.set([users["partner.unhcr"]])
    agreement.provinces.set([AdminArea.objects.get(pcode="AF06")])
    progress(f"data-sharing agreement {DEMO_AGREEMENT} for partner.unhcr (Nangarhar)")
    return agreement
