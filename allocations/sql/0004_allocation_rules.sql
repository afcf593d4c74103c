-- Allocation rules (docs/domain.md, rules 3 and 10). The "one active allocation per plot / per household"
-- rules are the partial unique indexes one_active_allocation_per_plot and _per_household.

-- Allocations are never deleted: they are revoked, so the record of who held a plot survives.
CREATE OR REPLACE FUNCTION allocation_refuse_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM landreg_raise('allocations_are_never_deleted', format(
    'allocation %s cannot be deleted; revoke it with a reason instead', OLD.id));
  RETURN NULL;
END $$;

CREATE TRIGGER allocations_are_never_deleted
  BEFORE DELETE ON allocations_allocation
  FOR EACH ROW EXECUTE FUNCTION allocation_refuse_delete();

-- An allocation that has ended (rejected, revoked, transferred) stays ended: re-allocating means a
-- new allocation, so the history of the plot reads truthfully. Nor can it change plot or household.
CREATE OR REPLACE FUNCTION allocation_keep_ended_final() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.status IN ('rejected', 'revoked', 'transferred') AND NEW.status IS DISTINCT FROM OLD.status THEN
    PERFORM landreg_raise('ended_allocation_is_final', format(
      'allocation %s is %s and cannot become %s; propose a new allocation instead', OLD.id, OLD.status, NEW.status));
  END IF;
  IF NEW.plot_id IS DISTINCT FROM OLD.plot_id OR NEW.household_id IS DISTINCT FROM OLD.household_id THEN
    PERFORM landreg_raise('allocation_parties_are_fixed', format(
      'allocation %s cannot be moved to another plot or household; revoke it and propose a new one', OLD.id));
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER ended_allocation_is_final
  BEFORE UPDATE ON allocations_allocation
  FOR EACH ROW EXECUTE FUNCTION allocation_keep_ended_final();
