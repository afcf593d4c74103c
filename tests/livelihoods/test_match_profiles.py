"""The matching table (livelihoods_matchprofile): one row per skills profile, kept equal to its sources by the
database's triggers whoever writes them (the services, or psql-style SQL), rebuilt from scratch by
`manage.py rebuild_match_profiles`, and out of reach of the GIS logins (docs/livelihoods.md, "Matching at speed")."""

import datetime
import random

import psycopg2
import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from allocations.services import allocation_propose, allocation_transition
from households.services import household_update
from livelihoods.models import MatchProfile
from livelihoods.services import skills_profile_save
from movements.services import household_location_record, idp_site_create
from tests.db.conftest import committed, refused  # noqa: F401  (committed: the racing-connections fixture)
from tests.db.test_concurrency import HOUSEHOLD_INSERT, race
from tests.db.test_gis_roles_sql import gis_login

FLAGS = ["female_headed", "disability", "elderly_head", "unaccompanied_child", "chronic_illness"]

# Every row the table has and its sources do not say, and every row the sources say and the table lacks.
DRIFT_SQL = """
(SELECT 'stale' AS what, * FROM livelihoods_matchprofile EXCEPT SELECT 'stale', * FROM livelihoods_matchprofile_source)
UNION ALL
(SELECT 'missing', * FROM livelihoods_matchprofile_source EXCEPT SELECT 'missing', * FROM livelihoods_matchprofile)
"""


def drift() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(DRIFT_SQL)
        return cursor.fetchall()


def sql(statement: str, params=()) -> list[tuple]:
    """A statement as psql or QGIS would send it: straight to the database, past every service."""
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else []


def row(person) -> MatchProfile | None:
    return MatchProfile.objects.filter(person_id=person.pk).first()


@pytest.fixture
def site(provinces, users, frame):
    return idp_site_create(
        code="nangarhar-site",
        name="Site",
        kind="informal_settlement",
        province=provinces["nangarhar"],
        geom=frame.rect(2000, 2000, 50, 50).centroid,
        by=users["admin"],
    )


# --- through the services ------------------------------------------------------------------------------------------


def test_a_profile_saved_through_the_service_has_its_row(profiled, users):
    person = profiled(occupations=[("7115", 6), ("8322", 2)], sex="f", workplace_accepted="women_only")
    r = row(person)
    assert (r.household_id, r.province_id, r.sex, r.date_of_birth) == (
        person.household_id,
        person.household.province_id,
        "f",
        person.date_of_birth,
    )
    assert r.isco_codes == ["7115", "8322"] and [float(y) for y in r.years] == [6.0, 2.0]
    assert (r.workplace_accepted, r.plot_id, r.site_id) == ("women_only", None, None)
    # saved again with other occupations: the arrays follow
    skills_profile_save(
        person=person, by=users["admin"], occupations=[{"isco": "7531", "years": 1, "learnt_in": "iran"}]
    )
    r = row(person)
    assert r.isco_codes == ["7531"] and [float(y) for y in r.years] == [1.0]
    assert drift() == []


def test_the_row_follows_the_allocation_the_household_and_its_location(profiled, users, plots, site):
    person = profiled()
    officer, committee = users["officer_nangarhar"], users["committee"]
    a = allocation_propose(household=person.household, plot=plots[0], proposed_by=officer)
    assert row(person).plot_id is None  # proposed: not held yet
    allocation_transition(allocation=a, action="approve", by=committee, reference="CMT-1")
    assert row(person).plot_id == plots[0].pk
    allocation_transition(allocation=a, action="revoke", by=officer, reason_code="voluntary_return")
    assert row(person).plot_id is None
    household_update(household=person.household, by=officer, female_headed=True, category="idp")
    r = row(person)
    assert (r.female_headed, r.category) == (True, "idp")
    household_location_record(
        household=person.household, status="in_site", since=datetime.date(2026, 1, 5), site=site, by=officer
    )
    assert row(person).site_id == site.pk
    household_location_record(
        household=person.household, status="in_host_community", since=datetime.date(2026, 2, 1), by=officer
    )
    assert row(person).site_id is None  # the latest location is not a site
    assert drift() == []


# --- through raw SQL, as psql or QGIS -------------------------------------------------------------------------------


