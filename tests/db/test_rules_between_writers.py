"""Five rules that read other rows, between two writers (found by an audit; each bypass was reproduced with two
connections). Each rule now locks the row the two writers share before it reads, so at READ COMMITTED the second
writer waits for the first and is then refused with the rule's name; REPEATABLE READ, whose snapshot cannot see the
other writer, is refused with landreg_refuse_repeatable_read (landreg/sql/0013_refuse_repeatable_read.sql):

- family_arrival_has_members: two clients each removing one of a family's three members
  (movements/sql/0004_family_members_between_writers.sql);
- attendance_within_days_offered: two weeks of one referral recorded at once beyond the days offered
  (livelihoods/sql/0007_attendance_between_writers.sql);
- drawn_ballot_is_immutable: an entry added or deleted while the ballot is being drawn
  (allocations/sql/0016_ballot_between_writers.sql);
- shelter_stages_pass_in_order: the last stage passed while the project is being cancelled
  (shelters/sql/0009_inspection_between_writers.sql);
- plot_not_allocated_while_disputed: a proposal approved while a land dispute of its plot is being opened
  (grievances/sql/0005_disputes_between_writers.sql);
- grievance_resolved_with_a_decision: a grievance resolved at REPEATABLE READ after a dispute was recorded meanwhile
  (grievances/sql/0006_resolve_between_writers.sql).

The rows are committed for real so that both connections see them, and removed afterwards (the append-only guards
disabled for the clean-up only, in its own transaction); every table but the history (*event) tables is checked to
be left as it was."""

import datetime

import psycopg2
import pytest

from tests.db.conftest import as_ewkt, connect
from tests.db.test_concurrency import ALLOCATION_PROPOSE, HOUSEHOLD_INSERT, race
from tests.db.test_workflow_rules_sql import make_user

TODAY = datetime.date.today()
REPEATABLE_READ_SENTENCE = "REPEATABLE READ transaction cannot see"


# --- shared helpers ------------------------------------------------------------------------------------------------


def one(cursor, sql, params=()):
    cursor.execute(sql, params)
    return cursor.fetchone()[0]


def assert_refused(outcome, rule, *, saying):
    """The database refused with the rule's name and the given words in its sentence."""
    assert isinstance(outcome, psycopg2.errors.CheckViolation), outcome
    assert outcome.diag.constraint_name == rule, outcome
    assert saying in outcome.diag.message_primary, outcome.diag.message_primary


def assert_raced(first, second, waited, rule, *, saying):
    """The first writer committed; the second waited for it, then was refused by the rule judged afresh (not by the
    REPEATABLE READ refusal: both writers run at READ COMMITTED)."""
    assert first == "committed"
    assert waited, f"the second writer did not wait for the first (it ended with: {second})"
    assert_refused(second, rule, saying=saying)
    assert REPEATABLE_READ_SENTENCE not in second.diag.message_primary


def in_own_transaction(*statements):
    """Statements of another client, committed before returning."""
    conn = connect()
    try:
        with conn.cursor() as cursor:
            for sql, params in statements:
                cursor.execute(sql, params)
        conn.commit()
    finally:
        conn.close()


def at_repeatable_read(*statements, meanwhile=()):
    """Statements in one REPEATABLE READ transaction, then COMMIT: "committed" or the database's error. The snapshot
    is taken first; the `meanwhile` statements are committed by another client after it, before the writes."""
    conn = connect()
    try:
        with conn.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cursor.execute("SELECT 1")  # the snapshot
            if meanwhile:
                in_own_transaction(*meanwhile)  # outside the try below: its errors are the test's own
            try:
                for sql, params in statements:
                    cursor.execute(sql, params)
                conn.commit()
            except psycopg2.Error as exc:
                conn.rollback()
                return exc
        return "committed"
    finally:
        conn.close()


def clean_up(cursor, guards, statements):
    """Delete what a test committed, in one transaction, with the append-only guards disabled only inside it (a
    failure rolls the disabling back too)."""
    conn = cursor.connection
    if conn.info.transaction_status != psycopg2.extensions.TRANSACTION_STATUS_IDLE:
        cursor.execute("ROLLBACK")  # a set-up that failed inside its own BEGIN
    conn.autocommit = False
    try:
        for table, guard in guards:
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {guard}")
        for sql, params in statements:
            cursor.execute(sql, params)
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the deferred checks now: none left pending to ALTER TABLE
        for table, guard in guards:
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {guard}")
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    finally:
        conn.autocommit = True


