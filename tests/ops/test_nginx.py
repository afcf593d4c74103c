"""nginx in front of gunicorn, with the shipped site file (deploy/nginx/landreg.conf, rendered by render.py): TLS, the
redirect to https, static files, uploads, and the tile cache that still authenticates (api/tiles/gate.py)."""

import base64
import socket
import time
from importlib import import_module
from urllib.parse import parse_qs

import mapbox_vector_tile
import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.db import connection
from django.test import Client, RequestFactory, override_settings

from api.tiles.gate import signed_tile_query
from api.tiles.vector import scope_digest
from landreg import roles
from landreg.services import user_create
from tests.api.test_tiles import township_tile_url
from tests.landreg.test_data_sharing import agreement_create
from tests.ops.nginx_stack import TILE_SIGNING_KEY, start_stack, stop_stack
from townships import services
from townships.selectors import layer_versions

pytestmark = pytest.mark.django_db(transaction=True)
BASIC = {"Authorization": "Basic " + base64.b64encode(b"gis:x").decode()}


@pytest.fixture(scope="module")
def stack(django_db_setup, django_db_blocker, tmp_path_factory):
    with django_db_blocker.unblock():
        name = connection.settings_dict["NAME"]
    stack = start_stack(tmp_path_factory.mktemp("nginx"), name)
    try:
        yield stack
    finally:
        stop_stack(stack)


_markers = iter(range(10**6))


def settled(stack) -> None:
    """Wait until gunicorn has logged every request answered so far: a request it answers after them (a marker)
    shows in its access log."""
    marker = f"/favicon.ico?settled={next(_markers)}"
    stack.https("GET", marker)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if marker in stack.gunicorn_log.read_text():
            time.sleep(0.05)  # the other worker's line of an earlier request, if any, is written by now
            return
        time.sleep(0.02)
    raise AssertionError("gunicorn never logged the marker request")


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def versioned(path: str, layer="plots") -> str:
    return f"{path}?v={layer_versions()[layer]}"


def features(body: bytes) -> dict:
    return {f["properties"]["number"]: f for f in mapbox_vector_tile.decode(body)["plots"]["features"]}


@pytest.fixture
def officer_cookie(users):
    return session_cookie(users["officer_nangarhar"])


# --- the gate on its own (Django's test client) ----------------------------------------------------------------


def gate(client, uri: str, **headers):
    return client.get("/tiles/gate", headers={"X-Original-URI": uri, **headers})


def test_the_gate_refuses_an_anonymous_client_and_a_partner_without_an_agreement(client, users, plots, frame):
    uri = versioned(township_tile_url(frame))
    anonymous = gate(client, uri)
    client.force_login(users["partner"])

    assert anonymous.status_code == 403
    assert gate(client, uri).status_code == 403


def test_the_gate_marks_the_scope_and_stores_only_the_current_version(client, users, plots, frame, provinces):
    path = township_tile_url(frame)
    client.force_login(users["officer_nangarhar"])

    current, future = gate(client, versioned(path)), gate(client, f"{versioned(path)}9")
    unversioned, unknown = gate(client, path), gate(client, versioned(path).replace("/plots/", "/nothing/"))

    assert current.status_code == 204
    assert current["X-Tile-Scope"] == "all" and current["X-Tile-Cacheable"] == "1"
    assert [r["X-Tile-Cacheable"] for r in (future, unversioned, unknown)] == ["0", "0", "0"]


def test_the_gate_gives_a_partner_the_mark_of_their_provinces(client, users, plots, frame, provinces):
    agreement_create(users=[users["partner"]], provinces=[provinces["nangarhar"]])
    client.force_login(users["partner"])

    answer = gate(client, versioned(township_tile_url(frame)))

    assert answer.status_code == 204
    assert answer["X-Tile-Scope"] == scope_digest(frozenset({provinces["nangarhar"].pk}))
    assert answer["X-Tile-Scope"] != "all"


