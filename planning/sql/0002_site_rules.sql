-- Site viability (docs/planning.md): the rules that protect the planning layers whoever writes them (the services,
-- the admin, psql or QGIS), and the triggers that keep each plot's site figures honest.
--
--   access_feature_geometry_valid         a water point, road or service has a valid, non-empty geometry; a road
--                                         at least two distinct points
--   access_feature_inside_its_province    it is coded to a province and lies in (within 1 km of) that province's
--                                         boundary when the boundary is loaded
--   access_feature_in_login_provinces     a GIS editor login writes only in its provinces (row-level security)
--   viability_thresholds_are_fixed        a version of the thresholds is never changed or deleted, only made
--                                         active or inactive: every figure judged by it keeps its meaning
--
-- Derived, refusing nothing: each plot has one planning_plotsite row, marked stale when the plot is reshaped, when
-- a raster over it or a water point near it changes, and when another version of the thresholds becomes active;
-- `manage.py recompute_plot_sites` computes the stale rows again (the rasters are files, which the database
-- cannot read).

-- pgRouting measures distances along the road network. An extension needs a superuser: scripts/devenv.sh installs
-- it in template1 like PostGIS; where it is missing, the reports give straight-line distances, labelled so.
DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_available_extensions WHERE name = 'pgrouting')
     AND NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'pgrouting') THEN
    BEGIN
      CREATE EXTENSION pgrouting;
    EXCEPTION WHEN insufficient_privilege THEN
      RAISE NOTICE 'pgRouting is installed but this role may not create the extension; ask a superuser to run '
                   'CREATE EXTENSION pgrouting (distances stay straight-line until then)';
    END;
  END IF;
END $$;

------------------------------------------------------------------------------------------------------
-- Access layers: water points, roads, services.

CREATE OR REPLACE FUNCTION planning_access_feature_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
  what text := format('%s %s', replace(replace(TG_TABLE_NAME, 'planning_', ''), 'point', ' point'),
                       coalesce(NEW.id::text, 'new'));
  boundary geometry;
BEGIN
  IF NEW.geom IS NULL OR ST_IsEmpty(NEW.geom) THEN
    PERFORM landreg_raise('access_feature_geometry_valid', format('%s: it has no location', what));
  ELSIF NOT ST_IsValid(NEW.geom) THEN
    PERFORM landreg_raise('access_feature_geometry_valid', format('%s: %s', what, ST_IsValidReason(NEW.geom)));
  ELSIF GeometryType(NEW.geom) = 'LINESTRING' AND ST_NPoints(ST_RemoveRepeatedPoints(NEW.geom)) < 2 THEN
    PERFORM landreg_raise('access_feature_geometry_valid', format('%s: a road needs two distinct points', what));
  END IF;
  SELECT geom INTO boundary FROM parcels_adminarea WHERE id = NEW.province_id AND level = 'province';
  IF NOT FOUND THEN
    PERFORM landreg_raise('access_feature_inside_its_province',
                          format('%s: area %s is not a province of Afghanistan', what, NEW.province_id));
  END IF;
  IF boundary IS NOT NULL AND NOT ST_Intersects(NEW.geom, boundary)
     AND NOT ST_DWithin(NEW.geom::geography, boundary::geography, 1000) THEN
    PERFORM landreg_raise('access_feature_inside_its_province', format('%s: it lies outside %s', what,
      (SELECT name_en || ' (' || pcode || ')' FROM parcels_adminarea WHERE id = NEW.province_id)));
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER access_feature_inside_its_province
  BEFORE INSERT OR UPDATE OF province_id, geom ON planning_waterpoint
  FOR EACH ROW EXECUTE FUNCTION planning_access_feature_check();
CREATE TRIGGER access_feature_inside_its_province
  BEFORE INSERT OR UPDATE OF province_id, geom ON planning_road
  FOR EACH ROW EXECUTE FUNCTION planning_access_feature_check();
CREATE TRIGGER access_feature_inside_its_province
  BEFORE INSERT OR UPDATE OF province_id, geom ON planning_servicepoint
  FOR EACH ROW EXECUTE FUNCTION planning_access_feature_check();

-- GIS logins: the editors draw the access layers of their provinces (landreg/sql/0006 for the townships); a write
-- elsewhere is refused naming the rule, not with PostgreSQL's bare row-level security error.
CREATE OR REPLACE FUNCTION planning_gis_login_may_edit(login name, province bigint, what text) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF province IN (SELECT landreg_gis_login_provinces(login)) THEN
    RETURN true;
  END IF;
  PERFORM landreg_raise('access_feature_in_login_provinces', format(
    '%s is in province %s, and login %s edits %s only', what,
    coalesce((SELECT pcode FROM parcels_adminarea WHERE id = province), '(none)'), login,
    coalesce((SELECT string_agg(coalesce(a.pcode, 'every province'), ', ' ORDER BY a.pcode)
                FROM landreg_gisloginprovince g LEFT JOIN parcels_adminarea a ON a.id = g.province_id
               WHERE g.role_name = login), 'no province (ask an administrator)')));
  RETURN false;
