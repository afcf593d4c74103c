"""The tiles' short way through Django (api/tiles/path.py): a cached tile of a login already checked costs no
query and none of the pages' middleware; a login that stops holding stops getting tiles at once (logout) or
within LOGIN_SECONDS (deactivated, a wrong password, a scope that shrinks), and everything else goes the long
way with its usual answer."""

# ruff: noqa: F811 (the fixtures imported from test_tiles_partner are test arguments here)

import time
from types import SimpleNamespace

import pytest
from django.core.cache import cache, caches
from django.core.cache.backends import locmem
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.tiles.path import TILE_POLICY
from api.tiles.vector import LAYERS, LOGIN_SECONDS, layer_version
from landreg.models import DataSharingAgreement
from tests.api.test_tiles import township_tile_url
from tests.api.test_tiles_partner import (  # noqa: F401 (fixtures)
    both_townships_tile,
    nangarhar_partner,
    provinces_shown,
    two_provinces,
)

GIS_BASIC = {"authorization": "Basic Z2lzOng="}  # gis:x, as QGIS sends it with every tile
WRONG_BASIC = {"authorization": "Basic Z2lzOnk="}  # gis:y
GZIP = {"accept-encoding": "gzip"}


@pytest.fixture(autouse=True)
def empty_tile_cache():
    cache.clear()
    yield
    cache.clear()


def versioned(path: str, layer: str = "plots") -> str:
    """The address as the map writes it, with the layer's current version."""
    return f"{path}?v={layer_version(LAYERS[layer])}"


def later(monkeypatch, seconds: float) -> None:
    """Move the in-process cache's clock on, so what it remembers for less than `seconds` expires."""
    assert isinstance(caches["default"], locmem.LocMemCache)
    moved = time.time() + seconds
    monkeypatch.setattr(locmem, "time", SimpleNamespace(time=lambda: moved))


@pytest.fixture
def session(client, users):
    client.force_login(users["gis"])
    return client


@pytest.mark.parametrize("credentials", ["session", "basic"])
def test_a_cached_tile_sends_no_query_and_an_uncached_one_two(
    client, users, plots, frame, credentials, django_assert_num_queries
):
    headers = {**GZIP, **(GIS_BASIC if credentials == "basic" else {})}
    if credentials == "session":
        client.force_login(users["gis"])
    path = versioned(township_tile_url(frame))
    first = client.get(path, headers=headers)  # the login's first tile checks it and decides its scope
    assert first.status_code == 200 and first["X-Tile-Cache"] == "miss"

    with django_assert_num_queries(0):
        cached = client.get(path, headers=headers)
    assert cached.status_code == 200 and cached["X-Tile-Cache"] == "hit"
    assert cached.content == first.content and cached["ETag"] == first["ETag"]
    assert cached["Content-Encoding"] == "gzip"

    # Another tile, not yet made: the layer's version and the tile, nothing for the login.
    other = versioned(township_tile_url(frame, z=17))
    with CaptureQueriesContext(connection) as queries:
        uncached = client.get(other, headers=headers)
    assert uncached["X-Tile-Cache"] == "miss"
    statements = [q["sql"] for q in queries.captured_queries]
    assert len(statements) == 2, statements
    assert "landreg_layer_versions" in statements[0] and "ST_AsMVT" in statements[1]


def test_the_short_way_skips_the_pages_middleware_and_keeps_the_security_headers(session, plots, frame):
    path = versioned(township_tile_url(frame))
    long_way = session.get(path)
    short_way = session.get(path)

    assert "nonce-" in long_way["Content-Security-Policy"]  # the pages' policy: the long way
    assert short_way["Content-Security-Policy"] == TILE_POLICY
    for response in (long_way, short_way):
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["X-Frame-Options"] == "DENY"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["Cache-Control"] == "private, max-age=60"
        assert "Cookie" in response["Vary"] and "Accept-Encoding" in response["Vary"]
    assert "Set-Cookie" not in short_way  # the session is read, never saved
    assert short_way.content == long_way.content


def test_an_unchanged_tile_is_not_sent_again(session, plots, frame, django_assert_num_queries):
    path = versioned(township_tile_url(frame))
    etag = session.get(path)["ETag"]
    with django_assert_num_queries(0):
        again = session.get(path, headers={"if-none-match": etag})
    assert again.status_code == 304 and again["ETag"] == etag and not again.content