COUNT_EVERY_TABLE = """
SELECT string_agg(format('SELECT %L, count(*) FROM %I', c.relname, c.relname), ' UNION ALL ' ORDER BY c.relname)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relname NOT LIKE '%event'
"""


def row_counts(cursor):
    cursor.execute(COUNT_EVERY_TABLE)  # no parameters: the % signs are the query's own
    cursor.execute(cursor.fetchone()[0])
    return dict(cursor.fetchall())


@pytest.fixture
def unchanged_tables(db, django_db_blocker):
    """Every table (but the history, which records the clean-up too) holds as many rows afterwards as before."""
    with django_db_blocker.unblock():
        conn = connect()
    conn.autocommit = True
    try:
        before = row_counts(conn.cursor())
        yield
        after = row_counts(conn.cursor())
        changed = {t: (before.get(t), n) for t, n in after.items() if before.get(t) != n}
        assert changed == {}, f"tables left changed (before, after): {changed}"
    finally:
        conn.close()


@pytest.fixture
def approver(unchanged_tables, db, django_db_blocker):
    """A national committee member, committed; set up before `committed`, so removed after its allocations."""
    with django_db_blocker.unblock():
        conn = connect()
    conn.autocommit = True
    cursor = conn.cursor()
    user = make_user(cursor, "race.checker")
    yield user
    clean_up(
        cursor,
        [],
        [
            ("DELETE FROM landreg_userscope WHERE user_id = %s", (user,)),
            ("DELETE FROM auth_user_groups WHERE user_id = %s", (user,)),
            ("DELETE FROM auth_user WHERE id = %s", (user,)),
        ],
    )
    conn.close()


def insert_plot(cursor, committed, number, x0):
    return one(
        cursor,
        "INSERT INTO townships_plot (township_id, block_id, number, geom, use, status, created_at, updated_at) "
        "VALUES (%s, %s, %s, ST_GeomFromEWKT(%s), 'residential', 'available', now(), now()) RETURNING id",
        (committed["township"], committed["block"], number, as_ewkt(cursor, x0, 0, x0 + 20, 25)),
    )


# --- family_arrival_has_members --------------------------------------------------------------------------------------

MEMBER_DELETE = "DELETE FROM movements_arrivalmember WHERE id = %s"
FAMILY_RULE_AT_ONCE = "SET CONSTRAINTS family_arrival_has_members IMMEDIATE"


@pytest.fixture
def family(unchanged_tables, committed):
    """A family arrival with three members (a head and two children), committed."""
    cursor = committed["cursor"]
    province = one(cursor, "SELECT province_id FROM townships_township WHERE id = %s", (committed["township"],))
    point = one(
        cursor,
        "INSERT INTO parcels_crossingpoint (code, name_en, name_prs, name_ps, province_id, neighbouring_country, "
        "kind, main, official, active, geom, source, precision_km) VALUES ('race_point', 'Race point', '', '', %s, "
        "'PK', 'road', true, true, true, ST_SetSRID(ST_MakePoint(71.09, 34.10), 4326), 'test', 2) RETURNING id",
        (province,),
    )
    arrival, members = None, []
    try:
        cursor.execute("BEGIN")  # the arrival and its members together: the family rule is judged at commit
        arrival = one(
            cursor,
            "INSERT INTO movements_arrival (client_uuid, crossing_point_id, crossed_at, direction, category, "
            "country_of_asylum, documents_held, travelling, vulnerabilities, assistance, destination_province_id, "
            "destination_district_id) VALUES (gen_random_uuid(), %s, now(), 'in', 'deported', 'PK', '{none}', "
            "'family', '{}', '{}', %s, NULL) RETURNING id",
            (point, province),
        )
        for relationship in ("head", "child", "child"):
            members.append(
                one(
                    cursor,
                    "INSERT INTO movements_arrivalmember (arrival_id, relationship, sex, age_band) "
                    "VALUES (%s, %s, 'm', '18_59') RETURNING id",
                    (arrival, relationship),
                )
            )
        cursor.execute("COMMIT")
        yield {"cursor": cursor, "arrival": arrival, "members": members}
    finally:
        clean_up(
            cursor,
            [],
            [
                ("DELETE FROM movements_arrivalmember WHERE arrival_id = %s", (arrival,)),
                ("DELETE FROM movements_arrival WHERE id = %s", (arrival,)),
                ("DELETE FROM parcels_crossingpoint WHERE id = %s", (point,)),
                ("SELECT movements_figures_refresh()", ()),  # the totals without these arrivals; nothing pending
            ],
        )


