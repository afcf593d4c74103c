"""Vector tiles follow a partner's data-sharing agreement: only the provinces it shares the township layout for,
a refusal with the agreement's sentence without one, and never a tile cached for someone else. Officers and GIS
specialists are not province-bounded on the tiles (they carry no personal data), and pay no query for this."""

import datetime
import time
from types import SimpleNamespace

import mapbox_vector_tile
import pytest
from django.contrib.gis.geos import MultiPolygon
from django.core.cache import cache, caches
from django.core.cache.backends import locmem
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api.tiles.vector import LAYERS, SCOPE_TIMEOUT
from landreg import roles
from landreg.models import DataSharingAgreement
from landreg.services import user_create
from tests.api.test_tiles import tile_of, url
from tests.landreg.test_data_sharing import agreement_create
from townships import services

GIS_BASIC = {"authorization": "Basic Z2lzOng="}  # gis:x, as QGIS sends it with every tile


@pytest.fixture(autouse=True)
def empty_tile_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def two_provinces(plots, frame, provinces):
    """Beside the Nangarhar test township (0..500 m), a Herat township (600..900 m) with a block, a plot and a
    facility, a Nangarhar school, and both provinces' outlines: every layer has a feature of each province."""
    nangarhar = plots[0].township
    herat = services.township_create(
        code="HER-TEST",
        name="Herat test township",
        province=provinces["herat"],
        legal_basis="decree_305_2018",
        geom=MultiPolygon(frame.rect(600, 0, 300, 300)),
    )
    block = services.block_create(township=herat, code="H", geom=frame.rect(600, 0, 200, 100))
    services.plot_create(township=herat, block=block, number="H1", geom=frame.rect(600, 0, 20, 25))
    school = frame.rect(5, 5, 1, 1).centroid
    services.facility_create(township=nangarhar, kind="school", name="Nangarhar school", geom=school)
    clinic = frame.rect(605, 5, 1, 1).centroid
    services.facility_create(township=herat, kind="clinic", name="Herat clinic", geom=clinic)
    provinces["nangarhar"].geom = MultiPolygon(frame.rect(-5000, -5000, 5540, 10000))
    provinces["nangarhar"].save()
    provinces["herat"].geom = MultiPolygon(frame.rect(550, -5000, 5000, 10000))
    provinces["herat"].save()
    return {"nangarhar": nangarhar, "herat": herat}


# What each layer shows of each province, as (property, value) of one of its features.
MARKS = {
    "townships": ("code", {"nangarhar": "NAN-TEST", "herat": "HER-TEST"}),
    "township-points": ("code", {"nangarhar": "NAN-TEST", "herat": "HER-TEST"}),
    "blocks": ("township", {"nangarhar": "NAN-TEST", "herat": "HER-TEST"}),
    "plots": ("township", {"nangarhar": "NAN-TEST", "herat": "HER-TEST"}),
    "facilities": ("name", {"nangarhar": "Nangarhar school", "herat": "Herat clinic"}),
    "provinces": ("pcode", {"nangarhar": "AF06", "herat": "AF32"}),
}


def common_tile(frame, layer: str, *points) -> str:
    """The deepest tile of `layer` (at or above its minimum zoom) that holds every point (metres in `frame`)."""
    for z in range(LAYERS[layer].maxzoom, LAYERS[layer].minzoom - 1, -1):
        tiles = {tile_of(*frame.to_wgs.transform(frame.x0 + px, frame.y0 + py), z) for px, py in points}
        if len(tiles) == 1:
            return url(layer, z, *tiles.pop())
    raise AssertionError(f"no {layer} tile holds {points}")


def both_townships_tile(frame, layer: str) -> str:
    if layer == "township-points":  # a township is a point in its middle
        return common_tile(frame, layer, (250, 150), (750, 150))
    return common_tile(frame, layer, (10, 10), (610, 10))


def provinces_shown(response, layer: str) -> set[str]:
    """Which provinces' features a tile shows, by the marks above."""
    if response.status_code == 204:
        return set()
    assert response.status_code == 200, response.content
    prop, marks = MARKS[layer]
    features = mapbox_vector_tile.decode(response.content)[layer]["features"]
    values = {f["properties"][prop] for f in features}
    return {province for province, mark in marks.items() if mark in values}


