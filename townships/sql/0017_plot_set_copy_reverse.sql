-- plot_set_violations() as 0016 made it: the neighbour join through townships_plot's spatial index, always.
DROP FUNCTION plot_set_violations(bigint[]);

-- Every violation of the multi-row plot rules among the given plots (0016).
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

DROP FUNCTION plot_set_violations_in_place(bigint[]);
DROP FUNCTION landreg_plot_set_copy_from();
