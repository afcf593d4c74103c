"""A throwaway primary cluster for the backup tests and benchmark: made by scripts/devenv.sh (initdb as postgres,
its socket in its folder), migrated, with a township laid out in raw SQL, and its own backup folder, passphrase and
media. Everything lives under one folder the postgres user can enter, removed by stop()."""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path("/usr/lib/postgresql/15/bin")
PLOT = 20.0
BLOCK = 10  # plots per block side
X0, Y0 = 500000.0, 3806000.0  # UTM 42N, near 69°E 34.4°N


def as_owner(command: list) -> list:
    """A PostgreSQL command as the cluster's owner: postgres when we are root (initdb refuses root), else us."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


class Cluster:
    def __init__(self, prefix: str = "landreg-backup-"):
        # Under /tmp, not the checkout: CI clones under /root, which postgres cannot enter.
        self.base = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
        self.base.chmod(0o755)
        self.pgdata = self.base / "pg"
        self.media = self.base / "media"
        self.env = {
            **os.environ,
            "LANDREG_PGDATA": str(self.pgdata),
            "LANDREG_PGHOST": str(self.pgdata),
            "LANDREG_BACKUP_DIR": str(self.base / "backup"),
            "LANDREG_BACKUP_KEY_FILE": str(self.base / "keys" / "backup_passphrase"),
            "MEDIA_ROOT": str(self.media),
            "DATABASE_URL": f"postgres://landreg@/landreg?host={self.pgdata}",
            "LANDREG_PG_FSYNC": "off",
        }
        self.env.pop("TEST_DATABASE_NAME", None)

    def start(self) -> "Cluster":
        self.run([ROOT / "scripts" / "devenv.sh", "cluster"])
        self.run(
            [ROOT / ".venv" / "bin" / "python", ROOT / "manage.py", "migrate", "--no-input", "-v", "0", "--skip-checks"]
        )
        return self

    def run(self, command, check=True, **kwargs) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(c) for c in command], env=self.env, cwd=ROOT, check=check, capture_output=True, text=True, **kwargs
        )

    def backup_script(self, *args, check=True) -> subprocess.CompletedProcess:
        done = self.run([ROOT / ".venv" / "bin" / "python", ROOT / "scripts" / "backup.py", *args], check=False)
        if check and done.returncode:
            raise AssertionError(
                f"scripts/backup.py {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
            )
        return done

    def psql(self, sql: str, socket: Path | None = None) -> str:
        done = subprocess.run(
            as_owner(
                [
                    PG_BIN / "psql",
                    "-h",
                    socket or self.pgdata,
                    "-U",
                    "postgres",
                    "-d",
                    "landreg",
                    "-v",
                    "ON_ERROR_STOP=1",
                ]
                + ["-qAtX", "-c", sql]
            ),
            cwd="/",
            check=True,
            capture_output=True,
            text=True,
        )
        return done.stdout.strip()

    def add_province(self) -> None:
        self.psql(
            "INSERT INTO parcels_adminarea (level, pcode, iso_code, name_en, name_prs, name_ps) "
            "VALUES ('province', 'AF06', '', 'Nangarhar', '', '')"
        )

    def lay_out_township(self, side: int, number: int = 0) -> None:
        """Township DRILL-<number> of side × side plots of 20 m in blocks of 10 × 10, in raw SQL and one transaction
        (every land rule and history trigger fires, as for QGIS); townships side by side in rows of ten."""
        width = side * PLOT
        x0 = X0 + (number % 10) * (width + 100)
        y0 = Y0 + (number // 10) * (width + 100)
        code = f"DRILL-{number}"
        self.psql(
            f"""
            SET ROLE landreg;
            INSERT INTO townships_township (code, name, name_prs, name_ps, province_id, legal_basis, geom, status,
                planned_services, is_demo, created_at, updated_at)
            SELECT '{code}', 'Drill township {number}', '', '', id, 'decree_305_2018',
                   ST_Multi(ST_Transform(ST_Segmentize(ST_MakeEnvelope({x0}, {y0}, {x0 + width}, {y0 + width}, 32642),
                   {PLOT}), 4326)), 'planned', '', false, now(), now()
              FROM parcels_adminarea WHERE pcode = 'AF06';
            INSERT INTO townships_block (township_id, code, geom, created_at, updated_at)
            SELECT t.id, bx || '-' || by,
                   ST_Transform(ST_Segmentize(ST_MakeEnvelope({x0} + bx * {BLOCK * PLOT}, {y0} + by * {BLOCK * PLOT},
                       {x0} + least((bx + 1) * {BLOCK * PLOT}, {width}),
                       {y0} + least((by + 1) * {BLOCK * PLOT}, {width}), 32642), {PLOT}), 4326), now(), now()
              FROM townships_township t, generate_series(0, ceil({side} / {BLOCK}.0)::int - 1) bx,
                   generate_series(0, ceil({side} / {BLOCK}.0)::int - 1) by
             WHERE t.code = '{code}';
            INSERT INTO townships_plot (township_id, block_id, number, geom, use, status, created_at, updated_at)
            SELECT t.id, b.id, (i + 1)::text,
                   ST_Transform(ST_MakeEnvelope({x0} + (i % {side}) * {PLOT}, {y0} + (i / {side}) * {PLOT},
                       {x0} + (i % {side} + 1) * {PLOT}, {y0} + (i / {side} + 1) * {PLOT}, 32642), 4326),
                   'residential', 'available', now(), now()
              FROM townships_township t, generate_series(0, {side * side - 1}) i
              JOIN townships_block b ON b.code = ((i % {side}) / {BLOCK}) || '-' || ((i / {side}) / {BLOCK})
             WHERE t.code = '{code}' AND b.township_id = t.id;
            """
        )

    def stop(self) -> None:
        for pgdata in (self.pgdata, self.base / "backup" / "drill" / "pg"):
            if (pgdata / "postmaster.pid").exists():
                subprocess.run(
                    as_owner([PG_BIN / "pg_ctl", "-D", pgdata, "-m", "immediate", "-w", "stop"]),
                    cwd="/",
                    capture_output=True,
                )
        shutil.rmtree(self.base, ignore_errors=True)
