"""Edits from outside Django (QGIS, psql) are recorded with the database role that made them."""

from tests.db.conftest import as_ewkt, insert_township, refused


def test_an_edit_from_another_database_role_is_recorded_with_that_role(raw):
    township, block = insert_township(raw)
    # A GIS editor's login, created inside this transaction (and rolled back with it).
    raw.execute("CREATE ROLE landreg_test_qgis_editor NOLOGIN")
    raw.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO landreg_test_qgis_editor")
    raw.execute("GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO landreg_test_qgis_editor")
    raw.execute("GRANT landreg_test_qgis_editor TO CURRENT_USER")
    raw.execute("SET LOCAL ROLE landreg_test_qgis_editor")
    raw.execute(
        "UPDATE townships_block SET geom = ST_GeomFromEWKT(%s) WHERE id = %s", (as_ewkt(raw, 0, 0, 210, 100), block)
    )
    raw.execute("RESET ROLE")
    raw.execute(
        "SELECT pgh_label, pgh_db_role, pgh_context_id FROM townships_blockevent WHERE pgh_obj_id = %s ORDER BY pgh_id",
        (block,),
    )
    events = raw.fetchall()
    assert [e[0] for e in events] == ["insert", "update"]
    assert events[-1][1] == "landreg_test_qgis_editor"
    assert events[-1][2] is None  # no application user: it did not come through Django


def test_history_cannot_be_rewritten(raw):
    township, block = insert_township(raw)
    error = refused(raw, "DELETE FROM townships_blockevent WHERE pgh_obj_id = %s", (block,))
    assert error is not None
    error = refused(raw, "UPDATE townships_townshipevent SET name = 'forged' WHERE pgh_obj_id = %s", (township,))
    assert error is not None
