-- The triggers as sql/0008_land_rules_at_commit.sql made them (WHEN ... IS DISTINCT FROM on the geometry).

DROP TRIGGER plot_geometry_valid_and_area_derived_on_change ON townships_plot;
CREATE TRIGGER plot_geometry_valid_and_area_derived_on_change
  BEFORE UPDATE ON townships_plot
  FOR EACH ROW WHEN (OLD.geom IS DISTINCT FROM NEW.geom OR OLD.township_id IS DISTINCT FROM NEW.township_id
                     OR OLD.area_m2 IS DISTINCT FROM NEW.area_m2)
  EXECUTE FUNCTION plot_validate_and_measure();

DROP TRIGGER plots_keep_the_land_rules_when_reshaped ON townships_plot;
CREATE CONSTRAINT TRIGGER plots_keep_the_land_rules_when_reshaped
  AFTER UPDATE ON townships_plot DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW WHEN (OLD.geom IS DISTINCT FROM NEW.geom OR OLD.township_id IS DISTINCT FROM NEW.township_id
                     OR OLD.block_id IS DISTINCT FROM NEW.block_id)
  EXECUTE FUNCTION plot_check_at_commit();

DROP TRIGGER blocks_keep_the_land_rules_when_reshaped ON townships_block;
CREATE CONSTRAINT TRIGGER blocks_keep_the_land_rules_when_reshaped
  AFTER UPDATE ON townships_block DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW WHEN (OLD.geom IS DISTINCT FROM NEW.geom OR OLD.township_id IS DISTINCT FROM NEW.township_id)
  EXECUTE FUNCTION block_check_at_commit();

DROP TRIGGER township_keeps_its_blocks_and_plots ON townships_township;
CREATE CONSTRAINT TRIGGER township_keeps_its_blocks_and_plots
  AFTER UPDATE ON townships_township DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW WHEN (OLD.geom IS DISTINCT FROM NEW.geom)
  EXECUTE FUNCTION township_check_at_commit();
