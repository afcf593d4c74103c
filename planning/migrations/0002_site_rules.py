"""The rules of the planning layers in the database (sql/0002_site_rules.sql): access features valid and in their
province, GIS logins in their provinces, thresholds fixed once written, each plot's site figures marked stale when
what they were computed from changes, the QGIS view of unfit plots, pgRouting; and the history guard."""

from django.db import migrations

from landreg.sql_migration import run_sql_file


class Migration(migrations.Migration):
    dependencies = [
        ("planning", "0001_initial"),
        ("landreg", "0006_gis_rows_by_province"),
        ("shelters", "0008_history_is_never_skipped"),  # landreg_guard_history
    ]
    operations = [run_sql_file(__file__, "0002_site_rules")]
