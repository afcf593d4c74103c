-- The database's second line for the workflow (docs/domain.md, rules 3, 6 and 8), whoever writes the row: the Django
-- admin, a script, psql or QGIS. The services (allocations/services.py) already keep these rules; here they hold
-- for every other path too.
--
--   status_changes_with_a_transition            an allocation's status changes only with its workflow step
--   approval_by_a_checker                       (0006, widened) every approval, whatever the status it carries
--   approval_by_a_committee_member_in_scope     the approver is a committee member of the allocation's province
--   plot_status_follows_the_workflow            a plot's status is its allocation's; GIS logins plan, not allocate
--
-- Every function here runs with a fixed search_path, so it survives pg_dump and restore.

------------------------------------------------------------------------------------------------------
-- Whether a row was written by the current transaction, savepoints included (Django's nested atomic() blocks
-- are savepoints, and a row written inside one carries the subtransaction's id as its xmin, not ours).
-- xmin is a 32-bit transaction id: the row's full id is rebuilt from ours (our subtransactions take their ids
-- after ours, older rows come before), and PostgreSQL says whether that transaction is still in progress.
-- A row we can see whose writer is still in progress can only be ours: another transaction's rows become
-- visible only once it has committed, and rows of a savepoint rolled back are not visible at all.
CREATE OR REPLACE FUNCTION landreg_written_by_this_transaction(row_xmin xid) RETURNS boolean
LANGUAGE plpgsql VOLATILE SET search_path = public, pg_temp AS $$
DECLARE
  ours bigint := pg_current_xact_id()::text::bigint;
  ahead bigint := ((row_xmin::text::bigint - ours) % 4294967296 + 4294967296) % 4294967296;
BEGIN
  IF ahead >= 2147483648 THEN
    RETURN false;  -- written before this transaction began
  END IF;
  RETURN coalesce(pg_xact_status((ours + ahead)::text::xid8) = 'in progress', false);
EXCEPTION WHEN invalid_parameter_value THEN
  RETURN false;  -- a row frozen so long ago that its id, read modulo 2^32, seems to lie in the future
END $$;

------------------------------------------------------------------------------------------------------
-- An allocation's status changes only together with the AllocationTransition row that records the step (who,
-- when, from what, to what, why), written by the same transaction. Checked at commit (a deferred constraint
-- trigger), so the order of the two writes does not matter. An UPDATE needs a step from the old status to the
-- new one; an INSERT needs a step leading to its status (normally from nothing; an allocation written with its
-- history, like the demonstration data, records its whole path, whose last step leads there).
CREATE OR REPLACE FUNCTION allocation_check_transition_written() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.status IS NOT DISTINCT FROM OLD.status THEN
    RETURN NULL;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM allocations_allocationtransition t
                  WHERE t.allocation_id = NEW.id
                    AND t.to_status = NEW.status
                    AND (TG_OP = 'INSERT' OR t.from_status = OLD.status)
                    AND landreg_written_by_this_transaction(t.xmin)) THEN
    PERFORM landreg_raise('status_changes_with_a_transition', CASE WHEN TG_OP = 'INSERT'
      THEN format('allocation %s was written as %s without a workflow step to %s in the same transaction',
                  NEW.id, NEW.status, NEW.status)
      ELSE format('allocation %s went from %s to %s without a workflow step from %s to %s in the same transaction',
                  NEW.id, OLD.status, NEW.status, OLD.status, NEW.status) END);
  END IF;
  RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER status_changes_with_a_transition
  AFTER INSERT OR UPDATE OF status ON allocations_allocation
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION allocation_check_transition_written();

------------------------------------------------------------------------------------------------------
-- Approvals. An allocation approved or further along (and a suspended or appealed one, which was) names its
-- approver; the approver is neither the household's registrar nor the proposer (maker-checker), on every
-- write, not only the step to 'approved': an allocation inserted straight as assigned (a ballot) or an
-- approver changed later is checked too. The one exception is an approval inherited by a transfer: the heir's
-- allocation continues the right that the original approver approved, and carries that approver.
CREATE OR REPLACE FUNCTION allocation_approval_is_inherited(a allocations_allocation) RETURNS boolean
LANGUAGE sql STABLE SET search_path = public, pg_temp AS $$
  SELECT a.transferred_from_id IS NOT NULL
     AND a.approved_by_id = (SELECT o.approved_by_id FROM allocations_allocation o WHERE o.id = a.transferred_from_id)
