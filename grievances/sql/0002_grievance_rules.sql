-- The rules of grievances, land disputes and appeals (docs/grievances.md), whoever writes the row: the services,
-- the Django admin, a script, psql or QGIS. landreg_raise() (townships/sql/0002) names the rule in the error, and
-- landreg/rules.py turns the name into a sentence.
--
--   grievance_deadlines_derived            deadlines from the policy when received; dates stamped; next_due kept
--   grievance_sensitivity_is_fixed         a grievance's sensitivity never changes (its text was sealed or not)
--   grievances_are_never_deleted           grievances, disputes and appeals stay in the record
--   grievance_transitions_in_order         a step follows the allowed order from the grievance's current status
--   grievance_steps_are_append_only        no UPDATE or DELETE of a step, even by the table's owner
--   grievance_status_changes_with_a_step   (at commit) a status changes only with its step, in this transaction;
--                                          a dispute or an appeal is resolved only once decided
--   land_dispute_overlap_measured          the claimed outline's overlap with the plot, in m², in its UTM zone
--   land_dispute_decision_is_final         a decided dispute never changes
--   plot_not_allocated_while_disputed      (on allocations) no allocation, handover or transfer of a disputed plot
--   appeal_decided_by_another_committee_member   the appeal's decider and checker: committee members of the
--                                          province, other than who decided what is appealed and who lodged it
--
-- Every function here runs with a fixed search_path, so it survives pg_dump and restore.

------------------------------------------------------------------------------------------------------------
-- Deadlines. One row per category and sensitivity; the defaults when a row is missing are those of
-- docs/grievances.md (acknowledge within 72 hours, refer a sensitive one within 24 hours, resolve within 30 days).
INSERT INTO grievances_deadlinepolicy (category, sensitive, acknowledge_hours, refer_hours, resolve_days)
SELECT c, s, 72, CASE WHEN s THEN 24 END, 30
  FROM unnest(ARRAY['land_dispute', 'usurpation', 'appeal', 'shelter_payment', 'staff_conduct', 'sea',
                    'data_protection', 'other']) AS c,
       unnest(ARRAY[false, true]) AS s
 WHERE s OR c NOT IN ('staff_conduct', 'sea', 'data_protection')
ON CONFLICT DO NOTHING;

CREATE OR REPLACE FUNCTION grievance_open_statuses() RETURNS text[]
LANGUAGE sql IMMUTABLE SET search_path = public, pg_temp AS $$
  SELECT ARRAY['received', 'acknowledged', 'under_review', 'referred']
$$;

-- Deadlines are set from the policy when a grievance is received and never typed; each date is stamped when
-- the status first reaches it; next_due is the earliest deadline not yet met (NULL once resolved or closed),
-- which the overdue list reads through its index. Refuses nothing.
CREATE OR REPLACE FUNCTION grievance_derive_deadlines() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
  policy grievances_deadlinepolicy;
BEGIN
  IF TG_OP = 'INSERT' THEN
    NEW.received_at := coalesce(NEW.received_at, now());
    SELECT * INTO policy FROM grievances_deadlinepolicy WHERE category = NEW.category AND sensitive = NEW.sensitive;
    NEW.acknowledge_due := NEW.received_at + make_interval(hours => coalesce(policy.acknowledge_hours, 72));
    NEW.refer_due := CASE WHEN NEW.sensitive
                          THEN NEW.received_at + make_interval(hours => coalesce(policy.refer_hours, 24)) END;
    NEW.resolve_due := NEW.received_at + make_interval(days => coalesce(policy.resolve_days, 30));
  ELSE
    NEW.received_at := OLD.received_at;
    NEW.acknowledge_due := OLD.acknowledge_due;
    NEW.refer_due := OLD.refer_due;
    NEW.resolve_due := OLD.resolve_due;
  END IF;
  IF NEW.status <> 'received' THEN
    NEW.acknowledged_at := coalesce(NEW.acknowledged_at, now());
  END IF;
  IF NEW.status = 'referred' THEN
    NEW.referred_at := coalesce(NEW.referred_at, now());
  END IF;
  IF NEW.status IN ('resolved', 'closed') THEN
    NEW.resolved_at := coalesce(NEW.resolved_at, now());
  END IF;
  IF NEW.status = 'closed' THEN
    NEW.closed_at := coalesce(NEW.closed_at, now());
  END IF;
  NEW.next_due := CASE WHEN NEW.status = ANY (grievance_open_statuses()) THEN
    least(CASE WHEN NEW.acknowledged_at IS NULL THEN NEW.acknowledge_due END,
          CASE WHEN NEW.sensitive AND NEW.referred_at IS NULL THEN NEW.refer_due END,
          NEW.resolve_due) END;
  RETURN NEW;
