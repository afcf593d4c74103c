-- A rule that decides by reading rows other writers may have committed meanwhile (the land rules, a family's
-- members, the days worked, a drawn ballot, an open dispute) cannot be judged in a REPEATABLE READ transaction: its
-- snapshot is the one it began with, and it takes no new one after waiting for a lock. Such rules call this first;
-- READ COMMITTED (the default, as the application and QGIS use) and SERIALIZABLE (PostgreSQL refuses the second of
-- two conflicting writers) are allowed. docs/rules.md, "Concurrency".
CREATE OR REPLACE FUNCTION landreg_refuse_repeatable_read(rule text) RETURNS void
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
  IF current_setting('transaction_isolation') = 'repeatable read' THEN
    PERFORM landreg_raise(rule, 'this is judged against what other writers have committed, which a REPEATABLE READ '
      'transaction cannot see: write in a READ COMMITTED (the default) or SERIALIZABLE transaction');
  END IF;
END $$;
