-- An allocation review's closing is a record (docs/domain.md, rules 8 and 10), whoever writes the row: the service, the
-- admin, psql or QGIS. The service (shelters/services.py allocation_review_close) checks the same first.
--
--   closed_review_is_final                a closed review stays as it was closed: no change, no deletion
--   closed_review_has_outcome_and_note    a closing names who closed it, the outcome and a note (not blank)
--
-- The outcome's value is the CHECK constraint review_outcome_is_one_of_the_choices (from the model). Reviews closed
-- before the closing was recorded keep their empty fields: they are judged only when written again, and a closed
-- one is never written again.

CREATE OR REPLACE FUNCTION allocation_review_keep_closed() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM landreg_raise('closed_review_is_final', format(
      'review %s was closed on %s and cannot be deleted', OLD.id, OLD.closed_at::date));
  END IF;
  IF NEW IS DISTINCT FROM OLD THEN
    PERFORM landreg_raise('closed_review_is_final', format(
      'review %s was closed on %s and cannot be changed or reopened', OLD.id, OLD.closed_at::date));
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER closed_review_is_final
  BEFORE UPDATE OR DELETE ON shelters_allocationreview
  FOR EACH ROW WHEN (OLD.closed_at IS NOT NULL)
  EXECUTE FUNCTION allocation_review_keep_closed();

CREATE OR REPLACE FUNCTION allocation_review_check_closing() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
  missing text[] := ARRAY[]::text[];
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.closed_at IS NOT NULL THEN
    RETURN NEW;  -- a closed review: closed_review_is_final answers
  END IF;
  IF NEW.closed_by_id IS NULL THEN
    missing := missing || 'who closed it'::text;
  END IF;
  IF coalesce(NEW.outcome, '') = '' THEN
    missing := missing || 'the outcome'::text;
  END IF;
  IF coalesce(NEW.closing_note, '') ~ '^\s*$' THEN
    missing := missing || 'a closing note'::text;
  END IF;
  IF cardinality(missing) > 0 THEN
    PERFORM landreg_raise('closed_review_has_outcome_and_note', format(
      'review %s was closed without %s', NEW.id, array_to_string(missing, ', ')));
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER closed_review_has_outcome_and_note
  BEFORE INSERT OR UPDATE ON shelters_allocationreview
  FOR EACH ROW WHEN (NEW.closed_at IS NOT NULL)
  EXECUTE FUNCTION allocation_review_check_closing();
