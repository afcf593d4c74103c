"""Grievances, land disputes and appeals: the writes (docs/grievances.md). Each service takes keyword arguments,
checks the caller's role and province first, refuses with a sentence, and runs in one transaction; each step is a
GrievanceStep saying who, when and why. The database keeps the same rules for every other client
(grievances/sql/0002_grievance_rules.sql)."""

import datetime
import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.gis.geos import GEOSException, GEOSGeometry, Polygon
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from allocations import services as allocation_services
from allocations.models import Allocation
from grievances import permissions
from grievances.models import (
    Appeal,
    AppealDecision,
    Category,
    Channel,
    Decision,
    Grievance,
    GrievanceStep,
    LandDispute,
    Language,
    Priority,
    Status,
)
from grievances.permissions import DISPUTE_OPENERS, RECEIVERS
from grievances.references import new_reference
from grievances.sealing import seal
from landreg import roles
from landreg.rules import database_rules_explained
from landreg.services_common import require_province, require_role
from parcels.models import AdminArea
from townships.models import Plot

MAX_DESCRIPTION = 10_000
MAX_NOTE = 5_000
# How far back an offline form may say it was filled in (the field app's own clock), and how far ahead.
OFFLINE_PAST = datetime.timedelta(days=90)
CLOCK_SKEW = datetime.timedelta(minutes=10)
REFERENCE_ATTEMPTS = 5

STATUS_LABELS = dict(Status.choices)
ACTION_NAMES = {
    "acknowledge": gettext_lazy("acknowledged"),
    "review": gettext_lazy("put under review"),
    "refer": gettext_lazy("referred"),
    "resolve": gettext_lazy("resolved"),
    "close": gettext_lazy("closed"),
    "close_loop": gettext_lazy("marked as told to the complainant"),
}
HELD = set(allocation_services.HELD)
LINK_NAMES = {
    "plot": gettext_lazy("plot"),
    "household": gettext_lazy("household"),
    "allocation": gettext_lazy("allocation"),
    "shelter_project": gettext_lazy("shelter project"),
    "opportunity": gettext_lazy("livelihood opportunity"),
}
UNDECIDED = (Status.ACKNOWLEDGED, Status.UNDER_REVIEW, Status.REFERRED)


def _status_label(status: str) -> str:
    return str(STATUS_LABELS[status]).lower()


def _invalid(field: str | None, message: str, code: str) -> ValidationError:
    error = ValidationError(message, code=code)
    return ValidationError({field: [error]}) if field else error


def _choice(field: str, value, choices, what: str) -> str:
    if value not in choices.values:
        raise _invalid(
            field,
            _("Choose the %(what)s from the list: %(choices)s.")
            % {"what": what, "choices": ", ".join(str(label).lower() for label in choices.labels)},
            "invalid_choice",
        )
    return value


def _text(field: str, value, *, required: bool, limit: int, what: str) -> str:
    """Text as typed (kept verbatim: the faces escape it), or a sentence when it is missing or too long."""
    text = value if isinstance(value, str) else ("" if value is None else str(value))
    text = text.replace("\x00", "")  # PostgreSQL stores no NUL character
    if required and not text.strip():
        raise _invalid(field, _("Write the %(what)s.") % {"what": what}, "required")
    if len(text) > limit:
        raise _invalid(
            field,
            _("The %(what)s is %(n)d characters long; keep it under %(limit)d.")
            % {"what": what, "n": len(text), "limit": limit},
            "too_long",
        )
    return text


def _note_fields(grievance: Grievance, note: str) -> dict:
    """A step's note: sealed for a sensitive grievance, in clear otherwise."""
    if grievance.sensitive:
        return {"note": "", "note_sealed": seal(note) if note else None}
    return {"note": note, "note_sealed": None}


def _step(grievance: Grievance, *, action: str, to_status: str, by, note: str = "", **fields) -> GrievanceStep:
    with database_rules_explained():
        return GrievanceStep.objects.create(
            grievance=grievance,
            action=action,
            from_status="" if action == "receive" else grievance.status,
            to_status=to_status,
            by=by,
            **_note_fields(grievance, note),
            **fields,
        )


def _save(grievance: Grievance, fields: list[str] | None = None) -> None:
    with database_rules_explained():
        grievance.save(update_fields=fields)


def _refresh(grievance: Grievance) -> Grievance:
    """Read back what the database derives (deadlines, dates, next_due)."""
    grievance.refresh_from_db(
        fields=[
            "received_at",
            "acknowledge_due",
            "refer_due",
            "resolve_due",
            "acknowledged_at",
            "referred_at",
            "resolved_at",
            "closed_at",
            "next_due",
            "status",
            "updated_at",
        ]
    )
    return grievance


def _locked(grievance: Grievance) -> Grievance:
    return Grievance.objects.select_for_update().get(pk=grievance.pk)


def _require_scope(user, grievance: Grievance) -> None:
    require_province(user, grievance.province_id, _("Grievance %(reference)s") % {"reference": grievance.reference})


