DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['planning_waterpoint', 'planning_waterpointevent', 'planning_road', 'planning_roadevent',
    'planning_servicepoint', 'planning_servicepointevent']
  LOOP
    EXECUTE format('DROP TRIGGER IF EXISTS history_is_never_skipped ON %I', t);
  END LOOP;
  FOREACH t IN ARRAY ARRAY['planning_waterpoint', 'planning_road', 'planning_servicepoint'] LOOP
    EXECUTE format('DROP POLICY IF EXISTS gis_editor_works_in_its_provinces ON %I', t);
    EXECUTE format('DROP POLICY IF EXISTS access_as_granted ON %I', t);
    EXECUTE format('ALTER TABLE %I DISABLE ROW LEVEL SECURITY', t);
    EXECUTE format('REVOKE ALL ON %I FROM landreg_gis_editor, landreg_reader', t);
    EXECUTE format('REVOKE ALL ON %I FROM landreg_gis_editor', t || 'event');
    EXECUTE format('DROP TRIGGER IF EXISTS access_feature_inside_its_province ON %I', t);
  END LOOP;
END $$;
REVOKE ALL ON planning_plotsite, planning_rasterlayer, planning_viabilitythresholds
  FROM landreg_gis_editor, landreg_reader;
DROP VIEW IF EXISTS planning_plot_site_fit;
DROP TRIGGER IF EXISTS plot_sites_stale_when_thresholds_change ON planning_viabilitythresholds;
DROP FUNCTION IF EXISTS planning_plot_sites_stale_for_thresholds();
DROP TRIGGER IF EXISTS plot_sites_stale_when_water_added ON planning_waterpoint;
DROP TRIGGER IF EXISTS plot_sites_stale_when_water_changed ON planning_waterpoint;
DROP TRIGGER IF EXISTS plot_sites_stale_when_water_removed ON planning_waterpoint;
DROP FUNCTION IF EXISTS planning_plot_sites_stale_near_water();
DROP TRIGGER IF EXISTS plot_sites_stale_when_rasters_change ON planning_rasterlayer;
DROP FUNCTION IF EXISTS planning_plot_sites_stale_under_raster();
DROP TRIGGER IF EXISTS plot_site_made_with_its_plot ON townships_plot;
DROP TRIGGER IF EXISTS plot_site_stale_when_plot_reshaped ON townships_plot;
DROP TRIGGER IF EXISTS plot_site_goes_with_its_plot ON townships_plot;
DROP FUNCTION IF EXISTS planning_plot_sites_follow_plots();
DROP FUNCTION IF EXISTS planning_plot_site_goes_first();
DROP TRIGGER IF EXISTS viability_thresholds_are_fixed ON planning_viabilitythresholds;
DROP FUNCTION IF EXISTS planning_thresholds_fixed();
DROP FUNCTION IF EXISTS planning_gis_login_may_edit(name, bigint, text);
DROP FUNCTION IF EXISTS planning_access_feature_check();
-- pgRouting stays: other databases of the cluster, and the template, may use it.
