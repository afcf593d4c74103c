"""The demo's users: one for each role, in Nangarhar and Herat or national, all with one public password."""

from collections.abc import Callable

from landreg import roles
from landreg.services import roles_sync, user_create
from parcels.models import AdminArea

# Public, and failing the password rules on purpose: demo users belong on a demonstration server only.
DEMO_PASSWORD = "landreg-demo"

# What `manage.py demo_logins` prints for each demo user.
DEMO_LOGINS = [
    ("admin", "administrator, all provinces"),
    ("officer.nangarhar", "land officer, Nangarhar"),
    ("officer.herat", "land officer, Herat"),
    ("committee.nangarhar", "committee member, Nangarhar"),
    ("committee.herat", "committee member, Herat"),
    ("gis.specialist", "GIS specialist"),
    ("field.nangarhar", "field officer, Nangarhar"),
    ("field.herat", "field officer, Herat"),
    ("partner.unhcr", "partner (no personal data), agreement for Nangarhar: /partners/"),
    ("focal.nangarhar", "grievance focal point, Nangarhar (reads sensitive grievances)"),
]


def demo_users_create(progress: Callable[[str], None]) -> dict:
    """The roles' groups brought up to date, then the demo users (by username). Needs the provinces loaded."""
    roles_sync()
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
        (
            "focal.nangarhar",
            [roles.GRIEVANCE_FOCAL_POINT],
            [nangarhar],
            False,
            False,
            "Grievance focal point, Nangarhar",
        ),
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
