"""Backups that really restore (docs/backups.md): the database with pgBackRest (full and differential backups, WAL
archived continuously for point-in-time recovery, the repository encrypted), the media folder labelled with the
database backup's label, and the restore drill that proves a backup restores.

Usage (with the environment of .data/env; as root or as the cluster's owner; `make backup`, `make restore-drill`):
  scripts/backup.py backup [full|diff]      back up the database, then the media under the same label
  scripts/backup.py info                    pgBackRest's list of backups, and the media sets
  scripts/backup.py restore-media LABEL DIR the media of backup LABEL into DIR (an empty or new folder)
  scripts/backup.py drill [--keep] [--json FILE]
                                            restore the latest backup into a scratch cluster on its own socket, to a
                                            moment just before a deliberate deletion, and check it; exit 1 on any
                                            mismatch. --keep leaves the scratch cluster running for drill-verify
  scripts/backup.py drill-verify [--json FILE]  check the kept scratch cluster again
  scripts/backup.py drill-clean             stop the scratch cluster and delete its folder
  scripts/backup.py archiving-off           stop archiving WAL (a development machine that no longer backs up)

Where things are (environment variables; the defaults suit the private cluster of scripts/devenv.sh):
  LANDREG_BACKUP_PGDATA   the cluster's data folder (default: the private cluster's, LANDREG_PGDATA or LANDREG_PGHOST
                          of scripts/devenv.sh)
  LANDREG_BACKUP_PGHOST   its socket folder (default: LANDREG_PGHOST, else the data folder); LANDREG_BACKUP_PGPORT
                          (default 5432)
  LANDREG_BACKUP_DIR      pgBackRest's configuration, log, lock and the drill (default: <data folder>-backup)
  LANDREG_BACKUP_REPO     the repository (default: <backup dir>/repo; on a server: another disk or machine)
  LANDREG_BACKUP_KEY_FILE the repository's passphrase (default: .data/backup_passphrase, made on first use, mode 600)
  LANDREG_BACKUP_RETENTION_FULL  full backups kept (default 4: four weeks of weekly fulls)
  MEDIA_ROOT, DATABASE_URL as for landreg itself.
"""

import argparse
import fcntl
import hashlib
import json
import os
import pwd
import secrets
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STANZA = "landreg"
PG_BIN = Path("/usr/lib/postgresql/15/bin")
DRILL_SCHEMA = "landreg_drill"
# Dry-run uploads hold names and ID numbers in clear and live 48 hours (docs/operations.md, "Uploads kept for a dry
# run"); partial uploads are nobody's. Neither belongs in a backup kept for weeks.
MEDIA_EXCLUDE = ("./imports", "./layouts/incoming")


def say(message: str) -> None:
    print(f"\033[1m[landreg]\033[0m {message}", file=sys.stderr, flush=True)


class BackupError(Exception):
    """A refusal with a sentence saying what to do."""


# --- where things are ----------------------------------------------------------------------------------------------


@dataclass
class Place:
    pgdata: Path
    socket: Path
    port: str
    backup_dir: Path
    repo: Path
    key_file: Path
    media: Path
    dbname: str
    owner: str = field(init=False)

    def __post_init__(self):
        try:
            self.owner = pwd.getpwuid(self.pgdata.stat().st_uid).pw_name
        except FileNotFoundError:
            raise BackupError(
                f"no PostgreSQL cluster in {self.pgdata}: start it first (scripts/devenv.sh start-db)"
            ) from None

    @property
    def conf(self) -> Path:
        return self.backup_dir / "pgbackrest.conf"

    @property
    def media_sets(self) -> Path:
        return self.repo / "media" / STANZA

    @property
    def drill(self) -> Path:
        return Path(os.environ.get("LANDREG_DRILL_DIR") or self.backup_dir / "drill")

    @property
    def private_cluster(self) -> bool:
        """The layout of scripts/devenv.sh: the socket in the data folder, a cluster this script may restart."""
        return self.pgdata == self.socket


def place() -> Place:
    pgdata = (
        os.environ.get("LANDREG_BACKUP_PGDATA") or os.environ.get("LANDREG_PGDATA") or os.environ.get("LANDREG_PGHOST")
    )
    if not pgdata:
        pgdata = subprocess.run(
            [ROOT / "scripts" / "devenv.sh", "cluster-dir"], check=True, capture_output=True, text=True
        ).stdout.strip()
    pgdata = Path(pgdata.rstrip("/"))
    backup_dir = Path(os.environ.get("LANDREG_BACKUP_DIR") or f"{pgdata}-backup")
    url = urllib.parse.urlparse(os.environ.get("DATABASE_URL", "postgres:///landreg"))
    return Place(
        pgdata=pgdata,
        socket=Path(
            (os.environ.get("LANDREG_BACKUP_PGHOST") or os.environ.get("LANDREG_PGHOST") or str(pgdata)).rstrip("/")
        ),
        port=os.environ.get("LANDREG_BACKUP_PGPORT", "5432"),
        backup_dir=backup_dir,
        repo=Path(os.environ.get("LANDREG_BACKUP_REPO") or backup_dir / "repo"),
        key_file=Path(os.environ.get("LANDREG_BACKUP_KEY_FILE") or ROOT / ".data" / "backup_passphrase"),
        media=Path(os.environ.get("MEDIA_ROOT") or ROOT / ".data" / "media"),
        dbname=url.path.lstrip("/") or "landreg",
    )


