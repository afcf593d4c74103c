"""The border crossing points load with the provinces from gis_data/border_crossings.csv: each with its source and
precision, near its province's boundary; a point an administrator corrected is not overwritten by loading again."""

import csv
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import Point
from django.core.management import call_command
from django.utils import timezone

from parcels.models import AdminArea, CrossingPoint
from parcels.services import crossing_points_load_reference

DATA = Path(settings.BASE_DIR) / "gis_data"


@pytest.fixture
def loaded(db):
    call_command("load_provinces", stdout=open("/dev/null", "w"))  # noqa: SIM115
    return CrossingPoint.objects.select_related("province")


def test_every_crossing_point_loads_with_its_province_source_and_precision(loaded):
    rows = list(csv.DictReader((DATA / "border_crossings.csv").open(encoding="utf-8")))
    assert loaded.count() == len(rows) >= 14
    assert set(loaded.filter(main=True).values_list("code", flat=True)) == {
        "torkham",
        "spin_boldak",
        "islam_qala",
        "milak",
    }
    expected = {
        "torkham": "AF06",
        "spin_boldak": "AF27",
        "islam_qala": "AF32",
        "milak": "AF34",
        "abu_nasr_farahi": "AF33",
        "ghulam_khan": "AF14",
        "angor_ada": "AF12",
        "dand_e_patan": "AF13",
        "bahramcha": "AF30",
        "hairatan": "AF21",
        "sher_khan_bandar": "AF19",
    }
    assert {p.code: p.province.pcode for p in loaded if p.code in expected} == expected
    assert all(p.source and p.precision_km > 0 for p in loaded)
    assert (
        loaded.get(code="torkham").neighbouring_country == "PK"
        and loaded.get(code="islam_qala").name_prs == "اسلام قلعه"
    )


def test_each_point_lies_within_its_stated_precision_of_its_province(loaded):
    """The positions were written from the crossing's town and road (no survey): each must at least be in, or on
    the border of, the province it is filed under, within the precision it claims."""
    for point in loaded:
        province = AdminArea.objects.annotate(d=Distance("geom", point.geom)).get(pk=point.province_id)
        assert province.d.km <= float(point.precision_km), (point.code, province.d.km)


def test_loading_again_updates_but_keeps_a_corrected_point(loaded):
    torkham = loaded.get(code="torkham")
    torkham.geom = Point(71.0901, 34.1011, srid=4326)
    torkham.corrected_at = timezone.now()
    torkham.save()
    report = crossing_points_load_reference(DATA / "border_crossings.csv")
    assert report.created == 0 and "kept as corrected" in report.matched_by["torkham"]
    assert CrossingPoint.objects.get(code="torkham").geom.x == pytest.approx(71.0901)


def test_a_point_whose_province_is_not_loaded_is_reported(db):
    AdminArea.objects.create(level="province", pcode="AF06", name_en="Nangarhar")
    report = crossing_points_load_reference(DATA / "border_crossings.csv")
    assert report.created == 1 and any("province AF27 is not loaded" in line for line in report.unmatched)


def test_a_district_is_joined_by_name_once_districts_are_loaded(db):
    nangarhar = AdminArea.objects.create(level="province", pcode="AF06", name_en="Nangarhar")
    mohmand = AdminArea.objects.create(level="district", pcode="AF0622", name_en="Mohmand Dara", parent=nangarhar)
    crossing_points_load_reference(DATA / "border_crossings.csv")
    assert CrossingPoint.objects.get(code="torkham").district == mohmand


def test_an_administrators_correction_in_the_admin_marks_the_point_corrected(client, users, rf):
    from django.contrib import admin

    crossing_points_load_reference(DATA / "border_crossings.csv")  # Nangarhar's and Herat's: the test provinces
    torkham = CrossingPoint.objects.get(code="torkham")
    client.force_login(users["admin"])
    assert client.get(f"/admin/parcels/crossingpoint/{torkham.pk}/change/").status_code == 200
    request = rf.post("/admin/")
    request.user = users["admin"]
    torkham.geom = Point(71.0901, 34.1011, srid=4326)
    admin.site.get_model_admin(CrossingPoint).save_model(request, torkham, form=None, change=True)
    assert CrossingPoint.objects.get(code="torkham").corrected_at is not None
