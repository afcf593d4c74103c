"""The database's second line for the workflow: a status changes only with its transition, approvals by a
committee member of the province who is not the maker, and a plot's status follows its allocation (see the SQL)."""

from django.db import migrations

from landreg.sql_migration import run_sql_file


class Migration(migrations.Migration):
    dependencies = [
        ("allocations", "0012_allocated_plot_stays_put"),
        ("landreg", "0006_gis_rows_by_province"),  # the GIS group roles, granted a function here
    ]
    operations = [run_sql_file(__file__, "0013_workflow_second_line")]
