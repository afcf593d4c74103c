"""The plot set check's neighbour test: exact bounding boxes first, ST_Relate only for plots whose boxes overlap
(sql/0016_plot_neighbour_test.sql)."""

from django.db import migrations

from landreg.sql_migration import run_sql_file


class Migration(migrations.Migration):
    dependencies = [("townships", "0015_history_per_statement")]
    operations = [run_sql_file(__file__, "0016_plot_neighbour_test")]
