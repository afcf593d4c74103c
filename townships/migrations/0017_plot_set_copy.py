"""The plot set check's neighbour join on a temporary copy with its own spatial index, for large sets of plots
(sql/0017_plot_set_copy.sql)."""

from django.db import migrations

from landreg.sql_migration import run_sql_file


class Migration(migrations.Migration):
    dependencies = [("townships", "0016_plot_neighbour_test")]
    operations = [run_sql_file(__file__, "0017_plot_set_copy")]
