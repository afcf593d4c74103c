-- Back to 0002: no lock, any isolation level.
CREATE OR REPLACE FUNCTION movements_arrival_members_check()
 RETURNS trigger
 LANGUAGE plpgsql
 SET search_path = public, pg_temp
AS $function$
DECLARE
  problem text := movements_arrival_members_problem(NEW.id);
BEGIN
  IF problem IS NOT NULL THEN
    PERFORM landreg_raise('family_arrival_has_members', problem);
  END IF;
  RETURN NULL;
END $function$;

CREATE OR REPLACE FUNCTION movements_arrival_member_check()
 RETURNS trigger
 LANGUAGE plpgsql
 SET search_path = public, pg_temp
AS $function$
DECLARE
  problem text;
BEGIN
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    problem := movements_arrival_members_problem(NEW.arrival_id);
  END IF;
  IF problem IS NULL AND TG_OP IN ('UPDATE', 'DELETE') THEN
    problem := movements_arrival_members_problem(OLD.arrival_id);
  END IF;
  IF problem IS NOT NULL THEN
    PERFORM landreg_raise('family_arrival_has_members', problem);
  END IF;
  RETURN NULL;
END $function$;
