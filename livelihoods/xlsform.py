"""The reintegration survey as an XLSForm for KoboToolbox and ODK Collect, written with openpyxl from the scoring
table itself (livelihoods/survey.py), so the form asks exactly the questions, on exactly the scales, that the
database scores. Labels in English, Dari and Pashto from our translation catalogue.

Field names are the question codes; the import of Kobo submissions reads them back (not built yet: docs/livelihoods.md).
"""

import io

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from openpyxl import Workbook

from landreg.tabular import safe_append
from livelihoods.models import SurveyRoundKind
from livelihoods.survey import CURRENT_VERSION, DIMENSION_LABELS, questions

LANGUAGES = [("en", "English (en)"), ("fa", "Dari (prs)"), ("ps", "Pashto (ps)")]
TITLE = "landreg reintegration survey"
FORM_ID = "landreg_reintegration"
HOUSEHOLD_REF_CONSTRAINT = "regex(., '^[A-Za-z0-9_-]+$')"


def _labels(text: str) -> list[str]:
    labels = []
    for code, _name in LANGUAGES:
        with translation.override(code):
            labels.append(_(text) if text else "")
    return labels


def _header(prefix: str = "label") -> list[str]:
    return [f"{prefix}::{name}" for _code, name in LANGUAGES]


SURVEY_HEADER = [
    "type",
    "name",
    *_header(),
    *_header("hint"),
    "required",
    "constraint",
    *_header("constraint_message"),
    "appearance",
]


def _q(qtype, name, label="", hint="", required="", constraint="", message="", appearance=""):
    return [qtype, name, *_labels(label), *_labels(hint), required, constraint, *_labels(message), appearance]


def survey_rows(version: str = CURRENT_VERSION) -> tuple[list, list]:
    survey = [
        _q("start", "start"),
        _q("end", "end"),
        _q("today", "today"),
        _q("username", "username"),
        _q(
            "text",
            "household_ref",
            gettext_noop("Household code"),
            hint=gettext_noop("As written on the household's allocation letter"),
            required="yes",
            constraint=HOUSEHOLD_REF_CONSTRAINT,
            message=gettext_noop("Write the household code: letters, digits and dashes only."),
        ),
        _q("select_one round", "round", gettext_noop("Which round is this?"), required="yes"),
        _q("geopoint", "gps", gettext_noop("Record the GPS position where you meet the household")),
    ]
    choices = [["round", value, *_labels(str(label))] for value, label in SurveyRoundKind.choices]
    for dimension in ("economic", "social", "psychosocial"):
        survey.append(_q("begin_group", dimension, DIMENSION_LABELS[dimension], appearance="field-list"))
        for q in questions(version):
            if q["dimension"] != dimension:
                continue
            survey.append(_q(f"select_one {q['code']}", q["code"], q["label"], required="yes"))
            choices += [[q["code"], str(value), *_labels(label)] for value, label in q["choices"]]
        survey.append(_q("end_group", ""))
    return survey, choices


def xlsform_bytes(*, version: str = "") -> bytes:
    """The XLSForm (xlsx) of the reintegration survey under the current scoring version."""
    survey, choices = survey_rows()
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, header, rows in (
        ("survey", SURVEY_HEADER, survey),
        ("choices", ["list_name", "name", *_header()], choices),
        (
            "settings",
            ["form_title", "form_id", "version", "default_language", "instance_name"],
            [
                [
                    TITLE,
                    FORM_ID,
                    version or f"{CURRENT_VERSION}-{timezone.now():%Y%m%d%H}",
                    "English (en)",
                    "concat(${household_ref}, ' ', ${round}, ' ', ${today})",
                ]
            ],
        ),
    ):
        sheet = workbook.create_sheet(title)
        safe_append(sheet, header)
        for row in rows:
            safe_append(sheet, row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
