"""The duplicate search at scale: a common name shared by hundreds of heads hides no duplicate.

At a million households about 400 heads share one common name. The candidate search reads the heads nearest by name
(households/duplicates.py, _CANDIDATES); a search that kept only the nearest hundred would lose the head whose
father's name and date of birth match, which is the duplicate most worth finding. These tests build a few hundred
heads with the same name (different fathers and dates of birth) and check that the true duplicate is still found,
and that everything the trigram filter the search replaced would have flagged is still flagged.
"""

import datetime
import itertools
import random

from django.db import connection

from households import duplicates
from households.duplicates import Head, similar_heads
from households.models import DuplicateFlag
from tests.households.old_candidate_search import TRIGRAM_FILTER

COMMON = "Ahmad Safi"
FATHERS = ("Wali", "Noor", "Zahir", "Rahim", "Karim", "Habib", "Jawad", "Nasir", "Qasim", "Bashir", "Daud", "Omar")
BORN = datetime.date(1985, 6, 12)
CODES = itertools.count()


def insert_heads(province, heads) -> list[int]:
    """Households with one head each, straight into the tables as a list import or QGIS would leave them (the
    name-key triggers on): (name, father's name, date of birth) each. Their ids, in order."""
    ids = []
    with connection.cursor() as cursor:
        for name, father, born in heads:
            cursor.execute(
                "INSERT INTO households_household (code, size, category, province_id, status, created_at, updated_at)"
                " VALUES (%s, 5, 'deportee', %s, 'registered', now(), now()) RETURNING id",
                [f"SC-{next(CODES):05d}", province.pk],
            )
            household = cursor.fetchone()[0]
            cursor.execute(
                "INSERT INTO households_person (household_id, relationship, name, father_name, sex, date_of_birth,"
                " tazkira_hash, tazkira_last4, por_hash, por_last4, name_local, father_name_local, phone)"
                " VALUES (%s, 'head', %s, %s, 'm', %s, '', '', '', '', '', '', '')",
                [household, name, father, born],
            )
            ids.append(household)
    return ids


def namesakes(count: int, seed: int) -> list[tuple[str, str, datetime.date]]:
    """Heads named COMMON with other fathers, born on other days than BORN."""
    rng = random.Random(seed)
    heads = []
    while len(heads) < count:
        born = datetime.date(1950, 1, 1) + datetime.timedelta(days=rng.randrange(45 * 365))
        if born != BORN:
            heads.append((COMMON, rng.choice(FATHERS), born))
    return heads


def test_a_duplicate_spelt_a_little_differently_is_found_behind_hundreds_of_namesakes(provinces, make_household):
    insert_heads(provinces["nangarhar"], namesakes(300, seed=1))
    # The same man registered before with "Khan" after his name: his key is further from the probe's than the 300
    # namesakes' (similarity 0.64 against their 1.0), so the 101 heads nearest by name are all namesakes; his father
    # and date of birth match, and he scores 0.77.
    (true,) = insert_heads(provinces["nangarhar"], [("Ahmad Safi Khan", "Abdul Ghafoor", BORN)])
    probe = Head(name=COMMON, father_name="Abdul Ghafoor", date_of_birth=BORN)
    assert true in dict(similar_heads(probe))
    # and through registration, as a border officer registers the family
    new = make_household(head={"name": COMMON, "father_name": "Abdul Ghafoor", "sex": "m", "date_of_birth": BORN})
    assert DuplicateFlag.objects.filter(household=new, candidate_id=true, reason="similar_head").exists()


def test_a_duplicate_with_the_very_same_name_registered_after_hundreds_of_namesakes_is_found(provinces):
    insert_heads(provinces["nangarhar"], namesakes(300, seed=2))
    # Registered last, so the nearest 101 in household order are all namesakes; his date of birth was estimated
    # from his age (1 January of the year), so the search by date of birth does not find him either.
    (true,) = insert_heads(provinces["nangarhar"], [(COMMON, "Abdul Ghafoor", datetime.date(1985, 1, 1))])
    found = dict(similar_heads(Head(name=COMMON, father_name="Abdul Ghafoor", date_of_birth=BORN)))
    assert found[true] >= duplicates.SCORE_THRESHOLD


def test_namesakes_born_far_apart_with_other_fathers_are_not_flagged(provinces):
    insert_heads(
        provinces["nangarhar"], [(COMMON, "Wali", datetime.date(1960 + n % 10, 1 + n % 12, 1)) for n in range(150)]
    )
    assert similar_heads(Head(name=COMMON, father_name="Abdul Ghafoor", date_of_birth=BORN)) == []


def test_every_head_the_trigram_filter_flagged_is_still_flagged(provinces, monkeypatch):
    rng = random.Random(3)
    # four names, about 200 heads each: more heads share a name than the old search kept
    given = ("Ahmad", "Gul")
    family = ("Safi", "Shinwari")
    fathers = ("Abdul Ghafoor", "Wali", "Gul Mohammad", "Noor Agha", "Rahim")
    heads = [
        (
            f"{rng.choice(given)} {rng.choice(family)}",
            rng.choice(fathers),
            datetime.date(1980, 1, 1) + datetime.timedelta(days=rng.randrange(4 * 365)),
        )
        for _ in range(800)
    ]
    insert_heads(provinces["nangarhar"], heads)
    probes = [Head(name=n, father_name=f, date_of_birth=b) for n, f, b in rng.sample(heads, 25)]
    probes += [
        Head(name=f"{g} {s}", father_name="Abdul Ghafoor", date_of_birth=datetime.date(1982, 3, 21))
        for g in given[:3]
        for s in family[:3]
    ]
    new = [set(similar_heads(probe)) for probe in probes]
    monkeypatch.setattr(duplicates, "_CANDIDATES", TRIGRAM_FILTER)
    monkeypatch.setattr(duplicates, "CANDIDATE_LIMIT", duplicates.CANDIDATE_LIMIT - 1)  # the old search's LIMIT
    old = [set(similar_heads(probe)) for probe in probes]
    assert all(o <= n for o, n in zip(old, new, strict=True))
    # the limit was reached, so the comparison says something, and the new search found what the old one cut off
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('pg_trgm.similarity_threshold', '0.3', false)")
        cursor.execute(
            "SELECT count(*) FROM households_person WHERE name_key %% households_name_key(%s)", ["Ahmad Safi"]
        )
        assert cursor.fetchone()[0] > duplicates.CANDIDATE_LIMIT
    assert sum(len(n - o) for o, n in zip(old, new, strict=True)) > 0
