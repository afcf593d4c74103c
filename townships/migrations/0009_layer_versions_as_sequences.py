"""Layer versions as sequences, which never block writers (sql/0009_layer_versions_as_sequences.sql)."""

from django.db import migrations

from landreg.sql_migration import run_sql_file


class Migration(migrations.Migration):
    dependencies = [("townships", "0008_land_rules_at_commit"), ("landreg", "0004_gis_roles")]
    operations = [run_sql_file(__file__, "0009_layer_versions_as_sequences")]
