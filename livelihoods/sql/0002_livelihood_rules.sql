-- Livelihood and reintegration rules (docs/livelihoods.md), whoever writes the row: Django, the admin, psql or
-- QGIS. Each rule raises its name through landreg_raise() (townships/sql), so services turn it into a sentence
-- (landreg/rules.py) and a QGIS user reads the rule in the error.
--
--   skills_profile_for_15_and_over            a skills profile is for a person aged 15 or over
--   opportunity_inside_its_province           its point or area, township and district lie in its province
--   opportunity_isco_codes_known              the skills asked for are ISCO-08 codes of the shipped list
--   opportunity_places_filled_is_counted      places_filled is counted from the referrals, never typed
--   referral_meets_the_eligibility            a person is referred only when eligible (livelihood_ineligibility)
--   referral_status_follows_its_steps         a referral's status changes only by a step
--   referral_steps_follow_the_states          suggested → referred → accepted → enrolled → completed, …
--   places_filled_never_exceed_places_offered a step that takes a place finds one free, under a row lock
--   referral_steps_are_append_only            the steps are the referral's history
--   attendance_for_enrolled_cash_for_work     attendance is kept for people enrolled in cash for work
--   attendance_within_days_offered            the days worked stay within the days offered
--   paid_attendance_is_final                  a week marked paid is never changed or deleted
--   survey_answer_within_its_scale            an answer is on its question's scale, under the round's version
--   survey_answers_are_append_only            answers are the round's evidence
--   survey_round_follows_its_handover         a round counts from the handover of the household's allocation
--
-- Every function runs with a fixed search_path, so it survives pg_dump and restore.

------------------------------------------------------------------------------------------------------------
-- Skills profiles: only for people aged 15 or over, by their date of birth on the day the profile is written.
CREATE OR REPLACE FUNCTION skills_profile_check_age() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
  born date;
BEGIN
  SELECT date_of_birth INTO born FROM households_person WHERE id = NEW.person_id;
  IF born IS NULL THEN
    PERFORM landreg_raise('skills_profile_for_15_and_over', format(
      'person %s has no date of birth recorded, so their age is unknown', NEW.person_id));
  END IF;
  IF born > current_date - interval '15 years' THEN
    PERFORM landreg_raise('skills_profile_for_15_and_over', format(
      'person %s was born on %s and is %s years old', NEW.person_id, born,
      extract(year FROM age(current_date, born))));
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER skills_profile_for_15_and_over
  BEFORE INSERT OR UPDATE OF person_id ON livelihoods_skillsprofile
  FOR EACH ROW EXECUTE FUNCTION skills_profile_check_age();

------------------------------------------------------------------------------------------------------------
-- Opportunities: where they are lies in their province; the skills they ask for are known ISCO-08 codes; the
-- places filled are counted by the referral steps below, never typed.
CREATE OR REPLACE FUNCTION opportunity_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
  prov record;
  where_geom geometry := coalesce(NEW.point::geometry, NEW.area::geometry);
  problem text;
  unknown text;