def log_in(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def nangarhar_partner(client, users, provinces):
    agreement_create(users=[users["partner"]], provinces=[provinces["nangarhar"]])
    return log_in(client, users["partner"])


def test_a_partner_without_an_agreement_is_refused_tiles_and_tilejson_with_the_sentence(client, users, plots, frame):
    log_in(client, users["partner"])

    for path in (both_townships_tile(frame, "plots"), "/tiles/plots.json"):
        response = client.get(path)
        assert response.status_code == 403, path
        detail = response.json()["detail"]
        assert "not covered by any data-sharing agreement" in detail and "Ask the landreg administrator" in detail


def test_a_partner_whose_agreement_does_not_share_the_layout_is_refused_with_what_to_ask_for(
    client, users, provinces, plots, frame
):
    agreement_create(users=[users["partner"]], provinces=[provinces["nangarhar"]], datasets=["township_summary"])
    log_in(client, users["partner"])

    for path in (both_townships_tile(frame, "townships"), "/tiles/townships.json"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "does not include Township layout files" in response.json()["detail"]


@pytest.mark.parametrize("layer", list(MARKS))
def test_a_partner_sees_only_the_provinces_their_agreement_shares_and_an_officer_sees_both(
    client, nangarhar_partner, users, two_provinces, frame, layer
):
    path = both_townships_tile(frame, layer)

    assert provinces_shown(nangarhar_partner.get(path), layer) == {"nangarhar"}
    officer = log_in(client, users["officer_nangarhar"])  # bounded to Nangarhar elsewhere, not on the tiles
    assert provinces_shown(officer.get(path), layer) == {"nangarhar", "herat"}


def test_a_partner_of_herat_sees_no_nangarhar_feature(client, users, provinces, two_provinces, frame):
    agreement_create(users=[users["partner"]], provinces=[provinces["herat"]])
    log_in(client, users["partner"])

    assert provinces_shown(client.get(both_townships_tile(frame, "plots")), "plots") == {"herat"}
    nangarhar_only = url("plots", 18, *tile_of(*frame.to_wgs.transform(frame.x0 + 30, frame.y0 + 12), 18))
    assert client.get(nangarhar_only).status_code == 204


def test_the_tile_cache_is_never_shared_between_a_partner_an_officer_and_another_partner(
    client, users, provinces, two_provinces, frame
):
    path = both_townships_tile(frame, "plots")
    agreement_create(users=[users["partner"]], provinces=[provinces["nangarhar"]])
    herat_partner = user_create(username="partner.h", password="x", roles=[roles.PARTNER], national=True)
    agreement_create(users=[herat_partner], provinces=[provinces["herat"]], reference="DSA-2026-002")

    def get(user):
        response = log_in(client, user).get(path)
        return response["X-Tile-Cache"], response["ETag"], provinces_shown(response, "plots")

    officer_first = get(users["officer_nangarhar"])  # the officer's tile is cached first ...
    partner_first = get(users["partner"])  # ... and not served to the partner, whose tile is cached next
    officer_again, partner_again = get(users["officer_nangarhar"]), get(users["partner"])
    herat_first = get(herat_partner)

    assert officer_first[::2] == ("miss", {"nangarhar", "herat"}) and officer_again == ("hit", *officer_first[1:])
    assert partner_first[::2] == ("miss", {"nangarhar"}) and partner_again == ("hit", *partner_first[1:])
    assert herat_first[::2] == ("miss", {"herat"})
    assert len({officer_first[1], partner_first[1], herat_first[1]}) == 3
    # The officer's ETag does not make the partner's tile "not modified", nor the reverse.
    as_partner = log_in(client, users["partner"]).get(path, headers={"if-none-match": officer_first[1]})
    assert as_partner.status_code == 200 and provinces_shown(as_partner, "plots") == {"nangarhar"}
    as_officer = log_in(client, users["officer_nangarhar"]).get(path, headers={"if-none-match": partner_first[1]})
    assert as_officer.status_code == 200 and provinces_shown(as_officer, "plots") == {"nangarhar", "herat"}


@pytest.mark.parametrize("layer", ["townships", "plots", "facilities", "provinces"])
def test_tilejson_bounds_for_a_partner_are_those_of_the_shared_data(
    client, nangarhar_partner, users, provinces, two_provinces, layer
):
    nangarhar = {
        "townships": two_provinces["nangarhar"].geom,
        "plots": two_provinces["nangarhar"].geom,  # plots lie inside their townships, whose extent is summed
        "facilities": two_provinces["nangarhar"].facilities.get().geom,
        "provinces": provinces["nangarhar"].geom,
    }[layer].extent

    partner = nangarhar_partner.get(f"/tiles/{layer}.json").json()["bounds"]
    officer = log_in(client, users["officer_nangarhar"]).get(f"/tiles/{layer}.json").json()["bounds"]

    assert partner == pytest.approx(nangarhar, abs=1e-6)
    assert officer[2] > partner[2] + 0.001  # Herat's data lies 100 m or more east of Nangarhar's


def test_a_partner_whose_agreement_ends_is_refused_within_the_scope_timeout(
    nangarhar_partner, users, two_provinces, frame, monkeypatch
):
    path = both_townships_tile(frame, "plots")
    assert nangarhar_partner.get(path).status_code == 200
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    DataSharingAgreement.objects.filter(users=users["partner"]).update(valid_until=yesterday)

    # The scope is remembered for SCOPE_TIMEOUT seconds (nothing clears it when an agreement changes) ...
    assert nangarhar_partner.get(path).status_code == 200
    # ... and once that time has passed, the partner is refused with the sentence that says why.
    assert isinstance(caches["default"], locmem.LocMemCache)  # whose clock is moved on here, for the expiry
    later = time.time() + SCOPE_TIMEOUT + 1
    monkeypatch.setattr(locmem, "time", SimpleNamespace(time=lambda: later))
    for refused in (nangarhar_partner.get(path), nangarhar_partner.get("/tiles/plots.json")):
        assert refused.status_code == 403
        assert f"ended on {yesterday.isoformat()}; it must be renewed first" in refused.json()["detail"]


def test_a_partner_given_an_agreement_is_served_at_once(client, users, provinces, plots, frame):
    """A refusal is not remembered."""
    log_in(client, users["partner"])
    path = both_townships_tile(frame, "plots")
    assert client.get(path).status_code == 403

    agreement_create(users=[users["partner"]], provinces=[provinces["nangarhar"]])

    assert client.get(path).status_code == 200


def test_a_partner_session_that_no_longer_holds_is_refused_not_shown_every_province(
    client, users, plots, frame, settings
):
    # pghistory's middleware loads the user on a GET, which ends such a session before the tile view runs;
    # the tiles must not rely on it.
    settings.PGHISTORY_MIDDLEWARE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
    log_in(client, users["partner"])
    users["partner"].set_password("changed")  # the session's hash no longer matches: Django logs it out
    users["partner"].save()

    response = client.get(both_townships_tile(frame, "plots"))

    assert response.status_code == 403 and "Log in" in response.json()["detail"]


@pytest.mark.parametrize("who", ["officer session", "gis basic"])
def test_a_cached_tile_for_a_non_partner_costs_no_query_more_than_before(client, users, plots, frame, who):
    """Before partners followed their agreement, a cached tile cost two queries: the user (loaded by pghistory's
    middleware for a session, checked by the Basic login cache for Basic) and the layer version."""
    headers = GIS_BASIC if who == "gis basic" else {}
    if who == "officer session":
        log_in(client, users["officer_nangarhar"])
    first = client.get(both_townships_tile(frame, "plots"), headers=headers)
    assert first.status_code == 200

    with CaptureQueriesContext(connection) as cached:
        again = client.get(both_townships_tile(frame, "plots"), headers=headers)
    with CaptureQueriesContext(connection) as other_tile:  # a tile not cached yet: the scope is
        another = client.get(common_tile(frame, "plots", (300, 200)), headers=headers)

    assert again["X-Tile-Cache"] == "hit" and another.status_code in (200, 204)
    assert len(cached.captured_queries) <= 2, [q["sql"] for q in cached.captured_queries]
    for query in cached.captured_queries + other_tile.captured_queries:  # roles and agreements are not asked again
        assert "auth_group" not in query["sql"] and "landreg_datasharingagreement" not in query["sql"], query["sql"]
