"""A GIS specialist imports a surveyor's layout in the browser: upload with progress, map, read the check, import."""

import re

import pytest

from landreg import roles
from landreg.services import roles_sync, user_create
from tests.townships.layout_files import clean_layout, faulty_layout, write_layout
from townships.models import LayoutImport, Plot


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
