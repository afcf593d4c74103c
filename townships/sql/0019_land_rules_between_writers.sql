-- The land rules hold between writers that commit at the same time, at every isolation level.
--
-- 1. The block and township checks at commit take the township's advisory lock, as the plot check does
--    (plots_check_land_rules, 0014): a block reshaped while another transaction writes plots into it is judged
--    after that transaction has committed (READ COMMITTED reads afresh after the lock). Before, each could pass
--    against the other's old state and both commit: a plot outside its block.
-- 2. A REPEATABLE READ transaction reads everything from the snapshot it began with, so its check cannot see a
--    plot another writer committed meanwhile: two such writers could both commit an overlap. Writing plots, blocks
--    or townships at REPEATABLE READ is refused at commit, with the rule's name and a sentence. SERIALIZABLE is
--    allowed: PostgreSQL's serializable snapshot isolation refuses the second of two such writers
--    (tests/db/test_land_rules_isolation.py).
-- 3. The SECURITY DEFINER trigger functions of the plots are not executable by PUBLIC. A trigger fires its
--    function whatever the writer's privileges (EXECUTE is asked only when a trigger is created), so this stops
--    only a login that would attach them to a table of its own, where they would run as the application's role.

CREATE OR REPLACE FUNCTION plot_check_at_commit() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE ids bigint[];
BEGIN
  PERFORM landreg_refuse_repeatable_read('plots_keep_the_land_rules');
  -- Taken out first, so that plots written after an early check (SET CONSTRAINTS … IMMEDIATE) queue another.
  DELETE FROM landreg_plot_check WHERE xact = NEW.xact;
  WITH taken AS (DELETE FROM landreg_plot_queue WHERE xact = NEW.xact RETURNING plot_id)
  SELECT array_agg(DISTINCT plot_id) INTO ids FROM taken;
  IF ids IS NOT NULL THEN
    PERFORM plots_check_land_rules(ids);
  END IF;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION block_check_at_commit()
 RETURNS trigger
 LANGUAGE plpgsql
 SET search_path = public, pg_temp
AS $$
DECLARE
  b record;
  v record;
BEGIN
  PERFORM landreg_refuse_repeatable_read('blocks_keep_the_land_rules');
  SELECT id, code, township_id, geom INTO b FROM townships_block WHERE id = NEW.id;
  IF NOT FOUND THEN RETURN NULL; END IF;
  -- After the township's writers of plots (plots_check_land_rules takes the same lock): the next statement reads
  -- what they committed.
  PERFORM pg_advisory_xact_lock(hashtext('landreg.plots_of_township'), b.township_id::integer);
  FOR v IN SELECT * FROM block_rule_violations(b.id, b.township_id, b.geom) LOOP
    PERFORM landreg_raise(v.rule, format('block %s: %s', b.code, v.detail));
  END LOOP;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION township_check_at_commit()
 RETURNS trigger
 LANGUAGE plpgsql
 SET search_path = public, pg_temp
AS $$
DECLARE
  t record;
  r record;
BEGIN
  PERFORM landreg_refuse_repeatable_read('township_keeps_its_blocks_and_plots');
  SELECT id, name, geom, utm_srid INTO t FROM townships_township WHERE id = NEW.id;
  IF NOT FOUND THEN RETURN NULL; END IF;
  PERFORM pg_advisory_xact_lock(hashtext('landreg.plots_of_township'), t.id::integer);
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

REVOKE EXECUTE ON FUNCTION plot_check_at_commit(), plot_note_for_commit(), plot_validate_and_measure() FROM PUBLIC;
