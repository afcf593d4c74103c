"""Who is asking, for the plain-Django publishing endpoints (OGC API, tiles, WFS): a session, or HTTP Basic,
which is what GDAL and QGIS send — with every request, so a checked login is remembered for a few minutes
instead of hashing the password again for each tile or page (about 0.6 s of CPU each).

Every password check, Basic included, goes through authenticate(request=...), so django-axes counts failures
and refuses a locked-out user or address before the password is hashed (LockoutBackend comes first).

With HTTPS on (settings.HTTPS), Basic credentials that came over plain http are refused with a 403 that says to use
https, before any password check (RefuseBasicOverPlainHttp, the first middleware): the password has already
crossed the network in clear, and a redirect would have the client send it again on every request."""

import base64
import binascii

from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, SESSION_KEY, authenticate, get_user_model, user_logged_in
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connections, router
from django.dispatch import receiver
from django.http import JsonResponse
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed

from landreg.roles import access_annotations

BASIC_AUTH_CACHE_SECONDS = 300
_NOT_CHECKED = object()


class LockoutBackend(AxesStandaloneBackend):
    """Refuses a locked-out user or address before the next backend hashes the password. A check without a
    request (a script or the shell calling authenticate()) comes from no address and is not counted."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)

    def get_user(self, user_id):
        # Sessions name the first backend when a script logs a user in without authenticate() (force_login,
        # bench/allocate_concurrency.py): it must be able to load the user, with their roles and scope in the
        # same query.
        user = user_with_access(user_id)
        return user if user is not None and ModelBackend().user_can_authenticate(user) else None


_USER_WITH_ACCESS: dict = {}  # per user model and database: the statement and its columns, compiled once
_PK_MARKER = -7_654_321  # stands for the user id while the statement is compiled


def _user_with_access_statement(User, database: str):
    """(sql, field attnames, annotation names) of the user with landreg.roles.access_annotations, the user id its
    one parameter; None when the ORM compiles it otherwise (then it is built for each request)."""
    users = User._default_manager.annotate(**access_annotations()).filter(pk=_PK_MARKER)
    compiler = users.query.get_compiler(database)
    sql, params = compiler.as_sql()
    fields = [f.attname for f in User._meta.concrete_fields]
    annotations = list(users.query.annotation_select)
    if tuple(params) != (_PK_MARKER,) or len(compiler.select) != len(fields) + len(annotations):
        return None
    if any(compiler.get_converters([column for column, _, _ in compiler.select])):
        return None  # values that need converting (not so on PostgreSQL): leave it to the ORM
    return sql, fields, annotations


def user_with_access(pk):
    """The user with this primary key, with their roles and scope in the same query (landreg.roles.access_of reads
    them from the annotations of landreg.roles.access_annotations), or None.

    Every request of a logged-in user runs this statement; building it through the ORM (four subqueries) cost
    twenty times the CPU of sending it, so it is compiled once per process from the same queryset and then sent as
    it is, with the user id as its one parameter."""
    User = get_user_model()
    try:
        pk = User._meta.pk.to_python(pk)
    except ValidationError:
        return None
    database = router.db_for_read(User)
    key = (User, database)
    if key not in _USER_WITH_ACCESS:
        _USER_WITH_ACCESS[key] = _user_with_access_statement(User, database)
    compiled = _USER_WITH_ACCESS[key]
    if compiled is None:
        return User._default_manager.annotate(**access_annotations()).filter(pk=pk).first()
    sql, fields, annotations = compiled
    with connections[database].cursor() as cursor:
        cursor.execute(sql, [pk])
        row = cursor.fetchone()
    if row is None:
        return None
    user = User.from_db(database, fields, row[: len(fields)])
    for name, value in zip(annotations, row[len(fields) :], strict=True):
        setattr(user, name, value)
    return user


@receiver(user_logged_in)
def load_session_user_with_access(sender, request, user, **kwargs):
    """A session started by the login form names ModelBackend, which loads the user alone; name LockoutBackend
    instead, which loads them with their roles and scope in the same query (one statement a request, not five).
    Sessions started before keep their backend and still work."""
    if request is not None and hasattr(request, "session"):
        if request.session.get(BACKEND_SESSION_KEY) == "django.contrib.auth.backends.ModelBackend":
            request.session[BACKEND_SESSION_KEY] = f"{LockoutBackend.__module__}.{LockoutBackend.__qualname__}"


class LockoutHandler(AxesDatabaseHandler):
    """axes' database handler, except that a successful login clears only that user's failures. axes would also
    clear every failure from the address, so someone with an account of their own could guess another user's
    password from the same address without end, logging in as themselves every nine tries."""

    def reset_user_attempts(self, request, credentials=None) -> int:
        username = get_client_username(request, credentials)
        return AccessAttempt.objects.filter(username=username).delete()[0] if username else 0


def client_ip_address(request) -> str | None:
    """The client's address: REMOTE_ADDR, or, behind LANDREG_TRUSTED_PROXY_COUNT proxies that each append to
    X-Forwarded-For, the address the outermost trusted proxy saw. Anything a client adds to the header itself
    lies further left and is ignored."""
    proxies = settings.LANDREG_TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")


def basic_over_plain_http(request) -> bool:
    """Whether the request carries HTTP Basic credentials over plain http while HTTPS is on."""
    if not getattr(settings, "HTTPS", False) or request.is_secure():
        return False
    scheme, _, _ = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "basic"


class RefuseBasicOverPlainHttp:
    """With HTTPS on, answers a request with HTTP Basic credentials over plain http with a 403 saying to use https,
    for every endpoint (REST API, OGC API, WFS, tiles, imagery). It comes before SecurityMiddleware's redirect to
    https: a GIS client that silently followed it would keep sending its password in clear with every request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if basic_over_plain_http(request):
            sentence = gettext(
                "HTTP Basic credentials are refused over plain http: use the https:// address of this server "
                "(in QGIS, GDAL and scripts too), and change this password if it crossed an untrusted network."
            )
            return JsonResponse({"detail": sentence}, status=403)
        return self.get_response(request)


