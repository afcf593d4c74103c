"""Template filters for dates and numbers as Afghans write them: {% load landreg %}{{ value|shamsi }}."""

from django import template

from landreg import calendar
from landreg.i18n import local_name as _local_name

register = template.Library()


@register.filter
def shamsi(value):
    """A date (or a moment, taken in Kabul time) in the Solar Hijri calendar: 7 Jadi 1405 / ۷ جدی ۱۴۰۵."""
    return calendar.shamsi_date(value) if value else ""


@register.filter
def shamsi_datetime(value):
    """A moment in Kabul time in the Solar Hijri calendar with hours and minutes."""
    return calendar.shamsi_datetime(value) if value else ""


@register.filter
def local_number(value, places=0):
    """A number with Dari digits in Dari and Pashto: {{ area|local_number:2 }}."""
    return "" if value is None or value == "" else calendar.number_text(value, places=int(places))


@register.filter
def local_name(value):
    """A province's or township's name in the page's language: {{ household.province|local_name }}."""
    return _local_name(value)
