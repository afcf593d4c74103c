"""Import submissions of our XLSForms exported from KoboToolbox or ODK Central (JSON or CSV, with the photo
attachments as a folder or a zip). Idempotent on the submission UUID (meta/instanceID); each rejected row is
reported with the reason (unknown plot, GPS outside the tolerance, stage out of order, a bad photo…)."""

import csv
import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from landreg import roles
from shelters.models import ImportRun, Inspection
from shelters.services import inspection_submit, occupancy_check_submit
from townships.models import Plot

# Why a row was rejected, by the refusal's code: the short reasons the report groups rows by.
REASONS = {
    "unknown_plot": N_("unknown plot"),
    "gps_outside_plot": N_("GPS outside tolerance"),
    "gps_inaccurate": N_("GPS outside tolerance"),
    "gps_required": N_("no GPS point"),
    "shelter_stages_pass_in_order": N_("stage out of order"),
    "unknown_stage": N_("unknown stage"),
    "no_shelter_project": N_("no shelter project on the plot"),
    "photo_missing": N_("photo missing from the attachments"),
    "photo_required": N_("no photo"),
    "photo_without_exif": N_("bad photo"),
    "photo_not_an_image": N_("bad photo"),
    "photo_too_large": N_("bad photo"),
    "photo_hash_used_once": N_("duplicate photo"),
    "photo_used_for_another_plot": N_("duplicate photo (possible fraud)"),
    "client_uuid_required": N_("no submission UUID"),
    "permission": N_("not allowed"),
}


@dataclass
class Report:
    form: str
    rows: int = 0
    created: int = 0
    already_imported: int = 0
    rejected: list = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "form": self.form,
            "rows": self.rows,
            "created": self.created,
            "already_imported": self.already_imported,
            "rejected": self.rejected,
        }


class Attachments:
    """Photo files by name, from a folder, a zip (ODK Central's export with media/), or a dict."""

    def __init__(self, source=None):
        self.files: dict[str, bytes] = {}
        if source is None:
            return
        if isinstance(source, dict):
            for name, data in source.items():
                self.files[Path(name).name] = data
        elif isinstance(source, (str, Path)) and Path(source).is_dir():
            for path in Path(source).rglob("*"):
                if path.is_file():
                    self.files[path.name] = path.read_bytes()
        else:
            with zipfile.ZipFile(source) as archive:
                for info in archive.infolist():
                    if not info.is_dir():
                        self.files[Path(info.filename).name] = archive.read(info)

    def get(self, name: str) -> bytes | None:
        base = Path(name).name
        return self.files.get(base) or self.files.get(base.replace(" ", "_"))


def _flatten(row: dict) -> dict:
    """Keys without their group path (Kobo: 'grp/stage', ODK Central CSV: 'grp-stage'), meta ids kept apart."""
    flat = {}
    for key, value in row.items():
        if key is None:
            continue
        short = key.split("/")[-1]
        flat.setdefault(short, value)
        flat.setdefault(key, value)
    return flat


def _uuid(row: dict) -> str:
    for key in ("meta/instanceID", "instanceID", "meta-instanceID", "KEY", "_uuid"):
        if row.get(key):
            return str(row[key]).removeprefix("uuid:")
    return ""


def _point(row: dict) -> tuple[Point | None, float | None]:
    text = row.get("gps") or ""
    if isinstance(text, str) and text.strip():
        parts = text.split()
        if len(parts) >= 2:
            accuracy = float(parts[3]) if len(parts) >= 4 else None
            return Point(float(parts[1]), float(parts[0]), srid=4326), accuracy
    lat, lon = (
        row.get("gps-Latitude") or row.get("_gps_latitude"),
        row.get("gps-Longitude") or row.get("_gps_longitude"),
    )
    if lat not in (None, "") and lon not in (None, ""):
        accuracy = row.get("gps-Accuracy") or row.get("_gps_precision")
        return Point(float(lon), float(lat), srid=4326), float(accuracy) if accuracy not in (None, "") else None
    geolocation = row.get("_geolocation")
    if isinstance(geolocation, list) and len(geolocation) == 2 and None not in geolocation:
        return Point(float(geolocation[1]), float(geolocation[0]), srid=4326), None
    return None, None


def _day(row: dict) -> date:
    for key in ("today", "start", "SubmissionDate", "_submission_time"):
        value = row.get(key)
        if value:
            text = str(value)
            try:
                return date.fromisoformat(text[:10])
            except ValueError:
                try:
                    return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
                except ValueError:
                    continue
    raise ValidationError(_("The submission has no date."), code="date_required")


