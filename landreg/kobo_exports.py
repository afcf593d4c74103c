"""Reading a KoboToolbox or ODK Central export of one of our XLSForms, for every import of one (shelters/kobo.py,
movements/kobo.py, livelihoods/kobo.py): JSON (Kobo's {"results": [...]}, ODK Central's {"value": [...]}, or a
list), CSV, or ODK Central's zip of CSVs (the main CSV and one per repeat group, joined by PARENT_KEY and KEY), within
the upload limit, each row with its keys also without their group path, and its repeat groups' rows nested under
the repeat's name as Kobo's JSON has them; the submission's UUID. Whatever is wrong with the file itself is refused
with a sentence (ValidationError on "file") before anything is written."""

import csv
import io
import json
import re
import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# An ODK Central export holds a main CSV, a CSV per repeat group and, if asked for, the attachments under media/
# (a day's photos: shelters/kobo.py accepts as many in an attachments zip): more members than this is not an export,
# and is refused before its directory is read further. Only the CSVs are unpacked.
ZIP_MAX_MEMBERS = 20_000
# A zip member's name that is not a plain relative path inside the archive (absolute, a drive, "..", a backslash).
_UNSAFE_NAME = re.compile(r"^(?:/|[A-Za-z]:)|(?:^|/)\.\.(?:/|$)|\\|\x00")
# ODK Central's columns that tie a repeat's rows to their parent (docs: the Briefcase CSV format it follows).
PARENT_KEY, KEY, SET_OF = "PARENT_KEY", "KEY", "SET-OF-"
# A repeat group's CSV is named <form>-<repeat>.csv, with ~N when two repeats share a name.
_REPEAT_SUFFIX = re.compile(r"~\d+$")


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


def _decoded(data: bytes, member: str = "") -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        if member:
            raise file_error(
                _("%(file)s in the zip is not UTF-8 text. Download the export from ODK Central again.")
                % {"file": _shown(member)},
                "file_not_utf8",
            ) from None
        raise file_error(
            _("The export is not UTF-8 text. Export the submissions again as JSON, or as CSV in UTF-8."),
            "file_not_utf8",
        ) from None


def _shown(text: str, length: int = 80) -> str:
    """A name or key from the file, shown in a sentence: printable, and cut short."""
    text = "".join(c if c.isprintable() else "?" for c in str(text))
    return text if len(text) <= length else text[: length - 1] + "…"


def _json_rows(text: str) -> list[dict]:
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
    return rows


def _csv_table(text: str, *, sniff: bool = True) -> tuple[list[str], list[dict]]:
    """The header and the rows of a CSV export (its delimiter sniffed, unless it is ODK Central's: commas)."""
    try:
        dialect = csv.excel
        sample = text[:4096]
        if sniff and sample:
            try:
                dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
            except csv.Error:
                dialect = csv.excel
        reader = csv.DictReader(io.StringIO(text), dialect=dialect)
        rows = list(reader)
        return list(reader.fieldnames or []), rows
    except csv.Error as error:
        raise file_error(
            _("The CSV export cannot be read (%(why)s). Export it again.") % {"why": error}, "file_invalid_csv"
        ) from None


def _zip_csvs(data: bytes) -> dict[str, bytes]:
    """The CSV members of an ODK Central export zip, by name, after refusing what no export is: a damaged or
    encrypted zip, too many members, a name leading outside the archive, more unpacked bytes than the upload limit
    (measured as they are unpacked, whatever the zip declares). Nothing is written to disk."""
    limit = max_export_bytes()
    damaged = _("The zip cannot be read (%(why)s). Download the export from ODK Central again.")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise file_error(damaged % {"why": error.__class__.__name__}, "zip_damaged") from None
    if len(members) > ZIP_MAX_MEMBERS:
        raise file_error(
            _(
                "The zip holds %(n)d files, more than any export of a day's submissions. Export fewer submissions, "
                "or without their media files."
            )
            % {"n": len(members)},
            "zip_too_many_members",
        )
    names = [m.filename for m in members]
    if len(set(names)) != len(names):
        raise file_error(
            _("The zip holds two files of the same name; it was refused unread. Download the export again."),
            "zip_unsafe_name",
        )
    for member in members:
        if _UNSAFE_NAME.search(member.filename):
            raise file_error(
                _("The zip holds “%(name)s”, a name leading outside the archive; it was refused unread.")
                % {"name": _shown(member.filename)},
                "zip_unsafe_name",
            )
    too_large = _(
        "The zip unpacks to more than %(limit).0f MB, the import limit; it was refused. Export fewer submissions "
        "at a time."
    ) % {"limit": limit / 1e6}
    if sum(m.file_size for m in members) > limit:
        raise file_error(too_large, "zip_too_large")
    csvs, unpacked = {}, 0
    try:
        for member in members:
            if member.is_dir() or not member.filename.lower().endswith(".csv"):
                continue  # attachments (media/…) are not read
            if member.flag_bits & 0x1:
                raise file_error(
                    _("The zip is encrypted. Download the export from ODK Central again, without a password."),
                    "zip_encrypted",
                )
            with archive.open(member) as stream:
                content = stream.read(limit - unpacked + 1)
            unpacked += len(content)
            if unpacked > limit:
                raise file_error(too_large, "zip_too_large")
            csvs[member.filename] = content
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError, ValueError) as error:
        raise file_error(damaged % {"why": error.__class__.__name__}, "zip_damaged") from None
    return csvs


