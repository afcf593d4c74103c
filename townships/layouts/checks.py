"""The checks of a layout, as set-based SQL in PostGIS on a temporary table of the file's features, measured in the
township's UTM zone; and the differences with the township's plots, matched by number."""

import csv
import io
import json

from django.apps import apps

from townships.layouts.limits import close_gap_m, min_plot_m2
from townships.layouts.read import LayoutFile, Mapping, _features, number_order
from townships.layouts.report import REPORT_LIST_LIMIT, LayoutReport
from townships.models import Block, Plot, Township

CHUNK = 5000  # rows per COPY into the temporary table
# Plot numbers as people count them (1, 2, 10, 100), in SQL where a LIMIT needs the order; the lists are then
# sorted in full by read.number_order, which also orders the letters (12A, B3).
NUMBER_ORDER = "NULLIF(substring({column} from '^[0-9]{{1,15}}'), '')::numeric NULLS LAST, {column}"

CREATE_STAGE = """
CREATE TEMP TABLE layout_feature (
  fid bigint, kind text, number text, block_code text, use_raw text, use text, geom geometry,
  problems jsonb NOT NULL DEFAULT '[]', repairs jsonb NOT NULL DEFAULT '[]',
  block_id bigint, plot_id bigint, action text, changes text[] NOT NULL DEFAULT '{}', allocated boolean,
  block_before text, moved_m double precision, overlaps_old boolean
) ON COMMIT DROP
"""

# Each statement adds problems or repairs; %(t)s is the township, %(srid)s its UTM zone. Containment is asked
# as ST_Covers(container, plot): PostGIS prepares the container once, which ST_CoveredBy(plot, container) does
# not (0.3 s against 4.7 s for 100,000 plots in a 1,300-vertex township). The area outside is measured only for
# the plots not covered: `OFFSET 0` keeps the planner from folding the subquery and measuring every plot first
# (it did: 5.8 s instead of 0.2 s for 100,000 plots, all inside).


def interiors_meet(a: str, b: str) -> str:
    """SQL that is true when the interiors of the polygons a and b meet ('T********': more than a shared edge or
    corner). Exact boxes that overlap by no width or no height hold polygons whose interiors cannot meet (each
    polygon's interior lies inside its box's), so ST_Relate is asked only for the others: it is no longer asked for
    the plots of a grid that share a corner only (their boxes touch at it), half the neighbour pairs. The set
    check, plot_set_violations() (townships/sql/0016_plot_neighbour_test.sql), is this test word for word with
    a = o.geom, b = t.geom: one test for the dry run and for the database (tests/db/test_set_rules_neighbours.py)."""
    return (
        f"(ST_XMin(box2d({a})) < ST_XMax(box2d({b})) AND ST_XMin(box2d({b})) < ST_XMax(box2d({a})) AND "
        f"ST_YMin(box2d({a})) < ST_YMax(box2d({b})) AND ST_YMin(box2d({b})) < ST_YMax(box2d({a})) AND "
        f"ST_Relate({a}, {b}, 'T********'))"
    )


