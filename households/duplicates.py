"""Possible duplicate households (docs/domain.md, rule 4): found, scored, flagged, compared side by side, decided.

Two doors find a possible duplicate. The same tazkira or PoR number (a keyed hash, households/identity.py) is an
exact match. A similar head is scored on four facts together: the name (in Latin script, and in Arabic script when
both records have it), the father's name, the date of birth (or only its year, from an age) and the district of
origin. Names are compared by the keys the database derives from them (households_name_key, households/sql/0004),
which spelling variants share ("Sher Agha", "Shir Aqa"), with pg_trgm: indexes on the heads' keys and dates of
birth find a bounded set of candidates (_CANDIDATES says which, and what it can leave out), and the score below is
computed over that set. The score and its threshold were measured on a generated set of variant pairs
(tests/households/variant_pairs.py; bench/duplicates.py prints the figures).

Every household is compared, whatever its province; an officer is told the code of a match only inside their own
provinces, and otherwise only that it exists and whom to ask.
"""

import datetime
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from households.models import DuplicateFlag, Household, Person
from landreg import roles
from landreg.access_log import log_personal_data_access
from landreg.services_common import require_province, require_role

# A similar head is flagged at this score (0..1) or above. Measured: bench/duplicates.py.
SCORE_THRESHOLD = 0.70
# The trigram similarity of name keys that makes a head a candidate at all, and how many of the heads nearest by
# name are scored for one household, besides those sharing the farthest one's key or the date of birth (_CANDIDATES).
CANDIDATE_SIMILARITY = 0.3
CANDIDATE_LIMIT = 100
# How much each fact weighs; a fact missing on either side counts half (it neither clears nor accuses).
WEIGHTS = {"name": 0.5, "father": 0.25, "birth": 0.15, "district": 0.10}
UNKNOWN = 0.5


@dataclass(frozen=True)
class Head:
    """What is compared of a head of household: names, date of birth, district of origin."""

    name: str
    father_name: str = ""
    name_local: str = ""
    father_name_local: str = ""
    date_of_birth: datetime.date | None = None
    district_id: int | None = None

    @classmethod
    def of(cls, household: Household, members: list[Person] | None = None) -> "Head | None":
        """The household's head (among its members, when given)."""
        if members is None:
            person = household.members.filter(relationship=Person.Relationship.HEAD).first()
        else:
            person = next((p for p in members if p.relationship == Person.Relationship.HEAD), None)
        if person is None:
            return None
        return cls(
            name=person.name,
            father_name=person.father_name,
            name_local=person.name_local,
            father_name_local=person.father_name_local,
            date_of_birth=person.date_of_birth,
            district_id=household.origin_district_id,
        )


