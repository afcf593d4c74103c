"""grievance_resolved_with_a_decision is refused at REPEATABLE READ (sql/0006_resolve_between_writers.sql)."""

from django.db import migrations

from landreg.sql_migration import run_sql_file


class Migration(migrations.Migration):
    dependencies = [("grievances", "0005_disputes_between_writers")]
    operations = [run_sql_file(__file__, "0006_resolve_between_writers")]