def _plot(reference: str) -> Plot:
    township, _sep, number = (reference or "").strip().partition("/")
    plot = Plot.objects.filter(township__code__iexact=township.strip(), number=number.strip()).first()
    if plot is None:
        raise ValidationError(
            _("There is no plot “%(ref)s” (township code / plot number).") % {"ref": reference}, code="unknown_plot"
        )
    return plot


def _inspector(row: dict, default):
    name = row.get("username") or row.get("_submitted_by") or row.get("SubmitterName") or ""
    if name:
        user = get_user_model().objects.filter(username=name, is_active=True).first()
        if user is not None and roles.has_role(user, roles.FIELD_OFFICER):
            return user
    return default


def _photos(row: dict, attachments: Attachments) -> list:
    uploads = []
    for key in ("photo1", "photo2", "photo3", "photo"):
        name = row.get(key)
        if not name:
            continue
        data = attachments.get(str(name))
        if data is None:
            for attachment in row.get("_attachments") or []:
                if Path(attachment.get("filename", "")).name == Path(str(name)).name:
                    data = attachments.get(attachment["filename"])
        if data is None:
            raise ValidationError(
                _("The photo %(name)s is not among the attachments; export the submissions with their media.")
                % {"name": name},
                code="photo_missing",
            )
        uploads.append(SimpleUploadedFile(Path(str(name)).name, data, content_type="image/jpeg"))
    return uploads


def _codes(error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [e.code for errors in error.error_dict.values() for e in errors]
    return [e.code for e in error.error_list]


def read_rows(data: bytes, filename: str = "") -> list[dict]:
    """Rows of a Kobo JSON export ({"results": [...]}, or a list), an ODK Central JSON, or a CSV export."""
    text = data.decode("utf-8-sig")
    if filename.lower().endswith(".json") or text.lstrip().startswith(("{", "[")):
        document = json.loads(text)
        rows = document.get("results", document.get("value", [])) if isinstance(document, dict) else document
        return [_flatten(r) for r in rows]
    sample = text[:4096]
    dialect = csv.Sniffer().sniff(sample, delimiters=",;\t") if sample else csv.excel
    return [_flatten(r) for r in csv.DictReader(io.StringIO(text), dialect=dialect)]


def submissions_import(*, form: str, data: bytes, filename: str = "", attachments=None, by, inspector=None) -> dict:
    """Import the rows; each valid row becomes an inspection (or occupancy check) once, however often imported."""
    attachments = attachments if isinstance(attachments, Attachments) else Attachments(attachments)
    report = Report(form=form)
    source = Inspection.Source.ODK if "KEY" in (data[:2000].decode("utf-8", "ignore")) else Inspection.Source.KOBO
    rows = list(enumerate(read_rows(data, filename), start=1))
    # In the order they were made (an export may list the newest first), so stages arrive in their order.
    rows.sort(key=lambda item: (str(item[1].get("start") or item[1].get("SubmissionDate") or ""), item[0]))
    for number, row in rows:
        report.rows += 1
        key = _uuid(row)
        try:
            plot = _plot(row.get("plot_ref", ""))
            point, accuracy = _point(row)
            common = dict(
                client_uuid=key,
                plot=plot,
                by=_inspector(row, inspector or by),
                point=point,
                accuracy_m=accuracy,
                remarks=row.get("remarks") or "",
                photos=_photos(row, attachments),
                source=source,
            )
            if form == "inspection":
                checklist = row.get("checklist") or ""
                items = checklist.split() if isinstance(checklist, str) else list(checklist)
                _made, created = inspection_submit(
                    stage=row.get("stage", ""),
                    inspected_on=_day(row),
                    result=row.get("result", ""),
                    checklist={item: True for item in items},
                    **common,
                )
            else:
                _made, created = occupancy_check_submit(finding=row.get("finding", ""), checked_on=_day(row), **common)
        except ValidationError as error:
            code = next((c for c in _codes(error) if c), "invalid")
            report.rejected.append(
                {
                    "row": number,
                    "uuid": key,
                    "plot": row.get("plot_ref", ""),
                    "reason": _(REASONS[code]) if code in REASONS else code.replace("_", " "),
                    "code": code,
                    "message": " ".join(error.messages),
                }
            )
            continue
        except PermissionDenied as error:
            report.rejected.append(
                {
                    "row": number,
                    "uuid": key,
                    "plot": row.get("plot_ref", ""),
                    "reason": _(REASONS["permission"]),
                    "code": "permission",
                    "message": str(error),
                }
            )
            continue
        if created:
            report.created += 1
        else:
            report.already_imported += 1
    report.rejected.sort(key=lambda r: r["row"])
    result = report.as_dict()
    ImportRun.objects.create(form=form, filename=filename[:200], by=by, report=result)
    return result
