"""Installs the rules closed_review_is_final and closed_review_has_outcome_and_note
(sql/0006_closed_review_is_final.sql)."""

from django.db import migrations

from landreg.sql_migration import run_sql_file


class Migration(migrations.Migration):
    dependencies = [("shelters", "0005_review_closing_recorded")]
    operations = [run_sql_file(__file__, "0006_closed_review_is_final")]
