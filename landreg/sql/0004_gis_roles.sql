-- Database roles for GIS specialists who edit townships, blocks, plots and facilities straight from QGIS
-- (docs/architecture.md; docs/operations.md, "Direct PostGIS for QGIS"). Two group roles without login; each person gets a LOGIN
-- role in one of them from `manage.py create_gis_login`, so the history names that person.
--
-- Roles belong to the whole cluster and grants to one database: the roles are created only when missing
-- (another database of the cluster, or a test database, may have created them), and every database grants
-- its own tables. The land rules still apply to these roles: they are triggers and constraints, not grants.

DO $$
DECLARE
  group_role text;
BEGIN
  FOREACH group_role IN ARRAY ARRAY['landreg_gis_editor', 'landreg_reader'] LOOP
    BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = group_role) THEN
        EXECUTE format('CREATE ROLE %I NOLOGIN', group_role);
      END IF;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL;  -- a migration of another database created it at the same moment
    END;
  END LOOP;
END $$;

COMMENT ON ROLE landreg_gis_editor IS
  'landreg: GIS specialists editing townships, blocks, plots and facilities from QGIS; no personal data';
COMMENT ON ROLE landreg_reader IS 'landreg: read-only access to the published layers; no personal data';

------------------------------------------------------------------------------------------------------
-- The editor: draws the layout, reads the reference layers, and nothing about households or allocations.

GRANT SELECT, INSERT, UPDATE, DELETE
   ON townships_township, townships_block, townships_plot, townships_facility
   TO landreg_gis_editor;
GRANT SELECT ON parcels_adminarea, parcels_landparcel, townships_layerversion TO landreg_gis_editor;

-- What the triggers on those tables write, as the editor (triggers run with the privileges of whoever fires
-- them): the pghistory events of townships, blocks and plots (facilities are not tracked), and the layer
-- version counters (layer_version_bump() upserts a row per statement). pghistory_context is written only
-- when Django attaches a context, which a QGIS session never does; the identity columns of the event
-- tables need no sequence grant. Trigger functions that read households or allocations (maker-checker,
-- plot status from allocations) sit on allocations_allocation, which an edit of the layout never fires.
GRANT INSERT ON townships_townshipevent, townships_blockevent, townships_plotevent TO landreg_gis_editor;
GRANT INSERT, UPDATE (version, changed_at) ON townships_layerversion TO landreg_gis_editor;

-- New features take their id from the tables' identity sequences (QGIS may ask for nextval() itself).
DO $$
DECLARE
  edited text;
BEGIN
  FOREACH edited IN ARRAY ARRAY['townships_township', 'townships_block', 'townships_plot', 'townships_facility'] LOOP
    EXECUTE format('GRANT USAGE, SELECT ON SEQUENCE %s TO landreg_gis_editor', pg_get_serial_sequence(edited, 'id'));
  END LOOP;
END $$;

------------------------------------------------------------------------------------------------------
-- The reader: the published layers, which carry no personal data (a plot shows its status, never a name).

GRANT SELECT
   ON townships_township, townships_block, townships_plot, townships_facility, parcels_adminarea, parcels_landparcel
   TO landreg_reader;

-- spatial_ref_sys and geometry_columns, which QGIS reads to list and reproject layers, are granted to
-- PUBLIC by PostGIS itself (and belong to the superuser that created the extension, so we could not grant
-- them here anyway).
