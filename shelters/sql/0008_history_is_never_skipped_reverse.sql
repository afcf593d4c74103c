DO $$
DECLARE t regclass;
BEGIN
  FOR t IN SELECT tgrelid::regclass FROM pg_trigger WHERE tgname = 'history_is_never_skipped'
  LOOP
    EXECUTE format('DROP TRIGGER history_is_never_skipped ON %s', t);
  END LOOP;
END $$;
DROP FUNCTION IF EXISTS landreg_guard_history(regclass);
DROP FUNCTION IF EXISTS landreg_history_never_skipped();
