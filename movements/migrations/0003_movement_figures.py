"""Weekly and monthly figures as totals tables brought up to date period by period, with the triggers that record
which days changed (sql/0003_movement_figures.sql)."""

from django.db import migrations

from landreg.sql_migration import run_sql_file


class Migration(migrations.Migration):
    dependencies = [("movements", "0002_movement_rules")]
    operations = [run_sql_file(__file__, "0003_movement_figures")]
