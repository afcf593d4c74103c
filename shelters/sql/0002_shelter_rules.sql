-- Shelter rules that protect money and land (docs/domain.md, rule 9), whoever writes the row: Django, the field
-- API, an ODK import or psql. Each trigger is named for its rule; landreg_raise() (townships/sql) puts the
-- rule's name in the error, so services can turn it into a sentence (landreg/rules.py).

-- The GPS tolerance around a plot, in metres. Django sets landreg.inspection_tolerance_m on its connections
-- when LANDREG_INSPECTION_TOLERANCE_M differs from 30; other clients get 30 unless the database sets it
-- (ALTER DATABASE ... SET landreg.inspection_tolerance_m = '50').
CREATE OR REPLACE FUNCTION shelter_inspection_tolerance_m() RETURNS float8 LANGUAGE sql STABLE AS $$
  SELECT coalesce(nullif(current_setting('landreg.inspection_tolerance_m', true), '')::float8, 30)
$$;

-- Metres from a point to a plot (0 inside), measured in the township's UTM zone.
CREATE OR REPLACE FUNCTION shelter_plot_distance_m(plot bigint, pt geometry) RETURNS float8 LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN t.utm_srid IS NULL THEN ST_Distance(p.geom::geography, ST_Transform(pt, 4326)::geography)
              ELSE ST_Distance(ST_Transform(p.geom, t.utm_srid), ST_Transform(pt, t.utm_srid)) END
    FROM townships_plot p JOIN townships_township t ON t.id = p.township_id
   WHERE p.id = plot
$$;

-- The allocation states in which a household holds its plot and may build on it.
CREATE OR REPLACE FUNCTION shelter_allocation_is_held(allocation bigint, plot bigint, household bigint)
RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT EXISTS (SELECT 1 FROM allocations_allocation a
                  WHERE a.id = allocation AND a.plot_id = plot AND a.household_id = household
                    AND a.status IN ('approved', 'assigned', 'letter_issued', 'handed_over', 'occupied', 'titled'))
$$;

------------------------------------------------------------------------------------------------------------
-- No shelter project on a plot without an active allocation of that plot to that household.
CREATE OR REPLACE FUNCTION shelter_project_check_allocation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status <> 'cancelled' AND (TG_OP = 'INSERT' OR NEW.plot_id IS DISTINCT FROM OLD.plot_id
      OR NEW.household_id IS DISTINCT FROM OLD.household_id OR NEW.allocation_id IS DISTINCT FROM OLD.allocation_id
      OR OLD.status = 'cancelled')
     AND NOT shelter_allocation_is_held(NEW.allocation_id, NEW.plot_id, NEW.household_id) THEN
    PERFORM landreg_raise('shelter_project_needs_active_allocation', format(
      'plot %s has no active allocation (approved or later) to household %s under allocation %s',
      NEW.plot_id, NEW.household_id, NEW.allocation_id));
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER shelter_project_needs_active_allocation
  BEFORE INSERT OR UPDATE ON shelters_shelterproject
  FOR EACH ROW EXECUTE FUNCTION shelter_project_check_allocation();

------------------------------------------------------------------------------------------------------------
-- Stages pass in order: a stage passes only when every earlier stage of the programme has passed. The
-- inspection's stage must belong to the project's programme. The distance to the plot is measured here.
CREATE OR REPLACE FUNCTION inspection_check_stage_order() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  proj record;
  this_stage record;
  missing text;
BEGIN
  SELECT id, plot_id, programme_id, status INTO proj FROM shelters_shelterproject WHERE id = NEW.project_id;
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
END $$;

CREATE TRIGGER shelter_stages_pass_in_order
  BEFORE INSERT ON shelters_inspection
  FOR EACH ROW EXECUTE FUNCTION inspection_check_stage_order();

-- The project's stage_reached follows its passed inspections; the last stage completes it.
CREATE OR REPLACE FUNCTION inspection_advance_project() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE shelters_shelterproject p
     SET stage_reached_id = reached.id,
         status = CASE WHEN reached.position = (SELECT max(position) FROM shelters_stage WHERE programme_id = p.programme_id)
                       THEN 'completed' ELSE p.status END,
         updated_at = now()
    FROM (SELECT s.id, s.position FROM shelters_stage s
           WHERE s.id IN (SELECT stage_id FROM shelters_inspection WHERE project_id = NEW.project_id AND result = 'pass')
           ORDER BY s.position DESC LIMIT 1) AS reached
   WHERE p.id = NEW.project_id;
  RETURN NULL;
END $$;

CREATE TRIGGER inspection_advances_project
  AFTER INSERT ON shelters_inspection
  FOR EACH ROW WHEN (NEW.result = 'pass') EXECUTE FUNCTION inspection_advance_project();

-- Inspections and their photos are the evidence tranches are paid on: never changed or deleted.
CREATE OR REPLACE FUNCTION inspection_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM landreg_raise('inspections_are_append_only', format(
    '%s %s is evidence and cannot be changed or deleted; record a new inspection instead', TG_ARGV[0], OLD.id));
  RETURN NULL;