END $$;
REVOKE ALL ON FUNCTION planning_gis_login_may_edit(name, bigint, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION planning_gis_login_may_edit(name, bigint, text) TO landreg_gis_editor;

DO $$
DECLARE
  layer text;
BEGIN
  FOREACH layer IN ARRAY ARRAY['planning_waterpoint', 'planning_road', 'planning_servicepoint'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', layer);
    EXECUTE format('CREATE POLICY access_as_granted ON %I USING (true) WITH CHECK (true)', layer);
    EXECUTE format('CREATE POLICY gis_editor_works_in_its_provinces ON %I AS RESTRICTIVE TO landreg_gis_editor '
                   'USING (province_id IN (SELECT landreg_gis_login_provinces(current_user))) '
                   'WITH CHECK (planning_gis_login_may_edit(current_user, province_id, %L || id))',
                   layer, replace(replace(layer, 'planning_', ''), 'point', ' point') || ' ');
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO landreg_gis_editor', layer);
    EXECUTE format('GRANT INSERT ON %I TO landreg_gis_editor', layer || 'event');
    EXECUTE format('GRANT USAGE, SELECT ON SEQUENCE %s TO landreg_gis_editor', pg_get_serial_sequence(layer, 'id'));
    EXECUTE format('GRANT SELECT ON %I TO landreg_reader', layer);
  END LOOP;
END $$;

------------------------------------------------------------------------------------------------------
-- Thresholds: versions are fixed once written; only which one is active changes.

CREATE OR REPLACE FUNCTION planning_thresholds_fixed() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM landreg_raise('viability_thresholds_are_fixed', format(
      'version %s cannot be deleted; make another version active instead', OLD.version));
  END IF;
  IF (to_jsonb(NEW) - 'active') IS DISTINCT FROM (to_jsonb(OLD) - 'active') THEN
    PERFORM landreg_raise('viability_thresholds_are_fixed', format(
      'version %s cannot be changed; write a new version', OLD.version));
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER viability_thresholds_are_fixed
  BEFORE UPDATE OR DELETE ON planning_viabilitythresholds
  FOR EACH ROW EXECUTE FUNCTION planning_thresholds_fixed();

------------------------------------------------------------------------------------------------------
-- Each plot's site figures: one row a plot, marked stale when what they were computed from changes. SECURITY
-- DEFINER: a GIS login that draws plots has no grant on planning_plotsite, and its edits must still mark them.

CREATE OR REPLACE FUNCTION planning_plot_sites_follow_plots() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO planning_plotsite (plot_id, reasons, stale)
    SELECT n.id, '[]'::jsonb, true FROM new_rows n
    ON CONFLICT (plot_id) DO UPDATE SET stale = true;
  ELSIF TG_OP = 'UPDATE' THEN
    UPDATE planning_plotsite s SET stale = true
      FROM new_rows n JOIN old_rows o ON o.id = n.id
     WHERE s.plot_id = n.id AND NOT s.stale AND NOT ST_Equals(n.geom, o.geom);
  END IF;
  RETURN NULL;
END $$;

-- Before the plot goes, so that its foreign key is never left dangling, even when checked at once.
CREATE OR REPLACE FUNCTION planning_plot_site_goes_first() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  DELETE FROM planning_plotsite WHERE plot_id = OLD.id;
  RETURN OLD;
END $$;

CREATE TRIGGER plot_site_made_with_its_plot
  AFTER INSERT ON townships_plot REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION planning_plot_sites_follow_plots();
CREATE TRIGGER plot_site_stale_when_plot_reshaped
  AFTER UPDATE ON townships_plot REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION planning_plot_sites_follow_plots();
CREATE TRIGGER plot_site_goes_with_its_plot
  BEFORE DELETE ON townships_plot
  FOR EACH ROW EXECUTE FUNCTION planning_plot_site_goes_first();

-- The plots that already exist get their row.
INSERT INTO planning_plotsite (plot_id, reasons, stale) SELECT id, '[]'::jsonb, true FROM townships_plot
ON CONFLICT DO NOTHING;

-- A raster added or removed: the plots under it.
CREATE OR REPLACE FUNCTION planning_plot_sites_stale_under_raster() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  UPDATE planning_plotsite s SET stale = true FROM townships_plot p
   WHERE p.id = s.plot_id AND NOT s.stale AND p.geom && coalesce(NEW.bounds, OLD.bounds);
  RETURN NULL;
END $$;

CREATE TRIGGER plot_sites_stale_when_rasters_change
  AFTER INSERT OR DELETE OR UPDATE OF bounds, file, flood_classes, nodata ON planning_rasterlayer
  FOR EACH ROW EXECUTE FUNCTION planning_plot_sites_stale_under_raster();

-- A water point added, moved, switched on or off, or removed: the plots it is (or was) at least as near to as
-- their nearest water point, and the plots that had none.
CREATE OR REPLACE FUNCTION planning_plot_sites_stale_near_water() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    UPDATE planning_plotsite s SET stale = true FROM townships_plot p
     WHERE p.id = s.plot_id AND NOT s.stale
       AND (s.water_m IS NULL
            OR EXISTS (SELECT FROM new_rows w
                        WHERE ST_DWithin(p.geom::geography, w.geom::geography, s.water_m + 1)));
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    UPDATE planning_plotsite s SET stale = true FROM townships_plot p
     WHERE p.id = s.plot_id AND NOT s.stale AND s.water_m IS NOT NULL
       AND EXISTS (SELECT FROM old_rows w WHERE ST_DWithin(p.geom::geography, w.geom::geography, s.water_m + 1));
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER plot_sites_stale_when_water_added
  AFTER INSERT ON planning_waterpoint REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION planning_plot_sites_stale_near_water();
CREATE TRIGGER plot_sites_stale_when_water_changed
  AFTER UPDATE ON planning_waterpoint REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION planning_plot_sites_stale_near_water();
CREATE TRIGGER plot_sites_stale_when_water_removed
  AFTER DELETE ON planning_waterpoint REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION planning_plot_sites_stale_near_water();

-- Another version of the thresholds made active: every verdict is judged again.
CREATE OR REPLACE FUNCTION planning_plot_sites_stale_for_thresholds() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  UPDATE planning_plotsite SET stale = true WHERE NOT stale;
  RETURN NULL;
END $$;

CREATE TRIGGER plot_sites_stale_when_thresholds_change
  AFTER INSERT OR UPDATE OF active ON planning_viabilitythresholds
  FOR EACH STATEMENT EXECUTE FUNCTION planning_plot_sites_stale_for_thresholds();

-- QGIS: the plots with their site figures, to style unfit ground. security_invoker, so a GIS editor sees the plots
-- of its provinces only (the row-level security of townships_plot applies to the reader of the view).
CREATE VIEW planning_plot_site_fit WITH (security_invoker = true) AS
SELECT p.id, p.township_id, p.number, p.status, p.geom,
       coalesce(s.fit, 'unknown') AS fit, s.slope_mean_pct, s.share_over_10_pct, s.share_over_20_pct,
       s.flood_hazard, s.flood_high_share_pct, s.water_m, coalesce(s.stale, true) AS stale, s.computed_at
  FROM townships_plot p LEFT JOIN planning_plotsite s ON s.plot_id = p.id;
COMMENT ON VIEW planning_plot_site_fit IS
  'landreg: each plot with its site figures (fit, fit with conditions, not fit, unknown); docs/planning.md';
GRANT SELECT ON planning_plot_site_fit, planning_plotsite, planning_rasterlayer, planning_viabilitythresholds
  TO landreg_gis_editor, landreg_reader;

------------------------------------------------------------------------------------------------------
-- The tables whose history django-pghistory keeps, and their event tables: no client skips the history.
SELECT landreg_guard_history(t::regclass) FROM unnest(ARRAY[
  'planning_waterpoint', 'planning_waterpointevent', 'planning_road', 'planning_roadevent',
  'planning_servicepoint', 'planning_servicepointevent'
]) AS t;

-- django-pgtrigger re-created its helper functions without a search path when this app's history triggers were
-- installed: every function of the project runs with `public, pg_temp` (shelters/sql/0007).
DO $$
DECLARE
  f regprocedure;
BEGIN
  FOR f IN
    SELECT p.oid::regprocedure
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE n.nspname = 'public' AND p.prokind IN ('f', 'p')
       AND NOT EXISTS (SELECT FROM pg_depend d
                        WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
       AND NOT EXISTS (SELECT FROM unnest(p.proconfig) c WHERE c LIKE 'search\_path=%')
  LOOP
    EXECUTE format('ALTER FUNCTION %s SET search_path = public, pg_temp', f);
  END LOOP;
END $$;