def test_logging_out_ends_the_tiles_at_once(session, plots, frame):
    path = versioned(township_tile_url(frame))
    assert session.get(path).status_code == 200

    session.logout()

    refused = session.get(path)
    assert refused.status_code == 403 and "Log in to see the map tiles" in refused.json()["detail"]


@pytest.mark.parametrize("credentials", ["session", "basic"])
def test_a_deactivated_user_is_refused_within_the_login_time(client, users, plots, frame, credentials, monkeypatch):
    headers = GIS_BASIC if credentials == "basic" else {}
    if credentials == "session":
        client.force_login(users["gis"])
    path = versioned(township_tile_url(frame))
    assert client.get(path, headers=headers).status_code == 200
    users["gis"].is_active = False
    users["gis"].save()

    # Remembered for LOGIN_SECONDS (nothing clears it: each server process has its own cache) ...
    assert client.get(path, headers=headers).status_code == 200
    # ... and refused once that time has passed.
    later(monkeypatch, LOGIN_SECONDS + 1)
    assert client.get(path, headers=headers).status_code == 403


def test_a_wrong_password_is_never_let_through_by_a_remembered_one(client, users, plots, frame):
    path = versioned(township_tile_url(frame))
    assert client.get(path, headers=GIS_BASIC).status_code == 200

    assert client.get(path, headers=WRONG_BASIC).status_code == 403
    assert client.get(path, headers={"authorization": "Basic "}).status_code == 403
    assert client.get(path).status_code == 403


def test_a_partner_is_never_served_a_cached_tile_of_another_scope(
    client,
    users,
    nangarhar_partner,
    two_provinces,
    frame,
):
    path = versioned(both_townships_tile(frame, "plots"))
    gis = client.__class__()
    gis.force_login(users["gis"])
    assert provinces_shown(gis.get(path), "plots") == {"nangarhar", "herat"}
    assert provinces_shown(gis.get(path), "plots") == {"nangarhar", "herat"}  # cached under this version

    assert provinces_shown(nangarhar_partner.get(path), "plots") == {"nangarhar"}
    assert provinces_shown(nangarhar_partner.get(path), "plots") == {"nangarhar"}  # the short way


def test_a_partner_whose_agreement_ends_is_refused_within_the_login_time(
    users,
    nangarhar_partner,
    two_provinces,
    frame,
    monkeypatch,
):
    path = versioned(both_townships_tile(frame, "plots"))
    assert nangarhar_partner.get(path).status_code == 200
    DataSharingAgreement.objects.filter(users=users["partner"]).delete()

    assert nangarhar_partner.get(path).status_code == 200  # remembered ...
    later(monkeypatch, LOGIN_SECONDS + 1)
    refused = nangarhar_partner.get(path)
    assert refused.status_code == 403 and "not covered by any data-sharing agreement" in refused.json()["detail"]


def test_an_address_of_an_older_version_gets_that_versions_tile_while_it_is_cached(session, plots, frame):
    """The tile of an address never changes: one made at version v is that version's tile, whenever it is asked
    for; an address whose version is not in the cache gets the current tile, with the current ETag."""
    old_path = versioned(township_tile_url(frame))
    old = session.get(old_path)
    plots[0].township.name = "Renamed"
    plots[0].township.save()  # a new version of every layer drawing townships, plots among them

    assert session.get(old_path)["ETag"] == old["ETag"]  # still that version's tile
    current = session.get(versioned(township_tile_url(frame)))
    assert current["ETag"] != old["ETag"]
    unknown = session.get(township_tile_url(frame) + "?v=1:2.3.4.5")
    assert unknown["ETag"] == current["ETag"] and unknown.content == current.content


@pytest.mark.parametrize("version", ["x" * 5000, "1:2.3'; DROP TABLE x", "%00", "../../etc"])
def test_a_hostile_version_is_answered_with_the_current_tile(session, plots, frame, version):
    current = session.get(versioned(township_tile_url(frame)))
    response = session.get(township_tile_url(frame), {"v": version})
    assert response.status_code == 200 and response["ETag"] == current["ETag"]


@pytest.mark.parametrize(
    ("path", "status"),
    [("/tiles/roads/16/1/1.mvt", 404), ("/tiles/plots/16/70000/1.mvt", 400), ("/tiles/plots/23/1/1.mvt", 400)],
)
def test_a_bad_address_goes_the_long_way_with_its_sentence(session, plots, frame, path, status):
    session.get(versioned(township_tile_url(frame)))  # the login is known
    response = session.get(path)
    assert response.status_code == status and response.json()["detail"]
    assert "nonce-" in response["Content-Security-Policy"]
