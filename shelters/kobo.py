"""Import submissions of our XLSForms exported from KoboToolbox or ODK Central (JSON or CSV, with the photo
attachments as a folder or a zip). Idempotent on the submission UUID (meta/instanceID); each rejected row is
reported with the reason (unknown plot, GPS outside the tolerance, stage out of order, a bad photo…).

The import acts for the person who uploads it: their provinces bound every row, and the inspector a row names is
recorded only when that user is an active field officer of the row's plot within those provinces. Whatever is
wrong with the file itself (not UTF-8, not JSON, not a zip) refuses the whole file before anything is written."""

import math
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from landreg import roles
from landreg.kobo_exports import export_rows as read_rows
from landreg.kobo_exports import submission_uuid
from landreg.services_common import require_role
from shelters.models import ImportRun, Inspection
from shelters.photos import max_photo_bytes
from shelters.services import holds_nul, inspection_submit, occupancy_check_submit, text_value
from townships.models import Plot
from townships.selectors import plots_visible_to

# Who may import an export: the field officers who made the visits, the land officers who manage them.
IMPORT_ROLES = [roles.FIELD_OFFICER, roles.LAND_OFFICER, roles.ADMINISTRATOR]
# More files than any export of a day's visits holds: a zip with more is refused before anything is read.
MAX_ATTACHMENT_FILES = 20_000

