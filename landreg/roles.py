"""The roles (Django groups) landreg knows, and small helpers to ask about them."""

from django.utils.translation import gettext_lazy as _

ADMINISTRATOR = "administrator"
LAND_OFFICER = "land_officer"
COMMITTEE_MEMBER = "committee_member"
GIS_SPECIALIST = "gis_specialist"
FIELD_OFFICER = "field_officer"
PARTNER = "partner"

ALL_ROLES = (ADMINISTRATOR, LAND_OFFICER, COMMITTEE_MEMBER, GIS_SPECIALIST, FIELD_OFFICER, PARTNER)
# The roles as a sentence names them, in the reader's language.
ROLE_LABELS = {
    ADMINISTRATOR: _("administrator"),
    LAND_OFFICER: _("land officer"),
    COMMITTEE_MEMBER: _("committee member"),
    GIS_SPECIALIST: _("GIS specialist"),
    FIELD_OFFICER: _("field officer"),
    PARTNER: _("partner"),
}
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


# What each role may do in the admin and the API, as Django model permissions ("app.action_model").
# The database rules apply whatever the permission; these only decide who may try.
_LAND = [
    "townships.%s_township",
    "townships.%s_block",
    "townships.%s_plot",
    "townships.%s_facility",
    "parcels.%s_landparcel",
]
_PEOPLE = ["households.%s_household", "households.%s_person"]


def _perms(templates, *actions):
    return [t % a for t in templates for a in actions]


_SHELTER_PLANNING = ["shelters.%s_shelterproject", "shelters.%s_fieldassignment", "shelters.%s_tranche"]
ROLE_PERMISSIONS = {
    ADMINISTRATOR: ["*"],
    LAND_OFFICER: _perms(_PEOPLE, "view", "add", "change")
    + _perms(["allocations.%s_allocation"], "view", "add", "change")
    + _perms(_LAND, "view")
    + ["parcels.view_adminarea"]
    + _perms(_SHELTER_PLANNING, "view", "add", "change")
    + ["shelters.view_inspection", "shelters.view_occupancycheck", "shelters.view_allocationreview"],
    COMMITTEE_MEMBER: _perms(_PEOPLE, "view")
    + _perms(["allocations.%s_allocation"], "view", "change")
    + _perms(_LAND, "view"),
    GIS_SPECIALIST: _perms(_LAND, "view", "add", "change", "delete")
    + ["parcels.view_adminarea"]
    + ["townships.view_layoutimport", "townships.view_layoutsource", "townships.change_layoutsource"],
    FIELD_OFFICER: _perms(_PEOPLE, "view")
    + ["allocations.view_allocation"]
    + _perms(_LAND, "view")
    + ["shelters.view_shelterproject", "shelters.view_fieldassignment", "shelters.view_inspection"]
    + ["shelters.add_inspection", "shelters.add_occupancycheck", "shelters.view_occupancycheck"],
    PARTNER: [],
}
