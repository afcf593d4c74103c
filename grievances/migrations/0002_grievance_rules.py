"""The rules of grievances in the database, for every client (grievances/sql/0002_grievance_rules.sql): deadlines
from the seeded policy, steps append-only and in order, a status only with its step, a dispute's overlap measured
and its plot not allocated while it is open, an appeal decided and checked by other committee members."""

from django.db import migrations

from landreg.sql_migration import run_sql_file


class Migration(migrations.Migration):
    dependencies = [
        ("grievances", "0001_initial"),
        ("allocations", "0014_documents_issued_once"),  # the allocation trigger, landreg_written_by_this_transaction
        ("townships", "0014_plot_rules_as_a_set"),  # landreg_raise, landreg_geometry_problem, landreg_utm_srid
        ("shelters", "0008_history_is_never_skipped"),  # landreg_guard_history
        ("landreg", "0010_pseudonym_keys"),
    ]
    operations = [run_sql_file(__file__, "0002_grievance_rules")]
