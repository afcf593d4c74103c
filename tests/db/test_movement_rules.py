"""The movement rules as the database enforces them, written as QGIS or psql would (raw SQL, no Django): each rule
refuses with its name. Their service tests: tests/movements/ (test_arrivals, test_flows, test_locations, test_sites)."""

import pytest

from .conftest import refused

RULES_AT_ONCE = "SET CONSTRAINTS family_arrival_has_members IMMEDIATE"


@pytest.fixture
def base(raw):
    """A province with a boundary (a box around Jalalabad), its district, another province, a crossing point and a
    household, inserted as a raw client would. The family rule is judged at commit, which these tests never reach:
    they ask for it with RULES_AT_ONCE."""
    cur = raw
    cur.execute("SET CONSTRAINTS family_arrival_has_members DEFERRED")
    cur.execute(
        "INSERT INTO parcels_adminarea (level, pcode, iso_code, name_en, name_prs, name_ps, geom) VALUES "
        "('province', 'AF98', '', 'Raw province', '', '', "
        "ST_Multi(ST_MakeEnvelope(69.9, 33.9, 71.2, 34.6, 4326))) RETURNING id"
    )
    province = cur.fetchone()[0]
    cur.execute(
        "INSERT INTO parcels_adminarea (level, pcode, iso_code, name_en, name_prs, name_ps) "
        "VALUES ('province', 'AF97', '', 'Other province', '', '') RETURNING id"
    )
    other = cur.fetchone()[0]
    cur.execute(
        "INSERT INTO parcels_adminarea (level, pcode, iso_code, name_en, name_prs, name_ps, parent_id) "
        "VALUES ('district', 'AF9701', '', 'Other district', '', '', %s) RETURNING id",
        (other,),
    )
    district_of_other = cur.fetchone()[0]
    cur.execute(
        "INSERT INTO parcels_crossingpoint (code, name_en, name_prs, name_ps, province_id, neighbouring_country, kind, "
        "main, official, active, geom, source, precision_km) VALUES ('raw_point', 'Raw point', '', '', %s, 'PK', "
        "'road', true, true, true, ST_SetSRID(ST_MakePoint(71.09, 34.10), 4326), 'test', 2) RETURNING id",
        (province,),
    )
    point = cur.fetchone()[0]
    cur.execute(
        "INSERT INTO households_household (code, province_id, size, category) "
        "VALUES ('RAW-MV-1', %s, 3, 'deportee') RETURNING id",
        (province,),
    )
    household = cur.fetchone()[0]
    return {
        "cursor": cur,
        "province": province,
        "other": other,
        "district_of_other": district_of_other,
        "point": point,
        "household": household,
    }


ARRIVAL = (
    "INSERT INTO movements_arrival (client_uuid, crossing_point_id, crossed_at, direction, category, "
    "country_of_asylum, documents_held, travelling, vulnerabilities, assistance, destination_province_id, "
    "destination_district_id) VALUES (gen_random_uuid(), %s, now(), 'in', %s, 'PK', '{none}', %s, '{}', '{}', %s, %s) "
    "RETURNING id"
)
MEMBER = (
    "INSERT INTO movements_arrivalmember (arrival_id, relationship, sex, age_band) VALUES (%s, %s, 'm', '18_59') "
    "RETURNING id"
)


def rule_of(error) -> str:
    return getattr(error.diag, "constraint_name", None) or ""


def arrival(cur, base, *, travelling="family", members=2, category="deported", province=None, district=None):
    cur.execute(ARRIVAL, (base["point"], category, travelling, province or base["province"], district))
    arrival_id = cur.fetchone()[0]
    for i in range(members):
        cur.execute(MEMBER, (arrival_id, "head" if i == 0 else "child"))
    return arrival_id


def test_an_arrival_destination_is_a_province_of_afghanistan_and_its_district(base):
    cur = base["cursor"]
    error = refused(cur, ARRIVAL, (base["point"], "deported", "family", base["district_of_other"], None))
    assert rule_of(error) == "arrival_destination_in_afghanistan" and "is not a province" in str(error)
    error = refused(cur, ARRIVAL, (base["point"], "deported", "family", base["province"], base["district_of_other"]))
    assert rule_of(error) == "arrival_destination_in_afghanistan" and "is not in province AF98" in str(error)
    assert (
        refused(cur, ARRIVAL, (base["point"], "deported", "family", base["other"], base["district_of_other"])) is None
    )