# The candidates, by index, never by scanning every head that shares trigrams with a common name (a trigram filter
# on the name key read about 16,000 heads of a million for "Ahmad Safi": most of a 770 ms registration;
# bench/households_duplicates.py). Their union:
#   1. the CANDIDATE_LIMIT + 1 heads nearest by Latin name key, and every other head with the key of the farthest
#      of them (b-tree): a common name is shared by hundreds of heads at a million households, and among them their
#      fathers, dates of birth and districts decide, so none is cut off at the limit. The nearest are those with the
#      probe's very key (b-tree), then, if they are fewer, the nearest others (GiST, nearest first; on short names
#      that share trigrams it reads much of the index, so it is not started when the same key fills the limit);
#   2. the same by Arabic-script key;
#   3. every head born on the probe's date of birth whose name key is similar (b-tree): the date of birth is the
#      fact, after the names, that most often lifts a candidate over the threshold.
# The LIMIT of 1 and 2, decided from the score. The trigram filter this replaced kept the CANDIDATE_LIMIT heads
# ranked highest by their better name similarity (Latin or Arabic script), and it is the similarity that weighs most
# (half the score). A head it kept whose better similarity is its Latin one had fewer than CANDIDATE_LIMIT heads
# ranked before it, among them every head nearer by Latin key; so it is in 1, unless it ties with the farthest
# at another key of the very same similarity (likewise Arabic script, 2); the one more is for the household
# excluded. What the union can leave out: a head not among those nearest by name, with another key than theirs,
# born on another day: it is less similar by name than CANDIDATE_LIMIT others (similarity s at most the limit's),
# scores at most 0.5 s + 0.25 (father) + 0.12 (birth year) + 0.10 (district), and the trigram filter left it out
# as well. Each candidate then gets the similarity of each name and the facts the score compares.
_HEAD = "p.household_id, p.name_key, p.father_name_key, p.local_name_key, p.local_father_name_key, p.date_of_birth"
_CANDIDATES = f"""
    WITH probe AS (
        SELECT households_name_key(%(name)s) AS name_key,
               households_name_key(%(father)s) AS father_key,
               households_name_key(%(name_local)s) AS local_key,
               households_name_key(%(father_local)s) AS local_father_key
    ), near AS (
        SELECT * FROM (
            (SELECT {_HEAD}, 0::real AS distance FROM households_person p
              WHERE p.relationship = 'head' AND households_name_key(%(name)s) <> ''
                AND p.name_key = households_name_key(%(name)s)
              LIMIT %(limit)s)
             UNION ALL
            (SELECT {_HEAD}, p.name_key <-> households_name_key(%(name)s) FROM households_person p
              WHERE p.relationship = 'head' AND households_name_key(%(name)s) <> ''
                AND p.name_key <> households_name_key(%(name)s)
              ORDER BY p.name_key <-> households_name_key(%(name)s)
              LIMIT %(limit)s)
        ) AS nearest LIMIT %(limit)s
    ), near_local AS (
        SELECT * FROM (
            (SELECT {_HEAD}, 0::real AS distance FROM households_person p
              WHERE p.relationship = 'head' AND households_name_key(%(name_local)s) <> ''
                AND p.local_name_key = households_name_key(%(name_local)s)
              LIMIT %(limit)s)
             UNION ALL
            (SELECT {_HEAD}, p.local_name_key <-> households_name_key(%(name_local)s) FROM households_person p
              WHERE p.relationship = 'head' AND households_name_key(%(name_local)s) <> ''
                AND p.local_name_key <> households_name_key(%(name_local)s)
              ORDER BY p.local_name_key <-> households_name_key(%(name_local)s)
              LIMIT %(limit)s)
        ) AS nearest LIMIT %(limit)s
    ), born AS MATERIALIZED (
        -- every head born that day (a few dozen at a million), by the date-of-birth index alone: offered the
        -- name's trigram condition, the planner would read it through the trigram index instead, thousands of
        -- heads for a common name (bench/movements_api.py)
        SELECT {_HEAD} FROM households_person p WHERE p.relationship = 'head' AND p.date_of_birth = %(born)s
    ), found AS MATERIALIZED (
        -- materialized: the final WHERE is not pushed into these branches, where the trigram condition would again
        -- lead the planner off the b-tree indexes each branch is written for
        SELECT household_id, name_key, father_name_key, local_name_key, local_father_name_key, date_of_birth
          FROM near
         UNION
        SELECT {_HEAD} FROM households_person p
         WHERE p.relationship = 'head'
           AND p.name_key IN (SELECT name_key FROM near WHERE distance = (SELECT max(distance) FROM near))
         UNION
        SELECT household_id, name_key, father_name_key, local_name_key, local_father_name_key, date_of_birth
          FROM near_local
         UNION
        SELECT {_HEAD} FROM households_person p
         WHERE p.relationship = 'head' AND p.local_name_key IN (
               SELECT local_name_key FROM near_local WHERE distance = (SELECT max(distance) FROM near_local))
         UNION
        SELECT household_id, name_key, father_name_key, local_name_key, local_father_name_key, date_of_birth
          FROM born p
         WHERE (households_name_key(%(name)s) <> '' AND p.name_key %% households_name_key(%(name)s))
            OR (households_name_key(%(name_local)s) <> '' AND p.local_name_key %% households_name_key(%(name_local)s))
    )
    SELECT found.household_id,
           similarity(found.name_key, probe.name_key),
           CASE WHEN found.local_name_key <> '' AND probe.local_key <> ''
                THEN similarity(found.local_name_key, probe.local_key) END,
           CASE WHEN found.father_name_key <> '' AND probe.father_key <> ''
                THEN similarity(found.father_name_key, probe.father_key) END,
           CASE WHEN found.local_father_name_key <> '' AND probe.local_father_key <> ''
                THEN similarity(found.local_father_name_key, probe.local_father_key) END,
           found.date_of_birth,
           -- one primary-key look-up per candidate, whatever the planner thinks of the households table
           (SELECT h.origin_district_id FROM households_household h WHERE h.id = found.household_id)
      FROM found, probe
     WHERE found.household_id IS DISTINCT FROM %(exclude)s
       -- a candidate at all: a name key (Latin or Arabic script) trigram-similar to the probe's
       AND ((probe.name_key <> '' AND found.name_key %% probe.name_key)
            OR (probe.local_key <> '' AND found.local_name_key %% probe.local_key))
"""


