-- Back to 0011: no lock, any isolation level.
CREATE OR REPLACE FUNCTION ballot_part_refuse_change()
 RETURNS trigger
 LANGUAGE plpgsql
 SET search_path = public, pg_temp
AS $function$
DECLARE
  state text;
  ref text;
BEGIN
  SELECT status, reference INTO state, ref FROM allocations_ballot
   WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.ballot_id ELSE NEW.ballot_id END;
  IF state = 'drawn' THEN
    PERFORM landreg_raise('drawn_ballot_is_immutable', format('ballot %s was drawn; its %s cannot change', ref, TG_ARGV[0]));
  END IF;
  IF TG_TABLE_NAME = 'allocations_ballotresult' AND TG_OP = 'INSERT' AND state IS DISTINCT FROM 'list_approved' THEN
    PERFORM landreg_raise('ballot_result_comes_from_the_draw', format('ballot %s: results are written only by the draw', ref));
  END IF;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $function$;