BEGIN
  IF TG_OP = 'INSERT' AND NEW.places_filled <> 0 THEN
    PERFORM landreg_raise('opportunity_places_filled_is_counted', format(
      'a new opportunity has no place filled yet, not %s; places are filled by accepting referrals', NEW.places_filled));
  END IF;
  IF TG_OP = 'UPDATE' AND NEW.places_filled IS DISTINCT FROM OLD.places_filled AND pg_trigger_depth() < 2 THEN
    PERFORM landreg_raise('opportunity_places_filled_is_counted', format(
      'opportunity %s has %s places filled by its referrals; record a referral step instead of typing %s',
      OLD.id, OLD.places_filled, NEW.places_filled));
  END IF;
  SELECT string_agg(c, ', ') INTO unknown FROM unnest(NEW.isco_codes) c
   WHERE NOT EXISTS (SELECT 1 FROM livelihoods_iscooccupation o WHERE o.code = c);
  IF unknown IS NOT NULL THEN
    PERFORM landreg_raise('opportunity_isco_codes_known', format('%s are not ISCO-08 codes', unknown));
  END IF;
  IF TG_OP = 'UPDATE' AND NOT (NEW.point IS DISTINCT FROM OLD.point OR NEW.area IS DISTINCT FROM OLD.area
      OR NEW.province_id IS DISTINCT FROM OLD.province_id OR NEW.township_id IS DISTINCT FROM OLD.township_id
      OR NEW.district_id IS DISTINCT FROM OLD.district_id) THEN
    RETURN NEW;
  END IF;
  SELECT id, pcode, geom INTO prov FROM parcels_adminarea WHERE id = NEW.province_id AND level = 'province';
  IF prov.id IS NULL THEN
    PERFORM landreg_raise('opportunity_inside_its_province', format('area %s is not a province', NEW.province_id));
  END IF;
  problem := landreg_geometry_problem(where_geom);
  IF where_geom IS NOT NULL AND problem IS NOT NULL THEN
    PERFORM landreg_raise('opportunity_inside_its_province', format('the location is unusable: %s', problem));
  END IF;
  -- A province recorded without its boundary cannot be checked; the township and district still are.
  IF where_geom IS NOT NULL AND prov.geom IS NOT NULL AND landreg_area_outside(
       CASE WHEN NEW.point IS NULL THEN where_geom ELSE ST_Buffer(where_geom, 0.000001) END,
       prov.geom, landreg_utm_srid(where_geom)) > landreg_tolerance_m2() THEN
    PERFORM landreg_raise('opportunity_inside_its_province', format(
      'the location lies outside province %s', prov.pcode));
  END IF;
  IF NEW.township_id IS NOT NULL AND NOT EXISTS (
       SELECT 1 FROM townships_township t WHERE t.id = NEW.township_id AND t.province_id = NEW.province_id) THEN
    PERFORM landreg_raise('opportunity_inside_its_province', format(
      'township %s is not in province %s', NEW.township_id, prov.pcode));
  END IF;
  IF NEW.district_id IS NOT NULL AND NOT EXISTS (
       SELECT 1 FROM parcels_adminarea d WHERE d.id = NEW.district_id AND d.level = 'district'
          AND d.parent_id = NEW.province_id) THEN
    PERFORM landreg_raise('opportunity_inside_its_province', format(
      'district %s is not a district of province %s', NEW.district_id, prov.pcode));
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER opportunity_inside_its_province
  BEFORE INSERT OR UPDATE ON livelihoods_opportunity
  FOR EACH ROW EXECUTE FUNCTION opportunity_check();

------------------------------------------------------------------------------------------------------------
-- Where a household lives, as the matching measures it: the plot of its allocation that holds one (approved or
-- later), else a point inside its current district; NULL when neither is known. (The ranking in
-- livelihoods/matching.py joins the same tables set-based.)
CREATE OR REPLACE FUNCTION livelihood_household_plot(household bigint) RETURNS bigint
LANGUAGE sql STABLE SET search_path = public, pg_temp AS $$
  SELECT a.plot_id FROM allocations_allocation a
   WHERE a.household_id = household
     AND a.status IN ('approved', 'assigned', 'letter_issued', 'handed_over', 'occupied', 'titled')
   ORDER BY a.id DESC LIMIT 1
$$;

-- Why a person is not eligible for an opportunity, as 'code: detail', or NULL when they are. The one statement of
-- the eligibility rule for a single pair (the referral trigger and the services ask it); the set-based ranking
-- (livelihoods/matching.py) applies the same conditions to many people at once, and a test holds the two equal.
CREATE OR REPLACE FUNCTION livelihood_ineligibility(opportunity bigint, person bigint) RETURNS text
LANGUAGE plpgsql STABLE SET search_path = public, pg_temp AS $$
DECLARE
  o record;
  p record;
  h record;
  plot_township bigint;
  plot_district bigint;
  years integer;
  priorities text[];
