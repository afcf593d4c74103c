"""A return proven by another register (an arrival recorded at the border) is evidence that eligibility reads
through the households' own models: the criterion "returned within the scheme's window, with evidence"."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone

from households.eligibility import eligibility_assess, reason_text
from households.models import Document, EligibilityCriterion, EligibilityScheme, Household, ReturnEvidence
from households.services import household_transfer_province, return_evidence_record
from parcels.models import CrossingPoint


@pytest.fixture
def torkham(provinces):
    return CrossingPoint.objects.create(
        code="torkham",
        name_en="Torkham",
        province=provinces["nangarhar"],
        neighbouring_country="PK",
        main=True,
        geom="SRID=4326;POINT(71.093 34.102)",
        source="test",
        precision_km=2,
    )


@pytest.fixture
def window_scheme(db):
    scheme = EligibilityScheme.objects.create(code="returns-2023", name="Returns since September 2023")
    EligibilityCriterion.objects.create(
        scheme=scheme,
        kind="returned_within_window",
        params={"since": "2023-09-15", "evidence": ["border_arrival", "deportation_slip"]},
    )
    return scheme


def test_a_border_arrival_within_the_window_makes_the_return_proven(window_scheme, make_household, users, torkham):
    household = make_household(status="registered")
    assessment = eligibility_assess(household=household, scheme=window_scheme, by=users["officer_nangarhar"])
    assert not assessment.eligible
    assert reason_text(assessment.results[0]).startswith("No return within the scheme's window (since 2023-09-15)")
    evidence = return_evidence_record(
        household=household,
        kind="border_arrival",
        returned_on=datetime.date(2024, 3, 2),
        reference="movements.arrival:1",
        crossing_point=torkham,
        country_returned_from="PK",
        by=users["officer_nangarhar"],
    )
    # recording evidence reassesses against the scheme of the last assessment
    latest = household.assessments.first()
    assert latest.eligible and latest.results[0]["reason"] == "returned_within_window"
    assert reason_text(latest.results[0]) == (
        "Returned on 2024-03-02, within the scheme's window (since 2023-09-15), with evidence: Arrival recorded at a "
        "border crossing point."
    )
    household.refresh_from_db()
    assert (household.return_date, household.country_returned_from) == (datetime.date(2024, 3, 2), "PK")
    # the same record again is the same evidence, not a second one
    again = return_evidence_record(
        household=household,
        kind="border_arrival",
        returned_on=datetime.date(2024, 3, 2),
        reference="movements.arrival:1",
        by=users["officer_nangarhar"],
    )
    assert again.pk == evidence.pk and ReturnEvidence.objects.count() == 1


def test_a_return_before_the_window_is_explained(window_scheme, make_household, users):
    household = make_household(status="registered")
    return_evidence_record(
        household=household,
        kind="border_arrival",
        returned_on=datetime.date(2021, 5, 1),
        reference="movements.arrival:7",
        by=users["officer_nangarhar"],
    )
    assessment = eligibility_assess(household=household, scheme=window_scheme, by=users["officer_nangarhar"])
    assert not assessment.eligible
    assert reason_text(assessment.results[0]) == (
        "The return recorded on 2021-05-01 is outside the scheme's window (since 2023-09-15)."
    )


def test_a_dated_deportation_slip_proves_the_return_too_and_a_window_may_count_back(make_household, users):
    scheme = EligibilityScheme.objects.create(code="last-3-years", name="Returns of the last three years")
    EligibilityCriterion.objects.create(
        scheme=scheme, kind="returned_within_window", params={"within_days": 3 * 365, "evidence": ["deportation_slip"]}
    )
    household = make_household(status="registered")
    Document.objects.create(
        household=household,
        kind="deportation_slip",
        file=ContentFile(b"scan", name="slip.pdf"),
        sha256="0" * 64,
        issued_on=timezone.localdate() - datetime.timedelta(days=40),
    )
    assert eligibility_assess(household=household, scheme=scheme, by=users["officer_nangarhar"]).eligible
    Document.objects.update(issued_on=timezone.localdate() - datetime.timedelta(days=4 * 365))
    assert not eligibility_assess(household=household, scheme=scheme, by=users["officer_nangarhar"]).eligible


def test_one_record_proves_one_household_only(make_household, users):
    first, second = make_household(), make_household()
    return_evidence_record(
        household=first,
        kind="border_arrival",
        returned_on=datetime.date(2024, 1, 1),
        reference="movements.arrival:3",
        by=users["officer_nangarhar"],
    )
    with pytest.raises(ValidationError) as refusal:
        return_evidence_record(
            household=second,
            kind="border_arrival",
            returned_on=datetime.date(2024, 1, 1),
            reference="movements.arrival:3",
            by=users["officer_nangarhar"],
        )
    assert refusal.value.code == "return_evidence_recorded_once"


def test_evidence_is_recorded_only_by_border_roles_in_their_provinces(
    make_household, users, field_officer, window_scheme
):
    household = make_household(status="registered")
    eligibility_assess(household=household, scheme=window_scheme, by=users["officer_nangarhar"])
    for user in (users["officer_herat"], users["partner"], users["gis"], users["committee"]):
        with pytest.raises(PermissionDenied):
            return_evidence_record(
                household=household,
                kind="border_arrival",
                returned_on=datetime.date(2024, 1, 1),
                reference="movements.arrival:9",
                by=user,
            )
    assert return_evidence_record(
        household=household,
        kind="border_arrival",
        returned_on=datetime.date(2024, 1, 1),
        reference="movements.arrival:9",
        by=field_officer,
    )
    # a field officer does not assess: the evidence waits for the next assessment, which reads it
    assert household.assessments.count() == 1 and not household.assessments.get().eligible
    assert eligibility_assess(household=household, scheme=window_scheme, by=users["officer_nangarhar"]).eligible


def test_a_household_passes_to_the_receiving_province(make_household, users, provinces):
    household = make_household()
    with pytest.raises(PermissionDenied):
        household_transfer_province(household=household, to_province=provinces["nangarhar"], by=users["officer_herat"])
    with pytest.raises(ValidationError):
        household_transfer_province(
            household=household, to_province=provinces["nangarhar"], by=users["officer_nangarhar"]
        )
    household_transfer_province(household=household, to_province=provinces["herat"], by=users["officer_nangarhar"])
    assert Household.objects.get(pk=household.pk).province == provinces["herat"]
