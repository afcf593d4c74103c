"""The plot land rules fire once per transaction: statement triggers list the written plots in a permanent queue,
and one deferred event per transaction checks them as a set (sql/0018_plot_rules_once_per_transaction.sql)."""

from django.db import migrations

from landreg.sql_migration import run_sql_file


class Migration(migrations.Migration):
    dependencies = [("townships", "0017_plot_set_copy")]
    operations = [run_sql_file(__file__, "0018_plot_rules_once_per_transaction")]
