"""The reintegration survey and its scoring table, versioned (docs/livelihoods.md, "The survey and its scoring").

The questions follow IOM's reintegration sustainability approach: three dimensions, economic, social and
psychosocial, each scored 0-100 from the answers, and a composite. The points each answer scores are landreg's
own scoring table (version below), not IOM's published weights: IOM weighs its Reintegration Sustainability Survey
with weights derived from its own data, which this table does not claim to reproduce.

A version is never edited once rounds were recorded under it: a change of questions, scales or points is a new
version (a new entry of VERSIONS and a migration that seeds it), and each round keeps the version it was scored
under. The database holds the same table (livelihoods_surveyquestion, seeded from here) and scores every round from
it (survey_round_rescore, sql/0002_livelihood_rules.sql), so an answer written from psql is scored the same way.

Score of a dimension = 100 × Σ(weight × points of the answer) / Σ(weight) over its answered questions whose answer
counts (points not null); the composite is the mean of the three dimension scores present.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_noop

CURRENT_VERSION = "2026.1"

# The household's answer to lives_on_plot: 1 when it lives on its allocated plot (the 12-month occupancy share).
LIVES_ON_PLOT = "lives_on_plot"


def _q(code, dimension, label, choices, points, weight=1):
    """A question: choices are (value, English label) on a scale of consecutive integers; points[value] is what
    that answer scores (0..1), None when the answer does not count (not applicable)."""
    values = [v for v, _label in choices]
    assert values == list(range(min(values), max(values) + 1)), code
    assert set(points) == set(values), code
    return {
        "code": code,
        "dimension": dimension,
        "label": label,
        "choices": choices,
        "min": min(values),
        "max": max(values),
        "points": points,
        "weight": weight,
    }


N = gettext_noop
QUESTIONS_2026_1 = [
    # --- economic: income sources and debt, work, food security ---
    _q(
        "income_sources",
        "economic",
        N("How many different sources of income does the household have now?"),
        [(0, N("None")), (1, N("One")), (2, N("Two")), (3, N("Three or more"))],
        {0: 0.0, 1: 0.4, 2: 0.8, 3: 1.0},
        weight=2,
    ),
    _q(
        "work",
        "economic",
        N("Does anyone in the household have work?"),
        [(0, N("No one")), (1, N("Only daily or seasonal labour")), (2, N("Regular work or own business"))],
        {0: 0.0, 1: 0.5, 2: 1.0},
        weight=2,
    ),
    _q(
        "debt",
        "economic",
        N("How large are the household's debts compared with its monthly income?"),
        [
            (0, N("No debt")),
            (1, N("Less than one month's income")),
            (2, N("One to three months' income")),
            (3, N("More than three months' income")),
        ],
        {0: 1.0, 1: 0.7, 2: 0.3, 3: 0.0},
        weight=2,
    ),
    _q(
        "debt_repayment",
        "economic",
        N("Can the household repay its debts as agreed?"),
        [(0, N("No")), (1, N("With difficulty")), (2, N("Yes")), (3, N("No debts"))],
        {0: 0.0, 1: 0.5, 2: 1.0, 3: None},
    ),
    _q(
        "food_reduced_days",
        "economic",
        N("In the last 7 days, on how many days did the household eat less or skip meals for lack of food?"),
        [(0, N("None")), (1, N("1 or 2 days")), (2, N("3 or 4 days")), (3, N("5 to 7 days"))],
        {0: 1.0, 1: 0.6, 2: 0.3, 3: 0.0},
        weight=2,
    ),
    _q(
        "meals_per_day",
        "economic",
        N("How many meals did adults eat yesterday?"),
        [(1, N("One or none")), (2, N("Two")), (3, N("Three or more"))],
        {1: 0.0, 2: 0.5, 3: 1.0},
    ),
    # --- social: housing, services, documents ---
    _q(
        LIVES_ON_PLOT,
        "social",
        N("Does the household live on its allocated plot?"),
        [(0, N("No")), (1, N("Yes"))],
        {0: 0.0, 1: 1.0},
        weight=2,
    ),
    _q(
        "health_care",
        "social",
        N("When someone in the household was sick, could they get health care?"),
        [(0, N("No")), (1, N("With difficulty")), (2, N("Yes")), (3, N("No one needed it"))],
        {0: 0.0, 1: 0.5, 2: 1.0, 3: None},
    ),
    _q(
        "school",
        "social",
        N("Do the household's school-age children go to school?"),
        [(0, N("None of them")), (1, N("Some of them")), (2, N("All of them")), (3, N("No school-age children"))],
        {0: 0.0, 1: 0.5, 2: 1.0, 3: None},
    ),
    _q(
        "drinking_water",
        "social",
        N("Does the household have safe drinking water?"),
        [(0, N("No")), (1, N("Sometimes, or far away")), (2, N("Yes, always"))],
        {0: 0.0, 1: 0.5, 2: 1.0},
    ),
    _q(
        "documents",
        "social",
        N("Do the household's adults have a tazkira?"),
        [(0, N("None of them")), (1, N("Some of them")), (2, N("All of them"))],
        {0: 0.0, 1: 0.5, 2: 1.0},
    ),
    _q(
        "justice",
        "social",
        N("If the household had a dispute, could it get it resolved (shura, court, police)?"),
        [(0, N("No")), (1, N("Not sure")), (2, N("Yes"))],
        {0: 0.0, 1: 0.5, 2: 1.0},
    ),
    # --- psychosocial: social networks, safety, well-being, intention to migrate again ---
    _q(
        "support_network",
        "psychosocial",
        N("How many people outside the household could you ask for help or a loan?"),
        [(0, N("No one")), (1, N("One or two")), (2, N("Several"))],
        {0: 0.0, 1: 0.5, 2: 1.0},
    ),
    _q(
        "community_participation",
        "psychosocial",
        N("Do you take part in community events or the community shura?"),
        [(0, N("Never")), (1, N("Sometimes")), (2, N("Often"))],
        {0: 0.0, 1: 0.5, 2: 1.0},
    ),
    _q(
        "discrimination",
        "psychosocial",
        N("Have you been treated badly because you returned or were displaced?"),
        [(0, N("Often")), (1, N("Sometimes")), (2, N("Never"))],
        {0: 0.0, 1: 0.5, 2: 1.0},
    ),
    _q(
        "safety",
        "psychosocial",
        N("How safe do you feel where you live?"),
        [(0, N("Unsafe")), (1, N("Somewhat safe")), (2, N("Safe"))],
        {0: 0.0, 1: 0.5, 2: 1.0},
        weight=2,
    ),
    _q(
        "distress",
        "psychosocial",
        N("In the last month, how often did you feel so worried or sad that it was hard to do daily tasks?"),
        [(0, N("Often")), (1, N("Sometimes")), (2, N("Rarely or never"))],
        {0: 0.0, 1: 0.5, 2: 1.0},
    ),
    _q(
        "intention_to_migrate",
        "psychosocial",
        N("Does the household plan to move again in the next 12 months?"),
        [(0, N("Yes, abroad")), (1, N("Yes, elsewhere in Afghanistan")), (2, N("Undecided")), (3, N("No"))],
        {0: 0.0, 1: 0.3, 2: 0.5, 3: 1.0},
        weight=2,
    ),
]

VERSIONS = {"2026.1": QUESTIONS_2026_1}
DIMENSIONS = ("economic", "social", "psychosocial")
DIMENSION_LABELS = {
    "economic": N("Economic"),
    "social": N("Social"),
    "psychosocial": N("Psychosocial"),
}


def questions(version: str = CURRENT_VERSION) -> list[dict]:
    return VERSIONS[version]


def _tenth(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def score(answers: dict[str, int], version: str = CURRENT_VERSION) -> dict[str, Decimal | None]:
    """The scores (0-100, to one decimal, half up) of a set of answers under a version: each dimension and the
    composite (the mean of the unrounded dimension scores). The database computes the same in numeric arithmetic
    (survey_round_rescore); tests check that the two agree."""
    exact: dict[str, Decimal] = {}
    for dimension in DIMENSIONS:
        total = weights = Decimal(0)
        for q in questions(version):
            if q["dimension"] != dimension or q["code"] not in answers:
                continue
            points = q["points"][answers[q["code"]]]
            if points is None:
                continue
            total += q["weight"] * Decimal(str(points))
            weights += q["weight"]
        if weights:
            exact[dimension] = 100 * total / weights
    scores: dict[str, Decimal | None] = {d: _tenth(exact[d]) if d in exact else None for d in DIMENSIONS}
    scores["composite"] = _tenth(sum(exact.values()) / len(exact)) if exact else None
    return scores


def seed_rows(version: str = CURRENT_VERSION) -> list[dict]:
    """The rows of livelihoods_surveyquestion for a version (the migration seeds them)."""
    return [
        {
            "version": version,
            "code": q["code"],
            "dimension": q["dimension"],
            "position": position,
            "min_value": q["min"],
            "max_value": q["max"],
            "points": {str(k): v for k, v in q["points"].items()},
            "weight": q["weight"],
        }
        for position, q in enumerate(questions(version), start=1)
    ]
