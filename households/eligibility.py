"""Eligibility: a household assessed against a scheme's configured criteria, and its priority score."""

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from households.models import (
    VULNERABILITY_FLAGS,
    Category,
    Document,
    EligibilityAssessment,
    EligibilityCriterion,
    EligibilityScheme,
    Household,
    ReturnEvidence,
)
from landreg import roles
from landreg.i18n import choice_label
from landreg.services_common import require_province, require_role

K = EligibilityCriterion.Kind


def priority_score(household: Household, weights: dict) -> int:
    """Sum of the scheme's weights for the household's vulnerability flags."""
    return sum(int(weights.get(flag, 0)) for flag in VULNERABILITY_FLAGS if getattr(household, flag))


# Each criterion's result is stored as a reason code with its parameters, never as a sentence: the sentence is
# rendered in the reader's language when shown (reason_text). The codes and their sentences:
REASONS = {
    "category_not_eligible": gettext_lazy("The category “%(category)s” is not eligible under this scheme."),
    "category_needs_evidence": gettext_lazy("“%(category)s” needs evidence: upload a %(documents)s."),
    "category_with_evidence": gettext_lazy("“%(category)s”, with evidence."),
    "tazkira_recorded": gettext_lazy("The head's tazkira number is recorded (…%(last4)s)."),
    "tazkira_missing": gettext_lazy("The head of household has no tazkira number recorded."),
    "landless_declared": gettext_lazy("Landlessness is declared."),
    "landless_not_declared": gettext_lazy("Landlessness has not been declared."),
    "prior_beneficiary": gettext_lazy("The household benefited under an earlier scheme."),
    "no_prior_benefit": gettext_lazy("No earlier benefit is recorded."),
    "returned_within_window": gettext_lazy(
        "Returned on %(day)s, within the scheme's window (%(window)s), with evidence: %(evidence)s."
    ),
    "return_outside_window": gettext_lazy(
        "The return recorded on %(day)s is outside the scheme's window (%(window)s)."
    ),
    "return_without_evidence": gettext_lazy(
        "No return within the scheme's window (%(window)s) is proven: record the arrival at the border, or upload a "
        "%(documents)s with its date of issue."
    ),
    # The seeded demonstration's assessments (demo/households.py) say what they are.
    "demonstration": gettext_lazy("Demonstration assessment."),
}


def reason_text(result: dict) -> str:
    """One stored criterion result as a sentence in the current language. Parameters that are codes (a category,
    document kinds) are translated too. A result stored before reason codes, whose sentence no code matched,
    keeps its sentence as it was written."""
    code = result.get("reason", "")
    if code not in REASONS:
        return result.get("explanation", "")
    params = dict(result.get("params", {}))
    if "category" in params:
        params["category"] = choice_label(Category, params["category"])
    if "documents" in params:
        params["documents"] = _(" or ").join(choice_label(Document.Kind, k) for k in params["documents"])
    if "evidence" in params:
        params["evidence"] = evidence_label(params["evidence"])
    if "window" in params:
        params["window"] = window_text(params["window"])
    return str(REASONS[code]) % params


def evidence_label(kind: str) -> str:
    """A proof of return by its code: a return record's kind or a document's kind."""
    if kind in ReturnEvidence.Kind.values:
        return str(choice_label(ReturnEvidence.Kind, kind))
    return str(choice_label(Document.Kind, kind))


def window_text(window: list) -> str:
    """[since, until] (ISO dates, either may be empty) as words."""
    since, until = window
    if since and until:
        return _("from %(since)s to %(until)s") % {"since": since, "until": until}
    if since:
        return _("since %(since)s") % {"since": since}
    return _("until %(until)s") % {"until": until} if until else _("any date")


def return_window(params: dict, today) -> tuple:
    """The scheme's window of return as (first day or None, last day or None), from its criterion's parameters:
    "since" (an ISO date) or "within_days" (counted back from today), and "until"."""
    import datetime

    since = params.get("since") or None
    if since:
        since = datetime.date.fromisoformat(since)
    elif params.get("within_days"):
        since = today - datetime.timedelta(days=int(params["within_days"]))
    until = params.get("until") or None
    return since, datetime.date.fromisoformat(until) if until else None


