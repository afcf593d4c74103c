"""The request path stays light: how many statements a typical request runs (the user with their roles and scope in
one query, no history context on reads), a role or scope change seen by the next request, and geodata gzipped for
the clients that accept it, each encoding with its own ETag."""

import base64
import gzip
import json
import re

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.http import accepts_gzip, gzip_etag, held_etag
from landreg import roles
from landreg.history import history_of
from landreg.models import UserScope
from landreg.roles import access_of
from landreg.scope import province_ids_in_scope, township_ids_in_scope
from landreg.services import user_create
from townships import services as township_services

ITEMS = "/ogc/collections/plots/items?limit=100"
GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}


@pytest.fixture
def layout(township, plots, frame):
    """The three plots of block A and eight more in block B: an items page of about 4 KB."""
    for i in range(8):
        township_services.plot_create(
            township=township,
            block=township.block_b,
            number=f"B{i}",
            geom=frame.rect(220 + (i % 4) * 25, (i // 4) * 30, 25, 30),
            status="available",
        )
    return township


def statements(ctx) -> str:
    return "\n".join(f"{n}. {q['sql'][:160]}" for n, q in enumerate(ctx.captured_queries, 1))


def basic(username: str, password: str = "x") -> dict:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()}


# --- statements a request ----------------------------------------------------------------------------------------


def test_roles_and_scope_of_a_user_are_one_query(users, provinces, django_assert_num_queries):
    from django.contrib.auth import get_user_model

    officer = get_user_model().objects.get(username="officer.n")  # a fresh object, as each request loads
    with django_assert_num_queries(1):
        assert roles.has_role(officer, roles.LAND_OFFICER)
        assert not roles.has_role(officer, roles.COMMITTEE_MEMBER)
        assert province_ids_in_scope(officer) == {provinces["nangarhar"].pk}
        assert township_ids_in_scope(officer) is None
    gis = get_user_model().objects.get(username="gis")
    with django_assert_num_queries(1):
        assert province_ids_in_scope(gis) is None  # national
        assert roles.has_role(gis, roles.GIS_SPECIALIST)


def test_a_user_without_a_scope_sees_no_province_and_keeps_their_roles(db):
    from django.contrib.auth import get_user_model

    user = user_create(username="noscope", password="x", roles=[roles.LAND_OFFICER])
    UserScope.objects.filter(user=user).delete()
    fresh = get_user_model().objects.get(pk=user.pk)
    assert province_ids_in_scope(fresh) == set() and township_ids_in_scope(fresh) is None
    assert access_of(fresh).roles == {roles.LAND_OFFICER} and not access_of(fresh).has_scope


def test_an_ogc_items_page_runs_two_statements(client, users, layout, django_assert_max_num_queries):
    client.force_login(users["gis"])
    # The user with roles and scope, and the page; no history context on a read. The test's own transaction adds
    # a savepoint around the page (SAVEPOINT, RELEASE), which a request in autocommit does not run.
    with django_assert_max_num_queries(4) as ctx:
        response = client.get(ITEMS)
    assert response.status_code == 200 and response.json()["numberReturned"] == 11
    assert len([q for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"]]) == 2, statements(ctx)


def test_an_ogc_item_page_over_http_basic_loads_the_user_with_roles_and_scope_in_one_query(
    client, users, layout, django_assert_max_num_queries
):
    plot = layout.plots.order_by("pk").first()
    client.get(ITEMS, **basic("gis"))  # the first Basic request checks the password; later ones remember it
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"/ogc/collections/plots/items/{plot.pk}", **basic("gis"))
    assert response.status_code == 200
    user_queries = [q["sql"] for q in ctx.captured_queries if 'FROM "auth_user"' in q["sql"]]
    assert len(user_queries) == 1 and "auth_group" in user_queries[0], statements(ctx)
    assert len(ctx.captured_queries) <= 3, statements(ctx)  # the user, the plot with its township, its feature


def test_a_session_from_the_login_form_loads_the_user_with_roles_and_scope_in_one_query(client, users, layout):
    response = client.post("/login/", {"username": "gis", "password": "x"})
    assert response.status_code == 302, response.content
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(ITEMS).status_code == 200
    reads = [q["sql"] for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(reads) == 2 and "auth_group" in reads[0], statements(ctx)  # the user with roles and scope, the page


def test_a_rest_household_list_runs_five_statements(client, users, make_household, django_assert_max_num_queries):
    make_household()
    make_household()
    client.force_login(users["officer_nangarhar"])
    # the session, the user with roles and scope, the count, the page, the personal-data access log
    with django_assert_max_num_queries(5):
        response = client.get("/api/v1/households/")
    assert response.status_code == 200 and response.json()["count"] == 2


def test_a_read_carries_no_history_context_and_loads_no_user(client, users, layout):
    """pghistory's middleware tracks only the methods that write: a tile or a page costs no user query for it."""
    client.force_login(users["gis"])
    client.get("/tiles/plots/16/45000/26000.mvt")  # the first tile of a login checks it once (api.auth.logged_in)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/tiles/plots/16/45000/26001.mvt")
    assert response.status_code in (200, 204)
    assert not [q for q in ctx.captured_queries if "pghistory" in q["sql"] or 'FROM "auth_user"' in q["sql"]], (
        statements(ctx)
    )


def test_a_write_still_records_who_made_it_and_from_which_url(client, users, layout):
    plot = layout.plots.order_by("pk").first()
    url = f"/ogc/collections/plots/items/{plot.pk}"
    client.force_login(users["gis"])
    etag = client.get(url, **GZIP)["ETag"]  # the gzipped copy's ETag is good for If-Match too
    assert etag.endswith('-gzip"')
    response = client.patch(
        url,
        json.dumps({"type": "Feature", "properties": {"number": "10"}}),
        content_type="application/merge-patch+json",
        HTTP_IF_MATCH=etag,
    )
    assert response.status_code == 200, response.content
    last = history_of(plot)[-1]
    assert (last["action"], last["user"], last["url"]) == ("update", "gis", url)


# --- a change of role or scope is seen by the next request -------------------------------------------------------


def test_a_scope_change_is_seen_by_the_next_request(client, users, provinces, make_household):
    officer = users["officer_nangarhar"]
    make_household(province="nangarhar")
    client.force_login(officer)
    assert client.get("/api/v1/households/").json()["count"] == 1
    officer.scope.provinces.set([provinces["herat"]])
    assert client.get("/api/v1/households/").json()["count"] == 0


def test_a_role_change_is_seen_by_the_next_request(client, users, make_household):
    officer = users["officer_nangarhar"]
    make_household()
    client.force_login(officer)
    assert client.get("/api/v1/households/").status_code == 200
    officer.groups.set([Group.objects.get(name=roles.PARTNER)])
    assert client.get("/api/v1/households/").status_code == 403


def test_a_scope_change_is_seen_by_the_next_basic_request(client, users, provinces, layout):
    gis = users["gis"]
    assert client.get(ITEMS, **basic("gis")).json()["numberReturned"] == 11
    gis.scope.national = False
    gis.scope.save()
    gis.scope.provinces.set([provinces["herat"]])
    assert client.get(ITEMS, **basic("gis")).json()["numberReturned"] == 0


# --- gzip ----------------------------------------------------------------------------------------------------------


def test_accept_encoding_is_read_as_http_says():
    class Asking:
        def __init__(self, value):
            self.headers = {"Accept-Encoding": value}

    assert accepts_gzip(Asking("gzip")) and accepts_gzip(Asking("deflate, GZIP;q=0.5")) and accepts_gzip(Asking("*"))
    assert not accepts_gzip(Asking("")) and not accepts_gzip(Asking("identity"))
    assert not accepts_gzip(Asking("gzip;q=0")) and not accepts_gzip(Asking("x-gzip-like, br"))
    assert gzip_etag('"v1"') == '"v1-gzip"' and gzip_etag('W/"v1"') == 'W/"v1-gzip"'
    assert held_etag('"v1"', '"a", W/"v1-gzip"') == '"v1-gzip"' and held_etag('"v1"', '"v2"') is None


def test_an_items_page_is_gzipped_for_a_client_that_accepts_it(client, users, layout):
    client.force_login(users["gis"])
    plain = client.get(ITEMS)
    zipped = client.get(ITEMS, **GZIP)
    assert "Content-Encoding" not in plain and plain["Vary"].count("Accept-Encoding") == 1
    assert zipped["Content-Encoding"] == "gzip" and "Accept-Encoding" in zipped["Vary"]
    assert gzip.decompress(zipped.content) == plain.content
    assert int(zipped["Content-Length"]) == len(zipped.content) < len(plain.content) / 3
    refusing = client.get(ITEMS, HTTP_ACCEPT_ENCODING="gzip;q=0, identity")
    assert "Content-Encoding" not in refusing and refusing.content == plain.content


def test_an_item_has_an_etag_per_encoding_and_a_304_for_each(client, users, layout):
    plot = layout.plots.order_by("pk").first()
    url = f"/ogc/collections/plots/items/{plot.pk}"
    client.force_login(users["gis"])
    plain, zipped = client.get(url), client.get(url, **GZIP)
    assert zipped["Content-Encoding"] == "gzip" and zipped["ETag"] == gzip_etag(plain["ETag"]) != plain["ETag"]
    assert json.loads(gzip.decompress(zipped.content)) == plain.json()
    again_zipped = client.get(url, HTTP_IF_NONE_MATCH=zipped["ETag"], **GZIP)
    assert again_zipped.status_code == 304 and again_zipped["ETag"] == zipped["ETag"]
    assert "Accept-Encoding" in again_zipped["Vary"] and not again_zipped.content
    again_plain = client.get(url, HTTP_IF_NONE_MATCH=plain["ETag"])
    assert again_plain.status_code == 304 and again_plain["ETag"] == plain["ETag"]
    type(plot).objects.filter(pk=plot.pk).update(number="1a")  # someone changes it
    changed = client.get(url, HTTP_IF_NONE_MATCH=zipped["ETag"], **GZIP)
    assert changed.status_code == 200 and changed["ETag"] != zipped["ETag"]


def test_a_refusal_and_an_edit_are_not_gzipped(client, users, layout):
    assert "Content-Encoding" not in client.get(ITEMS, **GZIP)  # a 401 problem document
    client.force_login(users["gis"])
    response = client.post(
        "/ogc/collections/plots/items", "{}", content_type="application/geo+json", HTTP_ACCEPT_ENCODING="gzip"
    )
    assert response.status_code == 400 and "Content-Encoding" not in response


def test_the_wfs_streams_its_features_gzipped(client, users, layout):
    client.force_login(users["gis"])
    url = "/wfs/?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=plots"
    plain = client.get(url)
    zipped = client.get(url, **GZIP)
    plain_body = b"".join(plain.streaming_content) if plain.streaming else plain.content
    zipped_body = b"".join(zipped.streaming_content) if zipped.streaming else zipped.content
    assert zipped["Content-Encoding"] == "gzip" and "Accept-Encoding" in zipped["Vary"]
    assert not zipped.has_header("Content-Length")

    def stamped(body: bytes) -> bytes:  # the two answers differ only in when they were made
        return re.sub(rb'timeStamp="[^"]*"', b"", body)

    assert stamped(gzip.decompress(zipped_body)) == stamped(plain_body) and plain_body.count(b"gml:id=") >= 11
    assert len(zipped_body) < len(plain_body) / 3


@pytest.mark.django_db(transaction=True)  # ogr2ogr reads the township from its own connection
def test_a_geojson_export_is_gzipped_as_it_streams(client, users, layout):
    client.force_login(users["gis"])
    url = "/api/v1/exports/townships/NAN-TEST.geojson"
    plain, zipped = client.get(url), client.get(url, **GZIP)
    assert plain.status_code == zipped.status_code == 200
    plain_body = b"".join(plain.streaming_content)
    zipped_body = b"".join(zipped.streaming_content)
    assert zipped["Content-Encoding"] == "gzip" and "Accept-Encoding" in zipped["Vary"]
    assert zipped["Content-Disposition"] == plain["Content-Disposition"]
    assert json.loads(gzip.decompress(zipped_body))["features"] == json.loads(plain_body)["features"]
    assert len(json.loads(plain_body)["features"]) == 11 and len(zipped_body) < len(plain_body) / 3


# --- an allocation ---------------------------------------------------------------------------------------------------


def test_proposing_and_approving_an_allocation_run_at_most_9_statements_each(client, users, plots, make_household):
    """A proposal: the user with roles and scope, the household, the access log, BEGIN, the plot with whether it is
    held, the allocation, its first step, COMMIT, the steps for the answer. An approval: the user, the allocation
    in scope, BEGIN, the allocation locked, its update, the step, COMMIT, the steps. (Within a test's transaction
    BEGIN and COMMIT are a SAVEPOINT and its RELEASE.) The list is shown when it fails."""
    household = make_household()
    client.force_login(users["officer_nangarhar"])
    with CaptureQueriesContext(connection) as ctx:
        proposed = client.post(
            "/api/v1/allocations/", {"household": household.pk, "plot": plots[0].pk}, content_type="application/json"
        )
    assert proposed.status_code == 201, proposed.content
    assert len(ctx.captured_queries) <= 9, statements(ctx)
    client.force_login(users["committee"])
    with CaptureQueriesContext(connection) as ctx:
        approved = client.post(
            f"/api/v1/allocations/{proposed.json()['id']}/approve/",
            {"reference": "CMT-1"},
            content_type="application/json",
        )
    assert approved.json()["status"] == "approved"
    assert len(ctx.captured_queries) <= 9, statements(ctx)


def test_an_allocation_request_loads_the_user_roles_and_scope_once(client, users, plots, make_household):
    """What the request path owes an allocation: one statement for the user with their roles and scope, however
    many times the view, the service and the serializer ask. The full list is shown when it fails."""
    household = make_household()
    client.force_login(users["officer_nangarhar"])
    with CaptureQueriesContext(connection) as ctx:
        proposed = client.post(
            "/api/v1/allocations/", {"household": household.pk, "plot": plots[0].pk}, content_type="application/json"
        )
    assert proposed.status_code == 201, proposed.content
    access = [
        q["sql"]
        for q in ctx.captured_queries
        if any(t in q["sql"] for t in ('FROM "auth_group"', '"landreg_userscope', 'FROM "parcels_adminarea" INNER'))
    ]
    assert len(access) == 1 and 'FROM "auth_user"' in access[0], statements(ctx)


def test_the_requesting_user_is_loaded_by_one_statement_compiled_once(users, provinces, django_assert_num_queries):
    """api.auth.user_with_access sends the statement the ORM compiles from landreg.roles.access_annotations, with the
    same user and the same roles and scope; an unknown or malformed id is nobody."""
    from django.contrib.auth import get_user_model

    from api.auth import LockoutBackend, user_with_access
    from landreg.roles import access_annotations

    officer = users["officer_nangarhar"]
    with django_assert_num_queries(1):
        loaded = user_with_access(str(officer.pk))  # a session holds the id as text
        assert access_of(loaded).roles == {roles.LAND_OFFICER}
        assert province_ids_in_scope(loaded) == {provinces["nangarhar"].pk}
    by_orm = get_user_model().objects.annotate(**access_annotations()).get(pk=officer.pk)
    assert {f.attname: getattr(loaded, f.attname) for f in by_orm._meta.concrete_fields} == {
        f.attname: getattr(by_orm, f.attname) for f in by_orm._meta.concrete_fields
    }
    assert access_of(loaded) == access_of(by_orm) and not loaded._state.adding
    assert user_with_access(987654) is None and user_with_access("1; DROP TABLE auth_user") is None
    officer.is_active = False
    officer.save()
    assert user_with_access(officer.pk) is not None and LockoutBackend().get_user(officer.pk) is None