def _stem(name: str) -> str:
    return name.rsplit("/", 1)[-1][: -len(".csv")]


def _nested(row: dict) -> dict:
    return flatten({k: [_nested(c) for c in v] if isinstance(v, list) else v for k, v in row.items()})


def _zip_rows(data: bytes) -> list[dict]:
    """An ODK Central export zip: the main CSV's rows, each with its repeat groups' rows nested under the repeat's
    name (<form>-<repeat>.csv, joined by PARENT_KEY to the parent's KEY, repeats within repeats too), as Kobo's JSON
    nests them. A repeat row whose PARENT_KEY matches no row refuses the whole file."""
    tables = {}
    for name, content in _zip_csvs(data).items():
        header, rows = _csv_table(_decoded(content, name), sniff=False)
        if header:
            tables[name] = (header, rows)
    mains = [name for name, (header, _rows) in tables.items() if PARENT_KEY not in header]
    if len(mains) != 1:
        raise file_error(
            _(
                "The zip must hold one main CSV of submissions (the form's, without a PARENT_KEY column) and the "
                "CSVs of its repeat groups; it holds %(n)d main CSVs. Export one form at a time from ODK Central."
            )
            % {"n": len(mains)},
            "zip_no_main_csv",
        )
    main = mains[0]
    by_key: dict[str, dict] = {}
    repeats = []  # (file, row number, repeat name, parent key, row)

    def keep(name: str, number: int, row: dict) -> dict:
        kept = {k: v for k, v in row.items() if k is not None and k != PARENT_KEY and not k.startswith(SET_OF)}
        key = row.get(KEY) or ""
        if key:
            if key in by_key:
                raise file_error(
                    _("Row %(row)d of %(file)s repeats the KEY %(key)s of another row. Download the export again.")
                    % {"row": number, "file": _shown(name), "key": _shown(key)},
                    "zip_key_repeated",
                )
            by_key[key] = kept
        return kept

    main_rows = [keep(main, n, row) for n, row in enumerate(tables[main][1], start=2)]
    prefix = _stem(main) + "-"
    for name, (_header, rows) in tables.items():
        if name == main:
            continue
        stem = _stem(name)
        repeat = _REPEAT_SUFFIX.sub("", stem.removeprefix(prefix) if stem.startswith(prefix) else stem)
        for number, row in enumerate(rows, start=2):
            kept = keep(name, number, row)
            kept.pop(KEY, None)
            repeats.append((name, number, repeat, row.get(PARENT_KEY) or "", kept))
    for name, number, repeat, parent_key, row in repeats:
        parent = by_key.get(parent_key)
        if parent is None:
            raise file_error(
                _(
                    "Row %(row)d of %(file)s belongs to “%(key)s” (its PARENT_KEY), which no row of the export is. "
                    "Download the whole export from ODK Central again."
                )
                % {"row": number, "file": _shown(name), "key": _shown(parent_key)},
                "zip_parent_key_unknown",
            )
        if not isinstance(parent.get(repeat), list):
            parent[repeat] = []
        parent[repeat].append(row)
    return [_nested(row) for row in main_rows]


def export_rows(data: bytes, filename: str = "") -> list[dict]:
    """Rows of a Kobo JSON export ({"results": [...]}, or a list), an ODK Central JSON ({"value": [...]}), a CSV
    export, or ODK Central's zip of CSVs; a file that is none of these is refused with a sentence (ValidationError
    on "file")."""
    if len(data) > max_export_bytes():
        raise file_error(
            _("The export is %(size).0f MB; the limit is %(limit).0f MB. Export fewer submissions at a time.")
            % {"size": len(data) / 1e6, "limit": max_export_bytes() / 1e6},
            "file_too_large",
        )
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06") or filename.lower().endswith(".zip"):
        return _zip_rows(data)
    text = _decoded(data)
    if filename.lower().endswith(".json") or text.lstrip().startswith(("{", "[")):
        return [flatten(r) for r in _json_rows(text)]
    return [flatten(r) for r in _csv_table(text)[1]]