END $$;

CREATE TRIGGER grievance_deadlines_derived
  BEFORE INSERT OR UPDATE ON grievances_grievance
  FOR EACH ROW EXECUTE FUNCTION grievance_derive_deadlines();

-- A grievance's sensitivity is decided when it is received: its description was sealed (or not) then, and the
-- history of the row keeps what was written. Turning it off would leave sealed text nobody reads; turning it on
-- would leave the clear text in the history.
CREATE OR REPLACE FUNCTION grievance_keep_sensitivity() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
  IF NEW.sensitive IS DISTINCT FROM OLD.sensitive THEN
    PERFORM landreg_raise('grievance_sensitivity_is_fixed', format(
      'grievance %s was received as %s and stays so', OLD.reference,
      CASE WHEN OLD.sensitive THEN 'sensitive' ELSE 'not sensitive' END));
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER grievance_sensitivity_is_fixed
  BEFORE UPDATE OF sensitive ON grievances_grievance
  FOR EACH ROW EXECUTE FUNCTION grievance_keep_sensitivity();

-- Grievances, their disputes and appeals are the record of a complaint and its answer: never deleted.
CREATE OR REPLACE FUNCTION grievance_refuse_delete() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
  PERFORM landreg_raise('grievances_are_never_deleted', format(
    '%s %s is part of the record of a complaint; close the grievance instead', TG_ARGV[0], OLD.id));
  RETURN NULL;
END $$;

-- (TRUNCATE, like that of the allocations' append-only tables, is left to the tables' owner, which no login but
-- the application is: the test suite empties the database with it between tests.)
CREATE TRIGGER grievances_are_never_deleted
  BEFORE DELETE ON grievances_grievance
  FOR EACH ROW EXECUTE FUNCTION grievance_refuse_delete('grievance');
CREATE TRIGGER land_disputes_are_never_deleted
  BEFORE DELETE ON grievances_landdispute
  FOR EACH ROW EXECUTE FUNCTION grievance_refuse_delete('land dispute');
CREATE TRIGGER appeals_are_never_deleted
  BEFORE DELETE ON grievances_appeal
  FOR EACH ROW EXECUTE FUNCTION grievance_refuse_delete('appeal');

------------------------------------------------------------------------------------------------------------
-- Steps. The allowed order: a grievance is received (its first step, from nothing), acknowledged, reviewed,
-- referred (from acknowledged or under review), resolved (from acknowledged, under review or referred) and closed.
-- The other steps keep the status: assign, escalate, close_loop (once resolved), and the decisions of disputes
-- and appeals. A step starts from the grievance's current status, and a sensitive grievance's note is sealed.
CREATE OR REPLACE FUNCTION grievance_transition_allowed(action text, from_status text, to_status text)
RETURNS boolean LANGUAGE sql IMMUTABLE SET search_path = public, pg_temp AS $$
  SELECT CASE action
    WHEN 'receive' THEN from_status = '' AND to_status = 'received'
    WHEN 'acknowledge' THEN from_status = 'received' AND to_status = 'acknowledged'
    WHEN 'review' THEN from_status = 'acknowledged' AND to_status = 'under_review'
    WHEN 'refer' THEN from_status IN ('acknowledged', 'under_review') AND to_status = 'referred'
    WHEN 'resolve' THEN from_status IN ('acknowledged', 'under_review', 'referred') AND to_status = 'resolved'
    WHEN 'check_appeal' THEN from_status IN ('acknowledged', 'under_review', 'referred') AND to_status = 'resolved'
    WHEN 'decide_dispute' THEN from_status IN ('acknowledged', 'under_review', 'referred') AND to_status = 'resolved'
    WHEN 'close' THEN from_status = 'resolved' AND to_status = 'closed'
    WHEN 'close_loop' THEN from_status IN ('resolved', 'closed') AND to_status = from_status
    WHEN 'assign' THEN to_status = from_status AND from_status = ANY (grievance_open_statuses())
    WHEN 'escalate' THEN to_status = from_status AND from_status = ANY (grievance_open_statuses())
    WHEN 'decide_appeal' THEN to_status = from_status AND from_status = ANY (grievance_open_statuses())
    ELSE false END
