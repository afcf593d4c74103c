-- History is never skipped by a client. pgtrigger's triggers (history events, append-only event tables) honour the
-- custom setting pgtrigger.ignore, which any role may SET; a GIS login could name the history triggers in it and
-- edit plots with no history. The application (the database owner's role) sets it for its own set-based writes
-- (the layout import writes the history events itself); anyone else who writes with it set is refused, once per
-- statement, before a row is touched.

CREATE OR REPLACE FUNCTION landreg_history_never_skipped() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
  IF coalesce(current_setting('pgtrigger.ignore', true), '') NOT IN ('', '{}')
     AND NOT pg_has_role(current_user, (SELECT datdba FROM pg_database WHERE datname = current_database()), 'MEMBER')
  THEN
    RAISE EXCEPTION 'history_is_never_skipped: only the application may set pgtrigger.ignore (it is %)',
      current_setting('pgtrigger.ignore', true)
      USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'history_is_never_skipped';
  END IF;
  RETURN NULL;
END $$;

-- Puts the guard on a table (idempotent). A new app whose models have history calls it in its migration for each
-- tracked table and its event table; tests/db/test_history_guard.py fails for a table that has pgtrigger triggers
-- and no guard.
CREATE OR REPLACE FUNCTION landreg_guard_history(tbl regclass) RETURNS void
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = tbl AND tgname = 'history_is_never_skipped') THEN
    EXECUTE format('CREATE TRIGGER history_is_never_skipped BEFORE INSERT OR UPDATE OR DELETE ON %s '
                   'FOR EACH STATEMENT EXECUTE FUNCTION landreg_history_never_skipped()', tbl);
  END IF;
END $$;

DO $$
DECLARE t regclass;
BEGIN
  FOR t IN SELECT DISTINCT tgrelid::regclass FROM pg_trigger WHERE NOT tgisinternal AND tgname LIKE 'pgtrigger%'
  LOOP
    PERFORM landreg_guard_history(t);
  END LOOP;
END $$;
