"""Protects national ID (tazkira) and PoR card numbers: a keyed hash for duplicate search, never clear text."""

import hashlib
import hmac
import re

from django.conf import settings

# Dari/Pashto (Extended Arabic-Indic) and Arabic-Indic digits, as typed on Afghan keyboards.
_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")


def normalise_id_number(number: str) -> str:
    """The canonical form of an ID number: Latin digits and letters only, upper case."""
    return re.sub(r"[^0-9A-Z]", "", (number or "").translate(_DIGITS).upper())


def id_number_hash(number: str) -> str:
    """HMAC-SHA256 of the normalised number with ID_HASH_KEY; equal numbers give equal hashes."""
    normal = normalise_id_number(number)
    if not normal:
        return ""
    return hmac.new(settings.ID_HASH_KEY.encode(), normal.encode(), hashlib.sha256).hexdigest()


def id_number_last4(number: str) -> str:
    return normalise_id_number(number)[-4:]


def normalise_phone(text: str) -> str:
    """A phone number as digits only (Dari digits too): '0700 123 456' → '0700123456'. Empty stays empty;
    ValueError, with what to write, when it cannot be a phone number."""
    from django.utils.translation import gettext as _

    if not (text or "").strip():
        return ""
    digits = re.sub(r"[^0-9]", "", text.translate(_DIGITS))
    if not 9 <= len(digits) <= 15 or re.search(r"[^0-9+\-\s().]", text.translate(_DIGITS)):
        raise ValueError(_("Write the phone number in digits, such as 0700 123 456."))
    return digits


def phone_search_key(text: str) -> str:
    """The last nine digits, which are the number however its prefix is written (0700…, 93700…, +93 700…)."""
    return re.sub(r"[^0-9]", "", (text or "").translate(_DIGITS))[-9:]
