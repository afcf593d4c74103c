"""Creates the database roles for QGIS, landreg_gis_editor and landreg_reader, and grants them this
database's published layers (sql/0004_gis_roles.sql)."""

from django.db import migrations

from landreg.sql_migration import run_sql_file


class Migration(migrations.Migration):
    dependencies = [
        ("landreg", "0003_roles"),
        ("townships", "0007_layer_version_triggers"),
        ("parcels", "0002_db_defaults"),
    ]
    operations = [run_sql_file(__file__, "0004_gis_roles")]