def _require_may(user, grievance: Grievance, action: str, what: str) -> None:
    if permissions.may_take(user, grievance, action):
        return
    if grievance.sensitive and action != "assign":
        raise PermissionDenied(
            _("Grievance %(reference)s is sensitive: only the grievance focal point may %(what)s.")
            % {"reference": grievance.reference, "what": what}
        )
    allowed = {
        "assign": permissions.ASSIGNERS,
        "decide_dispute": permissions.DECIDERS,
        "decide_appeal": permissions.DECIDERS,
        "check_appeal": permissions.DECIDERS,
    }.get(action) or permissions.ACTION_ROLES[action]
    require_role(user, allowed, what)


def _province_of_links(*, plot, household, allocation, shelter_project, opportunity=None) -> list[tuple[str, int]]:
    """(field, province id) of each thing the grievance is about."""
    found = []
    if plot is not None:
        found.append(("plot", plot.township.province_id))
    if household is not None:
        found.append(("household", household.province_id))
    if allocation is not None:
        found.append(("allocation", allocation.plot.township.province_id))
    if shelter_project is not None:
        found.append(("shelter_project", shelter_project.plot.township.province_id))
    if opportunity is not None:
        found.append(("opportunity", opportunity.province_id))
    return found


def _received_at(value) -> datetime.datetime:
    now = timezone.now()
    if value is None:
        return now
    if not isinstance(value, datetime.datetime):
        raise _invalid("received_at", _("Give when the grievance was received as a date and time."), "invalid")
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value > now + CLOCK_SKEW:
        raise _invalid(
            "received_at", _("The time the grievance was received is in the future; check the phone's clock."), "future"
        )
    if value < now - OFFLINE_PAST:
        raise _invalid(
            "received_at",
            _("The grievance says it was received more than %(days)d days ago; record it with today's date.")
            % {"days": OFFLINE_PAST.days},
            "too_old",
        )
    return value


def _default_owner(grievance: Grievance, by):
    """Who owns a new grievance: a sensitive one, the province's focal point (the one receiving it, or the first);
    another, its receiver when they may own it; else nobody yet (the province's land officers, then escalation)."""
    if grievance.sensitive:
        if by is not None and permissions.is_focal_point(by):
            return by
        return _users_with_role(roles.GRIEVANCE_FOCAL_POINT, grievance.province_id).first()
    if by is not None and not by.is_superuser and roles.has_role(by, *permissions.OWNERS):
        return by
    return None


def _users_with_role(role: str, province_id: int):
    """Active users holding a role whose provinces include this one (national ones too), in a stable order."""
    from django.db.models import Q

    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name=role)
        .filter(Q(scope__national=True) | Q(scope__provinces=province_id))
        .distinct()
        .order_by("username", "pk")
    )


