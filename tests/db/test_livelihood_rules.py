"""The livelihood rules through raw SQL, as QGIS or psql would write (livelihoods/sql/0002_livelihood_rules.sql and
the models' constraints): skills profiles for 15 and over, opportunities in their province with no more places
filled than offered, referrals only for the eligible and only by their steps, places never exceeded under concurrent
referrals, attendance for the enrolled within the days offered and final once paid, survey answers on their scale
and the round's scores derived from them."""

import datetime
import threading
import time
from decimal import Decimal

import psycopg2
import pytest

from livelihoods.survey import CURRENT_VERSION, questions, score
from tests.db.conftest import as_ewkt, connect, insert_plot, insert_township, refused

TODAY = datetime.date.today()


def rule_of(error) -> str | None:
    return getattr(getattr(error, "diag", None), "constraint_name", None)


class World:
    """Rows written through one raw connection: a province (with a boundary), people, a provider, opportunities."""

    def __init__(self, cursor, code="RAW"):
        self.c = cursor
        self.township, self.block = insert_township(cursor, code=code)
        cursor.execute("SELECT province_id FROM townships_township WHERE id = %s", (self.township,))
        self.province = cursor.fetchone()[0]
        cursor.execute(
            "UPDATE parcels_adminarea SET geom = ST_Multi(ST_GeomFromEWKT(%s)) WHERE id = %s",
            (as_ewkt(cursor, -20000, -20000, 20000, 20000), self.province),
        )
        cursor.execute(
            "INSERT INTO livelihoods_provider (name, kind, created_at) VALUES (%s, 'ngo', now()) "
            "ON CONFLICT (name) DO UPDATE SET kind = 'ngo' RETURNING id",
            (f"Raw provider {code}",),
        )
        self.provider = cursor.fetchone()[0]
        cursor.execute(
            "INSERT INTO livelihoods_matchingprogramme (code, name, weight_skills, weight_distance, "
            "weight_vulnerability, "
            "weight_workplace, walking_km, default_max_travel_km, active) VALUES ('default', 'Default', 40, 30, 20, "
            "10, "
            "2.5, 10, true) ON CONFLICT (code) DO UPDATE SET active = true RETURNING id"
        )
        self.programme = cursor.fetchone()[0]
        self.n = 0
        self.code = code

    def person(self, *, age=30, sex="m", profile=True, category="documented_returnee"):
        self.n += 1
        self.c.execute(
            "INSERT INTO households_household (code, province_id, size, category) VALUES (%s, %s, 4, %s) RETURNING id",
            (f"{self.code}-{self.n:04d}", self.province, category),
        )
        household = self.c.fetchone()[0]
        born = None if age is None else TODAY.replace(year=TODAY.year - age) - datetime.timedelta(days=20)
        self.c.execute(
            "INSERT INTO households_person (household_id, relationship, name, sex, date_of_birth) "
            "VALUES (%s, 'head', %s, %s, %s) RETURNING id",
            (household, f"Person {self.n}", sex, born),
        )
        person = self.c.fetchone()[0]
        if profile:
            self.profile(person)
        return person

    def profile(self, person):
        run = (lambda c, sql, params: c.execute(sql, params)) if self.c.connection.autocommit else refused
        return run(
            self.c,
            "INSERT INTO livelihoods_skillsprofile (person_id, education, literacy_dari, literacy_pashto, "
            "literacy_english, "
            "languages, certificates, can_work_outside_home, workplace_accepted, care_duties, disability) "
            "VALUES (%s, 'none', 'none', 'none', 'none', '{}', '{}', true, 'any', false, false)",
            (person,),
        )

    OPPORTUNITY = (
        "INSERT INTO livelihoods_opportunity (provider_id, programme_id, kind, title, isco_codes, sex, age_min, "
        "age_max, "
        "categories, province_id, township_id, vulnerability_priorities, vulnerable_only, workplace, point, area, "
        "places_offered, places_filled, start_on, end_on, daily_wage, days_offered) VALUES (%(provider)s, "
        "%(programme)s, "
        "%(kind)s, 'Raw opportunity', %(codes)s, %(sex)s, 15, 64, '{}', %(province)s, %(township)s, '{}', false, "
        "'mixed', "
        "ST_Centroid(ST_GeomFromEWKT(%(where)s)), NULL, %(offered)s, %(filled)s, %(start)s, %(end)s, %(wage)s, "
        "%(days)s) "
        "RETURNING id"
    )

    def opportunity_sql(self, **fields):
        params = {
            "provider": self.provider,
            "programme": self.programme,
            "kind": "cash_for_work",
            "codes": [],
            "sex": "any",
            "province": self.province,
            "township": None,
            "where": as_ewkt(self.c, 100, 100, 101, 101),
            "offered": 5,
            "filled": 0,
            "start": TODAY - datetime.timedelta(days=14),
            "end": TODAY + datetime.timedelta(days=60),
            "wage": 450,
            "days": 12,
        }
        params.update(fields)
        return self.OPPORTUNITY, params

    def opportunity(self, **fields):
        self.c.execute(*self.opportunity_sql(**fields))
        return self.c.fetchone()[0]

    def referral(self, opportunity, person):
        self.c.execute(
            "INSERT INTO livelihoods_referral (opportunity_id, person_id, status, match, created_at) "
            "VALUES (%s, %s, 'suggested', '{}', now()) RETURNING id",
            (opportunity, person),
        )
        return self.c.fetchone()[0]

    def step(self, referral, to_status, reason="", day=TODAY):
        if self.c.connection.autocommit:  # committed for real (the racing clients): no savepoint outside a transaction
            self.c.execute(
                "INSERT INTO livelihoods_referralstep (referral_id, to_status, day, reason, at) VALUES (%s, %s, %s, "
                "%s, now())",
                (referral, to_status, day, reason),
            )
            return None
        return refused(
            self.c,
            "INSERT INTO livelihoods_referralstep (referral_id, to_status, day, reason, at) VALUES (%s, %s, %s, %s, "
            "now())",
            (referral, to_status, day, reason),
        )


