"""Matching people and opportunities: who is eligible, and how well each fits, scored in parts and ranked by one
set-based SQL statement per question (docs/livelihoods.md, "Matching").

The parts, each 0..1, weighed by the opportunity's matching programme (MatchingProgramme) into a score of 0-100:

- skills: the best of the person's occupations against the ISCO-08 codes asked for: within a group asked for 1,
  same minor group 0.6, same sub-major 0.3, same major 0.1; times 0.5 + 0.5 × (years of experience, up to 5) / 5.
  An opportunity that asks for no code fits everyone (1).
- distance: from where the household lives to the opportunity, measured in the opportunity's UTM zone: 1 within the
  programme's walking distance, falling to 0 at the furthest the person can travel (their profile, or the
  programme's default). Where a household lives: its plot (the allocation that holds one, approved or later); else
  the IDP site of its latest recorded location (movements); else a point inside its current district; unknown
  scores 0.
- vulnerability: the share of the opportunity's vulnerability priorities (all five flags when it names none) the
  household has.
- workplace: 1 when the person accepts the workplace (a women-only workplace, or any) and can work outside the home
  (a business grant or agricultural inputs are worked from home), else 0.

Eligibility (who is ranked at all) is the database's rule `livelihood_ineligibility()` applied to many people at
once; tests/livelihoods/test_matching.py holds the two equal on random data.

The people side is read from one narrow table, livelihoods_matchprofile (one row per skills profile: the person, the
household's flags, its plot and IDP site, the occupations as arrays), which the database's triggers keep equal to
its sources (sql/0005_match_profiles.sql; `manage.py rebuild_match_profiles` rebuilds it): docs/livelihoods.md,
"Matching at speed".
"""

from django.db import connection, transaction
from django.utils.translation import gettext as _

from households.models import VULNERABILITY_FLAGS
from landreg.calendar import number_text

HELD_STATUSES = ("approved", "assigned", "letter_issued", "handed_over", "occupied", "titled")
HOME_KINDS = ("business_grant", "agricultural_inputs")
RANK_LIMIT = 50

# The people side of a pair, for the profiles of one province (%(province)s), and optionally one person
# (%(person)s): one row of the matching table each (livelihoods_matchprofile, kept equal to its sources by the
# database's triggers: sql/0005_match_profiles.sql), and where the household is located (see the module's
# docstring). No outline travels with the rows: the distance of each plot, site and district point within reach is
# measured once (PLACES_SQL) and looked up by id. A plot's township and district are read from the plot at query
# time ({plot_join}) and only when the question needs them, since a plot may be redrawn into another township.
PEOPLE_SQL = """
  SELECT mp.person_id, mp.sex, mp.date_of_birth, mp.household_id, mp.province_id AS h_province, mp.category,
         mp.current_district_id, mp.female_headed, mp.disability AS h_disability, mp.elderly_head,
         mp.unaccompanied_child, mp.chronic_illness, mp.profile_id, mp.max_travel_km, mp.workplace_accepted,
         mp.can_work_outside_home, mp.isco_codes AS p_codes, mp.years AS p_years, mp.plot_id, mp.site_id,
         {plot_columns}, d.id AS located_district,
         CASE WHEN mp.plot_id IS NOT NULL THEN 'plot' WHEN mp.site_id IS NOT NULL THEN 'site'
              WHEN d.id IS NOT NULL THEN 'district' END AS located_by,
         -- The place's id among those of its kind (PLACES_SQL): the plot, the IDP site, the district.
         CASE WHEN mp.plot_id IS NOT NULL THEN mp.plot_id WHEN mp.site_id IS NOT NULL THEN mp.site_id
              WHEN d.id IS NOT NULL THEN d.id END AS place_id
    FROM livelihoods_matchprofile mp
    -- The districts of the province that have an outline (a point inside each is taken in PLACES_SQL).
    LEFT JOIN (SELECT id FROM parcels_adminarea
                WHERE level = 'district' AND parent_id = %(province)s AND geom IS NOT NULL) d
           ON d.id = mp.current_district_id
    {plot_join}
   WHERE mp.province_id = %(province)s {person}
"""
PLOT_JOIN = """LEFT JOIN townships_plot pl ON pl.id = mp.plot_id
    LEFT JOIN townships_township t ON t.id = pl.township_id"""
