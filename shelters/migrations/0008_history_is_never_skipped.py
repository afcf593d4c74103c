"""Only the application may switch pgtrigger's triggers off (pgtrigger.ignore): a GIS login that sets it and writes
is refused, so no client edits a land record without its history (sql/0008_history_is_never_skipped.sql).

It runs after the last migration of every app whose models keep history, and guards every table that has pgtrigger
triggers (the tracked tables and their append-only event tables)."""

from django.db import migrations

from landreg.sql_migration import run_sql_file


class Migration(migrations.Migration):
    dependencies = [
        ("shelters", "0007_functions_survive_restore"),
        ("landreg", "0010_pseudonym_keys"),
        ("townships", "0014_plot_rules_as_a_set"),
        ("households", "0005_eligibility_reason_codes"),
        ("allocations", "0014_documents_issued_once"),
    ]
    operations = [run_sql_file(__file__, "0008_history_is_never_skipped")]
