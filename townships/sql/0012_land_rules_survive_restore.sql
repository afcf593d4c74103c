-- The land rules survive a plain `pg_dump | psql` copy of the database.
--
-- pg_dump empties the search path, and prints a trigger's WHEN clause as PostgreSQL deparses it.
-- `OLD.geom IS DISTINCT FROM NEW.geom` cannot name the schema of the `=` it uses, so on restore PostgreSQL
-- cannot find PostGIS's geometry `=` ("operator is not unique: public.geometry = public.geometry") and the
-- four triggers below were silently left out of the copy. They test the geometry with the schema-qualified
-- operator instead, which pg_dump prints as OPERATOR(public.=). The test is the same as IS DISTINCT FROM:
-- true when exactly one side is NULL, otherwise when the two geometries are not equal. Names, timing and
-- functions are unchanged.

DROP TRIGGER plot_geometry_valid_and_area_derived_on_change ON townships_plot;
CREATE TRIGGER plot_geometry_valid_and_area_derived_on_change
  BEFORE UPDATE ON townships_plot
  FOR EACH ROW WHEN ((OLD.geom IS NULL) <> (NEW.geom IS NULL) OR NOT (OLD.geom OPERATOR(public.=) NEW.geom)
                     OR OLD.township_id IS DISTINCT FROM NEW.township_id
                     OR OLD.area_m2 IS DISTINCT FROM NEW.area_m2)
  EXECUTE FUNCTION plot_validate_and_measure();

DROP TRIGGER plots_keep_the_land_rules_when_reshaped ON townships_plot;
CREATE CONSTRAINT TRIGGER plots_keep_the_land_rules_when_reshaped
  AFTER UPDATE ON townships_plot DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW WHEN ((OLD.geom IS NULL) <> (NEW.geom IS NULL) OR NOT (OLD.geom OPERATOR(public.=) NEW.geom)
                     OR OLD.township_id IS DISTINCT FROM NEW.township_id
                     OR OLD.block_id IS DISTINCT FROM NEW.block_id)
  EXECUTE FUNCTION plot_check_at_commit();

DROP TRIGGER blocks_keep_the_land_rules_when_reshaped ON townships_block;
CREATE CONSTRAINT TRIGGER blocks_keep_the_land_rules_when_reshaped
  AFTER UPDATE ON townships_block DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW WHEN ((OLD.geom IS NULL) <> (NEW.geom IS NULL) OR NOT (OLD.geom OPERATOR(public.=) NEW.geom)
                     OR OLD.township_id IS DISTINCT FROM NEW.township_id)
  EXECUTE FUNCTION block_check_at_commit();

DROP TRIGGER township_keeps_its_blocks_and_plots ON townships_township;
CREATE CONSTRAINT TRIGGER township_keeps_its_blocks_and_plots
  AFTER UPDATE ON townships_township DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW WHEN ((OLD.geom IS NULL) <> (NEW.geom IS NULL) OR NOT (OLD.geom OPERATOR(public.=) NEW.geom))
  EXECUTE FUNCTION township_check_at_commit();
