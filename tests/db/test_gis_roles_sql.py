"""GIS specialists' database logins (QGIS): what the group roles may do, and their provinces, in raw SQL."""

import uuid

import psycopg2

from tests.db.conftest import PLOT_INSERT, as_ewkt, insert_plot, insert_township, refused
from tests.db.test_concurrency import ALLOCATION_INSERT, HOUSEHOLD_INSERT

FACILITY_INSERT = (
    "INSERT INTO townships_facility (township_id, kind, geom) "
    "VALUES (%s, 'water_point', ST_Centroid(ST_GeomFromEWKT(%s))) RETURNING id"
)


def gis_login(cursor, group, *pcodes):
    """A login in a GIS group role working in the provinces given by p-code (None: every province), created
    in this transaction and rolled back with it. The cursor acts as that login until RESET ROLE."""
    name = f"landreg_test_gis_{uuid.uuid4().hex[:10]}"  # roles are cluster-wide: never collide with a colleague's
    cursor.execute(f'CREATE ROLE "{name}" NOLOGIN IN ROLE {group}')
    cursor.execute(f'GRANT "{name}" TO CURRENT_USER')
    for pcode in pcodes:
        cursor.execute(
            "INSERT INTO landreg_gisloginprovince (role_name, province_id) "
            "VALUES (%s, (SELECT id FROM parcels_adminarea WHERE pcode = %s))",
            (name, pcode),
        )
    cursor.execute(f'SET LOCAL ROLE "{name}"')
    return name


def township_in_another_province(cursor):
    """A second township, in province AF98 (the first one, from insert_township, is in AF99)."""
    other, other_block = insert_township(cursor, code="RAW-OTHER")
    cursor.execute(
        "INSERT INTO parcels_adminarea (level, pcode, name_en) VALUES ('province', 'AF98', 'Other province') "
        "ON CONFLICT (pcode) DO UPDATE SET name_en = EXCLUDED.name_en RETURNING id"
    )
    cursor.execute("UPDATE townships_township SET province_id = %s WHERE id = %s", (cursor.fetchone()[0], other))
    return other, other_block


def plot_geom(cursor, plot):
    cursor.execute("SELECT ST_AsEWKT(geom) FROM townships_plot WHERE id = %s", (plot,))
    return cursor.fetchone()[0]


def test_a_gis_editor_draws_moves_and_deletes_plots_of_its_province(raw):
    township, block = insert_township(raw)
    gis_login(raw, "landreg_gis_editor", "AF99")
    raw.execute(PLOT_INSERT + " RETURNING id, area_m2", (township, block, "1", as_ewkt(raw, 0, 0, 20, 25)))
    plot, area = raw.fetchone()
    assert float(area) == 500.0  # the plot trigger ran as the editor, and measured it
    raw.execute(
        "UPDATE townships_plot SET geom = ST_GeomFromEWKT(%s) WHERE id = %s RETURNING area_m2",
        (as_ewkt(raw, 0, 0, 20, 30), plot),
    )
    assert float(raw.fetchone()[0]) == 600.0
    raw.execute("DELETE FROM townships_plot WHERE id = %s", (plot,))
    assert raw.rowcount == 1


def test_a_gis_editor_reshapes_townships_and_blocks_and_places_facilities(raw):
    township, block = insert_township(raw)
    gis_login(raw, "landreg_gis_editor", "AF99")
    raw.execute(
        "UPDATE townships_township SET geom = ST_Multi(ST_GeomFromEWKT(%s)) WHERE id = %s",
        (as_ewkt(raw, 0, 0, 520, 300), township),
    )
    raw.execute(
        "UPDATE townships_block SET geom = ST_GeomFromEWKT(%s) WHERE id = %s", (as_ewkt(raw, 0, 0, 210, 100), block)
    )
    raw.execute(FACILITY_INSERT, (township, as_ewkt(raw, 300, 200, 302, 202)))
    assert raw.fetchone()[0]