def test_tile_urls_are_signed_only_with_a_key_and_for_a_session(users):
    request = RequestFactory().get("/")
    request.session, request.user = import_module(settings.SESSION_ENGINE).SessionStore(), users["gis"]
    request.session[SESSION_KEY] = str(users["gis"].pk)

    with override_settings(LANDREG_TILE_SIGNING_KEY="k"):
        without_session = signed_tile_query(request, "plots", "1")  # HTTP Basic clients use the unsigned URLs
        request.session.create()
        signed = parse_qs(signed_tile_query(request, "plots", "1", now=1_800_000_000))
    without_key = signed_tile_query(request, "plots", "1")

    assert without_session == "" and without_key == ""
    assert signed["s"] == ["all"] and signed["v"] == ["1"]
    assert int(signed["e"][0]) == 1_800_000_000 + settings.LANDREG_TILE_SIGNED_SECONDS  # the expiry it was asked for
    assert len(signed["sig"][0]) == 22  # an MD5 in base64url without padding, as nginx's secure_link reads it


# --- TLS, the redirect, static files, media, uploads -------------------------------------------------------------


def test_https_is_served_with_the_certificate_on_tls_1_2_or_newer_and_django_knows_it(stack):
    conn_context = stack.tls_context()
    with socket.create_connection(("127.0.0.1", stack.https_port)) as raw:
        with conn_context.wrap_socket(raw, server_hostname="localhost") as tls:
            assert tls.version() in {"TLSv1.2", "TLSv1.3"}

    response, _ = stack.https("GET", "/favicon.ico")

    # Django saw https through X-Forwarded-Proto (set by nginx): no redirect, and HSTS on the answer.
    assert response.status == 204
    assert response.getheader("Strict-Transport-Security", "").startswith("max-age=")


def test_plain_http_redirects_to_https(stack):
    response, _ = stack.http("GET", "/map/?township=NAN-TEST")

    assert response.status == 301
    assert response.getheader("Location") == f"https://localhost:{stack.https_port}/map/?township=NAN-TEST"


@pytest.mark.parametrize("path", ["/tiles/plots/16/0/0.mvt?v=1", "/ogc/collections", "/wfs/?SERVICE=WFS"])
def test_basic_credentials_over_plain_http_are_refused_not_redirected(stack, path):
    response, body = stack.http("GET", path, headers=BASIC)

    assert response.status == 403
    assert b"https://" in body
    assert response.getheader("Location") is None


def test_static_files_come_from_nginx_hashed_names_cached_for_a_year(stack):
    (stack.static_root / "landreg" / "map.0123456789ab.css").write_text("body { color: black }\n")
    (stack.static_root / "landreg" / "robots.txt").write_text("User-agent: *\n")
    before = stack.django_requests("/static/")

    hashed, body = stack.https("GET", "/static/landreg/map.0123456789ab.css")
    plain, _ = stack.https("GET", "/static/landreg/robots.txt")
    settled(stack)

    assert hashed.status == 200 and body == b"body { color: black }\n"
    assert "immutable" in hashed.getheader("Cache-Control")
    assert "max-age=31536000" in hashed.getheader("Cache-Control")
    assert plain.status == 200 and plain.getheader("Cache-Control") == "max-age=3600"
    assert stack.django_requests("/static/") == before


def test_media_files_are_never_served_from_disk(stack, officer_cookie):
    (stack.media_root / "photos").mkdir(exist_ok=True)
    (stack.media_root / "photos" / "house.jpg").write_bytes(b"a photo of a family's house")

    for headers in ({}, {"Cookie": officer_cookie}):
        response, body = stack.https("GET", "/media/photos/house.jpg", headers=headers)
        assert response.status == 404
        assert b"family" not in body


def test_an_upload_over_the_limit_gets_413_from_nginx_before_django(stack):
    from tests.ops.nginx_stack import MAX_UPLOAD_BYTES

    small, _ = stack.https("POST", "/api/v1/households/", headers={"Content-Type": "application/json"}, body=b"{}")
    settled(stack)
    reached = stack.gunicorn_log.read_text().count('"POST /api/v1/households/')
    too_large = MAX_UPLOAD_BYTES + 2 * 1024 * 1024

    with socket.create_connection(("127.0.0.1", stack.https_port)) as raw:
        with stack.tls_context().wrap_socket(raw, server_hostname="localhost") as tls:
            tls.sendall(
                b"POST /api/v1/households/ HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/octet-stream\r\n"
                + f"Content-Length: {too_large}\r\n\r\n".encode()
                + b"x" * 1024
            )
            status_line = tls.recv(4096).split(b"\r\n", 1)[0]
    settled(stack)

    assert small.status in (401, 403)  # a small body reaches Django, which asks for a login
    assert reached == 1
    assert status_line.split()[1] == b"413"
    assert stack.gunicorn_log.read_text().count('"POST /api/v1/households/') == 1


