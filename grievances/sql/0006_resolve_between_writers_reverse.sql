-- Back to 0002: resolving at any isolation level.
CREATE OR REPLACE FUNCTION grievance_check_step_written()
 RETURNS trigger
 LANGUAGE plpgsql
 SET search_path = public, pg_temp
AS $function$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.status IS NOT DISTINCT FROM OLD.status THEN
    RETURN NULL;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM grievances_grievancestep s
                  WHERE s.grievance_id = NEW.id
                    AND s.to_status = NEW.status
                    AND (TG_OP = 'INSERT' OR s.from_status = OLD.status)
                    AND landreg_written_by_this_transaction(s.xmin)) THEN
    PERFORM landreg_raise('grievance_status_changes_with_a_step', CASE WHEN TG_OP = 'INSERT'
      THEN format('grievance %s was written as %s without a step to %s in the same transaction',
                  NEW.reference, NEW.status, NEW.status)
      ELSE format('grievance %s went from %s to %s without a step from %s to %s in the same transaction',
                  NEW.reference, OLD.status, NEW.status, OLD.status, NEW.status) END);
  END IF;
  IF NEW.status IN ('resolved', 'closed') THEN
    IF EXISTS (SELECT 1 FROM grievances_landdispute d WHERE d.grievance_id = NEW.id AND d.decision = '') THEN
      PERFORM landreg_raise('grievance_resolved_with_a_decision', format(
        'grievance %s is a land dispute that has no decision yet', NEW.reference));
    END IF;
    IF EXISTS (SELECT 1 FROM grievances_appeal a WHERE a.grievance_id = NEW.id AND a.checked_by_id IS NULL) THEN
      PERFORM landreg_raise('grievance_resolved_with_a_decision', format(
        'grievance %s is an appeal not yet decided and checked', NEW.reference));
    END IF;
  END IF;
  RETURN NULL;
END $function$;
