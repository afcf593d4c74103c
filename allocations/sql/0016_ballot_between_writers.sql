-- A drawn ballot's households, plots and results stay as drawn between writers: a write to them waits for a draw in
-- progress (an entry added or deleted while the draw ran was kept beside a result drawn without it).
--
-- Found by an audit of the rules that read other rows (docs/rules.md, "Concurrency"); reproduced with two
-- connections, and tested in tests/db/test_rules_between_writers.py. The lock is taken in a statement of its own
-- before the rows are read: at READ COMMITTED each later statement reads afresh, after the other writer has
-- committed. REPEATABLE READ, whose snapshot cannot see that writer, is refused (landreg_refuse_repeatable_read).

CREATE OR REPLACE FUNCTION ballot_part_refuse_change()
 RETURNS trigger
 LANGUAGE plpgsql
 SET search_path = public, pg_temp
AS $function$
DECLARE
  state text;
  ref text;
BEGIN
  PERFORM landreg_refuse_repeatable_read('drawn_ballot_is_immutable');
  -- FOR SHARE waits for a draw in progress (it locks the ballot FOR UPDATE), then reads the ballot as drawn.
  SELECT status, reference INTO state, ref FROM allocations_ballot
   WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.ballot_id ELSE NEW.ballot_id END FOR SHARE;
  IF state = 'drawn' THEN
    PERFORM landreg_raise('drawn_ballot_is_immutable', format('ballot %s was drawn; its %s cannot change', ref, TG_ARGV[0]));
  END IF;
  IF TG_TABLE_NAME = 'allocations_ballotresult' AND TG_OP = 'INSERT' AND state IS DISTINCT FROM 'list_approved' THEN
    PERFORM landreg_raise('ballot_result_comes_from_the_draw', format('ballot %s: results are written only by the draw', ref));
  END IF;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $function$;
