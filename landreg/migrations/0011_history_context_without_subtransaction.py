"""History triggers outside Django (QGIS, psql) no longer roll back a subtransaction per call (see the SQL)."""

from django.db import migrations

from landreg.sql_migration import run_sql_file


class Migration(migrations.Migration):
    dependencies = [("landreg", "0010_pseudonym_keys"), ("pghistory", "0007_auto_20250421_0444")]
    operations = [run_sql_file(__file__, "0011_history_context_without_subtransaction")]