# --- running things as the cluster's owner -------------------------------------------------------------------------


def as_owner(p: Place, command: list, **kwargs) -> subprocess.CompletedProcess:
    """Run a command as the cluster's owner (pgBackRest and pg_ctl refuse root); from /, which every user may enter."""
    command = [str(c) for c in command]
    if pwd.getpwuid(os.getuid()).pw_name != p.owner:
        if os.getuid() != 0:
            raise BackupError(f"run this as root or as {p.owner}, the owner of {p.pgdata}")
        command = ["runuser", "-u", p.owner, "--", *command]
    kwargs.setdefault("check", True)
    kwargs.setdefault("text", True)
    return subprocess.run(command, cwd="/", **kwargs)


def pgbackrest(p: Place, *args, capture: bool = False) -> str:
    try:
        done = as_owner(p, ["pgbackrest", f"--config={p.conf}", f"--stanza={STANZA}", *args], capture_output=capture)
    except subprocess.CalledProcessError as error:
        raise BackupError(
            f"pgbackrest {args[-1]} failed ({error.returncode}): {(error.stderr or '').strip()[-1500:]} "
            f"(its log: {p.backup_dir / 'log'})"
        ) from None
    return done.stdout if capture else ""


def psql(p: Place, sql: str, *, socket: Path | None = None, dbname: str = "postgres") -> str:
    """One statement as the cluster's superuser over its socket; the value it returns."""
    done = as_owner(
        p,
        [
            PG_BIN / "psql",
            "-h",
            socket or p.socket,
            "-p",
            p.port,
            "-U",
            p.owner,
            "-d",
            dbname,
            "-v",
            "ON_ERROR_STOP=1",
            "-qAtX",
            "-c",
            sql,
        ],
        capture_output=True,
    )
    return done.stdout.strip()


def make_dir(p: Place, path: Path, mode: int = 0o700) -> None:
    """A folder the cluster's owner may write (as root the owner gets it)."""
    path.mkdir(parents=True, exist_ok=True)
    if os.getuid() == 0:
        entry = pwd.getpwnam(p.owner)
        os.chown(path, entry.pw_uid, entry.pw_gid)
    path.chmod(mode)


def locked(p: Place):
    """One backup or drill at a time (pgBackRest locks its own steps, not the media that follow them)."""
    make_dir(p, p.backup_dir)
    handle = open(p.backup_dir / ".landreg.lock", "w")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise BackupError(f"another backup or drill is running ({p.backup_dir / '.landreg.lock'})") from None
    return handle


# --- the passphrase and pgBackRest's configuration ------------------------------------------------------------------


def passphrase(p: Place) -> str:
    """The repository's passphrase: made once, in a file only its owner reads. Lose it and every backup is
    unreadable: docs/backups.md, "Key escrow"."""
    if not p.key_file.exists():
        say(f"making the backup passphrase in {p.key_file} (mode 600): escrow it now, see docs/backups.md")
        p.key_file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(p.key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(48) + "\n")
    if p.key_file.stat().st_mode & 0o077:
        raise BackupError(f"{p.key_file} can be read by others: chmod 600 {p.key_file}")
    value = p.key_file.read_text().strip()
    if len(value) < 20:
        raise BackupError(f"{p.key_file} holds a passphrase shorter than 20 characters")
    return value


def write_conf(p: Place) -> None:
    """pgBackRest's configuration for this cluster, written from the environment every time (deploy/pgbackrest/
    pgbackrest.conf is the same for a server, annotated). Mode 600, owned by the cluster's owner: it holds the
    passphrase, which archive-push (run by PostgreSQL) needs too."""
    for folder in (p.backup_dir, p.backup_dir / "log", p.backup_dir / "lock", p.backup_dir / "spool", p.repo):
        make_dir(p, folder, 0o750 if folder == p.repo else 0o700)
    text = f"""# written by scripts/backup.py from the environment; do not edit (docs/backups.md)
[global]
repo1-path={p.repo}
repo1-cipher-type=aes-256-cbc
repo1-cipher-pass={passphrase(p)}
repo1-retention-full={os.environ.get("LANDREG_BACKUP_RETENTION_FULL", "4")}
repo1-retention-full-type=count
compress-type=zst
process-max={os.environ.get("LANDREG_BACKUP_PROCESSES", "2")}
start-fast=y
log-path={p.backup_dir / "log"}
lock-path={p.backup_dir / "lock"}
spool-path={p.backup_dir / "spool"}
log-level-console=warn
log-level-file=info

[{STANZA}]
pg1-path={p.pgdata}
pg1-socket-path={p.socket}
pg1-port={p.port}
pg1-user={p.owner}
"""
    if p.private_cluster:  # its socket, the socket's lock file and the server's log live in its data folder
        text += f"exclude=.s.PGSQL.{p.port}\nexclude=.s.PGSQL.{p.port}.lock\nexclude=server.log\n"
    fd, tmp = tempfile.mkstemp(dir=p.backup_dir, prefix=".pgbackrest.conf.")
    with os.fdopen(fd, "w") as out:
        out.write(text)
    if os.getuid() == 0:
        entry = pwd.getpwnam(p.owner)
        os.chown(tmp, entry.pw_uid, entry.pw_gid)
    os.chmod(tmp, 0o600)
    os.replace(tmp, p.conf)


