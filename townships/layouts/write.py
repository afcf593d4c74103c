"""Writing a checked layout: the township's plots, added and changed, each in one set-based statement.

The plot table's history trigger runs once per statement (`track_history(per_statement=True)`,
`landreg/history.py`): each statement below records every plot it wrote in one `INSERT … SELECT` from its
transition table, with the import's context (user, file name, SHA-256) that the caller's `pghistory.context()`
sets. Every land rule judges every row, as for any other client.
"""

INSERT_PLOTS = """
INSERT INTO townships_plot AS p (township_id, block_id, number, geom, use, status, created_at, updated_at)
SELECT %(t)s, block_id, number, geom, use, 'planned', now(), now()
  FROM layout_feature WHERE action = 'add' ORDER BY fid
"""
# Only features with a change are written, so every row written differs from before (at least updated_at), and
# gets its 'update' event.
UPDATE_PLOTS = """
UPDATE townships_plot p SET
  geom = CASE WHEN 'outline' = ANY(f.changes) THEN f.geom ELSE p.geom END,
  block_id = f.block_id, use = f.use, updated_at = now()
FROM layout_feature f WHERE f.action = 'change' AND p.id = f.plot_id
"""


def plots_write(cursor, *, township_id: int, progress=None) -> tuple[int, int]:
    """Add and change the township's plots from the checked temporary table, inside the caller's transaction and
    pghistory context (the history names the import). Returns (plots added, plots changed)."""
    cursor.execute(INSERT_PLOTS, {"t": township_id})
    added = cursor.rowcount
    if progress:
        progress("written", 1, 3)
    cursor.execute(UPDATE_PLOTS)
    changed = cursor.rowcount
    if progress:
        progress("written", 2, 3)
    return added, changed
