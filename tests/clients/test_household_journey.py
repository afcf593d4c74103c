"""A land officer's household journey in a real browser, clicking and typing as a person would, in English and
Dari: registers a household with members added by "Add a member", registers the same man again spelt differently
(Sher Agha / Shir Agha) and is shown the possible duplicate, compares the two side by side and must choose a decision
(none is chosen for them), corrects a member and sees the history, finds people by name, father's name and tazkira
number, sees "Not eligible" as a refusal, uploads the tazkira scan that supplies the missing number and sees the
household become eligible, and checks a list whose report survives a switch to Dari. Screenshots go to
tests/artifacts/ for a person to look at."""

import io
from pathlib import Path

import pytest
from PIL import Image

from households.models import DuplicateFlag, Household, Person
from landreg import roles
from landreg.services import roles_sync, user_create

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"household-{name}.png"), full_page=True)


def log_in(page, live_server, path="/households/"):
    page.goto(f"{live_server.url}{path}")
    page.fill("#id_username", "officer.journey")
    page.fill("#id_password", "journey-pass-12")
    with page.expect_navigation():
        page.click("input[type=submit]")


def language(page, code: str) -> None:
    with page.expect_navigation():
        page.select_option("select[name=language]", code)
    page.wait_for_selector(f"html[lang={code}]")


def register(page, live_server, *, name, father, born, members=()):
    page.goto(f"{live_server.url}/households/new/")
    page.select_option("#id_province", label="Nangarhar (AF06)")
    page.fill("#id_size", str(1 + len(members)))
    page.select_option("#id_category", "documented_returnee")
    page.check("#id_landless_declared")
    page.fill("#id_head-name", name)
    page.fill("#id_head-father_name", father)
    page.fill("#id_head-date_of_birth", born)
    page.select_option("#id_head-sex", "m")
    page.fill("#id_head-phone", "0700 123 456")
    for i, (relationship, member, sex) in enumerate(members):
        if i > 0:
            page.click("#add-member")  # the form starts with one member row
        page.select_option(f"#id_m-{i}-relationship", relationship)
        page.fill(f"#id_m-{i}-name", member)
        page.select_option(f"#id_m-{i}-sex", sex)
    with page.expect_navigation():
        page.click("button[type=submit]")
    errors = page.locator(".errorlist").all_inner_texts()
    assert not errors, errors
    return Household.objects.get(code=page.inner_text("h1").split()[-1])


