"""Installs the workflow rules in PostGIS (sql/0006_workflow_rules.sql)."""

from django.db import migrations

from landreg.sql_migration import run_sql_file


class Migration(migrations.Migration):
    dependencies = [("allocations", "0005_workflow")]
    operations = [run_sql_file(__file__, "0006_workflow_rules")]
