"""The rules of the movement records, in the database (sql/0002_movement_rules.sql): destinations and sites in
Afghanistan, a family with its members, flow counts that add up and are never negative, the location history
append-only; and the history guard on every tracked table."""

from django.db import migrations

from landreg.sql_migration import run_sql_file


class Migration(migrations.Migration):
    dependencies = [
        ("movements", "0001_initial"),
        ("shelters", "0008_history_is_never_skipped"),
    ]
    operations = [run_sql_file(__file__, "0002_movement_rules")]
