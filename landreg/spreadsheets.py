"""Reads XLSX workbooks within bounds, so that a spreadsheet bomb is refused before it is unpacked or held in memory.

An XLSX file is a zip of XML. A few megabytes can unpack to gigabytes (a sheet of millions of repeated cells), and
openpyxl, even in read-only mode, reads every sheet's XML once when it opens the workbook (to size it when the
sheet does not declare its `<dimension>`) and keeps all shared strings in memory. So, before openpyxl sees the
file: the zip's members are measured (unpacked size, compression ratio), and every XML member is streamed once
through expat, counting rows, columns and cells, stopping at the first limit and refusing entity declarations. The
declared `<dimension>` is checked too, but never trusted alone. Only then does openpyxl read the first sheet, in
read-only mode, still counting.

Limits: LANDREG_XLSX_MAX_ROWS, LANDREG_XLSX_MAX_COLUMNS and LANDREG_XLSX_MAX_CELLS (the whole workbook).
"""

import io
import re
import zipfile
from xml.parsers import expat

from django.conf import settings
from django.utils.translation import gettext as _

# A list's sheet XML takes some tens of bytes per cell; a workbook unpacking to more than this per allowed cell
# holds something other than a list.
UNPACKED_BYTES_PER_CELL = 100
# Spreadsheet XML compresses about 5 to 30 times; a bomb compresses hundreds of times.
MAX_RATIO = 100
RATIO_CHECKED_FROM = 1_000_000  # small members (styles, themes) may compress well and do no harm
MAX_MEMBERS = 1000
_CHUNK = 1 << 16
_CELL_REFERENCE = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


class SpreadsheetError(Exception):
    """The workbook is refused; the message is a sentence saying what to do."""


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


def _reference(text: str) -> tuple[int, int] | None:
    """(column, row) of a reference such as `XFD1048576`, or None."""
    match = _CELL_REFERENCE.match(text or "")
    return (_column_number(match.group(1)), int(match.group(2))) if match else None


def _rows_refusal(sheet: str, rows: int) -> SpreadsheetError:
    return SpreadsheetError(
        _(
            "Sheet %(sheet)s of the workbook has more than %(max)d rows (at least %(rows)d). Split the list into "
            "several files."
        )
        % {"sheet": sheet, "max": settings.LANDREG_XLSX_MAX_ROWS, "rows": rows}
    )


def _columns_refusal(sheet: str, columns: int) -> SpreadsheetError:
    return SpreadsheetError(
        _(
            "Sheet %(sheet)s of the workbook uses %(columns)d columns; the limit is %(max)d. Delete the columns "
            "the list does not need and save it again."
        )
        % {"sheet": sheet, "columns": columns, "max": settings.LANDREG_XLSX_MAX_COLUMNS}
    )


def _cells_refusal() -> SpreadsheetError:
    return SpreadsheetError(
        _("The workbook holds more than %(max)d cells. Split the list into several files, one sheet each.")
        % {"max": settings.LANDREG_XLSX_MAX_CELLS}
    )


class _Counter:
    """Counts rows, columns and cells of one XML member as expat streams it; raises at the first limit."""

    def __init__(self, sheet: str, cells_before: int):
        self.sheet, self.cells = sheet, cells_before
        self.rows = self.row = self.column = 0

    def start(self, name: str, attributes: dict) -> None:
        namespace, _sep, local = name.rpartition(" ")
        if namespace != _MAIN:
            return
        if local == "dimension":
            self._dimension(attributes.get("ref", ""))
        elif local == "row":
            declared = attributes.get("r", "")
            self.row = int(declared) if declared.isdigit() else self.row + 1
            self.rows = max(self.rows, self.row)
            self.column = 0
            if self.rows > settings.LANDREG_XLSX_MAX_ROWS:
                raise _rows_refusal(self.sheet, self.rows)
        elif local == "c":
            where = _reference(attributes.get("r", ""))
            self.column = where[0] if where else self.column + 1
            if where and where[1] > self.rows:  # a cell may name a row further down than its <row>
                self.rows = where[1]
                if self.rows > settings.LANDREG_XLSX_MAX_ROWS:
                    raise _rows_refusal(self.sheet, self.rows)
            if self.column > settings.LANDREG_XLSX_MAX_COLUMNS:
                raise _columns_refusal(self.sheet, self.column)
            self.cells += 1
            if self.cells > settings.LANDREG_XLSX_MAX_CELLS:
                raise _cells_refusal()
        elif local == "si":  # a shared string: openpyxl keeps them all in memory
            self.cells += 1
            if self.cells > 2 * settings.LANDREG_XLSX_MAX_CELLS:
                raise _cells_refusal()

    def _dimension(self, ref: str) -> None:
        corners = [_reference(part) for part in ref.split(":")]
        if not corners or None in corners:
            return
        first, last = corners[0], corners[-1]
        columns, rows = last[0] - first[0] + 1, last[1]
        if rows > settings.LANDREG_XLSX_MAX_ROWS:
            raise _rows_refusal(self.sheet, rows)
        if last[0] > settings.LANDREG_XLSX_MAX_COLUMNS:
            raise _columns_refusal(self.sheet, last[0])
        if columns * (rows - first[1] + 1) > settings.LANDREG_XLSX_MAX_CELLS:
            raise _cells_refusal()