def basic_auth_user(request, *, with_access: bool = False):
    """The active user named by valid HTTP Basic credentials, or None. Checked once per request. with_access: load
    the user with their roles and scope in the same query, for a caller that will ask them (the tiles, which only
    ask whether someone logged in, do not)."""
    checked = getattr(request, "_landreg_basic_user", _NOT_CHECKED)
    if checked is _NOT_CHECKED:
        checked = request._landreg_basic_user = _basic_auth_user(request, with_access)
    return checked


def _basic_auth_key(header: str) -> str:
    """The cache key of HTTP Basic credentials: an HMAC of the whole header, so the cache never holds a password."""
    return "basic-auth:" + salted_hmac("api.auth.basic", header).hexdigest()


def _basic_auth_user(request, with_access: bool):
    header = request.headers.get("Authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded or basic_over_plain_http(request):
        return None  # over plain http with HTTPS on, never checked (RefuseBasicOverPlainHttp refuses it first)
    # The entry is honoured only while the user is active and still has the same password hash.
    key = _basic_auth_key(header)
    remembered = cache.get(key)
    if remembered is not None:
        pk, password_hash = remembered
        if with_access:  # the user's roles and scope in the same query (landreg.roles.access_of)
            user = user_with_access(pk)
        else:
            user = get_user_model().objects.filter(pk=pk).first()
        if user is not None and user.is_active and user.password == password_hash:
            return user
    try:
        username, sep, password = base64.b64decode(encoded.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    if not sep:
        return None
    # A locked-out user or address is refused here without hashing; the failure is counted by axes, and its
    # middleware turns the answer into the lock-out sentence.
    user = authenticate(request, username=username, password=password)
    if user is None or not user.is_active:
        return None
    # Basic checks start no session, so no user_logged_in signal: tell axes of the success (an access log entry,
    # and this user's failures are cleared, as after the login form).
    AxesProxyHandler.user_logged_in(sender=None, request=request, user=user)
    cache.set(key, (user.pk, user.password), BASIC_AUTH_CACHE_SECONDS)
    return user


def logged_in(request) -> bool:
    """Whether an active user asks, without loading the user on every request — for layers that carry no
    personal data (tiles). The session names the user; whether that user is still active is remembered for a
    minute. A changed password does not end this until the session does."""
    user_id = request.session.get(SESSION_KEY)
    if user_id is not None:
        return cache.get_or_set(
            f"user-active:{user_id}",
            lambda: get_user_model().objects.filter(pk=user_id, is_active=True).exists(),
            60,
        )
    return basic_auth_user(request) is not None


def login_key(request) -> str | None:
    """Who asks, as a cache key: their session, or their HTTP Basic credentials (keyed by an HMAC, never the
    password); None for an anonymous visitor. For what is decided once per login and remembered for a few minutes
    (the provinces a partner's tiles show), so that it costs no query on every tile."""
    key = claimed_login_key(request)
    if key is None or key.startswith("session:") or basic_auth_user(request) is not None:
        return key
    return None


def claimed_login_key(request) -> str | None:
    """login_key(request) as the request claims it, without checking the credentials: the session's (read from
    the session store: a cached_db session costs no query while it is in the cache), or the HMAC of its HTTP Basic
    header. A key is worth only what was remembered under it after login_key checked that login (the tiles' short
    way, api/tiles/path.py); a forged header yields a key nothing was remembered under."""
    user_id = request.session.get(SESSION_KEY)
    if user_id is not None:
        return f"session:{user_id}:{request.session.session_key}"
    header = request.headers.get("Authorization", "")
    if header[:6].lower() == "basic " and not basic_over_plain_http(request):
        return _basic_auth_key(header)
    return None


def request_user(request):
    """The logged-in user, or the user named by valid HTTP Basic credentials, or AnonymousUser."""
    if request.user.is_authenticated and request.user.is_active:
        return request.user
    user = basic_auth_user(request, with_access=True)
    if user is not None:
        request.user = user
    return request.user


class CachedBasicAuthentication(BaseAuthentication):
    """DRF's HTTP Basic, with the same remembered check as the publishing endpoints (scripts and GIS clients
    send credentials with every request; hashing the password each time costs ~0.25 s of CPU)."""

    def authenticate(self, request):
        header = request.headers.get("Authorization", "")
        if not header.lower().startswith("basic "):
            return None
        user = basic_auth_user(request._request, with_access=True)
        if user is None:
            raise AuthenticationFailed("Invalid user name or password.")
        return user, None

    def authenticate_header(self, request):
        return 'Basic realm="landreg"'


class CachedBasicScheme(OpenApiAuthenticationExtension):
    """Describes CachedBasicAuthentication in the OpenAPI schema as plain HTTP Basic."""

    target_class = "api.auth.CachedBasicAuthentication"
    name = "basicAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "basic"}