# --- the tile cache ------------------------------------------------------------------------------------------------


def test_a_versioned_tile_is_served_from_the_cache_without_reaching_django(stack, plots, frame, officer_cookie):
    path = versioned(township_tile_url(frame))
    before_tiles, before_gate = stack.django_requests("/tiles/plots/"), stack.django_requests("/tiles/gate")

    first, first_body = stack.https("GET", path, headers={"Cookie": officer_cookie})
    second, second_body = stack.https("GET", path, headers={"Cookie": officer_cookie})
    settled(stack)

    assert first.status == second.status == 200
    assert first.getheader("X-Cache-Status") == "MISS"
    assert second.getheader("X-Cache-Status") == "HIT"
    assert second_body == first_body and set(features(second_body)) == {"0", "1", "2"}
    assert stack.django_requests("/tiles/plots/") == before_tiles + 1
    # The gate was asked once: its answer is remembered a few seconds for the session.
    assert stack.django_requests("/tiles/gate") == before_gate + 1


def test_an_edit_gives_a_new_version_whose_url_is_a_miss(stack, plots, frame, officer_cookie):
    old = versioned(township_tile_url(frame))
    stack.https("GET", old, headers={"Cookie": officer_cookie})

    services.plot_update(plot=plots[1], number="1a")
    new = versioned(township_tile_url(frame))
    before = stack.django_requests("/tiles/plots/")
    response, body = stack.https("GET", new, headers={"Cookie": officer_cookie})
    settled(stack)

    assert new != old
    assert response.status == 200 and response.getheader("X-Cache-Status") == "MISS"
    assert stack.django_requests("/tiles/plots/") == before + 1
    assert set(features(body)) == {"0", "1a", "2"}


def test_a_version_that_is_not_current_is_never_stored(stack, plots, frame, officer_cookie):
    """Nobody fills the cache under a version to come, with the tiles of today."""
    current = layer_versions()["plots"]
    future = township_tile_url(frame) + f"?v={current}9"

    first, _ = stack.https("GET", future, headers={"Cookie": officer_cookie})
    second, _ = stack.https("GET", future, headers={"Cookie": officer_cookie})

    assert first.status == second.status == 200
    assert first.getheader("X-Cache-Status") == second.getheader("X-Cache-Status") == "MISS"


@pytest.mark.parametrize("cookie", [None, "sessionid=forged-session-key"])
def test_an_anonymous_client_gets_no_tile_even_when_it_is_cached(stack, plots, frame, officer_cookie, cookie):
    path = versioned(township_tile_url(frame))
    stack.https("GET", path, headers={"Cookie": officer_cookie})
    again, _ = stack.https("GET", path, headers={"Cookie": officer_cookie})
    assert again.getheader("X-Cache-Status") == "HIT"

    response, body = stack.https("GET", path, headers={"Cookie": cookie} if cookie else {})

    assert response.status == 403
    assert response.getheader("Content-Type") == "application/json"
    assert b"Log in" in body
    assert response.getheader("X-Cache-Status") is None


def test_a_partner_without_the_province_gets_no_tile_from_the_cache(stack, plots, frame, users, provinces):
    path = versioned(township_tile_url(frame))
    gis = {"Cookie": session_cookie(users["gis"])}
    stack.https("GET", path, headers=gis)
    assert stack.https("GET", path, headers=gis)[0].getheader("X-Cache-Status") == "HIT"
    agreement_create(users=[users["partner"]], provinces=[provinces["herat"]])
    outsider = user_create(username="partner.none", password="x", roles=[roles.PARTNER], national=True)

    herat_only, body = stack.https("GET", path, headers={"Cookie": session_cookie(users["partner"])})
    refused, sentence = stack.https("GET", path, headers={"Cookie": session_cookie(outsider)})

    # Drawn for the partner's own provinces (none of them here): an empty tile, never the cached one.
    assert herat_only.status == 204 and body == b""
    assert herat_only.getheader("X-Cache-Status") == "MISS"
    assert refused.status == 403 and b"agreement" in sentence
    assert refused.getheader("X-Cache-Status") is None


