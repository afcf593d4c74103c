-- Layer versions as sequences instead of rows: a sequence never blocks, so writers of one layer no longer queue
-- on its version row until they commit (nor deadlock when two transactions edit blocks and plots in opposite
-- orders). nextval is not rolled back: an aborted edit bumps the version too, which only costs a cache miss.
CREATE SEQUENCE IF NOT EXISTS townships_layer_version_townships;
CREATE SEQUENCE IF NOT EXISTS townships_layer_version_blocks;
CREATE SEQUENCE IF NOT EXISTS townships_layer_version_plots;
CREATE SEQUENCE IF NOT EXISTS townships_layer_version_facilities;
CREATE SEQUENCE IF NOT EXISTS townships_layer_version_admin_areas;

CREATE OR REPLACE FUNCTION layer_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM nextval(format('townships_layer_version_%s', TG_ARGV[0])::regclass);
  RETURN NULL;
END $$;

-- The versions of the named layers, and the database they belong to (a recreated database never reuses keys).
CREATE OR REPLACE FUNCTION landreg_layer_versions(layers text[]) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT (SELECT oid FROM pg_database WHERE datname = current_database())::text || ':' ||
         string_agg(coalesce(pg_sequence_last_value(format('townships_layer_version_%s', name)::regclass), 0)::text,
                    '.' ORDER BY ord)
    FROM unnest(layers) WITH ORDINALITY AS l(name, ord)
$$;

DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'landreg_gis_editor') THEN
    GRANT USAGE ON SEQUENCE townships_layer_version_townships, townships_layer_version_blocks,
      townships_layer_version_plots, townships_layer_version_facilities, townships_layer_version_admin_areas
      TO landreg_gis_editor;
  END IF;
END $$;
GRANT SELECT ON SEQUENCE townships_layer_version_townships, townships_layer_version_blocks,
  townships_layer_version_plots, townships_layer_version_facilities, townships_layer_version_admin_areas TO PUBLIC;
