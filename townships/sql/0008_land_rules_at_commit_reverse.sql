DROP TRIGGER IF EXISTS township_plots_remeasured_in_a_new_zone ON townships_township;
DROP TRIGGER IF EXISTS township_keeps_its_blocks_and_plots ON townships_township;
DROP TRIGGER IF EXISTS blocks_keep_the_land_rules_when_reshaped ON townships_block;
DROP TRIGGER IF EXISTS blocks_keep_the_land_rules ON townships_block;
DROP TRIGGER IF EXISTS plots_keep_the_land_rules_when_reshaped ON townships_plot;
DROP TRIGGER IF EXISTS plots_keep_the_land_rules ON townships_plot;
DROP TRIGGER IF EXISTS plot_geometry_valid_and_area_derived_on_change ON townships_plot;
DROP TRIGGER IF EXISTS plot_geometry_valid_and_area_derived ON townships_plot;
DROP FUNCTION IF EXISTS township_remeasure_plots(), township_check_at_commit(), block_check_at_commit(),
  plot_check_at_commit(), plot_validate_and_measure();
-- back to the row-by-row triggers of 0002 (their functions were kept)
CREATE TRIGGER township_contains_its_blocks_and_plots
  AFTER UPDATE OF geom ON townships_township
  FOR EACH ROW WHEN (OLD.geom IS DISTINCT FROM NEW.geom)
  EXECUTE FUNCTION township_check_contents();
CREATE TRIGGER block_rules_on_insert BEFORE INSERT ON townships_block
  FOR EACH ROW EXECUTE FUNCTION block_enforce_rules();
CREATE TRIGGER block_rules_on_reshape BEFORE UPDATE ON townships_block
  FOR EACH ROW WHEN (OLD.geom IS DISTINCT FROM NEW.geom OR OLD.township_id IS DISTINCT FROM NEW.township_id)
  EXECUTE FUNCTION block_enforce_rules();
CREATE TRIGGER plot_rules_on_insert BEFORE INSERT ON townships_plot
  FOR EACH ROW EXECUTE FUNCTION plot_enforce_rules();
CREATE TRIGGER plot_rules_on_change BEFORE UPDATE ON townships_plot
  FOR EACH ROW WHEN (OLD.geom IS DISTINCT FROM NEW.geom OR OLD.township_id IS DISTINCT FROM NEW.township_id
                     OR OLD.block_id IS DISTINCT FROM NEW.block_id OR OLD.area_m2 IS DISTINCT FROM NEW.area_m2)
  EXECUTE FUNCTION plot_enforce_rules();