def test_a_gis_editor_is_refused_an_overlapping_plot_naming_the_rule(raw):
    township, block = insert_township(raw)
    gis_login(raw, "landreg_gis_editor", "AF99")
    assert insert_plot(raw, township, block, "1", 0, 0, 20, 25) is None
    error = insert_plot(raw, township, block, "2", 15, 0, 35, 25)
    assert error.diag.constraint_name == "plots_do_not_overlap"
    assert str(error).startswith("plots_do_not_overlap: plot 2: the plot overlaps plot 1 by 125")


def test_a_gis_editor_cannot_read_households_people_or_allocations(raw):
    insert_township(raw)
    gis_login(raw, "landreg_gis_editor", "AF99")
    for table in ("households_household", "households_person", "allocations_allocation", "landreg_gisloginprovince"):
        error = refused(raw, f"SELECT count(*) FROM {table}")
        assert isinstance(error, psycopg2.errors.InsufficientPrivilege), table
        assert f"permission denied for table {table}" in str(error)


def test_moving_an_allocated_plot_is_refused_by_rule_without_access_to_allocations(raw):
    # A GIS login may not read allocations (personal data), yet the rule that an allocated plot keeps its
    # outline still judges its edit (a SECURITY DEFINER check), and other edits of the plot go through.
    township, block = insert_township(raw)
    raw.execute(PLOT_INSERT + " RETURNING id", (township, block, "1", as_ewkt(raw, 0, 0, 20, 25)))
    plot = raw.fetchone()[0]
    raw.execute(HOUSEHOLD_INSERT, ("GIS-1",))
    raw.execute(ALLOCATION_INSERT, (raw.fetchone()[0], plot))
    gis_login(raw, "landreg_gis_editor", "AF99")
    move = "UPDATE townships_plot SET geom = ST_GeomFromEWKT(%s) WHERE id = %s"
    error = refused(raw, move, (as_ewkt(raw, 0, 0, 20, 30), plot))
    assert error is not None and "allocated_plot_keeps_its_outline" in str(error)
    assert refused(raw, "SELECT count(*) FROM allocations_allocation") is not None  # still no access
    raw.execute("UPDATE townships_plot SET use = use WHERE id = %s RETURNING status", (plot,))
    assert raw.fetchone()[0] == "reserved"


def test_a_gis_editor_and_a_reader_read_the_reference_layers_and_spatial_tables(raw):
    insert_township(raw)
    for group in ("landreg_gis_editor", "landreg_reader"):
        gis_login(raw, group, "AF99")
        for table in ("parcels_adminarea", "parcels_landparcel", "spatial_ref_sys", "geometry_columns"):
            assert refused(raw, f"SELECT count(*) FROM {table}") is None, (group, table)
        raw.execute("RESET ROLE")


def test_a_reader_sees_the_published_layers_but_cannot_change_them(raw):
    township, block = insert_township(raw)
    raw.execute(PLOT_INSERT + " RETURNING id", (township, block, "1", as_ewkt(raw, 0, 0, 20, 25)))
    plot = raw.fetchone()[0]
    gis_login(raw, "landreg_reader")
    raw.execute("SELECT number, status, area_m2 FROM townships_plot WHERE id = %s", (plot,))
    assert raw.fetchone()[:2] == ("1", "available")
    raw.execute("SELECT count(*) FROM townships_township WHERE id = %s", (township,))
    assert raw.fetchone()[0] == 1  # readers are not narrowed by province
    error = refused(raw, "UPDATE townships_plot SET status = 'cancelled' WHERE id = %s", (plot,))
    assert isinstance(error, psycopg2.errors.InsufficientPrivilege)
    error = refused(raw, PLOT_INSERT, (township, block, "2", as_ewkt(raw, 20, 0, 40, 25)))
    assert isinstance(error, psycopg2.errors.InsufficientPrivilege)
    for table in ("households_household", "households_person", "allocations_allocation", "townships_plotevent"):
        assert isinstance(refused(raw, f"SELECT 1 FROM {table}"), psycopg2.errors.InsufficientPrivilege), table


