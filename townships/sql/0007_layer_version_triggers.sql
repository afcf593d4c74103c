-- Every change to a published layer's table bumps that layer's version (one row per statement, cheap),
-- so ETags of tiles and features change as soon as the data does — whoever changed it.
CREATE OR REPLACE FUNCTION layer_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO townships_layerversion (layer, version, changed_at) VALUES (TG_ARGV[0], 1, now())
  ON CONFLICT (layer) DO UPDATE SET version = townships_layerversion.version + 1, changed_at = now();
  RETURN NULL;
END $$;

CREATE TRIGGER townships_layer_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON townships_township
  FOR EACH STATEMENT EXECUTE FUNCTION layer_version_bump('townships');
CREATE TRIGGER blocks_layer_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON townships_block
  FOR EACH STATEMENT EXECUTE FUNCTION layer_version_bump('blocks');
CREATE TRIGGER plots_layer_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON townships_plot
  FOR EACH STATEMENT EXECUTE FUNCTION layer_version_bump('plots');
CREATE TRIGGER facilities_layer_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON townships_facility
  FOR EACH STATEMENT EXECUTE FUNCTION layer_version_bump('facilities');
CREATE TRIGGER admin_areas_layer_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON parcels_adminarea
  FOR EACH STATEMENT EXECUTE FUNCTION layer_version_bump('admin_areas');
