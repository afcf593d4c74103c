"""A generated, deterministic set of head-of-household pairs, for measuring duplicate detection.

True duplicates: the same person registered twice, the names spelt as Afghan names are transliterated in practice
(Mohammad/Muhammad/Mohd, Agha/Aga/Aqa, Sher/Shir, Zabihullah/Zabiullah, Abdul Rahman/Abdulrahman), sometimes
with a typing slip, sometimes written in Arabic script too (with Arabic or Persian letter forms), the date of birth
the same, only its year (estimated from an age), a year out, or missing on one side; the district of origin the
same or missing.

True non-duplicates, the hard ones first: brothers (the same father's name, often the same first name, such as
Mohammad Nabi and Mohammad Nasir, born years apart, from the same district); namesakes (the same name spelt
differently, another father); cousins named alike (the same name and the same common father's name, born at
another time); and strangers.

measure() registers the first record of every pair, then looks each second record up as registration does
(households.duplicates.similar_heads) and counts every flag raised, including those against other pairs' records.
The rule that was replaced (the head's name at least 0.6 trigram-similar, the same date of birth, the mean of the
name and father's name similarities at least 0.6) is measured on the same set, as the baseline.
"""

import datetime
import random
from dataclasses import dataclass

# Each group: the spellings of one name met in registration lists, then its Arabic-script form.
NAMES = [
    (["Mohammad", "Muhammad", "Mohammed", "Mohamad", "Muhammed", "Mohd"], "محمد"),
    (["Ahmad", "Ahmed", "Ahmat"], "احمد"),
    (["Sher", "Shir", "Sheer"], "شیر"),
    (["Agha", "Aga", "Aqa", "Aghaa"], "آغا"),
    (["Gul", "Gol", "Ghul"], "گل"),
    (["Noor", "Nur", "Nour"], "نور"),
    (["Rahman", "Rehman", "Rahmaan"], "رحمان"),
    (["Rahim", "Raheem", "Rahem"], "رحیم"),
    (["Karim", "Kareem", "Kerim"], "کریم"),
    (["Hussain", "Husain", "Hossein", "Hussein", "Hosain"], "حسین"),
    (["Yousuf", "Yusuf", "Yosuf", "Yousef"], "یوسف"),
    (["Hamid", "Hameed", "Hamed"], "حمید"),
    (["Nabi", "Nabee", "Nabie"], "نبی"),
    (["Zabihullah", "Zabiullah", "Zabeehullah", "Zabih Ullah"], "ذبیح الله"),
    (["Hayatullah", "Hayatulla", "Hayat Ullah"], "حیات الله"),
    (["Sayed", "Syed", "Sayyid", "Sayyed"], "سید"),
    (["Qasim", "Kasim", "Qaseem", "Ghasim"], "قاسم"),
    (["Wali", "Vali", "Walee"], "ولی"),
    (["Jawad", "Javad", "Jawaad"], "جواد"),
    (["Farid", "Fareed", "Fared"], "فرید"),
    (["Bashir", "Basheer", "Bashier"], "بشیر"),
    (["Nazir", "Nazeer"], "نذیر"),
    (["Habib", "Habeeb"], "حبیب"),
    (["Latif", "Lateef", "Latef"], "لطیف"),
    (["Khan", "Khaan"], "خان"),
    (["Jan", "Jaan"], "جان"),
    (["Mir", "Meer"], "میر"),
    (["Shah", "Shaah"], "شاه"),
    (["Zaman", "Zamaan"], "زمان"),
    (["Obaidullah", "Ubaidullah", "Obaidulla", "Ubaid Ullah"], "عبیدالله"),
    (["Najibullah", "Najeebullah", "Najibulla"], "نجیب الله"),
    (["Ismail", "Esmail", "Ismael", "Esmaeel"], "اسماعیل"),
    (["Ibrahim", "Ebrahim", "Ibraheem"], "ابراهیم"),
    (["Omar", "Umar", "Omer"], "عمر"),
    (["Usman", "Osman", "Uthman"], "عثمان"),
    (["Ali", "Aly"], "علی"),
    (["Nasir", "Naser", "Nasser"], "ناصر"),
    (["Masood", "Masoud", "Masud"], "مسعود"),
    (["Daud", "Dawood", "Dawud", "Davood"], "داوود"),
    (["Ghulam", "Gholam", "Golam"], "غلام"),
    (["Faiz", "Fayz", "Faez"], "فیض"),
    (["Saifullah", "Saifulla", "Sayfullah"], "سیف الله"),
    (["Amin", "Ameen"], "امین"),
    (["Rasul", "Rasool", "Rasoul"], "رسول"),
    (["Taj", "Taaj"], "تاج"),
    (["Abdul Rahman", "Abdulrahman", "Abdur Rahman", "Abdool Rahman"], "عبدالرحمن"),
    (["Abdul Ghafoor", "Abdulghafoor", "Abdul Ghafur", "Abdol Ghafoor"], "عبدالغفور"),
    (["Abdul Qadir", "Abdulqadir", "Abdul Kadir", "Abdul Qader"], "عبدالقادر"),
]
# The letter forms a Dari keyboard, an Arabic keyboard or a hurried clerk may use for the same name.
ARABIC_FORMS = [("ی", "ي"), ("ک", "ك"), ("آ", "ا"), (" ", ""), ("ه", "ة")]
DISTRICTS = 6


