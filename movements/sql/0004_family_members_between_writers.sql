-- family_arrival_has_members holds between two writers of one family: each check locks the arrival before counting its
-- members (two clients each removing one of three members both committed a family of one).
--
-- Found by an audit of the rules that read other rows (docs/rules.md, "Concurrency"); reproduced with two
-- connections, and tested in tests/db/test_rules_between_writers.py. The lock is taken in a statement of its own
-- before the rows are read: at READ COMMITTED each later statement reads afresh, after the other writer has
-- committed. REPEATABLE READ, whose snapshot cannot see that writer, is refused (landreg_refuse_repeatable_read).

CREATE OR REPLACE FUNCTION movements_arrival_members_check()
 RETURNS trigger
 LANGUAGE plpgsql
 SET search_path = public, pg_temp
AS $function$
DECLARE
  problem text;
BEGIN
  PERFORM landreg_refuse_repeatable_read('family_arrival_has_members');
  PERFORM 1 FROM movements_arrival WHERE id = NEW.id FOR NO KEY UPDATE;
  problem := movements_arrival_members_problem(NEW.id);
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
  PERFORM landreg_refuse_repeatable_read('family_arrival_has_members');
  -- The family's writers take turns: two clients each removing one of three members cannot both commit.
  PERFORM 1 FROM movements_arrival
   WHERE id IN (CASE WHEN TG_OP <> 'DELETE' THEN NEW.arrival_id END, CASE WHEN TG_OP <> 'INSERT' THEN OLD.arrival_id END)
   ORDER BY id FOR NO KEY UPDATE;
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
