"""The shelter services act only within the caller's provinces (planning a tranche), and the database's rule on
imported visits reaches a person as a sentence."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from landreg.rules import database_rules_explained
from shelters.models import Inspection, ShelterProject, Tranche
from shelters.services import tranche_add


def test_an_officer_cannot_plan_a_tranche_on_a_shelter_of_another_province(project, users):
    before = list(Tranche.objects.values_list("pk", flat=True))
    with pytest.raises(PermissionDenied) as refusal:
        tranche_add(project=project, stage="walls_to_lintel", amount=30000, by=users["officer_herat"])
    assert str(refusal.value) == "Township Test township is outside your provinces."
    assert list(Tranche.objects.values_list("pk", flat=True)) == before


def test_an_officer_plans_a_tranche_on_a_shelter_of_their_province(project, users):
    tranche = tranche_add(project=project, stage="walls_to_lintel", amount=30000, by=users["officer_nangarhar"])
    assert tranche.project == project and project.tranches.count() == 3


def test_the_api_door_answers_a_shelter_outside_the_provinces_with_a_404(client, held, users):
    """The API reaches tranche_add through a new project: an allocation outside the caller's provinces does not
    exist for them, and nothing is written."""
    client.force_login(users["officer_herat"])
    response = client.post(
        "/api/v1/field/projects/",
        {
            "allocation": held.pk,
            "implementing_partner": "NGO",
            "modality": "in_kind",
            "tranches": [{"stage": "foundation", "amount": 1000}],
        },
        content_type="application/json",
    )
    assert response.status_code == 404 and "detail" in response.json()
    assert not ShelterProject.objects.exists() and not Tranche.objects.exists()


def test_an_imported_visit_without_its_uploader_is_refused_with_a_sentence(project, field_officer, on_plot):
    """Rule imported_visit_names_its_uploader, through Django: a sentence, not a DatabaseError (the raw-SQL test is
    tests/shelters/test_shelter_rules_sql.py::test_an_imported_visit_names_its_uploader)."""
    inspection = Inspection(
        project=project,
        stage=project.programme.stages.get(code="foundation"),
        inspected_on=timezone.localdate(),
        inspector=field_officer,
        point=on_plot,
        result="fail",
        source="kobo",
        uploaded_by=None,
    )
    with pytest.raises(ValidationError) as refusal, database_rules_explained(), transaction.atomic():
        inspection.save()
    assert refusal.value.code == "imported_visit_names_its_uploader"
    assert refusal.value.messages == [
        "A visit imported from KoboToolbox or ODK Central must name who uploaded it. Import the export through "
        "landreg's field import (the API or the import_field_submissions command), which records it. "
        "Details: this inspection was imported from kobo without naming who uploaded it."
    ]
    assert not Inspection.objects.exists()
