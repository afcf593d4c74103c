"""A layout import writes the plots' history through the plot table's statement-level history trigger: each plot it
adds or changes gets exactly one event with its values as written and the import's context, in one statement per
write; and the trigger-skipping setting (pgtrigger.ignore) is no way round the history for a GIS login."""

import json

import psycopg2
import pytest
from django.db import connection, transaction

from tests.db.conftest import PLOT_INSERT, as_ewkt, connect, insert_township
from tests.db.test_gis_roles_sql import gis_login
from tests.townships.layout_files import clean_layout, write_layout
from townships.layouts import Mapping, layout_check, layout_commit
from townships.models import LayoutImport, Plot

MAPPING = Mapping(number="PLOT_NO", block="BLOCK", use="USE")
HISTORY_GUARD = "history_is_never_skipped"  # the rule that would refuse a GIS login's named ignore
HISTORY_LABELS = {"insert", "update", "delete"}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def tracked_columns():
    """The plot columns a history event copies: every column of the event table that is not pghistory's own."""
    event_model = Plot.history_events.field.model
    return [f.column for f in event_model._meta.concrete_fields if not f.column.startswith("pgh_")]


def history_trigger_names():
    """{'insert': name, 'update': name, 'delete': name}: the plot table's history triggers, as installed."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'townships_plot'::regclass AND tgname LIKE 'pgtrigger%%'"
        )
        names = [row[0] for row in cursor.fetchall()]
    return {label: name for label in HISTORY_LABELS for name in names if name.startswith(f"pgtrigger_{label}_")}


def last_event_id():
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(pgh_id), 0) FROM townships_plotevent")
        return cursor.fetchone()[0]


def events_since(pgh_id):
    """The events written after pgh_id, by plot number: whether every column the event copies equals the plot's
    value now, the label, the database role, the context's metadata (the import's id aside), whether the event's
    object is the plot, and the context's id."""
    columns = tracked_columns()
    same = " AND ".join(f"e.{c} IS NOT DISTINCT FROM p.{c}" for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT e.number, ({same}), e.pgh_label, e.pgh_db_role, c.metadata - 'layout_import', "
            "  e.pgh_obj_id = p.id, e.pgh_context_id "
            "FROM townships_plotevent e LEFT JOIN townships_plot p ON p.id = e.id "
            "LEFT JOIN pghistory_context c ON c.id = e.pgh_context_id "
            "WHERE e.pgh_id > %s ORDER BY e.number, e.pgh_id",
            [pgh_id],
        )
        rows = cursor.fetchall()
    return [(*row[:4], json.loads(row[4]) if isinstance(row[4], str) else row[4], *row[5:]) for row in rows]


def commit_and_read_events(checked, by):
    marker = last_event_id()
    assert layout_commit(layout_import=checked, by=by).status == LayoutImport.Status.COMMITTED
    return events_since(marker)


def test_an_import_writes_one_event_per_plot_written_with_the_files_context(township, frame, users, tmp_path):
    gis = users["gis"]
    first = layout_check(
        township=township,
        path=write_layout(tmp_path / "1", "gpkg", frame, clean_layout()),
        name="a.gpkg",
        by=gis,
        mapping=MAPPING,
    )
    written = commit_and_read_events(first, gis)
    assert len(written) == 14
    role = connection.settings_dict["USER"]
    for _number, same_as_plot, label, db_role, metadata, obj_is_plot, _context in written:
        assert (same_as_plot, label, db_role, obj_is_plot) == (True, "insert", role, True)
        assert metadata == {"user": gis.pk, "layout_file": "a.gpkg", "layout_sha256": first.sha256}
    assert len({row[-1] for row in written}) == 1  # one context row for the whole import
    # One event per plot, and the plot's own values in it (the area as the database measured it).
    for plot in Plot.objects.filter(township=township):
        [event] = plot.history_events.all()
        assert (event.pgh_label, event.area_m2, event.geom.wkb) == ("insert", plot.area_m2, plot.geom.wkb)
        assert event.pgh_context.metadata["layout_import"] == first.pk

    edited = clean_layout()
    edited[2] = ("3", "A", "residential", [(40, 0), (60, 0), (60, 27), (40, 27), (40, 0)])  # outline
    edited[4] = ("5", "A", "public", edited[4][3])  # use
    edited.append(("15", "B", "residential", [(310, 10), (330, 10), (330, 35), (310, 35), (310, 10)]))  # new
    second = layout_check(
        township=township,
        path=write_layout(tmp_path / "2", "gpkg", frame, edited),
        name="b.gpkg",
        by=gis,
        mapping=MAPPING,
    )
    written = commit_and_read_events(second, gis)
    # The eleven plots the file leaves as they are get no event; the others, their values as written.
    assert [(row[0], row[2], row[1]) for row in written] == [
        ("15", "insert", True),
        ("3", "update", True),
        ("5", "update", True),
    ]
    assert {row[4]["layout_file"] for row in written} == {"b.gpkg"}
    assert Plot.objects.get(township=township, number="3").history_events.count() == 2
    assert Plot.objects.get(township=township, number="5").history_events.last().use == "public"


