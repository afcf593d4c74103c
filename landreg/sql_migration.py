"""Installs a named SQL file (and its reverse) from an app's sql/ folder in a migration."""

from pathlib import Path

from django.db import migrations


def run_sql_file(app_dir: str, name: str) -> migrations.RunSQL:
    folder = Path(app_dir).resolve().parent.parent / "sql"
    return migrations.RunSQL(
        sql=(folder / f"{name}.sql").read_text(),
        reverse_sql=(folder / f"{name}_reverse.sql").read_text(),
    )