# The pairs of the file's polygons (fid a < fid b) whose exact boxes overlap by a width and a height: exactly the
# pairs whose interiors may meet (interiors_meet asks ST_Relate of no others). Found on a grid, as the land rules'
# set check finds a large set's neighbours (townships/sql/0017_plot_set_copy.sql): each box is listed in the square
# cells it reaches (cells as wide as nine boxes in ten), the lists are joined on the cell by a hash join, and a
# pair is taken in the one cell that holds the south-west corner of the two boxes' overlap. For 100,000 plots this
# is a fraction of the spatial index's 100,000 probes (docs/benchmarks.md). A file whose grid would list more
# than eight cells per box on average (a few very large outlines) takes the spatial index instead; the answer is
# the same (tests/townships/test_layout_checks_grid.py).
FILE_PAIRS = """
    boxes AS MATERIALIZED (
      SELECT fid, ST_XMin(box2d(geom)) AS x0, ST_XMax(box2d(geom)) AS x1, ST_YMin(box2d(geom)) AS y0,
             ST_YMax(box2d(geom)) AS y1
        FROM layout_feature WHERE kind = 'polygon'),
    grid AS MATERIALIZED (
      SELECT s.size, (SELECT sum((floor(x1 / s.size) - floor(x0 / s.size) + 1)
                                 * (floor(y1 / s.size) - floor(y0 / s.size) + 1)) FROM boxes)
                     <= 8 * (SELECT count(*) FROM boxes) AS pays
        FROM (SELECT greatest(percentile_cont(0.9) WITHIN GROUP (ORDER BY greatest(x1 - x0, y1 - y0)), 1e-9) AS size
                FROM boxes) s),
    listed AS MATERIALIZED (
      SELECT b.*, cx, cy FROM boxes b, grid g,
             generate_series(floor(b.x0 / g.size)::bigint, floor(b.x1 / g.size)::bigint) AS cx,
             generate_series(floor(b.y0 / g.size)::bigint, floor(b.y1 / g.size)::bigint) AS cy
       WHERE g.pays),
    candidates AS (
      SELECT t.fid AS a, o.fid AS b
        FROM listed t JOIN listed o ON o.cx = t.cx AND o.cy = t.cy AND o.fid > t.fid, grid g
       WHERE floor(greatest(t.x0, o.x0) / g.size) = t.cx AND floor(greatest(t.y0, o.y0) / g.size) = t.cy
         AND o.x0 < t.x1 AND t.x0 < o.x1 AND o.y0 < t.y1 AND t.y0 < o.y1
      UNION ALL
      SELECT a.fid, b.fid
        FROM layout_feature a JOIN layout_feature b ON a.fid < b.fid AND a.geom && b.geom
       WHERE a.kind = 'polygon' AND b.kind = 'polygon' AND NOT (SELECT pays FROM grid)
         AND ST_XMin(box2d(a.geom)) < ST_XMax(box2d(b.geom)) AND ST_XMin(box2d(b.geom)) < ST_XMax(box2d(a.geom))
         AND ST_YMin(box2d(a.geom)) < ST_YMax(box2d(b.geom)) AND ST_YMin(box2d(b.geom)) < ST_YMax(box2d(a.geom)))"""


class DatabaseRuleCheck(str):
    """A check (its SQL) whose rule the database's own land rules also enforce on every plot written, at commit,
    with the same predicates and tolerance (rule: the rule's name, docs/rules.md). The commit of a checked file
    leaves these to the database, and runs them only to word a refusal (services.layout_commit)."""

    def __new__(cls, rule: str, sql: str):
        check = super().__new__(cls, sql)
        check.rule = rule
        return check


