-- attendance_within_days_offered holds between two writers of one referral: the check locks the referral before adding
-- up its weeks (two weeks of 5 days recorded at once against 8 days offered both committed).
--
-- Found by an audit of the rules that read other rows (docs/rules.md, "Concurrency"); reproduced with two
-- connections, and tested in tests/db/test_rules_between_writers.py. The lock is taken in a statement of its own
-- before the rows are read: at READ COMMITTED each later statement reads afresh, after the other writer has
-- committed. REPEATABLE READ, whose snapshot cannot see that writer, is refused (landreg_refuse_repeatable_read).

CREATE OR REPLACE FUNCTION attendance_check()
 RETURNS trigger
 LANGUAGE plpgsql
 SET search_path = public, pg_temp
AS $function$
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
  PERFORM landreg_refuse_repeatable_read('attendance_within_days_offered');
  -- The referral's writers take turns (its steps lock it too): two weeks recorded at once cannot both pass.
  SELECT * INTO r FROM livelihoods_referral WHERE id = NEW.referral_id FOR NO KEY UPDATE;
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
END $function$;
