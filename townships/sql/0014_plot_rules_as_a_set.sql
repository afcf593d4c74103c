-- The plot rules that involve more than one row (inside the block and township, no overlap) are checked once per
-- transaction for the plots it touched, in set-based SQL, instead of once per row (docs/rules.md, "When the rules
-- are checked").
--
-- 1. The BEFORE trigger that already validates and measures each written plot also notes its id in
--    pg_temp.landreg_plots_to_check, a temporary table of the session, emptied at every commit.
-- 2. The deferred constraint triggers plots_keep_the_land_rules / _when_reshaped still fire once per row (only a
--    row trigger can wait for commit). A firing that finds plots noted checks them all at once, with its own plot,
--    empties the table and lists them in pg_temp.landreg_plots_checked; a firing whose plot is listed there and
--    that finds nothing noted returns at once.
-- Names, timing and errors are those of 0008: a transaction is judged at commit (or at SET CONSTRAINTS …
-- IMMEDIATE), and the error names the rule and the plot(s).
--
-- The writer cannot switch the check off. The two tables are made and used by SECURITY DEFINER trigger functions,
-- which no one can call by hand, so the application's role owns them: a GIS login may neither write, empty nor put
-- a rule or trigger on them. A login that makes its own table of either name first is refused at commit, since the
-- check insists on owning what it trusts. A login that drops the tables mid-transaction (DISCARD TEMP) gains nothing:
-- a firing skips only a plot listed as checked since its last write, and checks every other plot itself.

CREATE OR REPLACE FUNCTION plot_validate_and_measure() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE problem text := landreg_geometry_problem(NEW.geom);
BEGIN
  IF problem IS NOT NULL THEN
    PERFORM landreg_raise('plot_geometry_valid', format('plot %s: %s', NEW.number, problem));
  END IF;
  -- The area is never typed in: whatever a client sends, it is measured in the township's UTM zone.
  NEW.area_m2 := round(ST_Area(ST_Transform(NEW.geom,
                   (SELECT utm_srid FROM townships_township WHERE id = NEW.township_id)))::numeric, 2);
  -- Noted for the land rules at commit (plot_check_at_commit), when it concerns them.
  IF TG_OP = 'INSERT' OR OLD.geom IS DISTINCT FROM NEW.geom OR OLD.township_id IS DISTINCT FROM NEW.township_id
     OR OLD.block_id IS DISTINCT FROM NEW.block_id THEN
    IF to_regclass('pg_temp.landreg_plots_to_check') IS NULL THEN
      CREATE TEMPORARY TABLE landreg_plots_to_check (id bigint NOT NULL) ON COMMIT DELETE ROWS;
      CREATE TEMPORARY TABLE IF NOT EXISTS landreg_plots_checked (id bigint PRIMARY KEY) ON COMMIT DELETE ROWS;
    END IF;
    INSERT INTO pg_temp.landreg_plots_to_check (id) VALUES (NEW.id);
  END IF;
  RETURN NEW;
END $$;

-- Every violation of the multi-row plot rules among the given plots, as they stand now: (plot id, plot number,
-- rule, detail), in plot id order, each plot's in the order of plot_rule_violations(). Exact predicates pick the
-- plots that may break a rule (outside their township or block, or with an interior that meets another plot's);
-- only those are measured, allowing for reprojection noise. Two given plots that meet are tested once, and both
-- are named. The plan must find each plot's neighbours through the spatial index, whatever the statistics say:
-- a township's plots analysed while it was still empty made the planner scan every plot for every plot.
CREATE OR REPLACE FUNCTION plot_set_violations(ids bigint[])
RETURNS TABLE (plot_id bigint, plot_number text, rule text, detail text)
LANGUAGE sql STABLE SET search_path = public, pg_temp SET enable_seqscan = off AS $$
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
     WHERE NOT ST_CoveredBy(p.geom, t.geom)
        OR (b.id IS NOT NULL AND (b.township_id <> p.township_id OR NOT ST_CoveredBy(p.geom, b.geom)))
  ),
  meeting AS (
    -- Interiors must not intersect: shared edges and corners are fine ('T********' is interior/interior).
    -- "+ 0" keeps the planner on the spatial index alone; the township_id index would read every plot of the
    -- township (100,000 in a large one) for each plot.
    SELECT t.id AS a, o.id AS b
      FROM touched t
      JOIN townships_plot o ON o.township_id + 0 = t.township_id AND o.geom && t.geom AND o.id <> t.id
     WHERE (o.id > t.id OR o.id NOT IN (SELECT id FROM touched))
       AND ST_Relate(o.geom, t.geom, 'T********')
  ),
  suspects AS (
    SELECT id FROM outside UNION SELECT a FROM meeting UNION SELECT b FROM meeting
  )
  SELECT s.id, s.number::text, v.rule, v.detail
    FROM touched s, LATERAL plot_rule_violations(s.id, s.township_id, s.block_id, s.geom) WITH ORDINALITY AS v
   WHERE s.id IN (SELECT id FROM suspects)
   ORDER BY s.id, v.ordinality
$$;

-- Raises the first violation among the given plots, naming the rule and the plot, as 0008 did row by row.
CREATE OR REPLACE FUNCTION plots_check_land_rules(ids bigint[]) RETURNS void
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE v record;
BEGIN
  -- Committing writers of one township's plots take turns, so two transactions cannot each commit one half of an
  -- overlap without seeing the other (READ COMMITTED: the next statement reads what the other one committed).
  -- The townships are locked in one order, so two writers of the same townships cannot deadlock here.
  PERFORM pg_advisory_xact_lock(hashtext('landreg.plots_of_township'), s.township_id::integer)
     FROM (SELECT DISTINCT p.township_id
             FROM unnest(ids) AS u(id), LATERAL (SELECT township_id FROM townships_plot q WHERE q.id = u.id LIMIT 1) AS p
            ORDER BY 1) AS s;
  FOR v IN SELECT * FROM plot_set_violations(ids) LIMIT 1 LOOP
    PERFORM landreg_raise(v.rule, format('plot %s: %s', v.plot_number, v.detail));
  END LOOP;
END $$;

CREATE OR REPLACE FUNCTION plot_check_at_commit() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  noted regclass := to_regclass('pg_temp.landreg_plots_to_check');
  checked regclass := to_regclass('pg_temp.landreg_plots_checked');
  ours boolean;
  pending boolean;
  done boolean;
  ids bigint[];
BEGIN
  IF noted IS NULL OR checked IS NULL THEN
    -- The tables were dropped mid-transaction: this plot is checked on its own.
    PERFORM plots_check_land_rules(ARRAY[NEW.id]);
    RETURN NULL;
  END IF;
  SELECT count(*) = 2 AND bool_and(pg_get_userbyid(c.relowner) = current_user),
         EXISTS (SELECT 1 FROM pg_temp.landreg_plots_to_check),
         EXISTS (SELECT 1 FROM pg_temp.landreg_plots_checked k WHERE k.id = NEW.id)
    INTO ours, pending, done
    FROM pg_class c WHERE c.oid IN (noted, checked);
  IF NOT ours THEN
    RAISE EXCEPTION 'plots_keep_the_land_rules: the temporary tables landreg_plots_to_check and landreg_plots_checked belong to the land rules; drop your own'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'plots_keep_the_land_rules';
  END IF;
  IF done AND NOT pending THEN
    RETURN NULL;  -- checked, with every plot this transaction touched, since it was last written
  END IF;
  SELECT array_agg(DISTINCT id) INTO ids
    FROM (SELECT id FROM pg_temp.landreg_plots_to_check UNION ALL SELECT NEW.id) AS touched;
  TRUNCATE pg_temp.landreg_plots_to_check;
  PERFORM plots_check_land_rules(ids);
  INSERT INTO pg_temp.landreg_plots_checked (id) SELECT unnest(ids) ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;

-- Every firing of the constraint triggers must find its plot noted: the BEFORE UPDATE trigger now fires on a
-- change of block too (a plot moved to another block is judged against it). Its WHEN clause tests the geometry
-- with the schema-qualified operator, as in 0012, so that it survives a dump and restore.
DROP TRIGGER plot_geometry_valid_and_area_derived_on_change ON townships_plot;
CREATE TRIGGER plot_geometry_valid_and_area_derived_on_change
  BEFORE UPDATE ON townships_plot
  FOR EACH ROW WHEN ((OLD.geom IS NULL) <> (NEW.geom IS NULL) OR NOT (OLD.geom OPERATOR(public.=) NEW.geom)
                     OR OLD.township_id IS DISTINCT FROM NEW.township_id
                     OR OLD.block_id IS DISTINCT FROM NEW.block_id
                     OR OLD.area_m2 IS DISTINCT FROM NEW.area_m2)
  EXECUTE FUNCTION plot_validate_and_measure();
