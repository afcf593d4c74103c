"""The livelihoods figures of a township and the townships at risk of a province, as the dashboards draw them
(bars of inline SVG, numbers in the reader's digits). The figures and the small-cell rule are the selectors'
(livelihoods/selectors.py); this only lays them out, for the livelihoods township page and the township dashboard."""

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from landreg import calendar
from landreg.i18n import choice_label, local_name
from landreg.sharing import SMALL_CELL, SUPPRESSED
from livelihoods import selectors
from livelihoods.models import SurveyRoundKind
from townships.models import Township

REFERRAL_STEPS = ("referred", "enrolled", "completed")
COLOURS = {"f": "#984ea3", "m": "#377eb8"}
# Walking distance on the dashboards: the default matching programme's (livelihoods.models.MatchingProgramme).
WALKING_KM = 2.5


def _count(n) -> dict:
    """A count as shown: a suppressed cell says "fewer than 5" and draws no bar (its length would tell it)."""
    if n == SUPPRESSED:
        return {"n": None, "text": _("fewer than %(n)s") % {"n": calendar.number_text(SMALL_CELL, places=0)}}
    return {"n": n, "text": calendar.number_text(n, places=0)}


def _score(value) -> dict:
    if value is None:
        return {"text": "—", "width": 0}
    return {"text": calendar.number_text(value, places=1), "width": max(0.0, min(100.0, float(value)))}


def township_summary(user, township) -> dict:
    data = selectors.township_livelihoods_summary(user, township, walking_km=WALKING_KM)
    steps = {
        "referred": _("Referred"),
        "enrolled": _("Enrolled"),
        "completed": _("Completed"),
    }
    by_sex = data["referrals_by_sex"]
    largest = max([n for s in REFERRAL_STEPS for n in by_sex[s].values() if isinstance(n, int)] + [1])
    referrals = []
    for status in REFERRAL_STEPS:
        cells = []
        for sex, label in (("f", _("Women")), ("m", _("Men"))):
            count = _count(by_sex[status][sex])
            cells.append(
                {
                    "sex": sex,
                    "label": label,
                    "text": count["text"],
                    "width": 0 if count["n"] is None else round(100 * count["n"] / largest, 1),
                    "colour": COLOURS[sex],
                }
            )
        referrals.append({"status": status, "label": steps[status], "cells": cells})
    scores = []
    for row in data["scores_by_round"]:
        scores.append(
            {
                "round": row["round"],
                "label": choice_label(SurveyRoundKind, row["round"]),
                "households": _count(row["households"])["text"],
                "suppressed": row["suppressed"],
                "composite": _score(row["composite"]),
                "economic": _score(row["economic"]),
                "social": _score(row["social"]),
                "psychosocial": _score(row["psychosocial"]),
            }
        )
    return {
        "walking_km": calendar.number_text(WALKING_KM, places=1),
        "near_km": calendar.number_text(selectors.NEAR_KM, places=0),
        "walking": calendar.number_text(data["opportunities_within_walking"], places=0),
        "near": calendar.number_text(data["opportunities_within_near"], places=0),
        "referrals": referrals,
        "days_paid": calendar.number_text(data["cash_for_work_days_paid"], places=0),
        "scores": scores,
    }


def at_risk_rows(user, province) -> list[dict]:
    """The townships at risk of a province, each reason as a sentence."""
    rows = []
    found = selectors.townships_at_risk(user, province=province)
    townships = Township.objects.in_bulk([row["township"] for row in found])
    for row in found:
        reasons = []
        for reason in row["reasons"]:
            if reason["code"] == "score_falling":
                reasons.append(
                    _("The mean composite score fell from %(from)s (%(from_round)s) to %(to)s (%(to_round)s).")
                    % {
                        "from": calendar.number_text(reason["from"], places=1),
                        "to": calendar.number_text(reason["to"], places=1),
                        "from_round": choice_label(SurveyRoundKind, reason["from_round"]),
                        "to_round": choice_label(SurveyRoundKind, reason["to_round"]),
                    }
                )
            else:
                reasons.append(
                    _("Only %(share)s of the %(n)s households surveyed 12 months after handover live on their plot.")
                    % {
                        "share": calendar.number_text(100 * reason["share"], places=0)
                        + ("٪" if (get_language() or "en")[:2] in calendar.RTL_LANGUAGES else "%"),
                        "n": calendar.number_text(reason["households"], places=0),
                    }
                )
        township = townships.get(row["township"])
        name = local_name(township) if township else row["township_name"]
        rows.append({"township": row["township"], "name": name, "reasons": reasons})
    return rows