CHECKS = [
    # Lines (DXF polylines) become polygons when closed, or nearly closed (a repair).
    """
    UPDATE layout_feature SET
      problems = problems || CASE WHEN ST_NPoints(geom) < 3 THEN '[{"code": "too_few_points"}]'::jsonb
        WHEN gap > %(gap)s THEN jsonb_build_array(jsonb_build_object('code', 'open_outline',
                                 'params', jsonb_build_object('gap', round(gap::numeric, 2))))
        ELSE '[]'::jsonb END,
      repairs = repairs || CASE WHEN gap > 0 AND gap <= %(gap)s AND ST_NPoints(geom) >= 3 THEN
        jsonb_build_array(jsonb_build_object('code', 'polyline_closed',
                          'params', jsonb_build_object('gap', round(gap::numeric, 3)))) ELSE '[]'::jsonb END,
      geom = CASE WHEN ST_NPoints(geom) >= 3 AND gap <= %(gap)s THEN
               ST_MakePolygon(CASE WHEN ST_IsClosed(geom) THEN geom ELSE ST_AddPoint(geom, ST_StartPoint(geom)) END)
             ELSE geom END,
      kind = CASE WHEN ST_NPoints(geom) >= 3 AND gap <= %(gap)s THEN 'polygon' ELSE 'line' END
    FROM (SELECT fid AS gfid, ST_Distance(ST_Transform(ST_StartPoint(geom), %(srid)s),
                                          ST_Transform(ST_EndPoint(geom), %(srid)s)) AS gap
            FROM layout_feature WHERE kind = 'line') g
    WHERE kind = 'line' AND fid = gfid
    """,
    # Repeated corners are removed (a repair); fewer than four points left is not a polygon.
    """
    UPDATE layout_feature SET
      repairs = repairs || jsonb_build_array(jsonb_build_object('code', 'duplicate_vertex_removed',
                 'params', jsonb_build_object('count', ST_NPoints(geom) - ST_NPoints(ST_RemoveRepeatedPoints(geom))))),
      geom = ST_RemoveRepeatedPoints(geom)
    WHERE kind = 'polygon' AND ST_NPoints(ST_RemoveRepeatedPoints(geom)) < ST_NPoints(geom)
    """,
    """
    UPDATE layout_feature SET problems = problems || CASE
        WHEN d.reason ILIKE '%%self-intersection%%' THEN jsonb_build_array(jsonb_build_object(
          'code', 'self_intersection', 'params', jsonb_build_object('place',
            format('%%s°E %%s°N', round(ST_X(d.location)::numeric, 6), round(ST_Y(d.location)::numeric, 6)),
            'lon', ST_X(d.location), 'lat', ST_Y(d.location))))
        ELSE jsonb_build_array(jsonb_build_object('code', 'invalid_geometry',
          'params', jsonb_build_object('reason', d.reason))) END
    FROM (SELECT v.fid AS vfid, detail.* FROM layout_feature v CROSS JOIN LATERAL ST_IsValidDetail(v.geom) detail
           WHERE v.kind = 'polygon' AND NOT ST_IsValid(v.geom)) d
    WHERE kind = 'polygon' AND fid = vfid
    """,
    # From here on only valid polygons are measured (GEOS refuses to intersect invalid ones).
    """
    UPDATE layout_feature SET kind = 'invalid'
    WHERE kind = 'polygon'
      AND (problems @> '[{"code": "self_intersection"}]' OR problems @> '[{"code": "invalid_geometry"}]')
    """,
    # Numbers from labels (points) inside outlines that carry none, as a DXF's TEXT entities.
    """
    WITH inside AS (
      SELECT o.fid, array_agg(DISTINCT l.number ORDER BY l.number) AS labels
        FROM layout_feature o JOIN layout_feature l
          ON l.kind = 'label' AND l.number <> '' AND o.geom && l.geom
         AND ST_Intersects(CASE WHEN o.kind = 'line' THEN ST_ConvexHull(o.geom) ELSE o.geom END, l.geom)
       WHERE o.kind IN ('polygon', 'invalid', 'line') AND o.number = ''
       GROUP BY o.fid)
    UPDATE layout_feature f SET
      number = CASE WHEN cardinality(i.labels) = 1 THEN i.labels[1] ELSE '' END,
      problems = problems || CASE WHEN cardinality(i.labels) > 1 THEN jsonb_build_array(jsonb_build_object(
        'code', 'several_labels', 'params', jsonb_build_object('labels', array_to_string(i.labels, ', '))))
        ELSE '[]'::jsonb END
    FROM inside i WHERE f.fid = i.fid
    """,
    """
    UPDATE layout_feature SET problems = problems || jsonb_build_array(jsonb_build_object('code', 'no_number',
      'params', jsonb_build_object('field', %(number_field)s)))
    WHERE kind IN ('polygon', 'invalid') AND number = '' AND NOT problems @> '[{"code": "several_labels"}]'
    """,
    """
    UPDATE layout_feature SET problems = problems || jsonb_build_array(jsonb_build_object('code', 'number_too_long',
      'params', jsonb_build_object('number', left(number, 40), 'max', %(number_max)s)))
    WHERE kind IN ('polygon', 'invalid', 'line') AND length(number) > %(number_max)s
    """,
    """
    WITH d AS (SELECT number, count(*) AS n, string_agg(fid::text, ', ' ORDER BY fid) AS fids
                 FROM layout_feature WHERE kind IN ('polygon', 'invalid') AND number <> ''
                GROUP BY number HAVING count(*) > 1)
    UPDATE layout_feature f SET problems = problems || jsonb_build_array(jsonb_build_object(
      'code', 'duplicate_number', 'params', jsonb_build_object('number', d.number, 'count', d.n, 'fids', d.fids)))
    FROM d WHERE f.kind IN ('polygon', 'invalid') AND f.number = d.number
    """,
    """
    UPDATE layout_feature SET problems = problems || jsonb_build_array(jsonb_build_object('code', 'sliver',
      'params', jsonb_build_object('area', round(a::numeric, 2), 'min', %(min_area)s)))
    FROM (SELECT fid AS afid, ST_Area(ST_Transform(geom, %(srid)s)) AS a FROM layout_feature
           WHERE kind = 'polygon') s
    WHERE fid = afid AND a < %(min_area)s
    """,
    DatabaseRuleCheck(
        "plot_inside_township",
        """
    UPDATE layout_feature f SET problems = problems || jsonb_build_array(jsonb_build_object(
      'code', 'outside_township', 'params', jsonb_build_object('area', round(o.outside::numeric, 2))))
    FROM (SELECT ofid, landreg_area_outside(geom, container, %(srid)s) AS outside FROM (
            SELECT f2.fid AS ofid, f2.geom, t.geom AS container
              FROM layout_feature f2, townships_township t
             WHERE t.id = %(t)s AND f2.kind = 'polygon' AND NOT ST_Covers(t.geom, f2.geom) OFFSET 0) u) o
    WHERE f.fid = o.ofid AND o.outside > landreg_tolerance_m2()
    """,
    ),
    """
    UPDATE layout_feature SET problems = problems || jsonb_build_array(jsonb_build_object('code', 'unknown_block',
      'params', jsonb_build_object('block', block_code)))
    WHERE kind IN ('polygon', 'invalid') AND block_code <> '' AND block_id IS NULL
    """,
    DatabaseRuleCheck(
        "plot_inside_block",
        """
    UPDATE layout_feature f SET problems = problems || jsonb_build_array(jsonb_build_object(
      'code', 'outside_block', 'params', jsonb_build_object('area', round(o.outside::numeric, 2), 'block', o.code)))
    FROM (SELECT ofid, code, landreg_area_outside(geom, container, %(srid)s) AS outside FROM (
            SELECT f2.fid AS ofid, b.code, f2.geom, b.geom AS container
              FROM layout_feature f2 JOIN townships_block b ON b.id = f2.block_id
             WHERE f2.kind = 'polygon' AND NOT ST_Covers(b.geom, f2.geom) OFFSET 0) u) o
    WHERE f.fid = o.ofid AND o.outside > landreg_tolerance_m2()
    """,
    ),
    # Overlaps between features of the file: both are reported, each naming the other. The candidate pairs are
    # found on a grid (FILE_PAIRS), not through the spatial index.
    DatabaseRuleCheck(
        "plots_do_not_overlap",
        """
    WITH """
        + FILE_PAIRS
        + """,
    pairs AS (
      SELECT a.fid AS afid, a.number AS anum, b.fid AS bfid, b.number AS bnum,
             ST_Area(ST_Transform(ST_Intersection(a.geom, b.geom), %(srid)s)) AS area
        FROM candidates c JOIN layout_feature a ON a.fid = c.a JOIN layout_feature b ON b.fid = c.b
       WHERE """
        + interiors_meet("a.geom", "b.geom")
        + """),
    found AS (
      SELECT afid AS fid, bfid AS other_fid, bnum AS other_number, area FROM pairs WHERE area > landreg_tolerance_m2()
      UNION ALL
      SELECT bfid, afid, anum, area FROM pairs WHERE area > landreg_tolerance_m2()),
    per AS (
      SELECT fid, jsonb_agg(jsonb_build_object('code', 'overlap', 'params', jsonb_build_object(
               'area', round(area::numeric, 2), 'other_fid', other_fid, 'other_number', other_number,
               'other', 'feature ' || other_fid || ' (plot ' || coalesce(nullif(other_number, ''), '?') || ')'))
               ORDER BY other_fid) AS found
        FROM found GROUP BY fid)
    UPDATE layout_feature f SET problems = problems || per.found FROM per WHERE f.fid = per.fid
    """,
    ),
    # Overlaps with plots already in the township that this file does not replace (their number is not in it).
    DatabaseRuleCheck(
        "plots_do_not_overlap",
        """
    WITH found AS (
      SELECT f.fid, p.number, ST_Area(ST_Transform(ST_Intersection(f.geom, p.geom), %(srid)s)) AS area
        FROM layout_feature f JOIN townships_plot p
          ON p.township_id + 0 = %(t)s AND p.geom && f.geom AND """
        + interiors_meet("p.geom", "f.geom")
        + """
       WHERE f.kind = 'polygon'
         AND NOT EXISTS (SELECT 1 FROM layout_feature r WHERE r.number = p.number AND r.kind <> 'label')),
    per AS (
      SELECT fid, jsonb_agg(jsonb_build_object('code', 'overlap', 'params', jsonb_build_object(
               'area', round(area::numeric, 2), 'existing_number', number,
               'other', 'existing plot ' || number)) ORDER BY number) AS found
        FROM found WHERE area > landreg_tolerance_m2() GROUP BY fid)
    UPDATE layout_feature f SET problems = problems || per.found FROM per WHERE f.fid = per.fid
    """,
    ),
]