def test_a_family_arrival_has_members_and_someone_alone_one(base):
    cur = base["cursor"]
    cur.execute("SET CONSTRAINTS family_arrival_has_members DEFERRED")
    cur.execute("SAVEPOINT family")
    arrival(cur, base, travelling="family", members=1)
    error = refused(cur, RULES_AT_ONCE)
    assert rule_of(error) == "family_arrival_has_members" and "with 1 member(s)" in str(error)
    cur.execute("ROLLBACK TO SAVEPOINT family")
    cur.execute("SET CONSTRAINTS family_arrival_has_members DEFERRED")
    arrival(cur, base, travelling="alone", members=2)
    error = refused(cur, RULES_AT_ONCE)
    assert rule_of(error) == "family_arrival_has_members" and "travels alone with 2 members" in str(error)
    cur.execute("ROLLBACK TO SAVEPOINT family")
    cur.execute("SET CONSTRAINTS family_arrival_has_members DEFERRED")
    good = arrival(cur, base, travelling="family", members=2)
    assert refused(cur, RULES_AT_ONCE) is None
    # a member removed later leaves a family of one
    cur.execute("SET CONSTRAINTS family_arrival_has_members DEFERRED")
    cur.execute("DELETE FROM movements_arrivalmember WHERE arrival_id = %s AND relationship = 'child'", (good,))
    assert rule_of(refused(cur, RULES_AT_ONCE)) == "family_arrival_has_members"


def test_an_avr_arrival_needs_its_repatriation_form(base):
    cur = base["cursor"]
    cur.execute("SET CONSTRAINTS family_arrival_has_members DEFERRED")
    error = refused(cur, ARRIVAL, (base["point"], "avr", "family", base["province"], None))
    assert rule_of(error) == "avr_arrival_has_repatriation_form"


def test_one_head_per_arrival(base):
    cur = base["cursor"]
    cur.execute("SET CONSTRAINTS family_arrival_has_members DEFERRED")
    arrival_id = arrival(cur, base, members=1)
    assert rule_of(refused(cur, MEMBER, (arrival_id, "head"))) == "one_head_per_arrival"


FLOW = (
    "INSERT INTO movements_flowcount (crossing_point_id, day, direction, category, travelling, source, method, total, "
    "female, male, f_0_4, f_5_17, f_18_59, f_60_plus, m_0_4, m_5_17, m_18_59, m_60_plus, updated_at, is_demo) "
    "VALUES (%s, '2025-08-02', 'in', 'deported', 'family', 'border_team', 'headcount', %s, %s, %s, "
    "%s, %s, %s, %s, %s, %s, %s, %s, now(), false)"
)


def flow(base, total, female=None, male=None, cells=(None,) * 8):
    return (base["point"], total, female, male, *cells)


@pytest.mark.parametrize(
    ("total", "female", "male", "cells", "rule"),
    [
        (-1, None, None, (None,) * 8, "flow_counts_not_negative"),
        (10, -2, 12, (None,) * 8, "flow_counts_not_negative"),
        (10, 4, 5, (None,) * 8, "flow_count_split_adds_up"),
        (10, 4, None, (None,) * 8, "flow_count_split_adds_up"),
        (10, None, None, (1, 1, 1, 1, 1, 1, 1, 1), "flow_count_split_adds_up"),
        (10, None, None, (1, 1, 1, 1, 1, 1, 4, None), "flow_count_split_adds_up"),
        (8, 5, 3, (1, 1, 1, 1, 1, 1, 1, 1), "flow_count_split_adds_up"),
    ],
)
def test_flow_counts_are_not_negative_and_their_split_adds_up(base, total, female, male, cells, rule):
    assert rule_of(refused(base["cursor"], FLOW, flow(base, total, female, male, cells))) == rule