def test_the_row_follows_each_source_edited_in_sql(profiled, plots, site, users):
    person = profiled(occupations=[("7115", 6)])
    other = profiled(occupations=[("8322", 1)])
    h = person.household_id
    profile = row(person).profile_id

    sql("UPDATE households_household SET disability = true, elderly_head = true, category = 'idp' WHERE id = %s", [h])
    assert (row(person).disability, row(person).elderly_head, row(person).category) == (True, True, "idp")
    sql("UPDATE households_person SET sex = 'f', date_of_birth = date '1990-03-04' WHERE id = %s", [person.pk])
    assert (row(person).sex, row(person).date_of_birth) == ("f", datetime.date(1990, 3, 4))
    sql(
        "UPDATE livelihoods_skillsprofile SET max_travel_km = 7.5, workplace_accepted = 'women_only', "
        "can_work_outside_home = false WHERE id = %s",
        [profile],
    )
    r = row(person)
    assert (float(r.max_travel_km), r.workplace_accepted, r.can_work_outside_home) == (7.5, "women_only", False)
    sql(
        "INSERT INTO livelihoods_occupation (profile_id, isco_code, years, learnt_in) VALUES (%s, '7112', 3, 'iran')",
        [profile],
    )
    assert row(person).isco_codes == ["7112", "7115"]
    sql("UPDATE livelihoods_occupation SET years = 9 WHERE profile_id = %s AND isco_code = '7115'", [profile])
    assert [float(y) for y in row(person).years] == [3.0, 9.0]
    sql("DELETE FROM livelihoods_occupation WHERE profile_id = %s AND isco_code = '7112'", [profile])
    assert row(person).isco_codes == ["7115"]
    sql(
        "INSERT INTO movements_householdlocation (household_id, status, since, province_id, recorded_in_id, site_id) "
        "SELECT id, 'in_site', date '2026-03-01', province_id, province_id, %s FROM households_household WHERE id = %s",
        [site.pk, h],
    )
    assert row(person).site_id == site.pk
    # the person moves to the other household: the row goes with them
    sql(
        "UPDATE households_person SET household_id = %s, relationship = 'spouse' WHERE id = %s",
        [other.household_id, person.pk],
    )
    assert row(person).household_id == other.household_id and row(person).site_id is None
    # the profile is deleted: so is the row
    sql("DELETE FROM livelihoods_occupation WHERE profile_id = %s", [profile])
    sql("DELETE FROM livelihoods_skillsprofile WHERE id = %s", [profile])
    assert row(person) is None
    assert drift() == []


def test_an_allocation_written_in_sql_locates_the_household_by_its_plot(profiled, plots, users):
    person = profiled()
    with transaction.atomic():
        _allocation_in_sql(person, plots[1], users["committee"])
        # rolled back: the workflow log (status_changes_with_a_transition) would refuse these at commit
        transaction.set_rollback(True)


def _allocation_in_sql(person, plot, committee):
    sql(
        "INSERT INTO allocations_allocation (household_id, plot_id, method, status, proposed_at, decision_reference, "
        "revocation_reason, notes, is_demo, updated_at, suspended_from) "
        "VALUES (%s, %s, 'committee', 'proposed', now(), 'SQL-1', '', '', false, now(), '')",
        [person.household_id, plot.pk],
    )
    assert row(person).plot_id is None
    sql(
        "UPDATE allocations_allocation SET status = 'approved', approved_by_id = %s WHERE household_id = %s",
        [committee.pk, person.household_id],
    )
    assert row(person).plot_id == plot.pk
    sql(
        "UPDATE allocations_allocation SET status = 'revoked', revocation_reason = 'error', end_date = current_date "
        "WHERE household_id = %s",
        [person.household_id],
    )
    assert row(person).plot_id is None
    assert drift() == []


def test_a_truncated_source_rebuilds_the_table(profiled):
    profiled()
    sql("SET CONSTRAINTS ALL IMMEDIATE")  # TRUNCATE waits for no deferred check of this transaction
    with transaction.atomic():
        sql("TRUNCATE livelihoods_occupation")
        assert drift() == [] and MatchProfile.objects.get().isco_codes == []
        transaction.set_rollback(True)


