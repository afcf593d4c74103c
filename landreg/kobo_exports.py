"""Reading a KoboToolbox or ODK Central export of one of our XLSForms, for every import of one (shelters/kobo.py,
movements/kobo.py, livelihoods/kobo.py): JSON (Kobo's {"results": [...]}, ODK Central's {"value": [...]}, or a
list) or CSV, within the upload limit, each row with its keys also without their group path; the submission's UUID.
Whatever is wrong with the file itself is refused with a sentence (ValidationError on "file") before anything is
written."""

import csv
import io
import json

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def max_export_bytes() -> int:
    return settings.LANDREG_MAX_UPLOAD_BYTES


def file_error(message: str, code: str, field: str = "file") -> ValidationError:
    return ValidationError({field: [ValidationError(message, code=code)]})


def flatten(row: dict) -> dict:
    """Keys also without their group path (Kobo: 'grp/name', ODK Central CSV: 'grp-name'); full keys kept."""
    flat = {}
    for key, value in row.items():
        if key is None:
            continue
        flat.setdefault(key.replace("-", "/").split("/")[-1], value)
        flat.setdefault(key, value)
    return flat


def submission_uuid(row: dict) -> str:
    """The submission's UUID (meta/instanceID), without its "uuid:" prefix; "" when the export lacks it."""
    for key in ("meta/instanceID", "instanceID", "meta-instanceID", "KEY", "_uuid"):
        if row.get(key):
            return str(row[key]).removeprefix("uuid:")
    return ""


def export_rows(data: bytes, filename: str = "") -> list[dict]:
    """Rows of a Kobo JSON export ({"results": [...]}, or a list), an ODK Central JSON ({"value": [...]}), or a CSV
    export; a file that is none of these is refused with a sentence (ValidationError on "file")."""
    if len(data) > max_export_bytes():
        raise file_error(
            _("The export is %(size).0f MB; the limit is %(limit).0f MB. Export fewer submissions at a time.")
            % {"size": len(data) / 1e6, "limit": max_export_bytes() / 1e6},
            "file_too_large",
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise file_error(
            _("The export is not UTF-8 text. Export the submissions again as JSON, or as CSV in UTF-8."),
            "file_not_utf8",
        ) from None
    if filename.lower().endswith(".json") or text.lstrip().startswith(("{", "[")):
        try:
            document = json.loads(text)
        except (ValueError, RecursionError) as error:
            raise file_error(
                _("The export is not valid JSON (line %(line)s, column %(col)s). Export it again.")
                % {"line": getattr(error, "lineno", "?"), "col": getattr(error, "colno", "?")},
                "file_invalid_json",
            ) from None
        rows = document.get("results", document.get("value")) if isinstance(document, dict) else document
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise file_error(
                _(
                    "The JSON export must list its submissions as objects: a list, or an object with the list "
                    "under “results” (KoboToolbox) or “value” (ODK Central)."
                ),
                "file_not_submissions",
            )
        return [flatten(r) for r in rows]
    try:
        sample = text[:4096]
        try:
            dialect = csv.Sniffer().sniff(sample, delimiters=",;\t") if sample else csv.excel
        except csv.Error:
            dialect = csv.excel
        return [flatten(r) for r in csv.DictReader(io.StringIO(text), dialect=dialect)]
    except csv.Error as error:
        raise file_error(
            _("The CSV export cannot be read (%(why)s). Export it again.") % {"why": error}, "file_invalid_csv"
        ) from None