$$;

CREATE OR REPLACE FUNCTION grievance_step_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
  g grievances_grievance;
BEGIN
  SELECT * INTO g FROM grievances_grievance WHERE id = NEW.grievance_id FOR UPDATE;
  IF NOT FOUND THEN
    RETURN NEW;  -- the foreign key refuses it (at commit, when deferred)
  END IF;
  IF NOT grievance_transition_allowed(NEW.action, NEW.from_status, NEW.to_status) THEN
    PERFORM landreg_raise('grievance_transitions_in_order', format(
      'grievance %s: the step %s cannot lead from %s to %s', g.reference, NEW.action,
      coalesce(nullif(NEW.from_status, ''), 'nothing'), NEW.to_status));
  END IF;
  IF NEW.action = 'receive' THEN
    IF EXISTS (SELECT 1 FROM grievances_grievancestep s WHERE s.grievance_id = g.id) THEN
      PERFORM landreg_raise('grievance_transitions_in_order', format(
        'grievance %s was already received', g.reference));
    END IF;
  ELSIF NEW.from_status IS DISTINCT FROM g.status THEN
    PERFORM landreg_raise('grievance_transitions_in_order', format(
      'grievance %s is %s, so a step from %s does not follow', g.reference, g.status, NEW.from_status));
  END IF;
  IF g.sensitive AND NEW.note <> '' OR NOT g.sensitive AND NEW.note_sealed IS NOT NULL THEN
    PERFORM landreg_raise('sensitive_grievance_text_sealed', format(
      'grievance %s is %s: a note is written %s', g.reference,
      CASE WHEN g.sensitive THEN 'sensitive' ELSE 'not sensitive' END,
      CASE WHEN g.sensitive THEN 'sealed, never in clear' ELSE 'in clear' END));
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER grievance_transitions_in_order
  BEFORE INSERT ON grievances_grievancestep
  FOR EACH ROW EXECUTE FUNCTION grievance_step_check();

