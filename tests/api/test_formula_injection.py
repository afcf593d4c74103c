"""Formula injection (OWASP "CSV Injection"): text a spreadsheet would run comes out neutralised in every CSV and
XLSX landreg writes (partner CSVs, the township CSV, the XLSForms); numbers stay numbers.

Values are set with .update(), as QGIS, psql or an import would write them: no form stands in the way."""

import csv
import io
import re
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from households.models import Household
from landreg.tabular import SafeWriter, is_formula_text, safe_append
from shelters.models import Stage
from shelters.services import programme_default
from shelters.xlsform import xlsform_bytes
from tests.landreg.test_data_sharing import agreement_create
from townships import exports
from townships import services as township_services
from townships.models import Facility, Township

FORMULAS = ['=HYPERLINK("http://x","y")', "+1", "-cmd", "@SUM(1)", "\tx", "\rx"]
# XML (inside an XLSX file) reads a carriage return back as a line feed; the cell is still the same text.
AS_XLSX_READS_THEM = [f.replace("\r", "\n") for f in FORMULAS]


def neutralised(value: str) -> str:
    return "'" + value


def read_csv(path: Path) -> list[list[str]]:
    """The CSV as a spreadsheet reads it: the byte-order mark dropped, carriage returns inside cells kept."""
    with path.open(encoding="utf-8-sig", newline="") as file:
        return list(csv.reader(file))


def partner_csv(client, user, dataset) -> list[list[str]]:
    client.force_login(user)
    response = client.get(f"/api/v1/partner/exports/{dataset}.csv", {"province": "AF06"})
    assert response.status_code == 200, response.content
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_the_csv_writer_neutralises_text_and_leaves_numbers_alone():
    out = io.StringIO()
    SafeWriter(out).writerow([*FORMULAS, -3, -2.5, "plain", "<5"])
    (row,) = csv.reader(io.StringIO(out.getvalue()))
    assert row == [*map(neutralised, FORMULAS), "-3", "-2.5", "plain", "<5"]


@pytest.fixture
def partner(users, provinces):
    agreement_create(users=[users["partner"]], provinces=[provinces["nangarhar"]])
    return users["partner"]


def test_household_codes_never_reach_the_partner_household_records(client, partner, make_household):
    """A code that is a formula is not neutralised but absent: partners get per-agreement pseudonyms."""
    for code in FORMULAS:
        Household.objects.filter(pk=make_household().pk).update(code=code)
    header, _hashtags, *rows = partner_csv(client, partner, "household_records")
    codes = [row[header.index("code")] for row in rows]
    assert len(codes) == len(FORMULAS) and not set(codes) & {*FORMULAS, *map(neutralised, FORMULAS)}
    assert all(re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){2}", code) for code in codes)
    assert all(row[header.index("size")] == "6" for row in rows)  # numbers are written as they were


@pytest.mark.parametrize("name", FORMULAS)
def test_a_township_name_is_neutralised_in_the_partner_township_summary(client, partner, township, name):
    Township.objects.filter(pk=township.pk).update(name=name)
    header, _hashtags, row = partner_csv(client, partner, "township_summary")
    assert row[header.index("township_name")] == neutralised(name)
    assert row[header.index("plots_available")] == "0"


def test_text_columns_of_a_gdal_csv_are_neutralised_and_numbers_stay_numbers(tmp_path):
    path = tmp_path / "layer.csv"
    path.write_text('\ufeffname,area_m2,lon\n"-cmd",-3,-70.5\n"+1",5,1\n', encoding="utf-8")
    exports._csv_cells_made_safe(path, {"name"})
    rows = read_csv(path)
    assert rows == [["name", "area_m2", "lon"], ["'-cmd", "-3", "-70.5"], ["'+1", "5", "1"]]
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # the byte-order mark Excel needs for Dari names


@pytest.mark.django_db(transaction=True)  # ogr2ogr reads PostGIS on its own connection: data must be committed
def test_township_and_facility_names_are_neutralised_in_the_township_csv(township, plots, frame, tmp_path):
    for i, name in enumerate(FORMULAS):
        township_services.facility_create(
            township=township, kind="water_point", name=f"Well {i}", geom=frame.rect(50 + 10 * i, 200, 1, 1).centroid
        )
        Facility.objects.filter(township=township, name=f"Well {i}").update(name=name)
    path, _written = exports.township_export(
        township=township, fmt="csv", directory=tmp_path, layers=["facilities"], csv_geometry="lonlat"
    )
    header, *rows = read_csv(path)
    assert sorted(row[header.index("name")] for row in rows) == sorted(map(neutralised, FORMULAS))
    assert all(float(row[header.index("lon")]) > 70 for row in rows)  # numbers are still numbers
    for name in FORMULAS:
        Township.objects.filter(pk=township.pk).update(name=name)
        folder = tmp_path / f"t{FORMULAS.index(name)}"
        folder.mkdir()
        path, _written = exports.township_export(township=township, fmt="csv", directory=folder, layers=["township"])
        header, row = read_csv(path)
        assert row[header.index("name")] == neutralised(name)
        assert row[header.index("utm_srid")] == "32642"
    path, _written = exports.township_export(township=township, fmt="csv", directory=tmp_path, layers=["plots"])
    header, *rows = read_csv(path)
    assert [round(float(row[header.index("area_m2")])) for row in rows] == [500, 500, 500]


def test_an_xlsx_cell_that_would_run_is_text_with_its_value_unchanged():
    workbook = Workbook()
    safe_append(workbook.active, [*FORMULAS, -3, "plain"])
    out = io.BytesIO()
    workbook.save(out)
    cells = list(load_workbook(io.BytesIO(out.getvalue())).active[1])
    assert [c.value for c in cells] == [*AS_XLSX_READS_THEM, -3, "plain"]
    assert all(c.data_type == "s" and c.quotePrefix for c in cells[: len(FORMULAS)])
    assert cells[-2].data_type == "n" and not cells[-1].quotePrefix


def test_stage_names_in_the_xlsform_are_text_never_formulas(db):
    programme = programme_default()
    stages = list(programme.stages.order_by("position"))
    for stage, name in zip(stages, FORMULAS, strict=True):
        Stage.objects.filter(pk=stage.pk).update(name=name)
    workbook = load_workbook(io.BytesIO(xlsform_bytes("inspection")))
    cells = [c for sheet in workbook for row in sheet.iter_rows() for c in row]
    risky = [c for c in cells if is_formula_text(c.value)]
    # "\rx" is a label: gettext makes its carriage return a line feed, which no spreadsheet runs.
    assert {c.value for c in risky} == set(FORMULAS) - {"\rx"}
    assert all(c.data_type == "s" and c.quotePrefix for c in risky)
    assert not [c for c in cells if c.data_type == "f"]
