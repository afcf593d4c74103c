"""The tile gate: nginx asks it, before serving a vector tile from its own cache, whether the client may have the
tile and under which cache key (docs/deploy.md, "The tile cache in nginx").

nginx (deploy/nginx/landreg.conf) keeps versioned tiles (`?v=<layer version>`, the URLs of the map's config) in
its cache, so a cached tile never reaches gunicorn. Authentication still holds, because every tile request first
makes an `auth_request` subrequest here, with the tile's address in `X-Original-URI`:

- no login (no session, no valid HTTP Basic): 403, and nginx hands the request to Django, which refuses it with its
  own sentence; a partner without an agreement sharing the layer's dataset (the township layout for the land
  layers, movement_figures or livelihood_opportunities for the published ones): 403 likewise;
- otherwise 204, with `X-Tile-Scope`: what the tile shows differs per login only by the provinces it is drawn for
  (`api.tiles.vector.tile_scope`), so nginx puts this mark in the cache key: `all` for every role but partner, the
  digest of the shared provinces for a partner (`scope_digest`). Two partners sharing the same provinces share
  tiles; a partner never gets a tile drawn for another scope;
- `X-Tile-Cacheable: 1` only when the address's `v` is the layer's current version: nginx stores the answer only
  then. A tile drawn now is at least as new as that version, so an entry is never older than its key, and nobody
  can fill the cache under a future version (with the tiles of today) before an edit brings it.

nginx remembers each answer for a few seconds per session cookie (never for Basic credentials, which would put
the password in a cache key; api.auth remembers those checks itself), so a map's burst of tiles costs one
question. The gate reads nothing personal and answers no body.

The alternative, signed tile URLs (`signed_tile_query`, nginx's secure_link), spares even that question: the page's
tile template carries a signature of the layer, version, scope and expiry, bound to the session cookie (so a URL
copied to another login, or to none, is refused), which nginx checks with the secret it shares with Django.
"""

import base64
import hashlib
import time
from urllib.parse import parse_qs, urlencode, urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.views.decorators.http import require_safe

from api.tiles.vector import LAYERS, LAYOUT_DATASET, layer_version, scope_digest, tile_scope, tiles_login

EVERY_PROVINCE_MARK = "all"


def _layer_and_version(original_uri: str) -> tuple[str, str]:
    """The layer name and the `v` of a tile address /tiles/<layer>/<z>/<x>/<y>.mvt?v=...; empty when absent."""
    parts = urlsplit(original_uri)
    segments = parts.path.split("/")
    layer = segments[2] if len(segments) == 6 and segments[1] == "tiles" else ""
    version = parse_qs(parts.query).get("v", [""])[0]
    return layer, version


@require_safe
@tiles_login  # no login: 403 (nginx passes on no body; the tile view it falls back to says what to do)
def tile_gate(request):
    """GET /tiles/gate: 204 with X-Tile-Scope and X-Tile-Cacheable for the tile in X-Original-URI; 403 refused."""
    name, version = _layer_and_version(request.headers.get("X-Original-URI", ""))
    layer = LAYERS.get(name)
    try:
        provinces = tile_scope(request, layer.dataset if layer else LAYOUT_DATASET)
    except PermissionDenied:
        return HttpResponse(status=403)
    response = HttpResponse(status=204)
    response["X-Tile-Scope"] = scope_digest(provinces) or EVERY_PROVINCE_MARK
    response["X-Tile-Cacheable"] = "1" if layer is not None and version and version == layer_version(layer) else "0"
    # The gate's answer depends on the login: no shared cache may keep it but nginx's own, keyed on the session.
    response["Cache-Control"] = "private, no-store"
    return response


def signed_tile_query(request, layer: str, version: str, *, now: float | None = None) -> str:
    """The query string of a signed tile URL /tiles/signed/<layer>/<z>/<x>/<y>.mvt?... for who asks (a session),
    valid for LANDREG_TILE_SIGNED_SECONDS: v, s (the scope mark, as the gate gives it), e (expiry, Unix seconds)
    and sig, nginx's secure_link_md5 of "e|layer|v|s|<session cookie>|<key>" (deploy/nginx/landreg.conf).

    Empty when signing is off (no LANDREG_TILE_SIGNING_KEY) or who asks has no session (HTTP Basic clients use
    the unsigned URLs). PermissionDenied for a partner without an agreement sharing the layer's dataset (tile_scope)."""
    key = settings.LANDREG_TILE_SIGNING_KEY
    session = request.session.session_key
    if not key or not session:
        return ""
    dataset = LAYERS[layer].dataset if layer in LAYERS else LAYOUT_DATASET
    scope = scope_digest(tile_scope(request, dataset)) or EVERY_PROVINCE_MARK
    expires = int((time.time() if now is None else now) + settings.LANDREG_TILE_SIGNED_SECONDS)
    signed = f"{expires}|{layer}|{version}|{scope}|{session}|{key}"
    signature = base64.urlsafe_b64encode(hashlib.md5(signed.encode()).digest()).decode().rstrip("=")  # noqa: S324
    # nginx signs $arg_v as it comes, undecoded: the version's colons and dots stay as they are.
    return urlencode({"v": version, "s": scope, "e": expires, "sig": signature}, safe=":.")
