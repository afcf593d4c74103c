-- Every function the project defines runs with a fixed search path, `public, pg_temp`.
--
-- A function that resolves its tables, functions and PostGIS operators through the caller's search path breaks
-- when the path differs: pg_dump's restore script empties it, a GIS client may set its own, and a SECURITY
-- DEFINER function could be steered to a caller's object (PostgreSQL's docs, "Writing SECURITY DEFINER
-- Functions Safely": pg_temp last). The rules written by hand, the helpers they call and the history triggers
-- that django-pghistory generates (pgtrigger_*, _pgtrigger_should_ignore, _pgh_attach_context) all get it.
-- Functions that belong to an extension (PostGIS, pg_trgm: pg_depend deptype 'e') are not the project's and
-- are left alone. Functions that already set a search path keep theirs.
--
-- django-pgtrigger re-creates _pgtrigger_should_ignore and a history trigger's function (CREATE OR REPLACE,
-- without SET) whenever a later migration installs a history trigger: tests/db/test_dump_restore.py fails
-- then, and that migration must set the path again (as this file does).
DO $$
DECLARE
  f regprocedure;
BEGIN
  FOR f IN
    SELECT p.oid::regprocedure
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE n.nspname = 'public' AND p.prokind IN ('f', 'p')
       AND NOT EXISTS (SELECT FROM pg_depend d
                        WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
       AND NOT EXISTS (SELECT FROM unnest(p.proconfig) c WHERE c LIKE 'search\_path=%')
  LOOP
    EXECUTE format('ALTER FUNCTION %s SET search_path = public, pg_temp', f);
  END LOOP;
END $$;
