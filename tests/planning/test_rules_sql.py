"""The planning rules in raw SQL, as QGIS or psql would write: each refusal names its rule; plot figures follow the
plots and the water points whoever writes them."""

from tests.db.conftest import PLOT_INSERT, X0, Y0, as_ewkt, insert_township, raw, refused  # noqa: F401
from tests.db.test_gis_roles_sql import gis_login

POINT = "ST_Transform(ST_SetSRID(ST_MakePoint(%s, %s), 32642), 4326)"
WATER_INSERT = (
    "INSERT INTO planning_waterpoint (province_id, name, source, kind, functional, geom, created_at, updated_at) "
    f"VALUES (%s, '', '', 'well', true, {POINT}, now(), now()) RETURNING id"
)


def province_of(cursor, township):
    cursor.execute("SELECT province_id FROM townships_township WHERE id = %s", (township,))
    return cursor.fetchone()[0]


def rule_of(error):
    return getattr(getattr(error, "diag", None), "constraint_name", None)


def test_access_features_are_valid_and_in_their_province(raw):  # noqa: F811
    township, _block = insert_township(raw)
    province = province_of(raw, township)
    raw.execute(
        "UPDATE parcels_adminarea SET geom = ST_Multi(ST_GeomFromEWKT(%s)) WHERE id = %s",
        (as_ewkt(raw, -1000, -1000, 2000, 2000), province),
    )
    assert refused(raw, WATER_INSERT, (province, X0 + 100, Y0 + 100)) is None
    far = refused(raw, WATER_INSERT, (province, X0 + 10_000, Y0))
    assert rule_of(far) == "access_feature_inside_its_province" and "lies outside" in str(far)
    nowhere = refused(
        raw,
        "INSERT INTO planning_waterpoint (province_id, name, source, kind, functional, geom, created_at, updated_at) "
        "VALUES (%s, '', '', 'well', true, ST_GeomFromText('POINT EMPTY', 4326), now(), now())",
        (province,),
    )
    assert rule_of(nowhere) == "access_feature_geometry_valid"
    one_point_road = refused(
        raw,
        "INSERT INTO planning_road (province_id, name, source, road_class, geom, created_at, updated_at) "
        f"VALUES (%s, '', '', 'paved', ST_MakeLine({POINT}, {POINT}), now(), now())",
        (province, X0, Y0, X0, Y0),
    )
    assert rule_of(one_point_road) == "access_feature_geometry_valid"


def test_a_gis_editor_draws_water_points_in_its_provinces_only(raw):  # noqa: F811
    township, _block = insert_township(raw)
    province = province_of(raw, township)
    raw.execute(
        "INSERT INTO parcels_adminarea (level, pcode, name_en) VALUES ('province', 'AF98', 'Other') "
        "ON CONFLICT (pcode) DO UPDATE SET name_en = EXCLUDED.name_en RETURNING id"
    )
    other = raw.fetchone()[0]
    gis_login(raw, "landreg_gis_editor", "AF99")
    assert refused(raw, WATER_INSERT, (province, X0, Y0)) is None
    error = refused(raw, WATER_INSERT, (other, X0, Y0))
    assert rule_of(error) == "access_feature_in_login_provinces" and "AF98" in str(error)
    raw.execute("SELECT count(*) FROM planning_plot_site_fit")  # the QGIS view is readable by the editor
    raw.execute("RESET ROLE")


def test_a_thresholds_version_is_fixed_once_written(raw):  # noqa: F811
    insert = (
        "INSERT INTO planning_viabilitythresholds (version, active, water_max_m, slope_max_pct, "
        "steep_share_max_pct, flood_high_share_max_pct, school_max_m, clinic_max_m, market_max_m, road_max_m, "
        "note, created_at) VALUES (%s, %s, 500, %s, 20, 0, 2000, 5000, 3000, 1000, '', now())"
    )
    assert refused(raw, insert, (1, True, 10)) is None
    assert rule_of(refused(raw, insert, (2, True, 12))) == "one_active_viability_thresholds"
    assert rule_of(refused(raw, insert, (2, False, 120))) == "viability_thresholds_in_range"
    changed = refused(raw, "UPDATE planning_viabilitythresholds SET slope_max_pct = 12 WHERE version = 1")
    assert rule_of(changed) == "viability_thresholds_are_fixed"
    assert rule_of(refused(raw, "DELETE FROM planning_viabilitythresholds")) == "viability_thresholds_are_fixed"
    assert refused(raw, "UPDATE planning_viabilitythresholds SET active = false WHERE version = 1") is None


def test_a_flood_raster_has_its_legend(raw):  # noqa: F811
    error = refused(
        raw,
        "INSERT INTO planning_rasterlayer (kind, name, source, licence, file, bounds, source_crs, resolution_m, "
        "flood_classes, size_bytes, uploaded_at) VALUES ('flood', 'F', 'x', 'x', 'f.tif', "
        "ST_MakeEnvelope(70, 34, 71, 35, 4326), 'EPSG:4326', 30, '[]', 1, now())",
    )
    assert rule_of(error) == "flood_raster_has_classes"


def test_plot_figures_follow_plots_and_water_written_in_sql(raw):  # noqa: F811
    township, block = insert_township(raw)
    province = province_of(raw, township)
    raw.execute(PLOT_INSERT + " RETURNING id", (township, block, "1", as_ewkt(raw, 0, 0, 20, 25)))
    plot = raw.fetchone()[0]
    raw.execute("SELECT stale, fit FROM planning_plotsite WHERE plot_id = %s", (plot,))
    assert raw.fetchone() == (True, "unknown")
    # As if computed: 40 m to the nearest water.
    raw.execute("UPDATE planning_plotsite SET stale = false, water_m = 40 WHERE plot_id = %s", (plot,))
    raw.execute(WATER_INSERT, (province, X0 + 10, Y0 + 500))  # 475 m away: further than the nearest
    raw.execute("SELECT stale FROM planning_plotsite WHERE plot_id = %s", (plot,))
    assert raw.fetchone() == (False,)
    raw.execute(WATER_INSERT, (province, X0 + 10, Y0 + 45))  # 20 m away: nearer
    well = raw.fetchone()[0]
    raw.execute("SELECT stale FROM planning_plotsite WHERE plot_id = %s", (plot,))
    assert raw.fetchone() == (True,)
    raw.execute("UPDATE planning_plotsite SET stale = false, water_m = 20 WHERE plot_id = %s", (plot,))
    raw.execute("UPDATE planning_waterpoint SET functional = false WHERE id = %s", (well,))
    raw.execute("SELECT stale FROM planning_plotsite WHERE plot_id = %s", (plot,))
    assert raw.fetchone() == (True,)
    raw.execute("UPDATE planning_plotsite SET stale = false WHERE plot_id = %s", (plot,))
    raw.execute(
        "UPDATE townships_plot SET geom = ST_GeomFromEWKT(%s) WHERE id = %s", (as_ewkt(raw, 0, 0, 20, 30), plot)
    )
    raw.execute("SELECT stale FROM planning_plotsite WHERE plot_id = %s", (plot,))
    assert raw.fetchone() == (True,)
    raw.execute("DELETE FROM townships_plot WHERE id = %s", (plot,))
    raw.execute("SELECT count(*) FROM planning_plotsite WHERE plot_id = %s", (plot,))
    assert raw.fetchone() == (0,)
