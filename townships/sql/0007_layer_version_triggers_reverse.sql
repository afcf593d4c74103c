DROP TRIGGER IF EXISTS admin_areas_layer_version ON parcels_adminarea;
DROP TRIGGER IF EXISTS facilities_layer_version ON townships_facility;
DROP TRIGGER IF EXISTS plots_layer_version ON townships_plot;
DROP TRIGGER IF EXISTS blocks_layer_version ON townships_block;
DROP TRIGGER IF EXISTS townships_layer_version ON townships_township;
DROP FUNCTION IF EXISTS layer_version_bump();
