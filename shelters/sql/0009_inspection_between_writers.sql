-- shelter_stages_pass_in_order: an inspection locks its project before reading its status, and never turns a cancelled
-- project into a completed one (a last stage passed while the project was being cancelled made it 'completed').
-- REPEATABLE READ needs no refusal here: it fails to serialise on the cancelled project's row.
--
-- Found by an audit of the rules that read other rows (docs/rules.md, "Concurrency"); reproduced with two
-- connections, and tested in tests/db/test_rules_between_writers.py. The lock is taken in a statement of its own
-- before the rows are read: at READ COMMITTED each later statement reads afresh, after the other writer has
-- committed.

CREATE OR REPLACE FUNCTION inspection_check_stage_order()
 RETURNS trigger
 LANGUAGE plpgsql
 SET search_path = public, pg_temp
AS $function$
DECLARE
  proj record;
  this_stage record;
  missing text;
BEGIN
  -- The project's writers take turns: an inspection waits for a cancellation in progress, then sees it.
  SELECT id, plot_id, programme_id, status INTO proj FROM shelters_shelterproject WHERE id = NEW.project_id
    FOR NO KEY UPDATE;  -- not FOR UPDATE: rows that point at the project (tranches) need not wait
  SELECT id, programme_id, position, code INTO this_stage FROM shelters_stage WHERE id = NEW.stage_id;
  IF this_stage.programme_id IS DISTINCT FROM proj.programme_id THEN
    PERFORM landreg_raise('shelter_stages_pass_in_order', format(
      'stage %s is not a stage of the programme of shelter project %s', this_stage.code, proj.id));
  END IF;
  IF proj.status = 'cancelled' THEN
    PERFORM landreg_raise('shelter_stages_pass_in_order', format('shelter project %s is cancelled', proj.id));
  END IF;
  IF NEW.result = 'pass' THEN
    SELECT string_agg(s.code, ', ' ORDER BY s.position) INTO missing
      FROM shelters_stage s
     WHERE s.programme_id = proj.programme_id AND s.position < this_stage.position
       AND NOT EXISTS (SELECT 1 FROM shelters_inspection i
                        WHERE i.project_id = proj.id AND i.stage_id = s.id AND i.result = 'pass');
    IF missing IS NOT NULL THEN
      PERFORM landreg_raise('shelter_stages_pass_in_order', format(
        'stage %s cannot pass before %s of shelter project %s', this_stage.code, missing, proj.id));
    END IF;
  END IF;
  NEW.distance_m := CASE WHEN NEW.point IS NULL THEN NULL ELSE shelter_plot_distance_m(proj.plot_id, NEW.point) END;
  RETURN NEW;
END $function$;

CREATE OR REPLACE FUNCTION inspection_advance_project()
 RETURNS trigger
 LANGUAGE plpgsql
 SET search_path = public, pg_temp
AS $function$
BEGIN
  UPDATE shelters_shelterproject p
     SET stage_reached_id = reached.id,
         status = CASE WHEN p.status = 'cancelled' THEN p.status
                       WHEN reached.position = (SELECT max(position) FROM shelters_stage WHERE programme_id = p.programme_id)
                       THEN 'completed' ELSE p.status END,
         updated_at = now()
    FROM (SELECT s.id, s.position FROM shelters_stage s
           WHERE s.id IN (SELECT stage_id FROM shelters_inspection WHERE project_id = NEW.project_id AND result = 'pass')
           ORDER BY s.position DESC LIMIT 1) AS reached
   WHERE p.id = NEW.project_id;
  RETURN NULL;
END $function$;
