CREATE OR REPLACE FUNCTION layer_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO townships_layerversion (layer, version, changed_at) VALUES (TG_ARGV[0], 1, now())
  ON CONFLICT (layer) DO UPDATE SET version = townships_layerversion.version + 1, changed_at = now();
  RETURN NULL;
END $$;
DROP FUNCTION IF EXISTS landreg_layer_versions(text[]);
DROP SEQUENCE IF EXISTS townships_layer_version_townships, townships_layer_version_blocks,
  townships_layer_version_plots, townships_layer_version_facilities, townships_layer_version_admin_areas;
