"""Reads on a streaming replica (landreg.routers, scripts/replica.sh; docs/deploy.md, "A read replica").

A real replica of the test cluster, started by the script with `pg_basebackup -R`: a tile request is served by
it, a write goes to the primary, and the writer reads its own write at once (from the primary) while the replica
has not replayed it. Then the router's decisions on their own, with no replica.
"""

import base64
import copy
import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import mapbox_vector_tile
import psycopg2
import pytest
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from allocations.models import Allocation
from landreg import routers
from tests.api.test_tiles import township_tile_url
from townships.models import Plot
from townships.selectors import MAP_LAYER_TABLES

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "replica.sh"
APPLICATION_NAME = "landreg-replica-test"
MIDDLEWARE = "landreg.routers.ReplicaMiddleware"


@contextmanager
def superuser(folder: str):
    """psql's way in: the cluster superuser over the socket in `folder` (trust, as scripts/devenv.sh sets up)."""
    conn = psycopg2.connect(host=folder, user="postgres", dbname="postgres")
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            yield cursor
    finally:
        conn.close()


def wait_for_replay(folder: str, timeout: float = 30) -> None:
    """Until the replica has replayed everything the primary has written so far."""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        lsn = cursor.fetchone()[0]
    deadline = time.monotonic() + timeout
    with superuser(folder) as cursor:
        while True:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn])
            if cursor.fetchone()[0]:
                return
            assert time.monotonic() < deadline, f"the replica has not replayed {lsn} in {timeout} s"
            time.sleep(0.05)


def with_replica_middleware(middleware: list[str]) -> list[str]:
    at = middleware.index("pghistory.middleware.HistoryMiddleware") + 1  # where landreg/settings.py puts it
    return [*middleware[:at], MIDDLEWARE, *middleware[at:]]


@pytest.fixture
def replica(transactional_db, settings):
    """A replica of the test cluster, and a `replica` alias reading the test database on it, configured as
    DATABASE_REPLICA_URL would (router, middleware); stopped and removed at the end."""
    primary = os.environ.get("LANDREG_PGHOST")
    assert primary, "LANDREG_PGHOST names the private cluster to copy (make test sets it from .data/env)"
    folder = primary.rstrip("/") + "-replica-test"
    env = {**os.environ, "LANDREG_REPLICA_PGDATA": folder}
    subprocess.run([SCRIPT, "remove"], env=env, check=True, capture_output=True)  # left by an interrupted run
    started = subprocess.run([SCRIPT, "start"], env=env, capture_output=True, text=True, timeout=60)
    assert started.returncode == 0, started.stderr

    default = connections[DEFAULT_DB_ALIAS].settings_dict
    alias = copy.deepcopy(default)  # NAME is the test database's
    alias["HOST"] = folder
    alias["OPTIONS"]["application_name"] = APPLICATION_NAME
    alias["TEST"] = {**alias["TEST"], "MIRROR": DEFAULT_DB_ALIAS}  # never flushed at the end: it is read-only
    connections.settings[routers.REPLICA] = alias
    settings.DATABASE_ROUTERS = ["landreg.routers.ReplicaRouter"]
    settings.MIDDLEWARE = with_replica_middleware(settings.MIDDLEWARE)
    settings.LANDREG_REPLICA_STICKY_SECONDS = 60
    # pytest-django lets a test open connections only to the aliases it had at its start, and this one is added
    # during the test: the fixture opens it itself (the test client's requests then keep it open).
    connections[routers.REPLICA].connect()
    try:
        yield folder
    finally:
        if hasattr(connections._connections, routers.REPLICA):
            connections[routers.REPLICA].close()
            del connections[routers.REPLICA]
        del connections.settings[routers.REPLICA]
        subprocess.run([SCRIPT, "remove"], env=env, check=True, capture_output=True)


def plot_statuses(response) -> dict[str, str]:
    assert response.status_code == 200, response.content
    features = mapbox_vector_tile.decode(response.content)["plots"]["features"]
    return {f["properties"]["number"]: f["properties"]["status"] for f in features}


