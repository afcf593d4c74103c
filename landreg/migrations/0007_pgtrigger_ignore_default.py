"""A database default for pgtrigger.ignore, so history triggers stay linear on bulk writes (see the SQL)."""

from django.db import migrations

from landreg.sql_migration import run_sql_file


class Migration(migrations.Migration):
    dependencies = [("landreg", "0006_gis_rows_by_province")]
    operations = [run_sql_file(__file__, "0007_pgtrigger_ignore_default")]
