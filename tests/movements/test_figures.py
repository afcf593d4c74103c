"""Weekly and monthly figures from the materialized views: by crossing point, province, category, sex and age band;
small cells suppressed for roles without personal data and wherever published; refreshed without blocking readers."""

import datetime

import pytest
from django.core.management import call_command

from movements.figures import arrival_figures, figures_refresh, flow_figures
from movements.flows import flow_counts_replace
from tests.db.conftest import connect

from .conftest import family

SUNDAY = datetime.datetime(2025, 8, 3, 10, tzinfo=datetime.UTC)  # 14:30 in Kabul, Sunday 3 August 2025


@pytest.fixture
def recorded(register, provinces, field_officer, points):
    register(crossed_at=SUNDAY, members=family("Sher Agha Safi", "Bibi Gul", "Zarmina"))  # m18-59, f18-59, f5-17
    register(
        crossed_at=SUNDAY + datetime.timedelta(days=1),
        category="spontaneous_undocumented",
        destination_province=provinces["herat"],
        members=family("Gul Ahmad", "Nazo"),
    )
    flow_counts_replace(
        crossing_point=points["torkham"],
        day=datetime.date(2025, 8, 3),
        source="border_team",
        by=field_officer,
        rows=[
            {
                "direction": "in",
                "category": "deported",
                "travelling": "family",
                "method": "headcount",
                "total": 12,
                "female": 5,
                "male": 7,
                "f_0_4": 1,
                "f_5_17": 2,
                "f_18_59": 2,
                "f_60_plus": 0,
                "m_0_4": 1,
                "m_5_17": 2,
                "m_18_59": 3,
                "m_60_plus": 1,
            },
            {"direction": "in", "category": "deported", "travelling": "alone", "method": "headcount", "total": 30},
        ],
    )
    figures_refresh()


def test_weekly_arrivals_by_crossing_point_start_on_saturday(recorded, users, points):
    figures = arrival_figures(users["admin"], period="week", by=("period_start", "crossing_point_id"))
    assert figures == [
        {"period_start": datetime.date(2025, 8, 2), "crossing_point_id": points["torkham"].pk, "people": 5}
    ]
    monthly = arrival_figures(users["admin"], period="month", by=("period_start", "category"))
    assert monthly == [
        {"period_start": datetime.date(2025, 8, 1), "category": "deported", "people": 3},
        {"period_start": datetime.date(2025, 8, 1), "category": "spontaneous_undocumented", "people": 2},
    ]
    by_sex = arrival_figures(users["admin"], by=("sex", "age_band"))
    assert by_sex == [
        {"sex": "f", "age_band": "18_59", "people": 2},
        {"sex": "f", "age_band": "5_17", "people": 1},
        {"sex": "m", "age_band": "18_59", "people": 2},
    ]


def test_officers_read_their_provinces_figures_and_small_cells_are_suppressed_where_they_must_be(
    recorded, users, provinces, border_herat
):
    officer = users["officer_nangarhar"]
    assert arrival_figures(officer, by=("category",)) == [
        {"category": "deported", "people": 3},
        {"category": "spontaneous_undocumented", "people": 2},
    ]
    # Herat: only the arrival bound for Herat (the crossing point is Nangarhar's)
    assert arrival_figures(border_herat, by=("destination_province_id",)) == [
        {"destination_province_id": provinces["herat"].pk, "people": 2}
    ]
    # published, or for a role without personal data: fewer than 5 is "<5"; 0 and 5 or more are shown
    assert arrival_figures(officer, by=("category",), published=True) == [
        {"category": "deported", "people": "<5"},
        {"category": "spontaneous_undocumented", "people": "<5"},
    ]
    assert arrival_figures(users["gis"], by=()) == [{"people": 5}]
    assert arrival_figures(users["gis"], by=("category",))[0]["people"] == "<5"
    # a partner without an agreement sharing the figures reads none
    assert arrival_figures(users["partner"], by=("category",)) == []