def tile_queries(captured) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if "ST_AsMVT" in q["sql"]]


@pytest.mark.slow
def test_tiles_read_the_replica_writes_go_to_the_primary_and_the_writer_reads_its_write(
    replica, plots, frame, users, make_household
):
    officer, other = Client(), Client()
    officer.force_login(users["officer_nangarhar"])
    other.force_login(users["gis"])
    household = make_household()
    url = township_tile_url(frame)
    wait_for_replay(replica)  # the rows above are committed (transactional_db) and now on the replica too

    # A tile is made by the replica.
    cache.clear()
    with (
        CaptureQueriesContext(connections[routers.REPLICA]) as on_replica,
        CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_primary,
    ):
        assert plot_statuses(officer.get(url)) == {"0": "available", "1": "available", "2": "available"}
    assert tile_queries(on_replica) and not tile_queries(on_primary)
    with superuser(replica) as cursor:  # the replica's own view of who asked
        cursor.execute("SELECT datname, query FROM pg_stat_activity WHERE application_name = %s", [APPLICATION_NAME])
        sessions = cursor.fetchall()
    assert [name for name, _ in sessions] == [connections[DEFAULT_DB_ALIAS].settings_dict["NAME"]]
    assert "ST_AsMVT" in sessions[0][1]
    with connections[routers.REPLICA].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery(), current_database()")
        assert cursor.fetchone() == (True, connections[DEFAULT_DB_ALIAS].settings_dict["NAME"])

    # The replica stops replaying, so it provably lacks what is written next.
    with superuser(replica) as cursor:
        cursor.execute("SELECT pg_wal_replay_pause()")

    # A write through the API goes to the primary.
    with (
        CaptureQueriesContext(connections[routers.REPLICA]) as on_replica,
        CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_primary,
    ):
        proposed = officer.post(
            "/api/v1/allocations/", {"household": household.pk, "plot": plots[0].pk}, content_type="application/json"
        )
    assert proposed.status_code == 201, proposed.content
    assert any('INSERT INTO "allocations_allocation"' in q["sql"] for q in on_primary.captured_queries)
    assert not on_replica.captured_queries
    assert Allocation.objects.using(DEFAULT_DB_ALIAS).filter(plot=plots[0]).exists()

    # The writer's next tile shows the write at once: it is read from the primary.
    cache.clear()
    with (
        CaptureQueriesContext(connections[routers.REPLICA]) as on_replica,
        CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_primary,
    ):
        after = plot_statuses(officer.get(url))
    assert after["0"] != "available"
    assert tile_queries(on_primary) and not on_replica.captured_queries

    # Another user still reads the replica, which has not replayed the write yet.
    cache.clear()
    with CaptureQueriesContext(connections[routers.REPLICA]) as on_replica:
        assert plot_statuses(other.get(url))["0"] == "available"
    assert tile_queries(on_replica)

    # Once the replica replays it, everyone sees it.
    with superuser(replica) as cursor:
        cursor.execute("SELECT pg_wal_replay_resume()")
    wait_for_replay(replica)
    cache.clear()
    assert plot_statuses(other.get(url)) == after


def plots_layer_version(alias: str) -> str:
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT landreg_layer_versions(%s)", [list(MAP_LAYER_TABLES["plots"])])
        return cursor.fetchone()[0]


@pytest.mark.slow
def test_a_layer_version_read_on_the_replica_changes_when_its_plots_change(replica, plots):
    """Sequences reach the WAL only every 32 values, so a replica's sequence values stand still while its plots
    change; the version read there carries the replayed WAL position too (townships/sql/0013)."""
    wait_for_replay(replica)
    before = plots_layer_version(routers.REPLICA)
    for status in ("disputed", "available"):
        Plot.objects.filter(pk=plots[1].pk).update(status=status)
        wait_for_replay(replica)
        after = plots_layer_version(routers.REPLICA)
        assert after != before, "the plots changed on the replica, their layer version did not"
        before = after