def archive_command(p: Place) -> str:
    return f"pgbackrest --config={shlex.quote(str(p.conf))} --stanza={STANZA} archive-push %p"


def ensure_archiving(p: Place) -> None:
    """WAL archiving through pgBackRest, idempotently. archive_mode needs a restart: the private cluster is
    restarted once, with a message; any other cluster's administrator is told to restart it."""
    wanted = archive_command(p)
    if psql(p, "SHOW wal_level") == "minimal":
        psql(p, "ALTER SYSTEM SET wal_level = 'replica'")
    if psql(p, "SHOW archive_timeout") == "0":
        # A quiet system fills a 16 MB WAL segment slowly; a switch every 5 minutes bounds what a lost disk loses
        # (a switched segment is mostly zeros, which zstd makes almost nothing of).
        psql(p, "ALTER SYSTEM SET archive_timeout = '5min'")
        psql(p, "SELECT pg_reload_conf()")
    if psql(p, "SHOW archive_command") != wanted:
        psql(p, "ALTER SYSTEM SET archive_command = '{}'".format(wanted.replace("'", "''")))
        psql(p, "SELECT pg_reload_conf()")
    if psql(p, "SHOW archive_mode") == "off" or psql(p, "SHOW wal_level") == "minimal":
        psql(p, "ALTER SYSTEM SET archive_mode = 'on'")
        if not p.private_cluster:
            raise BackupError(
                "WAL archiving is now configured (postgresql.auto.conf) but archive_mode takes effect only after a "
                "restart: restart PostgreSQL (e.g. systemctl restart postgresql@15-main), then run this again"
            )
        say(f"turning on WAL archiving in {p.pgdata}: PostgreSQL restarts once (archive_mode needs a restart)")
        as_owner(
            p,
            [PG_BIN / "pg_ctl", "-D", p.pgdata, "-l", p.pgdata / "server.log", "-m", "fast", "-w", "restart"],
            capture_output=True,
        )
        say("WAL archiving is on; every finished WAL segment now goes to the encrypted repository")


def archiving_off(p: Place) -> None:
    psql(p, "ALTER SYSTEM RESET archive_mode")
    psql(p, "ALTER SYSTEM RESET archive_command")
    psql(p, "SELECT pg_reload_conf()")
    if p.private_cluster:
        as_owner(
            p,
            [PG_BIN / "pg_ctl", "-D", p.pgdata, "-l", p.pgdata / "server.log", "-m", "fast", "-w", "restart"],
            capture_output=True,
        )
        say(f"WAL archiving is off in {p.pgdata}; the repository {p.repo} is left as it was")
    else:
        say("archive_mode goes off at the next restart of PostgreSQL")


# --- backups -------------------------------------------------------------------------------------------------------


def backups(p: Place) -> list[dict]:
    """pgBackRest's backups of the stanza, oldest first (an empty list before the first one)."""
    if not p.conf.exists():
        return []
    info = json.loads(pgbackrest(p, "--output=json", "info", capture=True) or "[]")
    return info[0].get("backup", []) if info else []


def backup(p: Place, kind: str) -> dict:
    with locked(p):
        write_conf(p)
        ensure_archiving(p)
        pgbackrest(p, "stanza-create")
        say(f"{kind} backup of the database in {p.pgdata}")
        pgbackrest(p, f"--type={kind}", "backup")
        latest = backups(p)[-1]
        say(f"backed up as {latest['label']}; now the media of {p.media}")
        media = media_backup(p, latest["label"])
        media_prune(p, {b["label"] for b in backups(p)})
    seconds = latest["timestamp"]["stop"] - latest["timestamp"]["start"]
    print(
        f"backup {latest['label']} ({latest['type']}): database {_mb(latest['info']['size'])}, "
        f"{_mb(latest['info']['repository']['delta'])} written to the repository in {seconds} s; media "
        f"{media['files']} files, {_mb(media['archive_bytes'])} archived"
    )
    return latest


def _mb(n: int) -> str:
    return f"{n / 1e6:,.1f} MB"


