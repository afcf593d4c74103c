-- The land rules that involve more than one row (inside the block and township, no overlap between plots,
-- a block or township still around its contents) are checked when the transaction commits, not row by row.
-- QGIS saves a topological edit — one vertex shared by two plots, moved — as two UPDATEs; checked row by
-- row, the first would always overlap the not-yet-moved neighbour. Checked at commit, the edit as a whole
-- is judged. Django's services ask for the checks at once (SET CONSTRAINTS … IMMEDIATE, see
-- townships/rules.py), so officers get the refusal on the spot. Geometry validity and the derived area
-- stay immediate: they concern one row only.

CREATE OR REPLACE FUNCTION plot_validate_and_measure() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE problem text := landreg_geometry_problem(NEW.geom);
BEGIN
  IF problem IS NOT NULL THEN
    PERFORM landreg_raise('plot_geometry_valid', format('plot %s: %s', NEW.number, problem));
  END IF;
  -- The area is never typed in: whatever a client sends, it is measured in the township's UTM zone.
  NEW.area_m2 := round(ST_Area(ST_Transform(NEW.geom,
                   (SELECT utm_srid FROM townships_township WHERE id = NEW.township_id)))::numeric, 2);
  RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION plot_check_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  p record;
  v record;
  ok boolean;
BEGIN
  -- The row as it stands now: it may have been edited again, or deleted, later in the transaction.
  SELECT id, number, township_id, block_id, geom INTO p FROM townships_plot WHERE id = NEW.id;
  IF NOT FOUND THEN RETURN NULL; END IF;
  -- Committing writers of one township's plots take turns, so two transactions cannot each commit one half
  -- of an overlap without seeing the other (READ COMMITTED re-reads after the lock).
  PERFORM pg_advisory_xact_lock(hashtext('landreg.plots_of_township'), p.township_id::integer);
  -- Fast path: exact predicates say "all fine" for nearly every write; only when they do not do we ask
  -- plot_rule_violations() which rule broke and by how many m², allowing for reprojection noise.
  SELECT ST_CoveredBy(p.geom, t.geom) INTO ok FROM townships_township t WHERE t.id = p.township_id;
  IF ok AND p.block_id IS NOT NULL THEN
    SELECT b.township_id = p.township_id AND ST_CoveredBy(p.geom, b.geom) INTO ok
      FROM townships_block b WHERE b.id = p.block_id;
  END IF;
  IF ok THEN
    -- "+ 0" keeps the planner on the spatial index alone; the township_id index would read every plot of
    -- the township (100,000 in a large one) for each check.
    SELECT NOT EXISTS (SELECT 1 FROM townships_plot o
                        WHERE o.township_id + 0 = p.township_id AND o.id <> p.id
                          AND o.geom && p.geom AND ST_Relate(o.geom, p.geom, 'T********'))
      INTO ok;
  END IF;
  IF ok IS DISTINCT FROM true THEN
    FOR v IN SELECT * FROM plot_rule_violations(p.id, p.township_id, p.block_id, p.geom) LOOP
      PERFORM landreg_raise(v.rule, format('plot %s: %s', p.number, v.detail));
    END LOOP;
  END IF;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION block_check_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  b record;
  v record;
BEGIN
  SELECT id, code, township_id, geom INTO b FROM townships_block WHERE id = NEW.id;
  IF NOT FOUND THEN RETURN NULL; END IF;
  FOR v IN SELECT * FROM block_rule_violations(b.id, b.township_id, b.geom) LOOP
    PERFORM landreg_raise(v.rule, format('block %s: %s', b.code, v.detail));
  END LOOP;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION township_check_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  t record;
  r record;
