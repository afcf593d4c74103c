"""Eligibility results stored as sentences in the assessor's language become reason codes with parameters, which
are rendered in the reader's language (households/eligibility.py, reason_text). A sentence is matched against each
reason's sentence in English, Dari and Pashto; one that matches none keeps its sentence, which is then shown as
written."""

import re

from django.db import migrations
from django.utils import translation

# The sentences and labels as they were when this migration was written (frozen: later wording changes must not
# change what this migration reads).
REASONS = {
    "category_not_eligible": "The category “%(category)s” is not eligible under this scheme.",
    "category_needs_evidence": "“%(category)s” needs evidence: upload a %(documents)s.",
    "category_with_evidence": "“%(category)s”, with evidence.",
    "tazkira_recorded": "The head's tazkira number is recorded (…%(last4)s).",
    "tazkira_missing": "The head of household has no tazkira number recorded.",
    "landless_declared": "Landlessness is declared.",
    "landless_not_declared": "Landlessness has not been declared.",
    "prior_beneficiary": "The household benefited under an earlier scheme.",
    "no_prior_benefit": "No earlier benefit is recorded.",
    "demonstration": "Demonstration assessment.",
}
CATEGORIES = {
    "documented_returnee": "Documented returnee",
    "undocumented_returnee": "Undocumented returnee",
    "deportee": "Deportee",
    "idp": "Internally displaced person",
    "host_community": "Host community",
}
DOCUMENT_KINDS = {
    "tazkira": "Tazkira (national ID) scan",
    "por_card": "PoR card",
    "deportation_slip": "Deportation slip",
    "idp_certificate": "IDP registration certificate",
    "landlessness": "Landlessness declaration",
    "committee_decision": "Committee decision",
    "photo": "Photo",
    "other": "Other",
}
LANGUAGES = ("en", "fa", "ps")


def _pattern(sentence: str) -> re.Pattern:
    parts = re.split(r"%\((\w+)\)s", sentence)
    regex = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(parts))
    return re.compile(f"^{regex}$")


def _readers():
    """(code, pattern, labels of categories, labels of document kinds, the word "or") in each language."""
    from django.utils.translation import gettext

    for language in LANGUAGES:
        with translation.override(language):
            categories = {gettext(label): code for code, label in CATEGORIES.items()}
            kinds = {gettext(label): code for code, label in DOCUMENT_KINDS.items()}
            joiner = gettext(" or ")
            for code, sentence in REASONS.items():
                yield code, _pattern(gettext(sentence)), categories, kinds, joiner


def _coded(result: dict, readers: list) -> dict:
    if "reason" in result or "explanation" not in result:
        return result
    text = result["explanation"]
    for code, pattern, categories, kinds, joiner in readers:
        match = pattern.match(text)
        if not match:
            continue
        params, ok = {}, True
        for name, value in match.groupdict().items():
            if name == "category":
                ok = ok and value in categories
                params[name] = categories.get(value, "")
            elif name == "documents":
                found = [kinds.get(label) for label in value.split(joiner)]
                ok = ok and all(found)
                params[name] = found
            else:
                params[name] = value
        if ok:
            return {
                "criterion": result.get("criterion", ""),
                "passed": result.get("passed"),
                "reason": code,
                "params": params,
            }
    return result


def to_reason_codes(apps, schema_editor):
    Assessment = apps.get_model("households", "EligibilityAssessment")
    readers = list(_readers())
    for assessment in Assessment.objects.all().iterator():
        results = [_coded(r, readers) for r in assessment.results]
        if results != assessment.results:
            assessment.results = results
            assessment.save(update_fields=["results"])


def to_sentences(apps, schema_editor):
    """Back to English sentences (the reverse cannot know the assessor's language)."""
    Assessment = apps.get_model("households", "EligibilityAssessment")
    for assessment in Assessment.objects.all().iterator():
        results = []
        for r in assessment.results:
            if "reason" in r and r["reason"] in REASONS:
                params = dict(r.get("params", {}))
                if "category" in params:
                    params["category"] = CATEGORIES.get(params["category"], params["category"])
                if "documents" in params:
                    params["documents"] = " or ".join(DOCUMENT_KINDS.get(k, k) for k in params["documents"])
                r = {
                    "criterion": r.get("criterion", ""),
                    "passed": r.get("passed"),
                    "explanation": REASONS[r["reason"]] % params,
                }
            results.append(r)
        assessment.results = results
        assessment.save(update_fields=["results"])


class Migration(migrations.Migration):
    dependencies = [("households", "0004_person_names_phone_history")]

    operations = [migrations.RunPython(to_reason_codes, to_sentences)]
