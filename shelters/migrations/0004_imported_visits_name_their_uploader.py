"""Installs the rule imported_visit_names_its_uploader (sql/0004_imported_visits_name_their_uploader.sql)."""

from django.db import migrations

from landreg.sql_migration import run_sql_file


class Migration(migrations.Migration):
    dependencies = [("shelters", "0003_import_records_uploader")]
    operations = [run_sql_file(__file__, "0004_imported_visits_name_their_uploader")]