@dataclass(frozen=True)
class Record:
    name: str
    father_name: str
    name_local: str
    father_name_local: str
    date_of_birth: datetime.date | None
    district: int | None  # 0..DISTRICTS-1, or None


@dataclass(frozen=True)
class Pair:
    first: Record
    second: Record
    duplicate: bool
    kind: str


def _name(rng: random.Random, parts: int | None = None) -> list[int]:
    """A name as indexes into NAMES: one or two parts, as Afghan names are usually written."""
    parts = parts or rng.choice([1, 2, 2, 2])
    return [rng.randrange(len(NAMES)) for _ in range(parts)]


def _spell(rng: random.Random, name: list[int], *, canonical: bool = False) -> str:
    return " ".join(NAMES[i][0][0] if canonical else rng.choice(NAMES[i][0]) for i in name)


def _arabic(rng: random.Random, name: list[int], *, vary: bool) -> str:
    text = " ".join(NAMES[i][1] for i in name)
    if vary and rng.random() < 0.5:
        standard, other = rng.choice(ARABIC_FORMS)
        text = text.replace(standard, other)
    return text


def _slip(rng: random.Random, text: str) -> str:
    """A typing slip: a letter dropped, doubled or swapped with the next."""
    letters = [i for i, c in enumerate(text) if c.isalpha()]
    if len(letters) < 4:
        return text
    i = rng.choice(letters[1:-1])
    kind = rng.choice(["drop", "double", "swap"])
    if kind == "drop":
        return text[:i] + text[i + 1 :]
    if kind == "double":
        return text[:i] + text[i] + text[i:]
    return text[:i] + text[i + 1] + text[i] + text[i + 2 :]


def _born(rng: random.Random) -> datetime.date:
    return datetime.date(1950, 1, 1) + datetime.timedelta(days=rng.randrange(365 * 50))


def _record(rng, name, father, born, district, *, local: bool, vary: bool, slip: float = 0.0) -> Record:
    spelt, father_spelt = _spell(rng, name), _spell(rng, father)
    if rng.random() < slip:
        spelt = _slip(rng, spelt)
    if rng.random() < slip:
        father_spelt = _slip(rng, father_spelt)
    return Record(
        name=spelt,
        father_name=father_spelt,
        name_local=_arabic(rng, name, vary=vary) if local else "",
        father_name_local=_arabic(rng, father, vary=vary) if local else "",
        date_of_birth=born,
        district=district,
    )


def _duplicate(rng: random.Random) -> Pair:
    name, father, born, district = _name(rng), _name(rng), _born(rng), rng.randrange(DISTRICTS)
    local = rng.random() < 0.4
    first = _record(rng, name, father, born, district, local=local, vary=False)
    how = rng.random()
    if how < 0.5:
        again = born
    elif how < 0.7:
        again = datetime.date(born.year, 1, 1)  # estimated from the age given
    elif how < 0.8:
        again = datetime.date(born.year + rng.choice([-1, 1]), 1, 1)
    else:
        again = None
    second = _record(
        rng, name, father, again, district if rng.random() < 0.7 else None, local=local, vary=True, slip=0.15
    )
    return Pair(first, second, True, "same person, spelt differently")


def _brothers(rng: random.Random) -> Pair:
    father, district = _name(rng), rng.randrange(DISTRICTS)
    one = _name(rng, 2)
    other = [one[0], rng.randrange(len(NAMES))] if rng.random() < 0.5 else _name(rng, 2)
    while other == one:
        other = _name(rng, 2)
    born = _born(rng)
    later = born + datetime.timedelta(days=rng.randrange(400, 365 * 15))
    local = rng.random() < 0.4
    return Pair(
        _record(rng, one, father, born, district, local=local, vary=False),
        _record(rng, other, father, later, district, local=local, vary=True),
        False,
        "brothers",
    )


def _namesakes(rng: random.Random) -> Pair:
    name = _name(rng)
    father, other_father = _name(rng), _name(rng)
    while other_father == father:
        other_father = _name(rng)
    local = rng.random() < 0.4
    return Pair(
        _record(rng, name, father, _born(rng), rng.randrange(DISTRICTS), local=local, vary=False),
        _record(rng, name, other_father, _born(rng), rng.randrange(DISTRICTS), local=local, vary=True),
        False,
        "namesakes",
    )


