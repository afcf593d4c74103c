-- plot_set_violations() (0016) with a second way to find the neighbours, for large sets of plots.
--
-- The set check's neighbour step probes townships_plot's spatial index once per touched plot: at 100,000 plots,
-- 2.3 s of probes (nine candidates each, read from the heap) against 1 s of ST_Relate. A temporary copy with a
-- GiST index built in one go did not probe faster on this data (the bare join: 2.2 s on the copy, 1.7 s on
-- townships_plot). A grid does: for a large set the check copies the touched plots, and the other plots of their townships
-- within the touched plots' extent, with their exact boxes, lists each in the grid cells its box reaches, and
-- finds the pairs whose boxes overlap by a hash join on the cells (1.2 s for the same 199,367 pairs); ST_Relate
-- then sees exactly the pairs it saw before. Measured, the whole check, grid against index (docs/benchmarks.md):
-- plots on the UTM grid 0.71× at 100,000, 0.68× at 30,000, 0.85× at 10,000, 1.15× at 1,000; a layout turned by
-- 17–28.6° (larger boxes, more cells per plot) 0.92× at 100,000, 0.95× at 30,000, 0.97× at 20,000, 1.12× at
-- 10,000. Hence the threshold, 20,000 touched plots: from there the grid wins on both.
--
-- The answer is the same, pair for pair: the same plots (as they stand now), the same pairs (same township, exact
-- boxes overlapping by a width and a height, each pair of touched plots once, every untouched neighbour), the
-- same neighbour test word for word, the same rule checks on the same suspects, in the same order
-- (tests/db/test_set_rules_grid.py runs both ways on the same plots).
--
-- When: from landreg_plot_set_copy_from() touched plots (below it, the copy and the grid cost more than they save),
-- and only while the untouched plots in the extent are no more than the touched ones (scattered edits across a
-- large township: the copy stops after reading one more than that, so giving up costs little) and the grid lists
-- no more than eight cells per plot on average (a few very large plots). Otherwise, and for small sets (one QGIS edit), the
-- index of townships_plot, as before. A session may set landreg.plot_set_copy_from to another whole number: it
-- changes the way, never the answer (the tests use it).
--
-- Safety is that of 0014: the table is made and dropped inside one call (no state survives it, DISCARD TEMP has
-- nothing to take), named in pg_temp explicitly (search_path puts public first), and made by whoever runs the
-- check: at commit, the application's role, inside the SECURITY DEFINER trigger function. A login that made a
-- temporary table of that name first gains nothing: the check then takes the index. jit is off: with
-- enable_seqscan = off (for the index path) a plan that must scan carries the planner's penalty in its cost, far
-- above jit_above_cost, and would be compiled on every call.

-- The neighbour join through townships_plot's own spatial index: 0016's plot_set_violations(), renamed. For small
-- sets (one QGIS edit), and for any set whose grid would not pay.
CREATE OR REPLACE FUNCTION plot_set_violations_in_place(ids bigint[])
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

-- Below this many touched plots, the set check finds neighbours through townships_plot's own spatial index.
CREATE OR REPLACE FUNCTION landreg_plot_set_copy_from() RETURNS integer
LANGUAGE sql IMMUTABLE SET search_path = public, pg_temp AS $$ SELECT 20000 $$;

-- Every violation of the multi-row plot rules among the given plots, as they stand now: (plot id, plot number,
-- rule, detail), in plot id order, each plot's in the order of plot_rule_violations(); the same answer as
-- plot_set_violations_in_place(), found through a copy and a grid for a large set (above).
CREATE OR REPLACE FUNCTION plot_set_violations(ids bigint[])
RETURNS TABLE (plot_id bigint, plot_number text, rule text, detail text)
LANGUAGE plpgsql VOLATILE SET search_path = public, pg_temp SET enable_seqscan = off SET jit = off SET work_mem = '64MB'
AS $$
DECLARE
  asked text := current_setting('landreg.plot_set_copy_from', true);
  copy_from integer := landreg_plot_set_copy_from();
  touched integer;
  others integer;
  got integer;
  township bigint;
  extent geometry;
  size float8;
  cells float8;
