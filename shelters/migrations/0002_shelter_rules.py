"""Installs the shelter rules in PostGIS (sql/0002_shelter_rules.sql) and the default programme's stages."""

from django.db import migrations

from landreg.sql_migration import run_sql_file

STAGES = [
    ("foundation", "Foundation", ["footing_depth_ok", "plinth_level", "damp_proof_course"]),
    ("walls_to_lintel", "Walls to lintel", ["walls_plumb", "lintel_height_ok", "corner_bonding"]),
    ("roof", "Roof", ["roof_beams_fixed", "roof_watertight", "ring_beam"]),
    ("doors_windows", "Doors and windows", ["doors_fitted", "windows_fitted", "locks_work"]),
    ("latrine", "Latrine", ["latrine_built", "pit_lined", "distance_from_water_ok"]),
    ("completed", "Completed", ["household_moved_in", "site_cleared"]),
]


def default_programme(apps, schema_editor):
    Programme = apps.get_model("shelters", "Programme")
    Stage = apps.get_model("shelters", "Stage")
    programme, _ = Programme.objects.get_or_create(code="default", defaults={"name": "Permanent shelter (default)"})
    for position, (code, name, checklist) in enumerate(STAGES, start=1):
        Stage.objects.get_or_create(
            programme=programme, code=code, defaults={"position": position, "name": name, "checklist": checklist}
        )


class Migration(migrations.Migration):
    dependencies = [("shelters", "0001_initial")]
    operations = [
        run_sql_file(__file__, "0002_shelter_rules"),
        migrations.RunPython(default_programme, migrations.RunPython.noop),
    ]
