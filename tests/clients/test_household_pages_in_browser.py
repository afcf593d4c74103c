"""An officer registers households in a real browser, sees a possible duplicate, adds evidence, and
switches the page to Dari (right to left)."""

import datetime
import io

import pytest
from PIL import Image

from households.models import Document, Household
from landreg import roles
from landreg.services import roles_sync, user_create


def scan_pdf() -> bytes:
    """A real one-page PDF: evidence is parsed to the end before it is kept (households/evidence.py)."""
    buffer = io.BytesIO()
    Image.new("RGB", (60, 80), "white").save(buffer, "PDF")
    return buffer.getvalue()


def register(page, live_server, name, tazkira):
    page.goto(f"{live_server.url}/households/new/")
    page.select_option("#id_province", label="Nangarhar (AF06)")
    page.fill("#id_size", "6")
    page.select_option("#id_category", "documented_returnee")
    page.check("#id_landless_declared")
    page.fill("#id_return_date", "1403/05/12")  # Solar Hijri, as officers write it
    page.fill("#id_head-name", name)
    page.fill("#id_head-father_name", "Noor Mohammad")
    page.select_option("#id_head-sex", "m")
    page.fill("#id_head-tazkira", tazkira)
    page.fill("#id_m-0-name", "Bibi Gul")
    page.select_option("#id_m-0-relationship", "spouse")
    page.select_option("#id_m-0-sex", "f")
    with page.expect_navigation():
        page.click("button[type=submit]")
    errors = page.locator(".errorlist").all_inner_texts()
    assert not errors, errors


@pytest.mark.django_db(transaction=True)
def test_an_officer_registers_and_resolves_a_duplicate(live_server, page, provinces, tmp_path):
    roles_sync()
    user_create(
        username="officer.web", password="web-pass-12", roles=[roles.LAND_OFFICER], provinces=[provinces["nangarhar"]]
    )
    page.goto(f"{live_server.url}/households/")
    page.fill("#id_username", "officer.web")
    page.fill("#id_password", "web-pass-12")
    with page.expect_navigation():
        page.click("input[type=submit]")
    register(page, live_server, "Gul Agha", "1400-0101-23456")
    assert "Household AF06-" in page.inner_text("h1") and "…3456" in page.content()
    assert "1400-0101-23456" not in page.content()
    register(page, live_server, "Gul Aga", "۱۴۰۰۰۱۰۱۲۳۴۵۶")  # same number typed in Dari digits
    assert "Possible duplicates" in page.content() and "Same tazkira number" in page.content()
    with page.expect_navigation():
        page.click("text=Compare and decide")
    assert page.input_value("select[name=decision]") == ""  # nothing chosen for the officer
    page.select_option("select[name=decision]", "same_household")
    page.fill("input[name=note]", "Registered twice")
    with page.expect_navigation():
        page.click("text=Record the decision")
    page.wait_for_selector("text=Decision recorded")
    scan = tmp_path / "por.pdf"
    scan.write_bytes(scan_pdf())
    page.select_option("#id_ev-kind", "por_card")
    page.set_input_files("#id_ev-file", str(scan))
    page.click("text=Add evidence")
    page.wait_for_selector("text=Evidence added.")
    assert Document.objects.count() == 1 and Household.objects.count() == 2
    assert {h.return_date for h in Household.objects.all()} == {datetime.date(2024, 8, 2)}  # stored Gregorian
    with page.expect_navigation():
        page.select_option("select[name=language]", "fa")
    page.wait_for_selector("html[dir=rtl]")
    assert page.get_attribute("html", "lang") == "fa"
    assert page.input_value("#id_hh-return_date") == "۱۴۰۳-۰۵-۱۲"  # shown in Shamsi with Dari digits
    assert "خانواده" in page.inner_text("h1")


@pytest.mark.django_db(transaction=True)
def test_a_registration_with_missing_fields_shows_what_to_fix(live_server, page, provinces):
    roles_sync()
    user_create(
        username="officer.web2", password="web-pass-12", roles=[roles.LAND_OFFICER], provinces=[provinces["nangarhar"]]
    )
    page.goto(f"{live_server.url}/households/new/")
    page.fill("#id_username", "officer.web2")
    page.fill("#id_password", "web-pass-12")
    page.click("input[type=submit]")
    page.wait_for_selector("#id_size")
    page.evaluate("for (const f of document.forms) f.noValidate = true")
    page.click("button[type=submit]")
    assert page.locator(".errorlist").count() >= 3
    assert not Household.objects.exists()


def test_the_household_page_edits_the_households_facts(client, users, make_household):
    household = make_household(size=4)
    client.force_login(users["officer_nangarhar"])
    page = client.get(f"/households/{household.pk}/")
    assert page.status_code == 200 and "Edit the household" in page.content.decode()
    data = {"action": "edit", "hh-size": "9", "hh-category": "idp", "hh-disability": "on"}
    response = client.post(f"/households/{household.pk}/", data)
    assert response.status_code == 302
    household.refresh_from_db()
    assert (household.size, household.category, household.disability) == (9, "idp", True)
    bad = client.post(f"/households/{household.pk}/", {**data, "hh-size": "0"})
    assert bad.status_code == 200 and "errorlist" in bad.content.decode()
