"""The shelter rules through the services (docs/domain.md, rule 9): each refusal is a sentence that says what to do."""

import uuid

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from allocations.services import allocation_propose, allocation_revoke
from shelters.models import Inspection, ShelterProject, Tranche
from shelters.services import inspection_submit, shelter_project_create, tranche_pay


def codes(error: ValidationError) -> set:
    return (
        {e.code for e in error.error_list}
        if not hasattr(error, "error_dict")
        else {e.code for errors in error.error_dict.values() for e in errors}
    )


def test_it_refuses_a_shelter_on_a_plot_only_proposed(plots, make_household, users):
    household = make_household()
    proposed = allocation_propose(household=household, plot=plots[1], proposed_by=users["officer_nangarhar"])
    with pytest.raises(ValidationError) as refusal:
        shelter_project_create(
            allocation=proposed, implementing_partner="NGO", modality="in_kind", by=users["officer_nangarhar"]
        )
    assert codes(refusal.value) == {"shelter_project_needs_active_allocation"}
    assert "allocated to this household" in " ".join(refusal.value.messages)
    assert not ShelterProject.objects.exists()


def test_it_starts_a_shelter_on_an_allocated_plot_with_its_tranches(project):
    assert project.status == "active" and project.stage_reached is None
    assert list(project.tranches.values_list("stage__code", "amount")) == [("foundation", 40000), ("roof", 60000)]


def test_it_refuses_a_second_shelter_on_the_same_plot(project, users):
    with pytest.raises(ValidationError) as refusal:
        shelter_project_create(
            allocation=project.allocation, implementing_partner="NGO", modality="in_kind", by=users["officer_nangarhar"]
        )
    assert codes(refusal.value) == {"one_open_shelter_project_per_plot"}


def test_stages_pass_in_order(inspect, project):
    with pytest.raises(ValidationError) as refusal:
        inspect("walls_to_lintel")
    assert codes(refusal.value) == {"shelter_stages_pass_in_order"}
    assert "Foundation" in " ".join(refusal.value.messages)
    inspect("foundation")
    inspect("walls_to_lintel")
    project.refresh_from_db()
    assert project.stage_reached.code == "walls_to_lintel"


def test_a_failed_inspection_does_not_advance_the_stage(inspect, project):
    inspect("foundation", result="fail", photos=[])
    project.refresh_from_db()
    assert project.stage_reached is None
    with pytest.raises(ValidationError):
        inspect("walls_to_lintel")


def test_the_last_stage_completes_the_project(inspect, project):
    for stage in project.programme.stages.all():
        inspect(stage.code)
    project.refresh_from_db()
    assert (project.status, project.stage_reached.code) == ("completed", "completed")


def test_a_passed_stage_needs_a_photo(inspect):
    with pytest.raises(ValidationError) as refusal:
        inspect("foundation", photos=[])
    assert codes(refusal.value) == {"photo_required"}


def test_an_inspection_off_the_plot_is_refused(inspect, frame):
    with pytest.raises(ValidationError) as refusal:
        inspect("foundation", point=frame.rect(10, 100, 1, 1).centroid)  # ~75 m north of plot 0
    assert codes(refusal.value) == {"gps_outside_plot"}
    assert "m from plot 0" in " ".join(refusal.value.messages)


def test_an_inspection_just_outside_the_plot_is_within_the_tolerance(inspect, frame):
    assert inspect("foundation", point=frame.rect(10, 45, 1, 1).centroid).distance_m == pytest.approx(20.5, abs=1)


def test_the_tolerance_is_a_setting(inspect, frame, settings):
    settings.LANDREG_INSPECTION_TOLERANCE_M = 10
    with pytest.raises(ValidationError):
        inspect("foundation", point=frame.rect(10, 45, 1, 1).centroid)


def test_a_retried_submission_returns_the_first_inspection(project, field_officer, on_plot, photo):
    key = uuid.uuid4()
    kwargs = dict(
        client_uuid=key,
        plot=project.plot,
        stage="foundation",
        inspected_on=timezone.localdate(),
        by=field_officer,
        result="pass",
        point=on_plot,
        accuracy_m=4,
    )
    first, created = inspection_submit(photos=[photo(seed=7)], **kwargs)
    again, created_again = inspection_submit(photos=[photo(seed=7)], **kwargs)
    assert (created, created_again) == (True, False) and first.pk == again.pk
    assert Inspection.objects.count() == 1 and first.photos.count() == 1


def test_a_tranche_is_paid_only_after_its_stage_passed_with_a_photo_on_the_plot(project, inspect, users):
    officer = users["officer_nangarhar"]
    foundation = project.tranches.get(stage__code="foundation")
    with pytest.raises(ValidationError) as refusal:
        tranche_pay(tranche=foundation, by=officer)
    assert codes(refusal.value) == {"tranche_paid_after_passed_inspection"}
    assert "has not passed an inspection" in " ".join(refusal.value.messages)
    inspection = inspect("foundation")
    paid = tranche_pay(tranche=foundation, by=officer, reference="HAWALA-1")
    assert paid.paid_on == timezone.localdate() and paid.released_by_inspection == inspection


def test_a_failed_inspection_releases_no_tranche(project, inspect, users):
    inspect("foundation", result="fail")
    with pytest.raises(ValidationError) as refusal:
        tranche_pay(tranche=project.tranches.get(stage__code="foundation"), by=users["officer_nangarhar"])
    assert codes(refusal.value) == {"tranche_paid_after_passed_inspection"}


def test_a_paid_tranche_cannot_be_paid_again(project, inspect, users):
    inspect("foundation")
    tranche = project.tranches.get(stage__code="foundation")
    tranche_pay(tranche=tranche, by=users["officer_nangarhar"])
    with pytest.raises(ValidationError) as refusal:
        tranche_pay(tranche=tranche, by=users["officer_nangarhar"])
    assert codes(refusal.value) == {"paid_tranche_is_final"}


def test_no_tranche_is_paid_once_the_allocation_is_revoked(project, inspect, users):
    inspect("foundation")
    allocation_revoke(allocation=project.allocation, reason="fraud", by=users["officer_nangarhar"])
    with pytest.raises(ValidationError) as refusal:
        tranche_pay(tranche=project.tranches.get(stage__code="foundation"), by=users["officer_nangarhar"])
    assert codes(refusal.value) == {"shelter_project_needs_active_allocation"}
    assert Tranche.objects.filter(paid_on__isnull=False).count() == 0


def test_a_field_officer_cannot_pay_a_tranche(project, inspect, field_officer):
    from django.core.exceptions import PermissionDenied

    inspect("foundation")
    with pytest.raises(PermissionDenied):
        tranche_pay(tranche=project.tranches.get(stage__code="foundation"), by=field_officer)
