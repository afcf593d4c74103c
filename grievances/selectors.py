"""Reads of grievances, always for a requesting user: role and province applied here, in one place. A sensitive
grievance's text is readable by the focal point only (grievances/permissions.py); every view of a description
or a note is logged (landreg/access_log.py). The public status page and the partners' list read nothing personal."""

import datetime
import logging

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from allocations.selectors import allocations_visible_to
from grievances import permissions
from grievances.models import OPEN_STATUSES, Category, Grievance, GrievanceStep, LandDispute, Status
from grievances.references import normalise
from grievances.sealing import unseal
from households.models import Household
from households.selectors import households_visible_to
from landreg import roles
from landreg.access_log import log_personal_data_access
from landreg.roles import PERSONAL_DATA_ROLES, has_role
from landreg.scope import filter_by_scope, province_ids_in_scope, township_ids_in_scope
from livelihoods.selectors import opportunities_visible_to
from shelters.models import ShelterProject
from townships.selectors import plots_visible_to

# What everyone but the focal point sees in place of a sensitive grievance's description or note.
SENSITIVE_TEXT_HIDDEN = _("sensitive: readable by the focal point")
# What the focal point sees for a text sealed under a key no longer in GRIEVANCE_KEYS (docs/grievances.md).
SEALED_UNDER_A_LOST_KEY = _("sealed under a key landreg no longer has")
logger = logging.getLogger(__name__)


def _opened(token, grievance_id: int) -> str:
    try:
        return unseal(token)
    except ImproperlyConfigured:
        logger.error("grievance %s: a sealed text cannot be opened with GRIEVANCE_KEYS", grievance_id)
        return str(SEALED_UNDER_A_LOST_KEY)


# Age bands of open grievances on the dashboard: (key, label, from days, to days).
AGE_BANDS = (
    ("under_3_days", _("under 3 days"), 0, 3),
    ("3_to_7_days", _("3 to 7 days"), 3, 7),
    ("7_to_30_days", _("7 to 30 days"), 7, 30),
    ("over_30_days", _("over 30 days"), 30, None),
)
DASHBOARD_OVERDUE_ROWS = 20


def grievances_for(user, *, status=None, category=None, overdue=None, now=None) -> QuerySet[Grievance]:
    """The grievances a user may see, newest first (overdue=True: the overdue ones, most overdue first).

    Officers with personal data roles see their provinces' grievances (and, when limited to townships, those of
    their townships and those about no township); a sensitive grievance only if they are the focal point or an
    administrator, or received or own it. Partners and GIS specialists see none here (a partner sees its own
    referrals through grievances_referred_by)."""
    if not has_role(user, *PERSONAL_DATA_ROLES):
        return Grievance.objects.none()
    # The province's and township's outlines are never needed beside a grievance (and a province's is large).
    queryset = Grievance.objects.select_related("province", "township", "assigned_to").defer(
        "province__geom", "township__geom", "description_sealed"
    )
    provinces = province_ids_in_scope(user)
    if provinces is not None:
        queryset = queryset.filter(province_id__in=provinces)
    townships = township_ids_in_scope(user)
    if townships is not None:
        queryset = queryset.filter(Q(township__isnull=True) | Q(township_id__in=townships))
    if not permissions.sees_every_grievance(user):
        queryset = queryset.filter(Q(sensitive=False) | Q(received_by=user) | Q(assigned_to=user))
    if status:
        queryset = queryset.filter(status__in=[status] if isinstance(status, str) else status)
    if category:
        queryset = queryset.filter(category__in=[category] if isinstance(category, str) else category)
    if overdue is True:
        return queryset.overdue(now).order_by("next_due", "id")
    if overdue is False:
        queryset = queryset.exclude(pk__in=Grievance.objects.overdue(now).values("pk"))
    return queryset.order_by("-received_at", "-id")


def grievance_for(user, pk_or_reference) -> Grievance:
    """One grievance by id or reference, or Grievance.DoesNotExist when it does not exist or is out of the user's
    sight (the two are not told apart)."""
    queryset = grievances_for(user).select_related("household", "plot__township", "allocation", "received_by")
    if isinstance(pk_or_reference, int) or (isinstance(pk_or_reference, str) and pk_or_reference.isdigit()):
        return queryset.get(pk=int(pk_or_reference))
    return queryset.get(reference=normalise(str(pk_or_reference)))


def grievance_description(user, grievance: Grievance, *, where: str = "") -> str | None:
    """The description in clear if the user may read it, else None (the faces show SENSITIVE_TEXT_HIDDEN); each
    reading is logged as a view of personal data."""
    if not grievances_for(user).filter(pk=grievance.pk).exists():
        return None
    if grievance.sensitive:
        if not permissions.reads_sensitive_text(user):
            return None
        text = _opened(grievance.description_sealed, grievance.pk)
    else:
        text = grievance.description
    log_personal_data_access(
        user=user, action="view", what="grievances.Grievance.description", ids=[grievance.pk], where=where
    )
    return text


