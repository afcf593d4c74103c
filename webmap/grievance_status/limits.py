"""How often one client may ask the public status page: a few checks a minute and a daily cap, per client address
and per browser session, counted in Django's cache. References cannot be enumerated by guessing (31^8 of them,
docs/grievances.md); the limit keeps anyone from trying many, and from measuring the page while they do.

The counters are fixed windows (this minute, this day) under keys that hold a hash of the address or session
key, never the address itself. With the default cache (local memory) each server process counts on its own, so
a deployment with N workers allows up to N times the limit; a shared cache (CACHES) makes it exact."""

import hashlib
import time
from dataclasses import dataclass

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

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


def _digest(value: str) -> str:
    return hashlib.sha256(f"{settings.SECRET_KEY}:{value}".encode()).hexdigest()[:32]


def _count(who: str, identity: str, seconds: int, now: float) -> tuple[int, int]:
    """Add one to the window's counter; (the count now, seconds until the window ends)."""
    window = int(now // seconds)
    key = f"grievance-status:{who}:{seconds}:{window}:{_digest(identity)}"
    cache.add(key, 0, timeout=seconds + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=seconds + 5)
        count = 1
    return count, int((window + 1) * seconds - now) + 1


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
            count, retry_after = _count(who, identity, limit.seconds, now)
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
