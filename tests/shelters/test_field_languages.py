"""The field pages' words in Dari and Pashto: refusals in the language the phone asks for, checklist items and
stages in the reader's language on the cards a phone keeps offline, and XLSForm columns filled from the catalogue
(every label marked so that `makemessages` collects it)."""

import io
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.utils import timezone, translation
from openpyxl import load_workbook

from shelters.models import CHECKLIST_LABELS
from shelters.selectors import checklist_label
from shelters.services import assignment_create
from shelters.xlsform import LANGUAGES, xlsform_bytes
from tests.shelters.conftest import strings_makemessages_collects
from tests.shelters.test_field_api import API, basic, visit

SHELTERS = Path(django_settings.BASE_DIR) / "shelters"


def test_a_refusal_comes_back_in_the_language_the_phone_asks_for(client, project, field_officer, frame):
    far = frame.rect(10, -48, 1, 1).centroid  # 48 m south of plot 0
    english = client.post(f"{API}/inspections/", visit(project.plot, "foundation", far), **basic("field.n"))
    dari = client.post(
        f"{API}/inspections/",
        visit(project.plot, "foundation", far),
        HTTP_ACCEPT_LANGUAGE="fa",
        **basic("field.n"),
    )
    assert english.status_code == dari.status_code == 400
    assert dari.json()["codes"] == english.json()["codes"] == ["gps_outside_plot"]
    assert "the visit must be made on the plot" in english.json()["detail"]
    with translation.override("fa"):
        expected = translation.gettext(
            "The GPS point is %(d).0f m from plot %(number)s; the visit must be made on the plot (within %(tol).0f m)."
        ) % {"d": 48, "number": project.plot.number, "tol": 30}
    assert dari.json()["detail"] == expected and "متر" in expected


def test_the_cards_name_checklist_items_and_stages_in_the_reader_s_language(
    client, project, field_officer, users, catalogue
):
    catalogue(CHECKLIST_LABELS.values())
    assignment_create(
        officer=field_officer, plot=project.plot, due_on=timezone.localdate(), by=users["officer_nangarhar"]
    )
    cards = {}
    for language in ("en", "fa", "ps"):
        response = client.get(f"{API}/assignments/", HTTP_ACCEPT_LANGUAGE=language, **basic("field.n"))
        assert response.status_code == 200
        cards[language] = response.json()["assignments"][0]["plot"]
    stages = {lang: {s["code"]: s for s in card["shelter"]["stages"]} for lang, card in cards.items()}
    foundation = {lang: s["foundation"] for lang, s in stages.items()}
    assert foundation["en"]["items"][0] == {"code": "footing_depth_ok", "label": "Footing dug to the required depth"}
    assert foundation["fa"]["items"][0] == {
        "code": "footing_depth_ok",
        "label": "[fa] Footing dug to the required depth",
    }
    assert foundation["ps"]["items"][0]["label"] == "[ps] Footing dug to the required depth"
    assert [i["code"] for i in foundation["fa"]["items"]] == foundation["fa"]["checklist"]  # the codes stay as stored
    with translation.override("fa"):
        assert stages["fa"]["doors_windows"]["name"] == translation.gettext("Doors and windows") != "Doors and windows"
    # What the phone measures a visit's distance with: the township's zone and the outline to the millimetre.
    assert cards["en"]["township"]["utm_srid"] == 32642
    ring = cards["en"]["outline"]["coordinates"][0]
    assert any(len(repr(value).split(".")[1]) > 6 for point in ring for value in point)


def test_a_configured_checklist_item_without_a_label_reads_as_its_code():
    assert checklist_label("gable_wall_tied") == "gable wall tied"
    with translation.override("en"):
        assert checklist_label("pit_lined") == "Pit lined"


def test_makemessages_collects_every_xlsform_and_checklist_label():
    collected = strings_makemessages_collects(SHELTERS / "xlsform.py", SHELTERS / "models.py", SHELTERS / "kobo.py")
    assert set(CHECKLIST_LABELS.values()) <= collected
    assert "Construction stage inspected" in collected and "Stand on the plot and record the GPS position" in collected
    assert "GPS outside tolerance" in collected  # the import report's reasons (shelters/kobo.py)


def _label_columns(sheet) -> list[tuple[int, int, int]]:
    """(English, Dari, Pashto) column numbers of each label, hint and constraint message of a sheet."""
    header = [cell.value for cell in sheet[1]]
    groups = []
    for name in header:
        if name and name.endswith("::English (en)"):
            prefix = name.split("::")[0]
            groups.append(tuple(header.index(f"{prefix}::{title}") for _code, title in LANGUAGES))
    return groups


@pytest.mark.parametrize("form", ["inspection", "occupancy"])
def test_the_xlsform_dari_and_pashto_columns_come_from_the_catalogue(db, catalogue, form):
    collected = strings_makemessages_collects(SHELTERS / "xlsform.py", SHELTERS / "models.py")
    catalogue(collected)
    workbook = load_workbook(io.BytesIO(xlsform_bytes(form)))
    checked = 0
    for sheet_name in ("survey", "choices"):
        sheet = workbook[sheet_name]
        for en, fa, ps in _label_columns(sheet):
            for row in sheet.iter_rows(min_row=2, values_only=True):
                if not row[en]:
                    continue
                assert (row[fa], row[ps]) == (f"[fa] {row[en]}", f"[ps] {row[en]}"), (sheet_name, row)
                checked += 1
    # At least: the 9 questions, 6 stages, 17 checklist items and 2 results; the 6 questions and 4 findings.
    assert checked >= (9 + 6 + 17 + 2 if form == "inspection" else 6 + 4)


def test_the_xlsform_checklist_choices_are_translated_by_the_catalogue(db, catalogue):
    catalogue(CHECKLIST_LABELS.values())
    workbook = load_workbook(io.BytesIO(xlsform_bytes("inspection")))
    rows = [row for row in workbook["choices"].iter_rows(min_row=2, values_only=True) if row[0] == "checklist"]
    assert len(rows) == 17
    assert all(row[3] == f"[fa] {row[2]}" and row[4] == f"[ps] {row[2]}" for row in rows), rows