@transaction.atomic
def _receive(
    *,
    by,
    channel,
    category,
    description,
    province,
    plot=None,
    household=None,
    allocation=None,
    shelter_project=None,
    opportunity=None,
    anonymous=False,
    language="en",
    consent_to_share=False,
    priority=None,
    sensitive=None,
    client_uuid=None,
    received_at=None,
    received_by=None,
    referred_by=None,
    assigned_to=None,
    is_demo=False,
) -> Grievance:
    """Record a grievance and its first step; the one home of a grievance's creation (every service below calls
    it after its own checks)."""
    _choice("channel", channel, Channel, _("channel"))
    _choice("category", category, Category, _("category"))
    _choice("language", language, Language, _("language"))
    description = _text("description", description, required=True, limit=MAX_DESCRIPTION, what=_("description"))
    is_sensitive = category in Grievance.SENSITIVE_CATEGORIES or bool(sensitive)
    if priority in (None, ""):
        priority = Priority.HIGH if is_sensitive else Priority.NORMAL
    _choice("priority", priority, Priority, _("priority"))
    if anonymous and household is not None:
        raise _invalid(
            "household",
            _("An anonymous grievance names no household; leave the household out or record it as not anonymous."),
            "anonymous_with_household",
        )
    links = _province_of_links(
        plot=plot, household=household, allocation=allocation, shelter_project=shelter_project, opportunity=opportunity
    )
    if province is None:
        if not links:
            raise _invalid(
                "province", _("Say which province the grievance is about, or the plot or household."), "required"
            )
        province = AdminArea.objects.get(pk=links[0][1])
    if getattr(province, "level", "province") != "province":
        raise _invalid("province", _("Choose a province, not a district."), "not_a_province")
    for field, province_id in links:
        if province_id != province.pk:
            raise _invalid(
                field,
                _("The %(what)s is in another province than the grievance (%(province)s).")
                % {"what": LINK_NAMES[field], "province": province},
                "other_province",
            )
    require_province(by, province.pk, _("Province %(province)s") % {"province": province})
    if client_uuid not in (None, ""):
        try:
            client_uuid = uuid.UUID(str(client_uuid))
        except ValueError:
            raise _invalid("client_uuid", _("The form's id is not a UUID."), "invalid") from None
        earlier = Grievance.objects.filter(client_uuid=client_uuid).first()
        if earlier is not None:
            if earlier.received_by_id == getattr(by, "pk", None) or earlier.referred_by_id == getattr(by, "pk", None):
                return earlier  # the same form sent again: recorded once
            raise _invalid("client_uuid", _("Another user already sent a form with this id."), "client_uuid_taken")
    else:
        client_uuid = None
    # The plot it is about: given, or the allocation's, or the shelter project's.
    about = plot or (allocation.plot if allocation is not None else None)
    about = about or (shelter_project.plot if shelter_project is not None else None)
    grievance = Grievance(
        channel=channel,
        category=category,
        sensitive=is_sensitive,
        priority=priority,
        anonymous=bool(anonymous),
        province=province,
        township=about.township if about is not None else None,
        household=household,
        plot=about,
        allocation=allocation,
        shelter_project=shelter_project,
        opportunity=opportunity,
        description="" if is_sensitive else description,
        description_sealed=seal(description) if is_sensitive else None,
        language=language,
        consent_to_share=bool(consent_to_share),
        received_at=_received_at(received_at),
        received_by=received_by,
        referred_by=referred_by,
        client_uuid=client_uuid,
        is_demo=is_demo,
    )
    grievance.assigned_to = assigned_to if assigned_to is not None else _default_owner(grievance, by)
    for _attempt in range(REFERENCE_ATTEMPTS):
        grievance.reference = new_reference()
        try:
            with transaction.atomic():  # a savepoint: a taken reference (1 in 10^11) is drawn again
                _save(grievance)
            break
        except IntegrityError as exc:
            if "client_uuid" in str(exc):  # the same form, sent twice at once: the other copy was recorded
                earlier = Grievance.objects.filter(client_uuid=client_uuid).first()
                if earlier is not None and getattr(by, "pk", None) in (earlier.received_by_id, earlier.referred_by_id):
                    return earlier
                raise _invalid(
                    "client_uuid", _("Another user already sent a form with this id."), "client_uuid_taken"
                ) from None
            if "reference" not in str(exc):
                raise
            grievance.pk = None
    else:  # pragma: no cover - five collisions in a row mean the generator is broken
        raise RuntimeError("could not draw a free grievance reference")
    _step(grievance, action="receive", to_status=Status.RECEIVED, by=by if by is not None else referred_by)
    return _refresh(grievance)


def grievance_receive(
    *,
    by,
    channel,
    category,
    description,
    province=None,
    plot=None,
    household=None,
    allocation=None,
    shelter_project=None,
    opportunity=None,
    anonymous=False,
    language="en",
    consent_to_share=False,
    priority=None,
    sensitive=None,
    client_uuid=None,
    received_at=None,
) -> Grievance:
    """Record a grievance received in an office, on the hotline, from the complaint box, on a field visit or
    online. A sensitive one (its category, or marked so) has its description sealed. `received_at` is the time an
    offline form was filled in (the field app); `client_uuid` its id, so a form sent twice is recorded once."""
    require_role(by, RECEIVERS, _("record a grievance"))
    if channel == Channel.PARTNER_REFERRAL:
        raise _invalid("channel", _("A partner's referral comes through the partners' API."), "partner_channel")
    if category == Category.APPEAL:
        raise _invalid("category", _("An appeal is lodged against the allocation it appeals."), "use_appeal_lodge")
    if plot is not None:
        plot = Plot.objects.select_related("township").get(pk=plot.pk)
    if allocation is not None:
        allocation = Allocation.objects.select_related("plot__township").get(pk=allocation.pk)
    return _receive(
        by=by,
        channel=channel,
        category=category,
        description=description,
        province=province,
        plot=plot,
        household=household,
        allocation=allocation,
        shelter_project=shelter_project,
        opportunity=opportunity,
        anonymous=anonymous,
        language=language,
        consent_to_share=consent_to_share,
        priority=priority,
        sensitive=sensitive,
        client_uuid=client_uuid,
        received_at=received_at,
        received_by=by,
    )


def grievance_refer_from_partner(
    *, by, category, description, province, language="en", consent_to_share=False, anonymous=False, client_uuid=None
) -> Grievance:
    """A case referred by a partner's hotline: received through the API, `referred_by` the partner user. The
    partner gets the reference back and later sees only the status of the cases it referred."""
    require_role(by, [roles.PARTNER], _("refer a grievance from a partner's hotline"))
    if category == Category.APPEAL:
        raise _invalid("category", _("An appeal is lodged by an officer against the allocation."), "use_appeal_lodge")
    if province is None:
        raise _invalid("province", _("Say which province the grievance is about."), "required")
    return _receive(
        by=by,
        channel=Channel.PARTNER_REFERRAL,
        category=category,
        description=description,
        province=province,
        anonymous=anonymous,
        language=language,
        consent_to_share=consent_to_share,
        client_uuid=client_uuid,
        referred_by=by,
        received_by=None,
    )