PLOT_COLUMNS = "t.id AS plot_township, t.district_id AS plot_district"
NO_PLOT_COLUMNS = "NULL::bigint AS plot_township, NULL::bigint AS plot_district"

# The distance (km, in the opportunity's UTM zone) from each place a household may be located by to each
# opportunity, measured only for the places inside the opportunity's reach box (beyond it the distance part is 0
# without measuring): the plots (by their GiST index, or one person's plot), a point inside each district of the
# province, and a point inside each IDP site (or one person's). A place is measured once, however many people live
# there, and an opportunity is taken into its UTM zone only when some place lies within its reach.
PLACES_SQL = """
near AS (
  SELECT op.opportunity_id, 'plot' AS located_by, pl.id AS place_id, ST_Centroid(pl.geom) AS place
    FROM op JOIN {plots} pl ON pl.geom && op.o_reach
  UNION ALL
  SELECT op.opportunity_id, 'district', d.id, ST_Centroid(d.point)
    FROM op JOIN (SELECT id, ST_PointOnSurface(geom) AS point FROM parcels_adminarea
                   WHERE level = 'district' AND parent_id = %(province)s AND geom IS NOT NULL {districts}
                  OFFSET 0) d ON d.point && op.o_reach
  UNION ALL
  SELECT op.opportunity_id, 'site', st.id, st.point
    FROM op JOIN (SELECT id, ST_PointOnSurface(geom) AS point FROM movements_idpsite {sites} OFFSET 0) st
      ON st.point && op.o_reach
), utm AS (
  SELECT op.opportunity_id, z.srid, ST_Transform(op.o_geom, z.srid) AS o_utm
    FROM op CROSS JOIN LATERAL (SELECT landreg_utm_srid(op.o_geom) AS srid) z
), place_km AS (
  SELECT n.opportunity_id, n.located_by, n.place_id, ST_Distance(ST_Transform(n.place, u.srid), u.o_utm) / 1000 AS km
    FROM near n JOIN utm u ON u.opportunity_id = n.opportunity_id
)"""