$$;

CREATE OR REPLACE FUNCTION allocation_check_maker_checker() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE registrar bigint;
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.status IN ('rejected', 'revoked', 'transferred') THEN
    RETURN NEW;  -- an ended allocation stays as it was: ended_allocation_is_final refuses reopening it
  END IF;
  IF NEW.status IN ('approved', 'assigned', 'letter_issued', 'handed_over', 'occupied', 'titled', 'suspended',
                    'appealed')
     AND NEW.approved_by_id IS NULL
     -- judged when the status or the approver is written, so an old record is not frozen by an unrelated edit
     AND (TG_OP = 'INSERT' OR NEW.status IS DISTINCT FROM OLD.status OR OLD.approved_by_id IS NOT NULL) THEN
    PERFORM landreg_raise('approval_by_a_checker', format(
      'allocation %s is %s: an approval must name its approver', NEW.id, NEW.status));
  END IF;
  IF NEW.approved_by_id IS NULL OR allocation_approval_is_inherited(NEW) THEN
    RETURN NEW;
  END IF;
  SELECT registered_by_id INTO registrar FROM households_household WHERE id = NEW.household_id;
  IF NEW.approved_by_id = NEW.proposed_by_id OR NEW.approved_by_id = registrar THEN
    PERFORM landreg_raise('approval_by_a_checker', format(
      'allocation %s: the user who registered the household or proposed the allocation cannot approve it', NEW.id));
  END IF;
  RETURN NEW;
END $$;

DROP TRIGGER IF EXISTS approval_by_a_checker ON allocations_allocation;
CREATE TRIGGER approval_by_a_checker
  BEFORE INSERT OR UPDATE ON allocations_allocation
  FOR EACH ROW EXECUTE FUNCTION allocation_check_maker_checker();

-- The approver is an active committee member (or a superuser) whose provinces include the allocation's (the
-- township's province; a national scope covers all), as landreg/scope.py decides for Django. Checked when an
-- approval is recorded (an insert naming an approver, or a change of approver), not on later steps: an approver
-- who has since left the committee does not freeze the allocations they approved.
CREATE OR REPLACE FUNCTION allocation_check_approver() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
  province bigint;
  pcode text;
BEGIN
  IF NEW.approved_by_id IS NULL OR NEW.approved_by_id IS NOT DISTINCT FROM OLD.approved_by_id
     OR allocation_approval_is_inherited(NEW) THEN
    RETURN NEW;
  END IF;
  SELECT t.province_id, a.pcode INTO province, pcode
    FROM townships_plot p JOIN townships_township t ON t.id = p.township_id
    LEFT JOIN parcels_adminarea a ON a.id = t.province_id
   WHERE p.id = NEW.plot_id;
  IF NOT EXISTS (
    SELECT 1 FROM auth_user u
     WHERE u.id = NEW.approved_by_id AND u.is_active
       AND (u.is_superuser
            OR (EXISTS (SELECT 1 FROM auth_user_groups ug JOIN auth_group g ON g.id = ug.group_id
                         WHERE ug.user_id = u.id AND g.name = 'committee_member')
                AND EXISTS (SELECT 1 FROM landreg_userscope s
                             WHERE s.user_id = u.id
                               AND (s.national OR EXISTS (SELECT 1 FROM landreg_userscope_provinces sp
                                                           WHERE sp.userscope_id = s.id
                                                             AND sp.adminarea_id = province)))))) THEN
    PERFORM landreg_raise('approval_by_a_committee_member_in_scope', format(
      'the approver must be an active committee member whose provinces include %s', coalesce(pcode, 'the plot''s')));
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER approval_by_a_committee_member_in_scope
  BEFORE INSERT OR UPDATE OF approved_by_id ON allocations_allocation
  FOR EACH ROW EXECUTE FUNCTION allocation_check_approver();

