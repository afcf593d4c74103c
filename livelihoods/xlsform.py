"""The XLSForms for KoboToolbox and ODK Collect, written with openpyxl: the reintegration survey, from the scoring
table itself (livelihoods/survey.py), so the form asks exactly the questions, on exactly the scales, that the
database scores; and the skills profile, from the profile's own choices (livelihoods/models.py). Labels in English,
Dari and Pashto from our translation catalogue.

Field names are the question codes and the profile's fields; livelihoods/kobo.py reads them back.
"""

import io

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from openpyxl import Workbook

from landreg.tabular import safe_append
from livelihoods.models import EducationLevel, Literacy, Occupation, SkillsProfile, SurveyRoundKind
from livelihoods.survey import CURRENT_VERSION, DIMENSION_LABELS, questions

LANGUAGES = [("en", "English (en)"), ("fa", "Dari (prs)"), ("ps", "Pashto (ps)")]
TITLE = "landreg reintegration survey"
FORM_ID = "landreg_reintegration"
PROFILE_TITLE = "landreg skills profile"
PROFILE_FORM_ID = "landreg_skills_profile"
FORMS = ("profile", "survey")
# Occupations a profile form records (ISCO-08 unit groups); more are added on the officers' pages.
PROFILE_OCCUPATIONS = 3
# The languages a profile may list (ISO 639-3).
LANGUAGE_CHOICES = [
    ("prs", gettext_noop("Dari")),
    ("pus", gettext_noop("Pashto")),
    ("eng", gettext_noop("English")),
    ("urd", gettext_noop("Urdu")),
    ("fas", gettext_noop("Persian (Iran)")),
    ("uzb", gettext_noop("Uzbek")),
    ("tuk", gettext_noop("Turkmen")),
    ("ara", gettext_noop("Arabic")),
]
ISCO_CONSTRAINT = "regex(., '^[0-9]{4}$')"
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


def profile_rows() -> tuple[list, list]:
    """The skills profile form: whose profile (household code and the person's landreg number, checked against
    each other on import), education and literacy, up to PROFILE_OCCUPATIONS occupations, certificates, languages,
    the workplace and constraints."""
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
        _q(
            "integer",
            "person_id",
            gettext_noop("The person's number in landreg"),
            hint=gettext_noop("On the household's page, beside the member's name"),
            required="yes",
            constraint=". > 0",
            message=gettext_noop("Write the number shown beside the member's name."),
        ),
        _q("select_one education", "education", gettext_noop("Highest education completed"), required="yes"),
        _q("select_one literacy", "literacy_dari", gettext_noop("Reads and writes Dari"), required="yes"),
        _q("select_one literacy", "literacy_pashto", gettext_noop("Reads and writes Pashto"), required="yes"),
        _q("select_one literacy", "literacy_english", gettext_noop("Reads and writes English"), required="yes"),
    ]
    for n in range(1, PROFILE_OCCUPATIONS + 1):
        survey += [
            _q("begin_group", f"occupation{n}", gettext_noop("Occupation"), appearance="field-list"),
            _q(
                "text",
                f"occupation{n}_isco",
                gettext_noop("ISCO-08 code of the occupation (four digits)"),
                hint=gettext_noop("Leave empty if none; search the occupation list for the code"),
                constraint=ISCO_CONSTRAINT,
                message=gettext_noop("Four digits: an ISCO-08 unit group."),
            ),
            _q(
                "decimal",
                f"occupation{n}_years",
                gettext_noop("Years of experience"),
                constraint=". >= 0 and . <= 80",
                message=gettext_noop("From 0 to 80 years."),
            ),
            _q("select_one learnt_in", f"occupation{n}_learnt_in", gettext_noop("Where the skill was learnt")),
            _q("end_group", ""),
        ]
    survey += [
        _q(
            "text",
            "certificates",
            gettext_noop("Certificates"),
            hint=gettext_noop("Separate them with a semicolon (;)"),
        ),
        _q("select_multiple language", "languages", gettext_noop("Languages spoken")),
        _q("select_one yes_no", "can_work_outside_home", gettext_noop("Can work outside the home"), required="yes"),
        _q("select_one workplace", "workplace_accepted", gettext_noop("Workplace accepted"), required="yes"),
        _q("select_one yes_no", "care_duties", gettext_noop("Has care duties"), required="yes"),
        _q("select_one yes_no", "disability", gettext_noop("Has a disability"), required="yes"),
        _q(
            "decimal",
            "max_travel_km",
            gettext_noop("Furthest the person can travel to work (km)"),
            constraint=". >= 0 and . <= 1000",
            message=gettext_noop("From 0 to 1000 km."),
        ),
    ]
    choices = []
    for list_name, options in (
        ("education", EducationLevel.choices),
        ("literacy", Literacy.choices),
        ("learnt_in", Occupation.LearntIn.choices),
        ("workplace", SkillsProfile.WorkplaceAccepted.choices),
        ("yes_no", [("yes", gettext_noop("Yes")), ("no", gettext_noop("No"))]),
        ("language", LANGUAGE_CHOICES),
    ):
        choices += [[list_name, value, *_labels(str(_english(label)))] for value, label in options]
    return survey, choices


def _english(label) -> str:
    """A choice's English label, the msgid the catalogue translates."""
    with translation.override("en"):
        return str(label)


def form_bytes(form: str, *, version: str = "") -> bytes:
    """The XLSForm (xlsx) of a form: "profile" or "survey"."""
    if form == "profile":
        return _workbook(
            *profile_rows(),
            PROFILE_TITLE,
            PROFILE_FORM_ID,
            version or f"{timezone.now():%Y%m%d%H}",
            "concat(${household_ref}, ' ', ${person_id}, ' ', ${today})",
        )
    return xlsform_bytes(version=version)


def xlsform_bytes(*, version: str = "") -> bytes:
    """The XLSForm (xlsx) of the reintegration survey under the current scoring version."""
    return _workbook(
        *survey_rows(),
        TITLE,
        FORM_ID,
        version or f"{CURRENT_VERSION}-{timezone.now():%Y%m%d%H}",
        "concat(${household_ref}, ' ', ${round}, ' ', ${today})",
    )


def _workbook(survey, choices, title: str, form_id: str, version: str, instance_name: str) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for sheet_title, header, rows in (
        ("survey", SURVEY_HEADER, survey),
        ("choices", ["list_name", "name", *_header()], choices),
        (
            "settings",
            ["form_title", "form_id", "version", "default_language", "instance_name"],
            [[title, form_id, version, "English (en)", instance_name]],
        ),
    ):
        sheet = workbook.create_sheet(sheet_title)
        safe_append(sheet, header)
        for row in rows:
            safe_append(sheet, row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
