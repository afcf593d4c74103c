"""Import submissions of the livelihood XLSForms (livelihoods/xlsform.py) exported from KoboToolbox or ODK Central,
JSON, CSV or ODK Central's zip of CSVs (read by landreg/kobo_exports.py): the skills profile form and the
reintegration survey form.

Idempotent on the submission's UUID (meta/instanceID): a survey round keeps it as its client_uuid; a profile
submission is recorded as an ImportedSubmission. The import acts for the person who uploads it: every row
is bounded by their provinces (a household elsewhere gets the same answer as no household at all), and each row is
written by the same service the pages and the API use (services.skills_profile_save, services.survey_round_record),
in its own savepoint: a refused row writes nothing, and the report says, row by row, what was made and why a row
was refused. Whatever is wrong with the file itself (too large, not UTF-8, not JSON, CSV or an export zip) refuses
the whole file.
"""

import math
import uuid as uuid_module
from datetime import date, datetime

from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from allocations.selectors import allocations_visible_to
from households.models import Person
from households.selectors import households_visible_to
from landreg import roles
from landreg.kobo_exports import export_rows as read_rows
from landreg.kobo_exports import submission_uuid
from landreg.services_common import require_role
from livelihoods import services
from livelihoods.models import ImportedSubmission, SurveyRound
from livelihoods.survey import questions
from livelihoods.xlsform import FORMS, PROFILE_OCCUPATIONS

IMPORT_ROLES = [roles.FIELD_OFFICER, roles.LAND_OFFICER, roles.ADMINISTRATOR]
# The allocations a survey round may follow: handed over, and what may come after.
SURVEYED_STATUSES = (*services.HANDED_OVER, "suspended", "appealed", "revoked", "transferred")

# Why a row was refused, by the refusal's code: the short reasons the report groups rows by.
REASONS = {
    "client_uuid_required": gettext_noop("no submission UUID"),
    "unknown_household": gettext_noop("no such household in your provinces"),
    "unknown_person": gettext_noop("no such person in the household"),
    "not_handed_over": gettext_noop("the household's plot is not handed over"),
    "nul_character": gettext_noop("NUL character in the row"),
    "gps_invalid": gettext_noop("GPS point unreadable"),
    "yes_no": gettext_noop("a yes/no answer holds something else"),
    "number_required": gettext_noop("a number holds something else"),
    "skills_profile_for_15_and_over": gettext_noop("under 15, or no date of birth"),
    "survey_answer_within_its_scale": gettext_noop("an answer outside its scale, or missing"),
    "one_survey_round_per_allocation": gettext_noop("round already recorded"),
    "survey_round_follows_its_handover": gettext_noop("before the handover"),
    "isco_unknown": gettext_noop("unknown ISCO-08 code"),
    "choice": gettext_noop("an answer not among the form's choices"),
    "permission": gettext_noop("not allowed"),
}


def _error(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: [ValidationError(message, code=code)]})


def submission_day(row: dict) -> date | None:
    """The day the form was filled in: `today`, else when it was started or submitted."""
    for key in ("today", "start", "SubmissionDate", "_submission_time"):
        value = row.get(key)
        if isinstance(value, str) and value:
            try:
                return date.fromisoformat(value[:10])
            except ValueError:
                try:
                    return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
                except ValueError:
                    continue
    return None


def submission_point(row: dict) -> Point | None:
    """The geopoint ("lat lon altitude accuracy") or ODK Central's gps-Latitude/gps-Longitude, in WGS 84."""
    text = row.get("gps")
    lat, lon = (
        row.get("gps-Latitude") or row.get("_gps_latitude"),
        row.get("gps-Longitude") or row.get("_gps_longitude"),
    )
    if isinstance(text, str) and text.strip():
        parts = text.split()
        lat, lon = (parts[0], parts[1]) if len(parts) >= 2 else (None, None)
        if lat is None:
            raise _error("gps", _("The GPS point is not latitude and longitude in decimal degrees."), "gps_invalid")
    if lat in (None, "") or lon in (None, ""):
        return None
    try:
        lat, lon = float(lat), float(lon)
    except (TypeError, ValueError):
        lat = math.nan
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise _error("gps", _("The GPS point is not latitude and longitude in decimal degrees."), "gps_invalid")
    return Point(lon, lat, srid=4326)


def _holds_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(v) for v in value)
    return False


