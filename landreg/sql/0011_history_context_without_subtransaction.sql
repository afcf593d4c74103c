-- pghistory's _pgh_attach_context(), which every history trigger calls for the context of its event (the app's
-- user and URL), reads the settings pghistory.context_id and pghistory.context_metadata inside an exception
-- block. A client outside Django (QGIS, psql, ogr2ogr) sets neither: every call then raises and rolls back a
-- subtransaction, and PostgreSQL rescans the queue of deferred land-rule events at each rollback, so QGIS saving
-- plot after plot paid more for history the more it had saved (docs/benchmarks.md). Here the usual case, no
-- context, returns NULL without entering the block; a context that is set is read, validated and upserted exactly
-- as pghistory does (a malformed value still gives no context, not an error). Same result for every input.
--
-- pghistory installs this function in its own migrations (0004, 0007); a later pghistory migration that installs
-- it again would bring back its body, correct but slower (tests/db/test_history_context.py notices).
CREATE OR REPLACE FUNCTION _pgh_attach_context() RETURNS uuid
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
  _pgh_context_id uuid;
  _pgh_context_metadata jsonb;
BEGIN
  IF coalesce(current_setting('pghistory.context_id', true), '') = '' THEN
    RETURN NULL;  -- unset, or emptied at the end of a transaction that set it: no context, as pghistory decides
  END IF;
  BEGIN
    SELECT INTO _pgh_context_id current_setting('pghistory.context_id');
    SELECT INTO _pgh_context_metadata current_setting('pghistory.context_metadata');
  EXCEPTION WHEN OTHERS THEN
  END;
  IF _pgh_context_id IS NOT NULL AND _pgh_context_metadata IS NOT NULL THEN
    INSERT INTO pghistory_context (id, metadata, created_at, updated_at)
      VALUES (_pgh_context_id, _pgh_context_metadata, now(), now())
      ON CONFLICT (id) DO UPDATE SET metadata = EXCLUDED.metadata, updated_at = EXCLUDED.updated_at
        WHERE pghistory_context.metadata != EXCLUDED.metadata;
    RETURN _pgh_context_id;
  END IF;
  RETURN NULL;
END $$;