def test_flow_figures_by_sex_and_age_band_with_what_was_not_split(recorded, users):
    figures = flow_figures(users["admin"], by=("sex", "age_band"), where={"source": "border_team"})
    assert {(f["sex"], f["age_band"]): f["people"] for f in figures} == {
        ("f", "0_4"): 1,
        ("f", "5_17"): 2,
        ("f", "18_59"): 2,
        ("f", "60_plus"): 0,
        ("m", "0_4"): 1,
        ("m", "5_17"): 2,
        ("m", "18_59"): 3,
        ("m", "60_plus"): 1,
        ("unknown", "unknown"): 30,
    }
    assert flow_figures(users["admin"], by=("travelling",)) == [
        {"travelling": "alone", "people": 30},
        {"travelling": "family", "people": 12},
    ]


def test_a_refresh_recomputes_only_the_periods_that_changed_and_a_rebuild_all(recorded, register, users):
    # nothing changed since the fixture's refresh
    assert figures_refresh()["arrival_periods"] == 0
    register(crossed_at=SUNDAY + datetime.timedelta(days=30), members=family("Late Comer", "Wife"))
    done = figures_refresh()
    assert (done["arrival_periods"], done["flow_periods"]) == (2, 0)  # its week and its month
    assert arrival_figures(users["admin"], period="month", by=("period_start",)) == [
        {"period_start": datetime.date(2025, 8, 1), "people": 5},
        {"period_start": datetime.date(2025, 9, 1), "people": 2},
    ]
    before = arrival_figures(users["admin"], period="week", by=("period_start", "sex", "age_band"))
    rebuilt = figures_refresh(rebuild=True)
    assert rebuilt["arrival_periods"] == 4 and rebuilt["flow_periods"] == 2
    assert arrival_figures(users["admin"], period="week", by=("period_start", "sex", "age_band")) == before


def test_a_deleted_or_corrected_count_leaves_the_figures_at_the_next_refresh(recorded, users, points, field_officer):
    flow_counts_replace(
        crossing_point=points["torkham"],
        day=datetime.date(2025, 8, 3),
        source="border_team",
        by=field_officer,
        rows=[{"direction": "in", "category": "deported", "travelling": "alone", "method": "headcount", "total": 31}],
    )
    figures_refresh()
    assert flow_figures(users["admin"], by=("travelling",)) == [{"travelling": "alone", "people": 31}]


def test_the_command_refreshes_and_says_what_it_did(recorded, capsys):
    call_command("refresh_movement_figures")
    assert capsys.readouterr().out.startswith("0 periods of arrivals and 0 of flow counts recomputed in")
    call_command("refresh_movement_figures", "--rebuild")
    assert capsys.readouterr().out.startswith("2 periods of arrivals and 2 of flow counts recomputed in")


def test_a_refresh_and_readers_never_wait_for_each_other(db, django_db_blocker):
    with django_db_blocker.unblock():
        reader, writer = connect(), connect()
    try:
        with writer.cursor() as cursor:  # a refresh in progress: its transaction is open
            cursor.execute("INSERT INTO movements_figures_pending VALUES ('flows', '2025-08-02')")
            cursor.execute("SELECT movements_figures_refresh()")
            cursor.execute("SELECT movements_figures_rebuild()")
        with reader.cursor() as cursor:
            cursor.execute("SET lock_timeout = '300ms'")
            cursor.execute("SELECT count(*) FROM movements_arrival_figures")
            cursor.execute("SELECT count(*) FROM movements_flow_figures")
            assert cursor.fetchone() == (0,)
        writer.rollback()
        with reader.cursor() as cursor:  # a reader's transaction open: a refresh does not wait for it
            cursor.execute("SELECT count(*) FROM movements_flow_totals")
        with writer.cursor() as cursor:
            cursor.execute("SET lock_timeout = '300ms'")
            cursor.execute("SELECT movements_figures_rebuild()")
    finally:
        for conn in (reader, writer):
            conn.rollback()
            conn.close()
