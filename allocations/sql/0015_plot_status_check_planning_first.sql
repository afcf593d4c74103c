-- plot_status_follows_the_workflow asks for the writer's role only when the status leaves the planning statuses.
--
-- The check (0013) asked pg_has_role(current_user, <owner of townships_plot>) first, for every plot written: a
-- query on pg_class for every plot written (docs/benchmarks.md, "One land-rule event per transaction"). Any
-- login may keep a plot among planned, available and cancelled, so that test comes first and the role is asked
-- only for the other statuses. Same rule, same errors (tests/db/test_plot_status_sql.py).

CREATE OR REPLACE FUNCTION plot_keep_status_with_workflow()
RETURNS trigger LANGUAGE plpgsql SET search_path = public, pg_temp
AS $$
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
  -- Any login may keep a plot among the planning statuses; only the application's role may set the others.
  IF NEW.status = ANY (planning) AND (TG_OP = 'INSERT' OR OLD.status = ANY (planning)) THEN
    RETURN NEW;
  END IF;
  IF NOT pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER') THEN
    PERFORM landreg_raise('plot_status_follows_the_workflow', format(
      'plot %s: login %s may set a plot''s status only among planned, available and cancelled; the other '
      'statuses follow the allocation workflow', NEW.number, current_user));
  END IF;
  RETURN NEW;
END $$;

-- plot_keep_allocated_outline() runs as the application's role (it reads allocations a GIS login may not): not
-- executable by PUBLIC, so no login can attach it to a table of its own (a trigger fires it whatever the writer's
-- privileges; EXECUTE is asked only when a trigger is created). townships/sql/0019 does the same for the plots'.
REVOKE EXECUTE ON FUNCTION plot_keep_allocated_outline() FROM PUBLIC;
