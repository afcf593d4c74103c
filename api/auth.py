"""Who is asking, for the plain-Django publishing endpoints (OGC API, tiles, WFS): a session, or HTTP Basic,
which is what GDAL and QGIS send — with every request, so a checked login is remembered for a few minutes
instead of hashing the password again for each tile or page (about 0.6 s of CPU each)."""

import base64
import binascii

from django.contrib.auth import SESSION_KEY, authenticate, get_user_model
from django.core.cache import cache
from django.utils.crypto import salted_hmac
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed

BASIC_AUTH_CACHE_SECONDS = 300


def basic_auth_user(request):
    """The active user named by valid HTTP Basic credentials, or None."""
    header = request.headers.get("Authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    # Keyed by an HMAC of the whole header, so the cache never holds a password; the entry is honoured only
    # while the user is active and still has the same password hash.
    key = "basic-auth:" + salted_hmac("api.auth.basic", header).hexdigest()
    remembered = cache.get(key)
    if remembered is not None:
        pk, password_hash = remembered
        user = get_user_model().objects.filter(pk=pk, is_active=True).first()
        if user is not None and user.password == password_hash:
            return user
    try:
        username, sep, password = base64.b64decode(encoded.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    if not sep:
        return None
    user = authenticate(request, username=username, password=password)
    if user is None or not user.is_active:
        return None
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


def request_user(request):
    """The logged-in user, or the user named by valid HTTP Basic credentials, or AnonymousUser."""
    if request.user.is_authenticated and request.user.is_active:
        return request.user
    user = basic_auth_user(request)
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
        user = basic_auth_user(request._request)
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
