"""Eligibility is configuration: each criterion is checked and explained; vulnerability sets priority."""

import pytest
from django.core.files.base import ContentFile

from households.eligibility import default_scheme, eligibility_assess, reason_text
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
    explanations = {r["criterion"]: reason_text(r) for r in assessment.results if not r["passed"]}
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


def test_reasons_are_stored_as_codes_and_read_in_the_readers_language(scheme, make_household, users):
    from django.utils import translation

    household = make_household(category="deportee", landless_declared=False, status="registered")
    assessment = eligibility_assess(household=household, scheme=scheme, by=users["officer_nangarhar"])
    stored = {r["criterion"]: (r["reason"], r["params"]) for r in assessment.results}
    assert stored["category_with_evidence"] == (
        "category_needs_evidence",
        {"category": "deportee", "documents": ["deportation_slip"]},
    )
    assert stored["tazkira_present"] == ("tazkira_missing", {})
    assert all("explanation" not in r for r in assessment.results)  # no sentence in the assessor's language
    english = [reason_text(r) for r in assessment.results]
    with translation.override("fa"):
        dari = [reason_text(r) for r in assessment.results]
    assert english[2] == "Landlessness has not been declared."
    catalog_has_it = translation.trans_real.translation("fa").gettext(english[2]) != english[2]
    assert (dari[2] != english[2]) == catalog_has_it  # rendered through the Dari catalog, whatever it holds


def test_a_tazkira_scan_with_its_number_supplies_the_missing_fact_and_reassesses(
    scheme, make_household, users, settings, tmp_path
):
    from households.services import document_add
    from tests.households.test_service_scope import scan

    officer = users["officer_nangarhar"]
    household = make_household(status="registered")  # a head without a tazkira number
    add_document(household, "por_card")
    first = eligibility_assess(household=household, scheme=scheme, by=officer)
    assert not first.eligible and Household.objects.get(pk=household.pk).status == "ineligible"
    settings.MEDIA_ROOT = tmp_path
    document_add(household=household, kind="tazkira", upload=scan(), by=officer, number="1400-0101-77777")
    head = household.members.get(relationship="head")
    assert head.tazkira_last4 == "7777"
    latest = household.assessments.first()
    assert latest.pk != first.pk and latest.eligible and latest.assessed_by == officer
    assert Household.objects.get(pk=household.pk).status == "eligible"


def test_a_scan_never_overwrites_a_recorded_number(scheme, make_household, users, settings, tmp_path):
    from households.services import document_add

    settings.MEDIA_ROOT = tmp_path
    from tests.households.test_service_scope import scan

    household = make_household(head={"name": "Gul", "father_name": "Noor", "sex": "m", "tazkira": "1400-1-1111"})
    document_add(household=household, kind="tazkira", upload=scan(), by=users["officer_nangarhar"], number="9999")
    assert household.members.get(relationship="head").tazkira_last4 == "1111"


def test_the_data_migration_reads_stored_sentences_as_codes():
    import importlib

    migration = importlib.import_module("households.migrations.0005_eligibility_reason_codes")
    readers = list(migration._readers())
    stored = [
        {
            "criterion": "category_with_evidence",
            "passed": False,
            "explanation": "“Deportee” needs evidence: upload a Deportation slip.",
        },
        {
            "criterion": "tazkira_present",
            "passed": True,
            "explanation": "The head's tazkira number is recorded (…3456).",
        },
        {"criterion": "landless_declared", "passed": True, "explanation": "Something nobody wrote a code for."},
    ]
    coded = [migration._coded(r, readers) for r in stored]
    assert coded[0]["reason"] == "category_needs_evidence"
    assert coded[0]["params"] == {"category": "deportee", "documents": ["deportation_slip"]}
    assert (coded[1]["reason"], coded[1]["params"]) == ("tazkira_recorded", {"last4": "3456"})
    assert coded[2] == stored[2] and reason_text(coded[2]) == "Something nobody wrote a code for."
    assert [reason_text(c) for c in coded[:2]] == [s["explanation"] for s in stored[:2]]
