"""Layer versions bumped by statement triggers (sql/0007_layer_version_triggers.sql)."""

from django.db import migrations

from landreg.sql_migration import run_sql_file


class Migration(migrations.Migration):
    dependencies = [("townships", "0006_layer_versions"), ("parcels", "0002_db_defaults")]
    operations = [run_sql_file(__file__, "0007_layer_version_triggers")]