def grievance_description_shown(user, grievance: Grievance, *, where: str = "") -> str:
    """What a page shows as the description: the text, or the sentence saying it is sealed."""
    text = grievance_description(user, grievance, where=where)
    return str(SENSITIVE_TEXT_HIDDEN) if text is None else text


def grievance_steps(user, grievance: Grievance, *, where: str = "") -> list[GrievanceStep]:
    """The steps of a grievance the user may see, oldest first. Each step carries `note_text`: the note in clear
    if the user may read it, else None (`note_hidden` is True then, and a page shows SENSITIVE_TEXT_HIDDEN)."""
    if not grievances_for(user).filter(pk=grievance.pk).exists():
        return []
    steps = list(GrievanceStep.objects.filter(grievance=grievance).select_related("by").order_by("at", "id"))
    readable = not grievance.sensitive or permissions.reads_sensitive_text(user)
    for step in steps:
        if grievance.sensitive:
            step.note_text = (
                _opened(step.note_sealed, grievance.pk)
                if readable and step.note_sealed is not None
                else ("" if readable else None)
            )
        else:
            step.note_text = step.note
        step.note_hidden = step.note_text is None
    if steps:
        log_personal_data_access(
            user=user, action="view", what="grievances.GrievanceStep.note", ids=[s.pk for s in steps], where=where
        )
    return steps


def overdue_grievances(user, *, now=None) -> QuerySet[Grievance]:
    """The user's overdue grievances, most overdue first."""
    return grievances_for(user, overdue=True, now=now)


def grievance_dashboard(user, *, now=None) -> dict:
    """Counts for the dashboard: open and overdue totals, by category, by status and by age of the open ones
    (`age_bands`), and the overdue grievances first (`overdue`: up to 20, most overdue first). Counts only; the
    rows carry reference, category, status, province and deadlines, never a description."""
    now = now or timezone.now()
    visible = grievances_for(user)
    overdue_q = Q(status__in=OPEN_STATUSES, next_due__lt=now)
    by_category = {
        row["category"]: row
        for row in visible.order_by()
        .values("category")
        .annotate(
            total=Count("id"),
            open=Count("id", filter=Q(status__in=OPEN_STATUSES)),
            overdue=Count("id", filter=overdue_q),
        )
    }
    by_status = {row["status"]: row["total"] for row in visible.order_by().values("status").annotate(total=Count("id"))}
    open_ones = visible.filter(status__in=OPEN_STATUSES).order_by()
    bands = []
    for key, label, low, high in AGE_BANDS:
        band = Q(received_at__lte=now - datetime.timedelta(days=low))
        if high is not None:
            band &= Q(received_at__gt=now - datetime.timedelta(days=high))
        bands.append({"band": key, "label": label, "count": open_ones.filter(band).count()})
    categories = [
        {
            "category": value,
            "label": label,
            "total": by_category.get(value, {}).get("total", 0),
            "open": by_category.get(value, {}).get("open", 0),
            "overdue": by_category.get(value, {}).get("overdue", 0),
        }
        for value, label in Category.choices
    ]
    categories.sort(key=lambda row: (-row["overdue"], -row["open"], Category.values.index(row["category"])))
    return {
        "total": sum(by_status.values()),
        "open": sum(by_status.get(s, 0) for s in OPEN_STATUSES),
        "overdue_count": sum(row["overdue"] for row in categories),
        "by_category": categories,
        "by_status": [
            {"status": value, "label": label, "count": by_status.get(value, 0)} for value, label in Status.choices
        ],
        "age_bands": bands,
        "overdue": list(
            visible.filter(overdue_q)
            .order_by("next_due", "id")
            .values(
                "pk",
                "reference",
                "category",
                "sensitive",
                "status",
                "province__name_en",
                "next_due",
                "escalation_level",
                "assigned_to__username",
            )[:DASHBOARD_OVERDUE_ROWS]
        ),
        "now": now,
    }


def grievance_public_status(reference) -> dict | None:
    """What the public status page shows for a reference, or None when there is no such grievance (the same
    answer for a reference never issued and one mistyped). Nothing personal; a sensitive grievance shows its
    status only (not its category, not its dates)."""
    if not isinstance(reference, str) or len(reference) > 40:
        return None
    row = (
        Grievance.objects.filter(reference=normalise(reference))
        .values(
            "reference",
            "status",
            "sensitive",
            "category",
            "received_at",
            "acknowledged_at",
            "resolved_at",
            "closed_at",
            "loop_closed_at",
        )
        .first()
    )
    if row is None:
        return None
    status = {
        "reference": row["reference"],
        "status": row["status"],
        "status_label": Status(row["status"]).label,
        "sensitive": row["sensitive"],
    }
    if row["sensitive"]:
        return status
    return {
        **status,
        "category": row["category"],
        "category_label": Category(row["category"]).label,
        "received_on": _local_date(row["received_at"]),
        "acknowledged_on": _local_date(row["acknowledged_at"]),
        "resolved_on": _local_date(row["resolved_at"]),
        "closed_on": _local_date(row["closed_at"]),
        "loop_closed": row["loop_closed_at"] is not None,
        "loop_closed_on": _local_date(row["loop_closed_at"]),
    }