BEGIN
  IF asked ~ '^[0-9]{1,9}$' THEN
    copy_from := asked::integer;
  END IF;
  IF coalesce(cardinality(ids), 0) < copy_from THEN
    RETURN QUERY SELECT * FROM plot_set_violations_in_place(ids);
    RETURN;
  END IF;
  BEGIN
    CREATE TEMPORARY TABLE landreg_plot_set_copy (
      id bigint NOT NULL, number text NOT NULL, township_id bigint NOT NULL, block_id bigint, geom geometry NOT NULL,
      touched boolean NOT NULL, x0 float8 NOT NULL, x1 float8 NOT NULL, y0 float8 NOT NULL, y1 float8 NOT NULL
    ) ON COMMIT DROP;
  EXCEPTION WHEN duplicate_table THEN
    RAISE DEBUG 'plot_set_violations: a temporary table landreg_plot_set_copy is there already: by the index';
    RETURN QUERY SELECT * FROM plot_set_violations_in_place(ids);
    RETURN;
  END;
  INSERT INTO pg_temp.landreg_plot_set_copy
  SELECT p.id, p.number, p.township_id, p.block_id, p.geom, true,
         ST_XMin(box2d(p.geom)), ST_XMax(box2d(p.geom)), ST_YMin(box2d(p.geom)), ST_YMax(box2d(p.geom))
    FROM (SELECT DISTINCT u.id FROM unnest(ids) AS u(id)) AS d,
         LATERAL (SELECT * FROM townships_plot q WHERE q.id = d.id LIMIT 1) AS p;  -- by its key, one by one
  GET DIAGNOSTICS touched = ROW_COUNT;
  CREATE INDEX ON pg_temp.landreg_plot_set_copy (id);
  -- Every plot of their townships that can meet one of them lies within the extent of that township's touched
  -- plots: one read of the spatial index per township, not one probe per plot; one more than the touched plots
  -- is enough to give up.
  others := 0;
  FOR township, extent IN
    SELECT c.township_id, ST_SetSRID(ST_Extent(c.geom)::geometry, min(ST_SRID(c.geom)))
      FROM pg_temp.landreg_plot_set_copy c GROUP BY c.township_id ORDER BY 1
  LOOP
    INSERT INTO pg_temp.landreg_plot_set_copy
    SELECT o.id, o.number, o.township_id, o.block_id, o.geom, false,
           ST_XMin(box2d(o.geom)), ST_XMax(box2d(o.geom)), ST_YMin(box2d(o.geom)), ST_YMax(box2d(o.geom))
      FROM townships_plot o
     WHERE o.geom && extent AND o.township_id + 0 = township
       AND NOT EXISTS (SELECT 1 FROM pg_temp.landreg_plot_set_copy c WHERE c.id = o.id)
     LIMIT touched + 1 - others;
    GET DIAGNOSTICS got = ROW_COUNT;
    others := others + got;
    EXIT WHEN others > touched;
  END LOOP;
  -- The grid: square cells as wide as nine plots in ten are (their boxes' larger side); a plot is listed in every
  -- cell its box reaches (four at most, for nine plots in ten). A few very large plots would be listed in very
  -- many cells: then, as when the extent holds more untouched plots than touched ones, the index path is cheaper.
  SELECT greatest(percentile_cont(0.9) WITHIN GROUP (ORDER BY greatest(c.x1 - c.x0, c.y1 - c.y0)), 1e-9)
    INTO size FROM pg_temp.landreg_plot_set_copy c;
  SELECT sum((floor(c.x1 / size) - floor(c.x0 / size) + 1) * (floor(c.y1 / size) - floor(c.y0 / size) + 1))
    INTO cells FROM pg_temp.landreg_plot_set_copy c;
  IF others > touched OR cells > 8 * (touched + others) THEN
    DROP TABLE pg_temp.landreg_plot_set_copy;
    RAISE DEBUG 'plot_set_violations: % touched plots, % others, % cells: by the index', touched, others, cells;
    RETURN QUERY SELECT * FROM plot_set_violations_in_place(ids);
    RETURN;
  END IF;
  ANALYZE pg_temp.landreg_plot_set_copy;
  -- Hash joins over whole tables, in memory: the function's settings are restored when it returns.
  PERFORM set_config('enable_seqscan', 'on', true), set_config('work_mem', '256MB', true);
  RAISE DEBUG 'plot_set_violations: % touched plots, % others, % cells: by the grid', touched, others, cells;
  RETURN QUERY
  WITH outside AS (
    SELECT p.id
      FROM pg_temp.landreg_plot_set_copy p
      JOIN townships_township t ON t.id = p.township_id  -- the foreign key reports a missing township
      LEFT JOIN townships_block b ON b.id = p.block_id
     WHERE p.touched
       AND (NOT ST_Covers(t.geom, p.geom)  -- the township first: PostGIS prepares it once for all its plots
            OR (b.id IS NOT NULL AND (b.township_id <> p.township_id OR NOT ST_CoveredBy(p.geom, b.geom))))
  ),
  listed AS MATERIALIZED (
    SELECT c.id, c.township_id, c.touched, c.x0, c.x1, c.y0, c.y1, cx, cy
      FROM pg_temp.landreg_plot_set_copy c,
           generate_series(floor(c.x0 / size)::bigint, floor(c.x1 / size)::bigint) AS cx,
           generate_series(floor(c.y0 / size)::bigint, floor(c.y1 / size)::bigint) AS cy
  ),
  boxes_overlap AS MATERIALIZED (
    -- The pairs of plot_set_violations_in_place()'s join whose exact boxes overlap by a width and a height: each
    -- pair of touched plots once, and every untouched neighbour. A pair is taken in one cell only, the one that
    -- holds the south-west corner of the two boxes' overlap: that corner lies in both boxes, so both plots list
    -- that cell (the same floor() of the same number).
    SELECT t.id AS a, o.id AS b
      FROM listed t
      JOIN listed o ON o.township_id = t.township_id AND o.cx = t.cx AND o.cy = t.cy AND o.id <> t.id
     WHERE t.touched AND (o.id > t.id OR NOT o.touched)
       AND floor(greatest(t.x0, o.x0) / size) = t.cx AND floor(greatest(t.y0, o.y0) / size) = t.cy
       AND o.x0 < t.x1 AND t.x0 < o.x1 AND o.y0 < t.y1 AND t.y0 < o.y1
     ORDER BY 1
  ),
  meeting AS (
    -- The neighbour test word for word (townships/sql/0016_plot_neighbour_test.sql).
    SELECT t.id AS a, o.id AS b
      FROM boxes_overlap m
      JOIN pg_temp.landreg_plot_set_copy t ON t.id = m.a
      JOIN pg_temp.landreg_plot_set_copy o ON o.id = m.b
     WHERE (ST_XMin(box2d(o.geom)) < ST_XMax(box2d(t.geom)) AND ST_XMin(box2d(t.geom)) < ST_XMax(box2d(o.geom)) AND ST_YMin(box2d(o.geom)) < ST_YMax(box2d(t.geom)) AND ST_YMin(box2d(t.geom)) < ST_YMax(box2d(o.geom)) AND ST_Relate(o.geom, t.geom, 'T********'))
  ),
  suspects AS MATERIALIZED (  -- first, so that only they are measured
    SELECT s.id, s.number, s.township_id, s.block_id, s.geom
      FROM pg_temp.landreg_plot_set_copy s
     WHERE s.touched AND s.id IN (SELECT m.a FROM meeting m UNION SELECT m.b FROM meeting m UNION SELECT x.id FROM outside x)
  )
  SELECT s.id, s.number::text, v.rule, v.detail
    FROM suspects s, LATERAL plot_rule_violations(s.id, s.township_id, s.block_id, s.geom) WITH ORDINALITY AS v
   ORDER BY s.id, v.ordinality;
  DROP TABLE pg_temp.landreg_plot_set_copy;
END $$;
