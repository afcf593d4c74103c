"""Eligibility is configuration: each criterion is checked and explained; vulnerability sets priority."""

import pytest
from django.core.files.base import ContentFile

from households.eligibility import default_scheme, eligibility_assess
from households.models import Document, EligibilityCriterion, Household


def add_document(household, kind):
    return Document.objects.create(
        household=household, kind=kind, file=ContentFile(b"scan", name="scan.pdf"), sha256="0" * 64
    )


@pytest.fixture
def scheme(db):
    return default_scheme()


def test_a_documented_returnee_with_everything_is_eligible(scheme, make_household, users):
    household = make_household(
        head={"name": "Gul", "father_name": "Noor", "sex": "m", "tazkira": "1400-1-2"},
        female_headed=True,
        disability=True,
        status="registered",
    )
    add_document(household, "por_card")
    assessment = eligibility_assess(household=household, scheme=scheme, by=users["officer_nangarhar"])
    assert assessment.eligible and [r["passed"] for r in assessment.results] == [True, True, True, True]
    assert assessment.priority_score == 6
    assert Household.objects.get(pk=household.pk).status == "eligible"


def test_each_failed_criterion_is_explained(scheme, make_household, users):
    household = make_household(
        category="deportee", landless_declared=False, prior_beneficiary=True, status="registered"
    )
    assessment = eligibility_assess(household=household, scheme=scheme, by=users["officer_nangarhar"])
    assert not assessment.eligible
    explanations = {r["criterion"]: r["explanation"] for r in assessment.results if not r["passed"]}
    assert explanations == {
        "category_with_evidence": "“Deportee” needs evidence: upload a Deportation slip.",
        "tazkira_present": "The head of household has no tazkira number recorded.",
        "landless_declared": "Landlessness has not been declared.",
        "not_prior_beneficiary": "The household benefited under an earlier scheme.",
    }
    assert Household.objects.get(pk=household.pk).status == "ineligible"


def test_criteria_and_weights_are_configuration_not_code(scheme, make_household, users):
    scheme.criteria.filter(kind="tazkira_present").delete()
    scheme.priority_weights = {"elderly_head": 10}
    scheme.save()
    criterion = scheme.criteria.get(kind="category_with_evidence")
    criterion.params = {**criterion.params, "host_community": []}  # host community now eligible, no evidence
    criterion.save()
    household = make_household(category="host_community", elderly_head=True, status="registered")
    assessment = eligibility_assess(household=household, scheme=scheme, by=users["officer_nangarhar"])
    assert assessment.eligible and assessment.priority_score == 10
    assert EligibilityCriterion.objects.filter(scheme=scheme).count() == 3


def test_a_partner_cannot_assess(scheme, make_household, users):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        eligibility_assess(household=make_household(), scheme=scheme, by=users["partner"])
