"""XLSForms for KoboToolbox and ODK Collect (shelter inspection, occupancy check), written with openpyxl.

Field names are the ones shelters/kobo.py reads back; labels come in English, Dari and Pashto from our own
translation catalogue, so a team already using Kobo or ODK records exactly what the field pages record.
"""

import io

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from openpyxl import Workbook

from landreg.tabular import safe_append
from shelters.models import CHECKLIST_LABELS, DEFAULT_CHECKLIST, OccupancyCheck
from shelters.services import programme_default

FORMS = ("inspection", "occupancy")
LANGUAGES = [("en", "English (en)"), ("fa", "Dari (prs)"), ("ps", "Pashto (ps)")]


def _labels(text: str) -> list[str]:
    """The same text in each form language (translated by our catalogue where it has a translation)."""
    labels = []
    for code, _name in LANGUAGES:
        with translation.override(code):
            labels.append(_(text))
    return labels


def _sheet(workbook, title, header, rows):
    """A sheet of the form; configured names (a stage, a checklist item) are data, so cells go through
    landreg.tabular: a stage named `=HYPERLINK(…)` stays text, never a formula."""
    sheet = workbook.create_sheet(title)
    safe_append(sheet, header)
    for row in rows:
        safe_append(sheet, row)
    return sheet


def _label_header(prefix="label"):
    return [f"{prefix}::{name}" for _code, name in LANGUAGES]


def _survey_header():
    return [
        "type",
        "name",
        *_label_header(),
        *_label_header("hint"),
        "required",
        "relevant",
        "constraint",
        *_label_header("constraint_message"),
        "choice_filter",
        "appearance",
        "parameters",
    ]


def _q(
    qtype,
    name,
    label,
    hint="",
    required="",
    relevant="",
    constraint="",
    constraint_message="",
    choice_filter="",
    appearance="",
    parameters="",
):
    return [
        qtype,
        name,
        *(_labels(label) if label else ["", "", ""]),
        *(_labels(hint) if hint else ["", "", ""]),
        required,
        relevant,
        constraint,
        *(_labels(constraint_message) if constraint_message else ["", "", ""]),
        choice_filter,
        appearance,
        parameters,
    ]


PLOT_REF_CONSTRAINT = "regex(., '^[A-Za-z0-9_-]+/[A-Za-z0-9_-]+$')"


def _common_head():
    return [
        _q("start", "start", ""),
        _q("end", "end", ""),
        _q("today", "today", ""),
        _q("username", "username", ""),
        _q(
            "text",
            "plot_ref",
            gettext_noop("Plot"),
            hint=gettext_noop("Township code / plot number, as painted on the plot, e.g. NAN-SM/112"),
            required="yes",
            constraint=PLOT_REF_CONSTRAINT,
            constraint_message=gettext_noop("Write the township code, a slash, and the plot number."),
        ),
    ]


def _gps_question():
    return _q(
        "geopoint",
        "gps",
        gettext_noop("Stand on the plot and record the GPS position"),
        required="yes",
        constraint=". != ''",
        constraint_message=gettext_noop("The visit needs the GPS point where you stand."),
    )


def inspection_rows():
    programme = programme_default()
    survey = _common_head() + [
        _q("select_one stage", "stage", gettext_noop("Construction stage inspected"), required="yes"),
        _q(
            "select_multiple checklist",
            "checklist",
            gettext_noop("What is done (tick what you see)"),
            choice_filter="stage=${stage}",
        ),
        _q("select_one result", "result", gettext_noop("Does the stage pass?"), required="yes"),
        _gps_question(),
        _q(
            "image",
            "photo1",
            gettext_noop("Photo of the work"),
            hint=gettext_noop("Take it with the camera on the plot: a passed stage needs at least one photo."),
            required="${result} = 'pass'",
        ),
        _q("image", "photo2", gettext_noop("Second photo (optional)")),
        _q("image", "photo3", gettext_noop("Third photo (optional)")),
        _q("text", "remarks", gettext_noop("Remarks"), appearance="multiline"),
    ]
    choices = []
    for stage in programme.stages.all():
        choices.append(["stage", stage.code, *_labels(stage.name), ""])
    for stage in programme.stages.all():
        for item in stage.checklist or DEFAULT_CHECKLIST.get(stage.code, []):
            choices.append(
                ["checklist", item, *_labels(CHECKLIST_LABELS.get(item, item.replace("_", " "))), stage.code]
            )
    choices += [
        ["result", "pass", *_labels(gettext_noop("Passed")), ""],
        ["result", "fail", *_labels(gettext_noop("Failed")), ""],
    ]
    return survey, choices


def occupancy_rows():
    survey = _common_head() + [
        _q("select_one finding", "finding", gettext_noop("Who did you find on the plot?"), required="yes"),
        _gps_question(),
        _q("image", "photo1", gettext_noop("Photo of the plot (optional)")),
        _q(
            "text",
            "remarks",
            gettext_noop("Remarks"),
            hint=gettext_noop("Who lives there, what neighbours say"),
            appearance="multiline",
        ),
    ]
    choices = [["finding", value, *_labels(str(label)), ""] for value, label in OccupancyCheck.Finding.choices]
    return survey, choices


TITLES = {"inspection": "landreg shelter inspection", "occupancy": "landreg occupancy check"}


def xlsform_bytes(form: str, *, version: str = "") -> bytes:
    """The XLSForm (xlsx) for 'inspection' or 'occupancy'."""
    from django.utils import timezone

    survey, choices = {"inspection": inspection_rows, "occupancy": occupancy_rows}[form]()
    workbook = Workbook()
    workbook.remove(workbook.active)
    _sheet(workbook, "survey", _survey_header(), survey)
    _sheet(workbook, "choices", ["list_name", "name", *_label_header(), "stage"], choices)
    _sheet(
        workbook,
        "settings",
        ["form_title", "form_id", "version", "default_language", "instance_name"],
        [
            [
                TITLES[form],
                f"landreg_{form}",
                version or timezone.now().strftime("%Y%m%d%H"),
                "English (en)",
                "concat(${plot_ref}, ' ', ${today})",
            ]
        ],
    )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