# The opportunity side: its eligibility, where it is (in its UTM zone), its programme's weights.
OPPORTUNITIES_SQL = """
  SELECT o.id AS opportunity_id, o.kind, o.workplace, o.isco_codes AS o_codes, o.sex AS o_sex,
         o.age_min, o.age_max, o.categories AS o_categories, o.province_id AS o_province, o.township_id AS o_township,
         o.district_id AS o_district, o.vulnerable_only, o.start_on,
         CASE WHEN cardinality(o.vulnerability_priorities) = 0 THEN %(all_flags)s::varchar[]
              ELSE o.vulnerability_priorities END AS o_priorities,
         coalesce(o.point::geometry, o.area::geometry) AS o_geom,
         -- Everything within anyone's reach lies in this box: the furthest travel of any profile (or the
         -- programme's default), at 80 km a degree (a degree of longitude is 87 km or more in Afghanistan, of
         -- latitude 110 km; the margin covers UTM's scale error). Beyond it the distance part is 0 without
         -- measuring; the rows kept are measured at the end.
         ST_Expand(coalesce(o.point::geometry, o.area::geometry),
                   greatest(m.default_max_travel_km::float8, (SELECT coalesce(max(max_travel_km), 0)::float8
                                                                 FROM livelihoods_skillsprofile)) / 80.0) AS o_reach,
         -- The age on the start (or today, if later) within the range, as dates of birth, once an opportunity: the
         -- same as extract(year FROM age(day, born)) BETWEEN age_min AND age_max, leap days included (checked for
         -- every day of birth from 1940 against days around 29 February), without age() once a pair.
         (greatest(o.start_on, current_date) - make_interval(years => o.age_min))::date AS born_by,
         (greatest(o.start_on, current_date) - make_interval(years => o.age_max + 1))::date AS born_after,
         -- Whether each vulnerability flag is a priority: computed once an opportunity, not once a pair.
         ('female_headed' = ANY (o.vulnerability_priorities) OR cardinality(o.vulnerability_priorities) = 0) AS pr_fh,
         ('disability' = ANY (o.vulnerability_priorities) OR cardinality(o.vulnerability_priorities) = 0) AS pr_di,
         ('elderly_head' = ANY (o.vulnerability_priorities) OR cardinality(o.vulnerability_priorities) = 0) AS pr_eh,
         ('unaccompanied_child' = ANY (o.vulnerability_priorities)
          OR cardinality(o.vulnerability_priorities) = 0) AS pr_uc,
         ('chronic_illness' = ANY (o.vulnerability_priorities) OR cardinality(o.vulnerability_priorities) = 0) AS pr_ci,
         m.weight_skills AS ws, m.weight_distance AS wd, m.weight_vulnerability AS wv, m.weight_workplace AS ww,
         m.walking_km::float8 AS walking_km, m.default_max_travel_km::float8 AS default_travel_km
    FROM livelihoods_opportunity o
    JOIN livelihoods_matchingprogramme m ON m.id = o.programme_id
"""

# Eligibility of a pair (people as pe, opportunities as op): the same conditions as livelihood_ineligibility().
ELIGIBLE_SQL = """
      pe.date_of_birth IS NOT NULL
  AND pe.date_of_birth <= op.born_by AND pe.date_of_birth > op.born_after
  AND (op.o_sex = 'any' OR op.o_sex = pe.sex)
  AND (cardinality(op.o_categories) = 0 OR pe.category = ANY (op.o_categories))
  AND pe.h_province = op.o_province
  AND (op.o_township IS NULL OR pe.plot_township IS NOT DISTINCT FROM op.o_township)
  AND (op.o_district IS NULL OR op.o_district IS NOT DISTINCT FROM coalesce(pe.plot_district, pe.current_district_id))
  AND (NOT op.vulnerable_only OR (op.pr_fh AND pe.female_headed) OR (op.pr_di AND pe.h_disability)
       OR (op.pr_eh AND pe.elderly_head) OR (op.pr_uc AND pe.unaccompanied_child)
       OR (op.pr_ci AND pe.chronic_illness))
"""

# How well an occupation's code ({code}) fits a code asked for ({wanted}), before experience: the skills part of
# docs/livelihoods.md.
LEVEL_SQL = """(CASE WHEN left({code}, length({wanted})) = {wanted} THEN 1.0
                   WHEN left({code}, 3) = left({wanted}, 3) THEN 0.6
                   WHEN left({code}, 2) = left({wanted}, 2) THEN 0.3
                   WHEN left({code}, 1) = left({wanted}, 1) THEN 0.1 ELSE 0.0 END)"""
# ... times experience: 0.5 + 0.5 × (years, up to 5) / 5.
EXPERIENCE_SQL = "(0.5 + 0.5 * least({years}::float8, 5) / 5)"
FIT_SQL = LEVEL_SQL.format(code="oc.isco_code", wanted="c.code") + " * " + EXPERIENCE_SQL.format(years="oc.years")

# The skills part for one person and many opportunities: each of the person's occupations (the matching table's
# arrays) against each code asked for, the best per opportunity.
SKILLS_FOR_ONE_PERSON_SQL = f"""skills AS (
  SELECT pe.profile_id, op.opportunity_id, max({FIT_SQL}) AS fit
    FROM pe CROSS JOIN LATERAL unnest(pe.p_codes, pe.p_years) AS oc(isco_code, years)
    CROSS JOIN op CROSS JOIN LATERAL unnest(op.o_codes) AS c(code)
   GROUP BY pe.profile_id, op.opportunity_id
), """

