-- The versions of the published layers of returns, displacement and livelihoods (docs/partners.md, "Published
-- layers"): each a sequence that a statement trigger bumps on every change of a table the layer reads, whoever
-- makes it (these pages, the admin, QGIS, psql, the figures' refresh), as townships/sql/0009 does for the land
-- layers. Tile and feature ETags are built from them (landreg_layer_versions()), so no stale tile is served. They
-- refuse nothing.
CREATE SEQUENCE IF NOT EXISTS townships_layer_version_crossing_points;
CREATE SEQUENCE IF NOT EXISTS townships_layer_version_movement_figures;
CREATE SEQUENCE IF NOT EXISTS townships_layer_version_idp_sites;
CREATE SEQUENCE IF NOT EXISTS townships_layer_version_opportunities;

CREATE TRIGGER crossing_points_layer_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON parcels_crossingpoint
  FOR EACH STATEMENT EXECUTE FUNCTION layer_version_bump('crossing_points');
CREATE TRIGGER arrival_totals_layer_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON movements_arrival_totals
  FOR EACH STATEMENT EXECUTE FUNCTION layer_version_bump('movement_figures');
CREATE TRIGGER flow_totals_layer_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON movements_flow_totals
  FOR EACH STATEMENT EXECUTE FUNCTION layer_version_bump('movement_figures');
CREATE TRIGGER idp_sites_layer_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON movements_idpsite
  FOR EACH STATEMENT EXECUTE FUNCTION layer_version_bump('idp_sites');
CREATE TRIGGER site_estimates_layer_version
  AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON movements_sitepopulationestimate
  FOR EACH STATEMENT EXECUTE FUNCTION layer_version_bump('idp_sites');
CREATE TRIGGER opportunities_layer_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON livelihoods_opportunity
  FOR EACH STATEMENT EXECUTE FUNCTION layer_version_bump('opportunities');
CREATE TRIGGER providers_layer_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON livelihoods_provider
  FOR EACH STATEMENT EXECUTE FUNCTION layer_version_bump('opportunities');

DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'landreg_gis_editor') THEN
    GRANT USAGE ON SEQUENCE townships_layer_version_crossing_points, townships_layer_version_movement_figures,
      townships_layer_version_idp_sites, townships_layer_version_opportunities TO landreg_gis_editor;
  END IF;
END $$;
GRANT SELECT ON SEQUENCE townships_layer_version_crossing_points, townships_layer_version_movement_figures,
  townships_layer_version_idp_sites, townships_layer_version_opportunities TO PUBLIC;
