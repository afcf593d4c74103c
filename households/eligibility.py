"""Eligibility: a household assessed against a scheme's configured criteria, and its priority score."""

from django.db import transaction
from django.utils.translation import gettext as _

from households.models import (
    VULNERABILITY_FLAGS,
    Document,
    EligibilityAssessment,
    EligibilityCriterion,
    EligibilityScheme,
    Household,
)
from landreg import roles
from landreg.services_common import require_province, require_role

K = EligibilityCriterion.Kind


def priority_score(household: Household, weights: dict) -> int:
    """Sum of the scheme's weights for the household's vulnerability flags."""
    return sum(int(weights.get(flag, 0)) for flag in VULNERABILITY_FLAGS if getattr(household, flag))


def _check(criterion: EligibilityCriterion, household: Household) -> tuple[bool, str]:
    if criterion.kind == K.CATEGORY_WITH_EVIDENCE:
        evidence = criterion.params.get(household.category)
        label = household.get_category_display()
        if evidence is None:
            return False, _("The category “%(category)s” is not eligible under this scheme.") % {"category": label}
        kinds = set(household.documents.values_list("kind", flat=True))
        if evidence and not kinds.intersection(evidence):
            names = _(" or ").join(str(Document.Kind(k).label) for k in evidence)
            return False, _("“%(category)s” needs evidence: upload a %(docs)s.") % {"category": label, "docs": names}
        return True, _("“%(category)s”, with evidence.") % {"category": label}
    if criterion.kind == K.TAZKIRA_PRESENT:
        head = household.members.filter(relationship="head").first()
        if head and head.tazkira_hash:
            return True, _("The head's tazkira number is recorded (…%(last4)s).") % {"last4": head.tazkira_last4}
        return False, _("The head of household has no tazkira number recorded.")
    if criterion.kind == K.LANDLESS_DECLARED:
        if household.landless_declared:
            return True, _("Landlessness is declared.")
        return False, _("Landlessness has not been declared.")
    if criterion.kind == K.NOT_PRIOR_BENEFICIARY:
        if household.prior_beneficiary:
            return False, _("The household benefited under an earlier scheme.")
        return True, _("No earlier benefit is recorded.")
    raise ValueError(f"unknown criterion {criterion.kind}")


@transaction.atomic
def eligibility_assess(
    *,
    household: Household,
    scheme: EligibilityScheme,
    by,
    decision_reference: str = "",
) -> EligibilityAssessment:
    """Assess each criterion, record the explanation of each, set the household's status and priority."""
    require_role(by, [roles.LAND_OFFICER, roles.COMMITTEE_MEMBER], _("assess eligibility"))
    household = Household.objects.select_for_update().get(pk=household.pk)
    require_province(by, household.province_id, _("This household"))
    results = []
    for criterion in scheme.criteria.all():
        passed, explanation = _check(criterion, household)
        results.append({"criterion": criterion.kind, "passed": passed, "explanation": explanation})
    eligible = bool(results) and all(r["passed"] for r in results)
    assessment = EligibilityAssessment.objects.create(
        household=household,
        scheme=scheme,
        assessed_by=by,
        eligible=eligible,
        priority_score=priority_score(household, scheme.priority_weights),
        results=results,
        decision_reference=decision_reference,
    )
    if household.status in (
        Household.Status.REGISTERED,
        Household.Status.VERIFIED,
        Household.Status.ELIGIBLE,
        Household.Status.INELIGIBLE,
    ):
        household.status = Household.Status.ELIGIBLE if eligible else Household.Status.INELIGIBLE
        household.save(update_fields=["status", "updated_at"])
    return assessment


def default_scheme() -> EligibilityScheme:
    """The MoRR land scheme as configured by default (Decree 305 of 2018); administrators edit it."""
    scheme, created = EligibilityScheme.objects.get_or_create(
        code="decree-305-2018",
        defaults={
            "name": "Land allocation scheme (Decree 305, 2018)",
            "legal_basis": "Presidential Decree 305 (2018)",
            "priority_weights": {
                "female_headed": 3,
                "disability": 3,
                "unaccompanied_child": 3,
                "elderly_head": 2,
                "chronic_illness": 2,
            },
        },
    )
    if created:
        evidence = {
            "documented_returnee": ["por_card"],
            "undocumented_returnee": ["deportation_slip", "other"],
            "deportee": ["deportation_slip"],
            "idp": ["idp_certificate"],
        }
        for order, (kind, params) in enumerate(
            [
                (K.CATEGORY_WITH_EVIDENCE, evidence),
                (K.TAZKIRA_PRESENT, {}),
                (K.LANDLESS_DECLARED, {}),
                (K.NOT_PRIOR_BENEFICIARY, {}),
            ]
        ):
            EligibilityCriterion.objects.create(scheme=scheme, kind=kind, params=params, order=order)
    return scheme
