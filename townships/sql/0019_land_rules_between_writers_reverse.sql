-- Back to 0018: no lock in the block and township checks, any isolation level, the trigger functions executable by
-- PUBLIC.
GRANT EXECUTE ON FUNCTION plot_check_at_commit(), plot_note_for_commit(), plot_validate_and_measure() TO PUBLIC;

CREATE OR REPLACE FUNCTION plot_check_at_commit() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE ids bigint[];
BEGIN
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
  SELECT id, code, township_id, geom INTO b FROM townships_block WHERE id = NEW.id;
  IF NOT FOUND THEN RETURN NULL; END IF;
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

