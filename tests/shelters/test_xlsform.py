"""The generated XLSForms convert with pyxform (what KoboToolbox and ODK Central run on upload)."""

import io

import pytest
from pyxform.xls2xform import convert

from shelters.xlsform import xlsform_bytes


@pytest.mark.parametrize("form", ["inspection", "occupancy"])
def test_the_xlsform_passes_pyxform(db, form):
    warnings = []
    result = convert(xlsform=io.BytesIO(xlsform_bytes(form)), file_type=".xlsx", warnings=warnings)
    xml = result.xform
    assert f"landreg_{form}" in xml
    for field in ("plot_ref", "gps", "photo1", "remarks"):
        assert f"/{field}" in xml
    assert "orx:instanceID" in xml or "instanceID" in xml  # the submission UUID the import is idempotent on
    assert not [w for w in warnings if "error" in w.lower()], warnings


def test_the_inspection_form_lists_the_programme_stages_in_order(db):
    xml = convert(xlsform=io.BytesIO(xlsform_bytes("inspection")), file_type=".xlsx").xform
    positions = [xml.index(f"<name>{code}</name>") for code in ("foundation", "walls_to_lintel", "roof", "completed")]
    assert positions == sorted(positions)
    assert "jr:constraintMsg" in xml and "geopoint" in xml
