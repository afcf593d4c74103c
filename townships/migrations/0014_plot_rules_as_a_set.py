"""The multi-row plot rules are checked once per transaction, for every plot it touched, in set-based SQL
(sql/0014_plot_rules_as_a_set.sql)."""

from django.db import migrations

from landreg.sql_migration import run_sql_file


class Migration(migrations.Migration):
    dependencies = [("townships", "0013_layer_versions_on_a_replica")]
    operations = [run_sql_file(__file__, "0014_plot_rules_as_a_set")]