# Differences with the plots already in the township, matched by number. Numbers are township-wide, so a file's
# plot 17 may be another block's plot 17: each change keeps the block before, how far the outline's centre moves
# (m, in the UTM zone) and whether the new outline overlaps the old one at all (if not: "a different plot with
# the same number?").
DIFF = [
    """
    UPDATE layout_feature f SET plot_id = m.id, changes = m.changes, allocated = m.allocated,
      block_before = m.block_before, moved_m = m.moved_m, overlaps_old = m.overlaps_old,
      action = CASE WHEN m.changes = '{}' THEN 'unchanged' ELSE 'change' END
    FROM (
      SELECT f2.fid AS mfid, p.id,
             array_remove(ARRAY[
               CASE WHEN NOT ST_OrderingEquals(p.geom, f2.geom)
                     AND ST_HausdorffDistance(ST_Transform(p.geom, %(srid)s), ST_Transform(f2.geom, %(srid)s)) > 0.01
                    THEN 'outline' END,
               CASE WHEN p.block_id IS DISTINCT FROM f2.block_id THEN 'block' END,
               CASE WHEN p.use <> f2.use THEN 'use' END], NULL) AS changes,
             EXISTS (SELECT 1 FROM allocations_allocation a WHERE a.plot_id = p.id
                      AND NOT (a.status = ANY(%(ended)s))) AS allocated,
             (SELECT b.code FROM townships_block b WHERE b.id = p.block_id) AS block_before,
             ST_Distance(ST_Transform(ST_PointOnSurface(p.geom), %(srid)s),
                         ST_Transform(ST_PointOnSurface(f2.geom), %(srid)s)) AS moved_m,
             """
    + interiors_meet("p.geom", "f2.geom")
    + """ AS overlaps_old
        FROM layout_feature f2 JOIN townships_plot p ON p.township_id = %(t)s AND p.number = f2.number
       WHERE f2.kind = 'polygon') m
    WHERE f.fid = m.mfid
    """,
]


