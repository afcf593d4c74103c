"""The plots layer's tiles get a new version when a plot's site figures change (sql/0003_plot_sites_layer_version.sql)."""

from django.db import migrations

from landreg.sql_migration import run_sql_file


class Migration(migrations.Migration):
    dependencies = [("planning", "0002_site_rules"), ("townships", "0009_layer_versions_as_sequences")]
    operations = [run_sql_file(__file__, "0003_plot_sites_layer_version")]
