"""A GIS specialist drafts a first layout from a land parcel in the browser: the parameters beside the parcel's
map, the draft's figures and map, the layout check (dry run), the import, and the plots the database then holds
on the draft's map (English and Dari)."""

import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.contrib.gis.geos import MultiPolygon

from landreg import roles
from landreg.calendar import local_digits
from landreg.services import roles_sync, user_create
from parcels.models import LandParcel
from planning import draft_services
from townships import services as township_services
from townships.models import Block, LayoutImport, Plot

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def snapshot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["en", "fa"])
def test_a_layout_is_drafted_from_a_parcel_checked_and_imported(live_server, page, provinces, frame, language):
    roles_sync()
    user_create(username="gis.planner", password="gis-pass-12", roles=[roles.GIS_SPECIALIST], national=True)
    outline = frame.ring([(0, 0), (380, 30), (430, 260), (200, 330), (-30, 250)])
    parcel = LandParcel.objects.create(
        reference="NAN-LP-5", name="Sheikh Misri east", province=provinces["nangarhar"], geom=MultiPolygon(outline)
    )
    township = township_services.township_create(
        code="NAN-SME",
        name="Sheikh Misri east",
        province=provinces["nangarhar"],
        legal_basis="decree_305_2018",
        geom=MultiPolygon(frame.rect(-60, -20, 520, 380)),
    )
    hosts = set()
    page.on("request", lambda request: hosts.add(urlparse(request.url).netloc))

    page.goto(f"{live_server.url}/planning/drafts/")
    page.fill("#id_username", "gis.planner")
    page.fill("#id_password", "gis-pass-12")
    page.click("input[type=submit]")
    page.wait_for_selector("#draft-parcels")
    if language != "en":
        with page.expect_navigation():
            page.select_option("select[name=language]", language)
    assert page.get_attribute("html", "lang") == language

    # From the parcel: the form, with the parcel on the map and the township that covers it chosen.
    page.click(f"tr[data-parcel='{parcel.pk}'] a[href$='/draft/']")
    page.wait_for_selector("#draft-map[data-features='1'] canvas")
    assert page.input_value("#id_township") == "NAN-SME"
    assert page.is_disabled("#id_angle_deg")  # asked for only with an angle
    snapshot(page, f"layout-draft-form-{language}.png")
    page.fill("#id_setback_m", "-4")
    page.click("#draft-submit")
    page.wait_for_selector(".field-error")
    if language == "en":
        assert "cannot be negative" in page.inner_text(".field-error")
    assert not LayoutImport.objects.exists()

    page.fill("#id_setback_m", "6")
    page.fill("#id_plots_per_row", "8")
    page.fill("#id_reserve_percent", "8")
    page.click("#draft-submit")
    page.wait_for_url(re.compile(r"/planning/drafts/\d+/$"), timeout=60000)
    li = LayoutImport.objects.get()
    plots = li.counts["added"]
    assert li.status == "checked" and plots > 100
    page.wait_for_selector("#draft-map[data-features] canvas")
    # every plot and block, the roads and the outline are on the map
    blocks = draft_services.draft_record(li)["figures"]["blocks"]
    assert int(page.get_attribute("#draft-map", "data-features")) == plots + blocks + 2
    assert local_digits(str(plots), language) in page.inner_text("#draft-check")
    assert page.locator(".field-error").count() == 0
    assert page.locator("#draft-shares tr[data-row]").count() == 5
    snapshot(page, f"layout-draft-result-{language}.png")
    assert not Plot.objects.exists() and not Block.objects.exists()

    # The same report as any layout file, then back to import the draft.
    page.click("#draft-report")
    page.wait_for_selector("#layout-counts")
    counts = page.inner_text("#layout-counts")  # the layout report writes its counts in Latin digits for now
    assert str(plots) in counts or local_digits(str(plots), language) in counts
    page.go_back()
    page.wait_for_selector("#draft-commit")
    page.click("#draft-commit")
    page.wait_for_url(re.compile(rf"/layouts/{li.pk}/$"), timeout=60000)
    assert LayoutImport.objects.get().status == "committed"
    assert Plot.objects.filter(township=township).count() == plots
    assert Block.objects.filter(township=township).count() > 1

    # The draft's map now shows the township's plots as the database holds them.
    page.goto(f"{live_server.url}/planning/drafts/{li.pk}/")
    page.wait_for_selector("#draft-imported")
    page.wait_for_selector("#draft-map[data-features] canvas")
    stored = page.evaluate(
        "fetch(document.getElementById('draft-map').dataset.preview).then(r => r.json())"
        ".then(c => c.features.filter(f => f.properties.stored).length)"
    )
    assert stored == plots
    snapshot(page, f"layout-draft-imported-{language}.png")
    assert hosts == {urlparse(live_server.url).netloc}, f"requests left the server: {hosts}"
