"""Backups that restore (docs/backups.md), on a real cluster of its own with real pgBackRest: full and differential
backups, WAL archiving turned on once, the media labelled with the database backup, the encrypted repository, and
the restore drill, which passes on a faithful restore and fails on a tampered one."""

import json
import stat
from pathlib import Path

import pytest

from tests.ops.backup_cluster import Cluster

IMAGERY = (
    "INSERT INTO parcels_imagery (name, file, bounds, source_crs, resolution_m, maxzoom, size_bytes, uploaded_at, "
    "updated_at) VALUES ('{name}', '{file}', ST_MakeEnvelope(69, 34, 69.01, 34.01, 4326), 'EPSG:32642', 0.1, 20, 5, "
    "now(), now())"
)


@pytest.fixture(scope="module")
def drilled(tmp_path_factory):
    """A primary with a township of 400 plots and imagery files; a full backup, more data and media, a differential
    backup; then the drill, its scratch cluster kept for the tests. Everything is stopped and removed at the end."""
    cluster = Cluster()
    try:
        cluster.start()
        cluster.add_province()
        cluster.lay_out_township(20)
        (cluster.media / "imagery").mkdir(parents=True)
        (cluster.media / "imagery" / "first.tif").write_bytes(b"first")
        (cluster.media / "imagery" / "dropped.tif").write_bytes(b"gone before the differential")
        (cluster.media / "imports").mkdir()
        (cluster.media / "imports" / "list.csv").write_text("name,tazkira\n")  # a dry-run upload: never backed up
        cluster.psql(IMAGERY.format(name="first", file="imagery/first.tif"))
        cluster.backup_script("backup", "full")
        started = cluster.psql("SELECT pg_postmaster_start_time()")

        cluster.psql(IMAGERY.format(name="second", file="imagery/second.tif"))
        (cluster.media / "imagery" / "second.tif").write_bytes(b"second")
        (cluster.media / "imagery" / "dropped.tif").unlink()
        cluster.backup_script("backup", "diff")
        report = tmp_path_factory.mktemp("drill") / "drill.json"
        drill = cluster.backup_script("drill", "--keep", "--json", report, check=False)
        yield {
            "cluster": cluster,
            "drill": drill,
            "report": json.loads(report.read_text()) if report.exists() else None,
            "started_after_full": started,
        }
    finally:
        cluster.stop()


def test_the_drill_restores_the_differential_and_every_check_passes(drilled):
    drill, report = drilled["drill"], drilled["report"]
    assert drill.returncode == 0, drill.stdout + drill.stderr
    assert report["ok"] and report["backup"].endswith("D"), report
    checks = {c["name"]: c for c in report["checks"]}
    assert all(c["ok"] and not c["problems"] for c in checks.values()), checks
    assert checks["row counts of every table"]["detail"].endswith("rows: all match")
    assert checks["land rules"]["detail"].startswith("an overlapping plot inserted in raw SQL is refused")
    assert "plots_do_not_overlap" in checks["land rules"]["detail"]
    assert checks["media"]["detail"] == "all 2 files the database names are in the restored media"
    assert "events refuse edits" in checks["history"]["detail"]
    assert set(report["times"]) == {"restore_s", "recovery_s", "media_restore_s"}
    assert "restore drill: PASSED" in drill.stdout and "backup " in drill.stdout and "restore " in drill.stdout


def test_the_restore_holds_what_the_live_database_held_at_the_target(drilled):
    cluster = drilled["cluster"]
    scratch = cluster.base / "backup" / "drill" / "pg"
    for sql in ("SELECT count(*) FROM townships_plot", "SELECT count(*) FROM townships_plotevent"):
        assert cluster.psql(sql, socket=scratch) == cluster.psql(sql) == "400"
    # The marker the drill deleted on the live database is there in the copy, and only there.
    assert cluster.psql("SELECT count(*) FROM landreg_drill.marker") == "0"
    assert cluster.psql("SELECT count(*) FROM landreg_drill.marker", socket=scratch) == "1"
    # The copy is on a timeline of its own and pushes nothing into the repository.
    assert cluster.psql("SHOW archive_mode", socket=scratch) == "off"
    assert cluster.psql("SHOW archive_mode") == "on"


def test_archiving_is_turned_on_once_and_the_differential_needed_no_restart(drilled):
    cluster = drilled["cluster"]
    assert cluster.psql("SELECT pg_postmaster_start_time()") == drilled["started_after_full"]
    assert cluster.psql("SHOW archive_command").endswith("--stanza=landreg archive-push %p")
    assert cluster.psql("SELECT failed_count FROM pg_stat_archiver") == "0"


def test_the_repository_and_the_media_are_encrypted(drilled):
    cluster = drilled["cluster"]
    key = Path(cluster.env["LANDREG_BACKUP_KEY_FILE"])
    conf = cluster.base / "backup" / "pgbackrest.conf"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE(conf.stat().st_mode) == 0o600
    assert "repo1-cipher-type=aes-256-cbc" in conf.read_text()
    repo = cluster.base / "backup" / "repo"
    files = [f for f in repo.rglob("*") if f.is_file()]
    data = [f for f in files if "/backup/landreg/" in str(f) and "/pg_data/" in str(f)]
    wal = [f for f in files if "/archive/landreg/" in str(f) and f.name.startswith("0000")]
    media = list((repo / "media" / "landreg").glob("*.enc"))
    assert data and wal and len(media) == 3  # the full's archive and snapshot, the differential's archive
    for f in data + wal + media:
        assert f.read_bytes()[:8] == b"Salted__", f  # OpenSSL's header of an encrypted file, used by both
    for f in media:
        assert b"first.tif" not in f.read_bytes()


def test_the_media_of_a_differential_are_its_full_and_the_changes(drilled, tmp_path):
    cluster = drilled["cluster"]
    target = tmp_path / "media"
    done = cluster.backup_script("restore-media", drilled["report"]["backup"], target)
    assert "restored 2 files" in done.stdout
    files = sorted(str(f.relative_to(target)) for f in target.rglob("*") if f.is_file())
    assert files == ["imagery/first.tif", "imagery/second.tif"]  # dropped.tif deleted, imports/ never backed up
    assert (target / "imagery" / "second.tif").read_bytes() == b"second"


def test_a_tampered_restore_fails_the_drill_and_says_where(drilled):
    cluster = drilled["cluster"]
    scratch = cluster.base / "backup" / "drill" / "pg"
    # A row lost from a table, an event lost from the history (past their triggers), a file lost from the media.
    cluster.psql(
        "SET session_replication_role = replica; "
        "DELETE FROM townships_plot WHERE id = (SELECT max(id) FROM townships_plot); "
        "DELETE FROM townships_blockevent WHERE pgh_id = (SELECT min(pgh_id) FROM townships_blockevent)",
        socket=scratch,
    )
    (cluster.base / "backup" / "drill" / "media" / "imagery" / "second.tif").unlink()
    done = cluster.backup_script("drill-verify", check=False)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "restore drill: FAILED" in done.stdout
    assert "public.townships_plot: 400 rows at the target, 399 restored" in done.stdout
    assert "public.townships_blockevent: 4 events at the target, 3 restored" in done.stdout
    assert "imagery/second.tif: named by the database, missing from the media" in done.stdout
    assert "FAIL land rules" not in done.stdout and "FAIL point-in-time restore" not in done.stdout