# The router's decisions, with no replica.


def user(name: str = "", authenticated: bool = False):
    return SimpleNamespace(is_authenticated=authenticated, get_username=lambda: name)


def decide(method: str, path: str, **extra) -> bool:
    who = extra.pop("user", user())
    middleware = routers.ReplicaMiddleware(lambda request: None)
    request = RequestFactory().generic(method, path, **extra)
    request.user = who
    return middleware.reads_from_replica(request)


@pytest.mark.parametrize(
    "method, path, replica",
    [
        ("GET", "/tiles/plots/16/45600/26000.mvt", True),
        ("HEAD", "/tiles/plots.json", True),
        ("GET", "/ogc", True),
        ("GET", "/ogc/collections/plots/items", True),
        ("GET", "/wfs/", True),
        ("GET", "/api/v1/exports/townships/NAN-TEST.csv", True),
        ("GET", "/townships/NAN-TEST/dashboard/", True),
        ("GET", "/api/v1/map/versions/", False),  # the map's layer versions: always the primary
        ("GET", "/api/v1/households/", False),
        ("GET", "/", False),
        ("GET", "/ogcx/", False),
        ("POST", "/wfs/", False),  # WFS-T and every other write
        ("OPTIONS", "/tiles/plots.json", False),
    ],
)
def test_which_requests_read_from_the_replica(method, path, replica):
    assert decide(method, path) is replica


def test_after_a_write_the_same_user_reads_from_the_primary_for_a_while(settings):
    settings.LANDREG_REPLICA_STICKY_SECONDS = 10
    cache.delete(routers._sticky_key("officer.n"))
    middleware = routers.ReplicaMiddleware(lambda request: SimpleNamespace(set_cookie=lambda *a, **k: None))
    tile = "/tiles/plots/16/45600/26000.mvt"
    try:
        write = RequestFactory().post("/api/v1/allocations/")
        write.user = user("officer.n", authenticated=True)
        middleware(write)
        assert not decide("GET", tile, user=user("officer.n", authenticated=True))
        basic = "Basic " + base64.b64encode(b"officer.n:secret").decode()
        assert not decide("GET", tile, HTTP_AUTHORIZATION=basic)  # the same user by HTTP Basic
        assert decide("GET", tile, user=user("officer.h", authenticated=True))  # someone else
        assert not decide("GET", tile, HTTP_COOKIE=f"{routers.STICKY_COOKIE}=1")  # the browser's cookie
    finally:
        cache.delete(routers._sticky_key("officer.n"))


def test_writes_and_migrations_stay_on_the_primary_and_reads_need_a_configured_replica():
    router = routers.ReplicaRouter()
    assert router.db_for_write(Allocation) == DEFAULT_DB_ALIAS
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "allocations") is True
    assert router.allow_migrate(routers.REPLICA, "allocations") is False
    assert router.db_for_read(Allocation) == DEFAULT_DB_ALIAS
    with routers.read_from_replica():
        assert router.db_for_read(Allocation) == DEFAULT_DB_ALIAS  # no replica configured here
        assert router.db_for_write(Allocation) == DEFAULT_DB_ALIAS


def test_without_a_replica_url_the_settings_are_as_before():
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_REPLICA_URL"}
    show = (
        "from landreg import settings as s; "
        f"print(sorted(s.DATABASES), getattr(s, 'DATABASE_ROUTERS', []), {MIDDLEWARE!r} in s.MIDDLEWARE)"
    )
    without = subprocess.run([sys.executable, "-c", show], env=env, capture_output=True, text=True, check=True)
    assert without.stdout.split("\n")[0] == "['default'] [] False"
    env["DATABASE_REPLICA_URL"] = "postgres://landreg@/landreg?host=/tmp/replica"
    configured = subprocess.run([sys.executable, "-c", show], env=env, capture_output=True, text=True, check=True)
    assert configured.stdout.split("\n")[0] == "['default', 'replica'] ['landreg.routers.ReplicaRouter'] True"