@transaction.atomic
def grievance_transition(*, grievance: Grievance, action: str, by, note: str = "", referred_to: str = "") -> Grievance:
    """Move a grievance one step: acknowledge, review, refer (to a partner, a court, the police: `referred_to`),
    resolve (the answer in `note`), close, close_loop (the complainant was told the outcome)."""
    if action not in Grievance.ACTIONS:
        raise _invalid(
            None,
            _("Unknown action “%(action)s”; the actions are %(actions)s.")
            % {"action": str(action)[:40], "actions": ", ".join(Grievance.ACTIONS)},
            "unknown_action",
        )
    grievance = _locked(grievance)
    _require_scope(by, grievance)
    _require_may(by, grievance, action, _("do this"))
    note = _text("note", note, required=action == "resolve", limit=MAX_NOTE, what=_("note"))
    referred_to = _text("referred_to", referred_to, required=action == "refer", limit=200, what=_("referral"))
    if action == "resolve" and hasattr(grievance, "land_dispute"):
        raise _invalid(
            None,
            _(
                "Grievance %(reference)s is a land dispute: record the committee's decision (upheld, rejected or "
                "settled), which resolves it."
            )
            % {"reference": grievance.reference},
            "use_dispute_resolve",
        )
    if action == "resolve" and hasattr(grievance, "appeal"):
        raise _invalid(
            None,
            _(
                "Grievance %(reference)s is an appeal: it is resolved when a committee member decides it and another "
                "checks the decision."
            )
            % {"reference": grievance.reference},
            "use_appeal_decide",
        )
    allowed_from, to_status = Grievance.TRANSITIONS[action]
    if grievance.status not in allowed_from:
        raise _invalid(
            None,
            _(
                "Grievance %(reference)s is %(status)s, so it cannot be %(action)s; that is possible only when it "
                "is %(allowed)s."
            )
            % {
                "reference": grievance.reference,
                "status": _status_label(grievance.status),
                "action": ACTION_NAMES[action],
                "allowed": _(" or ").join(_status_label(s) for s in allowed_from),
            },
            "invalid_transition",
        )
    if action == "close_loop" and grievance.loop_closed_at is not None:
        raise _invalid(
            None,
            _("The complainant of %(reference)s was already told the outcome.") % {"reference": grievance.reference},
            "loop_already_closed",
        )
    to_status = to_status or grievance.status
    _step(grievance, action=action, to_status=to_status, by=by, note=note, referred_to=referred_to)
    grievance.status = to_status
    fields = ["status", "updated_at"]
    if action == "refer":
        grievance.referred_to = referred_to
        fields.append("referred_to")
    if action == "close_loop":
        grievance.loop_closed_at = timezone.now()
        fields.append("loop_closed_at")
    _save(grievance, fields)
    return _refresh(grievance)


@transaction.atomic
def grievance_assign(*, grievance: Grievance, to, by) -> Grievance:
    """Give a grievance an owner: an officer of its province (a sensitive one: a grievance focal point)."""
    grievance = _locked(grievance)
    _require_scope(by, grievance)
    _require_may(by, grievance, "assign", _("assign a grievance"))
    if not grievance.is_open:
        raise _invalid(
            "assigned_to",
            _("Grievance %(reference)s is %(status)s; only an open grievance is assigned.")
            % {"reference": grievance.reference, "status": _status_label(grievance.status)},
            "not_open",
        )
    if to is None or not to.is_active:
        raise _invalid("assigned_to", _("Choose an active user to own the grievance."), "required")
    owners = [roles.GRIEVANCE_FOCAL_POINT] if grievance.sensitive else permissions.OWNERS
    if not (permissions.is_focal_point(to) if grievance.sensitive else roles.has_role(to, *owners)) or (
        to.is_superuser and not roles.access_of(to).roles.intersection(owners)
    ):
        raise _invalid(
            "assigned_to",
            _("%(user)s cannot own this grievance: it goes to a %(roles)s.")
            % {"user": to.get_username(), "roles": _(" or ").join(str(roles.ROLE_LABELS[r]) for r in owners)},
            "not_an_owner",
        )
    from landreg.scope import province_ids_in_scope

    provinces = province_ids_in_scope(to)
    if provinces is not None and grievance.province_id not in provinces:
        raise _invalid(
            "assigned_to",
            _("%(user)s does not work in %(province)s.") % {"user": to.get_username(), "province": grievance.province},
            "other_province",
        )
    _step(grievance, action="assign", to_status=grievance.status, by=by, note=to.get_username())
    grievance.assigned_to = to
    _save(grievance, ["assigned_to", "updated_at"])
    return _refresh(grievance)


# --- Land disputes ------------------------------------------------------------------------------------------------


