"""Who may do what with a grievance: one home for the services (which refuse) and the selectors (which offer).
The table of docs/grievances.md, "Who may do what", is this module in words."""

from landreg import roles
from landreg.roles import access_of, has_role

# Who records a grievance received in person, on the phone, from the box or in the field.
RECEIVERS = [
    roles.LAND_OFFICER,
    roles.FIELD_OFFICER,
    roles.COMMITTEE_MEMBER,
    roles.GRIEVANCE_FOCAL_POINT,
    roles.ADMINISTRATOR,
]
# Who handles a grievance that is not sensitive: acknowledge, review, refer, close, close the loop, assign.
HANDLERS = [roles.LAND_OFFICER, roles.GRIEVANCE_FOCAL_POINT, roles.ADMINISTRATOR]
# Who resolves one: the handlers, and committee members.
RESOLVERS = [*HANDLERS, roles.COMMITTEE_MEMBER]
# Who may own (be assigned) a grievance that is not sensitive.
OWNERS = [roles.LAND_OFFICER, roles.GRIEVANCE_FOCAL_POINT, roles.COMMITTEE_MEMBER]
# Who opens a land dispute (it suspends the allocation, a step of the allocation workflow): land officers and
# committee members. Who decides one, and decides or checks an appeal: committee members.
DISPUTE_OPENERS = [roles.LAND_OFFICER, roles.COMMITTEE_MEMBER]
DECIDERS = [roles.COMMITTEE_MEMBER]
# Who may assign a grievance to someone: the handlers (a sensitive one: the focal point and administrators).
ASSIGNERS = HANDLERS

# What grievance_transition takes, per action, for a grievance that is not sensitive. A sensitive grievance is
# handled by the focal point only (its text is readable by no one else).
ACTION_ROLES = {
    "acknowledge": HANDLERS,
    "review": HANDLERS,
    "refer": HANDLERS,
    "resolve": RESOLVERS,
    "close": HANDLERS,
    "close_loop": HANDLERS,
}


def is_focal_point(user) -> bool:
    """Whether the user holds the grievance focal-point role itself. Being a superuser is not enough: the role is
    named, so reading a sensitive grievance is a deliberate assignment, logged like any view of personal data."""
    return (
        user is not None
        and user.is_authenticated
        and user.is_active
        and roles.GRIEVANCE_FOCAL_POINT in access_of(user).roles
    )


def reads_sensitive_text(user) -> bool:
    """Only the focal point reads a sensitive grievance's description and notes."""
    return is_focal_point(user)


def sees_every_grievance(user) -> bool:
    """Focal points and administrators see every grievance of their provinces, the sensitive ones included (the
    administrators without their text). Other officers see a sensitive grievance only if they received it or own
    it, so a complaint about staff conduct is not shown to the staff of the province."""
    return is_focal_point(user) or has_role(user, roles.ADMINISTRATOR)


def may_take(user, grievance, action: str) -> bool:
    """Whether the user's role lets them take this action on this grievance (scope and status are checked apart)."""
    if action in ACTION_ROLES:
        if grievance.sensitive:
            return is_focal_point(user)
        return has_role(user, *ACTION_ROLES[action])
    if action == "assign":
        if grievance.sensitive:
            return is_focal_point(user) or has_role(user, roles.ADMINISTRATOR)
        return has_role(user, *ASSIGNERS)
    if action in ("decide_dispute", "decide_appeal", "check_appeal"):
        return has_role(user, *DECIDERS)
    if action == "open_dispute":
        return has_role(user, *DISPUTE_OPENERS)
    return False
