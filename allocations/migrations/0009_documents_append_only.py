"""Issued documents are append-only (sql/0009_documents_append_only.sql)."""

from django.db import migrations

from landreg.sql_migration import run_sql_file


class Migration(migrations.Migration):
    dependencies = [("allocations", "0008_documents")]
    operations = [run_sql_file(__file__, "0009_documents_append_only")]