# The skills part for many people and one opportunity: the level of every ISCO-08 group against the codes asked
# for is worked out once (about 600 rows), and each person's occupations (the matching table's arrays) look theirs
# up by hash: the first two as joins (most people have one or two), any further ones in a subquery. The best
# occupation, times its experience; none in the groups asked for: 0.
LEVELS_FOR_ONE_OPPORTUNITY_SQL = """levels AS (
  SELECT u.code, max({level}) AS level
    FROM livelihoods_iscooccupation u CROSS JOIN op CROSS JOIN LATERAL unnest(op.o_codes) AS c(code)
   GROUP BY u.code
), """.format(level=LEVEL_SQL.format(code="u.code", wanted="c.code"))
LEVELS_JOIN_SQL = """LEFT JOIN levels l1 ON l1.code = pr.p_codes[1]
    LEFT JOIN levels l2 ON l2.code = pr.p_codes[2]"""
LEVELS_PART_SQL = """coalesce(greatest(l1.level * {first}, l2.level * {second},
                                CASE WHEN cardinality(pr.p_codes) > 2
                                     THEN (SELECT max(l.level * {rest})
                                             FROM unnest(pr.p_codes[3:], pr.p_years[3:]) AS u(code, years)
                                             JOIN levels l ON l.code = u.code) END), 0)""".format(
    first=EXPERIENCE_SQL.format(years="pr.p_years[1]"),
    second=EXPERIENCE_SQL.format(years="pr.p_years[2]"),
    rest=EXPERIENCE_SQL.format(years="u.years"),
)

# The opportunity's columns each pair carries: everything but its geometry (measured in PLACES_SQL, and for the
# rows kept at the end).
OPPORTUNITY_COLUMNS = (
    "opportunity_id, kind, workplace, o_codes, o_sex, age_min, age_max, o_categories, o_province, o_township, "
    "o_district, vulnerable_only, start_on, o_priorities, pr_fh, pr_di, pr_eh, pr_uc, pr_ci, ws, wd, wv, ww, "
    "walking_km, default_travel_km, born_by, born_after"
)

