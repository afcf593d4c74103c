"""Import the border registration form's submissions (movements/xlsform.py) exported from KoboToolbox or ODK
Central: JSON (Kobo's {"results": [...]}, ODK Central's {"value": [...]}, or a list), with the members as the repeat
group's list; ODK Central's zip, its members' CSV nested the same way (landreg/kobo_exports.py); or CSV, with the
members as indexed columns (members[1]/name, members[2]/sex…).

Idempotent: a submission's instanceID is its arrival's client_uuid, so a submission imported again is recorded once
and reported as already imported. The import acts for the person who uploads it (arrival_register checks their role
and that the crossing point lies in their provinces), and reports each row: recorded, already imported, waiting for
a decision (an ID number registered to another household; never merged silently) or rejected, with the sentence.
Whatever is wrong with the file itself refuses it whole before anything is written."""

import datetime
import re
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from landreg.kobo_exports import export_rows, submission_uuid
from landreg.services_common import require_role
from movements.models import ArrivalReview
from movements.services import BORDER_ROLES, arrival_register
from parcels.models import AdminArea, CrossingPoint

__all__ = ["border_submissions_import", "require_importer"]

MEMBER_FIELDS = (
    "relationship",
    "name",
    "father_name",
    "name_local",
    "sex",
    "age_band",
    "date_of_birth",
    "tazkira",
    "por",
)
LIST_FIELDS = ("documents_held", "vulnerabilities", "assistance")
# A member's column in a CSV export: members[2]/sex, members/2/sex or members.2.sex (any group path before it).
INDEXED_MEMBER = re.compile(r"(?:^|/)members(?:\[(\d+)\]|[/.](\d+))[/.](\w+)$")
# A namespace for the client_uuid of a submission whose instanceID is not a UUID (an old ODK Briefcase export).
SUBMISSION_NAMESPACE = uuid.UUID("6c1d2c38-6a1e-4b7e-9a55-7f0a3c1b2d40")


# --- the border registration form ------------------------------------------------------------------------------------


def require_importer(user) -> None:
    """PermissionDenied unless the user may import border registrations (those who record them)."""
    require_role(user, BORDER_ROLES, _("import border registrations"))


def _text(value, field: str) -> str:
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise ValidationError({field: [_("%(f)s must be text.") % {"f": field}]}, code="text_required")
    if "\x00" in value:
        raise ValidationError(
            _("The row holds a NUL character; remove it from the export and import again."), code="nul_character"
        )
    return value.strip()


def _short(key: str) -> str:
    return key.split("/")[-1]


def _members(row: dict) -> list[dict]:
    """The repeat group's members: a list of objects (JSON), or indexed columns (CSV)."""
    listed = row.get("members")
    if listed not in (None, ""):
        if not isinstance(listed, list) or not all(isinstance(m, dict) for m in listed):
            raise ValidationError(
                _("The members are not a list of the repeat group's entries; export the submissions as JSON again."),
                code="members_invalid",
            )
        return [{_short(k): v for k, v in member.items() if k} for member in listed]
    indexed: dict[int, dict] = {}
    for key, value in row.items():
        match = INDEXED_MEMBER.search(key or "")
        if match and value not in (None, ""):
            number = int(match.group(1) or match.group(2))
            indexed.setdefault(number, {})[match.group(3)] = value
    return [indexed[n] for n in sorted(indexed)]


def _member(raw: dict, number: int) -> dict:
    member = {}
    for name in MEMBER_FIELDS:
        text = _text(raw.get(name), f"member {number} {name}")
        if not text:
            continue
        if name == "date_of_birth":
            try:
                member[name] = datetime.date.fromisoformat(text[:10])
            except ValueError:
                raise ValidationError(
                    _("Member %(n)d: the date of birth “%(v)s” is not a date (YYYY-MM-DD).") % {"n": number, "v": text},
                    code="member_date_of_birth",
                ) from None
        else:
            member[name] = text
    return member


def _choices_list(value, field: str) -> list[str]:
    if isinstance(value, list):
        return [_text(v, field) for v in value]
    return _text(value, field).split()


