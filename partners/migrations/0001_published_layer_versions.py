"""The versions of the published layers of returns, displacement and livelihoods: sequences bumped by statement
triggers on the tables they read (sql/0001_published_layer_versions.sql)."""

from django.db import migrations

from landreg.sql_migration import run_sql_file


class Migration(migrations.Migration):
    dependencies = [
        ("townships", "0013_layer_versions_on_a_replica"),
        ("movements", "0003_movement_figures"),
        ("livelihoods", "0003_reference_data"),
    ]
    operations = [run_sql_file(__file__, "0001_published_layer_versions")]
