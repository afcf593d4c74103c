"""Reads on a streaming replica (docs/deploy.md, "A read replica").

When the settings have a `replica` database (DATABASE_REPLICA_URL), the read-heavy paths read from it: vector
and raster tiles, OGC API reads, WFS, township exports and township dashboards, for GET and HEAD only.
`ReplicaMiddleware` marks such a request (a context variable, so one thread's or task's request never marks
another's), and `ReplicaRouter` sends the ORM's reads of a marked request to the replica. Everything else reads
from the primary, and every write goes to the primary (`default`), whatever the request.

Read-your-writes: a logged-in user who has just written (any request other than GET, HEAD, OPTIONS or TRACE)
reads from the primary for LANDREG_REPLICA_STICKY_SECONDS, through a cookie (a browser, whichever process
serves it) and a mark in the cache keyed by the user name (programs with HTTP Basic, which keep no cookie). The
map's layer-version check (/api/v1/map/versions/) always reads the primary, so the map never asks for tiles of
a version the replica has not reached through a version it read from the replica.

Reads inside a transaction on the primary stay on the primary (they may depend on its uncommitted writes or
lock rows), and migrations never run on the replica.
"""

import base64
import binascii
import contextvars
import hashlib
import re
from contextlib import contextmanager

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils.connection import ConnectionProxy

REPLICA = "replica"
# The paths read from the replica on GET and HEAD; the map's layer versions always come from the primary.
REPLICA_PATHS = re.compile(r"^/(?:tiles/|ogc(?:/|$)|wfs/|api/v1/exports/|townships/[^/]+/dashboard/)")
PRIMARY_PATHS = re.compile(r"^/api/v1/map/versions/")
READ_METHODS = frozenset({"GET", "HEAD"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
STICKY_COOKIE = "landreg_read_primary"

_reading_replica = contextvars.ContextVar("landreg_reading_replica", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


@contextmanager
def read_from_replica(on: bool = True):
    """Within this block (this thread or task only), reads go to the replica when one is configured."""
    token = _reading_replica.set(on)
    try:
        yield
    finally:
        _reading_replica.reset(token)


def read_alias() -> str:
    """The database alias reads go to now: the replica inside `read_from_replica()` (unless a transaction is
    open on the primary), otherwise the primary."""
    if _reading_replica.get() and replica_configured() and not connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return REPLICA
    return DEFAULT_DB_ALIAS


def read_connection():
    """The connection for raw SQL that only reads: `with read_connection().cursor() as cursor: ...`."""
    return connections[read_alias()]


class ReplicaRouter:
    """DATABASE_ROUTERS entry: reads where `read_alias()` says, writes and migrations on the primary only."""

    def db_for_read(self, model, **hints):
        return read_alias()

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # The replica is a copy of the primary: an object read from one may refer to an object read from the other.
        both = {DEFAULT_DB_ALIAS, REPLICA}
        return True if obj1._state.db in both and obj2._state.db in both else None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS


class _RoutedConnectionProxy(ConnectionProxy):
    """`django.db.connection` that follows `read_alias()`: raw SQL of a marked request (the tiles' ST_AsMVT, the
    layer versions, OGC and WFS queries) reads from the replica too. Outside a marked request it is the primary's
    connection, exactly as before."""

    def _target(self):
        alias = self.__dict__["_alias"]
        return self.__dict__["_connections"][read_alias() if alias == DEFAULT_DB_ALIAS else alias]

    def __getattr__(self, item):
        return getattr(self._target(), item)

    def __setattr__(self, name, value):
        return setattr(self._target(), name, value)

    def __delattr__(self, name):
        return delattr(self._target(), name)

    def __contains__(self, key):
        return key in self._target()

    def __eq__(self, other):
        return self._target() == other


def route_raw_connection() -> None:
    """Make `django.db.connection` follow `read_alias()` (idempotent). Code that imported it keeps the same object."""
    import django.db

    if type(django.db.connection) is ConnectionProxy:
        object.__setattr__(django.db.connection, "__class__", _RoutedConnectionProxy)  # not the proxy's setattr


def _sticky_key(username: str) -> str:
    return "landreg:read-primary:" + hashlib.sha256(username.encode()).hexdigest()


def _basic_username(request) -> str:
    """The user name an HTTP Basic request claims (not checked: it only decides where this request reads)."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header[:6].lower() != "basic ":
        return ""
    try:
        return base64.b64decode(header[6:].strip(), validate=True).decode("utf-8").partition(":")[0]
    except (binascii.Error, UnicodeDecodeError):
        return ""


def _username(request) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user.get_username()
    return _basic_username(request)


class ReplicaMiddleware:
    """Marks GET and HEAD requests of the read-heavy paths for the replica, unless their user has just written;
    remembers, after a logged-in user's write, that this user reads from the primary for a while. In MIDDLEWARE
    after AuthenticationMiddleware and pghistory's HistoryMiddleware (whose history context must be set on the
    primary's connection), only when a replica is configured (landreg/settings.py)."""

    def __init__(self, get_response):
        self.get_response = get_response
        route_raw_connection()

    def sticky_seconds(self) -> int:
        return getattr(settings, "LANDREG_REPLICA_STICKY_SECONDS", 10)

    def reads_from_replica(self, request) -> bool:
        if request.method not in READ_METHODS or PRIMARY_PATHS.match(request.path_info):
            return False
        if not REPLICA_PATHS.match(request.path_info) or request.COOKIES.get(STICKY_COOKIE):
            return False
        username = _username(request)
        return not (username and cache.get(_sticky_key(username)))

    def __call__(self, request):
        with read_from_replica(self.reads_from_replica(request)):
            response = self.get_response(request)
        if request.method not in SAFE_METHODS:
            # The view has run: request.user is the user the session or DRF authenticated (HTTP Basic included).
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated and self.sticky_seconds() > 0:
                cache.set(_sticky_key(user.get_username()), True, timeout=self.sticky_seconds())
                response.set_cookie(
                    STICKY_COOKIE,
                    "1",
                    max_age=self.sticky_seconds(),
                    secure=settings.SESSION_COOKIE_SECURE,
                    httponly=True,
                    samesite="Lax",
                )
        return response
