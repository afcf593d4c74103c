"""landreg_refuse_repeatable_read(rule): the refusal, at REPEATABLE READ, of a rule judged against what other
writers have committed (sql/0013_refuse_repeatable_read.sql)."""

from django.db import migrations

from landreg.sql_migration import run_sql_file


class Migration(migrations.Migration):
    dependencies = [("landreg", "0012_rate_windows")]
    operations = [run_sql_file(__file__, "0013_refuse_repeatable_read")]
