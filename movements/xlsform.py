"""The border registration form as an XLSForm for KoboToolbox and ODK Collect (docs/movements.md), written with
openpyxl: a family on one form, its members in a repeat group. Its choices come from the same models the service
checks (categories, documents, vulnerabilities, assistance, DTM age bands) and from the reference data loaded now
(crossing points, provinces, districts), so the form asks exactly what arrival_register records. Labels in English,
Dari and Pashto from our translation catalogue.

Field names are the ones movements/kobo.py reads back; the submission's instanceID becomes the arrival's
client_uuid, so a submission imported twice is recorded once."""

import io

from django.utils import timezone, translation
from django.utils.translation import gettext_noop
from openpyxl import Workbook

from landreg.tabular import safe_append
from movements.models import (
    AgeBand,
    ArrivalCategory,
    ArrivalMember,
    Assistance,
    Direction,
    DocumentHeld,
    Sex,
    Travelling,
    Vulnerability,
)
from parcels.models import AdminArea, CrossingPoint

FORM_ID = "landreg_border_registration"
TITLE = "landreg border registration"
LANGUAGES = [("en", "English (en)", "name_en"), ("fa", "Dari (prs)", "name_prs"), ("ps", "Pashto (ps)", "name_ps")]
COUNTRY_CONSTRAINT = "regex(., '^[A-Z]{2}$') and . != 'AF'"
ID_NUMBER_CONSTRAINT = "string-length(.) <= 40"


def _labels(text) -> list[str]:
    """The text in each form language (translated by our catalogue where it has a translation)."""
    if not text:
        return ["" for _language in LANGUAGES]
    labels = []
    for code, _name, _column in LANGUAGES:
        with translation.override(code):
            labels.append(str(translation.gettext(str(text))))
    return labels


def _header(prefix: str = "label") -> list[str]:
    return [f"{prefix}::{name}" for _code, name, _column in LANGUAGES]


SURVEY_HEADER = [
    "type",
    "name",
    *_header(),
    *_header("hint"),
    "required",
    "relevant",
    "constraint",
    *_header("constraint_message"),
    "choice_filter",
    "default",
    "appearance",
]


def _q(qtype, name, label="", *, hint="", required="", relevant="", constraint="", message="", choice_filter="",
       default="", appearance=""):  # fmt: skip
    return [
        qtype,
        name,
        *_labels(label),
        *_labels(hint),
        required,
        relevant,
        constraint,
        *_labels(message),
        choice_filter,
        default,
        appearance,
    ]


def _choices(list_name: str, choices) -> list[list]:
    """A list of choices from a model's TextChoices: labels are lazy translations, shown in each language."""
    rows = []
    for value, label in choices.choices:
        texts = []
        for code, _name, _column in LANGUAGES:
            with translation.override(code):
                texts.append(str(label))
        rows.append([list_name, value, *texts, ""])
    return rows


def _areas(list_name: str, areas, parent: bool = False) -> list[list]:
    rows = []
    for area in areas:
        names = [getattr(area, column, "") or area.name_en for _code, _name, column in LANGUAGES]
        rows.append([list_name, area.pcode, *names, area.parent.pcode if parent else ""])
    return rows