------------------------------------------------------------------------------------------------------
-- A plot's status follows its allocation. One home for what each allocation status means for the plot.
CREATE OR REPLACE FUNCTION allocation_plot_status(allocation_status text) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = public, pg_temp AS $$
  SELECT CASE allocation_status
      WHEN 'proposed' THEN 'reserved'
      WHEN 'approved' THEN 'allocated'
      WHEN 'assigned' THEN 'allocated'
      WHEN 'letter_issued' THEN 'allocated'
      WHEN 'handed_over' THEN 'handed_over'
      WHEN 'occupied' THEN 'occupied'
      WHEN 'titled' THEN 'occupied'
      WHEN 'suspended' THEN 'disputed'
      WHEN 'appealed' THEN 'disputed'
      ELSE 'available' END  -- rejected, revoked, transferred: the allocation no longer holds the plot
$$;

-- The allocation trigger of 0006, now reading the mapping above. An ended allocation frees the plot.
CREATE OR REPLACE FUNCTION allocation_set_plot_status() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
  UPDATE townships_plot SET status = allocation_plot_status(NEW.status), updated_at = now() WHERE id = NEW.plot_id;
  RETURN NULL;
END $$;

-- The status a plot must have because of its active allocation, or NULL when none holds it. SECURITY DEFINER:
-- GIS logins may not read allocations (personal data), yet their edits of plots must be judged by them; it
-- returns only the plot's status, which the published layers show anyway.
CREATE OR REPLACE FUNCTION landreg_plot_status_from_allocation(plot bigint) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT allocation_plot_status(a.status) FROM allocations_allocation a
   WHERE a.plot_id = plot AND a.status NOT IN ('rejected', 'revoked', 'transferred')
$$;
REVOKE ALL ON FUNCTION landreg_plot_status_from_allocation(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION landreg_plot_status_from_allocation(bigint) TO landreg_gis_editor;

-- For every client: a plot that holds an active allocation has the status that allocation implies, and no
-- other; the allocation trigger above sets it (it runs after the allocation row changed, so it agrees).
-- For a GIS login (any login other than the application, which owns the tables: a member of landreg_gis_editor,
-- see landreg/sql/0004_gis_roles.sql), the status is part of the plan, not of the workflow: it may only be
-- planned, available or cancelled, moved among those three, on a plot no allocation holds. Reserving,
-- allocating, handing over, disputing or declaring a plot usurped is done by officers through the workflow.
-- Not SECURITY DEFINER, so that current_user is the writer; the allocation is read through the function above.
CREATE OR REPLACE FUNCTION plot_keep_status_with_workflow() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
  implied text;
  planning constant text[] := ARRAY['planned', 'available', 'cancelled'];
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.status IS NOT DISTINCT FROM OLD.status THEN
    RETURN NEW;
  END IF;
  IF TG_OP = 'UPDATE' THEN
    implied := landreg_plot_status_from_allocation(OLD.id);
    IF implied IS NOT NULL AND NEW.status IS DISTINCT FROM implied THEN
      PERFORM landreg_raise('plot_status_follows_the_workflow', format(
        'plot %s is held by an active allocation, so its status is %s; change the allocation through the '
        'workflow instead', OLD.number, implied));
    END IF;
  END IF;
  IF NOT pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER')
     AND NOT (NEW.status = ANY (planning) AND (TG_OP = 'INSERT' OR OLD.status = ANY (planning))) THEN
    PERFORM landreg_raise('plot_status_follows_the_workflow', format(
      'plot %s: login %s may set a plot''s status only among planned, available and cancelled; the other '
      'statuses follow the allocation workflow', NEW.number, current_user));
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER plot_status_follows_the_workflow
  BEFORE INSERT OR UPDATE OF status ON townships_plot
  FOR EACH ROW EXECUTE FUNCTION plot_keep_status_with_workflow();