def test_a_whole_split_is_accepted_and_one_row_per_key(base):
    cur = base["cursor"]
    assert refused(cur, FLOW, flow(base, 8, 4, 4, (1, 1, 1, 1, 1, 1, 1, 1))) is None
    assert rule_of(refused(cur, FLOW, flow(base, 9))) == "one_flow_count_per_key"


LOCATION = (
    "INSERT INTO movements_householdlocation (household_id, status, since, province_id, district_id, recorded_in_id, "
    "crossing_point_id, note, recorded_at) VALUES (%s, %s, '2025-03-01', %s, %s, %s, %s, '', now()) RETURNING id"
)


def test_the_location_history_is_append_only(base):
    cur = base["cursor"]
    b = base
    cur.execute(LOCATION, (b["household"], "in_host_community", b["province"], None, b["province"], None))
    entry = cur.fetchone()[0]
    for sql in (
        "UPDATE movements_householdlocation SET note = 'x' WHERE id = %s",
        "DELETE FROM movements_householdlocation WHERE id = %s",
    ):
        assert rule_of(refused(cur, sql, (entry,))) == "household_location_history_is_append_only"


def test_a_location_is_in_afghanistan_and_names_its_place(base):
    cur, b = base["cursor"], base
    error = refused(
        cur, LOCATION, (b["household"], "in_host_community", b["district_of_other"], None, b["province"], None)
    )
    assert rule_of(error) == "household_location_in_afghanistan"
    error = refused(cur, LOCATION, (b["household"], "in_site", b["province"], None, b["province"], None))
    assert rule_of(error) == "location_status_names_its_place"
    error = refused(cur, LOCATION, (b["household"], "arrived_at_border", b["province"], None, b["province"], None))
    assert rule_of(error) == "location_status_names_its_place"
    error = refused(cur, LOCATION, (b["household"], "moved_to_province", b["province"], None, b["province"], None))
    assert rule_of(error) == "location_status_names_its_place"
    assert (
        refused(cur, LOCATION, (b["household"], "arrived_at_border", b["province"], None, b["province"], b["point"]))
        is None
    )


SITE = (
    "INSERT INTO movements_idpsite (code, name, name_prs, name_ps, kind, province_id, district_id, geom, notes, "
    "is_demo) VALUES (%s, 'Raw site', '', '', 'camp', %s, %s, ST_GeomFromText(%s, 4326), '', false) RETURNING id"
)


def test_an_idp_site_lies_in_its_province_and_district(base):
    cur, b = base["cursor"], base
    error = refused(cur, SITE, ("far", b["province"], None, "POINT(62.2 34.3)"))
    assert rule_of(error) == "idp_site_inside_its_province" and "outside Raw province (AF98)" in str(error)
    error = refused(cur, SITE, ("wrong-district", b["province"], b["district_of_other"], "POINT(70.4 34.4)"))
    assert rule_of(error) == "idp_site_inside_its_province"
    assert (
        refused(cur, SITE, ("near", b["province"], None, "POLYGON((70.4 34.4, 70.41 34.4, 70.41 34.41, 70.4 34.4))"))
        is None
    )
    cur.execute("SELECT id FROM movements_idpsite WHERE code = 'near'")
    site = cur.fetchone()[0]
    error = refused(
        cur, "UPDATE movements_idpsite SET geom = ST_GeomFromText('POINT(62.2 34.3)', 4326) WHERE id = %s", (site,)
    )
    assert rule_of(error) == "idp_site_inside_its_province"
    estimate = (
        "INSERT INTO movements_sitepopulationestimate (site_id, round, assessed_on, method, arrival_idps, "
        "returned_idps, returnees_from_abroad, out_migrants, is_demo) VALUES (%s, 'R1', '2025-01-01', 'headcount', "
        "%s, 0, 0, 0, false)"
    )
    assert rule_of(refused(cur, estimate, (site, -5))) == "site_estimate_not_negative"
    assert refused(cur, estimate, (site, 5)) is None
    assert rule_of(refused(cur, estimate, (site, 6))) == "one_estimate_per_site_and_round"