def test_a_partner_shares_the_cached_tiles_of_their_provinces_only_with_partners_of_the_same(
    stack, plots, frame, users, provinces
):
    path = versioned(township_tile_url(frame))
    agreement_create(users=[users["partner"]], provinces=[provinces["nangarhar"]])
    stack.https("GET", path, headers={"Cookie": session_cookie(users["gis"])})  # the officers' entry

    first, body = stack.https("GET", path, headers={"Cookie": session_cookie(users["partner"])})
    second, _ = stack.https("GET", path, headers={"Cookie": session_cookie(users["partner"])})

    assert first.getheader("X-Cache-Status") == "MISS"  # not the officers' entry: a key of its own
    assert second.getheader("X-Cache-Status") == "HIT"
    assert set(features(body)) == {"0", "1", "2"}


def test_unversioned_tiles_go_straight_to_django(stack, plots, frame, officer_cookie):
    """QGIS asks through TileJSON, without ?v=: Django's own cache and ETag serve those, never nginx's."""
    before = stack.django_requests("/tiles/plots/")

    answers = [stack.https("GET", township_tile_url(frame), headers={"Cookie": officer_cookie})[0] for _ in range(2)]
    settled(stack)

    assert [a.status for a in answers] == [200, 200]
    assert [a.getheader("X-Cache-Status") for a in answers] == [None, None]
    assert stack.django_requests("/tiles/plots/") == before + 2


# --- signed tile URLs (secure_link) --------------------------------------------------------------------------------


def signed(user, cookie: str, frame, *, now=None) -> str:
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key=cookie.split("=", 1)[1])
    request = RequestFactory().get("/")
    request.session, request.user = store, user
    assert store.get(SESSION_KEY) == str(user.pk)
    with override_settings(LANDREG_TILE_SIGNING_KEY=TILE_SIGNING_KEY):
        query = signed_tile_query(request, "plots", layer_versions()["plots"], now=now)
    return township_tile_url(frame).replace("/tiles/", "/tiles/signed/", 1) + "?" + query


def test_a_signed_tile_url_is_served_from_the_cache_for_its_session_only(stack, plots, frame, users):
    cookie = session_cookie(users["gis"])
    path = signed(users["gis"], cookie, frame)
    before_tiles, before_gate = stack.django_requests("/tiles/plots/"), stack.django_requests("/tiles/gate")

    first, _ = stack.https("GET", path, headers={"Cookie": cookie})
    second, body = stack.https("GET", path, headers={"Cookie": cookie})
    other_login, _ = stack.https("GET", path, headers={"Cookie": session_cookie(users["partner"])})
    anonymous, _ = stack.https("GET", path)
    tampered, _ = stack.https("GET", path.replace("&s=all&", "&s=p0123456789ab&"), headers={"Cookie": cookie})
    settled(stack)

    assert first.getheader("X-Cache-Status") == "MISS" and second.getheader("X-Cache-Status") == "HIT"
    assert set(features(body)) == {"0", "1", "2"}
    assert stack.django_requests("/tiles/plots/") == before_tiles + 1
    assert stack.django_requests("/tiles/gate") == before_gate  # no question to Django for a signed tile
    assert other_login.status == anonymous.status == tampered.status == 403


def test_an_expired_signed_tile_url_is_gone(stack, plots, frame, users):
    cookie = session_cookie(users["gis"])
    path = signed(users["gis"], cookie, frame, now=time.time() - 2 * settings.LANDREG_TILE_SIGNED_SECONDS)

    response, _ = stack.https("GET", path, headers={"Cookie": cookie})

    assert response.status == 410
