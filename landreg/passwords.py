"""Password rules beyond Django's: a local list of common passwords, and no local name followed by digits.

Attackers try the names of the place and the project first: Kabul1403, Herat2024, landreg1, afghanistan123.
LOCAL_WORDS is the one list of those names; common_passwords_local.txt.gz is generated from it (with years in
both calendars and the usual endings) by `python -m landreg.passwords`, and LocalWordWithDigitsValidator refuses
any password that is only local words plus digits or signs, whatever the year or the ending.
"""

import gzip
import re
from functools import cache
from pathlib import Path

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

LOCAL_LIST_PATH = Path(__file__).resolve().parent / "common_passwords_local.txt.gz"

PROVINCES = (
    "kabul kapisa parwan maidan wardak maidanwardak logar nangarhar laghman panjsher panjshir baghlan bamyan bamiyan "
    "ghazni paktika paktya paktia khost kunar nuristan badakhshan takhar kunduz samangan balkh sarepul saripul "
    "ghor daykundi uruzgan oruzgan zabul kandahar qandahar jawzjan jowzjan faryab helmand badghis herat farah "
    "nimroz nimruz"
)
CITIES = (
    "jalalabad mazar mazarisharif mazarsharif charikar pulikhumri lashkargah taloqan faizabad sheberghan shibirghan "
    "maimana gardez zaranj qalat chaghcharan asadabad mehterlam nili sharana tarinkot tirinkot aybak bazarak "
    "mahmudraqi pulialam torkham islamqala spinboldak milak sheikhmesri shaidayee kabulcity"
)
COUNTRY = "afghanistan afghan afg watan pashtun tajik hazara uzbek dari pashto pakistan iran"
PROJECT = "landreg landregistry landreg demo morr dorr unhcr iom undp unhabitat returnee returnees township shelter"
COMMON = "password passw0rd admin administrator welcome qwerty letmein bismillah allah khan jan love"
LOCAL_WORDS = frozenset(" ".join([PROVINCES, CITIES, COUNTRY, PROJECT, COMMON]).split())

GREGORIAN_YEARS = range(1990, 2031)
SHAMSI_YEARS = range(1370, 1411)  # 1991 to 2032
ENDINGS = ("", "1", "12", "123", "1234", "12345", "123456", "786", "@123", "@1234", "!", "!!", "@", "#1", "!@#")
KEYBOARD_RUNS = (
    "qwerty qwertyu qwertyui qwertyuiop asdfgh asdfghjkl zxcvbn zxcvbnm qazwsx 1qaz2wsx 1qaz2wsx3edc qazwsxedc "
    "1q2w3e4r 1q2w3e4r5t 1q2w3e4r5t6y 123qwe qwe123 123qweasd qweasdzxc zaq12wsx !qaz2wsx abc123 abcd1234 "
    "1234567890 0123456789 9876543210 0987654321 12345678910 1122334455 1234512345 123456789a a123456789 "
    "1234554321 0000000000 1111111111 1212121212 1231231231 1234123412 qwerty123 qwerty1234 password123"
).split()


def local_common_passwords() -> list[str]:
    """The generated local list (lower case, as CommonPasswordValidator compares)."""
    found = set(KEYBOARD_RUNS)
    for word in LOCAL_WORDS:
        for year in (*GREGORIAN_YEARS, *SHAMSI_YEARS):
            found.update((f"{word}{year}", f"{word}@{year}"))
        found.update(word + ending for ending in ENDINGS)
    return sorted(found)


class CommonPasswordValidator(password_validation.CommonPasswordValidator):
    """Django's list of 20,000 common passwords, and ours."""

    def __init__(self, password_list_path=password_validation.CommonPasswordValidator.DEFAULT_PASSWORD_LIST_PATH):
        super().__init__(password_list_path)
        self.passwords = self.passwords | _local_list()


@cache
def _local_list() -> frozenset[str]:
    with gzip.open(LOCAL_LIST_PATH, "rt", encoding="utf-8") as f:
        return frozenset(line.strip() for line in f if line.strip())


def _only_local_words(letters: str) -> bool:
    """Whether letters is one or more LOCAL_WORDS joined together (kabul, kabulherat, landregadmin)."""
    ends = [True] + [False] * len(letters)
    for i in range(1, len(letters) + 1):
        ends[i] = any(ends[j] and letters[j:i] in LOCAL_WORDS for j in range(max(0, i - 20), i))
    return ends[-1]


class LocalWordWithDigitsValidator:
    """Refuses a password made only of local names (provinces, cities, the country, the project) and digits or
    signs: Kabul1403, Herat-2024!, landreg1, Afghanistan123, 2024kabul."""

    def validate(self, password, user=None):
        letters = re.sub(r"[^a-z]", "", password.lower())
        if letters and _only_local_words(letters):
            raise ValidationError(
                _(
                    "This password is a place or a name people here guess first, with digits or signs added. "
                    "Choose a few unrelated words instead."
                ),
                code="password_local_word_with_digits",
            )

    def get_help_text(self):
        return _("Your password can't be a place name or the name of this system with digits added.")


def _write_local_list() -> None:
    with gzip.open(LOCAL_LIST_PATH, "wt", encoding="utf-8", compresslevel=9) as f:
        f.write("\n".join(local_common_passwords()) + "\n")


if __name__ == "__main__":
    _write_local_list()
    print(f"wrote {LOCAL_LIST_PATH}")
