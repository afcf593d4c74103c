"""A drawn ballot is immutable, in the database (sql/0011_ballot_is_immutable.sql)."""

from django.db import migrations

from landreg.sql_migration import run_sql_file


class Migration(migrations.Migration):
    dependencies = [("allocations", "0010_ballot")]
    operations = [run_sql_file(__file__, "0011_ballot_is_immutable")]
