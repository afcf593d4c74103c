-- Back to 0008/0012: each plot checked on its own at commit.
DROP TRIGGER plot_geometry_valid_and_area_derived_on_change ON townships_plot;
CREATE TRIGGER plot_geometry_valid_and_area_derived_on_change
  BEFORE UPDATE ON townships_plot
  FOR EACH ROW WHEN ((OLD.geom IS NULL) <> (NEW.geom IS NULL) OR NOT (OLD.geom OPERATOR(public.=) NEW.geom)
                     OR OLD.township_id IS DISTINCT FROM NEW.township_id
                     OR OLD.area_m2 IS DISTINCT FROM NEW.area_m2)
  EXECUTE FUNCTION plot_validate_and_measure();

CREATE OR REPLACE FUNCTION plot_validate_and_measure() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
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

CREATE OR REPLACE FUNCTION plot_check_at_commit() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
  p record;
  v record;
  ok boolean;
BEGIN
  SELECT id, number, township_id, block_id, geom INTO p FROM townships_plot WHERE id = NEW.id;
  IF NOT FOUND THEN RETURN NULL; END IF;
  PERFORM pg_advisory_xact_lock(hashtext('landreg.plots_of_township'), p.township_id::integer);
  SELECT ST_CoveredBy(p.geom, t.geom) INTO ok FROM townships_township t WHERE t.id = p.township_id;
  IF ok AND p.block_id IS NOT NULL THEN
    SELECT b.township_id = p.township_id AND ST_CoveredBy(p.geom, b.geom) INTO ok
      FROM townships_block b WHERE b.id = p.block_id;
  END IF;
  IF ok THEN
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

DROP FUNCTION plots_check_land_rules(bigint[]);
DROP FUNCTION plot_set_violations(bigint[]);
