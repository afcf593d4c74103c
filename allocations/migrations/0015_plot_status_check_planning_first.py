"""plot_status_follows_the_workflow asks for the writer's role only when a status leaves the planning statuses
(sql/0015_plot_status_check_planning_first.sql)."""

from django.db import migrations

from landreg.sql_migration import run_sql_file


class Migration(migrations.Migration):
    dependencies = [("allocations", "0014_documents_issued_once")]
    operations = [run_sql_file(__file__, "0015_plot_status_check_planning_first")]