def members_left(cursor, arrival):
    cursor.execute("SELECT id FROM movements_arrivalmember WHERE arrival_id = %s ORDER BY id", (arrival,))
    return [row[0] for row in cursor.fetchall()]


@pytest.mark.parametrize("judged", ["at SET CONSTRAINTS IMMEDIATE", "at COMMIT"])
def test_two_clients_each_removing_a_member_cannot_leave_a_family_of_one(family, judged):
    """Each client removes one of the three members. The first asks for the rule at once (as the service does) and
    keeps its transaction open; the second's check, whether asked for at once or run at COMMIT, waits on the
    arrival's lock and then counts one member. Before the fix both committed: a family of one."""
    cursor, arrival, (head, child1, child2) = family["cursor"], family["arrival"], family["members"]
    at_once = f"; {FAMILY_RULE_AT_ONCE}" if judged == "at SET CONSTRAINTS IMMEDIATE" else ""
    first, second, waited = race(
        (f"{MEMBER_DELETE}; {FAMILY_RULE_AT_ONCE}", (child1,)), (MEMBER_DELETE + at_once, (child2,)), cursor
    )
    assert_raced(first, second, waited, "family_arrival_has_members", saying="travels as a family with 1 member(s)")
    assert members_left(cursor, arrival) == [head, child2]  # the first's removal only
    assert one(cursor, "SELECT movements_arrival_members_problem(%s)", (arrival,)) is None


@pytest.mark.parametrize("judged", ["at SET CONSTRAINTS IMMEDIATE", "at COMMIT"])
def test_a_member_is_not_removed_at_repeatable_read(family, judged):
    cursor, arrival, members = family["cursor"], family["arrival"], family["members"]
    statements = [(MEMBER_DELETE, (members[2],))]
    if judged == "at SET CONSTRAINTS IMMEDIATE":
        statements.append((FAMILY_RULE_AT_ONCE, ()))
    outcome = at_repeatable_read(*statements)
    assert_refused(outcome, "family_arrival_has_members", saying=REPEATABLE_READ_SENTENCE)
    assert members_left(cursor, arrival) == members
    in_own_transaction(*statements)  # the same removal at READ COMMITTED: a family of two is fine
    assert members_left(cursor, arrival) == members[:2]


# --- attendance_within_days_offered --------------------------------------------------------------------------------

SATURDAY = TODAY - datetime.timedelta(days=(TODAY.weekday() - 5) % 7)
WEEK_INSERT = (
    "INSERT INTO livelihoods_attendanceweek (referral_id, week_start, days_worked, amount_due, payment_reference, "
    "recorded_at) VALUES (%s, %s, %s, 0, '', now())"
)