def _copy(cursor, rows) -> int:
    n = 0
    buffer = io.StringIO()

    def flush():
        buffer.seek(0)
        cursor.copy_expert(
            "COPY layout_feature (fid, kind, number, block_code, block_id, use_raw, use, geom, problems, repairs, "
            "action) "
            "FROM STDIN WITH (FORMAT csv, FORCE_NOT_NULL (number, block_code, use_raw, use))",
            buffer,
        )
        buffer.seek(0)
        buffer.truncate()

    writer = csv.writer(buffer)
    for fid, kind, number, block, block_id, use_raw, use, wkb, problems, repairs in rows:
        writer.writerow(
            [
                fid,
                kind,
                number,
                block,
                block_id,
                use_raw,
                use,
                "" if wkb is None else f"SRID=4326;{wkb}",
                json.dumps(problems) if problems else "[]",
                json.dumps(repairs) if repairs else "[]",
                "" if kind == "label" else "add",  # until matched with an existing plot by number
            ]
        )
        n += 1
        if n % CHUNK == 0:
            flush()
    flush()
    return n


def _json(value):
    return json.loads(value) if isinstance(value, str) else value


def _check(
    cursor, *, township: Township, info: LayoutFile, mapping: Mapping, srs, progress, trust_the_database=False
) -> LayoutReport:
    """Stage the file in a temporary table and run every check; must run inside a transaction. With
    trust_the_database, the DatabaseRuleCheck checks are left out: the caller writes the plots and lets the
    database judge them, and asks for every check again if it refuses."""
    cursor.execute("DROP TABLE IF EXISTS pg_temp.layout_feature")
    # PostGIS functions are costed high, so every check looks expensive enough to JIT-compile: 0.1-0.15 s of
    # compiling per statement, more than most of the checks take to run. This transaction runs them without.
    cursor.execute("SELECT set_config('jit', 'off', true)")
    # The grid's lists of a 100,000-feature file are sorted and hashed in about 100 MB: in memory, not on disk.
    cursor.execute("SELECT set_config('work_mem', '128MB', true)")
    cursor.execute(CREATE_STAGE)
    blocks = dict(Block.objects.filter(township=township).values_list("code", "id"))
    total = _copy(cursor, _features(info, mapping, srs, blocks, progress))
    if progress:
        progress("read", total, total)
    cursor.execute("CREATE INDEX ON layout_feature USING gist (geom)")
    cursor.execute("CREATE INDEX ON layout_feature (number)")
    cursor.execute("CREATE INDEX ON layout_feature (fid)")
    cursor.execute("ANALYZE layout_feature")
    params = {
        "t": township.pk,
        "srid": township.utm_srid,
        "gap": close_gap_m(),
        "min_area": min_plot_m2(),
        "number_field": mapping.number,
        "number_max": Plot._meta.get_field("number").max_length,
        "ended": list(apps.get_model("allocations", "Allocation").ENDED),
    }
    steps = [c for c in CHECKS if not (trust_the_database and isinstance(c, DatabaseRuleCheck))] + DIFF
    for i, statement in enumerate(steps, start=1):
        cursor.execute(statement, params)
        if progress:
            progress("checked", i, len(steps))
    cursor.execute(
        """
        SELECT count(*) FILTER (WHERE kind <> 'label'),
               count(*) FILTER (WHERE kind <> 'label' AND problems = '[]' AND repairs = '[]'),
               count(*) FILTER (WHERE kind <> 'label' AND problems = '[]' AND repairs <> '[]'),
               count(*) FILTER (WHERE kind <> 'label' AND problems <> '[]'),
               count(*) FILTER (WHERE action = 'add' AND problems = '[]'),
               count(*) FILTER (WHERE action = 'change' AND problems = '[]'),
               count(*) FILTER (WHERE action = 'unchanged' AND problems = '[]'),
               count(*) FILTER (WHERE kind = 'label')
          FROM layout_feature
        """
    )
    features, valid, repaired, rejected, added, changed, unchanged, labels = cursor.fetchone()
    counts = {
        "features": features,
        "valid": valid,
        "repaired": repaired,
        "rejected": rejected,
        "added": added,
        "changed": changed,
        "unchanged": unchanged,
        "labels": labels,
    }
    cursor.execute(
        """
        SELECT fid, number, CASE WHEN problems <> '[]' THEN 'rejected' ELSE 'repaired' END, problems, repairs
          FROM layout_feature WHERE kind <> 'label' AND (problems <> '[]' OR repairs <> '[]')
         ORDER BY problems = '[]', fid LIMIT %s
        """,
        [REPORT_LIST_LIMIT],
    )
    rows = [
        {"fid": fid, "number": number, "outcome": outcome, "problems": _json(problems), "repairs": _json(repairs)}
        for fid, number, outcome, problems, repairs in cursor.fetchall()
    ]
    rows.sort(key=lambda r: r["fid"])
    by_reason: dict = {}
    cursor.execute(
        "SELECT p->>'code', count(DISTINCT fid) FROM layout_feature, jsonb_array_elements(problems) p GROUP BY 1"
    )
    by_reason = dict(cursor.fetchall())
    counts["reasons"] = by_reason
    cursor.execute(
        "SELECT number, changes, coalesce(allocated, false), block_before, "
        "  (SELECT b.code FROM townships_block b WHERE b.id = f.block_id), block_code, moved_m, overlaps_old "
        f"FROM layout_feature f WHERE action = 'change' ORDER BY {NUMBER_ORDER.format(column='number')} LIMIT %s",
        [REPORT_LIST_LIMIT],
    )
    changed_rows = sorted(cursor.fetchall(), key=lambda row: number_order(row[0]))
    cursor.execute(
        "SELECT number FROM layout_feature WHERE action = 'add' AND problems = '[]' ORDER BY fid LIMIT %s",
        [REPORT_LIST_LIMIT],
    )
    added_numbers = [r[0] for r in cursor.fetchall()]
    cursor.execute(
        "SELECT p.number FROM townships_plot p WHERE p.township_id = %s AND NOT EXISTS "
        "(SELECT 1 FROM layout_feature f WHERE f.number = p.number AND f.kind <> 'label') ORDER BY p.number",
        [township.pk],
    )
    missing = sorted((r[0] for r in cursor.fetchall()), key=number_order)
    counts["missing"] = len(missing)
    cursor.execute(
        "SELECT number FROM layout_feature WHERE action = 'change' AND allocated AND 'outline' = ANY(changes) "
        "ORDER BY number"
    )
    allocated_moves = sorted((r[0] for r in cursor.fetchall()), key=number_order)
    counts["allocated_moves"] = len(allocated_moves)
    cursor.execute("SELECT count(*) FROM layout_feature WHERE action = 'change' AND overlaps_old IS false")
    counts["different_plots"] = cursor.fetchone()[0]
    return LayoutReport(
        counts=counts,
        features=rows,
        changed=[
            {
                "number": n,
                "changes": c,
                "allocated": a,
                "block_before": before or "",
                "block_after": after or code or "",
                "moved_m": round(moved, 1) if moved is not None else None,
                "different_plot": overlaps is False,
            }
            for n, c, a, before, after, code, moved, overlaps in changed_rows
        ],
        missing=missing[:REPORT_LIST_LIMIT],
        allocated_moves=allocated_moves,
        added=added_numbers,
    )
