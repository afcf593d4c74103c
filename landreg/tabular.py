"""Cells for the spreadsheets landreg writes: every CSV and XLSX cell passes through this module.

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is read as a formula by Excel, LibreOffice
and Google Sheets (OWASP, "CSV Injection"). A household code such as `=HYPERLINK("http://…")` would run on the
partner's machine. Such text is prefixed with an apostrophe, which spreadsheets show as text and do not display.
Numbers are left as numbers: `-3` is a number, not a formula.

In an XLSX file a text cell is never run, but openpyxl writes any text starting with `=` as a formula, and a cell
edited again in Excel is re-read: `safe_append` writes such text as a text cell marked with the quote prefix
(Excel's own apostrophe), so the value stays exactly what it was (an XLSForm label keeps no stray apostrophe).
"""

import csv
from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """The value as a spreadsheet must receive it: text that a spreadsheet would run is neutralised."""
    if is_formula_text(value):
        return "'" + value
    return value


def is_formula_text(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def safe_row(values: Iterable) -> list:
    return [safe_cell(v) for v in values]


class SafeWriter:
    """A csv.writer whose every cell goes through `safe_cell`."""

    def __init__(self, stream, **kwargs):
        self._writer = csv.writer(stream, **kwargs)

    def writerow(self, row: Iterable):
        return self._writer.writerow(safe_row(row))

    def writerows(self, rows: Iterable[Iterable]):
        for row in rows:
            self.writerow(row)


def safe_append(sheet, row: Iterable) -> None:
    """Append a row to an openpyxl worksheet: text a spreadsheet would run becomes a quote-prefixed text cell."""
    sheet.append(list(row))
    for cell in sheet[sheet.max_row]:
        if is_formula_text(cell.value):
            cell.data_type = "s"
            cell.quotePrefix = True
