ALTER TABLE townships_facility DROP CONSTRAINT IF EXISTS facility_geometry_valid;
ALTER TABLE townships_plot DROP CONSTRAINT IF EXISTS plot_area_is_positive;
ALTER TABLE townships_plot DROP CONSTRAINT IF EXISTS plot_geometry_valid;
ALTER TABLE townships_block DROP CONSTRAINT IF EXISTS block_geometry_valid;
ALTER TABLE townships_township DROP CONSTRAINT IF EXISTS township_geometry_valid;
DROP TRIGGER IF EXISTS plot_rules_on_insert ON townships_plot;
DROP TRIGGER IF EXISTS plot_rules_on_change ON townships_plot;
DROP TRIGGER IF EXISTS block_rules_on_insert ON townships_block;
DROP TRIGGER IF EXISTS block_rules_on_reshape ON townships_block;
DROP TRIGGER IF EXISTS township_contains_its_blocks_and_plots ON townships_township;
DROP TRIGGER IF EXISTS township_utm_zone_is_derived ON townships_township;
DROP FUNCTION IF EXISTS plot_enforce_rules(), plot_rule_violations(bigint, bigint, bigint, geometry),
  block_enforce_rules(), block_rule_violations(bigint, bigint, geometry), township_check_contents(),
  township_derive_utm_zone(), landreg_area_outside(geometry, geometry, integer), landreg_geometry_problem(geometry),
  landreg_raise(text, text), landreg_utm_srid(geometry), landreg_tolerance_m2();