def _cousins(rng: random.Random) -> Pair:
    """The same name and the same (common) father's name, born at another time: two people."""
    name, father = _name(rng), _name(rng, 1)
    born = _born(rng)
    other = born + datetime.timedelta(days=rng.choice([-1, 1]) * rng.randrange(365 * 3, 365 * 25))
    local = rng.random() < 0.4
    return Pair(
        _record(rng, name, father, born, rng.randrange(DISTRICTS), local=local, vary=False),
        _record(rng, name, father, other, rng.randrange(DISTRICTS), local=local, vary=True),
        False,
        "cousins named alike",
    )


def _strangers(rng: random.Random) -> Pair:
    local = rng.random() < 0.4
    return Pair(
        _record(rng, _name(rng), _name(rng), _born(rng), rng.randrange(DISTRICTS), local=local, vary=False),
        _record(rng, _name(rng), _name(rng), _born(rng), rng.randrange(DISTRICTS), local=local, vary=True),
        False,
        "strangers",
    )


def variant_pairs(seed: int = 305, duplicates: int = 400, others: int = 100) -> list[Pair]:
    """`duplicates` true duplicates and `others` of each kind of non-duplicate, the same for the same seed."""
    rng = random.Random(seed)
    pairs = [_duplicate(rng) for _ in range(duplicates)]
    for make in (_brothers, _namesakes, _cousins, _strangers):
        pairs += [make(rng) for _ in range(others)]
    return pairs


# --- measuring --------------------------------------------------------------------------------------------------


@dataclass
class Figures:
    pairs: int
    duplicates: int
    found: int  # true duplicates flagged
    flags: int  # every flag raised, true or false
    false_by_kind: dict

    @property
    def recall(self) -> float:
        return self.found / self.duplicates if self.duplicates else 1.0

    @property
    def precision(self) -> float:
        return self.found / self.flags if self.flags else 1.0


def register_first_records(pairs: list[Pair], province, districts: list) -> list[int]:
    """The first record of each pair as a registered household with its head; their ids, in order."""
    from households.models import Household, Person

    households = Household.objects.bulk_create(
        Household(
            code=f"VP-{i:05d}",
            province=province,
            size=1,
            category="idp",
            origin_district=None if p.first.district is None else districts[p.first.district],
        )
        for i, p in enumerate(pairs)
    )
    Person.objects.bulk_create(
        Person(
            household=h,
            relationship="head",
            sex="m",
            name=p.first.name,
            father_name=p.first.father_name,
            name_local=p.first.name_local,
            father_name_local=p.first.father_name_local,
            date_of_birth=p.first.date_of_birth,
        )
        for h, p in zip(households, pairs, strict=True)
    )
    return [h.pk for h in households]


def measure(pairs: list[Pair], ids: list[int], districts: list) -> Figures:
    """Each second record looked up as registration looks a new head up."""
    from households.duplicates import Head, similar_heads

    found, flags, false_by_kind = 0, 0, {}
    for pair, first_id in zip(pairs, ids, strict=True):
        second = pair.second
        head = Head(
            name=second.name,
            father_name=second.father_name,
            name_local=second.name_local,
            father_name_local=second.father_name_local,
            date_of_birth=second.date_of_birth,
            district_id=None if second.district is None else districts[second.district].pk,
        )
        flagged = {household_id for household_id, _score in similar_heads(head)}
        flags += len(flagged)
        true = pair.duplicate and first_id in flagged
        found += true
        if len(flagged) > true:
            false_by_kind[pair.kind] = false_by_kind.get(pair.kind, 0) + len(flagged) - true
    return Figures(len(pairs), sum(p.duplicate for p in pairs), found, flags, false_by_kind)


# The rule duplicates were flagged by before (households/services.py until the scored comparison replaced it).
_BASELINE = """
    SELECT household_id FROM households_person
     WHERE relationship = 'head' AND date_of_birth = %(born)s AND upper(name) %% upper(%(name)s)
       AND (similarity(upper(name), upper(%(name)s)) + similarity(upper(father_name), upper(%(father)s))) / 2 >= 0.6
"""


def measure_baseline(pairs: list[Pair], ids: list[int]) -> Figures:
    from django.db import connection, transaction

    found, flags, false_by_kind = 0, 0, {}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('pg_trgm.similarity_threshold', '0.6', true)")
        for pair, first_id in zip(pairs, ids, strict=True):
            second = pair.second
            flagged = set()
            if second.date_of_birth is not None:
                cursor.execute(
                    _BASELINE, {"born": second.date_of_birth, "name": second.name, "father": second.father_name}
                )
                flagged = {row[0] for row in cursor.fetchall()}
            flags += len(flagged)
            true = pair.duplicate and first_id in flagged
            found += true
            if len(flagged) > true:
                false_by_kind[pair.kind] = false_by_kind.get(pair.kind, 0) + len(flagged) - true
    return Figures(len(pairs), sum(p.duplicate for p in pairs), found, flags, false_by_kind)


def make_districts(province) -> list:
    from parcels.models import AdminArea

    return [
        AdminArea.objects.create(
            level="district", pcode=f"{province.pcode}{90 + i:02d}", name_en=f"District {i}", parent=province
        )
        for i in range(DISTRICTS)
    ]
