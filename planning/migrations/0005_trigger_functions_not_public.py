"""The planning app's SECURITY DEFINER trigger functions are not executable by PUBLIC
(sql/0005_trigger_functions_not_public.sql)."""

from django.db import migrations

from landreg.sql_migration import run_sql_file


class Migration(migrations.Migration):
    dependencies = [("planning", "0004_plot_site_follows_the_plot_id")]
    operations = [run_sql_file(__file__, "0005_trigger_functions_not_public")]