-- Steps are the record: never changed or deleted, whoever asks (the table's owner included; only ALTER TABLE ...
-- DISABLE TRIGGER or TRUNCATE, the owner's alone, would pass, and docs/grievances.md says so). One change is let through: the key
-- rotation (manage.py grievance_rotate_key) seals a sensitive note again under the newest key. It sets
-- landreg.grievance_reseal for its transaction, runs as the application (the table's owner), and changes nothing
-- but the sealed token of a note that was sealed.
CREATE OR REPLACE FUNCTION grievance_step_refuse_change() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
  IF TG_OP = 'UPDATE'
     AND coalesce(current_setting('landreg.grievance_reseal', true), '') = 'on'
     AND pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER')
     AND OLD.note_sealed IS NOT NULL AND NEW.note_sealed IS NOT NULL
     AND to_jsonb(NEW) - 'note_sealed' = to_jsonb(OLD) - 'note_sealed' THEN
    RETURN NEW;
  END IF;
  PERFORM landreg_raise('grievance_steps_are_append_only', format(
    'step %s of grievance %s cannot be %s; add a new step instead', OLD.id, OLD.grievance_id,
    CASE WHEN TG_OP = 'UPDATE' THEN 'changed' ELSE 'deleted' END));
  RETURN NULL;
END $$;

CREATE TRIGGER grievance_steps_are_append_only
  BEFORE UPDATE OR DELETE ON grievances_grievancestep
  FOR EACH ROW EXECUTE FUNCTION grievance_step_refuse_change();

-- A grievance's status changes only together with the step that records it, written by the same transaction
-- (savepoints included: landreg_written_by_this_transaction, allocations/sql/0013). Checked at commit, so the
-- order of the two writes does not matter. A land dispute is resolved only once decided, an appeal only once
-- decided and checked.
CREATE OR REPLACE FUNCTION grievance_check_step_written() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.status IS NOT DISTINCT FROM OLD.status THEN
    RETURN NULL;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM grievances_grievancestep s
                  WHERE s.grievance_id = NEW.id
                    AND s.to_status = NEW.status
                    AND (TG_OP = 'INSERT' OR s.from_status = OLD.status)
                    AND landreg_written_by_this_transaction(s.xmin)) THEN
    PERFORM landreg_raise('grievance_status_changes_with_a_step', CASE WHEN TG_OP = 'INSERT'
      THEN format('grievance %s was written as %s without a step to %s in the same transaction',
                  NEW.reference, NEW.status, NEW.status)
      ELSE format('grievance %s went from %s to %s without a step from %s to %s in the same transaction',
                  NEW.reference, OLD.status, NEW.status, OLD.status, NEW.status) END);
  END IF;
  IF NEW.status IN ('resolved', 'closed') THEN
    IF EXISTS (SELECT 1 FROM grievances_landdispute d WHERE d.grievance_id = NEW.id AND d.decision = '') THEN
      PERFORM landreg_raise('grievance_resolved_with_a_decision', format(
        'grievance %s is a land dispute that has no decision yet', NEW.reference));
    END IF;
    IF EXISTS (SELECT 1 FROM grievances_appeal a WHERE a.grievance_id = NEW.id AND a.checked_by_id IS NULL) THEN
      PERFORM landreg_raise('grievance_resolved_with_a_decision', format(
        'grievance %s is an appeal not yet decided and checked', NEW.reference));
    END IF;
  END IF;
  RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER grievance_status_changes_with_a_step
  AFTER INSERT OR UPDATE OF status ON grievances_grievance
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION grievance_check_step_written();

------------------------------------------------------------------------------------------------------------
-- Land disputes. The claimed outline's overlap with the surveyed plot is measured here, in m², in the plot's
-- township's UTM zone (as the plot's own area_m2 is), whatever a client typed. A decided dispute is final.
CREATE OR REPLACE FUNCTION land_dispute_measure_and_keep() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
  problem text;
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.decision <> '' THEN
    PERFORM landreg_raise('land_dispute_decision_is_final', format(
      'the dispute of grievance %s was decided (%s) and cannot change', OLD.grievance_id, OLD.decision));
  END IF;
  IF TG_OP = 'UPDATE' AND (NEW.plot_id IS DISTINCT FROM OLD.plot_id OR NEW.grievance_id IS DISTINCT FROM OLD.grievance_id) THEN
    PERFORM landreg_raise('land_dispute_decision_is_final', format(
      'the dispute of grievance %s stays on its plot and grievance', OLD.grievance_id));
  END IF;
  IF NEW.claimed_outline IS NULL THEN
    NEW.overlap_m2 := NULL;
    RETURN NEW;
  END IF;
  problem := landreg_geometry_problem(NEW.claimed_outline);
  IF problem IS NOT NULL THEN
    PERFORM landreg_raise('land_dispute_outline_valid', format(
      'the claimed outline of the dispute of grievance %s: %s', NEW.grievance_id, problem));
  END IF;
  SELECT round(ST_Area(ST_Transform(ST_Intersection(p.geom, ST_Transform(NEW.claimed_outline, 4326)),
                                    coalesce(t.utm_srid, landreg_utm_srid(p.geom))))::numeric, 2)
    INTO NEW.overlap_m2
    FROM townships_plot p JOIN townships_township t ON t.id = p.township_id
   WHERE p.id = NEW.plot_id;
  RETURN NEW;
END $$;

CREATE TRIGGER land_dispute_overlap_measured
  BEFORE INSERT OR UPDATE ON grievances_landdispute
  FOR EACH ROW EXECUTE FUNCTION land_dispute_measure_and_keep();