def test_random_edits_in_sql_leave_the_table_equal_to_a_rebuild(adult, users, plots, site, provinces):
    """Random people, then random psql-style edits of every source (some refused by the land rules: rolled back to
    a savepoint, as a client would): after each batch the table equals what the sources say, and a rebuild from
    scratch changes nothing."""
    rnd = random.Random(20261130)
    people = []
    for _ in range(12):
        person = adult(age=rnd.choice([18, 25, 40, 60]), sex=rnd.choice("fm"))
        skills_profile_save(
            person=person,
            by=users["admin"],
            occupations=[
                {"isco": rnd.choice(["7115", "7112", "8322"]), "years": rnd.randint(0, 9), "learnt_in": "iran"}
            ],
        )
        people.append(person)
    households = [p.household_id for p in people]
    profiles = [row(p).profile_id for p in people]
    districts = [None]
    edits = [
        lambda: sql(
            f"UPDATE households_household SET {rnd.choice(FLAGS)} = %s WHERE id = ANY (%s)",
            [rnd.random() < 0.5, rnd.sample(households, 3)],
        ),
        lambda: sql(
            "UPDATE households_household SET category = %s, current_district_id = %s, province_id = %s WHERE id = %s",
            [
                rnd.choice(["idp", "deportee"]),
                rnd.choice(districts),
                rnd.choice([provinces["nangarhar"].pk, provinces["herat"].pk]),
                rnd.choice(households),
            ],
        ),
        lambda: sql(
            "UPDATE households_person SET date_of_birth = date_of_birth - %s, sex = %s WHERE id = %s",
            [rnd.randint(1, 400), rnd.choice("fm"), rnd.choice(people).pk],
        ),
        lambda: sql(
            "UPDATE households_person SET household_id = %s, relationship = 'spouse' WHERE id = %s",
            [rnd.choice(households), rnd.choice(people).pk],
        ),
        lambda: sql(
            "UPDATE livelihoods_skillsprofile SET max_travel_km = %s, can_work_outside_home = %s WHERE id = %s",
            [rnd.choice([None, 3, 12.5]), rnd.random() < 0.7, rnd.choice(profiles)],
        ),
        lambda: sql(
            "INSERT INTO livelihoods_occupation (profile_id, isco_code, years, learnt_in) VALUES (%s, %s, %s, 'iran')",
            [rnd.choice(profiles), rnd.choice(["7531", "9313", "7126"]), rnd.randint(0, 20)],
        ),
        lambda: sql(
            "DELETE FROM livelihoods_occupation WHERE id = "
            "(SELECT id FROM livelihoods_occupation WHERE profile_id = %s ORDER BY id LIMIT 1)",
            [rnd.choice(profiles)],
        ),
        lambda: sql(
            "UPDATE livelihoods_occupation SET years = years + 1 WHERE profile_id = %s", [rnd.choice(profiles)]
        ),
        lambda: sql(
            "INSERT INTO allocations_allocation (household_id, plot_id, method, status, proposed_at, "
            "decision_reference, revocation_reason, notes, is_demo, updated_at, suspended_from) "
            "VALUES (%s, %s, 'committee', 'proposed', now(), 'RND', '', '', false, now(), '')",
            [rnd.choice(households), rnd.choice(plots).pk],
        ),
        lambda: sql(
            "UPDATE allocations_allocation SET status = %s, approved_by_id = %s, revocation_reason = 'error', "
            "end_date = current_date "
            "WHERE household_id = %s AND status NOT IN ('revoked', 'rejected')",
            [rnd.choice(["revoked", "approved", "approved"]), users["committee"].pk, rnd.choice(households)],
        ),
        lambda: sql(
            "INSERT INTO movements_householdlocation (household_id, status, since, province_id, recorded_in_id, "
            "site_id) SELECT id, %s, date '2026-01-01' + %s, province_id, province_id, %s FROM households_household "
            "WHERE id = %s",
            [rnd.choice(["in_site", "in_host_community"]), rnd.randint(0, 90), site.pk, rnd.choice(households)],
        ),
        lambda: sql(
            "UPDATE movements_householdlocation SET since = since + %s WHERE household_id = %s",
            [rnd.randint(-30, 30), rnd.choice(households)],
        ),
        lambda: sql("DELETE FROM movements_householdlocation WHERE household_id = %s", [rnd.choice(households)]),
    ]
    with transaction.atomic():
        _edit_at_random(rnd, edits)
        # rolled back: the workflow log (status_changes_with_a_transition) would refuse the allocations at commit
        transaction.set_rollback(True)


