"""A drawn ballot's result cannot be edited or deleted by any database client."""

from tests.db.conftest import insert_township, refused


def test_results_of_a_drawn_ballot_are_refused_changes(raw):
    township, _ = insert_township(raw)
    raw.execute(
        "INSERT INTO allocations_ballot (township_id, reference, status, seed, witnesses) "
        "VALUES (%s, 'SQL-R1', 'list_approved', 'abc', '[]') RETURNING id",
        (township,),
    )
    ballot = raw.fetchone()[0]
    raw.execute(
        "INSERT INTO households_household (code, province_id, size, category) "
        "VALUES ('SQL-B1', (SELECT province_id FROM townships_township WHERE id = %s), 4, 'idp') "
        "RETURNING id",
        (township,),
    )
    household = raw.fetchone()[0]
    raw.execute(
        "INSERT INTO allocations_ballotresult (ballot_id, draw_order, household_id) VALUES (%s, 1, %s) RETURNING id",
        (ballot, household),
    )
    result = raw.fetchone()[0]
    raw.execute("UPDATE allocations_ballot SET status = 'drawn' WHERE id = %s", (ballot,))
    error = refused(raw, "UPDATE allocations_ballotresult SET household_id = household_id WHERE id = %s", (result,))
    assert error.diag.constraint_name == "drawn_ballot_is_immutable"
    error = refused(raw, "DELETE FROM allocations_ballotresult WHERE id = %s", (result,))
    assert error.diag.constraint_name == "drawn_ballot_is_immutable"
    error = refused(raw, "DELETE FROM allocations_ballot WHERE id = %s", (ballot,))
    assert error.diag.constraint_name == "drawn_ballot_is_immutable"
    error = refused(raw, "UPDATE allocations_ballot SET witnesses = '[\"x\"]' WHERE id = %s", (ballot,))
    assert error.diag.constraint_name == "drawn_ballot_is_immutable"


def test_results_cannot_be_written_outside_the_draw(raw):
    township, _ = insert_township(raw)
    raw.execute(
        "INSERT INTO allocations_ballot (township_id, reference, status, seed, witnesses) "
        "VALUES (%s, 'SQL-R2', 'draft', 'abc', '[]') RETURNING id",
        (township,),
    )
    ballot = raw.fetchone()[0]
    raw.execute(
        "INSERT INTO households_household (code, province_id, size, category) "
        "VALUES ('SQL-B2', (SELECT province_id FROM townships_township WHERE id = %s), 4, 'idp') "
        "RETURNING id",
        (township,),
    )
    error = refused(
        raw,
        "INSERT INTO allocations_ballotresult (ballot_id, draw_order, household_id) VALUES (%s, 1, %s)",
        (ballot, raw.fetchone()[0]),
    )
    assert error.diag.constraint_name == "ballot_result_comes_from_the_draw"


def test_the_seed_cannot_change(raw):
    township, _ = insert_township(raw)
    raw.execute(
        "INSERT INTO allocations_ballot (township_id, reference, status, seed, witnesses) "
        "VALUES (%s, 'SQL-R3', 'draft', 'abc', '[]') RETURNING id",
        (township,),
    )
    error = refused(raw, "UPDATE allocations_ballot SET seed = 'chosen' WHERE id = %s", (raw.fetchone()[0],))
    assert error.diag.constraint_name == "ballot_seed_is_fixed"