@pytest.fixture
def enrolled(unchanged_tables, committed):
    """A person enrolled in a cash-for-work opportunity that offers 8 days, committed; its referral."""
    cursor = committed["cursor"]
    province = one(cursor, "SELECT province_id FROM townships_township WHERE id = %s", (committed["township"],))
    cursor.execute(
        "UPDATE parcels_adminarea SET geom = ST_Multi(ST_GeomFromEWKT(%s)) WHERE id = %s",
        (as_ewkt(cursor, -20000, -20000, 20000, 20000), province),
    )
    provider = one(
        cursor,
        "INSERT INTO livelihoods_provider (name, kind, created_at) VALUES ('Race provider', 'ngo', now()) RETURNING id",
    )
    household = one(cursor, HOUSEHOLD_INSERT, ("RACE-CFW",))
    person, opportunity, referral = None, None, None
    try:
        person = one(
            cursor,
            "INSERT INTO households_person (household_id, relationship, name, sex, date_of_birth) "
            "VALUES (%s, 'head', 'Race worker', 'm', %s) RETURNING id",
            (household, TODAY.replace(year=TODAY.year - 30) - datetime.timedelta(days=20)),
        )
        cursor.execute(
            "INSERT INTO livelihoods_skillsprofile (person_id, education, literacy_dari, literacy_pashto, "
            "literacy_english, languages, certificates, can_work_outside_home, workplace_accepted, care_duties, "
            "disability) VALUES (%s, 'none', 'none', 'none', 'none', '{}', '{}', true, 'any', false, false)",
            (person,),
        )
        opportunity = one(
            cursor,
            "INSERT INTO livelihoods_opportunity (provider_id, programme_id, kind, title, isco_codes, sex, age_min, "
            "age_max, categories, province_id, township_id, vulnerability_priorities, vulnerable_only, workplace, "
            "point, area, places_offered, places_filled, start_on, end_on, daily_wage, days_offered) VALUES (%s, "
            "(SELECT id FROM livelihoods_matchingprogramme WHERE code = 'default'), 'cash_for_work', 'Race work', "
            "'{}', 'any', 15, 64, '{}', %s, NULL, '{}', false, 'mixed', ST_Centroid(ST_GeomFromEWKT(%s)), NULL, 5, "
            "0, %s, %s, 450, 8) RETURNING id",
            (
                provider,
                province,
                as_ewkt(cursor, 100, 100, 101, 101),
                TODAY - datetime.timedelta(days=28),
                TODAY + datetime.timedelta(days=60),
            ),
        )
        referral = one(
            cursor,
            "INSERT INTO livelihoods_referral (opportunity_id, person_id, status, match, created_at) "
            "VALUES (%s, %s, 'suggested', '{}', now()) RETURNING id",
            (opportunity, person),
        )
        for status in ("referred", "accepted", "enrolled"):
            cursor.execute(
                "INSERT INTO livelihoods_referralstep (referral_id, to_status, day, reason, at) "
                "VALUES (%s, %s, %s, '', now())",
                (referral, status, TODAY),
            )
        yield {"cursor": cursor, "referral": referral}
    finally:
        clean_up(
            cursor,
            [
                ("livelihoods_referralstep", "referral_steps_are_append_only"),
                ("livelihoods_referral", "referral_status_follows_its_steps"),
            ],
            [
                ("DELETE FROM livelihoods_attendanceweek WHERE referral_id = %s", (referral,)),
                ("DELETE FROM livelihoods_referralstep WHERE referral_id = %s", (referral,)),
                ("DELETE FROM livelihoods_referral WHERE id = %s", (referral,)),
                ("DELETE FROM livelihoods_opportunity WHERE id = %s", (opportunity,)),
                ("DELETE FROM livelihoods_provider WHERE id = %s", (provider,)),
                ("DELETE FROM livelihoods_skillsprofile WHERE person_id = %s", (person,)),
                ("DELETE FROM households_person WHERE id = %s", (person,)),
            ],
        )


def weeks_recorded(cursor, referral):
    cursor.execute(
        "SELECT week_start, days_worked FROM livelihoods_attendanceweek WHERE referral_id = %s ORDER BY week_start",
        (referral,),
    )
    return cursor.fetchall()


def test_two_weeks_recorded_at_once_cannot_exceed_the_days_offered(enrolled):
    """Two clients record a different week of 5 days each, against 8 days offered. The second waits on the referral's
    lock, then adds up the first's week too. Before the fix both committed: 10 days of 8."""
    cursor, referral = enrolled["cursor"], enrolled["referral"]
    last_week = SATURDAY - datetime.timedelta(days=7)
    first, second, waited = race(
        (WEEK_INSERT, (referral, last_week, 5)), (WEEK_INSERT, (referral, SATURDAY, 5)), cursor
    )
    assert_raced(
        first,
        second,
        waited,
        "attendance_within_days_offered",
        saying="5 days already recorded and 5 more exceed the 8 days offered",
    )
    assert weeks_recorded(cursor, referral) == [(last_week, 5)]


def test_attendance_is_not_recorded_at_repeatable_read(enrolled):
    cursor, referral = enrolled["cursor"], enrolled["referral"]
    outcome = at_repeatable_read((WEEK_INSERT, (referral, SATURDAY, 3)))
    assert_refused(outcome, "attendance_within_days_offered", saying=REPEATABLE_READ_SENTENCE)
    assert weeks_recorded(cursor, referral) == []
    in_own_transaction((WEEK_INSERT, (referral, SATURDAY, 3)))  # the same week at READ COMMITTED is recorded
    assert weeks_recorded(cursor, referral) == [(SATURDAY, 3)]


