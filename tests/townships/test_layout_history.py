"""A layout import writes the plots' history in one statement per write, not one trigger call per row: each plot
it adds or changes gets exactly the event the history trigger would have written, with the import's context; and
the trigger-skipping the import uses is no way round the history for anyone else."""

import json

import psycopg2
import pytest
from django.db import connection, transaction

from tests.db.conftest import PLOT_INSERT, as_ewkt, connect, insert_township
from tests.db.test_gis_roles_sql import gis_login
from tests.townships.layout_files import clean_layout, write_layout
from townships.layouts import Mapping, layout_check, layout_commit
from townships.layouts import services as layout_services
from townships.layouts import write as layout_write
from townships.models import LayoutImport, Plot

MAPPING = Mapping(number="PLOT_NO", block="BLOCK", use="USE")
HISTORY_GUARD = "history_is_never_skipped"  # the rule that would refuse a GIS login's named ignore


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


class _Undo(Exception):
    pass


def per_row_write(cursor, *, township_id, progress=None):
    """The import as it was before: the same two statements, each row recorded by the history triggers."""
    cursor.execute(layout_write.INSERT_PLOTS, {"t": township_id})
    cursor.execute(layout_write.UPDATE_PLOTS)
    return 0, 0


def last_event_id():
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(pgh_id), 0) FROM townships_plotevent")
        return cursor.fetchone()[0]


def events_since(pgh_id):
    """The events written after pgh_id, by plot number: every column the trigger writes (the plot's id aside,
    which a sequence gives), the label, the database role and the context's metadata (the import's id aside)."""
    columns = [c for c in layout_write.tracked_columns() if c != "id"]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join('e.' + c for c in columns)}, e.pgh_label, e.pgh_db_role, e.pgh_created_at, "
            "  c.metadata - 'layout_import', e.pgh_obj_id = e.id, e.pgh_context_id IS NOT NULL "
            "FROM townships_plotevent e LEFT JOIN pghistory_context c ON c.id = e.pgh_context_id "
            "WHERE e.pgh_id > %s ORDER BY e.number, e.pgh_id",
            [pgh_id],
        )
        rows = cursor.fetchall()
    return [(*row[:-3], json.loads(row[-3]) if isinstance(row[-3], str) else row[-3], *row[-2:]) for row in rows]


def commit_both_ways(checked, by, monkeypatch):
    """The events of committing `checked` through the per-row triggers (then undone) and set-based (kept)."""
    marker = last_event_id()
    with monkeypatch.context() as patched:
        patched.setattr(layout_services, "plots_write", per_row_write)
        with pytest.raises(_Undo), transaction.atomic():
            assert layout_commit(layout_import=checked, by=by).status == LayoutImport.Status.COMMITTED
            through_triggers = events_since(marker)
            raise _Undo
    checked.refresh_from_db()
    assert checked.status != LayoutImport.Status.COMMITTED
    marker = last_event_id()
    assert layout_commit(layout_import=checked, by=by).status == LayoutImport.Status.COMMITTED
    return through_triggers, events_since(marker)


def test_an_import_writes_the_events_the_trigger_would_with_the_files_context(
    township, frame, users, tmp_path, monkeypatch
):
    gis = users["gis"]
    first = layout_check(
        township=township,
        path=write_layout(tmp_path / "1", "gpkg", frame, clean_layout()),
        name="a.gpkg",
        by=gis,
        mapping=MAPPING,
    )
    reference, written = commit_both_ways(first, gis, monkeypatch)
    assert len(written) == 14 and written == reference
    for row in written:
        label, role, _at, metadata, obj_is_plot, has_context = row[-6:]
        assert (label, role, obj_is_plot, has_context) == ("insert", connection.settings_dict["USER"], True, True)
        assert metadata == {"user": gis.pk, "layout_file": "a.gpkg", "layout_sha256": first.sha256}
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
    reference, written = commit_both_ways(second, gis, monkeypatch)
    assert written == reference
    assert [(row[columns_index("number")], row[-6]) for row in written] == [
        ("15", "insert"),
        ("3", "update"),
        ("5", "update"),
    ]  # the eleven plots the file leaves as they are get no event
    assert {row[-3]["layout_file"] for row in written} == {"b.gpkg"}
    assert Plot.objects.get(township=township, number="3").history_events.count() == 2


def columns_index(name):
    return [c for c in layout_write.tracked_columns() if c != "id"].index(name)


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


def test_the_history_triggers_the_import_names_are_the_plot_tables(db):
    names = layout_write.history_trigger_names()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.tgname, p.prosrc FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid "
            "WHERE t.tgrelid = 'townships_plot'::regclass AND t.tgname = ANY(%s)",
            [list(names.values())],
        )
        bodies = dict(cursor.fetchall())
    assert set(bodies) == set(names.values())
    for label, name in names.items():  # each copies exactly the columns the import copies, with its label
        body = bodies[name]
        assert f"'{label}', NEW.\"id\"" in body
        for column in layout_write.tracked_columns():
            assert f'NEW."{column}"' in body, (name, column)
        assert body.count("NEW.") == len(layout_write.tracked_columns()) + 1  # and the event's object id


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
    names = "{" + ",".join(layout_write.history_trigger_names().values()) + "}"
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