def _crossed_at(value) -> datetime.datetime:
    text = _text(value, "crossed_at")
    moment = None
    try:
        moment = parse_datetime(text) if text else None
        if moment is None and text:
            moment = datetime.datetime.combine(datetime.date.fromisoformat(text[:10]), datetime.time(12))
    except ValueError:
        moment = None
    if moment is None:
        raise ValidationError(
            {"crossed_at": [_("The date and time of the crossing “%(v)s” cannot be read.") % {"v": text}]},
            code="crossed_at_invalid",
        )
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _reference(model, value, field: str, message: str, **filters):
    text = _text(value, field)
    found = model.objects.filter(**filters, **{"code" if model is CrossingPoint else "pcode": text}).first()
    if text and found is None:
        raise ValidationError({field: [message % {"v": text}]}, code=f"unknown_{field}")
    return found


def _client_uuid(key: str) -> uuid.UUID:
    try:
        return uuid.UUID(key)
    except ValueError:
        return uuid.uuid5(SUBMISSION_NAMESPACE, key)


def _values(row: dict) -> dict:
    point = _reference(
        CrossingPoint,
        row.get("crossing_point"),
        "crossing_point",
        _("“%(v)s” is not a crossing point; the form lists their codes."),
    )
    if point is None:
        raise ValidationError(
            {"crossing_point": [_("The submission names no crossing point.")]}, code="unknown_crossing_point"
        )
    province = _reference(
        AdminArea,
        row.get("destination_province"),
        "destination_province",
        _("“%(v)s” is not a province of Afghanistan."),
        level=AdminArea.Level.PROVINCE,
    )
    if province is None:
        raise ValidationError({"destination_province": [_("Choose a province of Afghanistan.")]}, code="not_a_province")
    years = _text(row.get("years_abroad"), "years_abroad")
    try:
        years = int(float(years)) if years else None
    except ValueError:
        raise ValidationError(
            {"years_abroad": [_("Years abroad is a number from 0 to 100.")]}, code="years_abroad"
        ) from None
    return {
        "crossing_point": point,
        "crossed_at": _crossed_at(row.get("crossed_at")),
        "direction": _text(row.get("direction"), "direction") or "in",
        "category": _text(row.get("category"), "category"),
        "repatriation_form": _text(row.get("repatriation_form"), "repatriation_form"),
        "country_of_asylum": _text(row.get("country_of_asylum"), "country_of_asylum"),
        "years_abroad": years,
        "travelling": _text(row.get("travelling"), "travelling"),
        "destination_province": province,
        "destination_district": _reference(
            AdminArea,
            row.get("destination_district"),
            "destination_district",
            _("“%(v)s” is not one of Afghanistan's districts."),
            level=AdminArea.Level.DISTRICT,
        ),
        **{name: _choices_list(row.get(name), name) for name in LIST_FIELDS},
        "members": [_member(m, n) for n, m in enumerate(_members(row), start=1)],
    }


def _codes(error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [e.code for errors in error.error_dict.values() for e in errors]
    return [e.code for e in error.error_list]


def border_submissions_import(*, data: bytes, filename: str = "", by) -> dict:
    """Import an export's submissions for the uploader `by`; each becomes an arrival once, however often imported.
    The report: rows, created, already_imported, awaiting_review (arrival ids), rejected (row, uuid, code, message)."""
    require_importer(by)
    report = {"rows": 0, "created": 0, "already_imported": 0, "awaiting_review": [], "rejected": []}
    for number, row in enumerate(export_rows(data, filename), start=1):
        report["rows"] += 1
        key = submission_uuid(row)
        try:
            if not key:
                raise ValidationError(
                    _("The submission has no instanceID; export it with its metadata."), code="client_uuid_required"
                )
            client_uuid = _client_uuid(key)
            arrival = arrival_register(by=by, client_uuid=client_uuid, where="kobo import", **_values(row))
        except ValidationError as error:
            code = next((c for c in _codes(error) if c), "invalid")
            report["rejected"].append({"row": number, "uuid": key, "code": code, "message": " ".join(error.messages)})
            continue
        except PermissionDenied as error:
            report["rejected"].append({"row": number, "uuid": key, "code": "permission", "message": str(error)})
            continue
        if not arrival.recorded_now:
            report["already_imported"] += 1
            continue
        report["created"] += 1
        if arrival.household_id is None and arrival.reviews.filter(decision=ArrivalReview.Decision.UNDECIDED).exists():
            report["awaiting_review"].append(arrival.pk)
    return report