# --- drawn_ballot_is_immutable -------------------------------------------------------------------------------------

ENTRY_INSERT = (
    "INSERT INTO allocations_ballotentry (ballot_id, household_id, rank, priority_score, entitled_biswa) "
    "VALUES (%s, %s, %s, 0, 4)"
)


@pytest.fixture
def ballot(unchanged_tables, committed):
    """A ballot whose list of two households is approved, not yet drawn, and a third household; committed."""
    cursor = committed["cursor"]
    households = [one(cursor, HOUSEHOLD_INSERT, (f"RACE-BALLOT-{n}",)) for n in (1, 2, 3)]
    ballot = one(
        cursor,
        "INSERT INTO allocations_ballot (township_id, reference, status, seed, witnesses) "
        "VALUES (%s, 'RACE-BALLOT', 'list_approved', 'abc', '[\"w1\", \"w2\"]') RETURNING id",
        (committed["township"],),
    )
    try:
        entries = [
            one(cursor, ENTRY_INSERT + " RETURNING id", (ballot, household, rank))
            for rank, household in enumerate(households[:2], start=1)
        ]
        yield {"cursor": cursor, "ballot": ballot, "entries": entries, "households": households}
    finally:
        clean_up(
            cursor,
            [
                ("allocations_ballotresult", "drawn_ballot_results_are_immutable"),
                ("allocations_ballotentry", "drawn_ballot_entries_are_immutable"),
                ("allocations_ballot", "drawn_ballot_is_immutable"),
            ],
            [
                ("DELETE FROM allocations_ballotresult WHERE ballot_id = %s", (ballot,)),
                ("DELETE FROM allocations_ballotentry WHERE ballot_id = %s", (ballot,)),
                ("DELETE FROM allocations_ballot WHERE id = %s", (ballot,)),
            ],
        )


def the_draw(ballot, households):
    """The draw as allocations/ballots.py makes it: the ballot locked, the results written, the ballot drawn."""
    return (
        "SELECT id FROM allocations_ballot WHERE id = %(ballot)s FOR UPDATE; "
        "INSERT INTO allocations_ballotresult (ballot_id, draw_order, household_id) "
        "VALUES (%(ballot)s, 1, %(h1)s), (%(ballot)s, 2, %(h2)s); "
        "UPDATE allocations_ballot SET status = 'drawn', drawn_at = now() WHERE id = %(ballot)s",
        {"ballot": ballot, "h1": households[0], "h2": households[1]},
    )


def ballot_as_stored(cursor, ballot):
    cursor.execute(
        "SELECT b.status, "
        "(SELECT array_agg(household_id ORDER BY rank) FROM allocations_ballotentry WHERE ballot_id = b.id), "
        "(SELECT array_agg(household_id ORDER BY draw_order) FROM allocations_ballotresult WHERE ballot_id = b.id) "
        "FROM allocations_ballot b WHERE b.id = %s",
        (ballot,),
    )
    return cursor.fetchone()


@pytest.mark.parametrize("change", ["an entry added", "an entry deleted"])
def test_the_list_cannot_change_while_the_ballot_is_drawn(ballot, change):
    """The draw holds the ballot, has written its results and marked it drawn, and has not committed; another client
    adds or deletes an entry. It waits for the draw, then finds the ballot drawn. Before the fix the change committed
    beside a result drawn without it."""
    cursor, households = ballot["cursor"], ballot["households"]
    if change == "an entry added":
        other = (ENTRY_INSERT, (ballot["ballot"], households[2], 3))
    else:
        other = ("DELETE FROM allocations_ballotentry WHERE id = %s", (ballot["entries"][1],))
    first, second, waited = race(the_draw(ballot["ballot"], households), other, cursor)
    assert_raced(
        first, second, waited, "drawn_ballot_is_immutable", saying="was drawn; its list of households cannot change"
    )
    drawn = households[:2]
    assert ballot_as_stored(cursor, ballot["ballot"]) == ("drawn", drawn, drawn)


