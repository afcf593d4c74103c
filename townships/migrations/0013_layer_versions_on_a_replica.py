"""Layer versions that move on a streaming replica too (sql/0013_layer_versions_on_a_replica.sql)."""

from django.db import migrations

from landreg.sql_migration import run_sql_file


class Migration(migrations.Migration):
    dependencies = [("townships", "0012_land_rules_survive_restore"), ("shelters", "0007_functions_survive_restore")]
    operations = [run_sql_file(__file__, "0013_layer_versions_on_a_replica")]