def test_after_an_import_the_same_transaction_records_every_edit_again(township, frame, users, tmp_path):
    with transaction.atomic():
        checked = layout_check(
            township=township,
            path=write_layout(tmp_path, "gpkg", frame, clean_layout()),
            name="a.gpkg",
            by=users["gis"],
            mapping=MAPPING,
        )
        layout_commit(layout_import=checked, by=users["gis"])
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('pgtrigger.ignore')")
            assert cursor.fetchone()[0] == "{}"
        plot = Plot.objects.get(township=township, number="1")
        plot.use = "public"
        plot.save()
        assert list(plot.history_events.values_list("pgh_label", flat=True)) == ["insert", "update"]


def test_the_plot_tables_history_triggers_copy_every_column_once_per_statement(db):
    names = history_trigger_names()
    assert set(names) == HISTORY_LABELS
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.tgname, t.tgtype & 1, p.prosrc FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid "
            "WHERE t.tgrelid = 'townships_plot'::regclass AND t.tgname = ANY(%s)",
            [list(names.values())],
        )
        triggers = {name: (per_row, body) for name, per_row, body in cursor.fetchall()}
    for label, name in names.items():  # a statement trigger, copying every column from its transition table
        per_row, body = triggers[name]
        table = "old_values" if label == "delete" else "new_values"
        assert per_row == 0, name
        assert f"'{label}', {table}.\"id\"" in body
        for column in tracked_columns():
            assert f'{table}."{column}"' in body, (name, column)
        assert body.count("_pgh_attach_context()") == 1  # the context is looked up once per statement


@pytest.fixture
def gis_cursor(db, django_db_blocker):
    """A raw connection (as QGIS), rolled back at the end."""
    with django_db_blocker.unblock():
        conn = connect()
    try:
        with conn.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            yield cursor
    finally:
        conn.rollback()
        conn.close()


@pytest.mark.parametrize("how", ["set_config", "SET LOCAL", "SET"])
def test_a_gis_login_cannot_skip_the_history_of_its_edits(gis_cursor, how):
    raw = gis_cursor
    township, block = insert_township(raw)
    login = gis_login(raw, "landreg_gis_editor", "AF99")
    names = "{" + ",".join(history_trigger_names().values()) + "}"
    try:
        if how == "set_config":
            raw.execute("SELECT set_config('pgtrigger.ignore', %s, true)", [names])
        else:
            raw.execute(f"{how} pgtrigger.ignore = %s", [names])
    except psycopg2.Error:  # refused outright: nothing to skip
        return
    ewkt = as_ewkt(raw, 0, 0, 20, 25)
    try:
        raw.execute(PLOT_INSERT + " RETURNING id", (township, block, "1", ewkt))
    except psycopg2.Error as exc:  # or the write is refused, naming the rule
        assert HISTORY_GUARD in str(exc)
        return
    plot = raw.fetchone()[0]
    raw.execute("UPDATE townships_plot SET use = 'public' WHERE id = %s", [plot])
    raw.execute("RESET ROLE")
    raw.execute("SELECT pgh_label, pgh_db_role FROM townships_plotevent WHERE pgh_obj_id = %s ORDER BY pgh_id", [plot])
    assert raw.fetchall() == [("insert", login), ("update", login)]
