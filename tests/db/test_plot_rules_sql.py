"""The land rules hold for a client that bypasses Django entirely (psql, QGIS): the database refuses."""

from tests.db.conftest import PLOT_INSERT, as_ewkt, insert_plot, insert_township, refused


def test_it_accepts_plots_that_share_an_edge(raw):
    township, block = insert_township(raw)
    assert insert_plot(raw, township, block, "1", 0, 0, 20, 25) is None
    assert insert_plot(raw, township, block, "2", 20, 0, 40, 25) is None


def test_it_refuses_overlapping_plots_and_names_the_rule(raw):
    township, block = insert_township(raw)
    insert_plot(raw, township, block, "1", 0, 0, 20, 25)
    error = insert_plot(raw, township, block, "2", 15, 0, 35, 25)
    assert error is not None
    assert error.diag.constraint_name == "plots_do_not_overlap"
    assert str(error).startswith("plots_do_not_overlap: plot 2: the plot overlaps plot 1 by 125")


def test_it_refuses_a_plot_outside_its_township(raw):
    township, block = insert_township(raw)
    error = insert_plot(raw, township, None, "9", 490, 0, 510, 25)
    assert error.diag.constraint_name == "plot_inside_township"
    assert "lies outside township" in str(error)


def test_it_refuses_a_plot_outside_its_block(raw):
    township, block = insert_township(raw)
    error = insert_plot(raw, township, block, "9", 190, 0, 210, 25)
    assert error.diag.constraint_name == "plot_inside_block"


def test_it_refuses_a_self_intersecting_plot(raw):
    township, block = insert_township(raw)
    raw.execute(
        "SELECT ST_AsEWKT(ST_Transform(ST_SetSRID('POLYGON((500000 3806000, 500020 3806020, "
        "500020 3806000, 500000 3806020, 500000 3806000))'::geometry, 32642), 4326))"
    )
    bowtie = raw.fetchone()[0]
    error = refused(raw, PLOT_INSERT, (township, block, "8", bowtie))
    assert error.diag.constraint_name == "plot_geometry_valid"
    assert "Self-intersection" in str(error)


def test_it_refuses_an_empty_plot(raw):
    township, block = insert_township(raw)
    error = refused(raw, PLOT_INSERT, (township, block, "8", "SRID=4326;POLYGON EMPTY"))
    assert error.diag.constraint_name == "plot_geometry_valid"


def test_it_refuses_a_duplicate_plot_number_in_a_township(raw):
    township, block = insert_township(raw)
    insert_plot(raw, township, block, "7", 0, 0, 20, 25)
    error = insert_plot(raw, township, block, "7", 40, 0, 60, 25)
    assert error.diag.constraint_name == "plot_number_unique_in_township"


def test_the_same_number_is_fine_in_another_township(raw):
    township, block = insert_township(raw, code="RAW1")
    other, other_block = insert_township(raw, code="RAW2")
    assert insert_plot(raw, township, block, "7", 0, 0, 20, 25) is None
    assert insert_plot(raw, other, other_block, "7", 0, 0, 20, 25) is None


def test_it_refuses_moving_a_plot_onto_its_neighbour(raw):
    township, block = insert_township(raw)
    insert_plot(raw, township, block, "1", 0, 0, 20, 25)
    insert_plot(raw, township, block, "2", 20, 0, 40, 25)
    error = refused(
        raw,
        "UPDATE townships_plot SET geom = ST_GeomFromEWKT(%s) WHERE number = '2' AND township_id = %s",
        (as_ewkt(raw, 10, 0, 30, 25), township),
    )
    assert error.diag.constraint_name == "plots_do_not_overlap"


def test_area_is_measured_by_the_database_whatever_the_client_sends(raw):
    township, block = insert_township(raw)
    raw.execute(
        PLOT_INSERT.replace("status,", "status, area_m2,").replace("'available',", "'available', 1,")
        + " RETURNING area_m2",
        (township, block, "1", as_ewkt(raw, 0, 0, 20, 25)),
    )
    assert float(raw.fetchone()[0]) == 500.0
    raw.execute("UPDATE townships_plot SET area_m2 = 3 WHERE township_id = %s RETURNING area_m2", (township,))
    assert float(raw.fetchone()[0]) == 500.0


def test_area_is_measured_in_the_townships_utm_zone(raw):
    township, _ = insert_township(raw)
    raw.execute("SELECT utm_srid FROM townships_township WHERE id = %s", (township,))
    assert raw.fetchone()[0] == 32642


def test_it_refuses_a_block_outside_its_township(raw):
    township, _ = insert_township(raw)
    error = refused(
        raw,
        "INSERT INTO townships_block (township_id, code, geom, created_at, updated_at) "
        "VALUES (%s, 'Z', ST_GeomFromEWKT(%s), now(), now())",
        (township, as_ewkt(raw, 450, 250, 550, 350)),
    )
    assert error.diag.constraint_name == "block_inside_township"


def test_it_refuses_shrinking_a_block_away_from_its_plots(raw):
    township, block = insert_township(raw)
    insert_plot(raw, township, block, "1", 150, 0, 200, 25)
    error = refused(
        raw,
        "UPDATE townships_block SET geom = ST_GeomFromEWKT(%s) WHERE id = %s",
        (as_ewkt(raw, 0, 0, 100, 100), block),
    )
    assert error.diag.constraint_name == "plot_inside_block"


def test_it_refuses_shrinking_a_township_away_from_its_blocks(raw):
    township, _ = insert_township(raw)
    error = refused(
        raw,
        "UPDATE townships_township SET geom = ST_Multi(ST_GeomFromEWKT(%s)) WHERE id = %s",
        (as_ewkt(raw, 0, 0, 150, 300), township),
    )
    assert error.diag.constraint_name == "block_inside_township"


def test_it_refuses_a_plot_whose_block_is_in_another_township(raw):
    township, _ = insert_township(raw, code="RAW1")
    other, other_block = insert_township(raw, code="RAW2")
    error = insert_plot(raw, township, other_block, "1", 0, 0, 20, 25)
    assert error.diag.constraint_name == "plot_block_in_same_township"
