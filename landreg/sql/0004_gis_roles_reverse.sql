-- Takes back this database's grants. The roles are dropped only when no other database of the cluster
-- still grants them something; otherwise they stay for that database.

REVOKE ALL
    ON townships_township, townships_block, townships_plot, townships_facility, parcels_adminarea,
       parcels_landparcel, townships_layerversion, townships_townshipevent, townships_blockevent,
       townships_plotevent
  FROM landreg_gis_editor, landreg_reader;

DO $$
DECLARE
  edited text;
  group_role text;
BEGIN
  IF to_regclass('layer_styles') IS NOT NULL THEN  -- granted by manage.py install_layer_styles
    REVOKE ALL ON layer_styles FROM landreg_gis_editor, landreg_reader;
  END IF;
  FOREACH edited IN ARRAY ARRAY['townships_township', 'townships_block', 'townships_plot', 'townships_facility'] LOOP
    EXECUTE format('REVOKE ALL ON SEQUENCE %s FROM landreg_gis_editor', pg_get_serial_sequence(edited, 'id'));
  END LOOP;
  FOREACH group_role IN ARRAY ARRAY['landreg_gis_editor', 'landreg_reader'] LOOP
    BEGIN
      EXECUTE format('DROP ROLE IF EXISTS %I', group_role);
    EXCEPTION WHEN dependent_objects_still_exist THEN
      RAISE NOTICE 'role % is still used by another database; kept', group_role;
    END;
  END LOOP;
END $$;
