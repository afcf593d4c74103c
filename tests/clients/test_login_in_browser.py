"""landreg's own login page in a real browser: in Dari it reads right to left, a field officer lands in the field
app, and after ten wrong passwords the right one is refused with the lock-out sentence."""

import pytest

from landreg import roles
from landreg.services import roles_sync, user_create

PASSWORD = "monsoon-cedar-41"


@pytest.fixture
def dari_page(browser):
    context = browser.new_context(viewport={"width": 1000, "height": 800}, locale="fa-AF")
    page = context.new_page()
    yield page
    context.close()


def submit(page, username, password):
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation() as navigation:
        page.click("input[type=submit]")
    return navigation.value


@pytest.mark.django_db(transaction=True)
def test_a_field_officer_logs_in_on_the_dari_page_and_lands_in_the_field_app(live_server, dari_page, provinces):
    roles_sync()
    herat = [provinces["herat"]]
    user_create(username="field.browser", password=PASSWORD, roles=[roles.FIELD_OFFICER], provinces=herat)
    dari_page.goto(f"{live_server.url}/field/")  # a page that needs a login sends the browser to it
    assert dari_page.url.startswith(f"{live_server.url}/field/login/")
    dari_page.goto(f"{live_server.url}/login/")
    assert dari_page.get_attribute("html", "dir") == "rtl" and dari_page.get_attribute("html", "lang") == "fa"
    submit(dari_page, "field.browser", PASSWORD)
    assert dari_page.url == f"{live_server.url}/field/"


@pytest.mark.django_db(transaction=True)
def test_ten_wrong_passwords_lock_the_login_page_in_the_browser(live_server, page, provinces):
    roles_sync()
    user_create(username="officer.browser", password=PASSWORD, roles=[roles.LAND_OFFICER], national=True)
    page.goto(f"{live_server.url}/login/")
    for _ in range(9):
        assert submit(page, "officer.browser", "wrong-password").status == 200
        assert page.locator("p.errorlist").is_visible()
    assert submit(page, "officer.browser", "wrong-password").status == 429
    locked = submit(page, "officer.browser", PASSWORD)
    assert locked.status == 429 and page.url == f"{live_server.url}/login/"
    assert "Too many failed logins" in page.locator("p.notice").inner_text()
    assert page.input_value("#id_username") == "officer.browser"  # the form stays, to try again later