# From the eligible pairs: the skills part (the best occupation, from the matching table's arrays), the distance
# looked up by place, the four parts, the score; the best occupation's code, the distance beyond reach and the
# referral are looked up for the rows kept only.
SCORE_SQL = """
{skills_cte}{places}, measured AS (
  -- Only what the next steps and the rows kept need: the opportunity's other columns are joined back at the end.
  SELECT pr.person_id, pr.household_id, pr.profile_id, pr.plot_id, pr.site_id, pr.located_district,
         pr.located_by, pr.opportunity_id, pr.workplace_accepted, pr.can_work_outside_home, pr.walking_km,
         pr.ws, pr.wd, pr.wv, pr.ww,
         {skills_part} AS part_skills,
         pk.km,
         coalesce(pr.max_travel_km::float8, pr.default_travel_km) AS travel_km,
         ((CASE WHEN pr.pr_fh AND pr.female_headed THEN 1 ELSE 0 END)
          + (CASE WHEN pr.pr_di AND pr.h_disability THEN 1 ELSE 0 END)
          + (CASE WHEN pr.pr_eh AND pr.elderly_head THEN 1 ELSE 0 END)
          + (CASE WHEN pr.pr_uc AND pr.unaccompanied_child THEN 1 ELSE 0 END)
          + (CASE WHEN pr.pr_ci AND pr.chronic_illness THEN 1 ELSE 0 END)
         )::float8 / cardinality(pr.o_priorities) AS part_vulnerability,
         CASE WHEN NOT pr.can_work_outside_home AND pr.kind <> ALL (%(home_kinds)s) THEN 0.0
              WHEN pr.workplace_accepted = 'women_only' AND pr.workplace <> 'women_only' THEN 0.0
              ELSE 1.0 END AS part_workplace
    FROM pairs pr
    {skills_join}
    LEFT JOIN place_km pk ON pk.opportunity_id = pr.opportunity_id AND pk.located_by = pr.located_by
                         AND pk.place_id = pr.place_id
   WHERE pr.eligible
  -- OFFSET 0: computed once a row here, not again wherever the next steps name km or a part.
  OFFSET 0
), scored AS (
  SELECT ms.*,
         CASE WHEN ms.km IS NULL THEN 0.0
              WHEN ms.km <= ms.walking_km THEN 1.0
              WHEN ms.km >= ms.travel_km THEN 0.0
              ELSE 1.0 - (ms.km - ms.walking_km) / (ms.travel_km - ms.walking_km) END AS part_distance
    FROM measured ms
  OFFSET 0
), ranked AS (
  SELECT sc.*, round((100.0 * (sc.ws * sc.part_skills + sc.wd * sc.part_distance + sc.wv * sc.part_vulnerability
                               + sc.ww * sc.part_workplace) / (sc.ws + sc.wd + sc.wv + sc.ww))::numeric, 1) AS score
    FROM scored sc
   ORDER BY score DESC, sc.km ASC NULLS LAST, sc.{tiebreak}
   LIMIT %(limit)s
)
SELECT rk.*, og.kind, og.workplace, og.o_codes, best.best_code, best.best_years,
       rf.status AS referral_status, rf.id AS referral_id,
       CASE WHEN rk.km IS NULL AND rk.located_by IS NOT NULL
            THEN ST_Distance(ST_Transform(ST_Centroid(coalesce(pl.geom, sp.point, dp.point)), z.srid),
                             ST_Transform(og.o_geom, z.srid)) / 1000 END AS far_km,
       p.name AS person_name, h.code AS household_code, pl.number AS plot_number, o.title
  FROM ranked rk
  JOIN op og ON og.opportunity_id = rk.opportunity_id
  CROSS JOIN LATERAL (SELECT landreg_utm_srid(og.o_geom) AS srid) z
  JOIN households_person p ON p.id = rk.person_id
  JOIN households_household h ON h.id = rk.household_id
  JOIN livelihoods_opportunity o ON o.id = rk.opportunity_id
  LEFT JOIN townships_plot pl ON pl.id = rk.plot_id
  LEFT JOIN LATERAL (SELECT ST_PointOnSurface(d.geom) AS point FROM parcels_adminarea d
                      WHERE d.id = rk.located_district) dp ON rk.located_by = 'district'
  LEFT JOIN LATERAL (SELECT ST_PointOnSurface(st.geom) AS point FROM movements_idpsite st
                      WHERE st.id = rk.site_id) sp ON rk.located_by = 'site'
  LEFT JOIN livelihoods_referral rf ON rf.opportunity_id = rk.opportunity_id AND rf.person_id = rk.person_id
  LEFT JOIN LATERAL (
    SELECT oc.isco_code AS best_code, oc.years::float8 AS best_years
      FROM livelihoods_occupation oc CROSS JOIN LATERAL unnest(og.o_codes) AS c(code)
     WHERE oc.profile_id = rk.profile_id AND left(oc.isco_code, 1) = left(c.code, 1)
     ORDER BY {fit} DESC, oc.years DESC, oc.isco_code LIMIT 1) best ON true
 ORDER BY rk.score DESC, rk.km ASC NULLS LAST, rk.{tiebreak}
"""