def _outline(claimed_outline):
    """The claimed outline as a polygon in EPSG:4326, or a sentence."""
    if claimed_outline in (None, ""):
        return None
    try:
        geom = claimed_outline if isinstance(claimed_outline, GEOSGeometry) else GEOSGeometry(str(claimed_outline))
    except (GEOSException, ValueError, TypeError):
        raise _invalid(
            "claimed_outline", _("The claimed outline is not a polygon that can be read."), "invalid"
        ) from None
    if not isinstance(geom, Polygon):
        raise _invalid("claimed_outline", _("Draw the claimed outline as one polygon."), "not_a_polygon")
    if geom.srid is None:
        geom.srid = 4326
    if geom.srid != 4326:
        geom.transform(4326)
    if geom.empty or not geom.valid:
        raise _invalid(
            "claimed_outline",
            _("The claimed outline is not a valid polygon. Redraw it without crossing lines."),
            "land_dispute_outline_valid",
        )
    return geom


def _set_plot_status(plot: Plot, status: str) -> None:
    """A plot nobody holds: its status, as the application may set it (the allocation workflow sets a held one)."""
    with database_rules_explained():
        Plot.objects.filter(pk=plot.pk).update(status=status, updated_at=timezone.now())


@transaction.atomic
def dispute_open(
    *,
    plot: Plot,
    by,
    description,
    channel,
    household=None,
    claimed_outline=None,
    language="en",
    category=Category.LAND_DISPUTE,
) -> Grievance:
    """Open a land dispute on a plot: a grievance, its LandDispute, and the plot set to disputed through the
    allocation workflow (an allocation holding the plot is suspended; a plot nobody holds is set disputed). While
    the dispute is open the plot is not allocated, handed over or transferred (plot_not_allocated_while_disputed).
    A plot only proposed for allocation stays reserved, and the proposal cannot be approved until the dispute is
    decided. A second dispute of the same plot joins the first: the plot is restored when the last is decided."""
    require_role(by, DISPUTE_OPENERS, _("open a land dispute"))
    if category not in (Category.LAND_DISPUTE, Category.USURPATION):
        raise _invalid("category", _("A dispute over land is a land dispute or a usurpation."), "invalid_choice")
    plot = Plot.objects.select_for_update().select_related("township").get(pk=plot.pk)
    require_province(by, plot.township.province_id, _("Township %(township)s") % {"township": plot.township})
    outline = _outline(claimed_outline)
    active = Allocation.objects.active().filter(plot=plot).first()
    grievance = _receive(
        by=by,
        channel=channel,
        category=category,
        description=description,
        province=plot.township.province,
        plot=plot,
        household=household,
        allocation=active,
        language=language,
        received_by=by,
    )
    _dispute_begin(grievance=grievance, plot=plot, active=active, by=by, outline=outline)
    return grievance


def _dispute_begin(*, grievance: Grievance, plot: Plot, active, by, outline) -> None:
    """The plot disputed through the allocation workflow, and the grievance's LandDispute (the plot locked)."""
    earlier = LandDispute.objects.filter(plot=plot, decision="").order_by("id").first()
    suspended = None
    if earlier is not None:
        status_before, suspended = earlier.plot_status_before, earlier.suspended_allocation
    else:
        status_before = plot.status
        if active is not None and active.status in HELD:
            allocation_services.allocation_transition(
                allocation=active,
                action="suspend",
                by=by,
                reason=_("Land dispute %(reference)s opened.") % {"reference": grievance.reference},
            )
            suspended = active
        elif active is None:
            _set_plot_status(plot, Plot.Status.DISPUTED)
    with database_rules_explained():
        LandDispute.objects.create(
            grievance=grievance,
            plot=plot,
            claimed_outline=outline,
            plot_status_before=status_before,
            suspended_allocation=suspended,
        )


@transaction.atomic
def dispute_open_for(*, grievance: Grievance, by, claimed_outline=None, note: str = "") -> Grievance:
    """Open the land dispute of a grievance already recorded about a plot (a land dispute or a usurpation heard in
    the field, at a complaint box, over the hotline): the plot is disputed as by dispute_open, and the step is
    recorded. Refused for a grievance with no plot, of another category, closed, or already a dispute."""
    require_role(by, DISPUTE_OPENERS, _("open a land dispute"))
    grievance = _locked(grievance)
    _require_scope(by, grievance)
    if grievance.category not in (Category.LAND_DISPUTE, Category.USURPATION) or grievance.plot_id is None:
        raise _invalid(
            None,
            _(
                "Grievance %(reference)s is not about a plot's land: only a land dispute or a usurpation about a plot "
                "opens a dispute."
            )
            % {"reference": grievance.reference},
            "not_a_dispute",
        )
    if not grievance.is_open or LandDispute.objects.filter(grievance=grievance).exists():
        raise _invalid(
            None,
            _("Grievance %(reference)s is %(status)s or already a land dispute; nothing to open.")
            % {"reference": grievance.reference, "status": _status_label(grievance.status)},
            "invalid_transition",
        )
    plot = Plot.objects.select_for_update().select_related("township").get(pk=grievance.plot_id)
    require_province(by, plot.township.province_id, _("Township %(township)s") % {"township": plot.township})
    outline = _outline(claimed_outline)
    active = Allocation.objects.active().filter(plot=plot).first()
    note = _text("note", note, required=False, limit=MAX_NOTE, what=_("note"))
    _step(grievance, action="open_dispute", to_status=grievance.status, by=by, note=note)
    if grievance.allocation_id is None and active is not None:
        grievance.allocation = active
        _save(grievance, ["allocation", "updated_at"])
    _dispute_begin(grievance=grievance, plot=plot, active=active, by=by, outline=outline)
    return _refresh(grievance)