@pytest.fixture
def world(raw):
    return World(raw)


# --- skills profiles ---------------------------------------------------------------------------------------------


def test_a_profile_of_a_person_under_15_is_refused(world):
    child = world.person(age=14, profile=False)
    error = world.profile(child)
    assert rule_of(error) == "skills_profile_for_15_and_over" and "14 years old" in str(error)
    unknown = world.person(age=None, profile=False)
    assert rule_of(world.profile(unknown)) == "skills_profile_for_15_and_over"
    assert world.profile(world.person(age=15, profile=False)) is None


# --- opportunities -------------------------------------------------------------------------------------------------


def test_an_opportunity_with_more_places_filled_than_offered_is_refused(world, raw):
    sql, params = world.opportunity_sql(offered=2, filled=3)
    assert rule_of(refused(raw, sql, params)) == "opportunity_places_filled_is_counted"
    o = world.opportunity(offered=2)
    assert rule_of(refused(raw, "UPDATE livelihoods_opportunity SET places_filled = 1 WHERE id = %s", (o,))) == (
        "opportunity_places_filled_is_counted"
    )
    for person in (world.person(), world.person()):
        r = world.referral(o, person)
        assert world.step(r, "referred") is None and world.step(r, "accepted") is None
    error = refused(raw, "UPDATE livelihoods_opportunity SET places_offered = 1 WHERE id = %s", (o,))
    assert rule_of(error) == "opportunity_places_filled_within_offered"


def test_an_opportunity_ending_before_it_starts_is_refused(world, raw):
    sql, params = world.opportunity_sql(end=TODAY - datetime.timedelta(days=30))
    assert rule_of(refused(raw, sql, params)) == "opportunity_ends_after_it_starts"


def test_an_opportunity_outside_its_province_is_refused(world, raw):
    sql, params = world.opportunity_sql(where=as_ewkt(raw, 50000, 0, 50001, 1))
    error = refused(raw, sql, params)
    assert rule_of(error) == "opportunity_inside_its_province" and "outside province AF99" in str(error)
    raw.execute(
        "INSERT INTO parcels_adminarea (level, pcode, iso_code, name_en, name_prs, name_ps) "
        "VALUES ('province', 'AF98', '', 'Other', '', '') RETURNING id"
    )
    other = raw.fetchone()[0]
    sql, params = world.opportunity_sql(province=other, township=world.township)
    assert rule_of(refused(raw, sql, params)) == "opportunity_inside_its_province"


