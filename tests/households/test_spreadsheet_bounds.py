"""A spreadsheet bomb is refused with a sentence, before it is unpacked or held in memory (landreg/spreadsheets.py)."""

import io
import tracemalloc
import zipfile

import openpyxl
import pytest

from households.bulk import ListError, households_import
from landreg import spreadsheets
from landreg.spreadsheets import SpreadsheetError, xlsx_rows

HEADER = ["province", "category", "size", "head_name", "sex"]
SHEET = "xl/worksheets/sheet1.xml"
OPEN = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)


def workbook_with_sheet(write_sheet) -> bytes:
    """A real workbook made by openpyxl whose first sheet's XML is replaced by what write_sheet streams into the
    zip: a bomb can be built without ever holding its unpacked XML in memory."""
    book = openpyxl.Workbook()
    book.active.append(HEADER)
    original = io.BytesIO()
    book.save(original)
    out = io.BytesIO()
    with zipfile.ZipFile(original) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            if member.filename == SHEET:
                with target.open(SHEET, "w") as stream:
                    write_sheet(stream)
            else:
                target.writestr(member, source.read(member))
    return out.getvalue()


def sheet_of(rows: int, columns: int, dimension: str | None = None):
    def write(stream):
        stream.write(OPEN.encode())
        if dimension:
            stream.write(f'<dimension ref="{dimension}"/>'.encode())
        stream.write(b"<sheetData>")
        cells = "".join(f"<c><v>{c}</v></c>" for c in range(columns)).encode()
        for _r in range(rows):
            stream.write(b"<row>" + cells + b"</row>")
        stream.write(b"</sheetData></worksheet>")

    return write


def test_a_two_million_cell_bomb_is_refused_unread_with_bounded_memory(users):
    content = workbook_with_sheet(sheet_of(rows=20_000, columns=101))  # 2,020,000 cells
    assert len(content) < 2_000_000  # small on disk, about 40 MB unpacked
    tracemalloc.start()
    try:
        with pytest.raises(ListError, match="unpacks to .* MB, which no list of households needs"):
            households_import(name="bomb.xlsx", content=content, by=users["officer_nangarhar"])
        _size, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 10_000_000


def test_a_bomb_that_compresses_less_is_counted_while_streaming_and_refused(users, settings):
    """A sheet under the size and ratio limits but with too many cells: the declared dimension (A1:A1) lies, the
    count while streaming does not."""
    settings.LANDREG_XLSX_MAX_CELLS = 1000
    content = workbook_with_sheet(sheet_of(rows=150, columns=10, dimension="A1:A1"))
    tracemalloc.start()
    try:
        with pytest.raises(ListError, match="The workbook holds more than 1000 cells. Split the list"):
            households_import(name="list.xlsx", content=content, by=users["officer_nangarhar"])
        _size, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 5_000_000


@pytest.mark.parametrize(
    "sheet, message",
    [
        (sheet_of(rows=30, columns=3), "Sheet 1 of the workbook has more than 20 rows"),
        (sheet_of(rows=3, columns=12), "Sheet 1 of the workbook uses 11 columns; the limit is 10"),
        (sheet_of(rows=3, columns=3, dimension="A1:C100000"), "has more than 20 rows"),
        (sheet_of(rows=3, columns=3, dimension="A1:XFD3"), "uses 16384 columns"),
    ],
)
def test_rows_and_columns_past_the_limits_are_refused(settings, sheet, message):
    settings.LANDREG_XLSX_MAX_ROWS, settings.LANDREG_XLSX_MAX_COLUMNS = 20, 10
    with pytest.raises(SpreadsheetError, match=message):
        xlsx_rows(workbook_with_sheet(sheet))


def test_a_row_numbered_far_down_counts_as_that_many_rows(settings):
    settings.LANDREG_XLSX_MAX_ROWS = 20

    def sheet(stream):
        stream.write((OPEN + '<sheetData><row r="1"><c r="A1"><v>1</v></c></row>').encode())
        stream.write(b'<row r="1048576"><c r="A1048576"><v>1</v></c></row></sheetData></worksheet>')

    with pytest.raises(SpreadsheetError, match="has more than 20 rows"):
        xlsx_rows(workbook_with_sheet(sheet))


def test_the_openpyxl_pass_counts_too_without_trusting_the_dimension(settings, monkeypatch):
    settings.LANDREG_XLSX_MAX_CELLS = 100
    monkeypatch.setattr(spreadsheets, "xlsx_inspect", lambda content: None)
    with pytest.raises(SpreadsheetError, match="more than 100 cells"):
        xlsx_rows(workbook_with_sheet(sheet_of(rows=30, columns=5, dimension="A1:A1")))


def test_entity_declarations_are_refused():
    def sheet(stream):
        stream.write(b'<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY a "aaaaaaaaaa">]>')
        stream.write(OPEN.split("\n", 1)[1].encode() + b"<sheetData/></worksheet>")

    with pytest.raises(SpreadsheetError, match="declares XML entities"):
        xlsx_rows(workbook_with_sheet(sheet))


def test_a_list_within_the_limits_is_read(settings):
    settings.LANDREG_XLSX_MAX_ROWS, settings.LANDREG_XLSX_MAX_COLUMNS = 20, 10
    rows = xlsx_rows(workbook_with_sheet(sheet_of(rows=20, columns=10, dimension="A1:J20")))
    assert len(rows) == 20 and rows[0] == list(range(10))


def test_the_api_and_the_page_answer_a_bomb_with_the_sentence(client, users, settings):
    settings.LANDREG_XLSX_MAX_CELLS = 1000
    client.force_login(users["officer_nangarhar"])
    for url, status in (("/api/v1/households/import/", 400), ("/households/import/", 400)):  # the page says it
        upload = io.BytesIO(workbook_with_sheet(sheet_of(rows=150, columns=10, dimension="A1:A1")))
        upload.name = "list.xlsx"
        response = client.post(url, {"file": upload})
        assert response.status_code == status
        assert "The workbook holds more than 1000 cells" in response.content.decode()
