"""Every function the project defines runs with `search_path = public, pg_temp`, so the rules behave the same after
a pg_dump and a plain psql restore, whatever the caller's search path (sql/0007_functions_survive_restore.sql).

It runs after the last migration of every app that defines functions or history triggers."""

from django.db import migrations

from landreg.sql_migration import run_sql_file


class Migration(migrations.Migration):
    dependencies = [
        ("shelters", "0006_closed_review_is_final"),
        ("landreg", "0009_staff_only_administrators_and_gis"),
        ("townships", "0012_land_rules_survive_restore"),
        ("households", "0003_eligibility"),
        ("allocations", "0013_workflow_second_line"),
    ]
    operations = [run_sql_file(__file__, "0007_functions_survive_restore")]