def _refuse_declarations(*_args) -> None:
    raise SpreadsheetError(_("The workbook declares XML entities, which a spreadsheet never does; it was refused."))


def _scan(archive: zipfile.ZipFile, member: zipfile.ZipInfo, cells_before: int) -> int:
    """Stream one XML member through expat, counting; returns the cells counted so far in the workbook."""
    sheet = re.sub(r"\D", "", member.filename.rsplit("/", 1)[-1]) or member.filename
    counter = _Counter(sheet, cells_before)
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = counter.start
    parser.EntityDeclHandler = _refuse_declarations
    parser.StartDoctypeDeclHandler = _refuse_declarations
    try:
        with archive.open(member) as stream:
            while chunk := stream.read(_CHUNK):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except expat.ExpatError as exc:
        raise SpreadsheetError(
            _("Part %(part)s of the workbook is not well-formed XML. Save the list again from Excel or LibreOffice.")
            % {"part": member.filename}
        ) from exc
    return counter.cells


def xlsx_inspect(content: bytes) -> None:
    """Refuse a workbook past the limits without unpacking more than one chunk of it at a time."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise SpreadsheetError(
            _("This is not a readable XLSX workbook (%(e)s). Save it again from Excel or LibreOffice.")
            % {"e": exc.__class__.__name__}
        ) from exc
    if len(members) > MAX_MEMBERS:
        raise SpreadsheetError(
            _("The workbook holds %(n)d parts, far more than a list needs. Save the list alone in a new workbook.")
            % {"n": len(members)}
        )
    unpacked = sum(m.file_size for m in members)
    worst = max(
        (m.file_size / max(1, m.compress_size) for m in members if m.file_size >= RATIO_CHECKED_FROM), default=1
    )
    if unpacked > UNPACKED_BYTES_PER_CELL * settings.LANDREG_XLSX_MAX_CELLS or worst > MAX_RATIO:
        raise SpreadsheetError(
            _(
                "The workbook unpacks to %(mb)d MB, which no list of households needs; it was refused unread. "
                "Save only the list's sheet, or split the list into several files."
            )
            % {"mb": max(1, unpacked // 1_000_000)}
        )
    cells = 0
    with archive:
        for member in members:
            if member.filename.lower().endswith((".xml", ".rels")):
                try:
                    cells = _scan(archive, member, cells)
                except (zipfile.BadZipFile, OSError, EOFError) as exc:
                    raise SpreadsheetError(
                        _("This is not a readable XLSX workbook (%(e)s). Save it again from Excel or LibreOffice.")
                        % {"e": exc.__class__.__name__}
                    ) from exc


def xlsx_rows(content: bytes) -> list[list]:
    """The first sheet's rows as lists of values ('' for an empty cell), within the limits, or SpreadsheetError."""
    import openpyxl

    xlsx_inspect(content)
    try:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        sheet = book.worksheets[0]
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise SpreadsheetError(
            _("This is not a readable XLSX workbook (%(e)s). Save it again from Excel or LibreOffice.")
            % {"e": exc.__class__.__name__}
        ) from exc
    # Read rows as they are: a declared dimension would pad every row to its width.
    sheet.reset_dimensions()
    table, cells = [], 0
    try:
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            if number > settings.LANDREG_XLSX_MAX_ROWS:
                raise _rows_refusal("1", number)
            if len(row) > settings.LANDREG_XLSX_MAX_COLUMNS:
                raise _columns_refusal("1", len(row))
            cells += len(row)
            if cells > settings.LANDREG_XLSX_MAX_CELLS:
                raise _cells_refusal()
            table.append(["" if v is None else v for v in row])
    except SpreadsheetError:
        raise
    except Exception as exc:
        raise SpreadsheetError(
            _("This is not a readable XLSX workbook (%(e)s). Save it again from Excel or LibreOffice.")
            % {"e": exc.__class__.__name__}
        ) from exc
    finally:
        book.close()
    return table
