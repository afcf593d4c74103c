-- Back to 0013's order: the role first.
CREATE OR REPLACE FUNCTION plot_keep_status_with_workflow() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
  implied text;
  planning constant text[] := ARRAY['planned', 'available', 'cancelled'];
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.status IS NOT DISTINCT FROM OLD.status THEN
    RETURN NEW;
  END IF;
  IF TG_OP = 'UPDATE' THEN
    implied := landreg_plot_status_from_allocation(OLD.id);
    IF implied IS NOT NULL AND NEW.status IS DISTINCT FROM implied THEN
      PERFORM landreg_raise('plot_status_follows_the_workflow', format(
        'plot %s is held by an active allocation, so its status is %s; change the allocation through the '
        'workflow instead', OLD.number, implied));
    END IF;
  END IF;
  IF NOT pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER')
     AND NOT (NEW.status = ANY (planning) AND (TG_OP = 'INSERT' OR OLD.status = ANY (planning))) THEN
    PERFORM landreg_raise('plot_status_follows_the_workflow', format(
      'plot %s: login %s may set a plot''s status only among planned, available and cancelled; the other '
      'statuses follow the allocation workflow', NEW.number, current_user));
  END IF;
  RETURN NEW;
END $$;

GRANT EXECUTE ON FUNCTION plot_keep_allocated_outline() TO PUBLIC;
