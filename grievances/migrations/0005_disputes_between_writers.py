"""plot_not_allocated_while_disputed holds between writers that commit at the same time
(sql/0005_disputes_between_writers.sql)."""

from django.db import migrations

from landreg.sql_migration import run_sql_file


class Migration(migrations.Migration):
    dependencies = [("grievances", "0004_opportunity_link"), ("landreg", "0013_refuse_repeatable_read")]
    operations = [run_sql_file(__file__, "0005_disputes_between_writers")]
