"""How often one client may ask the public status page: a few checks a minute and a daily cap, per client address
and per browser session. References cannot be enumerated by guessing (31^8 of them,
docs/grievances.md); the limit keeps anyone from trying many, and from measuring the page while they do.

The counters are fixed windows (this minute, this day) in the database (landreg/ratelimit.py), shared by every
server process, under keys that hold a hash of the address or session key, never the address itself."""

import time
from dataclasses import dataclass

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.utils.translation import gettext as _

from landreg import ratelimit

MINUTE = 60
DAY = 24 * 60 * 60


@dataclass(frozen=True)
class Limit:
    who: str  # "ip" or "session"
    seconds: int
    setting: str  # in landreg/settings.py, with its default there

    @property
    def allowed(self) -> int:
        return getattr(settings, self.setting)


# The address gets more than a session: a family, an office or a hotline may share one address (NAT).
LIMITS = (
    Limit("ip", MINUTE, "LANDREG_GRIEVANCE_STATUS_PER_MINUTE_PER_ADDRESS"),
    Limit("ip", DAY, "LANDREG_GRIEVANCE_STATUS_PER_DAY_PER_ADDRESS"),
    Limit("session", MINUTE, "LANDREG_GRIEVANCE_STATUS_PER_MINUTE_PER_SESSION"),
    Limit("session", DAY, "LANDREG_GRIEVANCE_STATUS_PER_DAY_PER_SESSION"),
)


@dataclass(frozen=True)
class Refusal:
    message: str
    retry_after: int  # seconds


def _session_key(request) -> str:
    """The browser's session key, made now if it has none (only once the address's limit let it through, so
    a flood cannot make sessions faster than the address limit)."""
    session = request.session
    if session.session_key is None:
        session["grievance_status"] = True  # so the session is kept and its cookie sent
        session.save()
    return session.session_key


def check_allowed(request, now: float | None = None) -> Refusal | None:
    """Count this check against the client's address and session; the refusal, with a sentence, when either has
    reached its limit for the minute or the day."""
    now = time.time() if now is None else now
    address = get_client_ip_address(request) or "unknown"
    refusals = []
    for who in ("ip", "session"):
        identity = address if who == "ip" else _session_key(request)
        for limit in (lim for lim in LIMITS if lim.who == who):
            count, retry_after = ratelimit.count(f"grievance-status:{who}", identity, limit.seconds, now)
            if count > limit.allowed:
                refusals.append((limit, retry_after))
        if refusals:  # a client refused by its address makes no session
            break
    if not refusals:
        return None
    limit, retry_after = max(refusals, key=lambda r: r[0].seconds)
    if limit.seconds == DAY:
        message = _(
            "You have checked too many references today. Try again tomorrow, or ask at the office or on the "
            "hotline where you made your complaint."
        )
    else:
        message = _("You have checked too many references in a short time. Wait a minute, then try again.")
    return Refusal(message=message, retry_after=retry_after)