-- The open land dispute of a plot, as its grievance's reference, or NULL. SECURITY DEFINER: whoever writes an
-- allocation is judged by it without reading grievances (personal data); it returns only the reference.
CREATE OR REPLACE FUNCTION grievance_open_dispute_of_plot(plot bigint) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT g.reference FROM grievances_landdispute d JOIN grievances_grievance g ON g.id = d.grievance_id
   WHERE d.plot_id = plot AND d.decision = '' ORDER BY d.id LIMIT 1
$$;
REVOKE ALL ON FUNCTION grievance_open_dispute_of_plot(bigint) FROM PUBLIC;

-- While a plot has an open land dispute it is not allocated, handed over or transferred: no active allocation
-- is written for it (a proposal, a ballot's assignment, an heir's continued right), and no allocation of it moves
-- to approved, assigned, letter issued, handed over, occupied, titled or transferred, nor is reinstated from
-- suspended or appealed. Suspending, revoking or rejecting stays possible: that is how a dispute is answered.
CREATE OR REPLACE FUNCTION allocation_refuse_while_disputed() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
  reference text;
  plot_number text;
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NEW.status IN ('rejected', 'revoked', 'transferred') THEN
      RETURN NEW;
    END IF;
  ELSIF NEW.status IS NOT DISTINCT FROM OLD.status
     OR NOT (NEW.status IN ('approved', 'assigned', 'letter_issued', 'handed_over', 'occupied', 'titled', 'transferred')
             OR OLD.status IN ('suspended', 'appealed')
                AND NEW.status NOT IN ('suspended', 'appealed', 'rejected', 'revoked')) THEN
    RETURN NEW;
  END IF;
  reference := grievance_open_dispute_of_plot(NEW.plot_id);
  IF reference IS NOT NULL THEN
    SELECT number INTO plot_number FROM townships_plot WHERE id = NEW.plot_id;
    PERFORM landreg_raise('plot_not_allocated_while_disputed', format(
      'plot %s has an open land dispute (grievance %s), so its allocation cannot be %s until the dispute is decided',
      plot_number, reference, CASE WHEN TG_OP = 'INSERT' THEN 'written as ' || NEW.status
                                   WHEN OLD.status IN ('suspended', 'appealed') AND NEW.status <> 'transferred'
                                   THEN 'reinstated' ELSE 'moved to ' || NEW.status END));
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER plot_not_allocated_while_disputed
  BEFORE INSERT OR UPDATE OF status ON allocations_allocation
  FOR EACH ROW EXECUTE FUNCTION allocation_refuse_while_disputed();

