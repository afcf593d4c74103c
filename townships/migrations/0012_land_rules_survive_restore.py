"""The four land-rule triggers that test the geometry in their WHEN clause survive a pg_dump and a plain psql
restore (sql/0012_land_rules_survive_restore.sql)."""

from django.db import migrations

from landreg.sql_migration import run_sql_file


class Migration(migrations.Migration):
    dependencies = [("townships", "0011_layout_imports")]
    operations = [run_sql_file(__file__, "0012_land_rules_survive_restore")]
