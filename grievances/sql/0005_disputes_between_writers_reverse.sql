-- Back to 0002: no lock, any isolation level.
CREATE OR REPLACE FUNCTION allocation_refuse_while_disputed()
 RETURNS trigger
 LANGUAGE plpgsql
 SET search_path = public, pg_temp
AS $function$
DECLARE
  reference text;
  plot_number text;
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NEW.status IN ('rejected', 'revoked', 'transferred') THEN
      RETURN NEW;
    END IF;
  ELSIF NEW.status IS NOT DISTINCT FROM OLD.status
     OR NOT (NEW.status IN ('approved', 'assigned', 'letter_issued', 'handed_over', 'occupied', 'titled', 'transferred')
             OR OLD.status IN ('suspended', 'appealed')
                AND NEW.status NOT IN ('suspended', 'appealed', 'rejected', 'revoked')) THEN
    RETURN NEW;
  END IF;
  reference := grievance_open_dispute_of_plot(NEW.plot_id);
  IF reference IS NOT NULL THEN
    SELECT number INTO plot_number FROM townships_plot WHERE id = NEW.plot_id;
    PERFORM landreg_raise('plot_not_allocated_while_disputed', format(
      'plot %s has an open land dispute (grievance %s), so its allocation cannot be %s until the dispute is decided',
      plot_number, reference, CASE WHEN TG_OP = 'INSERT' THEN 'written as ' || NEW.status
                                   WHEN OLD.status IN ('suspended', 'appealed') AND NEW.status <> 'transferred'
                                   THEN 'reinstated' ELSE 'moved to ' || NEW.status END));
  END IF;
  RETURN NEW;
END $function$;

CREATE OR REPLACE FUNCTION land_dispute_measure_and_keep()
 RETURNS trigger
 LANGUAGE plpgsql
 SET search_path = public, pg_temp
AS $function$
DECLARE
  problem text;
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.decision <> '' THEN
    PERFORM landreg_raise('land_dispute_decision_is_final', format(
      'the dispute of grievance %s was decided (%s) and cannot change', OLD.grievance_id, OLD.decision));
  END IF;
  IF TG_OP = 'UPDATE' AND (NEW.plot_id IS DISTINCT FROM OLD.plot_id OR NEW.grievance_id IS DISTINCT FROM OLD.grievance_id) THEN
    PERFORM landreg_raise('land_dispute_decision_is_final', format(
      'the dispute of grievance %s stays on its plot and grievance', OLD.grievance_id));
  END IF;
  IF NEW.claimed_outline IS NULL THEN
    NEW.overlap_m2 := NULL;
    RETURN NEW;
  END IF;
  problem := landreg_geometry_problem(NEW.claimed_outline);
  IF problem IS NOT NULL THEN
    PERFORM landreg_raise('land_dispute_outline_valid', format(
      'the claimed outline of the dispute of grievance %s: %s', NEW.grievance_id, problem));
  END IF;
  SELECT round(ST_Area(ST_Transform(ST_Intersection(p.geom, ST_Transform(NEW.claimed_outline, 4326)),
                                    coalesce(t.utm_srid, landreg_utm_srid(p.geom))))::numeric, 2)
    INTO NEW.overlap_m2
    FROM townships_plot p JOIN townships_township t ON t.id = p.township_id
   WHERE p.id = NEW.plot_id;
  RETURN NEW;
END $function$;