BEGIN
  SELECT * INTO o FROM livelihoods_opportunity WHERE id = opportunity;
  SELECT * INTO p FROM households_person WHERE id = person;
  SELECT * INTO h FROM households_household WHERE id = p.household_id;
  IF NOT EXISTS (SELECT 1 FROM livelihoods_skillsprofile s WHERE s.person_id = person) THEN
    RETURN 'no_profile: person ' || person || ' has no skills profile';
  END IF;
  IF p.date_of_birth IS NULL THEN
    RETURN 'no_date_of_birth: person ' || person || ' has no date of birth';
  END IF;
  years := extract(year FROM age(greatest(o.start_on, current_date), p.date_of_birth));
  IF years < o.age_min OR years > o.age_max THEN
    RETURN format('age: %s years old, the opportunity takes %s to %s', years, o.age_min, o.age_max);
  END IF;
  IF o.sex <> 'any' AND o.sex <> p.sex THEN
    RETURN format('sex: the opportunity is for %s only', CASE o.sex WHEN 'f' THEN 'women' ELSE 'men' END);
  END IF;
  IF cardinality(o.categories) > 0 AND NOT h.category = ANY (o.categories) THEN
    RETURN format('category: %s is not among %s', h.category, array_to_string(o.categories, ', '));
  END IF;
  IF h.province_id <> o.province_id THEN
    RETURN format('province: the household is registered in another province (%s)', h.province_id);
  END IF;
  SELECT t.id, t.district_id INTO plot_township, plot_district
    FROM townships_plot pl JOIN townships_township t ON t.id = pl.township_id
   WHERE pl.id = livelihood_household_plot(h.id);
  IF o.township_id IS NOT NULL AND plot_township IS DISTINCT FROM o.township_id THEN
    RETURN format('township: the household holds no plot in township %s', o.township_id);
  END IF;
  IF o.district_id IS NOT NULL AND o.district_id IS DISTINCT FROM coalesce(plot_district, h.current_district_id) THEN
    RETURN format('district: the household does not live in district %s', o.district_id);
  END IF;
  -- vulnerable_only with no priorities named: any of the five flags.
  priorities := CASE WHEN cardinality(o.vulnerability_priorities) = 0
                     THEN ARRAY['female_headed', 'disability', 'elderly_head', 'unaccompanied_child', 'chronic_illness']
                     ELSE o.vulnerability_priorities END;
  IF o.vulnerable_only AND NOT (
       ('female_headed' = ANY (priorities) AND h.female_headed)
    OR ('disability' = ANY (priorities) AND h.disability)
    OR ('elderly_head' = ANY (priorities) AND h.elderly_head)
    OR ('unaccompanied_child' = ANY (priorities) AND h.unaccompanied_child)
    OR ('chronic_illness' = ANY (priorities) AND h.chronic_illness)) THEN
    RETURN format('vulnerability: the household has none of %s', array_to_string(priorities, ', '));
  END IF;
  RETURN NULL;
END $$;

------------------------------------------------------------------------------------------------------------
-- Referrals. A referral is written as suggested, for an eligible person; from then on its status changes only by
-- a ReferralStep, which this trigger checks, applies to the referral, and counts against the opportunity's places.
CREATE OR REPLACE FUNCTION referral_step_allowed(from_status text, to_status text) RETURNS boolean
LANGUAGE sql IMMUTABLE SET search_path = public, pg_temp AS $$
  SELECT (from_status, to_status) IN (('suggested', 'referred'), ('suggested', 'refused'),
                                      ('referred', 'accepted'), ('referred', 'refused'),
                                      ('accepted', 'enrolled'), ('accepted', 'dropped_out'),
                                      ('enrolled', 'completed'), ('enrolled', 'dropped_out'))
$$;

CREATE OR REPLACE FUNCTION referral_holds_a_place(status text) RETURNS boolean
LANGUAGE sql IMMUTABLE SET search_path = public, pg_temp AS $$
  SELECT status IN ('accepted', 'enrolled', 'completed')
$$;

CREATE OR REPLACE FUNCTION referral_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
  why text;
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF EXISTS (SELECT 1 FROM livelihoods_referralstep WHERE referral_id = OLD.id) THEN
      PERFORM landreg_raise('referral_steps_are_append_only', format(
        'referral %s has steps and cannot be deleted; record it as refused instead', OLD.id));
    END IF;
    RETURN OLD;
  END IF;
  IF TG_OP = 'INSERT' THEN
    IF NEW.status <> 'suggested' THEN
      PERFORM landreg_raise('referral_status_follows_its_steps', format(
        'a referral starts as suggested, not %s; its later states come from its steps', NEW.status));
    END IF;
    why := livelihood_ineligibility(NEW.opportunity_id, NEW.person_id);
    IF why IS NOT NULL THEN
      PERFORM landreg_raise('referral_meets_the_eligibility', why);
    END IF;
    RETURN NEW;
  END IF;
  IF pg_trigger_depth() < 2 AND (NEW.status IS DISTINCT FROM OLD.status) THEN
    PERFORM landreg_raise('referral_status_follows_its_steps', format(
      'referral %s is %s; record a step to make it %s', OLD.id, OLD.status, NEW.status));
  END IF;
  IF NEW.opportunity_id IS DISTINCT FROM OLD.opportunity_id OR NEW.person_id IS DISTINCT FROM OLD.person_id THEN
    PERFORM landreg_raise('referral_status_follows_its_steps', format(
      'referral %s cannot move to another person or opportunity; suggest a new one', OLD.id));
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER referral_status_follows_its_steps
  BEFORE INSERT OR UPDATE OR DELETE ON livelihoods_referral
  FOR EACH ROW EXECUTE FUNCTION referral_check();