# Dates of birth further apart than this many years are two people, whatever the names say (an estimate from an
# age is rarely that far out).
BIRTH_YEARS_APART = 5


def _birth(a: datetime.date | None, b: datetime.date | None) -> float | None:
    """The same date: 1. The same year (a date estimated from an age): 0.8. One or two years apart: 0.5, 0.2;
    further: 0; more than BIRTH_YEARS_APART: None, not the same person."""
    if a is None or b is None:
        return UNKNOWN
    if a == b:
        return 1.0
    years = abs(a.year - b.year)
    if years > BIRTH_YEARS_APART:
        return None
    return {0: 0.8, 1: 0.5, 2: 0.2}.get(years, 0.0)


def _best(*values: float | None) -> float | None:
    known = [v for v in values if v is not None]
    return max(known) if known else None


def head_score(*, name: float | None, father: float | None, birth: float, district: float) -> float:
    """The weighted score (0..1) of a candidate, from the similarity of each fact (None: not known on one side)."""
    facts = {
        "name": UNKNOWN if name is None else name,
        "father": UNKNOWN if father is None else father,
        "birth": birth,
        "district": district,
    }
    return round(sum(WEIGHTS[k] * v for k, v in facts.items()), 3)


def similar_heads(head: Head, *, exclude_household: int | None = None) -> list[tuple[int, float]]:
    """(household id, score) of every head scoring SCORE_THRESHOLD or more against this one, best first."""
    params = {
        "name": head.name,
        "father": head.father_name,
        "name_local": head.name_local,
        "father_local": head.father_name_local,
        "born": head.date_of_birth,
        "exclude": exclude_household,
        "limit": CANDIDATE_LIMIT + 1,
    }
    # A transaction for the settings below; no savepoint of its own within a registration's (a round trip each).
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        # The planner's estimate of the search (its unused branches priced as if they read a table) passes
        # jit_above_cost, and compiling the plan took 55 of its 65 ms at a million households; the search itself
        # reads a few hundred index entries, which JIT never pays back (bench/movements_api.py). Both settings
        # last until the registration's transaction ends.
        cursor.execute(
            "SELECT set_config('pg_trgm.similarity_threshold', %s, true), set_config('jit', 'off', true)",
            [str(CANDIDATE_SIMILARITY)],
        )
        cursor.execute(_CANDIDATES, params)
        rows = cursor.fetchall()
    found = []
    for household_id, name, local, father, local_father, born, district in rows:
        if head.district_id is None or district is None:
            same_district = UNKNOWN
        else:
            same_district = 1.0 if head.district_id == district else 0.0
        birth = _birth(head.date_of_birth, born)
        if birth is None:
            continue
        score = head_score(
            name=_best(name, local), father=_best(father, local_father), birth=birth, district=same_district
        )
        if score >= SCORE_THRESHOLD:
            found.append((household_id, score))
    return sorted(found, key=lambda pair: (-pair[1], pair[0]))


