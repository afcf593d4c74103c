DROP TRIGGER IF EXISTS plot_status_follows_the_workflow ON townships_plot;
DROP TRIGGER IF EXISTS approval_by_a_committee_member_in_scope ON allocations_allocation;
DROP TRIGGER IF EXISTS status_changes_with_a_transition ON allocations_allocation;
DROP FUNCTION IF EXISTS plot_keep_status_with_workflow(), landreg_plot_status_from_allocation(bigint),
  allocation_check_approver(), allocation_check_transition_written(), landreg_written_by_this_transaction(xid);

-- Back to the definitions of 0006_workflow_rules.sql.
CREATE OR REPLACE FUNCTION allocation_set_plot_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE townships_plot SET status = CASE NEW.status
      WHEN 'proposed' THEN 'reserved'
      WHEN 'approved' THEN 'allocated'
      WHEN 'assigned' THEN 'allocated'
      WHEN 'letter_issued' THEN 'allocated'
      WHEN 'handed_over' THEN 'handed_over'
      WHEN 'occupied' THEN 'occupied'
      WHEN 'titled' THEN 'occupied'
      WHEN 'suspended' THEN 'disputed'
      WHEN 'appealed' THEN 'disputed'
      ELSE 'available' END,
    updated_at = now()
   WHERE id = NEW.plot_id;
  RETURN NULL;
END $$;
ALTER FUNCTION allocation_set_plot_status() RESET search_path;

CREATE OR REPLACE FUNCTION allocation_check_maker_checker() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE registrar bigint;
BEGIN
  IF NEW.approved_by_id IS NULL THEN
    PERFORM landreg_raise('approval_by_a_checker', format('allocation %s: an approval must name its approver', NEW.id));
  END IF;
  SELECT registered_by_id INTO registrar FROM households_household WHERE id = NEW.household_id;
  IF NEW.approved_by_id = NEW.proposed_by_id OR NEW.approved_by_id = registrar THEN
    PERFORM landreg_raise('approval_by_a_checker', format(
      'allocation %s: the user who registered the household or proposed the allocation cannot approve it', NEW.id));
  END IF;
  RETURN NEW;
END $$;
ALTER FUNCTION allocation_check_maker_checker() RESET search_path;

DROP TRIGGER IF EXISTS approval_by_a_checker ON allocations_allocation;
CREATE TRIGGER approval_by_a_checker
  BEFORE INSERT OR UPDATE ON allocations_allocation
  FOR EACH ROW WHEN (NEW.status = 'approved')
  EXECUTE FUNCTION allocation_check_maker_checker();

DROP FUNCTION IF EXISTS allocation_approval_is_inherited(allocations_allocation), allocation_plot_status(text);