def test_an_edit_by_a_gis_login_is_recorded_with_the_logins_name(raw):
    township, block = insert_township(raw)
    raw.execute(PLOT_INSERT + " RETURNING id", (township, block, "1", as_ewkt(raw, 0, 0, 20, 25)))
    plot = raw.fetchone()[0]
    login = gis_login(raw, "landreg_gis_editor", "AF99")
    raw.execute(
        "UPDATE townships_plot SET geom = ST_GeomFromEWKT(%s) WHERE id = %s", (as_ewkt(raw, 0, 0, 20, 30), plot)
    )
    raw.execute("RESET ROLE")
    raw.execute(
        "SELECT pgh_label, pgh_db_role, pgh_context_id FROM townships_plotevent WHERE pgh_obj_id = %s ORDER BY pgh_id",
        (plot,),
    )
    assert raw.fetchall()[-1] == ("update", login, None)


def test_a_gis_editor_does_not_see_the_townships_of_other_provinces(raw):
    township, block = insert_township(raw)
    other, other_block = township_in_another_province(raw)
    insert_plot(raw, other, other_block, "1", 0, 0, 20, 25)
    gis_login(raw, "landreg_gis_editor", "AF99")
    raw.execute("SELECT id FROM townships_township WHERE id IN %s", ((township, other),))
    assert raw.fetchall() == [(township,)]
    raw.execute("SELECT count(*) FROM townships_block WHERE township_id = %s", (other,))
    assert raw.fetchone()[0] == 0
    raw.execute("SELECT count(*) FROM townships_plot WHERE township_id = %s", (other,))
    assert raw.fetchone()[0] == 0
    raw.execute("UPDATE townships_plot SET status = 'cancelled' WHERE township_id = %s", (other,))
    assert raw.rowcount == 0
    raw.execute("DELETE FROM townships_block WHERE id = %s", (other_block,))
    assert raw.rowcount == 0


def test_a_gis_editor_is_refused_a_plot_in_another_province_naming_the_rule(raw):
    insert_township(raw)
    other, other_block = township_in_another_province(raw)
    login = gis_login(raw, "landreg_gis_editor", "AF99")
    error = insert_plot(raw, other, other_block, "1", 0, 0, 20, 25)
    assert error.diag.constraint_name == "township_in_login_provinces"
    assert str(error).startswith(
        f"township_in_login_provinces: plot 1: the township is in province AF98, and login {login} edits "
        "townships in AF99 only"
    )


def test_a_gis_editor_cannot_move_a_township_or_a_plot_out_of_its_provinces(raw):
    township, block = insert_township(raw)
    other, _ = township_in_another_province(raw)
    raw.execute(PLOT_INSERT + " RETURNING id", (township, None, "1", as_ewkt(raw, 0, 0, 20, 25)))
    plot = raw.fetchone()[0]
    raw.execute("SELECT id FROM parcels_adminarea WHERE pcode = 'AF98'")
    af98 = raw.fetchone()[0]
    gis_login(raw, "landreg_gis_editor", "AF99")
    error = refused(raw, "UPDATE townships_township SET province_id = %s WHERE id = %s", (af98, township))
    assert error.diag.constraint_name == "township_in_login_provinces"
    error = refused(raw, "UPDATE townships_plot SET township_id = %s WHERE id = %s", (other, plot))
    assert error.diag.constraint_name == "township_in_login_provinces"


def test_a_gis_editor_without_provinces_sees_nothing_and_a_national_one_sees_everything(raw):
    township, _ = insert_township(raw)
    other, _ = township_in_another_province(raw)
    gis_login(raw, "landreg_gis_editor")
    raw.execute("SELECT count(*) FROM townships_township WHERE id IN %s", ((township, other),))
    assert raw.fetchone()[0] == 0
    raw.execute("RESET ROLE")
    gis_login(raw, "landreg_gis_editor", None)
    raw.execute("SELECT count(*) FROM townships_township WHERE id IN %s", ((township, other),))
    assert raw.fetchone()[0] == 2


def test_the_application_role_is_not_narrowed_by_province(raw):
    township, _ = insert_township(raw)
    other, other_block = township_in_another_province(raw)
    raw.execute("SELECT count(*) FROM townships_township WHERE id IN %s", ((township, other),))
    assert raw.fetchone()[0] == 2
    assert insert_plot(raw, other, other_block, "1", 0, 0, 20, 25) is None
