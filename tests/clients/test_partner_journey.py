"""A partner's journey in the browser, in English and Dari: without an agreement every page says what to ask
for and "Data for partners" lists it; once the ministry records an agreement for Nangarhar, the page lists what
may be downloaded and until when, the downloads carry pseudonymous codes (not the codes on letters), every
download is logged, and Herat stays closed. Screenshots go to tests/artifacts/ for a person to look at."""

import csv
import io
import re
from pathlib import Path

import pytest
from django.utils import translation

from landreg.calendar import local_digits, shamsi_date
from landreg.models import PersonalDataAccess
from landreg.sharing import ASK, pseudonym, pseudonym_key_of
from tests.landreg.test_data_sharing import agreement_create
from tests.webmap.test_partner_pages import herat_township

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


def log_in(page, url, language):
    page.goto(f"{url}/login/")
    page.fill("#id_username", "partner")
    page.fill("#id_password", "x")
    page.click("input[type=submit]")
    page.wait_for_load_state()
    if language != "en":  # as a person does: the language switch in the bar
        with page.expect_navigation():
            page.select_option("select[name=language]", language)
    assert page.get_attribute("html", "lang") == language


def snapshot(page, name):
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def download(page, selector) -> tuple[str, bytes]:
    with page.expect_download() as info:
        page.click(selector)
    done = info.value
    return done.suggested_filename, Path(done.path()).read_bytes()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["en", "fa"])
def test_a_partner_finds_what_to_ask_for_then_downloads_under_the_agreement(
    live_server, page, users, provinces, township, plots, make_household, language
):
    herat_township(provinces)
    households = [make_household() for _ in range(6)]
    log_in(page, live_server.url, language)

    # Without an agreement: the dashboard refuses with the sentence, and the data page says what an agreement
    # must name and whom to ask.
    page.goto(f"{live_server.url}/dashboard/")
    assert page.locator("p.refusal").count() == 1
    with translation.override(language):
        assert str(ASK) in page.inner_text("p.refusal")  # whom to ask, in the page's language
    page.goto(f"{live_server.url}/partners/")
    ask = page.inner_text("#what-to-ask")
    assert page.locator("table.downloads").count() == 0
    with translation.override(language):
        assert str(ASK) in ask
    if language == "en":
        assert "not covered by any data-sharing agreement" in ask and "the provinces;" in ask
    snapshot(page, f"partner-data-none-{language}.png")

    # The ministry records an agreement for Nangarhar; the partner reloads the page.
    agreement = agreement_create(users=[users["partner"]], provinces=[provinces["nangarhar"]])
    page.reload()
    assert page.locator("#what-to-ask").count() == 0
    section = page.inner_text(f"#agreement-{agreement.pk}")
    assert agreement.reference in section
    assert shamsi_date(agreement.valid_until, language) in section  # the end date, in the page's calendar
    assert local_digits(str(agreement.valid_until.year), language) in section  # and the Gregorian one
    assert "AF32" not in page.content() and "HER-TEST" not in page.content()
    snapshot(page, f"partner-data-{language}.png")

    name, body = download(page, 'a[href$="household_records.csv?province=AF06"]')
    assert re.fullmatch(r"landreg-household_records-AF06-[\d-]+\.csv", name)
    rows = list(csv.reader(io.StringIO(body.decode())))
    key = pseudonym_key_of(agreement)
    assert sorted(row[0] for row in rows[2:]) == sorted(pseudonym(key, h.pk) for h in households)
    assert not {h.code for h in households} & {row[0] for row in rows}
    name, body = download(page, f'a[href$="/{township.code}.gpkg"]')
    assert name.endswith(".gpkg") and body.startswith(b"SQLite format 3")
    logged = PersonalDataAccess.objects.filter(user=users["partner"], action="export")
    assert logged.count() == 2 and all(agreement.reference in log.where for log in logged)

    # The dashboard now opens on Nangarhar's township; Herat's stays closed, with the sentence.
    page.goto(f"{live_server.url}/dashboard/")
    assert page.url.endswith(f"/townships/{township.code}/dashboard/")
    page.goto(f"{live_server.url}/townships/HER-TEST/dashboard/")
    refusal = page.inner_text("p.refusal")
    assert "AF06" in refusal and "AF32" not in refusal
