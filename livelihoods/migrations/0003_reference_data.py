"""Loads the shipped reference data: ISCO-08 and ISIC Rev.4 (livelihoods/data/), the reintegration survey's
scoring table (livelihoods/survey.py) and the default matching programme."""

from django.db import migrations

from livelihoods.reference import load_isco, load_isic, seed_default_programme, seed_survey_questions


def forwards(apps, schema_editor):
    load_isco(apps.get_model("livelihoods", "IscoOccupation"))
    load_isic(apps.get_model("livelihoods", "IsicActivity"))
    seed_survey_questions(apps.get_model("livelihoods", "SurveyQuestion"))
    seed_default_programme(apps.get_model("livelihoods", "MatchingProgramme"))


class Migration(migrations.Migration):
    dependencies = [("livelihoods", "0002_livelihood_rules")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