END $$;

CREATE TRIGGER inspections_are_append_only
  BEFORE UPDATE OR DELETE ON shelters_inspection
  FOR EACH ROW EXECUTE FUNCTION inspection_refuse_change('inspection');
CREATE TRIGGER inspection_photos_are_append_only
  BEFORE UPDATE OR DELETE ON shelters_photo
  FOR EACH ROW EXECUTE FUNCTION inspection_refuse_change('photo');

------------------------------------------------------------------------------------------------------------
-- A tranche is paid only after a passed inspection of its stage, with at least one photo and a GPS point
-- inside the plot plus the tolerance, while the allocation is still held. A paid tranche stays paid.
CREATE OR REPLACE FUNCTION tranche_check_release() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  proj record;
  tolerance float8 := shelter_inspection_tolerance_m();
  released bigint;
  why text;
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF OLD.paid_on IS NOT NULL THEN
      PERFORM landreg_raise('paid_tranche_is_final', format('tranche %s was paid and cannot be deleted', OLD.id));
    END IF;
    RETURN OLD;
  END IF;
  IF TG_OP = 'UPDATE' AND OLD.paid_on IS NOT NULL THEN
    IF ROW(NEW.project_id, NEW.stage_id, NEW.amount, NEW.currency, NEW.paid_on, NEW.released_by_inspection_id)
       IS DISTINCT FROM ROW(OLD.project_id, OLD.stage_id, OLD.amount, OLD.currency, OLD.paid_on, OLD.released_by_inspection_id) THEN
      PERFORM landreg_raise('paid_tranche_is_final', format('tranche %s was paid on %s and cannot be changed', OLD.id, OLD.paid_on));
    END IF;
    RETURN NEW;
  END IF;
  IF NEW.paid_on IS NULL THEN
    IF NEW.released_by_inspection_id IS NOT NULL THEN
      PERFORM landreg_raise('tranche_paid_after_passed_inspection', format('tranche %s is not paid, so no inspection released it', NEW.id));
    END IF;
    RETURN NEW;
  END IF;
  SELECT p.id, p.plot_id, p.household_id, p.allocation_id INTO proj FROM shelters_shelterproject p WHERE p.id = NEW.project_id;
  IF NOT shelter_allocation_is_held(proj.allocation_id, proj.plot_id, proj.household_id) THEN
    PERFORM landreg_raise('shelter_project_needs_active_allocation', format(
      'the allocation of shelter project %s is no longer active; no tranche can be paid', proj.id));
  END IF;
  SELECT i.id INTO released FROM shelters_inspection i
   WHERE i.project_id = NEW.project_id AND i.stage_id = NEW.stage_id AND i.result = 'pass' AND i.point IS NOT NULL
     AND shelter_plot_distance_m(proj.plot_id, i.point) <= tolerance
     AND EXISTS (SELECT 1 FROM shelters_photo ph WHERE ph.inspection_id = i.id)
     AND (NEW.released_by_inspection_id IS NULL OR i.id = NEW.released_by_inspection_id)
   ORDER BY i.inspected_on DESC, i.id DESC LIMIT 1;
  IF released IS NULL THEN
    SELECT CASE
      WHEN NOT EXISTS (SELECT 1 FROM shelters_inspection i WHERE i.project_id = NEW.project_id AND i.stage_id = NEW.stage_id AND i.result = 'pass')
        THEN 'no passed inspection of this stage'
      WHEN NOT EXISTS (SELECT 1 FROM shelters_inspection i WHERE i.project_id = NEW.project_id AND i.stage_id = NEW.stage_id AND i.result = 'pass'
                          AND EXISTS (SELECT 1 FROM shelters_photo ph WHERE ph.inspection_id = i.id))
        THEN 'no passed inspection of this stage has a photo'
      ELSE format('no passed inspection of this stage has a GPS point within %s m of the plot', tolerance) END
      INTO why;
    PERFORM landreg_raise('tranche_paid_after_passed_inspection', format('tranche %s of shelter project %s: %s', NEW.id, proj.id, why));
  END IF;
  NEW.released_by_inspection_id := released;
  RETURN NEW;
END $$;

CREATE TRIGGER tranche_paid_after_passed_inspection
  BEFORE INSERT OR UPDATE OR DELETE ON shelters_tranche
  FOR EACH ROW EXECUTE FUNCTION tranche_check_release();

------------------------------------------------------------------------------------------------------------
-- The plots layer shows each plot's shelter stage: its tiles get a new version when a project or an
-- inspection changes (the same sequence scheme as townships/sql/0009).
CREATE SEQUENCE IF NOT EXISTS townships_layer_version_shelters;
GRANT SELECT ON SEQUENCE townships_layer_version_shelters TO PUBLIC;
CREATE TRIGGER shelter_projects_bump_layer_version
  AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON shelters_shelterproject
  FOR EACH STATEMENT EXECUTE FUNCTION layer_version_bump('shelters');
