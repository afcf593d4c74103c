"""The history of blocks and plots is written by one trigger call per statement, from the statement's transition
table (landreg.history.track_history(per_statement=True)). It records what the per-row trigger recorded: one event
per row inserted, changed or deleted, with the row's values, its label, the database role that wrote it and the
app's context; a row the statement left as it was gets none. Raw SQL, as QGIS or psql would write."""

import json

import pghistory
from django.db import connection

from tests.db.conftest import PLOT_INSERT, as_ewkt, insert_township
from tests.db.test_gis_roles_sql import gis_login
from townships.models import Block, Plot

MULTI_INSERT = (
    "INSERT INTO townships_plot (township_id, block_id, number, geom, use, status, created_at, updated_at) "
    "VALUES {} RETURNING id"
)


def columns(model):
    event_model = model.history_events.field.model
    return [f.column for f in event_model._meta.concrete_fields if not f.column.startswith("pgh_")]


def events(cursor, table, since):
    """(object id, label, role, context id, whether the event's values equal the row's now) after pgh_id since."""
    source = {"townships_plotevent": "townships_plot", "townships_blockevent": "townships_block"}[table]
    model = Plot if source == "townships_plot" else Block
    same = " AND ".join(f"e.{c} IS NOT DISTINCT FROM r.{c}" for c in columns(model))
    cursor.execute(
        f"SELECT e.pgh_obj_id, e.pgh_label, e.pgh_db_role, e.pgh_context_id, ({same}) "
        f"FROM {table} e LEFT JOIN {source} r ON r.id = e.pgh_obj_id WHERE e.pgh_id > %s ORDER BY e.pgh_id",
        [since],
    )
    return cursor.fetchall()


def marker(cursor, table="townships_plotevent"):
    cursor.execute(f"SELECT coalesce(max(pgh_id), 0) FROM {table}")
    return cursor.fetchone()[0]


def three_plots(raw, township, block):
    rows = [(township, block, str(i + 1), as_ewkt(raw, 20 * i, 0, 20 * i + 20, 25)) for i in range(3)]
    raw.execute(
        MULTI_INSERT.format(
            ", ".join(["(%s, %s, %s, ST_GeomFromEWKT(%s), 'residential', 'available', now(), now())"] * 3)
        ),
        [value for row in rows for value in row],
    )
    return [row[0] for row in raw.fetchall()]


def test_a_gis_logins_multi_row_insert_update_and_delete_are_each_recorded_row_by_row(raw):
    township, block = insert_township(raw)
    since = marker(raw)
    login = gis_login(raw, "landreg_gis_editor", "AF99")
    plots = three_plots(raw, township, block)
    # One statement touches all three plots and changes two of them; the third is written as it was.
    raw.execute(
        "UPDATE townships_plot SET use = CASE WHEN number = '3' THEN use ELSE 'public' END WHERE id = ANY(%s)", [plots]
    )
    raw.execute("DELETE FROM townships_plot WHERE id = %s", [plots[0]])
    raw.execute("RESET ROLE")
    found = events(raw, "townships_plotevent", since)
    inserted = [(p, "insert", login, None) for p in plots]
    updated = [(p, "update", login, None) for p in plots[:2]]
    assert sorted(row[:4] for row in found) == sorted([*inserted, *updated, (plots[0], "delete", login, None)])
    # The last event of each plot still there holds its values now (plot 3's is its insert: it never changed).
    last = {row[0]: row[4] for row in found}
    assert last[plots[1]] is True and last[plots[2]] is True


def test_an_update_that_changes_a_plots_id_is_recorded(raw):
    """A statement-level trigger pairs old and new rows by id; a new id has no old row, and is still recorded
    (pghistory's inner join would have left no event: a way round the history)."""
    township, block = insert_township(raw)
    [plot] = three_plots(raw, township, block)[:1]
    since = marker(raw)
    raw.execute("UPDATE townships_plot SET id = id + 1000000, use = 'public' WHERE id = %s RETURNING id", [plot])
    new_id = raw.fetchone()[0]
    raw.execute("UPDATE townships_plot SET id = id + 1000000 WHERE id = %s", [new_id])  # the key alone
    assert [row[:2] for row in events(raw, "townships_plotevent", since)] == [
        (new_id, "update"),
        (new_id + 1000000, "update"),
    ]


def test_a_statement_that_changes_nothing_records_nothing(raw):
    township, block = insert_township(raw)
    plots = three_plots(raw, township, block)
    since = marker(raw)
    raw.execute("UPDATE townships_plot SET use = use WHERE id = ANY(%s)", [plots])
    raw.execute("UPDATE townships_plot SET use = 'public' WHERE false")
    raw.execute("DELETE FROM townships_plot WHERE false")
    assert events(raw, "townships_plotevent", since) == []


def test_a_blocks_history_is_recorded_with_the_logins_name(raw):
    township, _block = insert_township(raw)
    since = marker(raw, "townships_blockevent")
    login = gis_login(raw, "landreg_gis_editor", "AF99")
    raw.execute(
        "INSERT INTO townships_block (township_id, code, geom, created_at, updated_at) "
        "VALUES (%s, 'B', ST_GeomFromEWKT(%s), now(), now()) RETURNING id",
        (township, as_ewkt(raw, 200, 0, 400, 100)),
    )
    block = raw.fetchone()[0]
    raw.execute("UPDATE townships_block SET code = 'B2' WHERE id = %s", [block])
    raw.execute("RESET ROLE")
    assert [row[:4] for row in events(raw, "townships_blockevent", since)] == [
        (block, "insert", login, None),
        (block, "update", login, None),
    ]
    assert events(raw, "townships_blockevent", since)[-1][4] is True


def test_the_apps_writes_link_one_context_with_the_user_to_every_event_of_a_statement(township, frame, users):
    with pghistory.context(user=users["gis"].pk, url="/layouts/1/commit"), connection.cursor() as cursor:
        since = marker(cursor)
        row = "(%s, NULL, %s, ST_GeomFromEWKT(%s), 'residential', 'available', now(), now())"
        cursor.execute(
            MULTI_INSERT.format(f"{row}, {row}"),
            [township.pk, "H1", frame.rect(0, 200, 20, 25).ewkt, township.pk, "H2", frame.rect(20, 200, 20, 25).ewkt],
        )
        found = events(cursor, "townships_plotevent", since)
        cursor.execute("SELECT metadata FROM pghistory_context WHERE id = %s", [found[0][3]])
        metadata = cursor.fetchone()[0]
    metadata = json.loads(metadata) if isinstance(metadata, str) else metadata
    assert [row[1:3] for row in found] == [("insert", connection.settings_dict["USER"])] * 2
    assert found[0][3] is not None and found[0][3] == found[1][3]
    assert metadata == {"user": users["gis"].pk, "url": "/layouts/1/commit"}


def test_each_plot_of_a_single_row_insert_is_recorded_as_before(raw):
    township, block = insert_township(raw)
    since = marker(raw)
    raw.execute(PLOT_INSERT + " RETURNING id", (township, block, "1", as_ewkt(raw, 0, 0, 20, 25)))
    plot = raw.fetchone()[0]
    assert events(raw, "townships_plotevent", since) == [(plot, "insert", connection.settings_dict["USER"], None, True)]