def scan_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (60, 80), "white").save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.django_db(transaction=True)
def test_an_officer_finds_decides_corrects_and_gets_a_household_assessed(live_server, page, provinces, tmp_path):
    roles_sync()
    user_create(
        username="officer.journey",
        password="journey-pass-12",
        roles=[roles.LAND_OFFICER],
        provinces=[provinces["nangarhar"]],
    )
    log_in(page, live_server)

    # Registration: three members, two of them added with "Add a member".
    first = register(
        page,
        live_server,
        name="Shir Agha",
        father="Gul Mohammad",
        born="1358-03-11",
        members=[("spouse", "Bibi Gul", "f"), ("child", "Zarmina", "f"), ("child", "Ahmad", "m")],
    )
    assert first.members.count() == 4
    second = register(page, live_server, name="Sher Agha", father="Gul Muhammad", born="1358-03-11")
    assert "Possible duplicates" in page.content()
    flag = DuplicateFlag.objects.get(household=second)
    assert (flag.candidate_id, flag.reason) == (first.pk, "similar_head")
    shot(page, "flagged-en")

    # The decision: side by side, nothing chosen until the officer chooses.
    with page.expect_navigation():
        page.click("text=Compare and decide")
    assert page.locator(".side").count() == 2
    assert page.input_value("select[name=decision]") == ""
    assert "Zarmina" in page.inner_text(".side-by-side") and "Shir Agha" in page.inner_text(".side-by-side")
    shot(page, "compare-en")
    page.click("text=Record the decision")  # with nothing chosen the browser itself asks for a choice
    assert page.eval_on_selector("select[name=decision]", "el => el.validity.valueMissing")
    page.evaluate("for (const f of document.forms) f.noValidate = true")  # and if it did not, the server refuses
    with page.expect_navigation():
        page.click("text=Record the decision")
    assert "Choose whether these are the same household or different households." in page.content()
    flag.refresh_from_db()
    assert flag.decision == "undecided"
    page.select_option("select[name=decision]", "same_household")
    page.fill("input[name=note]", "The same man, registered twice")
    with page.expect_navigation():
        page.click("text=Record the decision")
    page.wait_for_selector("text=Decision recorded")
    flag.refresh_from_db()
    assert flag.decision == "same_household"

    # Members: correct one, add one; the history says what changed and who changed it.
    page.goto(f"{live_server.url}/households/{first.pk}/")
    zarmina = first.members.get(name="Zarmina")
    page.click(f"#member-{zarmina.pk} summary")
    page.fill(f"#id_p{zarmina.pk}-name", "Zarmeena")
    page.fill(f"#id_p{zarmina.pk}-date_of_birth", "1394-01-01")
    with page.expect_navigation():
        page.click(f"#member-{zarmina.pk} button")
    page.wait_for_selector("text=Zarmeena updated.")
    page.click("#add-member summary")
    page.select_option("#id_new-relationship", "parent")
    page.fill("#id_new-name", "Gul Mohammad")
    page.select_option("#id_new-sex", "m")
    with page.expect_navigation():
        page.click("text=Add the member")
    assert first.members.count() == 5
    page.click(f"#member-{zarmina.pk} summary")
    history = page.inner_text(f"#member-{zarmina.pk} .history")
    assert "changed: Date of birth, Name" in history and "officer.journey" in history
    shot(page, "members-en")

    # Eligibility: the head has no tazkira number, so "Not eligible", not shown as a success.
    page.select_option("#id_ev-kind", "por_card")
    scan = tmp_path / "scan.png"
    scan.write_bytes(scan_png())
    page.set_input_files("#id_ev-file", str(scan))
    with page.expect_navigation():
        page.click("text=Add evidence")
    with page.expect_navigation():
        page.click("text=Assess eligibility")
    box = page.locator("#eligibility + div")
    assert "Not eligible" in box.inner_text() and "no tazkira number" in box.inner_text()
    assert "ineligible" in box.get_attribute("class")
    colour = box.evaluate("el => getComputedStyle(el).backgroundColor")
    assert colour != "rgb(226, 242, 226)"  # not the green of a success
    shot(page, "ineligible-en")
    # The tazkira scan with its number supplies the missing fact; eligibility is assessed again.
    page.select_option("#id_ev-kind", "tazkira")
    page.set_input_files("#id_ev-file", str(scan))
    page.fill("#id_ev-number", "1400-0101-23456")
    with page.expect_navigation():
        page.click("text=Add evidence")
    assert page.locator("#eligibility + div").get_attribute("class") == "ok"
    assert "Eligible" in page.inner_text("#eligibility + div")
    assert Household.objects.get(pk=first.pk).status == "eligible"
    assert Person.objects.get(household=first, relationship="head").tazkira_last4 == "3456"
    assert "1400-0101-23456" not in page.content()
    shot(page, "eligible-en")

    # Finding people: by a name spelt another way, by father's name, by tazkira number.
    page.goto(f"{live_server.url}/households/")
    page.fill("#id_q", "Sher Aga")
    with page.expect_navigation():
        page.click("form.search button")
    rows = page.locator("tbody tr").all_inner_texts()
    assert len(rows) == 2 and all("Agha" in r for r in rows)
    shot(page, "search-en")
    page.fill("#id_q", "")
    page.fill("#id_tazkira", "۱۴۰۰ ۰۱۰۱ ۲۳۴۵۶")  # typed in Dari digits
    with page.expect_navigation():
        page.click("form.search button")
    assert page.locator("tbody tr").count() == 1 and first.code in page.inner_text("tbody")
    assert "23456" not in page.content()

    # In Dari: the household page right to left, the comparison, the search.
    page.goto(f"{live_server.url}/households/{first.pk}/")
    language(page, "fa")
    assert page.get_attribute("html", "dir") == "rtl"
    shot(page, "eligible-fa")
    page.goto(f"{live_server.url}/households/{second.pk}/duplicates/{flag.pk}/")
    assert page.locator(".side").count() == 2
    shot(page, "compare-fa")
    page.goto(f"{live_server.url}/households/")
    page.fill("#id_q", "Shir")
    with page.expect_navigation():
        page.click("form.search button")
    assert page.locator("tbody tr").count() == 2
    shot(page, "search-fa")


@pytest.mark.django_db(transaction=True)
def test_a_list_by_province_name_is_checked_and_its_report_survives_a_switch_to_dari(
    live_server, page, provinces, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    roles_sync()
    user_create(
        username="officer.journey",
        password="journey-pass-12",
        roles=[roles.LAND_OFFICER],
        provinces=[provinces["nangarhar"]],
    )
    log_in(page, live_server, "/households/import/")
    with page.expect_download() as download:
        page.click("text=Download the template (CSV)")
    template = Path(download.value.path()).read_text(encoding="utf-8-sig")
    lines = template.splitlines()
    assert lines[0].startswith("province,category,size,head_name") and len(lines) == 2
    listing = tmp_path / "list.csv"
    listing.write_text(
        lines[0]
        + "\n"
        + lines[1]
        + "\n"
        + lines[1].replace("Gul Agha", "Wali Khan").replace("1400-0101-23456", "").replace("Nangarhar", "ننگرهار")
        + "\n"
        + lines[1]
        .replace("Gul Agha", "Nobody")
        .replace("documented_returnee", "tourist")
        .replace("1400-0101-23456", "")
        + "\n",
        encoding="utf-8",
    )
    page.set_input_files("input[name=file]", str(listing))
    with page.expect_navigation():
        page.click("text=Check the list")
    assert page.url.endswith("?checked=1")
    outcomes = page.locator("tbody tr td:nth-child(2)").all_inner_texts()
    assert outcomes == ["To register", "To register", "Invalid"]
    shot(page, "import-en")
    language(page, "fa")
    assert page.url.endswith("?checked=1") and page.get_attribute("html", "dir") == "rtl"
    assert page.locator("tbody tr").count() == 3  # the report is still there, in Dari
    example = page.locator("bdi[dir=ltr]", has_text="2024").first
    assert example.inner_text() == "2024-08-02"  # isolated left to right: not reordered to 02-08-2024
    shot(page, "import-fa")
    assert not Household.objects.exists()
