"""The public status page: a complainant types the reference on their paper and sees where their complaint
stands, with its dates, and nothing personal (a sensitive complaint: its status only).

Guessing is made useless (docs/grievances.md, "The public status page"): the reference is sent in a POST form
with the CSRF token, never in the URL (so never in a log or a browser's history); a reference that does not exist
and one that is not even shaped like one get the same answer, after the same single query; and each client gets
a few checks a minute and a daily cap (limits.py)."""

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods

from grievances.references import normalise
from grievances.selectors import grievance_public_status
from landreg.calendar import gregorian_date, shamsi_date
from webmap.grievance_status import limits

# What a person may type: the reference in any case, with or without its dashes or spaces, in Dari digits too
# (grievances.references.normalise).
TYPED_MAX = 64
# Looked up when what was typed is not shaped like a reference: no reference has a 0, so it is never found, and
# the page does the same work for a malformed reference as for one that does not exist.
NEVER_A_REFERENCE = "G-0000-0000"


def reference_from_typed(text) -> str | None:
    """'g 7kq3 m2xd', 'G7KQ3M2XD', 'G-7KQ3-M2XD' → 'G-7KQ3-M2XD'; None for anything not shaped like a reference."""
    if not isinstance(text, str) or len(text) > TYPED_MAX:
        return None
    return normalise(text) or None


def _day(day) -> str:
    """The Shamsi date, then the Gregorian one (a complainant may hold either)."""
    return f"{shamsi_date(day)} ({gregorian_date(day)})"


# What each status means for the person who complained, in their words.
STATUS_MEANING = {
    "received": gettext_lazy("Your complaint has been received. It will be acknowledged and given to an officer."),
    "acknowledged": gettext_lazy("Your complaint has been acknowledged: an officer is responsible for it."),
    "under_review": gettext_lazy("Your complaint is being looked into."),
    "referred": gettext_lazy("Your complaint has been referred to the organisation or authority that can act on it."),
    "resolved": gettext_lazy("A decision has been taken on your complaint."),
    "closed": gettext_lazy("Your complaint is closed."),
}


def _answer(status: dict) -> dict:
    """What the page shows of the selector's answer: the status, and its dates unless the grievance is sensitive."""
    code = str(status["status"])
    answer = {
        "status": code,
        "status_label": status.get("status_label") or code,
        "meaning": STATUS_MEANING.get(code, ""),
        "sensitive": bool(status.get("sensitive")),
        "told": bool(status.get("loop_closed")),
        "dates": [],
    }
    if answer["sensitive"]:
        return answer
    for key, label in (
        ("received_on", _("Received")),
        ("acknowledged_on", _("Acknowledged")),
        ("resolved_on", _("Resolved")),
        ("closed_on", _("Closed")),
        ("loop_closed_on", _("You were told the outcome")),
    ):
        if status.get(key):
            answer["dates"].append((key, label, _day(status[key])))
    return answer


def _page(request, *, answer=None, not_found=False, refusal=None, status=200):
    response = render(
        request,
        "webmap/grievance_status/status.html",
        {"answer": answer, "not_found": not_found, "refusal": refusal, "typed_max": TYPED_MAX},
        status=status,
    )
    if refusal is not None:
        response["Retry-After"] = str(refusal.retry_after)
    return response


@never_cache
@csrf_protect
@require_http_methods(["GET", "HEAD", "POST"])
def grievance_status(request):
    """GET: the form. POST: the status of the reference typed, or one sentence for "no such reference" whatever
    was typed; 429 with a sentence once the client has checked too often."""
    if request.method != "POST":
        return _page(request)
    refusal = limits.check_allowed(request)
    if refusal is not None:
        return _page(request, refusal=refusal, status=429)
    reference = reference_from_typed(request.POST.get("reference", ""))
    status = grievance_public_status(reference or NEVER_A_REFERENCE)
    if reference is None or status is None:
        return _page(request, not_found=True)
    return _page(request, answer=_answer(status))
