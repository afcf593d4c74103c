"""Dates and numbers as Afghans write them: Solar Hijri (Shamsi) with the Afghan month names, Dari digits.

Dates are stored in the Gregorian calendar; they are shown and typed in Shamsi. Every function that writes
text takes the language, defaulting to the language of the current request.
"""

import datetime
import re
from decimal import Decimal

import jdatetime
from django import forms
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

# The Afghan (zodiac) month names, not the Iranian ones that jdatetime knows (Farvardin, …).
SHAMSI_MONTHS = {
    "en": ("Hamal", "Sawr", "Jawza", "Saratan", "Asad", "Sonbola", "Mizan", "Aqrab", "Qaws", "Jadi", "Dalw", "Hut"),
    "fa": ("حمل", "ثور", "جوزا", "سرطان", "اسد", "سنبله", "میزان", "عقرب", "قوس", "جدی", "دلو", "حوت"),
    "ps": ("وری", "غویی", "غبرګولی", "چنګاښ", "زمری", "وږی", "تله", "لړم", "لیندۍ", "مرغومی", "سلواغه", "کب"),
}
GREGORIAN_MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
RTL_LANGUAGES = ("fa", "ps")
# Extended Arabic-Indic digits with the Persian decimal and thousands separators.
_LOCAL_DIGITS = str.maketrans("0123456789.,", "۰۱۲۳۴۵۶۷۸۹٫٬")


# Digits a user may type: Latin, Extended Arabic-Indic (Dari, Pashto) and Arabic-Indic.
_LATIN_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")


def _language(language: str | None) -> str:
    return (language or translation.get_language() or "en").split("-")[0]


def local_digits(text: str, language: str | None = None) -> str:
    """Write a number's digits as Dari and Pashto readers expect them; English keeps Latin digits."""
    return text.translate(_LOCAL_DIGITS) if _language(language) in RTL_LANGUAGES else text


def number_text(value, language: str | None = None, places: int = 2) -> str:
    """1234.5 → '1,234.50' in English, '۱٬۲۳۴٫۵۰' in Dari and Pashto."""
    return local_digits(f"{Decimal(value):,.{places}f}", language)


def shamsi_date(day: datetime.date, language: str | None = None) -> str:
    """28 Dec 2026 → '7 Jadi 1405' (en), '۷ جدی ۱۴۰۵' (fa). A datetime is taken in Kabul time."""
    if day is None or day == "":
        return ""
    if isinstance(day, datetime.datetime):
        day = timezone.localtime(day).date() if timezone.is_aware(day) else day.date()
    language = _language(language)
    shamsi = jdatetime.date.fromgregorian(date=day)
    months = SHAMSI_MONTHS.get(language, SHAMSI_MONTHS["en"])
    return local_digits(f"{shamsi.day} {months[shamsi.month - 1]} {shamsi.year}", language)


def shamsi_datetime(moment: datetime.datetime, language: str | None = None) -> str:
    """A moment in Kabul time: '7 Jadi 1405, 14:05' (en), '۷ جدی ۱۴۰۵، ۱۴:۰۵' (fa)."""
    if moment is None or moment == "":
        return ""
    if not isinstance(moment, datetime.datetime):
        return shamsi_date(moment, language)
    language = _language(language)
    local = timezone.localtime(moment) if timezone.is_aware(moment) else moment
    comma = "،" if language in RTL_LANGUAGES else ","
    return f"{shamsi_date(local.date(), language)}{comma} {local_digits(local.strftime('%H:%M'), language)}"


def shamsi_numeric(day: datetime.date, language: str | None = None) -> str:
    """The form a date field shows and accepts: 1405-01-12 (Latin digits in English, Dari digits otherwise)."""
    shamsi = jdatetime.date.fromgregorian(date=day)
    return local_digits(f"{shamsi.year:04d}-{shamsi.month:02d}-{shamsi.day:02d}", language)


def parse_date(text) -> datetime.date | None:
    """A typed date → Gregorian. Accepts Shamsi (1405-01-12, 1405/1/12, ۱۴۰۵/۱/۱۲, 12 Hamal 1405, ۱۲ حمل ۱۴۰۵)
    and Gregorian (2026-04-01); a year below 1700 is Shamsi. Raises ValueError with what to write instead."""
    if isinstance(text, datetime.datetime):
        return text.date()
    if isinstance(text, datetime.date):
        return text
    value = " ".join(str(text or "").translate(_LATIN_DIGITS).split())
    if not value:
        return None
    try:
        named = re.fullmatch(r"(\d{1,2}) (\S+) (\d{4})", value)
        if named:
            month = _month_number(named.group(2))
            year, day = int(named.group(3)), int(named.group(1))
        else:
            year, month, day = (int(p) for p in re.split(r"[-/.]", value))
        if year < 1700:
            return jdatetime.date(year, month, day).togregorian()
        return datetime.date(year, month, day)
    except (ValueError, TypeError, LookupError):
        raise ValueError(
            _("“%(value)s” is not a date. Write it in the Solar Hijri calendar, such as 1405-01-12.") % {"value": text}
        ) from None


def _month_number(name: str) -> int:
    lowered = name.lower()
    for months in SHAMSI_MONTHS.values():
        for number, month in enumerate(months, start=1):
            if month.lower() == lowered:
                return number
    raise LookupError(name)


class ShamsiDateInput(forms.TextInput):
    """A text box showing the date in Shamsi digits; no date picker script is needed."""

    def __init__(self, attrs=None):
        super().__init__({"placeholder": "1405-01-12", "inputmode": "numeric", "dir": "ltr", **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, datetime.date):
            return shamsi_numeric(value)
        return super().format_value(value)


class ShamsiDateField(forms.DateField):
    """A date typed in the Solar Hijri calendar (any digits, or an Afghan month name); cleans to a Gregorian date."""

    widget = ShamsiDateInput

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return parse_date(value)
        except ValueError as error:
            raise forms.ValidationError(str(error), code="invalid") from None


def gregorian_date(day: datetime.date, language: str | None = None) -> str:
    """28 Dec 2026 → '28 December 2026' (en), '۲۰۲۶/۱۲/۲۸' (fa, ps: numeric, year first as in Afghan letters)."""
    language = _language(language)
    if language in RTL_LANGUAGES:
        return local_digits(f"{day.year}/{day.month:02d}/{day.day:02d}", language)
    return f"{day.day} {GREGORIAN_MONTHS_EN[day.month - 1]} {day.year}"
