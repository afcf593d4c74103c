"""A plot holding an active allocation keeps its outline, unless a confirmed layout import moves it (see the SQL)."""

from django.db import migrations

from landreg.sql_migration import run_sql_file


class Migration(migrations.Migration):
    dependencies = [("allocations", "0011_ballot_is_immutable")]
    operations = [run_sql_file(__file__, "0012_allocated_plot_stays_put")]