@transaction.atomic
def dispute_resolve(*, grievance: Grievance, decision: str, by, note: str = "") -> Grievance:
    """Record a committee member's decision on a land dispute and return the plot to the right status:

    - rejected (the record stands) or settled (the parties agreed): the suspended allocation is reinstated to the
      status it had; a plot nobody holds returns to its status before the dispute;
    - upheld (the claim stands against the record): for a land dispute, the suspended allocation is revoked
      (reason: error), a proposal of the plot is rejected, and the plot is withdrawn (cancelled) until a GIS
      specialist or a layout import plans it again; for a usurpation (the holder's own complaint against a
      usurper), the allocation is reinstated, as the right is the holder's, and a plot nobody holds returns to its
      status before.

    While another dispute of the plot is open, the plot stays disputed."""
    grievance = _locked(grievance)
    _require_scope(by, grievance)
    _require_may(by, grievance, "decide_dispute", _("decide a land dispute"))
    dispute = LandDispute.objects.select_for_update().filter(grievance=grievance).first()
    if dispute is None:
        raise _invalid(
            None,
            _("Grievance %(reference)s is not a land dispute.") % {"reference": grievance.reference},
            "not_a_dispute",
        )
    if dispute.decision:
        raise _invalid(
            "decision",
            _("This land dispute was already decided (%(decision)s).") % {"decision": dispute.get_decision_display()},
            "land_dispute_decision_is_final",
        )
    _choice("decision", decision, Decision, _("decision"))
    note = _text("note", note, required=True, limit=MAX_NOTE, what=_("reason for the decision"))
    if grievance.status not in UNDECIDED:
        raise _invalid(
            None,
            _("Grievance %(reference)s is %(status)s; acknowledge it before deciding.")
            % {"reference": grievance.reference, "status": _status_label(grievance.status)},
            "invalid_transition",
        )
    dispute.decision, dispute.decided_by, dispute.decided_at = decision, by, timezone.now()
    with database_rules_explained():
        dispute.save(update_fields=["decision", "decided_by", "decided_at"])
    _restore_plot(dispute, grievance, decision=decision, by=by)
    _step(grievance, action="decide_dispute", to_status=Status.RESOLVED, by=by, note=note)
    grievance.status = Status.RESOLVED
    _save(grievance, ["status", "updated_at"])
    return _refresh(grievance)


def _restore_plot(dispute: LandDispute, grievance: Grievance, *, decision: str, by) -> None:
    plot = Plot.objects.select_for_update().get(pk=dispute.plot_id)
    if LandDispute.objects.filter(plot=plot, decision="").exists():
        return  # another dispute of the plot is still open: it stays disputed
    withdraw = decision == Decision.UPHELD and grievance.category == Category.LAND_DISPUTE
    reason = _("Land dispute %(reference)s decided: %(decision)s.") % {
        "reference": grievance.reference,
        "decision": dispute.get_decision_display(),
    }
    allocation = dispute.suspended_allocation
    if allocation is not None:
        allocation.refresh_from_db(fields=["status"])
        if allocation.status in (Allocation.Status.SUSPENDED, Allocation.Status.APPEALED):
            if withdraw:
                allocation_services.allocation_transition(
                    allocation=allocation, action="revoke", by=by, reason=reason, reason_code="error"
                )
            else:
                allocation_services.allocation_transition(
                    allocation=allocation, action="reinstate", by=by, reason=reason
                )
    proposal = Allocation.objects.filter(plot=plot, status=Allocation.Status.PROPOSED).first()
    if withdraw and proposal is not None:
        # The claim stands against the record: the plot is not to be given to the household proposed for it.
        allocation_services.allocation_transition(allocation=proposal, action="reject", by=by, reason=reason)
    if Allocation.objects.active().filter(plot=plot).exists():
        return  # the plot follows its allocation
    if withdraw:
        _set_plot_status(plot, Plot.Status.CANCELLED)
    elif dispute.suspended_allocation is None and plot.status == Plot.Status.DISPUTED:
        _set_plot_status(plot, dispute.plot_status_before or Plot.Status.AVAILABLE)


# --- Appeals ------------------------------------------------------------------------------------------------------


