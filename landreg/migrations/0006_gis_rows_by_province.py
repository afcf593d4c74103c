"""Row-level security by province for GIS editors' logins (sql/0006_gis_rows_by_province.sql)."""

from django.db import migrations

from landreg.sql_migration import run_sql_file


class Migration(migrations.Migration):
    dependencies = [("landreg", "0005_gis_login_province"), ("townships", "0007_layer_version_triggers")]
    operations = [run_sql_file(__file__, "0006_gis_rows_by_province")]