CREATE OR REPLACE FUNCTION referral_step_apply() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
  r record;
  o record;
  last_on date;
  why text;
BEGIN
  -- The referral's row lock serialises two steps of one referral; the opportunity's, two referrals taking places.
  SELECT * INTO r FROM livelihoods_referral WHERE id = NEW.referral_id FOR UPDATE;
  NEW.from_status := r.status;
  IF NOT referral_step_allowed(r.status, NEW.to_status) THEN
    PERFORM landreg_raise('referral_steps_follow_the_states', format(
      'referral %s is %s and cannot become %s', r.id, r.status, NEW.to_status));
  END IF;
  IF NEW.to_status IN ('refused', 'dropped_out') AND btrim(coalesce(NEW.reason, '')) = '' THEN
    PERFORM landreg_raise('referral_steps_follow_the_states', format(
      'referral %s: a referral %s needs the reason', r.id, replace(NEW.to_status, '_', ' ')));
  END IF;
  SELECT max(s.day) INTO last_on FROM livelihoods_referralstep s WHERE s.referral_id = r.id;
  -- A step may be recorded after the fact (a provider's paper list), but not before the step it follows.
  IF NEW.day < last_on THEN
    PERFORM landreg_raise('referral_steps_follow_the_states', format(
      'referral %s: the step on %s would come before its previous step, on %s', r.id, NEW.day, last_on));
  END IF;
  IF NEW.to_status = 'referred' THEN
    why := livelihood_ineligibility(r.opportunity_id, r.person_id);
    IF why IS NOT NULL THEN
      PERFORM landreg_raise('referral_meets_the_eligibility', why);
    END IF;
  END IF;
  IF referral_holds_a_place(NEW.to_status) AND NOT referral_holds_a_place(r.status) THEN
    UPDATE livelihoods_opportunity SET places_filled = places_filled + 1
     WHERE id = r.opportunity_id AND places_filled < places_offered AND status = 'open';
    IF NOT FOUND THEN
      SELECT id, places_offered, places_filled, status INTO o FROM livelihoods_opportunity WHERE id = r.opportunity_id;
      PERFORM landreg_raise('places_filled_never_exceed_places_offered', format(
        'opportunity %s is %s with %s of its %s places filled', o.id, o.status, o.places_filled, o.places_offered));
    END IF;
  ELSIF referral_holds_a_place(r.status) AND NOT referral_holds_a_place(NEW.to_status) THEN
    UPDATE livelihoods_opportunity SET places_filled = places_filled - 1 WHERE id = r.opportunity_id;
  END IF;
  UPDATE livelihoods_referral SET status = NEW.to_status WHERE id = r.id;
  RETURN NEW;
END $$;

CREATE TRIGGER referral_steps_follow_the_states
  BEFORE INSERT ON livelihoods_referralstep
  FOR EACH ROW EXECUTE FUNCTION referral_step_apply();

CREATE OR REPLACE FUNCTION livelihood_refuse_change() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
  PERFORM landreg_raise(TG_ARGV[0], format('%s %s cannot be changed or deleted', TG_ARGV[1], OLD.id));
  RETURN NULL;
END $$;

CREATE TRIGGER referral_steps_are_append_only
  BEFORE UPDATE OR DELETE ON livelihoods_referralstep
  FOR EACH ROW EXECUTE FUNCTION livelihood_refuse_change('referral_steps_are_append_only', 'referral step');

------------------------------------------------------------------------------------------------------------
-- Cash-for-work attendance: for a person enrolled in a cash-for-work opportunity, in weeks of its period, within
-- the days it offers; the amount due is derived; a week marked paid is final.
CREATE OR REPLACE FUNCTION attendance_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
  r record;
  o record;
  other_days integer;
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF OLD.paid_on IS NOT NULL THEN
      PERFORM landreg_raise('paid_attendance_is_final', format('week %s of referral %s was paid on %s and cannot be deleted',
        OLD.week_start, OLD.referral_id, OLD.paid_on));
    END IF;
    RETURN OLD;
  END IF;
  IF TG_OP = 'UPDATE' AND OLD.paid_on IS NOT NULL THEN
    IF ROW(NEW.referral_id, NEW.week_start, NEW.days_worked, NEW.amount_due, NEW.paid_on, NEW.paid_by_id,
           NEW.payment_reference)
       IS DISTINCT FROM ROW(OLD.referral_id, OLD.week_start, OLD.days_worked, OLD.amount_due, OLD.paid_on,
                            OLD.paid_by_id, OLD.payment_reference) THEN
      PERFORM landreg_raise('paid_attendance_is_final', format('week %s of referral %s was paid on %s and cannot be changed',
        OLD.week_start, OLD.referral_id, OLD.paid_on));
    END IF;
    RETURN NEW;
  END IF;
  SELECT * INTO r FROM livelihoods_referral WHERE id = NEW.referral_id;
  SELECT * INTO o FROM livelihoods_opportunity WHERE id = r.opportunity_id;
  IF o.kind <> 'cash_for_work' THEN
    PERFORM landreg_raise('attendance_for_enrolled_cash_for_work', format(
      'opportunity %s is %s, not cash for work', o.id, replace(o.kind, '_', ' ')));
  END IF;
  IF NOT (r.status IN ('enrolled', 'completed') OR (r.status = 'dropped_out' AND EXISTS (
            SELECT 1 FROM livelihoods_referralstep s WHERE s.referral_id = r.id AND s.to_status = 'enrolled'))) THEN
    PERFORM landreg_raise('attendance_for_enrolled_cash_for_work', format(
      'referral %s is %s; only a person enrolled works', r.id, replace(r.status, '_', ' ')));
  END IF;
  IF NEW.week_start + 6 < o.start_on OR (o.end_on IS NOT NULL AND NEW.week_start > o.end_on) THEN
    PERFORM landreg_raise('attendance_for_enrolled_cash_for_work', format(
      'the week of %s lies outside the opportunity''s period (%s to %s)', NEW.week_start, o.start_on,
      coalesce(o.end_on::text, 'open')));
  END IF;
  SELECT coalesce(sum(days_worked), 0) INTO other_days FROM livelihoods_attendanceweek
   WHERE referral_id = NEW.referral_id AND id IS DISTINCT FROM NEW.id;
  IF other_days + NEW.days_worked > o.days_offered THEN
    PERFORM landreg_raise('attendance_within_days_offered', format(
      '%s days already recorded and %s more exceed the %s days offered', other_days, NEW.days_worked, o.days_offered));
  END IF;
  NEW.amount_due := NEW.days_worked * o.daily_wage;
  RETURN NEW;
END $$;

CREATE TRIGGER paid_attendance_is_final
  BEFORE INSERT OR UPDATE OR DELETE ON livelihoods_attendanceweek
  FOR EACH ROW EXECUTE FUNCTION attendance_check();

------------------------------------------------------------------------------------------------------------
-- Reintegration survey: answers on their question's scale, under the round's scoring version; never changed;
-- the round's scores derived from them (livelihoods/survey.py states the same table and formula).
CREATE OR REPLACE FUNCTION survey_answer_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
  q record;
  version text;
BEGIN
  SELECT * INTO q FROM livelihoods_surveyquestion WHERE id = NEW.question_id;
  SELECT scoring_version INTO version FROM livelihoods_surveyround WHERE id = NEW.survey_round_id;
  IF q.version IS DISTINCT FROM version THEN
    PERFORM landreg_raise('survey_answer_within_its_scale', format(
      'question %s belongs to scoring version %s, the round is scored under %s', q.code, q.version, version));
  END IF;
  IF NEW.value IS NULL OR NEW.value < q.min_value OR NEW.value > q.max_value THEN
    PERFORM landreg_raise('survey_answer_within_its_scale', format(
      'the answer to %s is %s; its scale runs from %s to %s', q.code, coalesce(NEW.value::text, 'empty'),
      q.min_value, q.max_value));
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER survey_answer_within_its_scale
  BEFORE INSERT ON livelihoods_surveyanswer
  FOR EACH ROW EXECUTE FUNCTION survey_answer_check();

CREATE TRIGGER survey_answers_are_append_only
  BEFORE UPDATE OR DELETE ON livelihoods_surveyanswer
  FOR EACH ROW EXECUTE FUNCTION livelihood_refuse_change('survey_answers_are_append_only', 'survey answer');

-- The scores of a round (0-100, one decimal, half up): each dimension is the weighted mean of the points of its
-- answers that count; the composite, the mean of the unrounded dimension scores present.
CREATE OR REPLACE FUNCTION survey_round_scores(round_id bigint)
RETURNS TABLE (economic numeric, social numeric, psychosocial numeric, composite numeric)
LANGUAGE sql STABLE SET search_path = public, pg_temp AS $$
  WITH scored AS (
    SELECT q.dimension, q.weight::numeric AS weight, (q.points ->> a.value::text)::numeric AS points
      FROM livelihoods_surveyanswer a JOIN livelihoods_surveyquestion q ON q.id = a.question_id
     WHERE a.survey_round_id = round_id AND (q.points ->> a.value::text) IS NOT NULL
  ), dims AS (
    SELECT dimension, 100 * sum(weight * points) / sum(weight) AS exact FROM scored GROUP BY dimension
  )
  SELECT round((SELECT exact FROM dims WHERE dimension = 'economic'), 1),
         round((SELECT exact FROM dims WHERE dimension = 'social'), 1),
         round((SELECT exact FROM dims WHERE dimension = 'psychosocial'), 1),
         round((SELECT avg(exact) FROM dims), 1)
$$;

CREATE OR REPLACE FUNCTION survey_round_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
  a record;
  s record;
BEGIN
  IF TG_OP = 'INSERT' OR NEW.allocation_id IS DISTINCT FROM OLD.allocation_id
     OR NEW.household_id IS DISTINCT FROM OLD.household_id OR NEW.conducted_on IS DISTINCT FROM OLD.conducted_on THEN
    SELECT id, household_id, start_date INTO a FROM allocations_allocation WHERE id = NEW.allocation_id;
    IF a.household_id IS DISTINCT FROM NEW.household_id THEN
      PERFORM landreg_raise('survey_round_follows_its_handover', format(
        'allocation %s is not household %s''s', NEW.allocation_id, NEW.household_id));
    END IF;
    IF a.start_date IS NULL THEN
      PERFORM landreg_raise('survey_round_follows_its_handover', format(
        'allocation %s has not been handed over, so no round counts from it yet', a.id));
    END IF;
    IF NEW.conducted_on < a.start_date THEN
      PERFORM landreg_raise('survey_round_follows_its_handover', format(
        'the round was conducted on %s, before the handover on %s', NEW.conducted_on, a.start_date));
    END IF;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM livelihoods_surveyquestion WHERE version = NEW.scoring_version) THEN
    PERFORM landreg_raise('survey_answer_within_its_scale', format(
      'there is no scoring version %s', NEW.scoring_version));
  END IF;
  -- Scores are never typed: they are what the answers give.
  IF TG_OP = 'INSERT' THEN
    NEW.score_economic := NULL; NEW.score_social := NULL; NEW.score_psychosocial := NULL; NEW.score_composite := NULL;
  ELSE
    SELECT * INTO s FROM survey_round_scores(NEW.id);
    NEW.score_economic := s.economic; NEW.score_social := s.social;
    NEW.score_psychosocial := s.psychosocial; NEW.score_composite := s.composite;
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER survey_round_follows_its_handover
  BEFORE INSERT OR UPDATE ON livelihoods_surveyround
  FOR EACH ROW EXECUTE FUNCTION survey_round_check();