def _local_date(value):
    return None if value is None else timezone.localdate(value)


def grievances_referred_by(user) -> QuerySet:
    """A partner's own referrals: reference, status and dates only (values() rows), newest first."""
    if not has_role(user, roles.PARTNER) or not user.is_authenticated:
        return Grievance.objects.none().values("reference")
    return (
        Grievance.objects.filter(referred_by=user)
        .order_by("-received_at", "-id")
        .values(
            "reference",
            "status",
            "received_at",
            "acknowledged_at",
            "referred_at",
            "resolved_at",
            "closed_at",
            "loop_closed_at",
        )
    )


def plot_under_dispute(plot) -> bool:
    """Whether the plot has an open land dispute, so that its allocation stands still until it is decided
    (plot_not_allocated_while_disputed). Nothing personal: the plot's status says as much on every map."""
    return LandDispute.objects.filter(plot=plot, decision="").exists()


def grievance_allowed_actions(user, grievance: Grievance) -> list[str]:
    """The actions a page may offer this user on this grievance now: the names grievance_transition takes, and
    "assign", "open_dispute", "decide_dispute", "decide_appeal", "check_appeal" for their services."""
    if not grievances_for(user).filter(pk=grievance.pk).exists():
        return []
    actions = []
    dispute = getattr(grievance, "land_dispute", None) if _has(grievance, "land_dispute") else None
    appeal = getattr(grievance, "appeal", None) if _has(grievance, "appeal") else None
    for action, (allowed_from, _to) in Grievance.TRANSITIONS.items():
        if grievance.status not in allowed_from or not permissions.may_take(user, grievance, action):
            continue
        if action == "resolve" and (dispute is not None or appeal is not None):
            continue
        if action == "close_loop" and grievance.loop_closed_at is not None:
            continue
        actions.append(action)
    if grievance.is_open and permissions.may_take(user, grievance, "assign"):
        actions.append("assign")
    if (
        dispute is None
        and grievance.is_open
        and grievance.plot_id is not None
        and grievance.category in (Category.LAND_DISPUTE, Category.USURPATION)
        and permissions.may_take(user, grievance, "open_dispute")
    ):
        actions.append("open_dispute")
    undecided = grievance.status in (Status.ACKNOWLEDGED, Status.UNDER_REVIEW, Status.REFERRED)
    if (
        dispute is not None
        and not dispute.decision
        and undecided
        and permissions.may_take(user, grievance, "decide_dispute")
    ):
        actions.append("decide_dispute")
    if appeal is not None and permissions.may_take(user, grievance, "decide_appeal"):
        others = {appeal.appealed_decision_by_id, grievance.received_by_id}
        if not appeal.decision and grievance.is_open and user.pk not in others:
            actions.append("decide_appeal")
        if (
            appeal.decision
            and appeal.checked_by_id is None
            and undecided
            and user.pk not in others | {appeal.decided_by_id}
        ):
            actions.append("check_appeal")
    return actions


def _has(grievance: Grievance, relation: str) -> bool:
    try:
        getattr(grievance, relation)
    except Grievance._meta.get_field(relation).related_model.DoesNotExist:
        return False
    return True


__all__ = [
    "AGE_BANDS",
    "SEALED_UNDER_A_LOST_KEY",
    "SENSITIVE_TEXT_HIDDEN",
    "grievance_allowed_actions",
    "grievance_dashboard",
    "grievance_description",
    "grievance_description_shown",
    "grievance_for",
    "grievance_public_status",
    "grievance_steps",
    "grievances_for",
    "grievances_referred_by",
    "overdue_grievances",
]


def linkable_records(user) -> dict[str, QuerySet]:
    """What a grievance may name, each in the user's scope, by field: one home for the officers' form and the
    REST API, so both refuse the same records."""
    return {
        "plot": plots_visible_to(user),
        "household": households_visible_to(user),
        "allocation": allocations_visible_to(user),
        "shelter_project": filter_by_scope(
            ShelterProject.objects.all(),
            user,
            province_field="plot__township__province",
            township_field="plot__township",
        ),
        "opportunity": opportunities_visible_to(user),
    }


def household_by_code(user, code: str) -> Household | None:
    """The household with this code (in any case) in the user's scope; None whether it exists elsewhere or not."""
    return linkable_records(user)["household"].filter(code__iexact=code.strip()).first()
