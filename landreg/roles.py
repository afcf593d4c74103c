"""The roles (Django groups) landreg knows, and small helpers to ask about them."""

from typing import NamedTuple

from django.utils.translation import gettext_lazy as _

ADMINISTRATOR = "administrator"
LAND_OFFICER = "land_officer"
COMMITTEE_MEMBER = "committee_member"
GIS_SPECIALIST = "gis_specialist"
FIELD_OFFICER = "field_officer"
PARTNER = "partner"
# The named focal point of the complaints mechanism: the only role that reads a sensitive grievance's description
# and notes (docs/grievances.md).
GRIEVANCE_FOCAL_POINT = "grievance_focal_point"

ALL_ROLES = (
    ADMINISTRATOR,
    LAND_OFFICER,
    COMMITTEE_MEMBER,
    GIS_SPECIALIST,
    FIELD_OFFICER,
    PARTNER,
    GRIEVANCE_FOCAL_POINT,
)
# The roles as a sentence names them, in the reader's language.
ROLE_LABELS = {
    ADMINISTRATOR: _("administrator"),
    LAND_OFFICER: _("land officer"),
    COMMITTEE_MEMBER: _("committee member"),
    GIS_SPECIALIST: _("GIS specialist"),
    FIELD_OFFICER: _("field officer"),
    PARTNER: _("partner"),
    GRIEVANCE_FOCAL_POINT: _("grievance focal point"),
}
# Roles that work with named households (personal data); partners and GIS specialists do not. The grievance focal
# point does: a complaint names the complainant's household.
PERSONAL_DATA_ROLES = (ADMINISTRATOR, LAND_OFFICER, COMMITTEE_MEMBER, FIELD_OFFICER, GRIEVANCE_FOCAL_POINT)


class Access(NamedTuple):
    """What decides what a user may do and see: their roles and their geographic scope (landreg/scope.py reads
    it). has_scope is False when no scope was ever given (such a user sees no province)."""

    roles: frozenset
    has_scope: bool
    national: bool
    province_ids: frozenset
    township_ids: frozenset


def access_annotations() -> dict:
    """Annotations of a user queryset that bring the user's Access in the same query as the user (api.auth loads
    the requesting user with them): one statement a request instead of one each for the groups, the scope, its
    provinces and its townships."""
    from django.contrib.auth.models import Group
    from django.contrib.postgres.expressions import ArraySubquery
    from django.db.models import OuterRef, Subquery

    from landreg.models import UserScope

    user = OuterRef("pk")
    return {
        "landreg_role_names": ArraySubquery(Group.objects.filter(user=user).values("name")),
        "landreg_scope_national": Subquery(UserScope.objects.filter(user=user).values("national")[:1]),
        "landreg_province_ids": ArraySubquery(
            UserScope.provinces.through.objects.filter(userscope__user=user).values("adminarea_id")
        ),
        "landreg_township_ids": ArraySubquery(
            UserScope.townships.through.objects.filter(userscope__user=user).values("township_id")
        ),
    }


def access_of(user) -> Access:
    """The user's roles and scope, read in one query and remembered on the user object. The requesting user is
    loaded afresh for each request (session or HTTP Basic), so a change of role or scope is seen by the next
    request; a script holding one user object across changes loads a fresh one (or calls forget_access)."""
    access = getattr(user, "_landreg_access", None)
    if access is None:
        if not hasattr(user, "landreg_role_names"):  # not loaded with access_annotations(): one query now
            row = type(user)._default_manager.filter(pk=user.pk).values(**access_annotations()).first() or {}
            for name in (
                "landreg_role_names",
                "landreg_scope_national",
                "landreg_province_ids",
                "landreg_township_ids",
            ):
                setattr(user, name, row.get(name))
        national = user.landreg_scope_national
        access = user._landreg_access = Access(
            roles=frozenset(user.landreg_role_names or ()),
            has_scope=national is not None,
            national=bool(national),
            province_ids=frozenset(user.landreg_province_ids or ()),
            township_ids=frozenset(user.landreg_township_ids or ()),
        )
    return access


