"""Installs the livelihood and reintegration rules in PostGIS (sql/0002_livelihood_rules.sql), with the history
guard on every tracked table (shelters' migration 0008 defines it)."""

from django.db import migrations

from landreg.sql_migration import run_sql_file


class Migration(migrations.Migration):
    dependencies = [
        ("livelihoods", "0001_initial"),
        ("shelters", "0008_history_is_never_skipped"),
        ("townships", "0014_plot_rules_as_a_set"),
    ]
    operations = [run_sql_file(__file__, "0002_livelihood_rules")]
