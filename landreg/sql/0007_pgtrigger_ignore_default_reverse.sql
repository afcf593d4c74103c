DO $$
BEGIN
    EXECUTE format('ALTER DATABASE %I RESET pgtrigger.ignore', current_database());
EXCEPTION WHEN insufficient_privilege THEN
    NULL;
END
$$;
