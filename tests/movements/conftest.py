"""Crossing points, a district, border officers and a ready-made arrival for the movement tests."""

import datetime

import pytest
from django.utils import timezone

from landreg import roles
from landreg.services import user_create
from movements.services import arrival_register
from parcels.models import AdminArea, CrossingPoint


@pytest.fixture
def points(provinces):
    torkham = CrossingPoint.objects.create(
        code="torkham",
        name_en="Torkham",
        name_prs="تورخم",
        province=provinces["nangarhar"],
        neighbouring_country="PK",
        main=True,
        geom="SRID=4326;POINT(71.093 34.102)",
        source="test",
        precision_km=2,
    )
    islam_qala = CrossingPoint.objects.create(
        code="islam_qala",
        name_en="Islam Qala",
        name_prs="اسلام قلعه",
        province=provinces["herat"],
        neighbouring_country="IR",
        main=True,
        geom="SRID=4326;POINT(61.073 34.661)",
        source="test",
        precision_km=3,
    )
    return {"torkham": torkham, "islam_qala": islam_qala}


@pytest.fixture
def districts(provinces):
    return {
        "behsud": AdminArea.objects.create(
            level="district", pcode="AF0601", name_en="Behsud", parent=provinces["nangarhar"]
        ),
        "injil": AdminArea.objects.create(level="district", pcode="AF3201", name_en="Injil", parent=provinces["herat"]),
    }


@pytest.fixture
def border_herat(users, provinces):
    return user_create(username="field.h", password="x", roles=[roles.FIELD_OFFICER], provinces=[provinces["herat"]])


def family(*names, tazkira=None):
    """Members of a family: the first is the head (a man of 18–59), then a woman and children."""
    people = []
    for i, name in enumerate(names):
        sex, band = [("m", "18_59"), ("f", "18_59"), ("f", "5_17"), ("m", "0_4")][min(i, 3)]
        people.append({"name": name, "father_name": "Abdul Wahid" if i == 0 else "", "sex": sex, "age_band": band})
    if tazkira:
        people[0]["tazkira"] = tazkira
    return people


@pytest.fixture
def register(points, provinces, field_officer):
    """arrival_register with the Torkham defaults: a deported family of three bound for Nangarhar."""

    def make(**fields):
        values = {
            "crossing_point": points["torkham"],
            "crossed_at": timezone.now() - datetime.timedelta(hours=2),
            "category": "deported",
            "country_of_asylum": "PK",
            "travelling": "family",
            "members": family("Sher Agha Safi", "Bibi Gul", "Zarmina"),
            "destination_province": provinces["nangarhar"],
            "by": field_officer,
        }
        values.update(fields)
        return arrival_register(**values)

    return make
