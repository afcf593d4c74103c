"""family_arrival_has_members holds between writers that commit at the same time
(sql/0004_family_members_between_writers.sql)."""

from django.db import migrations

from landreg.sql_migration import run_sql_file


class Migration(migrations.Migration):
    dependencies = [("movements", "0003_movement_figures"), ("landreg", "0013_refuse_repeatable_read")]
    operations = [run_sql_file(__file__, "0004_family_members_between_writers")]
