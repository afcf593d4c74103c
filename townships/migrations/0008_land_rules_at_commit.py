"""The multi-row land rules are checked at commit, so QGIS topological edits are judged as a whole
(sql/0008_land_rules_at_commit.sql)."""

from django.db import migrations

from landreg.sql_migration import run_sql_file


class Migration(migrations.Migration):
    dependencies = [("townships", "0007_layer_version_triggers")]
    operations = [run_sql_file(__file__, "0008_land_rules_at_commit")]
