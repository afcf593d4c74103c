-- Back to 0014: the deferred land-rule triggers fire once per plot; the BEFORE trigger notes plots in a temporary
-- table of the session.
DROP TRIGGER plots_keep_the_land_rules ON landreg_plot_check;
DROP TRIGGER plots_keep_the_land_rules_when_written ON townships_plot;
DROP TRIGGER plots_keep_the_land_rules_when_reshaped ON townships_plot;
DROP FUNCTION plot_note_for_commit();
DROP TABLE landreg_plot_check, landreg_plot_queue;

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

CREATE CONSTRAINT TRIGGER plots_keep_the_land_rules
  AFTER INSERT ON townships_plot DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION plot_check_at_commit();
CREATE CONSTRAINT TRIGGER plots_keep_the_land_rules_when_reshaped
  AFTER UPDATE ON townships_plot DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW WHEN ((OLD.geom IS NULL) <> (NEW.geom IS NULL) OR NOT (OLD.geom OPERATOR(public.=) NEW.geom)
                     OR OLD.township_id IS DISTINCT FROM NEW.township_id
                     OR OLD.block_id IS DISTINCT FROM NEW.block_id)
  EXECUTE FUNCTION plot_check_at_commit();