def test_an_opportunity_asking_for_unknown_skills_is_refused(world, raw):
    sql, params = world.opportunity_sql(codes=["7115", "9999"])
    error = refused(raw, sql, params)
    assert rule_of(error) == "opportunity_isco_codes_known" and "9999" in str(error)


def test_cash_for_work_without_a_wage_is_refused(world, raw):
    sql, params = world.opportunity_sql(wage=None)
    assert rule_of(refused(raw, sql, params)) == "cash_for_work_has_wage_and_days"


# --- referrals -----------------------------------------------------------------------------------------------------


def test_referring_someone_not_eligible_is_refused(world, raw):
    o = world.opportunity(sex="f")
    man = world.person(sex="m")
    error = refused(
        raw,
        "INSERT INTO livelihoods_referral (opportunity_id, person_id, status, match, created_at) "
        "VALUES (%s, %s, 'suggested', '{}', now())",
        (o, man),
    )
    assert rule_of(error) == "referral_meets_the_eligibility" and "women only" in str(error)
    no_profile = world.person(sex="f", profile=False)
    error = refused(
        raw,
        "INSERT INTO livelihoods_referral (opportunity_id, person_id, status, match, created_at) "
        "VALUES (%s, %s, 'suggested', '{}', now())",
        (o, no_profile),
    )
    assert rule_of(error) == "referral_meets_the_eligibility" and "no skills profile" in str(error)


def test_a_referral_changes_status_only_by_its_steps(world, raw):
    o = world.opportunity()
    person = world.person()
    error = refused(
        raw,
        "INSERT INTO livelihoods_referral (opportunity_id, person_id, status, match, created_at) "
        "VALUES (%s, %s, 'enrolled', '{}', now())",
        (o, person),
    )
    assert rule_of(error) == "referral_status_follows_its_steps"
    r = world.referral(o, person)
    assert rule_of(refused(raw, "UPDATE livelihoods_referral SET status = 'completed' WHERE id = %s", (r,))) == (
        "referral_status_follows_its_steps"
    )
    assert rule_of(world.step(r, "enrolled")) == "referral_steps_follow_the_states"
    assert rule_of(world.step(r, "refused")) == "referral_steps_follow_the_states"  # with no reason
    assert world.step(r, "referred") is None and world.step(r, "accepted") is None
    raw.execute(
        "SELECT r.status, o.places_filled FROM livelihoods_referral r JOIN livelihoods_opportunity o "
        "ON o.id = r.opportunity_id WHERE r.id = %s",
        (r,),
    )
    assert raw.fetchone() == ("accepted", 1)
    assert rule_of(refused(raw, "UPDATE livelihoods_referralstep SET reason = 'x' WHERE referral_id = %s", (r,))) == (
        "referral_steps_are_append_only"
    )
    assert rule_of(refused(raw, "DELETE FROM livelihoods_referralstep WHERE referral_id = %s", (r,))) == (
        "referral_steps_are_append_only"
    )
    assert (
        rule_of(refused(raw, "DELETE FROM livelihoods_referral WHERE id = %s", (r,)))
        == "referral_steps_are_append_only"
    )
    assert world.step(r, "dropped_out", reason="Found other work") is None
    raw.execute("SELECT places_filled FROM livelihoods_opportunity WHERE id = %s", (o,))
    assert raw.fetchone()[0] == 0


def test_no_place_is_taken_beyond_the_places_offered(world, raw):
    o = world.opportunity(offered=1)
    first, second = (world.referral(o, world.person()) for _ in range(2))
    for r in (first, second):
        assert world.step(r, "referred") is None
    assert world.step(first, "accepted") is None
    error = world.step(second, "accepted")
    assert rule_of(error) == "places_filled_never_exceed_places_offered" and "1 of its 1 places filled" in str(error)


ACCEPT = (
    "INSERT INTO livelihoods_referralstep (referral_id, to_status, day, reason, at) "
    "VALUES (%s, 'accepted', %s, '', now())"
)