def _pairs_sql(conditions: list[str]) -> str:
    """Every person with every opportunity, eligibility as a column. OFFSET 0 keeps the eligibility test after this
    join: pushed down into it, it would hide from the planner how many pairs there are (it cannot estimate those
    conditions), and it would join the skills to them one by one. The measuring step keeps the eligible ones."""
    columns = ", ".join(f"op.{c.strip()}" for c in OPPORTUNITY_COLUMNS.split(","))
    return f"SELECT pe.*, {columns}, ({' AND '.join(conditions)}) AS eligible FROM pe CROSS JOIN op OFFSET 0"


def _people_sql(*, one_person: bool = False, plots: bool = True) -> str:
    """The people side; with `plots`, each plot holder's township and district (needed when the opportunity is
    limited to a township or district, or the user to some townships)."""
    return PEOPLE_SQL.format(
        plot_join=PLOT_JOIN if plots else "",
        plot_columns=PLOT_COLUMNS if plots else NO_PLOT_COLUMNS,
        person="AND mp.person_id = %(person)s" if one_person else "",
    )


def _score_sql(tiebreak: str, *, one_person: bool, many_opportunities: bool = False) -> str:
    """The scoring statement; for one person, the places measured are that person's only; for many opportunities,
    the skills part is SKILLS_FOR_ONE_PERSON_SQL's."""
    places = PLACES_SQL.format(
        # One person's plot first (OFFSET 0), then the opportunities around it: not each opportunity's plots.
        plots="(SELECT * FROM townships_plot WHERE id IN (SELECT plot_id FROM pe) OFFSET 0)"
        if one_person
        else "townships_plot",
        districts="AND id IN (SELECT located_district FROM pe)" if one_person else "",
        sites="WHERE id IN (SELECT site_id FROM pe)" if one_person else "",
    )
    if many_opportunities:
        skills = {
            "skills_cte": SKILLS_FOR_ONE_PERSON_SQL,
            "skills_join": "LEFT JOIN skills sk ON sk.opportunity_id = pr.opportunity_id "
            "AND sk.profile_id = pr.profile_id",
            "skills_part": "CASE WHEN cardinality(pr.o_codes) = 0 THEN 1.0 ELSE coalesce(sk.fit, 0) END",
        }
    else:
        skills = {
            "skills_cte": LEVELS_FOR_ONE_OPPORTUNITY_SQL,
            "skills_join": LEVELS_JOIN_SQL,
            "skills_part": f"CASE WHEN cardinality(pr.o_codes) = 0 THEN 1.0 ELSE {LEVELS_PART_SQL} END",
        }
    return SCORE_SQL.format(fit=FIT_SQL, tiebreak=tiebreak, places=places, **skills)


