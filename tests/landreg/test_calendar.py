"""Shamsi dates: shown with the Afghan month names in the request's language, typed in any digits, stored Gregorian."""

import datetime
import zoneinfo

import pytest
from django.template import Context, Template
from django.utils import translation

from landreg.calendar import ShamsiDateField, parse_date, shamsi_date, shamsi_datetime, shamsi_numeric

NOWRUZ_1405 = datetime.date(2026, 3, 21)


def test_the_active_language_chooses_month_names_and_digits():
    with translation.override("fa"):
        assert shamsi_date(NOWRUZ_1405) == "۱ حمل ۱۴۰۵"
    with translation.override("ps"):
        assert shamsi_date(NOWRUZ_1405) == "۱ وری ۱۴۰۵"
    with translation.override("en"):
        assert shamsi_date(NOWRUZ_1405) == "1 Hamal 1405"


def test_a_moment_is_shown_in_kabul_time():
    # 21:00 UTC on 20 March is 01:30 on 21 March in Kabul (UTC+4:30): already the new year.
    moment = datetime.datetime(2026, 3, 20, 21, 0, tzinfo=zoneinfo.ZoneInfo("UTC"))
    assert shamsi_datetime(moment, "en") == "1 Hamal 1405, 01:30"
    assert shamsi_datetime(moment, "fa") == "۱ حمل ۱۴۰۵، ۰۱:۳۰"
    assert shamsi_date(moment, "en") == "1 Hamal 1405"


@pytest.mark.parametrize(
    "typed",
    ["1405-01-01", "1405/1/1", "۱۴۰۵/۰۱/۰۱", "١٤٠٥-١-١", "1 Hamal 1405", "۱ حمل ۱۴۰۵", "1 وری 1405", "2026-03-21"],
)
def test_dates_are_typed_in_any_digits_and_stored_gregorian(typed):
    assert parse_date(typed) == NOWRUZ_1405


@pytest.mark.parametrize("typed", ["1405-13-01", "yesterday", "1405-12-31", "31 Hut 1405"])
def test_impossible_dates_say_how_to_write_one(typed):
    # 1405 is not a leap year: Hut has 29 days.
    with pytest.raises(ValueError, match="Solar Hijri calendar, such as 1405-01-12"):
        parse_date(typed)


def test_the_form_field_shows_shamsi_and_cleans_to_gregorian():
    field = ShamsiDateField()
    assert field.clean("1405/01/12") == datetime.date(2026, 4, 1)
    with translation.override("fa"):
        assert 'value="۱۴۰۵-۰۱-۱۲"' in field.widget.render("d", datetime.date(2026, 4, 1))
    assert shamsi_numeric(datetime.date(2026, 4, 1), "en") == "1405-01-12"


def test_template_filters():
    template = Template("{% load landreg %}{{ d|shamsi }} | {{ n|local_number:2 }}")
    with translation.override("fa"):
        assert template.render(Context({"d": NOWRUZ_1405, "n": 1234.5})) == "۱ حمل ۱۴۰۵ | ۱٬۲۳۴٫۵۰"