@pytest.fixture
def racing(db, django_db_blocker):
    """An opportunity with one place and two people referred to it, committed for real so that two connections see
    them; removed afterwards."""
    with django_db_blocker.unblock():
        conn = connect()
    conn.autocommit = True
    cursor = conn.cursor()
    world = World(cursor, code="LVRACE")
    o = world.opportunity(offered=1)
    referrals = [world.referral(o, world.person()) for _ in range(2)]
    for r in referrals:
        assert world.step(r, "referred") is None
    yield {"opportunity": o, "referrals": referrals}
    guards = [
        ("livelihoods_referralstep", "referral_steps_are_append_only"),
        ("livelihoods_referral", "referral_status_follows_its_steps"),
    ]
    for table, guard in guards:
        cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {guard}")
    cursor.execute("DELETE FROM livelihoods_referralstep WHERE referral_id = ANY (%s)", (referrals,))
    cursor.execute("DELETE FROM livelihoods_referral WHERE id = ANY (%s)", (referrals,))
    for table, guard in guards:
        cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {guard}")
    cursor.execute("DELETE FROM livelihoods_opportunity WHERE id = %s", (o,))
    cursor.execute(
        "DELETE FROM livelihoods_skillsprofile WHERE person_id IN (SELECT p.id FROM households_person p "
        "JOIN households_household h ON h.id = p.household_id WHERE h.code LIKE 'LVRACE-%%')"
    )
    cursor.execute(
        "DELETE FROM households_person WHERE household_id IN (SELECT id FROM households_household "
        "WHERE code LIKE 'LVRACE-%%')"
    )
    cursor.execute("DELETE FROM households_household WHERE code LIKE 'LVRACE-%%'")
    cursor.execute("DELETE FROM townships_block WHERE township_id = %s", (world.township,))
    cursor.execute("DELETE FROM townships_township WHERE id = %s", (world.township,))
    cursor.execute("DELETE FROM parcels_adminarea WHERE pcode = 'AF99'")
    conn.close()


def test_two_clients_accepting_at_once_cannot_both_take_the_last_place(racing, django_db_blocker):
    """Client A takes the last place and holds its transaction open; client B, accepting another referral at the
    same moment, waits on the opportunity's row lock, then finds the place gone when A commits."""
    with django_db_blocker.unblock():
        a, b = connect(), connect()
    outcome = {}
    first, second = racing["referrals"]
    step = ACCEPT
    try:
        ca, cb = a.cursor(), b.cursor()
        ca.execute(step, (first, TODAY))  # A holds the opportunity's row lock, uncommitted
        cb.execute("SELECT pg_backend_pid()")
        b_pid = cb.fetchone()[0]

        def client_b():
            try:
                cb.execute(step, (second, TODAY))
                b.commit()
                outcome["b"] = "accepted"
            except psycopg2.Error as exc:
                b.rollback()
                outcome["b"] = rule_of(exc)

        thread = threading.Thread(target=client_b)
        thread.start()
        for _ in range(200):  # until B waits on A's lock
            ca.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", (b_pid,))
            if ca.fetchone()[0] == "Lock":
                break
            time.sleep(0.02)
        else:
            pytest.fail("client B never waited for client A's lock")
        a.commit()
        thread.join(10)
        assert outcome["b"] == "places_filled_never_exceed_places_offered"
        ca.execute(
            "SELECT places_offered, places_filled FROM livelihoods_opportunity WHERE id = %s", (racing["opportunity"],)
        )
        assert ca.fetchone() == (1, 1)
        ca.execute("SELECT status FROM livelihoods_referral WHERE id = ANY (%s) ORDER BY id", ([first, second],))
        assert [row[0] for row in ca.fetchall()] == ["accepted", "referred"]
        a.commit()
    finally:
        a.close()
        b.close()


