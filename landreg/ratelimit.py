"""Fixed-window request counters shared by every server process, in the database: one atomic upsert per count.

A per-process cache would let a deployment with N workers allow N times a limit. Each window is a row keyed by
what is limited, a hash of who asked and the window's number; rows of ended windows are removed a few at a time
when a new window starts, so the table stays the size of the clients of the last day."""

import datetime
import hashlib

from django.conf import settings
from django.db import connection

from landreg.models import RateWindow

_TABLE = RateWindow._meta.db_table
_PURGE_BATCH = 1000


def digest(value: str) -> str:
    """A keyed hash of who asked (an address, a session key): the counters never hold the value itself."""
    return hashlib.sha256(f"{settings.SECRET_KEY}:{value}".encode()).hexdigest()[:32]


def count(what: str, identity: str, seconds: int, now: float) -> tuple[int, int]:
    """Add one to the counter of `identity` for `what` in the current window of `seconds`: (the count now,
    seconds until the window ends)."""
    window = int(now // seconds)
    ends = (window + 1) * seconds
    key = f"{what}:{seconds}:{window}:{digest(identity)}"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_TABLE} (key, count, expires_at) VALUES (%s, 1, %s) "
            f"ON CONFLICT (key) DO UPDATE SET count = {_TABLE}.count + 1 RETURNING count",
            [key, datetime.datetime.fromtimestamp(ends, datetime.UTC)],
        )
        (counted,) = cursor.fetchone()
        if counted == 1:  # a new window: remove some ended ones
            cursor.execute(
                f"DELETE FROM {_TABLE} WHERE key IN "
                f"(SELECT key FROM {_TABLE} WHERE expires_at <= %s LIMIT {_PURGE_BATCH})",
                [datetime.datetime.fromtimestamp(window * seconds, datetime.UTC)],  # ended before this one began
            )
    return counted, int(ends - now) + 1
