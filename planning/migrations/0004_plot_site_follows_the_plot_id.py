"""A plot's site figures follow a change of the plot's id (sql/0004_plot_site_follows_the_plot_id.sql)."""

from django.db import migrations

from landreg.sql_migration import run_sql_file


class Migration(migrations.Migration):
    dependencies = [("planning", "0003_plot_sites_layer_version")]
    operations = [run_sql_file(__file__, "0004_plot_site_follows_the_plot_id")]
