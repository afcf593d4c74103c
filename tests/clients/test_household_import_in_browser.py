"""An officer checks a border list in the browser, sees each row's outcome, then registers it with progress."""

import pytest

from households.models import Household
from landreg import roles
from landreg.services import roles_sync, user_create

ROWS = "".join(
    f"AF06,documented_returnee,{3 + i % 9},Head {i},Father {i},m,,1400-0202-{10000 + i},,torkham,yes\n"
    for i in range(60)
)
HEADER = "province,category,size,head_name,father_name,sex,date_of_birth,tazkira,return_date,crossing_point,landless\n"


@pytest.mark.django_db(transaction=True)
def test_a_list_is_checked_then_registered_with_progress(live_server, page, provinces, tmp_path):
    roles_sync()
    user_create(
        username="officer.list", password="list-pass-12", roles=[roles.LAND_OFFICER], provinces=[provinces["nangarhar"]]
    )
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + ROWS + "AF06,tourist,0,X,,m,,,,,yes\n", encoding="utf-8")
    good = tmp_path / "good.csv"
    good.write_text(HEADER + ROWS, encoding="utf-8")
    page.goto(f"{live_server.url}/households/import/")
    page.fill("#id_username", "officer.list")
    page.fill("#id_password", "list-pass-12")
    with page.expect_navigation():
        page.click("input[type=submit]")
    page.set_input_files("input[name=file]", str(bad))
    with page.expect_navigation():
        page.click("text=Check the list")
    assert "60 to register, 0 duplicates, 1 invalid." in page.content()
    assert "Category “tourist”" in page.content() and page.locator("text=Register these").count() == 0
    page.set_input_files("input[name=file]", str(good))
    with page.expect_navigation():
        page.click("text=Check the list")
    assert not Household.objects.exists()
    page.click("text=Register these 60 households")
    page.wait_for_selector("#import-done", timeout=60000)
    assert "60 households registered." in page.content()
    assert "registered 60/60 (100%)" in page.content()  # the progress lines arrived as the work went on
    assert Household.objects.count() == 60