def test_an_entry_is_not_deleted_at_repeatable_read_after_the_draw(ballot):
    """The snapshot is taken before the draw commits; the entry is deleted after. Before the fix the snapshot still
    saw the ballot undrawn and the deletion committed."""
    cursor, households = ballot["cursor"], ballot["households"]
    outcome = at_repeatable_read(
        ("DELETE FROM allocations_ballotentry WHERE id = %s", (ballot["entries"][1],)),
        meanwhile=[the_draw(ballot["ballot"], households)],
    )
    assert_refused(outcome, "drawn_ballot_is_immutable", saying=REPEATABLE_READ_SENTENCE)
    drawn = households[:2]
    assert ballot_as_stored(cursor, ballot["ballot"]) == ("drawn", drawn, drawn)


# --- shelter_stages_pass_in_order ----------------------------------------------------------------------------------

INSPECTION_INSERT = (
    "INSERT INTO shelters_inspection (project_id, stage_id, inspected_on, point, result, client_uuid) "
    "VALUES (%s, %s, current_date, ST_Centroid(ST_GeomFromEWKT(%s)), 'pass', gen_random_uuid())"
)


@pytest.fixture
def shelter(approver, committed):
    """A plot approved to a household, a two-stage programme, a shelter project whose first stage passed; committed."""
    cursor = committed["cursor"]
    plot = insert_plot(cursor, committed, "S1", 0)
    household = one(cursor, HOUSEHOLD_INSERT, ("RACE-SHELTER",))
    cursor.execute("BEGIN")  # the approved allocation with its first step, as the workflow log requires
    allocation = one(
        cursor,
        "INSERT INTO allocations_allocation (household_id, plot_id, method, status, proposed_at, decision_reference, "
        "revocation_reason, notes, is_demo, updated_at, approved_by_id, approved_at) VALUES (%s, %s, 'committee', "
        "'approved', now(), 'CMT-1', '', '', false, now(), %s, now()) RETURNING id",
        (household, plot, approver),
    )
    cursor.execute(
        "INSERT INTO allocations_allocationtransition (allocation_id, from_status, to_status, at, reason, reference) "
        "VALUES (%s, '', 'approved', now(), 'Approved in SQL.', 'CMT-1')",
        (allocation,),
    )
    cursor.execute("COMMIT")
    programme = one(
        cursor, "INSERT INTO shelters_programme (code, name) VALUES ('race', 'Race programme') RETURNING id"
    )
    project = None
    try:
        stages = [
            one(
                cursor,
                "INSERT INTO shelters_stage (programme_id, position, code, name) VALUES (%s, %s, %s, %s) RETURNING id",
                (programme, position, code, code),
            )
            for position, code in ((1, "foundation"), (2, "roof"))
        ]
        project = one(
            cursor,
            "INSERT INTO shelters_shelterproject (plot_id, household_id, allocation_id, programme_id, "
            "implementing_partner, modality) VALUES (%s, %s, %s, %s, 'NGO', 'conditional_cash') RETURNING id",
            (plot, household, allocation, programme),
        )
        on_plot = as_ewkt(cursor, 10, 10, 10.2, 10.2)
        cursor.execute(INSPECTION_INSERT, (project, stages[0], on_plot))
        yield {"cursor": cursor, "project": project, "stages": stages, "on_plot": on_plot}
    finally:
        clean_up(
            cursor,
            [("shelters_inspection", "inspections_are_append_only")],
            [
                ("DELETE FROM shelters_inspection WHERE project_id = %s", (project,)),
                ("DELETE FROM shelters_shelterproject WHERE id = %s", (project,)),
                ("DELETE FROM shelters_stage WHERE programme_id = %s", (programme,)),
                ("DELETE FROM shelters_programme WHERE id = %s", (programme,)),
            ],
        )


def test_the_last_stage_cannot_pass_while_the_project_is_cancelled(shelter):
    """The project is cancelled in a transaction not yet committed; another client records a passed inspection of the
    last stage. The inspection waits for the project's lock, then finds it cancelled. Before the fix both committed
    and the cancelled project ended 'completed'."""
    cursor, project, stages = shelter["cursor"], shelter["project"], shelter["stages"]
    cancel = ("UPDATE shelters_shelterproject SET status = 'cancelled' WHERE id = %s", (project,))
    first, second, waited = race(cancel, (INSPECTION_INSERT, (project, stages[1], shelter["on_plot"])), cursor)
    assert_raced(
        first, second, waited, "shelter_stages_pass_in_order", saying=f"shelter project {project} is cancelled"
    )
    cursor.execute("SELECT status, stage_reached_id FROM shelters_shelterproject WHERE id = %s", (project,))
    assert cursor.fetchone() == ("cancelled", stages[0])
    cursor.execute("SELECT stage_id FROM shelters_inspection WHERE project_id = %s", (project,))
    assert cursor.fetchall() == [(stages[0],)]


