"""attendance_within_days_offered holds between writers that commit at the same time
(sql/0007_attendance_between_writers.sql)."""

from django.db import migrations

from landreg.sql_migration import run_sql_file


class Migration(migrations.Migration):
    dependencies = [("livelihoods", "0006_occupation_history"), ("landreg", "0013_refuse_repeatable_read")]
    operations = [run_sql_file(__file__, "0007_attendance_between_writers")]
