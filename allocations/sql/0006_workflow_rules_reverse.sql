DROP TRIGGER IF EXISTS allocation_transitions_are_append_only ON allocations_allocationtransition;
DROP TRIGGER IF EXISTS allocation_sets_plot_status ON allocations_allocation;
DROP TRIGGER IF EXISTS approval_by_a_checker ON allocations_allocation;
DROP FUNCTION IF EXISTS allocation_transition_refuse_change(), allocation_set_plot_status(), allocation_check_maker_checker();