def _codes(error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [e.code for errors in error.error_dict.values() for e in errors]
    return [e.code for e in error.error_list]


# --- the rows -----------------------------------------------------------------------------------------------------


def _text(row: dict, name: str) -> str:
    value = row.get(name)
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise _error(name, _("%(field)s must be text.") % {"field": name}, "text_required")
    return value.strip()


def _yes(row: dict, name: str, default: bool) -> bool:
    value = _text(row, name).lower()
    if value == "":
        return default
    if value in ("yes", "1", "true"):
        return True
    if value in ("no", "0", "false"):
        return False
    raise _error(name, _("%(field)s is yes or no.") % {"field": name}, "yes_no")


def _number(row: dict, name: str) -> float | None:
    value = _text(row, name)
    if value == "":
        return None
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise _error(name, _("%(field)s must be a number.") % {"field": name}, "number_required")
    return number


def _household(row: dict, by):
    reference = _text(row, "household_ref")
    household = households_visible_to(by).filter(code__iexact=reference).first() if reference else None
    if household is None:
        raise _error(
            "household_ref",
            _("There is no household “%(ref)s” in your provinces.") % {"ref": reference},
            "unknown_household",
        )
    return household


def _person(row: dict, by) -> Person:
    household = _household(row, by)
    number = _text(row, "person_id")
    person = Person.objects.filter(household=household, pk=int(number)).first() if number.isdigit() else None
    if person is None:
        raise _error(
            "person_id",
            _("Household %(code)s has no member number %(n)s; check the number on the household's page.")
            % {"code": household.code, "n": number},
            "unknown_person",
        )
    return person


def _profile_row(row: dict, key: str, by) -> bool:
    """One profile submission: the person's profile recorded (or replaced) once per submission UUID."""
    if ImportedSubmission.objects.filter(uuid=key).exists():
        return False
    person = _person(row, by)
    occupations = []
    for n in range(1, PROFILE_OCCUPATIONS + 1):
        code = _text(row, f"occupation{n}_isco")
        if code:
            occupations.append(
                {
                    "isco": code,
                    "years": _number(row, f"occupation{n}_years") or 0,
                    "learnt_in": _text(row, f"occupation{n}_learnt_in"),
                }
            )
    services.skills_profile_save(
        person=person,
        by=by,
        education=_text(row, "education") or "none",
        literacy_dari=_text(row, "literacy_dari") or "none",
        literacy_pashto=_text(row, "literacy_pashto") or "none",
        literacy_english=_text(row, "literacy_english") or "none",
        occupations=occupations,
        certificates=[c.strip() for c in _text(row, "certificates").split(";") if c.strip()],
        languages=_text(row, "languages").split(),
        can_work_outside_home=_yes(row, "can_work_outside_home", True),
        workplace_accepted=_text(row, "workplace_accepted") or "any",
        care_duties=_yes(row, "care_duties", False),
        disability=_yes(row, "disability", False),
        max_travel_km=_number(row, "max_travel_km"),
    )
    ImportedSubmission.objects.create(uuid=key, form=ImportedSubmission.Form.PROFILE, person=person, imported_by=by)
    return True


def _answer(value):
    """A survey answer as the form sends it ("2"), as an integer when it is one; else as sent, for the service to
    refuse with the question's scale."""
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return value


def _survey_row(row: dict, key: str, by) -> bool:
    """One survey submission: a round of the household's handed-over allocation, once per submission UUID."""
    if SurveyRound.objects.filter(client_uuid=key).exists():
        household = _household(row, by)  # the UUID answers only for a household in the uploader's provinces
        if not SurveyRound.objects.filter(client_uuid=key, household=household).exists():
            raise _error("client_uuid", _("This UUID belongs to another submission."), "client_uuid_reused")
        return False
    household = _household(row, by)
    allocation = (
        allocations_visible_to(by)
        .filter(household=household, status__in=SURVEYED_STATUSES, start_date__isnull=False)
        .order_by("-start_date", "-pk")
        .first()
    )
    if allocation is None:
        raise _error(
            "household_ref",
            _("Household %(code)s has no plot handed over; a survey round follows the handover.")
            % {"code": household.code},
            "not_handed_over",
        )
    answers = {q["code"]: _answer(row[q["code"]]) for q in questions() if row.get(q["code"]) not in (None, "")}
    services.survey_round_record(
        allocation=allocation,
        round=_text(row, "round"),
        answers=answers,
        by=by,
        conducted_on=submission_day(row),
        client_uuid=key,
        point=submission_point(row),
        source="kobo",
    )
    return True


def require_importer(user) -> None:
    """PermissionDenied unless the user may import livelihood submissions."""
    require_role(user, IMPORT_ROLES, _("import field submissions"))


def submissions_import(*, form: str, data: bytes, filename: str = "", by) -> dict:
    """Import an export of the profile or survey form for the uploader `by`: each valid row once, however often
    imported. Answers the report: counts, and one entry per row (created, already imported, or refused with the
    reason and the sentence)."""
    require_importer(by)
    if form not in FORMS:
        raise _error("form", _("form is profile or survey."), "form_invalid")
    handle = _profile_row if form == "profile" else _survey_row
    report = {"form": form, "rows": 0, "created": 0, "already_imported": 0, "rejected": [], "results": []}
    for number, row in enumerate(read_rows(data, filename), start=1):
        report["rows"] += 1
        key = submission_uuid(row)
        entry = {"row": number, "uuid": key, "household": row.get("household_ref") or ""}
        if not isinstance(entry["household"], str):
            entry["household"] = ""
        try:
            if _holds_nul(row):
                raise ValidationError(
                    _("The row holds a NUL character; remove it from the export and import again."),
                    code="nul_character",
                )
            try:
                key = str(uuid_module.UUID(key)) if key else ""
            except ValueError:
                key = ""
            if not key:
                raise ValidationError(
                    _("The row has no submission UUID (meta/instanceID); export it again with its metadata."),
                    code="client_uuid_required",
                )
            with transaction.atomic():
                created = handle(row, key, by)
        except ValidationError as error:
            code = next((c for c in _codes(error) if c), "invalid")
            refusal = {
                **entry,
                "status": "rejected",
                "reason": _(REASONS[code]) if code in REASONS else code.replace("_", " "),
                "code": code,
                "message": " ".join(error.messages),
            }
            report["rejected"].append(refusal)
            report["results"].append(refusal)
            continue
        except PermissionDenied as error:
            refusal = {
                **entry,
                "status": "rejected",
                "reason": _(REASONS["permission"]),
                "code": "permission",
                "message": str(error),
            }
            report["rejected"].append(refusal)
            report["results"].append(refusal)
            continue
        report["created" if created else "already_imported"] += 1
        report["results"].append({**entry, "status": "created" if created else "already_imported"})
    return report
