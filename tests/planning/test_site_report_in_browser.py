"""In a real browser (Debian's Chromium): a land officer reads a township's viability report in English and Dari,
and an administrator sees the planning rasters with the upload form. Screenshots go to tests/artifacts/planning-*;
no script is refused by the Content-Security-Policy and nothing is fetched from the internet."""

from pathlib import Path

import pytest

from tests.planning.test_faces import loaded  # noqa: F401

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def log_in(page, url, username, password):  # noqa: F811
    page.goto(url)
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("input[type=submit]")


@pytest.mark.django_db(transaction=True)
def test_the_viability_report_and_the_rasters_in_english_and_dari(live_server, page, loaded, users):  # noqa: F811
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on(
        "request",
        lambda r: problems.append(r.url) if not r.url.startswith((live_server.url, "data:", "blob:")) else None,
    )
    ARTIFACTS.mkdir(exist_ok=True)
    log_in(page, f"{live_server.url}/planning/viability/township/{loaded.pk}/", "officer.n", "x")
    assert page.locator("h1").inner_text().startswith("Site viability report")
    assert page.locator(".verdict h2").inner_text() == "Not fit"
    assert page.locator("svg.site-map path").count() > 10  # the outline and the plots
    page.screenshot(path=str(ARTIFACTS / "planning-viability-en.png"), full_page=True)
    with page.expect_navigation():
        page.select_option("select[name=language]", "fa")
    assert page.locator("html").get_attribute("dir") == "rtl"
    page.screenshot(path=str(ARTIFACTS / "planning-viability-fa.png"), full_page=True)
    page.context.clear_cookies()
    log_in(page, f"{live_server.url}/planning/rasters/", "admin", "x")
    assert page.locator("#raster-upload").count() == 1
    assert page.locator("tbody tr").count() == 2
    page.screenshot(path=str(ARTIFACTS / "planning-rasters-en.png"), full_page=True)
    with page.expect_navigation():
        page.select_option("select[name=language]", "fa")
    page.screenshot(path=str(ARTIFACTS / "planning-rasters-fa.png"), full_page=True)
    assert not problems, problems
