"""The land rules hold between writers that commit at the same time, at every isolation level
(sql/0019_land_rules_between_writers.sql)."""

from django.db import migrations

from landreg.sql_migration import run_sql_file


class Migration(migrations.Migration):
    dependencies = [("townships", "0018_plot_rules_once_per_transaction"), ("landreg", "0013_refuse_repeatable_read")]
    operations = [run_sql_file(__file__, "0019_land_rules_between_writers")]
