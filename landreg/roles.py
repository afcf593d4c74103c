"""The roles (Django groups) landreg knows, and small helpers to ask about them."""

ADMINISTRATOR = "administrator"
LAND_OFFICER = "land_officer"
COMMITTEE_MEMBER = "committee_member"
GIS_SPECIALIST = "gis_specialist"
FIELD_OFFICER = "field_officer"
PARTNER = "partner"

ALL_ROLES = (ADMINISTRATOR, LAND_OFFICER, COMMITTEE_MEMBER, GIS_SPECIALIST, FIELD_OFFICER, PARTNER)
# Roles that work with named households (personal data); partners and GIS specialists do not.
PERSONAL_DATA_ROLES = (ADMINISTRATOR, LAND_OFFICER, COMMITTEE_MEMBER, FIELD_OFFICER)


def has_role(user, *roles: str) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    names = getattr(user, "_landreg_roles", None)
    if names is None:
        names = user._landreg_roles = set(user.groups.values_list("name", flat=True))
    return bool(names.intersection(roles))
