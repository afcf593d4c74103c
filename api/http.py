"""The HTTP concerns of the publishing endpoints (OGC API, WFS, imagery and vector tiles), one decorator each, so
that a view's body is only its operation:

    @login_or_basic(refuse=403, sentence=gettext_lazy("Log in to see the imagery tiles."))
    @conditional(tile_etag, max_age=86400)
    def imagery_tile(request, pk, z, x, y, fmt):
        ...

Who may read is a session or HTTP Basic (what GDAL and QGIS send, with every request: api.auth checks it once and
remembers it a few minutes). The refusal is chosen per endpoint, with the status and the wording its clients
already know: a 401 asks GIS clients for credentials, a 403 tells a browser to log in.
"""

from functools import wraps

from django.http import HttpResponse, JsonResponse
from django.utils.http import parse_etags

from api.auth import logged_in, request_user

SAFE = ("GET", "HEAD")


def detail_json(status: int, sentence: str) -> JsonResponse:
    """A refusal worded as the REST API words it: {"detail": sentence}."""
    return JsonResponse({"detail": sentence}, status=status)


def login_or_basic(
    *,
    refuse: int,
    sentence,
    answer=detail_json,
    challenge: str = 'Basic realm="landreg"',
    load_user: bool = True,
):
    """Let through an active user with a session or valid HTTP Basic credentials; the view finds them in
    request.user. Anyone else gets answer(refuse, sentence), without running the view:

    - refuse: 401 (the answer asks for Basic credentials: WWW-Authenticate is `challenge`), 403, or 404 where an
      anonymous client should learn no more than that there is nothing for them here;
    - sentence: what to do, read in the request's language (a gettext_lazy string is translated then);
    - answer(status, sentence): the response in the endpoint's own format (JSON detail by default; a problem
      document for the OGC API, an OWS exception report for the WFS);
    - load_user=False: only check that an active user asks (api.auth.logged_in: the session, without loading
      the user), for layers without personal data whose view need not know who asks (vector tiles).
    """
    if refuse not in (401, 403, 404):
        raise ValueError(f"A login refusal is a 401, 403 or 404, not {refuse}.")

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if load_user:
                user = request_user(request)  # sets request.user to the Basic user
                allowed = user.is_authenticated and user.is_active
            else:
                allowed = logged_in(request)
            if not allowed:
                response = answer(refuse, str(sentence))
                if refuse == 401:
                    response["WWW-Authenticate"] = challenge
                return response
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def conditional(etag_of, *, max_age: int | None = None):
    """ETag and If-None-Match for GET and HEAD. etag_of(request, *args, **kwargs), called with the view's
    arguments before the view, gives the ETag of what the view would send, or None when it would send none (no
    such thing, a request to refuse): it should cost far less than the view (a version, a timestamp), and may
    share a lookup with the view through once_per_request.

    When the client already holds that ETag, the answer is a 304 without running the view; otherwise a
    successful answer carries the ETag. Both get Cache-Control "private, max-age=<max_age>" when max_age is
    given: private, as every publishing endpoint needs a login. Other methods pass through untouched (an edit
    checks If-Match itself)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method not in SAFE:
                return view(request, *args, **kwargs)
            etag = etag_of(request, *args, **kwargs)
            if etag is not None and etag in parse_etags(request.headers.get("If-None-Match", "")):
                response = HttpResponse(status=304)
            else:
                response = view(request, *args, **kwargs)
                if etag is None or not 200 <= response.status_code < 300:
                    return response
            response["ETag"] = etag
            if max_age is not None:
                response["Cache-Control"] = f"private, max-age={max_age}"
            return response

        return wrapped

    return decorator


def once_per_request(function):
    """function(request, *args), computed once per request and arguments: a conditional ETag and the view
    then share one lookup. An exception is not remembered."""
    attribute = f"_once:{function.__module__}.{function.__qualname__}:{id(function)}"  # two lambdas differ

    @wraps(function)
    def wrapped(request, *args):
        remembered = vars(request).setdefault(attribute, {})
        if args not in remembered:
            remembered[args] = function(request, *args)
        return remembered[args]

    return wrapped
