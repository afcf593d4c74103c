"""Installs the allocation rules in PostGIS (sql/0004_allocation_rules.sql)."""

from django.db import migrations

from landreg.sql_migration import run_sql_file


class Migration(migrations.Migration):
    dependencies = [("allocations", "0003_initial"), ("townships", "0002_land_rules")]
    operations = [run_sql_file(__file__, "0004_allocation_rules")]