def duplicates_flag(
    *, household: Household, by=None, where: str = "", members: list[Person] | None = None
) -> list[DuplicateFlag]:
    """Flag households that may be this one: the same tazkira or PoR number as any of its members, or a similar
    head (scored above). Flags already there stay as they are, with their decisions. The officer decides
    (duplicate_decide). members: the household's members as just registered (not read back), when given.

    A match compared the new household with another one's personal data: it is logged as a view by `by`."""
    flags = []
    people = list(household.members.all()) if members is None else members
    for reason, field in (
        (DuplicateFlag.Reason.SAME_TAZKIRA, "tazkira_hash"),
        (DuplicateFlag.Reason.SAME_POR, "por_hash"),
    ):
        digests = {getattr(p, field) for p in people} - {""}
        if not digests:
            continue
        for other in Person.objects.filter(**{f"{field}__in": digests}).exclude(household=household):
            flags.append(
                DuplicateFlag(household=household, candidate_id=other.household_id, reason=reason, similarity=1.0)
            )
    head = Head.of(household, people)
    if head is not None:
        for candidate_id, score in similar_heads(head, exclude_household=household.pk):
            flags.append(
                DuplicateFlag(
                    household=household,
                    candidate_id=candidate_id,
                    reason=DuplicateFlag.Reason.SIMILAR_HEAD,
                    similarity=score,
                )
            )
    # A pair already flagged the other way round for the same reason (registered first, then checked again after a
    # correction) is one question, asked and perhaps decided once.
    reverse = set(
        DuplicateFlag.objects.filter(candidate=household, household_id__in={f.candidate_id for f in flags}).values_list(
            "household_id", "reason"
        )
    )
    flags = [f for f in flags if (f.candidate_id, f.reason) not in reverse]
    if flags:
        duplicate_check_log(
            by=by, ids={f.candidate_id for f in flags}, where=where or "duplicate check at registration"
        )
    return DuplicateFlag.objects.bulk_create(flags, ignore_conflicts=True)


def duplicate_check_log(*, by, ids, where: str) -> None:
    """Log a duplicate check that matched other households: it read their ID-number hashes or names."""
    if ids:
        log_personal_data_access(user=by, action="view", what="households.Household", ids=sorted(ids), where=where)


# What an officer is told of a possible duplicate registered outside their provinces: that it exists, and whom to
# ask; never its code, name or province.
OUTSIDE_SCOPE = {
    DuplicateFlag.Reason.SAME_TAZKIRA: gettext_lazy(
        "A household with the same tazkira number is registered outside your provinces; ask the Ministry's data team."
    ),
    DuplicateFlag.Reason.SAME_POR: gettext_lazy(
        "A household with the same PoR card number is registered outside your provinces; ask the Ministry's data team."
    ),
    DuplicateFlag.Reason.SIMILAR_HEAD: gettext_lazy(
        "A household with a similar head's name, father's name and date of birth is registered outside your "
        "provinces; ask the Ministry's data team."
    ),
}


def duplicate_candidates_visible(user, ids) -> set[int]:
    """Which of these households (possible duplicates) the user may see, and so be told the code of."""
    from households.selectors import households_visible_to

    return set(households_visible_to(user).filter(pk__in=list(ids)).values_list("pk", flat=True))


@transaction.atomic
def duplicate_decide(*, flag: DuplicateFlag, decision: str, by, note: str = "") -> DuplicateFlag:
    """Record the officer's decision on a possible duplicate: "same_household" or "different", never a default."""
    from django.core.exceptions import ValidationError

    require_role(by, [roles.LAND_OFFICER, roles.COMMITTEE_MEMBER], _("decide on a possible duplicate"))
    # Deciding compares the people of both households: neither may lie outside the decider's provinces. The
    # other household is not named: its province and code are not the decider's to learn.
    provinces = dict(
        Household.objects.filter(pk__in=[flag.household_id, flag.candidate_id]).values_list("pk", "province_id")
    )
    require_province(by, provinces[flag.household_id], _("This household"))
    require_province(by, provinces[flag.candidate_id], _("The other household of this possible duplicate"))
    if decision not in (DuplicateFlag.Decision.SAME_HOUSEHOLD, DuplicateFlag.Decision.DIFFERENT):
        raise ValidationError(
            {
                "decision": ValidationError(
                    _("Choose whether these are the same household or different households."), code="no_decision"
                )
            }
        )
    flag.decision, flag.decided_by, flag.decided_at, flag.decision_note = decision, by, timezone.now(), note
    flag.full_clean()
    flag.save()
    return flag
