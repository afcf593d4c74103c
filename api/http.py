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

import re
import zlib
from functools import wraps

from django.http import FileResponse, HttpResponse, JsonResponse
from django.utils.cache import patch_vary_headers
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
            held = held_etag(etag, request.headers.get("If-None-Match", "")) if etag is not None else None
            if held is not None:
                response = HttpResponse(status=304)
                if held != etag:  # the gzipped copy (GzipGeodataMiddleware)
                    patch_vary_headers(response, ("Accept-Encoding",))
                etag = held
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


# --- gzip for geodata ---------------------------------------------------------------------------------------------

# What is compressed: the geodata the OGC API, the WFS and the REST exports send (text that shrinks 5 to 10 times).
# Never HTML: a page with a CSRF token and text from the request is what BREACH reads through compression; these
# bodies carry no token and no personal data (the published layers have none).
GZIP_TYPES = frozenset({"application/geo+json", "application/gml+xml", "text/xml", "application/xml"})
GZIP_MIN_BYTES = 200  # below, the header and the CPU cost more than they save (as Django's GZipMiddleware)
GZIP_LEVEL = 1  # on a page of 1,000 plots: 1/8 of the bytes for 1 ms (level 6: 1/10 for 2.8 ms; bench/ogc_items.py)
_ACCEPTS_GZIP = re.compile(r"(?:^|,)\s*(?:gzip|\*)\s*(?:;\s*q\s*=\s*(?P<q>[0-9.]+))?\s*(?=,|$)", re.IGNORECASE)


def accepts_gzip(request) -> bool:
    """Whether the client accepts a gzipped body (Accept-Encoding names gzip, or *, without q=0)."""
    for match in _ACCEPTS_GZIP.finditer(request.headers.get("Accept-Encoding", "")):
        try:
            if float(match["q"] or 1) > 0:
                return True
        except ValueError:
            continue
    return False


def gzip_etag(etag: str) -> str:
    """The ETag of the gzipped copy of what `etag` names: "v1" becomes "v1-gzip" (a weak W/ prefix is kept), so a
    cache never answers a client that cannot read gzip with the gzipped bytes, and a 304 still works for both."""
    return etag[:-1] + '-gzip"' if etag.endswith('"') else etag


def held_etag(etag: str, header: str) -> str | None:
    """Which copy of `etag` a list of ETags (If-None-Match, If-Match) names: `etag` itself, its gzipped copy's
    (gzip_etag), or None. A weak W/ prefix is ignored, as a weak comparison does."""
    tags = {tag.removeprefix("W/") for tag in parse_etags(header)}
    for copy in (etag, gzip_etag(etag)):
        if copy.removeprefix("W/") in tags:
            return copy
    return None


def _gzip_stream(chunks, level: int):
    compressor = zlib.compressobj(level, zlib.DEFLATED, 16 + zlib.MAX_WBITS)  # 16+: the gzip wrapper, mtime 0
    for chunk in chunks:
        data = compressor.compress(chunk if isinstance(chunk, bytes) else str(chunk).encode())
        if data:
            yield data
    yield compressor.flush()


class GzipGeodataMiddleware:
    """Gzips the geodata of successful GET and HEAD answers (GZIP_TYPES) for clients that accept it. Every such
    answer says Vary: Accept-Encoding; the gzipped one carries its own ETag (gzip_etag), which `conditional` and
    an OGC edit's If-Match know, so If-None-Match gets a 304 for either copy. The one home for compressing what
    the API sends (the vector tiles still compress and cache theirs in api/tiles/vector.py).

    A streamed body (the WFS's GetFeature, an export file) is compressed as it streams. Partial answers (206),
    answers already encoded, and bodies under GZIP_MIN_BYTES pass untouched."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method not in SAFE or response.status_code != 200:
            return response
        if response.get("Content-Type", "").split(";")[0].strip().lower() not in GZIP_TYPES:
            return response
        patch_vary_headers(response, ("Accept-Encoding",))
        if response.has_header("Content-Encoding") or not accepts_gzip(request):
            return response
        if response.streaming:
            if isinstance(response, FileResponse) and response.has_header("Content-Length"):
                if int(response["Content-Length"]) < GZIP_MIN_BYTES:
                    return response
            response.streaming_content = _gzip_stream(response.streaming_content, GZIP_LEVEL)
            del response["Content-Length"]
        else:
            if len(response.content) < GZIP_MIN_BYTES:
                return response
            compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
            response.content = compressor.compress(response.content) + compressor.flush()
            response["Content-Length"] = str(len(response.content))
        response["Content-Encoding"] = "gzip"
        if response.has_header("ETag"):
            response["ETag"] = gzip_etag(response["ETag"])
        return response