# --- plot_not_allocated_while_disputed -----------------------------------------------------------------------------

GRIEVANCE_INSERT = (
    "INSERT INTO grievances_grievance (reference, channel, category, sensitive, province_id, description, "
    "description_sealed, status, acknowledge_due, resolve_due, plot_id) VALUES (%(reference)s, 'office', "
    "'land_dispute', false, (SELECT province_id FROM townships_plot p JOIN townships_township t "
    "ON t.id = p.township_id WHERE p.id = %(plot)s), 'The plot is ours.', NULL, 'received', "
    "now() + interval '1 year', now() + interval '1 year', %(plot)s)"
)


def open_dispute(plot, reference):
    """A land dispute opened as a raw client writes it: the grievance, its first step and the dispute."""
    return (
        f"WITH g AS ({GRIEVANCE_INSERT} RETURNING id), "
        "s AS (INSERT INTO grievances_grievancestep (grievance_id, action, from_status, to_status, at, note, "
        "referred_to) SELECT id, 'receive', '', 'received', now(), '', '' FROM g) "
        "INSERT INTO grievances_landdispute (grievance_id, plot_id, claimed_outline, overlap_m2, plot_status_before, "
        "decision, opened_at) SELECT id, %(plot)s, NULL, NULL, 'reserved', '', now() FROM g",
        {"reference": reference, "plot": plot},
    )


def approve(allocation, approver):
    return (
        "UPDATE allocations_allocation SET status = 'approved', approved_by_id = %(approver)s, approved_at = now(), "
        "decision_reference = 'CMT-9' WHERE id = %(allocation)s; "
        "INSERT INTO allocations_allocationtransition (allocation_id, from_status, to_status, at, reason, reference) "
        "VALUES (%(allocation)s, 'proposed', 'approved', now(), 'Approved in SQL.', 'CMT-9')",
        {"allocation": allocation, "approver": approver},
    )


@pytest.fixture
def proposal(approver, committed):
    """A plot proposed to a household (the allocation and its first step), committed."""
    cursor = committed["cursor"]
    plot = insert_plot(cursor, committed, "D1", 40)
    household = one(cursor, HOUSEHOLD_INSERT, ("RACE-DISPUTE",))
    cursor.execute(ALLOCATION_PROPOSE, (household, plot))
    allocation = one(cursor, "SELECT id FROM allocations_allocation WHERE plot_id = %s", (plot,))
    try:
        yield {"cursor": cursor, "plot": plot, "allocation": allocation, "approver": approver}
    finally:
        grievances = "SELECT id FROM grievances_grievance WHERE plot_id = %s"
        clean_up(
            cursor,
            [
                ("grievances_landdispute", "land_disputes_are_never_deleted"),
                ("grievances_grievancestep", "grievance_steps_are_append_only"),
                ("grievances_grievance", "grievances_are_never_deleted"),
            ],
            [
                (f"DELETE FROM grievances_landdispute WHERE grievance_id IN ({grievances})", (plot,)),
                (f"DELETE FROM grievances_grievancestep WHERE grievance_id IN ({grievances})", (plot,)),
                ("DELETE FROM grievances_grievance WHERE plot_id = %s", (plot,)),
            ],
        )


def allocation_and_dispute(cursor, proposal):
    cursor.execute(
        "SELECT a.status, grievance_open_dispute_of_plot(a.plot_id) FROM allocations_allocation a WHERE a.id = %s",
        (proposal["allocation"],),
    )
    return cursor.fetchone()


def test_a_proposal_cannot_be_approved_while_a_dispute_of_its_plot_is_opened(proposal):
    """A land dispute of the plot is being opened (not yet committed) while the committee approves the plot's
    proposal. The approval waits on the plot's lock, then sees the dispute. Before the fix both committed: an
    approved allocation of a disputed plot."""
    cursor = proposal["cursor"]
    first, second, waited = race(
        open_dispute(proposal["plot"], "G-RACE-WRT2"), approve(proposal["allocation"], proposal["approver"]), cursor
    )
    assert_raced(
        first,
        second,
        waited,
        "plot_not_allocated_while_disputed",
        saying="has an open land dispute (grievance G-RACE-WRT2)",
    )
    assert allocation_and_dispute(cursor, proposal) == ("proposed", "G-RACE-WRT2")