# Why a row was rejected, by the refusal's code: the short reasons the report groups rows by.
REASONS = {
    "unknown_plot": gettext_noop("no such plot in your provinces"),
    "inspector_not_allowed": gettext_noop("inspector not a field officer of the plot in your provinces"),
    "gps_invalid": gettext_noop("GPS point unreadable"),
    "nul_character": gettext_noop("NUL character in the row"),
    "text_required": gettext_noop("a text field holds something else"),
    "attachment_unreadable": gettext_noop("bad photo"),
    "gps_outside_plot": gettext_noop("GPS outside tolerance"),
    "gps_inaccurate": gettext_noop("GPS outside tolerance"),
    "gps_required": gettext_noop("no GPS point"),
    "shelter_stages_pass_in_order": gettext_noop("stage out of order"),
    "unknown_stage": gettext_noop("unknown stage"),
    "no_shelter_project": gettext_noop("no shelter project on the plot"),
    "photo_missing": gettext_noop("photo missing from the attachments"),
    "photo_required": gettext_noop("no photo"),
    "photo_without_exif": gettext_noop("bad photo"),
    "photo_not_an_image": gettext_noop("bad photo"),
    "photo_too_large": gettext_noop("bad photo"),
    "photo_hash_used_once": gettext_noop("duplicate photo"),
    "photo_used_for_another_plot": gettext_noop("duplicate photo (possible fraud)"),
    "client_uuid_required": gettext_noop("no submission UUID"),
    "permission": gettext_noop("not allowed"),
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
    """Photo files by name, from a folder, a zip (ODK Central's export with media/), or a dict.

    Files are read when a row asks for them, and never more than the photo size limit (plus one byte, so the photo
    check refuses it as too large): a zip that unpacks to gigabytes costs no more memory than one photo."""

    def __init__(self, source=None):
        self.files: dict[str, bytes] = {}
        self.paths: dict[str, Path] = {}
        self.entries: dict[str, tuple[zipfile.ZipFile, zipfile.ZipInfo]] = {}
        if source is None:
            return
        if isinstance(source, dict):
            for name, data in source.items():
                self.files[Path(name).name] = data
        elif isinstance(source, (str, Path)) and Path(source).is_dir():
            for path in Path(source).rglob("*"):
                if path.is_file():
                    self.paths[path.name] = path
        else:
            self.add_zip(source)

    def add_zip(self, source) -> None:
        """Index the files of a zip (a path or an uploaded file); refuse what is not a zip."""
        if isinstance(source, (str, Path)) and not Path(source).is_file():
            raise _file_error(_("There is no attachments file at %(path)s.") % {"path": source}, "attachments_missing")
        try:
            archive = zipfile.ZipFile(source)
            infos = archive.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
            raise _file_error(
                _(
                    "The attachments are not a zip file. Export the media as a zip (Kobo: media attachments; ODK "
                    "Central: all data and media) and send that file."
                ),
                "attachments_not_a_zip",
            ) from None
        if len(infos) > MAX_ATTACHMENT_FILES:
            raise _file_error(
                _("The attachments zip holds %(n)d files; at most %(max)d are accepted. Export fewer submissions.")
                % {"n": len(infos), "max": MAX_ATTACHMENT_FILES},
                "attachments_too_many",
            )
        for info in infos:
            if not info.is_dir():
                self.entries[Path(info.filename).name] = (archive, info)

    def _read(self, base: str) -> bytes | None:
        limit = max_photo_bytes() + 1
        if base in self.files:
            return self.files[base]
        if base in self.paths:
            with self.paths[base].open("rb") as handle:
                return handle.read(limit)
        if base in self.entries:
            archive, info = self.entries[base]
            try:
                with archive.open(info) as handle:
                    return handle.read(limit)
            except (zipfile.BadZipFile, RuntimeError, NotImplementedError, zlib.error, EOFError, OSError, ValueError):
                raise ValidationError(
                    _("The photo %(name)s cannot be read from the attachments zip (damaged or encrypted).")
                    % {"name": base},
                    code="attachment_unreadable",
                ) from None
        return None

    def get(self, name: str) -> bytes | None:
        base = Path(name).name
        return self._read(base) or self._read(base.replace(" ", "_"))


def _file_error(message: str, code: str, field: str = "attachments") -> ValidationError:
    return ValidationError({field: [ValidationError(message, code=code)]})


def _number(value) -> float:
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(value)
    return number


def _located(lat, lon, accuracy=None) -> tuple[Point, float | None]:
    lat, lon = _number(lat), _number(lon)
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError((lat, lon))
    accuracy = _number(accuracy) if accuracy not in (None, "") else None
    if accuracy is not None and accuracy < 0:
        raise ValueError(accuracy)
    return Point(lon, lat, srid=4326), accuracy


def _point(row: dict) -> tuple[Point | None, float | None]:
    """The GPS point and its accuracy (m), from a Kobo geopoint, ODK Central's columns or Kobo's _geolocation."""
    try:
        text = row.get("gps") or ""
        if isinstance(text, str) and text.strip():
            parts = text.split()
            if len(parts) >= 2:
                return _located(parts[0], parts[1], parts[3] if len(parts) >= 4 else None)
        lat, lon = (
            row.get("gps-Latitude") or row.get("_gps_latitude"),
            row.get("gps-Longitude") or row.get("_gps_longitude"),
        )
        if lat not in (None, "") and lon not in (None, ""):
            return _located(lat, lon, row.get("gps-Accuracy") or row.get("_gps_precision"))
        geolocation = row.get("_geolocation")
        if isinstance(geolocation, list) and len(geolocation) == 2 and None not in geolocation:
            return _located(geolocation[0], geolocation[1])
    except (TypeError, ValueError):
        raise ValidationError(
            _("The GPS point is not latitude and longitude in decimal degrees (and accuracy in metres)."),
            code="gps_invalid",
        ) from None
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


def _plot(reference, uploader) -> Plot:
    """The plot a row is about, among the uploader's plots. A plot of another province gets the same answer as no
    plot at all: the import says nothing about what the uploader may not see."""
    reference = text_value(reference, "plot_ref")
    township, _sep, number = reference.strip().partition("/")
    plot = (
        plots_visible_to(uploader).filter(township__code__iexact=township.strip(), number=number.strip()).first()
        if township.strip() and number.strip()
        else None
    )
    if plot is None:
        raise ValidationError(
            _("There is no plot “%(ref)s” in your provinces (township code / plot number).") % {"ref": reference},
            code="unknown_plot",
        )
    return plot


def _named_inspector(row: dict) -> str:
    return text_value(row.get("username") or row.get("_submitted_by") or row.get("SubmitterName") or "", "username")


def _inspector(row: dict, plot: Plot, *, uploader, default):
    """Who made the visit. The user the row names, or (when the row names no landreg user) the inspector the
    uploader named for the whole file: recorded only when an active field officer of this plot's township, which
    lies in the uploader's provinces. A row that names no one is the uploader's own visit (the service checks that
    the uploader may record visits)."""
    name = _named_inspector(row)
    users = get_user_model().objects
    named = users.filter(username=name).first() if name else None
    candidate = named or default
    if candidate is None:
        if name:  # a name that is no landreg user, and the uploader named no inspector for such rows
            raise ValidationError(
                _(
                    "The submission names %(name)s as its inspector, who is not a field officer of this plot in "
                    "your provinces. Name the field officer who made these visits (--inspector, or inspector in "
                    "the API)."
                )
                % {"name": name},
                code="inspector_not_allowed",
            )
        return uploader
    if not (
        candidate.is_active
        and roles.has_role(candidate, roles.FIELD_OFFICER)
        and plots_visible_to(candidate).filter(pk=plot.pk).exists()
    ):
        raise ValidationError(
            _(
                "The submission names %(name)s as its inspector, who is not a field officer of this plot in your "
                "provinces. Import it under the name of the field officer who made the visit."
            )
            % {"name": name if named is not None else candidate.get_username()},
            code="inspector_not_allowed",
        )
    return candidate


def _photos(row: dict, attachments: Attachments) -> list:
    uploads = []
    listed = [a for a in row.get("_attachments") or [] if isinstance(a, dict) and isinstance(a.get("filename"), str)]
    for key in ("photo1", "photo2", "photo3", "photo"):
        name = row.get(key)
        if not name:
            continue
        name = text_value(name, key)
        data = attachments.get(name)
        if data is None:
            for attachment in listed:
                if Path(attachment["filename"]).name == Path(name).name:
                    data = attachments.get(attachment["filename"])
        if data is None:
            raise ValidationError(
                _("The photo %(name)s is not among the attachments; export the submissions with their media.")
                % {"name": name},
                code="photo_missing",
            )
        uploads.append(SimpleUploadedFile(Path(name).name, data, content_type="image/jpeg"))
    return uploads


def _checklist(row: dict) -> dict:
    checklist = row.get("checklist") or ""
    items = checklist.split() if isinstance(checklist, str) else checklist
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        raise ValidationError(
            _("The checklist is the space-separated list of the items ticked."), code="checklist_invalid"
        )
    return {item: True for item in items}


def _codes(error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [e.code for errors in error.error_dict.values() for e in errors]
    return [e.code for e in error.error_list]


def require_importer(user) -> None:
    """PermissionDenied unless the user may import field submissions."""
    require_role(user, IMPORT_ROLES, _("import field submissions"))


def import_inspector(username: str):
    """The field officer an uploader names for the rows whose username is no landreg user (checked again for each
    row's plot). Unknown, inactive and not a field officer get the same answer."""
    username = text_value(username, "inspector").strip()
    user = get_user_model().objects.filter(username=username).first() if username else None
    if user is None or not user.is_active or not roles.has_role(user, roles.FIELD_OFFICER):
        raise _file_error(
            _("%(name)s is not an active field officer; name the field officer who made the visits.")
            % {"name": username},
            "inspector_not_allowed",
            "inspector",
        )
    return user


def submissions_import(*, form: str, data: bytes, filename: str = "", attachments=None, by, inspector=None) -> dict:
    """Import the rows for the uploader `by`; each valid row becomes an inspection (or occupancy check) once,
    however often imported. `inspector`: the field officer to record for rows whose username is no landreg user."""
    require_importer(by)
    if form not in ("inspection", "occupancy"):
        raise _file_error(_("form is inspection or occupancy."), "form_invalid", "form")
    if inspector is not None:
        inspector = import_inspector(inspector.get_username())
    attachments = attachments if isinstance(attachments, Attachments) else Attachments(attachments)
    report = Report(form=form)
    source = Inspection.Source.ODK if "KEY" in (data[:2000].decode("utf-8", "ignore")) else Inspection.Source.KOBO
    rows = list(enumerate(read_rows(data, filename), start=1))
    # In the order they were made (an export may list the newest first), so stages arrive in their order.
    rows.sort(key=lambda item: (str(item[1].get("start") or item[1].get("SubmissionDate") or ""), item[0]))
    for number, row in rows:
        report.rows += 1
        key = submission_uuid(row)
        reference = row.get("plot_ref", "")
        try:
            if holds_nul(row):
                raise ValidationError(
                    _("The row holds a NUL character; remove it from the export and import again."),
                    code="nul_character",
                )
            plot = _plot(reference, by)
            point, accuracy = _point(row)
            common = dict(
                client_uuid=key,
                plot=plot,
                by=_inspector(row, plot, uploader=by, default=inspector),
                uploaded_by=by,
                point=point,
                accuracy_m=accuracy,
                remarks=row.get("remarks") or "",
                photos=_photos(row, attachments),
                source=source,
            )
            if form == "inspection":
                _made, created = inspection_submit(
                    stage=row.get("stage", ""),
                    inspected_on=_day(row),
                    result=row.get("result", ""),
                    checklist=_checklist(row),
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
                    "plot": reference,
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
                    "plot": reference,
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
