"""Benchmark: backing up and restoring a 1,000,000-plot database with pgBackRest (scripts/backup.py), against the raw
physical limit measured in the same run on the same cluster.

Never touches the real database: it makes a cluster of its own under /tmp (tests/ops/backup_cluster.py: initdb as
postgres like scripts/devenv.sh, migrated, fsync off as for the tests), lays out N plots in raw SQL as townships of
100 × 100 plots (every land rule and history trigger fires), then measures:
  1. pg_basebackup -Fp -X fetch -c fast into a folder: a plain, uncompressed, unencrypted copy (the floor for a
     consistent copy of a running cluster), and its size;
  2. `scripts/backup.py backup full`: pgBackRest's full backup (zstd, AES-256-CBC, 2 processes) and the media step,
     and the repository's size;
  3. 1% of the plots changed, then `scripts/backup.py backup diff`;
  4. cp -a of the pg_basebackup copy: the floor for putting the files of a restore in place;
  5. `scripts/backup.py drill`: pgBackRest's restore of the differential, WAL replay to the drill's target, and every
     check (counts of every table and hashes of the history on both sides).
Ratios are pgBackRest's time over the floor's. The cluster is removed at the end, whatever happens.

Run: set -a; . .data/env; set +a; .venv/bin/python bench/backup_restore.py [--plots 1000000]   (as root)
"""

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.ops.backup_cluster import PG_BIN, Cluster, as_owner  # noqa: E402


def backups(cluster: Cluster) -> list[dict]:
    """pgBackRest's own account of the backups (sizes in the repository, after compression)."""
    conf = cluster.base / "backup" / "pgbackrest.conf"
    done = subprocess.run(
        as_owner(["pgbackrest", f"--config={conf}", "--stanza=landreg", "--output=json", "info"]),
        check=True,
        capture_output=True,
        text=True,
        cwd="/",
    )
    return json.loads(done.stdout)[0]["backup"]


def du(path: Path) -> int:
    return int(subprocess.run(["du", "-sb", path], check=True, capture_output=True, text=True).stdout.split()[0])


def timed(step) -> float:
    start = time.perf_counter()
    step()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--plots", type=int, default=1_000_000)
    args = parser.parse_args()
    townships = max(1, args.plots // 10_000)
    plots = townships * 10_000
    load_before = os.getloadavg()
    cluster = Cluster(prefix="landreg-bench-backup-")
    try:
        cluster.start()
        cluster.add_province()
        # Townships of 100 × 100 plots (as many as make N), two at a time: two connections, as bench/tiles.py loads.
        with ThreadPoolExecutor(2) as pool:
            laid_out = timed(lambda: list(pool.map(lambda k: cluster.lay_out_township(100, k), range(townships))))
        cluster.psql("VACUUM ANALYZE")
        db_bytes = int(cluster.psql("SELECT pg_database_size('landreg')"))
        events = int(cluster.psql("SELECT count(*) FROM townships_plotevent"))

        copy = cluster.base / "basebackup"
        copy.mkdir()
        if os.geteuid() == 0:
            shutil.chown(copy, "postgres", "postgres")
        base_s = timed(
            lambda: subprocess.run(
                as_owner([PG_BIN / "pg_basebackup", "-h", cluster.pgdata, "-U", "postgres", "-D", copy, "-Fp"])
                + ["-X", "fetch", "-c", "fast"],
                check=True,
                cwd="/",
            )
        )
        base_bytes = du(copy)

        full_s = timed(lambda: cluster.backup_script("backup", "full"))
        # A day's work: the plots of one township in a hundred (1%) change status.
        cluster.psql(
            "SET ROLE landreg; UPDATE townships_plot SET status = 'reserved' "
            "WHERE township_id = (SELECT min(id) FROM townships_township)"
        )
        diff_s = timed(lambda: cluster.backup_script("backup", "diff"))
        full, diff = backups(cluster)[-2:]
        wal_bytes = du(cluster.base / "backup" / "repo" / "archive")

        restored = cluster.base / "copy-restored"
        cp_s = timed(lambda: subprocess.run(["cp", "-a", copy, restored], check=True))
        shutil.rmtree(restored)

        report = cluster.base / "drill.json"
        drill_s = timed(lambda: cluster.backup_script("drill", "--json", report))
        drill = json.loads(report.read_text())
        assert drill["ok"], drill
    finally:
        cluster.stop()

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    t = drill["times"]
    mb = 1e6
    print(f"# backup and restore benchmark, {plots:,} plots, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(f"machine: {os.cpu_count()} cores, {cpu}; pgBackRest 2.45 (zstd, aes-256-cbc, process-max 2)")
    print(
        f"load average {load_before[0]:.1f} before, {os.getloadavg()[0]:.1f} after (other work shares the machine); "
        f"laying out {townships} townships took {laid_out:.0f} s"
    )
    print(
        f"database {db_bytes / mb:,.0f} MB: {plots:,} plots in {townships} townships, {events:,} plot history events\n"
    )
    print("| step | seconds | size (MB) | ratio to the floor |")
    print("|---|---:|---:|---:|")
    print(f"| pg_basebackup, plain folder (floor for a backup) | {base_s:.1f} | {base_bytes / mb:,.0f} | 1.00× |")
    full_mb = full["info"]["repository"]["delta"] / mb
    diff_mb = diff["info"]["repository"]["delta"] / mb
    print(
        f"| pgBackRest full backup, compressed and encrypted (+ media) | {full_s:.1f} | {full_mb:,.0f} | "
        f"{full_s / base_s:.2f}× |"
    )
    print(
        f"| pgBackRest differential after one township's plots (1%) changed | {diff_s:.1f} | {diff_mb:,.0f} | "
        f"{diff_s / base_s:.2f}× |"
    )
    print(f"| cp -a of the plain copy (floor for a restore) | {cp_s:.1f} | {base_bytes / mb:,.0f} | 1.00× |")
    print(
        f"| pgBackRest restore of the differential: the files | {t['restore_s']:.1f} | | {t['restore_s'] / cp_s:.2f}× |"
    )
    print(f"| then WAL replay to the drill's target and promotion | {t['recovery_s']:.1f} | | |")
    print(f"| the whole drill (prepare, restore, media, every check) | {drill_s:.1f} | | |")
    print(f"\nWAL archived in the repository by the end (compressed, encrypted): {wal_bytes / mb:,.0f} MB")


if __name__ == "__main__":
    main()
