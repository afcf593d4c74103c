-- A plot that holds an active allocation keeps its outline: the household was shown that ground, its letter or
-- deed prints it, and a handover was checked against it. A GIS specialist editing in QGIS (or anyone) is refused;
-- a layout import that the user explicitly confirmed (townships/layouts/services.py) sets landreg.confirm_allocated_moves
-- for its own transaction, and its history event records who confirmed it.
-- SECURITY DEFINER: GIS logins may not read allocations (personal data), yet their edits must be checked.
CREATE OR REPLACE FUNCTION plot_keep_allocated_outline() RETURNS trigger LANGUAGE plpgsql
  SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF NEW.geom IS DISTINCT FROM OLD.geom
     AND coalesce(current_setting('landreg.confirm_allocated_moves', true), '') <> 'on'
     AND EXISTS (SELECT 1 FROM allocations_allocation a
                  WHERE a.plot_id = OLD.id AND a.status NOT IN ('rejected', 'revoked', 'transferred')) THEN
    PERFORM landreg_raise('allocated_plot_keeps_its_outline', format(
      'plot %s holds an active allocation; move it only through a confirmed layout import, or end the allocation first',
      OLD.number));
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER allocated_plot_keeps_its_outline
  BEFORE UPDATE OF geom ON townships_plot
  FOR EACH ROW EXECUTE FUNCTION plot_keep_allocated_outline();
