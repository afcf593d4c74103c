"""Any change to a layer, from any client, bumps its version (the basis of tile and feature ETags)."""

from tests.db.conftest import as_ewkt, insert_township


def version(raw, layer):
    raw.execute("SELECT landreg_layer_versions(ARRAY[%s])", (layer,))
    return int(raw.fetchone()[0].split(":")[1])


def test_an_edit_from_any_client_bumps_the_layer_version(raw):
    before = version(raw, "plots"), version(raw, "blocks")
    township, block = insert_township(raw)
    raw.execute(
        "INSERT INTO townships_plot (township_id, block_id, number, geom) VALUES (%s, %s, '1', ST_GeomFromEWKT(%s))",
        (township, block, as_ewkt(raw, 0, 0, 20, 25)),
    )
    after_insert = version(raw, "plots")
    raw.execute("UPDATE townships_plot SET status = 'available' WHERE township_id = %s", (township,))
    assert before[0] < after_insert < version(raw, "plots")
    assert version(raw, "blocks") > before[1]