------------------------------------------------------------------------------------------------------------
-- Appeals. An appeal is against a refusal (rejected) or a revocation (revoked); the database records which, and
-- who made that decision (the step's author), whatever a client typed. The appeal is decided by an active
-- committee member whose provinces include the grievance's, other than who decided what is appealed and who
-- lodged the appeal; it is checked by another such committee member, who is not the decider either
-- (maker-checker). A checked appeal is final.
CREATE OR REPLACE FUNCTION grievance_is_committee_member_of(member bigint, province bigint) RETURNS boolean
LANGUAGE sql STABLE SET search_path = public, pg_temp AS $$
  SELECT EXISTS (
    SELECT 1 FROM auth_user u
     WHERE u.id = member AND u.is_active
       AND (u.is_superuser
            OR (EXISTS (SELECT 1 FROM auth_user_groups ug JOIN auth_group g ON g.id = ug.group_id
                         WHERE ug.user_id = u.id AND g.name = 'committee_member')
                AND EXISTS (SELECT 1 FROM landreg_userscope s
                             WHERE s.user_id = u.id
                               AND (s.national OR EXISTS (SELECT 1 FROM landreg_userscope_provinces sp
                                                           WHERE sp.userscope_id = s.id
                                                             AND sp.adminarea_id = province))))))
$$;

CREATE OR REPLACE FUNCTION appeal_check_people() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
  g grievances_grievance;
  appealed text;
BEGIN
  SELECT * INTO g FROM grievances_grievance WHERE id = NEW.grievance_id;
  IF TG_OP = 'UPDATE' AND OLD.checked_by_id IS NOT NULL THEN
    PERFORM landreg_raise('appeal_decision_is_final', format(
      'the appeal %s was decided and checked; it cannot change', g.reference));
  END IF;
  IF TG_OP = 'INSERT' OR NEW.allocation_id IS DISTINCT FROM OLD.allocation_id THEN
    SELECT status INTO appealed FROM allocations_allocation WHERE id = NEW.allocation_id;
    IF appealed IS DISTINCT FROM 'rejected' AND appealed IS DISTINCT FROM 'revoked' THEN
      PERFORM landreg_raise('appeal_against_a_refusal_or_revocation', format(
        'allocation %s is %s: only a refusal (rejected) or a revocation can be appealed', NEW.allocation_id,
        coalesce(appealed, 'missing')));
    END IF;
    NEW.appealed_status := appealed;
    SELECT t.by_id INTO NEW.appealed_decision_by_id FROM allocations_allocationtransition t
     WHERE t.allocation_id = NEW.allocation_id AND t.to_status = appealed ORDER BY t.at DESC, t.id DESC LIMIT 1;
  ELSE
    NEW.appealed_status := OLD.appealed_status;
    NEW.appealed_decision_by_id := OLD.appealed_decision_by_id;
  END IF;
  IF NEW.decided_by_id IS NOT NULL AND (TG_OP = 'INSERT' OR NEW.decided_by_id IS DISTINCT FROM OLD.decided_by_id) THEN
    IF NEW.decided_by_id IN (NEW.appealed_decision_by_id, g.received_by_id) THEN
      PERFORM landreg_raise('appeal_decided_by_another_committee_member', format(
        'appeal %s: user %s %s, so another committee member decides it', g.reference, NEW.decided_by_id,
        CASE WHEN NEW.decided_by_id = NEW.appealed_decision_by_id THEN 'made the decision appealed'
             ELSE 'lodged the appeal' END));
    END IF;
    IF NOT grievance_is_committee_member_of(NEW.decided_by_id, g.province_id) THEN
      PERFORM landreg_raise('appeal_decided_by_another_committee_member', format(
        'appeal %s: user %s is not an active committee member of its province', g.reference, NEW.decided_by_id));
    END IF;
  END IF;
  IF NEW.checked_by_id IS NOT NULL THEN
    IF NEW.decided_by_id IS NULL THEN
      PERFORM landreg_raise('appeal_decided_by_another_committee_member', format(
        'appeal %s is checked only once decided', g.reference));
    END IF;
    IF NEW.checked_by_id IN (NEW.decided_by_id, NEW.appealed_decision_by_id, g.received_by_id) THEN
      PERFORM landreg_raise('appeal_decided_by_another_committee_member', format(
        'appeal %s: user %s %s, so another committee member checks it', g.reference, NEW.checked_by_id,
        CASE WHEN NEW.checked_by_id = NEW.decided_by_id THEN 'decided it'
             WHEN NEW.checked_by_id = NEW.appealed_decision_by_id THEN 'made the decision appealed'
             ELSE 'lodged the appeal' END));
    END IF;
    IF NOT grievance_is_committee_member_of(NEW.checked_by_id, g.province_id) THEN
      PERFORM landreg_raise('appeal_decided_by_another_committee_member', format(
        'appeal %s: user %s is not an active committee member of its province', g.reference, NEW.checked_by_id));
    END IF;
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER appeal_decided_by_another_committee_member
  BEFORE INSERT OR UPDATE ON grievances_appeal
  FOR EACH ROW EXECUTE FUNCTION appeal_check_people();

------------------------------------------------------------------------------------------------------------
-- History is never skipped by a client (shelters/sql/0008): the tracked table and its event table.
SELECT landreg_guard_history('grievances_grievance');
SELECT landreg_guard_history('grievances_grievanceevent');

------------------------------------------------------------------------------------------------------------
-- Every function runs with a fixed search path (shelters/sql/0007): the history triggers django-pgtrigger
-- installed for grievances in 0001 (and the helper it re-created) get it here, as the rules above have it.
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
