"""The shipped reference data and configuration: ISCO-08 occupations and ISIC Rev.4 activities from
livelihoods/data/ (their sources: livelihoods/data/README.md), the survey's scoring table (livelihoods/survey.py)
and the default matching programme. Loaded by migration 0003; the loaders take the model, so a migration passes its
historical one and tests the real one. Loading again updates the rows in place."""

import csv
from pathlib import Path

from livelihoods.survey import VERSIONS, seed_rows

DATA = Path(__file__).resolve().parent / "data"
DEFAULT_PROGRAMME = "default"


def _rows(name: str) -> list[dict]:
    with open(DATA / name, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _load(model, rows, level):
    # Parents first: ISCO by the length of its code, ISIC by its level.
    isic_order = {"section": 0, "division": 1, "group": 2, "class": 3}
    for row in sorted(rows, key=lambda r: (len(r["code"]) if level is int else isic_order[r["level"]], r["code"])):
        model.objects.update_or_create(
            code=row["code"],
            defaults={
                "level": level(row["level"]),
                "parent_id": row["parent"] or None,
                "title_en": row["title_en"],
                "title_prs": row["title_prs"],
                "title_ps": row["title_ps"],
                "needs_review": row["needs_review"] == "true",
            },
        )


def load_isco(model) -> None:
    _load(model, _rows("isco08.csv"), int)


def load_isic(model) -> None:
    _load(model, _rows("isic4.csv"), str)


def seed_survey_questions(model) -> None:
    for version in VERSIONS:
        for row in seed_rows(version):
            model.objects.update_or_create(version=row["version"], code=row["code"], defaults=row)


def seed_default_programme(model):
    programme, _created = model.objects.get_or_create(
        code=DEFAULT_PROGRAMME, defaults={"name": "Livelihoods (default weights)"}
    )
    return programme