def test_a_proposal_is_not_approved_at_repeatable_read(proposal):
    """The snapshot is taken before the dispute is committed; the approval is written after. Before the fix the
    snapshot saw no dispute and the approval committed."""
    cursor = proposal["cursor"]
    outcome = at_repeatable_read(
        approve(proposal["allocation"], proposal["approver"]),
        meanwhile=[open_dispute(proposal["plot"], "G-RACE-WRT3")],
    )
    assert_refused(outcome, "plot_not_allocated_while_disputed", saying=REPEATABLE_READ_SENTENCE)
    assert allocation_and_dispute(cursor, proposal) == ("proposed", "G-RACE-WRT3")


# --- grievance_resolved_with_a_decision ------------------------------------------------------------------------------


def acknowledged_grievance(plot, reference):
    """A land-dispute grievance of the plot, received then acknowledged, with no dispute recorded yet: the
    statements of one client."""
    return [
        (
            f"WITH g AS ({GRIEVANCE_INSERT} RETURNING id) "
            "INSERT INTO grievances_grievancestep (grievance_id, action, from_status, to_status, at, note, "
            "referred_to) SELECT id, 'receive', '', 'received', now(), '', '' FROM g",
            {"reference": reference, "plot": plot},
        ),
        (
            "INSERT INTO grievances_grievancestep (grievance_id, action, from_status, to_status, at, note, "
            "referred_to) SELECT id, 'acknowledge', 'received', 'acknowledged', now(), '', '' "
            "FROM grievances_grievance WHERE reference = %(reference)s; "
            "UPDATE grievances_grievance SET status = 'acknowledged' WHERE reference = %(reference)s",
            {"reference": reference},
        ),
    ]


def dispute_recorded(plot, reference):
    """The land dispute of that grievance, recorded by another client (undecided)."""
    return (
        "INSERT INTO grievances_landdispute (grievance_id, plot_id, claimed_outline, overlap_m2, plot_status_before, "
        "decision, opened_at) SELECT id, %(plot)s, NULL, NULL, 'reserved', '', now() FROM grievances_grievance "
        "WHERE reference = %(reference)s",
        {"reference": reference, "plot": plot},
    )


def resolve(reference):
    return (
        "INSERT INTO grievances_grievancestep (grievance_id, action, from_status, to_status, at, note, referred_to) "
        "SELECT id, 'resolve', 'acknowledged', 'resolved', now(), '', '' "
        "FROM grievances_grievance WHERE reference = %(reference)s; "
        "UPDATE grievances_grievance SET status = 'resolved' WHERE reference = %(reference)s",
        {"reference": reference},
    )


def test_a_grievance_is_not_resolved_at_repeatable_read(proposal):
    """The resolver's snapshot predates a land dispute another client recorded meanwhile: it would not see the
    undecided dispute, so resolving at REPEATABLE READ is refused (grievances/sql/0006). At READ COMMITTED the same
    resolution is refused by the dispute itself."""
    cursor, plot = proposal["cursor"], proposal["plot"]
    in_own_transaction(*acknowledged_grievance(plot, "G-RACE-WRT4"))
    outcome = at_repeatable_read(resolve("G-RACE-WRT4"), meanwhile=[dispute_recorded(plot, "G-RACE-WRT4")])
    assert_refused(outcome, "grievance_resolved_with_a_decision", saying="REPEATABLE READ transaction cannot see")
    cursor.execute("SELECT status FROM grievances_grievance WHERE reference = 'G-RACE-WRT4'")
    assert cursor.fetchone() == ("acknowledged",)
    conn = connect()
    try:
        with conn.cursor() as resolver:
            for sql, params in [resolve("G-RACE-WRT4")]:
                resolver.execute(sql, params)
            with pytest.raises(psycopg2.errors.CheckViolation) as error:
                resolver.execute("COMMIT")
        assert error.value.diag.constraint_name == "grievance_resolved_with_a_decision"
        assert "no decision yet" in error.value.diag.message_primary
    finally:
        conn.rollback()
        conn.close()
