"""Dates and numbers as Afghans write them: Solar Hijri (Shamsi) with the Afghan month names, Dari digits."""

import datetime
from decimal import Decimal

import jdatetime

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


def local_digits(text: str, language: str) -> str:
    """Write a number's digits as Dari and Pashto readers expect them; English keeps Latin digits."""
    return text.translate(_LOCAL_DIGITS) if language in RTL_LANGUAGES else text


def number_text(value, language: str, places: int = 2) -> str:
    """1234.5 → '1,234.50' in English, '۱٬۲۳۴٫۵۰' in Dari and Pashto."""
    return local_digits(f"{Decimal(value):,.{places}f}", language)


def shamsi_date(day: datetime.date, language: str) -> str:
    """28 Dec 2026 → '7 Jadi 1405' (en), '۷ جدی ۱۴۰۵' (fa)."""
    shamsi = jdatetime.date.fromgregorian(date=day)
    months = SHAMSI_MONTHS.get(language, SHAMSI_MONTHS["en"])
    return local_digits(f"{shamsi.day} {months[shamsi.month - 1]} {shamsi.year}", language)


def gregorian_date(day: datetime.date, language: str) -> str:
    """28 Dec 2026 → '28 December 2026' (en), '۲۰۲۶/۱۲/۲۸' (fa, ps: numeric, year first as in Afghan letters)."""
    if language in RTL_LANGUAGES:
        return local_digits(f"{day.year}/{day.month:02d}/{day.day:02d}", language)
    return f"{day.day} {GREGORIAN_MONTHS_EN[day.month - 1]} {day.year}"