@transaction.atomic
def appeal_lodge(*, allocation: Allocation, by, description, channel, language="en") -> Grievance:
    """An appeal against a refusal (a rejected proposal) or a revocation: a grievance of category appeal, with its
    Appeal. It goes to a committee member of the province other than the one who decided what is appealed."""
    require_role(by, RECEIVERS, _("lodge an appeal"))
    allocation = Allocation.objects.select_related("plot__township", "household").get(pk=allocation.pk)
    require_province(
        by, allocation.plot.township.province_id, _("Township %(township)s") % {"township": allocation.plot.township}
    )
    if allocation.status not in (Allocation.Status.REJECTED, Allocation.Status.REVOKED):
        raise _invalid(
            "allocation",
            _("This allocation is %(status)s: only a refusal (rejected) or a revocation can be appealed.")
            % {"status": allocation.get_status_display().lower()},
            "appeal_against_a_refusal_or_revocation",
        )
    open_appeal = Appeal.objects.filter(allocation=allocation, checked_by__isnull=True).select_related("grievance")
    if open_appeal.exists():
        raise _invalid(
            "allocation",
            _("This decision is already under appeal (%(reference)s); follow that appeal.")
            % {"reference": open_appeal.first().grievance.reference},
            "one_open_appeal_per_allocation",
        )
    decided_by = (
        allocation.transitions.filter(to_status=allocation.status)
        .order_by("-at", "-id")
        .values_list("by", flat=True)
        .first()
    )
    committee = _users_with_role(roles.COMMITTEE_MEMBER, allocation.plot.township.province_id).exclude(
        pk__in=[pk for pk in (decided_by, by.pk) if pk is not None]
    )
    grievance = _receive(
        by=by,
        channel=channel,
        category=Category.APPEAL,
        description=description,
        province=allocation.plot.township.province,
        household=allocation.household,
        allocation=allocation,
        language=language,
        received_by=by,
        assigned_to=committee.first(),
    )
    with database_rules_explained():
        Appeal.objects.create(grievance=grievance, allocation=allocation, appealed_status=allocation.status)
    return grievance


def _appeal_people_check(appeal: Appeal, grievance: Grievance, by, *, checking: bool) -> None:
    if by.pk == appeal.appealed_decision_by_id:
        raise PermissionDenied(
            _("You made the decision appealed, so another committee member must %(what)s the appeal.")
            % {"what": _("check") if checking else _("decide")}
        )
    if by.pk == grievance.received_by_id:
        raise PermissionDenied(
            _("You lodged this appeal, so another committee member must %(what)s it.")
            % {"what": _("check") if checking else _("decide")}
        )
    if checking and by.pk == appeal.decided_by_id:
        raise PermissionDenied(_("You decided this appeal, so another committee member must check it."))


@transaction.atomic
def appeal_decide(*, grievance: Grievance, decision: str, by, note: str = "") -> Grievance:
    """A committee member's decision on an appeal: upheld (the refusal or revocation is overturned) or dismissed.
    It is final only once another committee member checks it (appeal_check)."""
    grievance = _locked(grievance)
    _require_scope(by, grievance)
    _require_may(by, grievance, "decide_appeal", _("decide an appeal"))
    appeal = Appeal.objects.select_for_update().filter(grievance=grievance).first()
    if appeal is None:
        raise _invalid(
            None, _("Grievance %(reference)s is not an appeal.") % {"reference": grievance.reference}, "not_an_appeal"
        )
    if appeal.decision:
        raise _invalid(
            "decision",
            _("This appeal was already decided (%(decision)s); another committee member checks it.")
            % {"decision": appeal.get_decision_display()},
            "appeal_already_decided",
        )
    _choice("decision", decision, AppealDecision, _("decision"))
    note = _text("note", note, required=True, limit=MAX_NOTE, what=_("reason for the decision"))
    if not grievance.is_open:
        raise _invalid(None, _("This appeal is no longer open."), "invalid_transition")
    _appeal_people_check(appeal, grievance, by, checking=False)
    appeal.decision, appeal.decided_by, appeal.decided_at = decision, by, timezone.now()
    with database_rules_explained():
        appeal.save(update_fields=["decision", "decided_by", "decided_at"])
    _step(grievance, action="decide_appeal", to_status=grievance.status, by=by, note=note)
    return _refresh(grievance)


@transaction.atomic
def appeal_check(*, grievance: Grievance, by, note: str = "") -> Grievance:
    """Another committee member checks the decision (maker-checker): the appeal is resolved. What an upheld appeal
    means for the household is done through the allocation workflow (docs/grievances.md, "Appeals")."""
    grievance = _locked(grievance)
    _require_scope(by, grievance)
    _require_may(by, grievance, "check_appeal", _("check an appeal"))
    appeal = Appeal.objects.select_for_update().filter(grievance=grievance).first()
    if appeal is None:
        raise _invalid(
            None, _("Grievance %(reference)s is not an appeal.") % {"reference": grievance.reference}, "not_an_appeal"
        )
    if not appeal.decision:
        raise _invalid(None, _("This appeal is not decided yet; a committee member decides it first."), "not_decided")
    if appeal.checked_by_id is not None:
        raise _invalid(None, _("This appeal was already checked."), "appeal_decision_is_final")
    if grievance.status not in UNDECIDED:
        raise _invalid(
            None,
            _("Grievance %(reference)s is %(status)s; acknowledge it before the decision is checked.")
            % {"reference": grievance.reference, "status": _status_label(grievance.status)},
            "invalid_transition",
        )
    note = _text("note", note, required=False, limit=MAX_NOTE, what=_("note"))
    _appeal_people_check(appeal, grievance, by, checking=True)
    appeal.checked_by, appeal.checked_at = by, timezone.now()
    with database_rules_explained():
        appeal.save(update_fields=["checked_by", "checked_at"])
    _step(
        grievance,
        action="check_appeal",
        to_status=Status.RESOLVED,
        by=by,
        note=note or str(_("Decision checked: %(decision)s.") % {"decision": appeal.get_decision_display()}),
    )
    grievance.status = Status.RESOLVED
    _save(grievance, ["status", "updated_at"])
    return _refresh(grievance)