BEGIN
  SELECT id, name, geom, utm_srid INTO t FROM townships_township WHERE id = NEW.id;
  IF NOT FOUND THEN RETURN NULL; END IF;
  SELECT b.code, landreg_area_outside(b.geom, t.geom, t.utm_srid) AS outside INTO r
    FROM townships_block b
   WHERE b.township_id = t.id AND landreg_area_outside(b.geom, t.geom, t.utm_srid) > landreg_tolerance_m2()
   LIMIT 1;
  IF FOUND THEN
    PERFORM landreg_raise('block_inside_township', format(
      'the new boundary of township %s leaves %s m² of block %s outside', t.name, round(r.outside::numeric, 2), r.code));
  END IF;
  SELECT p.number, landreg_area_outside(p.geom, t.geom, t.utm_srid) AS outside INTO r
    FROM townships_plot p
   WHERE p.township_id = t.id AND landreg_area_outside(p.geom, t.geom, t.utm_srid) > landreg_tolerance_m2()
   LIMIT 1;
  IF FOUND THEN
    PERFORM landreg_raise('plot_inside_township', format(
      'the new boundary of township %s leaves %s m² of plot %s outside', t.name, round(r.outside::numeric, 2), r.number));
  END IF;
  RETURN NULL;
END $$;

-- A township moved to another UTM zone has its plots re-measured there, at once.
CREATE OR REPLACE FUNCTION township_remeasure_plots() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE townships_plot SET area_m2 = NULL WHERE township_id = NEW.id;  -- the BEFORE trigger re-measures
  RETURN NULL;
END $$;

DROP TRIGGER plot_rules_on_insert ON townships_plot;
DROP TRIGGER plot_rules_on_change ON townships_plot;
DROP TRIGGER block_rules_on_insert ON townships_block;
DROP TRIGGER block_rules_on_reshape ON townships_block;
DROP TRIGGER township_contains_its_blocks_and_plots ON townships_township;

CREATE TRIGGER plot_geometry_valid_and_area_derived
  BEFORE INSERT ON townships_plot
  FOR EACH ROW EXECUTE FUNCTION plot_validate_and_measure();
CREATE TRIGGER plot_geometry_valid_and_area_derived_on_change
  BEFORE UPDATE ON townships_plot
  FOR EACH ROW WHEN (OLD.geom IS DISTINCT FROM NEW.geom OR OLD.township_id IS DISTINCT FROM NEW.township_id
                     OR OLD.area_m2 IS DISTINCT FROM NEW.area_m2)
  EXECUTE FUNCTION plot_validate_and_measure();

CREATE CONSTRAINT TRIGGER plots_keep_the_land_rules
  AFTER INSERT ON townships_plot DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION plot_check_at_commit();
CREATE CONSTRAINT TRIGGER plots_keep_the_land_rules_when_reshaped
  AFTER UPDATE ON townships_plot DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW WHEN (OLD.geom IS DISTINCT FROM NEW.geom OR OLD.township_id IS DISTINCT FROM NEW.township_id
                     OR OLD.block_id IS DISTINCT FROM NEW.block_id)
  EXECUTE FUNCTION plot_check_at_commit();

CREATE CONSTRAINT TRIGGER blocks_keep_the_land_rules
  AFTER INSERT ON townships_block DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION block_check_at_commit();
CREATE CONSTRAINT TRIGGER blocks_keep_the_land_rules_when_reshaped
  AFTER UPDATE ON townships_block DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW WHEN (OLD.geom IS DISTINCT FROM NEW.geom OR OLD.township_id IS DISTINCT FROM NEW.township_id)
  EXECUTE FUNCTION block_check_at_commit();

CREATE CONSTRAINT TRIGGER township_keeps_its_blocks_and_plots
  AFTER UPDATE ON townships_township DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW WHEN (OLD.geom IS DISTINCT FROM NEW.geom)
  EXECUTE FUNCTION township_check_at_commit();
CREATE TRIGGER township_plots_remeasured_in_a_new_zone
  AFTER UPDATE ON townships_township
  FOR EACH ROW WHEN (OLD.utm_srid IS DISTINCT FROM NEW.utm_srid)
  EXECUTE FUNCTION township_remeasure_plots();
