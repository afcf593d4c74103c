"""A drawn ballot stays as drawn between writers that commit at the same time (sql/0016_ballot_between_writers.sql)."""

from django.db import migrations

from landreg.sql_migration import run_sql_file


class Migration(migrations.Migration):
    dependencies = [
        ("allocations", "0015_plot_status_check_planning_first"),
        ("landreg", "0013_refuse_repeatable_read"),
    ]
    operations = [run_sql_file(__file__, "0016_ballot_between_writers")]
