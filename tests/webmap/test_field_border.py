"""The field shell offers border registration to the border teams of a province with a crossing point, with what
the form needs kept in the page (the phone opens it offline), and to nobody else; the service worker keeps the
border and survey scripts."""

# ruff: noqa: F811 (the fixtures imported from the movements tests are arguments here)

import json
import re

import pytest

from landreg import roles
from landreg.services import user_create
from tests.movements.conftest import districts, points  # noqa: F401 (fixtures)


def setup_of(html: str) -> dict | None:
    found = re.search(r'<script id="border-setup" type="application/json">(.*?)</script>', html, re.S)
    return json.loads(found.group(1)) if found else None


def test_a_border_officer_gets_the_form_with_the_crossing_points_of_their_provinces(
    client, field_officer, points, districts, provinces
):
    client.force_login(field_officer)
    html = client.get("/field/").content.decode()
    setup = setup_of(html)
    assert [p["label"] for p in setup["points"]] == ["Torkham"]  # not Islam Qala (Herat)
    assert {p["label"].split(" (")[0] for p in setup["provinces"]} == {"Nangarhar", "Herat"}  # any destination
    assert [d["label"] for d in setup["districts"][str(provinces["nangarhar"].pk)]] == ["Behsud"]
    assert 'id="start-border"' in html and 'id="border-form"' in html
    assert "webmap/field/border.js" in html and "webmap/field/survey.js" in html
    # Strict CSP: no inline script but the JSON data blocks, no inline handler.
    inline = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", html)
    assert inline == [] and not re.search(r"\son[a-z]+=", html)


@pytest.mark.parametrize("language", ["fa", "ps"])
def test_the_form_is_in_the_officers_language(client, field_officer, points, language):
    client.force_login(field_officer)
    client.cookies["django_language"] = language
    html = client.get("/field/").content.decode()
    assert 'dir="rtl"' in html and setup_of(html)["points"][0]["label"] == "تورخم"


def test_no_crossing_point_in_the_provinces_no_form(client, provinces, users, points):
    no_province = user_create(username="field.x", password="x", roles=[roles.FIELD_OFFICER], provinces=[])
    client.force_login(no_province)
    html = client.get("/field/").content.decode()
    assert setup_of(html) is None and 'id="start-border"' not in html


@pytest.mark.parametrize("who", ["committee", "partner"])
def test_roles_that_do_not_register_at_the_border_get_no_form(client, users, points, who):
    client.force_login(users[who])
    html = client.get("/field/").content.decode()
    assert setup_of(html) is None and 'id="border-form"' not in html


def test_the_service_worker_keeps_the_border_and_survey_scripts(client, db):
    body = client.get("/field/sw.js").content.decode()
    assert "webmap/field/border.js" in body and "webmap/field/survey.js" in body
