-- plot_set_violations() (0015) with a cheaper neighbour test. Its answer is the same: which plots may break a rule.
--
-- Two plots' interiors meet ('T********', interior/interior) only if their bounding boxes' interiors meet, that is
-- when the boxes overlap with a positive width AND a positive height. Proof: a plot lies inside its box, so its
-- interior (an open set) lies inside the box's interior; if the two boxes' interiors are disjoint, so are the
-- plots'. Conversely nothing is lost: the exact ST_Relate still decides every pair whose boxes do overlap. The
-- boxes are exact (box2d() of a geometry is computed in double precision from its corners; the spatial index's
-- "&&" uses boxes widened to single precision, which find the candidates but cannot decide this).
--
-- What it saves: ST_Relate builds both plots' GEOS graphs for every pair; four comparisons of exact boxes cost a
-- fraction of that. It saves it for the neighbours that share a corner only, in any layout of rectangles, turned
-- or not: their shared corner is the highest point of one plot and the lowest of the other (or the eastmost and
-- the westmost), so their boxes touch there and no more. That is half the neighbour pairs of a grid (198,737 of
-- 398,104 for 100,000 plots turned by 28.6°, all of them removed; the same half on the UTM grid). Neighbours
-- that share an edge still go to ST_Relate, and so does every pair whose boxes overlap.

-- The layout checks (townships/layouts/checks.py, interiors_meet()) use this same test, word for word;
-- tests/db/test_set_rules_neighbours.py compares the two and both with shapely.

-- Every violation of the multi-row plot rules among the given plots, as they stand now: (plot id, plot number,
-- rule, detail), in plot id order, each plot's in the order of plot_rule_violations(). Exact predicates pick the
-- plots that may break a rule (outside their township or block, or with an interior that meets another plot's);
-- only those are measured, allowing for reprojection noise. Two given plots that meet are tested once, and both
-- are named. The plan must find each plot's neighbours through the spatial index, whatever the statistics say:
-- a township's plots analysed while it was still empty made the planner scan every plot for every plot.
CREATE OR REPLACE FUNCTION plot_set_violations(ids bigint[])
RETURNS TABLE (plot_id bigint, plot_number text, rule text, detail text)
LANGUAGE sql STABLE SET search_path = public, pg_temp SET enable_seqscan = off SET work_mem = '64MB' AS $$
  WITH touched AS MATERIALIZED (
    SELECT p.id, p.number, p.township_id, p.block_id, p.geom
      FROM (SELECT DISTINCT u.id FROM unnest(ids) AS u(id)) AS d,
           LATERAL (SELECT * FROM townships_plot q WHERE q.id = d.id LIMIT 1) AS p  -- by its key, one by one
  ),
  outside AS (
    SELECT p.id
      FROM touched p
      JOIN townships_township t ON t.id = p.township_id  -- the foreign key reports a missing township
      LEFT JOIN townships_block b ON b.id = p.block_id
     WHERE NOT ST_Covers(t.geom, p.geom)  -- the township first: PostGIS prepares it once for all its plots
        OR (b.id IS NOT NULL AND (b.township_id <> p.township_id OR NOT ST_CoveredBy(p.geom, b.geom)))
  ),
  meeting AS (
    -- Interiors must not intersect: shared edges and corners are fine ('T********' is interior/interior). Plots
    -- whose exact boxes overlap by no width or no height cannot have interiors that meet: only the others are
    -- asked of ST_Relate (townships/sql/0016_plot_neighbour_test.sql has the proof).
    -- "+ 0" keeps the planner on the spatial index alone; the township_id index would read every plot of the
    -- township (100,000 in a large one) for each plot.
    SELECT t.id AS a, o.id AS b
      FROM touched t
      JOIN townships_plot o ON o.township_id + 0 = t.township_id AND o.geom && t.geom AND o.id <> t.id
     WHERE (o.id > t.id OR o.id NOT IN (SELECT id FROM touched))
       AND (ST_XMin(box2d(o.geom)) < ST_XMax(box2d(t.geom)) AND ST_XMin(box2d(t.geom)) < ST_XMax(box2d(o.geom)) AND ST_YMin(box2d(o.geom)) < ST_YMax(box2d(t.geom)) AND ST_YMin(box2d(t.geom)) < ST_YMax(box2d(o.geom)) AND ST_Relate(o.geom, t.geom, 'T********'))
  ),
  suspects AS (
    SELECT id FROM outside UNION SELECT a FROM meeting UNION SELECT b FROM meeting
  )
  SELECT s.id, s.number::text, v.rule, v.detail
    FROM touched s, LATERAL plot_rule_violations(s.id, s.township_id, s.block_id, s.geom) WITH ORDINALITY AS v
   WHERE s.id IN (SELECT id FROM suspects)
   ORDER BY s.id, v.ordinality
$$;
