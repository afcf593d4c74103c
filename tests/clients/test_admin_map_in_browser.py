"""The admin's map widget works in a real browser with nothing loaded from the internet."""

from urllib.parse import urlparse

import pytest

from landreg import roles
from landreg.services import roles_sync, user_create
from townships import services


@pytest.mark.django_db(transaction=True)
def test_the_plot_map_draws_from_local_files_only(live_server, page, provinces, frame, tmp_path):
    from django.contrib.gis.geos import MultiPolygon

    roles_sync()
    user_create(
        username="gis.browser", password="browser-pass-1", roles=[roles.ADMINISTRATOR], national=True, is_superuser=True
    )
    township = services.township_create(
        code="BRW",
        name="Browser township",
        province=provinces["nangarhar"],
        legal_basis="decree_305_2018",
        geom=MultiPolygon(frame.rect(0, 0, 300, 200)),
    )
    plot = services.plot_create(township=township, number="1", geom=frame.rect(10, 10, 20, 25))

    hosts = set()
    page.on("request", lambda request: hosts.add(urlparse(request.url).netloc))
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "gis.browser")
    page.fill("#id_password", "browser-pass-1")
    with page.expect_navigation():
        page.click("input[type=submit]")
    page.goto(f"{live_server.url}/admin/townships/plot/{plot.pk}/change/")
    page.wait_for_selector(".ol-viewport canvas", timeout=15000)
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(tmp_path / "plot-admin.png"))
    assert hosts == {urlparse(live_server.url).netloc}, f"requests left the server: {hosts}"
    # The widget holds the plot's geometry, ready to edit.
    serialized = page.input_value("textarea#id_geom")
    assert '"Polygon"' in serialized
    assert page.evaluate("typeof ol !== 'undefined' && !!document.querySelector('.ol-viewport')")