def _run(sql: str, params: dict) -> list[dict]:
    params = {"all_flags": list(VULNERABILITY_FLAGS), "home_kinds": list(HOME_KINDS), **params}
    with transaction.atomic(), connection.cursor() as cursor:
        # PostgreSQL's JIT compiler would take seconds to compile this statement (its estimated cost is far above
        # jit_above_cost) to save milliseconds.
        cursor.execute("SET LOCAL jit = off")
        # Parallel workers would ship every scored pair (with its plot's outline) back to the leader: slower here.
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        # The hashes of a province's profiles (its households, their skills) fit in memory at 200,000 profiles
        # instead of spilling to disk in batches, as they do at the default 4 MB.
        cursor.execute("SET LOCAL work_mem = '48MB'")
        cursor.execute(sql, params)
        names = [c.name for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def people_for_opportunity_sql(
    *, township_ids: set[int] | None = None, person_id: bool = False, plots: bool = True
) -> str:
    """The statement ranking the eligible people of the opportunity's province (%(province)s) for one opportunity
    (%(opportunity)s), optionally one person only (%(person)s) or only households whose plot is in some townships
    (%(townships)s, a user limited to townships). Without `plots`, the plots' townships and districts are not read:
    only for an opportunity open to its whole province, ranked for a user who sees the whole province."""
    where = [ELIGIBLE_SQL]
    if township_ids is not None:
        where.append("pe.plot_township = ANY (%(townships)s)")
    return (
        f"WITH op AS ({OPPORTUNITIES_SQL} WHERE o.id = %(opportunity)s), "
        f"pe AS ({_people_sql(one_person=person_id, plots=plots or person_id or township_ids is not None)}), "
        f"pairs AS ({_pairs_sql(where)}), " + _score_sql("person_id", one_person=person_id)
    )


def opportunities_for_person_sql() -> str:
    """The statement ranking the open opportunities of the person's province (%(province)s) that a person
    (%(person)s) is eligible for on %(today)s."""
    return (
        f"WITH pe AS ({_people_sql(one_person=True)}), "
        f"op AS ({OPPORTUNITIES_SQL} WHERE o.province_id = %(province)s AND o.status = 'open' "
        "AND (o.end_on IS NULL OR o.end_on >= %(today)s) AND o.places_filled < o.places_offered), "
        f"pairs AS ({_pairs_sql([ELIGIBLE_SQL])}), "
        + _score_sql("opportunity_id", one_person=True, many_opportunities=True)
    )


def match_profiles_rebuild() -> tuple[int, int]:
    """Rebuild the matching table from its sources (sql/0005_match_profiles.sql: the triggers keep it exact; this
    is for repair, after a restore or a load with the triggers switched off). Returns (rows that differed from
    their sources before, rows now)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("LOCK TABLE livelihoods_matchprofile IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute(
            "SELECT count(*) FROM ((SELECT * FROM livelihoods_matchprofile EXCEPT SELECT * FROM "
            "livelihoods_matchprofile_source) UNION ALL (SELECT * FROM livelihoods_matchprofile_source EXCEPT "
            "SELECT * FROM livelihoods_matchprofile)) drift"
        )
        differed = cursor.fetchone()[0]
        cursor.execute("SELECT livelihood_match_profiles_rebuild()")
        return differed, cursor.fetchone()[0]


def _where_opportunity_is(opportunity_id: int) -> tuple[int | None, bool]:
    """The opportunity's province, and whether it is limited to a township or a district."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT province_id, township_id IS NOT NULL OR district_id IS NOT NULL FROM livelihoods_opportunity "
            "WHERE id = %s",
            [opportunity_id],
        )
        row = cursor.fetchone()
    return (row[0], row[1]) if row else (None, False)


def rank_people(opportunity_id: int, *, limit: int = RANK_LIMIT, township_ids=None) -> list[dict]:
    """The eligible people for an opportunity, best first (no scope check: selectors.people_ranked_for has it).
    The opportunity's province is read first and passed as a constant, so that the planner knows how many profiles
    it ranks and joins them by hash."""
    province, limited = _where_opportunity_is(opportunity_id)
    params = {
        "opportunity": opportunity_id,
        "province": province,
        "limit": limit,
        "townships": list(township_ids or []),
    }
    sql = people_for_opportunity_sql(township_ids=township_ids, plots=limited)
    return [_parts(row) for row in _run(sql, params)]


