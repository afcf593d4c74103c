"""The short way of a vector tile through Django: a middleware, first in MIDDLEWARE, that answers
GET /tiles/<layer>/<z>/<x>/<y>.mvt itself when it knows the login, so the middleware pages need (CSP nonces,
sessions saved, locale, CSRF, user loaded, messages, history, lock-out) does not run for each of the hundreds
of tiles a map asks for (docs/benchmarks.md).

It knows the login when the tile view decided this login's scope within the last LOGIN_SECONDS
(`api.tiles.vector.tile_scope`, after checking the session or the HTTP Basic credentials): the session is read
from the session store (from its cache, without a query), the Basic header only keyed (an HMAC; a forged header
yields a key nothing was remembered under). So:

- logging out ends a session's tiles at once (the session is gone from the store);
- a user deactivated, whose password changed or who lost a role, or a partner whose agreement ends or shrinks,
  gets tiles at most LOGIN_SECONDS longer (and only those of the scope they had then);
- every other request goes the long way, unchanged: the first tile of a login, an anonymous or refused one, a
  bad address (each refusal with its sentence in the client's language), any method but GET and HEAD, HTTP
  Basic over plain http, plain http when https is required.

A tile from here carries the headers the long way gives it: the view's (ETag, Cache-Control, Vary,
X-Tile-Cache), the security headers (SecurityMiddleware's and X-Frame-Options), and a Content-Security-Policy
that allows nothing (a tile is not a document). With a read replica configured, the tile reads from it as the long
way would (landreg.routers.ReplicaMiddleware).
"""

import re
from functools import partial
from importlib import import_module

from django.conf import settings
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.security import SecurityMiddleware
from django.utils.cache import patch_vary_headers

from api.auth import basic_over_plain_http, claimed_login_key
from api.tiles.vector import LAYERS, remembered_scope, tile_answer, tile_exists
from landreg.routers import ReplicaMiddleware

TILE_PATH = re.compile(r"/tiles/(?P<layer>[a-z-]+)/(?P<z>[0-9]{1,2})/(?P<x>[0-9]{1,8})/(?P<y>[0-9]{1,8})\.mvt")
SAFE = ("GET", "HEAD")
TILE_POLICY = "default-src 'none'; frame-ancestors 'none'"  # a tile loads nothing and is framed by no one
REPLICA_MIDDLEWARE = "landreg.routers.ReplicaMiddleware"


class TilePathMiddleware:
    """Answers a vector tile of a known login without the rest of MIDDLEWARE; passes on everything else."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.session_store = import_module(settings.SESSION_ENGINE).SessionStore
        self.security = SecurityMiddleware(get_response)
        self.frames = XFrameOptionsMiddleware(get_response)
        self.replica = REPLICA_MIDDLEWARE in settings.MIDDLEWARE

    def __call__(self, request):
        match = TILE_PATH.fullmatch(request.path_info)
        response = self.short_way(request, match) if match is not None and request.method in SAFE else None
        return self.get_response(request) if response is None else response

    def short_way(self, request, match):
        """The tile's response, or None to go the long way."""
        if basic_over_plain_http(request) or (settings.SECURE_SSL_REDIRECT and not request.is_secure()):
            return None
        layer = LAYERS.get(match["layer"])
        z, x, y = int(match["z"]), int(match["x"]), int(match["y"])
        if layer is None or not tile_exists(z, x, y):
            return None
        cookie = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        request.session = self.session_store(cookie)  # the long way replaces it with SessionMiddleware's
        known, provinces = remembered_scope(claimed_login_key(request), layer.dataset)
        if not known:
            return None
        answer = partial(tile_answer, layer=layer, z=z, x=x, y=y, provinces=provinces)
        response = ReplicaMiddleware(answer)(request) if self.replica else answer(request)
        response["Content-Security-Policy"] = TILE_POLICY
        if cookie:  # what SessionMiddleware says of a response that read the session
            patch_vary_headers(response, ("Cookie",))
        return self.frames.process_response(request, self.security.process_response(request, response))
