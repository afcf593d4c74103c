"""The field pages render (shell, service worker, report) and need a login."""

import pytest

from shelters.services import assignment_create


def test_the_shell_needs_a_login(client, db):
    response = client.get("/field/")
    assert response.status_code == 302 and response["Location"].startswith("/field/login/")


def test_the_shell_has_the_camera_input_and_sets_the_csrf_cookie(client, field_officer):
    client.force_login(field_officer)
    response = client.get("/field/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'accept="image/*" capture="environment"' in html and "/jsi18n/" in html
    assert "maplibre" not in html.lower() and "openlayers" not in html.lower()  # light: no map library
    assert "csrftoken" in response.cookies


def test_the_service_worker_is_served_from_field_with_its_scope(client, db):
    response = client.get("/field/sw.js")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/field/"
    body = response.content.decode()
    assert "/field/" in body and "webmap/field/field.js" in body and "/api/v1/field/assignments/" in body


@pytest.mark.parametrize("language", ["en", "fa"])
def test_the_township_report_page(client, project, users, language, field_officer):
    assignment_create(officer=field_officer, plot=project.plot, due_on=project.created_at.date(), by=users["admin"])
    client.force_login(users["officer_nangarhar"])
    client.cookies["django_language"] = language
    response = client.get(f"/field/reports/{project.plot.township_id}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "NAN-TEST" in html
    if language == "fa":
        assert 'dir="rtl"' in html


def test_the_report_of_a_township_outside_the_scope_is_not_found(client, project, users):
    client.force_login(users["officer_herat"])
    assert client.get(f"/field/reports/{project.plot.township_id}/").status_code == 404