def forget_access(user) -> None:
    """Drop what access_of remembered on this user object, so that the next question reads the database again."""
    for name in (
        "_landreg_access",
        "landreg_role_names",
        "landreg_scope_national",
        "landreg_province_ids",
        "landreg_township_ids",
    ):
        vars(user).pop(name, None)


def has_role(user, *roles: str) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return bool(access_of(user).roles.intersection(roles))


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


_GRIEVANCES = [
    "grievances.%s_grievance",
    "grievances.%s_grievancestep",
    "grievances.%s_landdispute",
    "grievances.%s_appeal",
]
_LIVELIHOODS = [
    "livelihoods.%s_skillsprofile",
    "livelihoods.%s_opportunity",
    "livelihoods.%s_referral",
    "livelihoods.%s_attendanceweek",
    "livelihoods.%s_surveyround",
    "livelihoods.%s_surveyassignment",
]
_LIVELIHOOD_LISTS = ["livelihoods.view_provider", "livelihoods.view_iscooccupation", "livelihoods.view_isicactivity"]
_ACCESS_LAYERS = ["planning.%s_waterpoint", "planning.%s_road", "planning.%s_servicepoint"]
_PLANNING_READ = ["planning.view_rasterlayer", "planning.view_plotsite"]
_SHELTER_PLANNING = ["shelters.%s_shelterproject", "shelters.%s_fieldassignment", "shelters.%s_tranche"]
ROLE_PERMISSIONS = {
    ADMINISTRATOR: ["*"],
    LAND_OFFICER: _perms(_PEOPLE, "view", "add", "change")
    + _perms(["allocations.%s_allocation"], "view", "add", "change")
    + _perms(_LAND, "view")
    + ["parcels.view_adminarea"]
    + _perms(_SHELTER_PLANNING, "view", "add", "change")
    + ["shelters.view_inspection", "shelters.view_occupancycheck", "shelters.view_allocationreview"]
    + _perms(_GRIEVANCES, "view")
    # Livelihoods are written through their services; these decide who may open the admin's read-only pages.
    + _perms(_LIVELIHOODS, "view")
    + _LIVELIHOOD_LISTS
    + _PLANNING_READ,
    COMMITTEE_MEMBER: _perms(_PEOPLE, "view")
    + _perms(["allocations.%s_allocation"], "view", "change")
    + _perms(_LAND, "view")
    + _perms(_GRIEVANCES, "view")
    + _PLANNING_READ,
    GIS_SPECIALIST: _perms(_LAND, "view", "add", "change", "delete")
    + ["parcels.view_adminarea"]
    # IDP sites are drawn and corrected like the land layers; flow counts and crossing points are read.
    + ["movements.view_idpsite", "movements.add_idpsite", "movements.change_idpsite"]
    + ["movements.view_flowcount", "parcels.view_crossingpoint"]
    + ["townships.view_layoutimport", "townships.view_layoutsource", "townships.change_layoutsource"]
    # Planning: water points, roads and services drawn like the land layers; rasters and plot figures read.
    + _perms(_ACCESS_LAYERS, "view", "add", "change", "delete")
    + _PLANNING_READ,
    FIELD_OFFICER: _perms(_PEOPLE, "view")
    + ["allocations.view_allocation"]
    + _perms(_LAND, "view")
    + ["shelters.view_shelterproject", "shelters.view_fieldassignment", "shelters.view_inspection"]
    + ["shelters.add_inspection", "shelters.add_occupancycheck", "shelters.view_occupancycheck"]
    + ["livelihoods.view_skillsprofile", "livelihoods.view_surveyassignment", "livelihoods.view_surveyround"]
    + ["livelihoods.add_surveyround", "livelihoods.view_iscooccupation"],
    PARTNER: [],
    # Grievances are written through the services (officers' pages, the API); the admin shows them read-only.
    GRIEVANCE_FOCAL_POINT: _perms(_PEOPLE, "view")
    + ["allocations.view_allocation", "parcels.view_adminarea"]
    + _perms(_LAND, "view")
    + _perms(_GRIEVANCES, "view"),
}
