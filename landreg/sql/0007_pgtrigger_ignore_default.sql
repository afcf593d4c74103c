-- Give pgtrigger.ignore a default in this database, for every connection (Django, QGIS, psql).
--
-- django-pgtrigger's _pgtrigger_should_ignore() reads the setting with current_setting('pgtrigger.ignore')
-- inside an exception block. When the setting is unset, every call (once per row, in every history and
-- append-only trigger) raises and rolls back a subtransaction, and PostgreSQL then rescans the whole queue
-- of deferred triggers: a bulk write of land records becomes quadratic (an import of 100,000 plots spent
-- 126 s in the insert instead of 5.6 s). With a default of '{}' nothing raises and nothing is ignored.
--
-- ALTER DATABASE of a custom setting needs a superuser, or `GRANT SET ON PARAMETER pgtrigger.ignore TO
-- landreg` (scripts/devenv.sh grants it on the private cluster). Without it, the migration says what to run.
DO $$
BEGIN
    EXECUTE format('ALTER DATABASE %I SET pgtrigger.ignore = %L', current_database(), '{}');
EXCEPTION WHEN insufficient_privilege THEN
    RAISE WARNING 'bulk writes of land records will be slow: as a superuser, run: ALTER DATABASE % SET pgtrigger.ignore = ''{}''', current_database();
END
$$;
