-- Workflow rules that protect the allocation record whoever writes it (docs/domain.md, rules 6, 8 and 10).

-- Maker-checker: whoever registered the household or proposed the allocation cannot approve it.
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

CREATE TRIGGER approval_by_a_checker
  BEFORE INSERT OR UPDATE ON allocations_allocation
  FOR EACH ROW WHEN (NEW.status = 'approved')
  EXECUTE FUNCTION allocation_check_maker_checker();

-- The plot's status follows its allocation, so the published layers are right even when the allocation
-- changed outside Django. An ended allocation frees the plot.
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

CREATE TRIGGER allocation_sets_plot_status
  AFTER INSERT OR UPDATE OF status ON allocations_allocation
  FOR EACH ROW EXECUTE FUNCTION allocation_set_plot_status();

-- The workflow log is evidence: it is never rewritten.
CREATE OR REPLACE FUNCTION allocation_transition_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM landreg_raise('allocation_transitions_are_append_only', 'the workflow log cannot be changed or deleted');
  RETURN NULL;
END $$;

CREATE TRIGGER allocation_transitions_are_append_only
  BEFORE UPDATE OR DELETE ON allocations_allocationtransition
  FOR EACH ROW EXECUTE FUNCTION allocation_transition_refuse_change();
