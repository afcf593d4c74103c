"""Writing a checked layout: the township's plots and their history, each in one set-based statement.

The plot table's history triggers (pghistory, `landreg/history.py`) write one event per row, each through a
PL/pgSQL call that also upserts the context row. An import writes the same events itself instead, in one
`INSERT … SELECT` per statement: the plots' values as written (after the database's own BEFORE triggers, which
measure the area), the import's context (user, file name, SHA-256) and the label the trigger would give
('insert' or 'update'). For those two statements only, and only in this transaction, the two history triggers
are named in `pgtrigger.ignore`; every land rule still judges every row (they are not pgtrigger triggers and do
not read that setting), and the setting is back to empty before anything else runs.
"""

import pgtrigger
from django.db import connection

from townships.models import Plot

# pghistory's trigger names on Plot (track_history: InsertEvent, UpdateEvent), as pgtrigger registers them.
HISTORY_TRIGGERS = {"insert": "townships.Plot:insert_insert", "update": "townships.Plot:update_update"}


def _event_model():
    return Plot.history_events.field.model


def history_trigger_names() -> dict[str, str]:
    """{'insert': pgid, 'update': pgid}: the database names of the plot table's history triggers."""
    names = {}
    for label, uri in HISTORY_TRIGGERS.items():
        [(model, trigger)] = pgtrigger.registered(uri)
        names[label] = trigger.get_pgid(model)
    return names


def tracked_columns() -> list[str]:
    """The plot columns a history event copies: every column of the event table that is not pghistory's own."""
    return [f.column for f in _event_model()._meta.concrete_fields if not f.column.startswith("pgh_")]


def _with_history(write_sql: str, label: str) -> str:
    """write_sql (an INSERT or UPDATE of townships_plot ending in RETURNING p.*), wrapped so that the rows it
    wrote are copied into the event table in the same statement."""
    columns = tracked_columns()
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    from_written = ", ".join(f"w.{connection.ops.quote_name(c)}" for c in columns)
    events = connection.ops.quote_name(_event_model()._meta.db_table)
    return (
        f"WITH written AS ({write_sql}) "
        f"INSERT INTO {events} ({quoted}, pgh_context_id, pgh_created_at, pgh_label, pgh_obj_id) "
        f"SELECT {from_written}, %(context)s::uuid, now(), '{label}', w.id FROM written w ORDER BY w.id"
    )


INSERT_PLOTS = """
INSERT INTO townships_plot AS p (township_id, block_id, number, geom, use, status, created_at, updated_at)
SELECT %(t)s, block_id, number, geom, use, 'planned', now(), now()
  FROM layout_feature WHERE action = 'add' ORDER BY fid
RETURNING p.*
"""
# Only features with a change are written, so every row written differs from before (at least updated_at):
# the update trigger, whose condition is OLD.* IS DISTINCT FROM NEW.*, would have recorded each one.
UPDATE_PLOTS = """
UPDATE townships_plot p SET
  geom = CASE WHEN 'outline' = ANY(f.changes) THEN f.geom ELSE p.geom END,
  block_id = f.block_id, use = f.use, updated_at = now()
FROM layout_feature f WHERE f.action = 'change' AND p.id = f.plot_id
RETURNING p.*
"""


def plots_write(cursor, *, township_id: int, progress=None) -> tuple[int, int]:
    """Add and change the township's plots from the checked temporary table, with their history events, inside
    the caller's transaction and pghistory context. Returns (events for added plots, for changed plots)."""
    cursor.execute("SELECT _pgh_attach_context()")  # the context row of this import (user, file, SHA-256)
    context = cursor.fetchone()[0]
    if context is None:
        raise RuntimeError("plots_write runs inside pghistory.context(): the history must name the import")
    names = history_trigger_names()
    cursor.execute("SELECT set_config('pgtrigger.ignore', %s, true)", ["{" + ",".join(sorted(names.values())) + "}"])
    cursor.execute(_with_history(INSERT_PLOTS, "insert"), {"t": township_id, "context": context})
    added = cursor.rowcount
    if progress:
        progress("written", 1, 3)
    cursor.execute(_with_history(UPDATE_PLOTS, "update"), {"context": context})
    changed = cursor.rowcount
    if progress:
        progress("written", 2, 3)
    # Set with is_local, so an error above takes it away with the transaction; on success, it is emptied here.
    cursor.execute("SELECT set_config('pgtrigger.ignore', '{}', true)")
    return added, changed