def rank_opportunities(person_id: int, *, today, limit: int = RANK_LIMIT) -> list[dict]:
    """The open opportunities a person is eligible for, best first (selectors.opportunities_ranked_for scopes it)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT h.province_id FROM households_person p JOIN households_household h ON h.id = p.household_id "
            "WHERE p.id = %s",
            [person_id],
        )
        row = cursor.fetchone()
    if row is None:
        return []
    params = {"person": person_id, "province": row[0], "today": today, "limit": limit}
    return [_parts(row) for row in _run(opportunities_for_person_sql(), params)]


def match_of(opportunity_id: int, person_id: int) -> dict | None:
    """The score of one pair with its parts, or None when the person is not eligible."""
    params = {
        "opportunity": opportunity_id,
        "person": person_id,
        "province": _where_opportunity_is(opportunity_id)[0],
        "limit": 1,
    }
    rows = _run(people_for_opportunity_sql(person_id=True), params)
    return _parts(rows[0]) if rows else None


def _parts(row: dict) -> dict:
    """A ranked row as the faces use it: ids, score, its parts, and what explains them."""
    return {
        "opportunity": row["opportunity_id"],
        "title": row["title"],
        "kind": row["kind"],
        "person": row["person_id"],
        "person_name": row["person_name"],
        "household": row["household_id"],
        "household_code": row["household_code"],
        "plot_number": row["plot_number"],
        "score": float(row["score"]),
        "parts": {
            "skills": round(float(row["part_skills"]), 3),
            "distance": round(float(row["part_distance"]), 3),
            "vulnerability": round(float(row["part_vulnerability"]), 3),
            "workplace": round(float(row["part_workplace"]), 3),
        },
        "weights": {"skills": row["ws"], "distance": row["wd"], "vulnerability": row["wv"], "workplace": row["ww"]},
        "best_isco": row["best_code"],
        "best_years": row["best_years"],
        "asks_for_skills": bool(row["o_codes"]),
        "distance_km": None
        if (row["km"] if row["km"] is not None else row["far_km"]) is None
        else round(float(row["km"] if row["km"] is not None else row["far_km"]), 2),
        "travel_km": float(row["travel_km"]),
        "walking_km": float(row["walking_km"]),
        "located_by": row["located_by"],
        "workplace": row["workplace"],
        "workplace_accepted": row["workplace_accepted"],
        "can_work_outside_home": row["can_work_outside_home"],
        "referral_status": row["referral_status"],
        "referral": row["referral_id"],
    }


def _years_text(years) -> str:
    """Years of experience as the reader writes numbers: 6 or 2.5."""
    return number_text(years, places=0 if float(years) == int(years) else 1)


def explain(match: dict) -> list[str]:
    """One sentence per part of a match, in the reader's language: numbers in its digits
    (`landreg.calendar.number_text`: Persian digits in Dari and Pashto), the occupation's title in its words."""
    from livelihoods.models import IscoOccupation
    from livelihoods.selectors import occupation_label

    lines = []
    if not match["asks_for_skills"]:
        lines.append(_("Skills: the opportunity is open to any skill."))
    elif match["best_isco"]:
        occupation = IscoOccupation.objects.filter(code=match["best_isco"]).first()
        lines.append(
            _("Skills: %(code)s %(title)s, %(years)s years (fit %(part)s%%).")
            % {
                "code": match["best_isco"],  # a code, as typed in the occupation search: Latin digits
                "title": occupation_label(occupation) if occupation else "",
                "years": _years_text(match["best_years"]),
                "part": number_text(100 * match["parts"]["skills"], places=0),
            }
        )
    else:
        lines.append(_("Skills: none of the person's occupations is in the groups asked for."))
    where = {
        "plot": _("from their plot"),
        "site": _("from their site"),
        "district": _("from their district (no plot or site recorded)"),
    }.get(match["located_by"])
    if match["distance_km"] is None:
        lines.append(_("Distance: unknown; the household has no plot, site or district recorded."))
    else:
        lines.append(
            _("Distance: %(km)s km %(where)s; full within %(walk)s km, none beyond %(max)s km.")
            % {
                "km": number_text(match["distance_km"], places=1),
                "where": where,
                "walk": number_text(match["walking_km"], places=1),
                "max": number_text(match["travel_km"], places=1),
            }
        )
    lines.append(
        _("Vulnerability: %(part)s%% of the opportunity's priorities.")
        % {"part": number_text(100 * match["parts"]["vulnerability"], places=0)}
    )
    if match["parts"]["workplace"]:
        lines.append(_("Workplace: the person accepts it."))
    elif not match["can_work_outside_home"]:
        lines.append(_("Workplace: the person cannot work outside the home."))
    else:
        lines.append(_("Workplace: the person works only where only women work."))
    return lines
