-- The plot land rules fire once per transaction, not once per plot (issue 14, "one check per transaction").
--
-- Until now (0014) every written plot queued its own deferred event: at commit the first firing checked every
-- noted plot as a set, and each of the others (100,000 for a layout import) still ran a SECURITY DEFINER call that
-- looked up two temporary tables and returned. Now:
--
-- 1. Two statement-level triggers on townships_plot, with transition tables, list the plots a statement wrote in
--    landreg_plot_queue: every inserted plot, and every updated plot whose outline, township or block changed
--    (the test of 0012, word for word). One INSERT … SELECT per statement, not one per row.
-- 2. The first such statement of a transaction also writes one row for the transaction in landreg_plot_check. The
--    deferred constraint trigger plots_keep_the_land_rules sits on that table, so it queues one event per
--    transaction. At commit (or at SET CONSTRAINTS … IMMEDIATE) it takes the transaction's listed plots out of the
--    queue and checks them all in one set-based query, plot_set_violations(), as before.
--
-- Nothing of this can be switched off by the writer. Both tables are permanent, owned by the application's role,
-- and granted to no one: a GIS login can neither read, write, empty nor put a rule on them, and DISCARD TEMP has
-- nothing to take. Their rows belong to one transaction (keyed by its id; no other transaction ever sees them, as
-- they are deleted before it commits), and they follow it exactly: a savepoint rolled back takes its listed
-- plots, its row in landreg_plot_check and that row's pending event together. They are UNLOGGED: nothing in them
-- outlives its transaction, so they need no WAL, and a crash that empties them loses nothing.
--
-- Names, timing and errors are those of 0008/0014: the constraint is still plots_keep_the_land_rules (SET
-- CONSTRAINTS plots_keep_the_land_rules IMMEDIATE runs the check at once), errors name the rule and the plot(s),
-- and the check runs as the application's role (SECURITY DEFINER), seeing every plot whoever writes.
-- plots_keep_the_land_rules_when_reshaped is now the statement trigger that lists reshaped plots.

CREATE UNLOGGED TABLE landreg_plot_queue (
  xact xid8 NOT NULL,
  plot_id bigint NOT NULL
);
CREATE INDEX landreg_plot_queue_xact ON landreg_plot_queue (xact);
COMMENT ON TABLE landreg_plot_queue IS
  'The plots each open transaction wrote, for the land rules at its commit (townships/sql/0018). Never holds a row once its transaction has ended.';

CREATE UNLOGGED TABLE landreg_plot_check (
  xact xid8 PRIMARY KEY
);
COMMENT ON TABLE landreg_plot_check IS
  'One row per open transaction that wrote plots: its deferred event runs the plot land rules (townships/sql/0018).';

REVOKE ALL ON landreg_plot_queue, landreg_plot_check FROM PUBLIC;

-- The BEFORE trigger validates and measures, and no longer notes anything.
CREATE OR REPLACE FUNCTION plot_validate_and_measure() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE problem text := landreg_geometry_problem(NEW.geom);
BEGIN
  IF problem IS NOT NULL THEN
    PERFORM landreg_raise('plot_geometry_valid', format('plot %s: %s', NEW.number, problem));
  END IF;
  -- The area is never typed in: whatever a client sends, it is measured in the township's UTM zone.
  NEW.area_m2 := round(ST_Area(ST_Transform(NEW.geom,
                   (SELECT utm_srid FROM townships_township WHERE id = NEW.township_id)))::numeric, 2);
  RETURN NEW;
END $$;

-- Lists the plots a statement wrote, and makes sure the transaction's check is pending: one statement, which
-- writes the transaction's row in landreg_plot_check only if the statement listed a plot (a transaction id is
-- then taken: pg_current_xact_id() is never asked of a statement that changed nothing).
CREATE OR REPLACE FUNCTION plot_note_for_commit() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    WITH listed AS (
      INSERT INTO landreg_plot_queue (xact, plot_id) SELECT pg_current_xact_id(), n.id FROM new_plots n
      RETURNING xact
    )
    INSERT INTO landreg_plot_check (xact) SELECT xact FROM listed LIMIT 1 ON CONFLICT DO NOTHING;
  ELSE
    WITH listed AS (
      INSERT INTO landreg_plot_queue (xact, plot_id)
      SELECT pg_current_xact_id(), n.id FROM new_plots n LEFT JOIN old_plots o ON o.id = n.id
       WHERE o.id IS NULL OR (o.geom IS NULL) <> (n.geom IS NULL) OR NOT (o.geom OPERATOR(public.=) n.geom)
          OR o.township_id IS DISTINCT FROM n.township_id OR o.block_id IS DISTINCT FROM n.block_id
      RETURNING xact
    )
    INSERT INTO landreg_plot_check (xact) SELECT xact FROM listed LIMIT 1 ON CONFLICT DO NOTHING;
  END IF;
  RETURN NULL;
END $$;

-- The transaction's one deferred event: every plot it listed, checked as a set.
CREATE OR REPLACE FUNCTION plot_check_at_commit() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE ids bigint[];
BEGIN
  -- Taken out first, so that plots written after an early check (SET CONSTRAINTS … IMMEDIATE) queue another.
  DELETE FROM landreg_plot_check WHERE xact = NEW.xact;
  WITH taken AS (DELETE FROM landreg_plot_queue WHERE xact = NEW.xact RETURNING plot_id)
  SELECT array_agg(DISTINCT plot_id) INTO ids FROM taken;
  IF ids IS NOT NULL THEN
    PERFORM plots_check_land_rules(ids);
  END IF;
  RETURN NULL;
END $$;

DROP TRIGGER plots_keep_the_land_rules ON townships_plot;
DROP TRIGGER plots_keep_the_land_rules_when_reshaped ON townships_plot;

CREATE TRIGGER plots_keep_the_land_rules_when_written
  AFTER INSERT ON townships_plot REFERENCING NEW TABLE AS new_plots
  FOR EACH STATEMENT EXECUTE FUNCTION plot_note_for_commit();
CREATE TRIGGER plots_keep_the_land_rules_when_reshaped
  AFTER UPDATE ON townships_plot REFERENCING OLD TABLE AS old_plots NEW TABLE AS new_plots
  FOR EACH STATEMENT EXECUTE FUNCTION plot_note_for_commit();
CREATE CONSTRAINT TRIGGER plots_keep_the_land_rules
  AFTER INSERT ON landreg_plot_check DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION plot_check_at_commit();