def test_many_clients_at_once_fill_exactly_the_places_offered(racing, django_db_blocker):
    """Eight clients accept the two referrals of a one-place opportunity at the same moment, each on its own
    connection, several times over: the place is filled once."""
    first, second = racing["referrals"]
    results = []
    barrier = threading.Barrier(2)
    step = ACCEPT

    def client(referral):
        with django_db_blocker.unblock():
            conn = connect()
        try:
            barrier.wait(5)
            with conn.cursor() as cursor:
                cursor.execute(step, (referral, TODAY))
            conn.commit()
            results.append("accepted")
        except psycopg2.Error as exc:
            conn.rollback()
            results.append(rule_of(exc))
        finally:
            conn.close()

    threads = [threading.Thread(target=client, args=(r,)) for r in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert sorted(results) == ["accepted", "places_filled_never_exceed_places_offered"]


# --- attendance ----------------------------------------------------------------------------------------------------


def _saturday_on_or_before(day):
    return day - datetime.timedelta(days=(day.weekday() - 5) % 7)


ATTENDANCE = (
    "INSERT INTO livelihoods_attendanceweek (referral_id, week_start, days_worked, amount_due, payment_reference, "
    "recorded_at) VALUES (%s, %s, %s, 0, '', now()) RETURNING id"
)


def test_attendance_is_kept_for_the_enrolled_within_the_days_offered_and_paid_weeks_are_final(world, raw):
    o = world.opportunity(days=8, wage=450)
    r = world.referral(o, world.person())
    week = _saturday_on_or_before(TODAY)
    assert world.step(r, "referred") is None
    assert rule_of(refused(raw, ATTENDANCE, (r, week, 3))) == "attendance_for_enrolled_cash_for_work"
    assert world.step(r, "accepted") is None and world.step(r, "enrolled") is None
    assert (
        rule_of(refused(raw, ATTENDANCE, (r, week + datetime.timedelta(days=1), 3)))
        == "attendance_week_starts_on_saturday"
    )
    assert rule_of(refused(raw, ATTENDANCE, (r, week, 7))) == "attendance_days_within_the_week"
    raw.execute(ATTENDANCE, (r, week, 5))
    first = raw.fetchone()[0]
    raw.execute("SELECT amount_due FROM livelihoods_attendanceweek WHERE id = %s", (first,))
    assert raw.fetchone()[0] == Decimal("2250.00")  # 5 days × 450, whatever the client typed
    error = refused(raw, ATTENDANCE, (r, week - datetime.timedelta(days=7), 4))
    assert rule_of(error) == "attendance_within_days_offered"
    raw.execute(
        "UPDATE livelihoods_attendanceweek SET paid_on = %s, payment_reference = 'HAWALA-1' WHERE id = %s",
        (TODAY, first),
    )
    assert rule_of(refused(raw, "UPDATE livelihoods_attendanceweek SET days_worked = 6 WHERE id = %s", (first,))) == (
        "paid_attendance_is_final"
    )
    assert rule_of(refused(raw, "UPDATE livelihoods_attendanceweek SET paid_on = NULL WHERE id = %s", (first,))) == (
        "paid_attendance_is_final"
    )
    assert (
        rule_of(refused(raw, "DELETE FROM livelihoods_attendanceweek WHERE id = %s", (first,)))
        == "paid_attendance_is_final"
    )


def test_attendance_is_refused_for_training(world, raw):
    o = world.opportunity(kind="tvet", wage=None, days=None)
    r = world.referral(o, world.person())
    for status in ("referred", "accepted", "enrolled"):
        assert world.step(r, status) is None
    error = refused(raw, ATTENDANCE, (r, _saturday_on_or_before(TODAY), 3))
    assert rule_of(error) == "attendance_for_enrolled_cash_for_work" and "not cash for work" in str(error)


# --- the reintegration survey --------------------------------------------------------------------------------------


@pytest.fixture
def survey_round(world, raw):
    """A household's allocation handed over 30 days ago (raw rows: the workflow log is judged at commit, which these
    tests never reach) and a round of its survey."""
    plot_error = insert_plot(raw, world.township, world.block, "S1", 0, 0, 20, 25)
    assert plot_error is None
    raw.execute("SELECT id FROM townships_plot WHERE township_id = %s AND number = 'S1'", (world.township,))
    plot = raw.fetchone()[0]
    person = world.person()
    raw.execute("SELECT household_id FROM households_person WHERE id = %s", (person,))
    household = raw.fetchone()[0]
    raw.execute(
        "INSERT INTO allocations_allocation (household_id, plot_id, method, status, start_date) "
        "VALUES (%s, %s, 'committee', 'proposed', %s) RETURNING id",
        (household, plot, TODAY - datetime.timedelta(days=30)),
    )
    allocation = raw.fetchone()[0]
    raw.execute(
        "INSERT INTO livelihoods_surveyround (household_id, allocation_id, round, scoring_version, conducted_on, "
        "source, "
        "client_uuid, received_at, score_composite) VALUES (%s, %s, 'baseline', %s, %s, 'psql', gen_random_uuid(), "
        "now(), 99) "
        "RETURNING id",
        (household, allocation, CURRENT_VERSION, TODAY),
    )
    return {"round": raw.fetchone()[0], "household": household, "allocation": allocation}


def _question(raw, code):
    raw.execute("SELECT id FROM livelihoods_surveyquestion WHERE version = %s AND code = %s", (CURRENT_VERSION, code))
    return raw.fetchone()[0]


ANSWER = "INSERT INTO livelihoods_surveyanswer (survey_round_id, question_id, value) VALUES (%s, %s, %s)"


def test_a_survey_answer_outside_its_scale_is_refused(raw, survey_round):
    error = refused(raw, ANSWER, (survey_round["round"], _question(raw, "safety"), 7))
    assert rule_of(error) == "survey_answer_within_its_scale" and "runs from 0 to 2" in str(error)
    error = refused(raw, ANSWER, (survey_round["round"], _question(raw, "meals_per_day"), 0))
    assert rule_of(error) == "survey_answer_within_its_scale"


def test_the_scores_are_derived_from_the_answers_as_the_scoring_table_says(raw, survey_round):
    answers = {q["code"]: q["max"] if i % 3 else q["min"] for i, q in enumerate(questions())}
    raw.execute("SELECT score_composite FROM livelihoods_surveyround WHERE id = %s", (survey_round["round"],))
    assert raw.fetchone()[0] is None  # the 99 typed is not kept
    for code, value in answers.items():
        raw.execute(ANSWER, (survey_round["round"], _question(raw, code), value))
    raw.execute(
        "SELECT score_economic, score_social, score_psychosocial, score_composite FROM livelihoods_surveyround "
        "WHERE id = %s",
        (survey_round["round"],),
    )
    expected = score(answers)
    assert raw.fetchone() == (expected["economic"], expected["social"], expected["psychosocial"], expected["composite"])
    raw.execute("UPDATE livelihoods_surveyround SET score_composite = 100 WHERE id = %s", (survey_round["round"],))
    raw.execute("SELECT score_composite FROM livelihoods_surveyround WHERE id = %s", (survey_round["round"],))
    assert raw.fetchone()[0] == expected["composite"]
    error = refused(
        raw, "UPDATE livelihoods_surveyanswer SET value = 0 WHERE survey_round_id = %s", (survey_round["round"],)
    )
    assert rule_of(error) == "survey_answers_are_append_only"


def test_a_round_counts_from_its_own_households_handover(raw, survey_round, world):
    other = world.person()
    raw.execute("SELECT household_id FROM households_person WHERE id = %s", (other,))
    other_household = raw.fetchone()[0]
    base = (
        "INSERT INTO livelihoods_surveyround (household_id, allocation_id, round, scoring_version, conducted_on, "
        "source, "
        "client_uuid, received_at) VALUES (%s, %s, %s, %s, %s, 'psql', gen_random_uuid(), now())"
    )
    error = refused(raw, base, (other_household, survey_round["allocation"], "m3", CURRENT_VERSION, TODAY))
    assert rule_of(error) == "survey_round_follows_its_handover"
    error = refused(
        raw,
        base,
        (
            survey_round["household"],
            survey_round["allocation"],
            "m3",
            CURRENT_VERSION,
            TODAY - datetime.timedelta(days=60),
        ),
    )
    assert rule_of(error) == "survey_round_follows_its_handover" and "before the handover" in str(error)
    error = refused(
        raw, base, (survey_round["household"], survey_round["allocation"], "baseline", CURRENT_VERSION, TODAY)
    )
    assert rule_of(error) == "one_survey_round_per_allocation"
