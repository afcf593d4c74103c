"""A GIS specialist imports a surveyor's layout in the browser: upload with progress, map, read the check, import;
and a new block numbered like an old one is caught before it takes over the old plots (English and Dari)."""

import re
from pathlib import Path

import pytest

from landreg import roles
from landreg.calendar import local_digits
from landreg.services import roles_sync, user_create
from tests.townships.layout_files import clean_layout, faulty_layout, rect, write_layout
from townships.layouts import Mapping, layout_check, layout_commit
from townships.models import LayoutImport, LayoutSource, Plot


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.mark.django_db(transaction=True)
def test_a_layout_is_uploaded_checked_and_imported(live_server, page, township, frame, tmp_path):
    roles_sync()
    user_create(username="gis.browser", password="gis-pass-12", roles=[roles.GIS_SPECIALIST], national=True)
    faulty = write_layout(tmp_path / "bad", "gpkg", frame, faulty_layout())
    good = write_layout(tmp_path / "good", "gpkg", frame, clean_layout())
    page.goto(f"{live_server.url}/layouts/")
    page.fill("#id_username", "gis.browser")
    page.fill("#id_password", "gis-pass-12")
    page.click("input[type=submit]")
    page.wait_for_selector("#layout-upload")

    # A faulty layout: the check lists the four reasons, and there is nothing to import.
    page.select_option("#id_township", label=township.name)
    page.set_input_files("#id_file", str(faulty))
    page.fill("#id_source", "Ariana Survey")
    page.click("text=Upload and check")
    page.wait_for_url(re.compile(r"/layouts/mapping/$"))
    page.select_option("#id_number_field", "PLOT_NO")
    page.select_option("#id_block_field", "BLOCK")
    page.select_option("#id_use_field", "USE")
    page.click("text=Check the layout")
    page.wait_for_url(re.compile(r"/layouts/\d+/$"))
    reasons = page.inner_text("#layout-reasons")
    for reason in ("self-intersection", "overlap", "outside the township", "duplicate number"):
        assert reason in reasons
    assert "crosses itself" in page.inner_text("#layout-features")
    assert page.locator("#commit").count() == 0 and page.locator("#problems-download").count() == 1
    assert not Plot.objects.exists()

    # The corrected file from the same source is checked at once (the mapping is remembered), then imported.
    page.goto(f"{live_server.url}/layouts/")
    page.select_option("#id_township", label=township.name)
    page.set_input_files("#id_file", str(good))
    page.fill("#id_source", "Ariana Survey")
    page.click("text=Upload and check")
    page.wait_for_url(re.compile(r"/layouts/\d+/$"))
    assert "14 features: 14 valid, 0 repaired, 0 rejected." in page.inner_text("#layout-counts")
    assert not Plot.objects.exists()
    page.click("#commit")
    page.wait_for_selector("#import-done", timeout=60000)
    assert "Imported: 14 plots added, 0 changed, 0 unchanged." in page.inner_text("#import-done")
    assert re.search(r"Plots written 3/3 \(100%\)", page.content())  # progress arrived as the work went on
    assert Plot.objects.filter(township=township).count() == 14
    assert LayoutImport.objects.filter(status="committed").count() == 1


ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["en", "fa"])
def test_a_new_block_numbered_from_one_is_caught_before_import(live_server, page, township, frame, tmp_path, language):
    """The surveyor numbered a new block's plots from 1, as plots 1-3 of block A already are: the page offers the
    file's own use spellings, then shows each match moving from block A to B by about 238 m, flags them as
    different plots with the same numbers, and imports only once the specialist has ticked that they checked."""
    roles_sync()
    gis = user_create(username="gis.browser", password="gis-pass-12", roles=[roles.GIS_SPECIALIST], national=True)
    first = write_layout(tmp_path / "first", "gpkg", frame, clean_layout())
    layout_commit(
        layout_import=layout_check(
            township=township, path=first, name=first.name, by=gis, mapping=Mapping("PLOT_NO", "BLOCK", "USE")
        ),
        by=gis,
    )
    new_block = [(str(i + 1), "B", "RES" if i else "COM", rect(230 + i * 20, 60)) for i in range(3)]
    second = write_layout(tmp_path / "second", "gpkg", frame, new_block, name="block-b")
    page.goto(f"{live_server.url}/layouts/")
    page.fill("#id_username", "gis.browser")
    page.fill("#id_password", "gis-pass-12")
    page.click("input[type=submit]")
    page.wait_for_selector("#layout-upload")
    if language != "en":
        with page.expect_navigation():
            page.select_option("select[name=language]", language)
    assert page.get_attribute("html", "lang") == language
    assert local_digits("200", language) in page.inner_text("main")  # the one limit, in MiB

    page.select_option("#id_township", label=township.name)
    page.set_input_files("#id_file", str(second))
    page.fill("#id_source", "New survey")
    page.click("#layout-upload button")
    page.wait_for_url(re.compile(r"/layouts/mapping/$"))
    page.select_option("#id_number_field", "PLOT_NO")
    page.select_option("#id_block_field", "BLOCK")
    assert page.input_value("#id_use_field") == "USE"  # guessed from its name, and its values offered
    assert page.locator("#use-values").count() == 1
    page.select_option("#id_use_for_0", "commercial")  # COM
    page.select_option("#id_use_for_1", "residential")  # RES
    snapshot(page, f"layout-mapping-uses-{language}.png")
    page.click("#check")
    page.wait_for_url(re.compile(r"/layouts/\d+/$"))

    rows = page.locator("#layout-changes tr.different-plot")
    assert rows.count() == 3
    assert page.inner_text('#layout-changes tr[data-number="1"] td:nth-child(2)') == "A"
    assert page.inner_text('#layout-changes tr[data-number="1"] td:nth-child(3)') == "B"
    assert local_digits("237.7", language).replace(".", "٫" if language != "en" else ".") in page.inner_text(
        '#layout-changes tr[data-number="1"]'
    )
    assert page.locator("#different-plots").count() == 1
    snapshot(page, f"layout-different-plots-{language}.png")
    page.click("#commit")  # the box is not ticked: the browser does not send the form
    assert page.url.endswith(f"/layouts/{LayoutImport.objects.latest('pk').pk}/")
    assert Plot.objects.get(number="1").block.code == "A"
    page.check("input[name=confirm_different_plots]")
    page.click("#commit")
    page.wait_for_selector("#import-done", timeout=60000)
    assert Plot.objects.get(number="1").block.code == "B"
    assert LayoutSource.objects.get(name="New survey").use_values == {"COM": "commercial", "RES": "residential"}


def snapshot(page, name):
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)