# What proves a return when a scheme's criterion names none.
RETURN_EVIDENCE_DEFAULT = ("border_arrival", "deportation_slip")


def _returned_within_window(criterion: EligibilityCriterion, household: Household) -> tuple[bool, str, dict]:
    from django.utils import timezone

    since, until = return_window(criterion.params, timezone.localdate())
    window = [since.isoformat() if since else "", until.isoformat() if until else ""]
    kinds = list(criterion.params.get("evidence") or RETURN_EVIDENCE_DEFAULT)
    proofs = [
        (day, kind) for day, kind in household.return_evidence.filter(kind__in=kinds).values_list("returned_on", "kind")
    ] + [
        (day, kind)
        for day, kind in household.documents.filter(kind__in=kinds, issued_on__isnull=False).values_list(
            "issued_on", "kind"
        )
    ]
    inside = sorted(
        (p for p in proofs if (since is None or p[0] >= since) and (until is None or p[0] <= until)), reverse=True
    )
    if inside:
        day, kind = inside[0]
        return True, "returned_within_window", {"day": day.isoformat(), "window": window, "evidence": kind}
    if proofs:
        day = max(p[0] for p in proofs)
        return False, "return_outside_window", {"day": day.isoformat(), "window": window}
    documents = [k for k in kinds if k in Document.Kind.values]
    return False, "return_without_evidence", {"window": window, "documents": documents or ["deportation_slip"]}


def _check(criterion: EligibilityCriterion, household: Household) -> tuple[bool, str, dict]:
    """(passed, reason code, its parameters) of one criterion."""
    if criterion.kind == K.CATEGORY_WITH_EVIDENCE:
        evidence = criterion.params.get(household.category)
        category = {"category": household.category}
        if evidence is None:
            return False, "category_not_eligible", category
        kinds = set(household.documents.values_list("kind", flat=True))
        if evidence and not kinds.intersection(evidence):
            return False, "category_needs_evidence", {**category, "documents": list(evidence)}
        return True, "category_with_evidence", category
    if criterion.kind == K.TAZKIRA_PRESENT:
        head = household.members.filter(relationship="head").first()
        if head and head.tazkira_hash:
            return True, "tazkira_recorded", {"last4": head.tazkira_last4}
        return False, "tazkira_missing", {}
    if criterion.kind == K.LANDLESS_DECLARED:
        if household.landless_declared:
            return True, "landless_declared", {}
        return False, "landless_not_declared", {}
    if criterion.kind == K.RETURNED_WITHIN_WINDOW:
        return _returned_within_window(criterion, household)
    if criterion.kind == K.NOT_PRIOR_BENEFICIARY:
        if household.prior_beneficiary:
            return False, "prior_beneficiary", {}
        return True, "no_prior_benefit", {}
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
        passed, reason, params = _check(criterion, household)
        results.append({"criterion": criterion.kind, "passed": passed, "reason": reason, "params": params})
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
    if household.status in ASSESSABLE:
        household.status = Household.Status.ELIGIBLE if eligible else Household.Status.INELIGIBLE
        household.save(update_fields=["status", "updated_at"])
    return assessment


# The statuses an assessment may set; a household allocated (or further) keeps its status.
ASSESSABLE = (
    Household.Status.REGISTERED,
    Household.Status.VERIFIED,
    Household.Status.ELIGIBLE,
    Household.Status.INELIGIBLE,
)


def eligibility_reassess(*, household: Household, by) -> EligibilityAssessment | None:
    """After a fact changed (evidence added, a member or the household corrected): assess again against the
    scheme of the last assessment, if there was one and the household is still being assessed. None otherwise."""
    last = household.assessments.select_related("scheme").first()
    status = Household.objects.filter(pk=household.pk).values_list("status", flat=True).first()
    if last is None or status not in ASSESSABLE:
        return None
    return eligibility_assess(household=household, scheme=last.scheme, by=by)


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