# --- Deadlines and escalation -------------------------------------------------------------------------------------

LEVEL_NAMES = {
    1: gettext_lazy("the province's grievance focal point"),
    2: gettext_lazy("the administrators"),
}


def escalation_recipients(grievance: Grievance, level: int) -> list:
    """Who a grievance goes to at an escalation level: 1, the province's grievance focal points (the
    administrators when the province has none); 2, the administrators whose provinces include it."""
    if level == 1:
        focal = list(_users_with_role(roles.GRIEVANCE_FOCAL_POINT, grievance.province_id))
        if focal:
            return focal
    return list(_users_with_role(roles.ADMINISTRATOR, grievance.province_id))


def _target_level(grievance: Grievance, now) -> int:
    late = now - grievance.next_due
    return 2 if late >= datetime.timedelta(days=settings.LANDREG_GRIEVANCE_ESCALATE_AFTER_DAYS) else 1


def _missed(grievance: Grievance) -> str:
    if grievance.acknowledged_at is None and grievance.next_due == grievance.acknowledge_due:
        return str(_("acknowledge"))
    if grievance.sensitive and grievance.referred_at is None and grievance.next_due == grievance.refer_due:
        return str(_("refer"))
    return str(_("resolve"))


def grievances_escalate_overdue(*, now=None) -> int:
    """Escalate every overdue grievance to the next role and tell them by mail: overdue, to level 1 (the
    province's focal point); still overdue LANDREG_GRIEVANCE_ESCALATE_AFTER_DAYS days later, to level 2 (the
    administrators). Each level is reached once (a system step per level; the database refuses a second), so
    running it again changes nothing. Returns how many grievances were escalated."""
    now = now or timezone.now()
    escalated = 0
    candidates = Grievance.objects.overdue(now).filter(escalation_level__lt=2).order_by("next_due", "id")
    for pk in candidates.values_list("pk", flat=True).iterator():
        with transaction.atomic():
            grievance = (
                Grievance.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("province")
                .filter(pk=pk)
                .first()
            )
            if grievance is None or not grievance.is_open or grievance.next_due is None or grievance.next_due >= now:
                continue
            level = _target_level(grievance, now)
            if level <= grievance.escalation_level:
                continue
            recipients = escalation_recipients(grievance, level)
            names = ", ".join(u.get_username() for u in recipients) or str(_("nobody: no such user in the province"))
            _step(
                grievance,
                action="escalate",
                to_status=grievance.status,
                by=None,
                note=_("Overdue (%(missed)s by %(due)s); escalated to %(level)s: %(names)s.")
                % {
                    "missed": _missed(grievance),
                    "due": timezone.localtime(grievance.next_due).strftime("%Y-%m-%d %H:%M"),
                    "level": LEVEL_NAMES[level],
                    "names": names,
                },
                escalation_level=level,
            )
            grievance.escalation_level = level
            _save(grievance, ["escalation_level", "updated_at"])
            _tell(grievance, level, recipients)
            escalated += 1
    return escalated


def _tell(grievance: Grievance, level: int, recipients: list) -> None:
    """The reminder: the reference, what is late and since when; never the description (the mail is not the
    place for personal data), and for a sensitive grievance not even its category."""
    addresses = sorted({u.email for u in recipients if u.email})
    if not addresses:
        return
    what = _("a sensitive grievance") if grievance.sensitive else grievance.get_category_display()
    subject = _("Grievance %(reference)s is overdue") % {"reference": grievance.reference}
    body = _(
        "Grievance %(reference)s (%(what)s, %(province)s) is overdue: it was to %(missed)s by %(due)s. It has been "
        "escalated to you (%(level)s).\n\nOpen it in landreg: %(url)s\n"
    ) % {
        "reference": grievance.reference,
        "what": what,
        "province": grievance.province,
        "missed": _missed(grievance),
        "due": timezone.localtime(grievance.next_due).strftime("%Y-%m-%d %H:%M"),
        "level": LEVEL_NAMES[level],
        "url": settings.LANDREG_PUBLIC_URL.rstrip("/") + "/",
    }
    # Sent after the step is committed: a mail server that fails does not undo the escalation, and the next run
    # does not send it again.
    transaction.on_commit(lambda: send_mail(str(subject), str(body), None, addresses, fail_silently=True))
