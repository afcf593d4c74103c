"""Installs the land rules for townships, blocks and plots in PostGIS (sql/0002_land_rules.sql)."""

from django.db import migrations

from landreg.sql_migration import run_sql_file


class Migration(migrations.Migration):
    dependencies = [("townships", "0001_initial")]
    operations = [run_sql_file(__file__, "0002_land_rules")]
