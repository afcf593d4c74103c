-- A ballot is a public act (docs/domain.md, rule 7): its seed is fixed from the moment it is created, and once it
-- is drawn nothing about it — seed, witnesses, lists, result — can change or disappear.

CREATE OR REPLACE FUNCTION ballot_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND OLD.status = 'drawn' THEN
    PERFORM landreg_raise('drawn_ballot_is_immutable', format('ballot %s was drawn and cannot be deleted', OLD.reference));
  END IF;
  IF TG_OP = 'UPDATE' THEN
    IF OLD.status = 'drawn' THEN
      PERFORM landreg_raise('drawn_ballot_is_immutable', format('ballot %s was drawn and cannot be changed', OLD.reference));
    END IF;
    IF NEW.seed IS DISTINCT FROM OLD.seed THEN
      PERFORM landreg_raise('ballot_seed_is_fixed', format('the seed of ballot %s was recorded before the draw and cannot change', OLD.reference));
    END IF;
  END IF;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;

CREATE TRIGGER drawn_ballot_is_immutable
  BEFORE UPDATE OR DELETE ON allocations_ballot
  FOR EACH ROW EXECUTE FUNCTION ballot_refuse_change();

-- Entries, plots and results of a drawn ballot. Results may only be written in the transaction that draws:
-- the draw inserts them while the ballot is still 'list_approved', then marks it 'drawn'.
CREATE OR REPLACE FUNCTION ballot_part_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
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
END $$;

CREATE TRIGGER drawn_ballot_entries_are_immutable BEFORE INSERT OR UPDATE OR DELETE ON allocations_ballotentry
  FOR EACH ROW EXECUTE FUNCTION ballot_part_refuse_change('list of households');
CREATE TRIGGER drawn_ballot_plots_are_immutable BEFORE INSERT OR UPDATE OR DELETE ON allocations_ballotplot
  FOR EACH ROW EXECUTE FUNCTION ballot_part_refuse_change('list of plots');
CREATE TRIGGER drawn_ballot_results_are_immutable BEFORE INSERT OR UPDATE OR DELETE ON allocations_ballotresult
  FOR EACH ROW EXECUTE FUNCTION ballot_part_refuse_change('result');