def _edit_at_random(rnd, edits):
    applied = 0
    for _ in range(8):
        for _ in range(15):
            try:
                with transaction.atomic():
                    rnd.choice(edits)()
                    applied += 1
            except DatabaseError:
                pass  # refused by a rule (a plot taken, history append-only, …): rolled back to the savepoint
        assert drift() == []
    assert applied > 60  # most edits went through: the test exercised the triggers
    before = list(MatchProfile.objects.order_by("profile_id").values_list())
    call_command("rebuild_match_profiles", verbosity=0)
    assert list(MatchProfile.objects.order_by("profile_id").values_list()) == before


def test_the_rebuild_command_repairs_a_damaged_table(profiled, capsys):
    people = [profiled(), profiled(occupations=[("8322", 2)])]
    # damage it as only the table's owner could (a restore gone wrong)
    sql("UPDATE livelihoods_matchprofile SET isco_codes = '{}', female_headed = NOT female_headed")
    sql("DELETE FROM livelihoods_matchprofile WHERE person_id = %s", [people[1].pk])
    assert len(drift()) == 3
    call_command("rebuild_match_profiles")
    assert drift() == []
    assert capsys.readouterr().out.startswith("3 rows differed from their sources; the table now holds 2 profiles.")


# --- two clients at once ------------------------------------------------------------------------------------------


PROFILE_INSERT = (
    "INSERT INTO livelihoods_skillsprofile (person_id, education, literacy_dari, literacy_pashto, literacy_english, "
    "languages, certificates, can_work_outside_home, workplace_accepted, care_duties, disability, created_at, "
    "updated_at) VALUES (%s, 'primary', 'basic', 'none', 'none', '{prs}', '{}', true, 'any', false, false, now(), "
    "now())"
)


def test_a_change_made_while_a_profile_is_being_written_is_not_lost(committed):  # noqa: F811
    """One client writes a profile and keeps its transaction open; another corrects the person's date of birth
    meanwhile. The second waits for the first (the household's lock), then refreshes the row with both changes."""
    cursor = committed["cursor"]
    cursor.execute(HOUSEHOLD_INSERT, ("RACE-MATCH-1",))
    household = cursor.fetchone()[0]
    cursor.execute(
        "INSERT INTO households_person (household_id, relationship, name, sex, date_of_birth) "
        "VALUES (%s, 'head', 'Racer', 'm', date '1990-05-05') RETURNING id",
        (household,),
    )
    person = cursor.fetchone()[0]
    try:
        first, second, waited = race(
            (PROFILE_INSERT, (person,)),
            ("UPDATE households_person SET date_of_birth = date '1985-01-02' WHERE id = %s", (person,)),
            cursor,
        )
        assert (first, second, waited) == ("committed", "committed", True)
        cursor.execute("SELECT date_of_birth FROM livelihoods_matchprofile WHERE person_id = %s", (person,))
        assert cursor.fetchall() == [(datetime.date(1985, 1, 2),)]
    finally:
        cursor.execute("DELETE FROM livelihoods_skillsprofile WHERE person_id = %s", (person,))
        cursor.execute("DELETE FROM households_person WHERE id = %s", (person,))


# --- who may read it ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("group", ["landreg_gis_editor", "landreg_reader"])
def test_gis_logins_can_neither_read_nor_rebuild_the_table(raw, group):
    gis_login(raw, group)  # even a national login
    for statement in (
        "SELECT count(*) FROM livelihoods_matchprofile",
        "SELECT count(*) FROM livelihoods_matchprofile_source",
        "SELECT livelihood_match_profiles_rebuild()",
        "SELECT livelihood_match_profiles_refresh(ARRAY[1]::bigint[])",
        "UPDATE livelihoods_matchprofile SET plot_id = NULL",
    ):
        error = refused(raw, statement)
        assert isinstance(error, psycopg2.errors.InsufficientPrivilege), statement