# --- media, labelled with the database backup's label --------------------------------------------------------------
#
# A full database backup gets a level-0 GNU tar of MEDIA_ROOT; a differential one the files changed since its full
# (tar --listed-incremental from the full's snapshot file, which also records deletions). Each archive is encrypted
# with the repository's passphrase (openssl, AES-256-CBC, PBKDF2) and its SHA-256 kept in <label>.json. The media
# are taken after the database backup has finished: every file the backed-up database names was already there.


def _encrypt(p: Place, source, target: Path) -> None:
    subprocess.run(
        [
            "openssl",
            "enc",
            "-aes-256-cbc",
            "-pbkdf2",
            "-iter",
            "100000",
            "-salt",
            "-pass",
            f"file:{p.key_file}",
            "-out",
            str(target),
        ],
        stdin=source,
        check=True,
    )


def _decrypt_to(p: Place, source: Path, target) -> None:
    subprocess.run(
        [
            "openssl",
            "enc",
            "-d",
            "-aes-256-cbc",
            "-pbkdf2",
            "-iter",
            "100000",
            "-pass",
            f"file:{p.key_file}",
            "-in",
            str(source),
        ],
        stdout=target,
        check=True,
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def media_backup(p: Place, label: str) -> dict:
    sets = p.media_sets
    sets.mkdir(parents=True, exist_ok=True)
    sets.chmod(0o700)
    base = label.split("_")[0] if "_" in label else None  # a differential's label is <full>_<diff>
    if base and not (sets / f"{base}.snar.enc").exists():
        say(f"the media of full backup {base} are missing: this differential's media are archived whole")
        base = None
    with tempfile.TemporaryDirectory() as work:
        snar = Path(work) / "snar"
        if base:
            with snar.open("wb") as out:
                _decrypt_to(p, sets / f"{base}.snar.enc", out)
        source = p.media if p.media.is_dir() else Path(work) / "empty"
        source.mkdir(exist_ok=True)
        tar = subprocess.Popen(
            [
                "tar",
                "--create",
                "--file=-",
                f"--listed-incremental={snar}",
                "--numeric-owner",
                *(f"--exclude={e}" for e in MEDIA_EXCLUDE),
                f"--directory={source}",
                ".",
            ],
            stdout=subprocess.PIPE,
        )
        _encrypt(p, tar.stdout, sets / f"{label}.tar.enc")
        tar.stdout.close()
        if tar.wait() == 1:  # GNU tar: a file changed while it was read (an upload in progress); the rest is whole
            say("tar: a media file changed while it was archived; it is in the next backup")
        elif tar.returncode:
            raise BackupError(f"tar of {source} failed ({tar.returncode})")
        if not base:
            with snar.open("rb") as f:
                _encrypt(p, f, sets / f"{label}.snar.enc")
        sizes = [f.stat().st_size for f in _media_files(source)]
    meta = {
        "label": label,
        "base": base,
        "media_root": str(p.media),
        "files": len(sizes),
        "bytes": sum(sizes),
        "archive_bytes": (sets / f"{label}.tar.enc").stat().st_size,
        "sha256": _sha256(sets / f"{label}.tar.enc"),
        "taken_at": datetime.now(UTC).isoformat(),
    }
    (sets / f"{label}.json").write_text(json.dumps(meta, indent=1) + "\n")
    return meta


def _media_files(source: Path):
    excluded = [source / e[2:] for e in MEDIA_EXCLUDE]
    for path in source.rglob("*"):
        if path.is_file() and not any(path.is_relative_to(e) for e in excluded):
            yield path


def media_prune(p: Place, labels: set[str]) -> None:
    """Media sets go with the database backups pgBackRest expired (a full is kept while its differentials are)."""
    for meta in p.media_sets.glob("*.json"):
        label = meta.name[: -len(".json")]
        if label not in labels:
            for suffix in (".tar.enc", ".snar.enc", ".json"):
                (p.media_sets / f"{label}{suffix}").unlink(missing_ok=True)
            say(f"removed the media of expired backup {label}")


def media_restore(p: Place, label: str, target: Path) -> dict:
    """Extract the media of a backup into target: its full's archive, then its own (which also deletes the files
    deleted in between). Refuses an archive whose SHA-256 is not the one recorded."""
    meta_path = p.media_sets / f"{label}.json"
    if not meta_path.exists():
        raise BackupError(f"no media were backed up with backup {label} ({meta_path})")
    meta = json.loads(meta_path.read_text())
    chain = [meta["base"], label] if meta["base"] else [label]
    target.mkdir(parents=True, exist_ok=True)
    if any(target.iterdir()):
        raise BackupError(f"{target} is not empty: restore media into an empty folder")
    for step in chain:
        archive = p.media_sets / f"{step}.tar.enc"
        recorded = json.loads((p.media_sets / f"{step}.json").read_text())["sha256"]
        if _sha256(archive) != recorded:
            raise BackupError(f"{archive} is damaged: its SHA-256 is not the one recorded when it was made")
        tar = subprocess.Popen(
            ["tar", "--extract", "--file=-", "--listed-incremental=/dev/null", f"--directory={target}"],
            stdin=subprocess.PIPE,
        )
        _decrypt_to(p, archive, tar.stdin)
        tar.stdin.close()
        if tar.wait():
            raise BackupError(f"tar could not extract {archive} ({tar.returncode})")
    return meta


# --- the restore drill ---------------------------------------------------------------------------------------------


def drill_prepare(p: Place) -> dict:
    """On the live database: a marker row, then every table counted and every history table hashed while writes
    wait (SHARE locks), and that moment taken as the recovery target; then the marker is deleted, and the WAL
    holding the deletion archived. Restored to that moment, the copy must hold exactly what was counted, the
    marker included."""
    from django.db import connection, transaction

    taken = backups(p)
    if not taken:
        raise BackupError("there is no backup to drill: run `make backup` first")
    with connection.cursor() as cursor:
        cursor.execute("SHOW archive_mode")
        if cursor.fetchone()[0] == "off":
            raise BackupError("WAL archiving is off, so no point-in-time restore is possible: run `make backup`")
        cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {DRILL_SCHEMA}")
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {DRILL_SCHEMA}.marker (id bigserial PRIMARY KEY, label text NOT NULL, "
            "created_at timestamptz NOT NULL DEFAULT now())"
        )
        cursor.execute(
            f"COMMENT ON TABLE {DRILL_SCHEMA}.marker IS 'rows the restore drill (scripts/backup.py) writes and "
            "deletes: a drill never touches a land record'"
        )
        label = f"drill {datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ} {secrets.token_hex(4)}"
        cursor.execute(f"INSERT INTO {DRILL_SCHEMA}.marker (label) VALUES (%s)", [label])
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL lock_timeout = '20s'")
        cursor.execute("SET LOCAL TIME ZONE 'UTC'")
        tables = _tables(cursor)
        lockable = [t for t, owned in tables if owned]
        cursor.execute(f"LOCK TABLE {', '.join(lockable)} IN SHARE MODE")
        counts = _counts(cursor, [t for t, _ in tables])
        history = _history(cursor)
        cursor.execute("SELECT clock_timestamp()")
        target = cursor.fetchone()[0].astimezone(UTC)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {DRILL_SCHEMA}.marker WHERE label = %s", [label])
    # check switches to a new WAL segment and waits until the one holding the deletion is in the repository.
    pgbackrest(p, "check")
    latest = taken[-1]
    return {
        "backup": latest,
        "target": target.strftime("%Y-%m-%d %H:%M:%S.%f+00"),
        "marker": label,
        "counts": counts,
        "history": history,
    }


def _tables(cursor) -> list[tuple[str, bool]]:
    """Every ordinary table the role can read, as a quoted name, and whether the role owns it (may lock it)."""
    cursor.execute(
        """
        SELECT format('%I.%I', n.nspname, c.relname), pg_has_role(c.relowner, 'USAGE')
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
           AND n.nspname NOT LIKE 'pg\\_toast%%' AND n.nspname NOT LIKE 'pg\\_temp%%'
           AND has_table_privilege(c.oid, 'SELECT')
         ORDER BY 1
        """
    )
    return [(name, owned) for name, owned in cursor.fetchall()]


def _counts(cursor, tables: list[str]) -> dict[str, int]:
    counts = {}
    for table in tables:
        cursor.execute(f"SELECT count(*) FROM {table}")
        counts[table] = cursor.fetchone()[0]
    return counts


def _history_tables(cursor) -> list[str]:
    """pghistory's event tables (every one has pgh_id) and its context table."""
    cursor.execute(
        """
        SELECT format('%I.%I', table_schema, table_name) FROM information_schema.columns
         WHERE column_name = 'pgh_id' AND table_schema = 'public'
        UNION SELECT 'public.pghistory_context' WHERE to_regclass('public.pghistory_context') IS NOT NULL
        ORDER BY 1
        """
    )
    return [row[0] for row in cursor.fetchall()]


def _history(cursor) -> dict[str, list]:
    """Per history table: rows, and the sum of the first 60 bits of each row's MD5 (order does not matter, any
    changed, missing or extra row changes it)."""
    result = {}
    for table in _history_tables(cursor):
        cursor.execute(
            f"SELECT count(*), coalesce(sum(('x' || left(md5(t::text), 15))::bit(60)::bigint::numeric), 0)::text "
            f"FROM {table} t"
        )
        result[table] = list(cursor.fetchone())
    return result


def drill_restore(p: Place, expected: dict) -> dict:
    """Restore the latest backup into the scratch cluster, recovering WAL to the drill's moment, then promote it;
    its media into the scratch media folder. Returns the times."""
    drill_clean(p, quiet=True)
    make_dir(p, p.drill, 0o711)
    scratch = p.drill / "pg"
    make_dir(p, scratch)
    label = expected["backup"]["label"]
    say(f"restoring backup {label} into {scratch}, to {expected['target']}")
    started = time.monotonic()
    pgbackrest(
        p,
        f"--pg1-path={scratch}",
        f"--set={label}",
        "--type=time",
        f"--target={expected['target']}",
        "--target-action=promote",
        "--target-timeline=current",
        "--archive-mode=off",  # the copy must never push WAL into the repository of the live cluster
        "restore",
    )
    restored = time.monotonic()
    # Its own configuration: its own socket, no network, no archiving, and it opens only once recovered (a server
    # with its configuration in /etc has none in its data folder). Only its owner can enter its socket folder.
    conf = (
        "# the restore drill's scratch cluster (scripts/backup.py)\n"
        f"listen_addresses = ''\nunix_socket_directories = '{scratch}'\nport = {p.port}\n"
        "archive_mode = off\nhot_standby = off\nmax_connections = 20\nshared_buffers = '128MB'\n"
    )
    as_owner(p, ["tee", scratch / "postgresql.conf"], input=conf, capture_output=True)
    as_owner(p, ["tee", scratch / "pg_hba.conf"], input="local all all trust\n", capture_output=True)
    # The live cluster's log and socket lock file came with the copy (the private cluster keeps both in its folder).
    for stale in [scratch / "server.log", *scratch.glob(".s.PGSQL.*")]:
        as_owner(p, ["rm", "-f", stale])
    try:
        as_owner(
            p,
            [PG_BIN / "pg_ctl", "-D", scratch, "-l", p.drill / "server.log", "-w", "-t", "86400", "start"],
            capture_output=True,
        )
    except subprocess.CalledProcessError:
        log = (p.drill / "server.log").read_text(errors="replace") if (p.drill / "server.log").exists() else ""
        raise BackupError(f"the restored cluster did not start; its log ends:\n{log[-3000:]}") from None
    _wait_promoted(p, scratch)
    recovered = time.monotonic()
    if psql(p, "SHOW archive_mode", socket=scratch) != "off":
        drill_clean(p, quiet=True)
        raise BackupError("the restored cluster came up archiving: stopped it before it wrote to the repository")
    media = p.drill / "media"
    say(f"restoring the media of backup {label} into {media}")
    media_restore(p, label, media)
    return {
        "restore_s": round(restored - started, 2),
        "recovery_s": round(recovered - restored, 2),
        "media_restore_s": round(time.monotonic() - recovered, 2),
    }


def _wait_promoted(p: Place, scratch: Path) -> None:
    """Until the copy has replayed WAL to the target and promoted itself (pg_ctl may return while it replays)."""
    while True:
        done = as_owner(
            p,
            [
                PG_BIN / "psql",
                "-h",
                scratch,
                "-p",
                p.port,
                "-U",
                p.owner,
                "-d",
                "postgres",
                "-qAtX",
                "-c",
                "SELECT pg_is_in_recovery()",
            ],
            capture_output=True,
            check=False,
        )
        if done.returncode == 0 and done.stdout.strip() == "f":
            return
        if as_owner(p, [PG_BIN / "pg_ctl", "-D", scratch, "status"], capture_output=True, check=False).returncode:
            log = (p.drill / "server.log").read_text(errors="replace")
            raise BackupError(f"the restored cluster stopped during recovery; its log ends:\n{log[-3000:]}")
        time.sleep(0.5)


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    problems: list = field(default_factory=list)


def drill_verify(p: Place, expected: dict) -> list[Check]:
    import psycopg2
    from django.conf import settings

    scratch = p.drill / "pg"
    conn = psycopg2.connect(host=str(scratch), port=p.port, user=p.owner, dbname=p.dbname)
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute("SET TIME ZONE 'UTC'")
            # As the application's role, which counted the live tables: the same tables, the same privileges.
            cursor.execute("SELECT set_config('role', %s, false)", [settings.DATABASES["default"]["USER"]])
            if _scalar(cursor, "SELECT pg_is_in_recovery()"):
                return [Check("recovery", False, "the scratch cluster is still in recovery")]
            return [
                _check_tables(cursor, expected),
                _check_history(cursor, expected),
                _check_marker(cursor, expected),
                _check_rules(cursor),
                _check_media(cursor, p.drill / "media"),
            ]
    finally:
        conn.close()


def _scalar(cursor, sql: str, params=None):
    cursor.execute(sql, params)
    return cursor.fetchone()[0]


def _check_tables(cursor, expected: dict) -> Check:
    found = _counts(cursor, [t for t, _ in _tables(cursor)])
    want = expected["counts"]
    problems = [
        f"{t}: {want[t]:,} rows at the target, {found[t]:,} restored"
        for t in want
        if t in found and found[t] != want[t]
    ]
    problems += [f"{t}: missing from the restore" for t in want if t not in found]
    problems += [f"{t}: in the restore but not on the live database" for t in found if t not in want]
    detail = f"{len(want)} tables, {sum(want.values()):,} rows"
    return Check("row counts of every table", not problems, detail + (": all match" if not problems else ""), problems)


def _check_history(cursor, expected: dict) -> Check:
    found = _history(cursor)
    problems = [
        f"{t}: {want[0]:,} events at the target, {found.get(t, [0])[0]:,} restored"
        + ("" if found.get(t, [0])[0] != want[0] else " (same number, different contents)")
        for t, want in expected["history"].items()
        if found.get(t) != want
    ]
    # Still append-only: every event table keeps its trigger, and one refuses an edit (rolled back either way).
    cursor.execute(
        """
        SELECT c.relname FROM pg_class c
         WHERE c.relname LIKE '%%event' AND c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace
           AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'pgh_id')
           AND NOT EXISTS (SELECT 1 FROM pg_trigger g WHERE g.tgrelid = c.oid
                            AND g.tgname LIKE 'pgtrigger\\_append\\_only\\_%%' AND g.tgenabled <> 'D')
        """
    )
    problems += [f"{t}: its append-only trigger is missing" for (t,) in cursor.fetchall()]
    events_tables = [(t, v[0]) for t, v in expected["history"].items() if t.endswith("event")]
    biggest = max(events_tables, key=lambda tv: tv[1], default=(None, 0))
    if biggest[1]:
        refusal = _refused(
            cursor,
            f"UPDATE {biggest[0]} SET pgh_label = pgh_label WHERE pgh_id = (SELECT min(pgh_id) FROM {biggest[0]})",
        )
        if refusal is None:
            problems.append(f"{biggest[0]}: an edit of an event was accepted")
    events = sum(v[0] for v in expected["history"].values())
    detail = f"{len(expected['history'])} history tables, {events:,} rows, same contents; events refuse edits"
    return Check("history", not problems, detail if not problems else "", problems)


def _refused(cursor, sql: str) -> str | None:
    """Run a statement in a transaction rolled back either way (its deferred rules asked at once); the error's
    first line if the database refused it."""
    import psycopg2

    cursor.execute("BEGIN")
    try:
        cursor.execute(sql)
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    except psycopg2.Error as error:
        return str(error).splitlines()[0]
    finally:
        cursor.execute("ROLLBACK")
    return None


def _check_marker(cursor, expected: dict) -> Check:
    present = _scalar(cursor, f"SELECT count(*) FROM {DRILL_SCHEMA}.marker WHERE label = %s", [expected["marker"]])
    return Check(
        "point-in-time restore",
        present == 1,
        f"the marker row deleted on the live database after {expected['target']} is back",
        [] if present == 1 else [f"marker {expected['marker']!r}: {present} rows restored, 1 expected"],
    )


def _check_rules(cursor) -> Check:
    """The land rules hold on the copy: a plot laid over an existing one, in raw SQL as QGIS would, is refused."""
    if not _scalar(cursor, "SELECT count(*) FROM townships_plot"):
        present = _scalar(
            cursor,
            "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'townships_plot'::regclass "
            "AND NOT tgisinternal AND tgenabled <> 'D'",
        )
        return Check(
            "land rules",
            present > 0,
            f"no plot to overlap; {present} plot triggers enabled",
            [] if present else ["townships_plot has no enabled trigger"],
        )
    refusal = _refused(
        cursor,
        "INSERT INTO townships_plot (township_id, block_id, number, geom, use, status, created_at, updated_at) "
        "SELECT township_id, block_id, number || '-drill', geom, use, 'available', now(), now() "
        "FROM townships_plot ORDER BY id LIMIT 1",
    )
    ok = refusal is not None and "plots_do_not_overlap" in refusal
    wrong = f"refused for another reason: {refusal}" if refusal else "accepted"
    return Check(
        "land rules",
        ok,
        f"an overlapping plot inserted in raw SQL is refused: {refusal}" if ok else "",
        [] if ok else [f"an overlapping plot was {wrong}"],
    )


def _check_media(cursor, media: Path) -> Check:
    """Every file the restored database names exists in the restored media: each FileField of every model, and
    the layout files of committed imports (their plots' history names them)."""
    from django.apps import apps
    from django.conf import settings
    from django.db.models import FileField

    from townships.layouts.store import stored_path
    from townships.models import LayoutImport

    named = []
    for model in apps.get_models():
        for f in model._meta.concrete_fields:
            if isinstance(f, FileField):
                cursor.execute(f'SELECT "{f.column}" FROM "{model._meta.db_table}" WHERE "{f.column}" <> \'\'')
                named += [row[0] for row in cursor.fetchall()]
    cursor.execute(
        "SELECT sha256, file_name FROM townships_layoutimport WHERE status = %s", [LayoutImport.Status.COMMITTED]
    )
    for sha, name in cursor.fetchall():
        named.append(str(stored_path(LayoutImport(sha256=sha, file_name=name)).relative_to(settings.MEDIA_ROOT)))
    missing = sorted(n for n in named if not (media / n).is_file())
    return Check(
        "media",
        not missing,
        f"all {len(named):,} files the database names are in the restored media" if not missing else "",
        [f"{n}: named by the database, missing from the media" for n in missing],
    )


def drill_clean(p: Place, quiet: bool = False) -> None:
    scratch = p.drill / "pg"
    if (scratch / "postmaster.pid").exists():
        as_owner(
            p, [PG_BIN / "pg_ctl", "-D", scratch, "-m", "immediate", "-w", "stop"], capture_output=True, check=False
        )
    if p.drill.exists():
        shutil.rmtree(p.drill)
        if not quiet:
            say(f"removed the scratch cluster and media in {p.drill}")


def report(expected: dict, times: dict | None, checks: list[Check], out) -> bool:
    b = expected["backup"]
    ok = all(c.ok for c in checks)
    lines = [
        f"restore drill: {'PASSED' if ok else 'FAILED'}",
        f"  backup         {b['label']} ({b['type']}), database {_mb(b['info']['size'])}, repository "
        f"{_mb(b['info']['repository']['delta'])} (encrypted), took {b['timestamp']['stop'] - b['timestamp']['start']}"
        " s",
        f"  target         {expected['target']} (every table counted while writes waited)",
    ]
    if times:
        lines.append(
            f"  restore        {times['restore_s']} s files + {times['recovery_s']} s WAL replay to the target; "
            f"media {times['media_restore_s']} s"
        )
    for c in checks:
        lines.append(f"  {'ok  ' if c.ok else 'FAIL'} {c.name}: {c.detail}".rstrip(": "))
        lines += [f"         {problem}" for problem in c.problems]
    print("\n".join(lines), file=out, flush=True)
    return ok


def drill(p: Place, keep: bool, json_out: str | None, verify_only: bool = False) -> bool:
    with locked(p):
        state = p.drill / "expected.json"
        times = None
        if verify_only:
            if not state.exists():
                raise BackupError(f"no kept drill in {p.drill}: run `scripts/backup.py drill --keep` first")
            expected = json.loads(state.read_text())
            checks = drill_verify(p, expected)
        else:
            write_conf(p)
            expected = drill_prepare(p)
            try:
                times = drill_restore(p, expected)
                state.write_text(json.dumps(expected, indent=1))
                checks = drill_verify(p, expected)
            finally:
                if not keep:
                    drill_clean(p, quiet=True)
        ok = report(expected, times, checks, sys.stdout)
        if json_out:
            Path(json_out).write_text(
                json.dumps(
                    {
                        "ok": ok,
                        "backup": expected["backup"]["label"],
                        "target": expected["target"],
                        "times": times,
                        "checks": [c.__dict__ for c in checks],
                    },
                    indent=1,
                )
            )
        if keep and not verify_only:
            say(f"the scratch cluster is kept: socket {p.drill / 'pg'}; `scripts/backup.py drill-clean` removes it")
    return ok


def info(p: Place) -> None:
    if not backups(p):
        print(f"no backups yet in {p.repo}: `make backup` takes the first")
    for b in backups(p):
        meta = p.media_sets / f"{b['label']}.json"
        media = json.loads(meta.read_text()) if meta.exists() else None
        print(
            f"{b['label']:<36} {b['type']:<5} {datetime.fromtimestamp(b['timestamp']['stop'], UTC):%Y-%m-%d %H:%M}Z "
            f"database {_mb(b['info']['size'])}, repository {_mb(b['info']['repository']['delta'])}; "
            + (f"media {media['files']} files, {_mb(media['archive_bytes'])}" if media else "NO MEDIA")
        )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("backup")
    b.add_argument("type", nargs="?", default="diff", choices=["full", "diff"])
    sub.add_parser("info")
    r = sub.add_parser("restore-media")
    r.add_argument("label")
    r.add_argument("target", type=Path)
    d = sub.add_parser("drill")
    d.add_argument("--keep", action="store_true")
    d.add_argument("--json")
    v = sub.add_parser("drill-verify")
    v.add_argument("--json")
    sub.add_parser("drill-clean")
    sub.add_parser("archiving-off")
    args = parser.parse_args(argv)

    if args.command in ("drill", "drill-verify"):  # the drill reads the models (which fields name files)
        sys.path.insert(0, str(ROOT))
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "landreg.settings")
        import django

        django.setup()
    try:
        p = place()
        if args.command == "backup":
            backup(p, args.type)
        elif args.command == "info":
            info(p)
        elif args.command == "restore-media":
            meta = media_restore(p, args.label, args.target)
            print(f"restored {meta['files']} files of backup {args.label} into {args.target}")
        elif args.command in ("drill", "drill-verify"):
            return 0 if drill(p, getattr(args, "keep", False), args.json, args.command == "drill-verify") else 1
        elif args.command == "drill-clean":
            with locked(p):
                drill_clean(p)
        elif args.command == "archiving-off":
            archiving_off(p)
    except BackupError as error:
        print(f"scripts/backup.py: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