def survey_rows() -> tuple[list, list]:
    points = list(CrossingPoint.objects.filter(active=True).order_by("-main", "name_en"))
    provinces = list(AdminArea.objects.filter(level=AdminArea.Level.PROVINCE).order_by("pcode"))
    districts = list(
        AdminArea.objects.filter(level=AdminArea.Level.DISTRICT, parent__isnull=False)
        .select_related("parent")
        .order_by("pcode")
    )
    survey = [
        _q("start", "start"),
        _q("end", "end"),
        _q("today", "today"),
        _q("username", "username"),
        _q("begin_group", "crossing", gettext_noop("The crossing"), appearance="field-list"),
        _q("select_one crossing_point", "crossing_point", gettext_noop("Crossing point"), required="yes"),
        _q(
            "dateTime",
            "crossed_at",
            gettext_noop("Date and time of the crossing"),
            required="yes",
            constraint=". <= now() + 0.0105",  # 15 minutes (in days) of a phone's clock running fast
            message=gettext_noop("The crossing is in the future; check the date and time."),
        ),
        _q("select_one direction", "direction", gettext_noop("Direction"), required="yes", default="in"),
        _q("select_one category", "category", gettext_noop("Category of return"), required="yes"),
        _q(
            "text",
            "repatriation_form",
            gettext_noop("Repatriation form number"),
            required="yes",
            relevant="${category} = 'avr'",
            constraint=ID_NUMBER_CONSTRAINT,
            message=gettext_noop("At most 40 characters."),
        ),
        _q(
            "text",
            "country_of_asylum",
            gettext_noop("Country of asylum"),
            hint=gettext_noop("Its two-letter code: IR, PK, TR…"),
            required="yes",
            constraint=COUNTRY_CONSTRAINT,
            message=gettext_noop("Write the country of asylum as its two-letter code: IR, PK, TR…"),
        ),
        _q(
            "integer",
            "years_abroad",
            gettext_noop("Years abroad"),
            constraint=". >= 0 and . <= 100",
            message=gettext_noop("Years abroad is a number from 0 to 100."),
        ),
        _q("select_multiple documents", "documents_held", gettext_noop("Documents held"), required="yes"),
        _q("select_one travelling", "travelling", gettext_noop("Travelling"), required="yes"),
        _q("end_group", ""),
        _q("begin_group", "destination", gettext_noop("Intended destination"), appearance="field-list"),
        _q("select_one province", "destination_province", gettext_noop("Province"), required="yes"),
    ]
    if districts:
        survey.append(
            _q(
                "select_one district",
                "destination_district",
                gettext_noop("District"),
                choice_filter="province = ${destination_province}",
            )
        )
    survey += [
        _q("end_group", ""),
        _q("begin_repeat", "members", gettext_noop("Members"), appearance="field-list"),
        _q(
            "select_one relationship",
            "relationship",
            gettext_noop("Relationship to the head"),
            hint=gettext_noop("Record the head first."),
            required="yes",
        ),
        _q("text", "name", gettext_noop("Name")),
        _q("text", "father_name", gettext_noop("Father's name")),
        _q("select_one sex", "sex", gettext_noop("Sex"), required="yes"),
        _q("select_one age_band", "age_band", gettext_noop("Age band"), required="yes"),
        _q("date", "date_of_birth", gettext_noop("Date of birth")),
        _q(
            "text",
            "tazkira",
            gettext_noop("Tazkira number"),
            constraint=ID_NUMBER_CONSTRAINT,
            message=gettext_noop("At most 40 characters."),
        ),
        _q(
            "text",
            "por",
            gettext_noop("PoR card number"),
            constraint=ID_NUMBER_CONSTRAINT,
            message=gettext_noop("At most 40 characters."),
        ),
        _q("end_repeat", ""),
        _q(
            "integer",
            "member_count",
            gettext_noop("Members recorded"),
            hint=gettext_noop("A family has at least two; someone travelling alone, one."),
            required="yes",
            constraint="(. = count(${members})) and ((${travelling} = 'alone' and . = 1) or "
            "(${travelling} = 'family' and . >= 2))",
            message=gettext_noop("A family arrives with at least two members; someone travelling alone is one member."),
        ),
        _q("select_multiple vulnerabilities", "vulnerabilities", gettext_noop("Vulnerabilities")),
        _q("select_multiple assistance", "assistance", gettext_noop("Assistance given at the border")),
        _q("geopoint", "gps", gettext_noop("GPS position of the registration")),
    ]
    choices = [
        *_choices("direction", Direction),
        *_choices("category", ArrivalCategory),
        *_choices("documents", DocumentHeld),
        *_choices("travelling", Travelling),
        *_choices("relationship", ArrivalMember.Relationship),
        *_choices("sex", Sex),
        *_choices("age_band", AgeBand),
        *_choices("vulnerabilities", Vulnerability),
        *_choices("assistance", Assistance),
    ]
    for point in points:
        choices.append(
            ["crossing_point", point.code, *[getattr(point, c) or point.name_en for _l, _n, c in LANGUAGES], ""]
        )
    choices += _areas("province", provinces)
    choices += _areas("district", districts, parent=True)
    return survey, choices


def xlsform_bytes(*, version: str = "") -> bytes:
    """The XLSForm (xlsx) of border registration, with the crossing points, provinces and districts loaded now."""
    survey, choices = survey_rows()
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, header, rows in (
        ("survey", SURVEY_HEADER, survey),
        ("choices", ["list_name", "name", *_header(), "province"], choices),
        (
            "settings",
            ["form_title", "form_id", "version", "default_language", "instance_name"],
            [
                [
                    TITLE,
                    FORM_ID,
                    version or f"{timezone.now():%Y%m%d%H%M}",
                    "English (en)",
                    "concat(${crossing_point}, ' ', ${crossed_at})",
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
