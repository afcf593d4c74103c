"""A cancelled shelter project stays cancelled between writers that commit at the same
time (sql/0009_inspection_between_writers.sql)."""

from django.db import migrations

from landreg.sql_migration import run_sql_file


class Migration(migrations.Migration):
    dependencies = [("shelters", "0008_history_is_never_skipped")]
    operations = [run_sql_file(__file__, "0009_inspection_between_writers")]