-- Each answer written re-scores its round (the round's own trigger computes the scores).
CREATE OR REPLACE FUNCTION survey_answer_rescore_round() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
  UPDATE livelihoods_surveyround SET score_composite = NULL
   WHERE id IN (SELECT DISTINCT survey_round_id FROM new_answers);
  RETURN NULL;
END $$;

CREATE TRIGGER survey_answers_score_their_round
  AFTER INSERT ON livelihoods_surveyanswer
  REFERENCING NEW TABLE AS new_answers
  FOR EACH STATEMENT EXECUTE FUNCTION survey_answer_rescore_round();

------------------------------------------------------------------------------------------------------------
-- History: only the application may skip it (shelters/sql/0008_history_is_never_skipped.sql).
SELECT landreg_guard_history('livelihoods_skillsprofile');
SELECT landreg_guard_history('livelihoods_skillsprofileevent');
SELECT landreg_guard_history('livelihoods_opportunity');
SELECT landreg_guard_history('livelihoods_opportunityevent');
SELECT landreg_guard_history('livelihoods_referral');
SELECT landreg_guard_history('livelihoods_referralevent');
SELECT landreg_guard_history('livelihoods_attendanceweek');
SELECT landreg_guard_history('livelihoods_attendanceweekevent');
SELECT landreg_guard_history('livelihoods_surveyround');
SELECT landreg_guard_history('livelihoods_surveyroundevent');
