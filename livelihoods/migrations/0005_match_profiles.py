"""The matching table, one narrow row per skills profile (docs/livelihoods.md, "Matching at speed"), kept equal to its
sources by the triggers of sql/0005_match_profiles.sql and filled from the profiles already recorded."""

import django.contrib.postgres.fields
from django.db import migrations, models

from landreg.sql_migration import run_sql_file


class Migration(migrations.Migration):
    dependencies = [
        ("livelihoods", "0004_imported_submissions"),
        ("allocations", "0014_documents_issued_once"),
        ("households", "0006_return_evidence"),
        ("movements", "0003_movement_figures"),
    ]

    operations = [
        migrations.CreateModel(
            name="MatchProfile",
            fields=[
                ("profile_id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("person_id", models.BigIntegerField(unique=True)),
                ("household_id", models.BigIntegerField(db_index=True)),
                ("province_id", models.BigIntegerField(null=True)),
                ("sex", models.CharField(max_length=1)),
                ("date_of_birth", models.DateField(null=True)),
                ("category", models.CharField(max_length=24)),
                ("current_district_id", models.BigIntegerField(null=True)),
                ("female_headed", models.BooleanField()),
                ("disability", models.BooleanField()),
                ("elderly_head", models.BooleanField()),
                ("unaccompanied_child", models.BooleanField()),
                ("chronic_illness", models.BooleanField()),
                ("plot_id", models.BigIntegerField(null=True)),
                ("site_id", models.BigIntegerField(null=True)),
                ("max_travel_km", models.DecimalField(decimal_places=1, max_digits=5, null=True)),
                ("workplace_accepted", models.CharField(max_length=10)),
                ("can_work_outside_home", models.BooleanField()),
                (
                    "isco_codes",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.CharField(max_length=4), default=list, size=None
                    ),
                ),
                (
                    "years",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.DecimalField(decimal_places=1, max_digits=4), default=list, size=None
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["province_id"], name="match_profile_province_idx")],
            },
        ),
        run_sql_file(__file__, "0005_match_profiles"),
    ]
