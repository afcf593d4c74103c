-- Undoes 0002_grievance_rules.sql (the history guard stays: it is idempotent and guards tables 0001 drops).
DROP TRIGGER IF EXISTS appeal_decided_by_another_committee_member ON grievances_appeal;
DROP TRIGGER IF EXISTS plot_not_allocated_while_disputed ON allocations_allocation;
DROP TRIGGER IF EXISTS land_dispute_overlap_measured ON grievances_landdispute;
DROP TRIGGER IF EXISTS grievance_status_changes_with_a_step ON grievances_grievance;
DROP TRIGGER IF EXISTS grievance_steps_are_append_only ON grievances_grievancestep;
DROP TRIGGER IF EXISTS grievance_steps_are_never_truncated ON grievances_grievancestep;  -- of early versions
DROP TRIGGER IF EXISTS grievance_transitions_in_order ON grievances_grievancestep;
DROP TRIGGER IF EXISTS appeals_are_never_deleted ON grievances_appeal;
DROP TRIGGER IF EXISTS land_disputes_are_never_deleted ON grievances_landdispute;
DROP TRIGGER IF EXISTS grievances_are_never_deleted ON grievances_grievance;
DROP TRIGGER IF EXISTS grievances_are_never_truncated ON grievances_grievance;  -- of early versions
DROP TRIGGER IF EXISTS grievance_sensitivity_is_fixed ON grievances_grievance;
DROP TRIGGER IF EXISTS grievance_deadlines_derived ON grievances_grievance;
DROP FUNCTION IF EXISTS appeal_check_people(), grievance_is_committee_member_of(bigint, bigint),
  allocation_refuse_while_disputed(), grievance_open_dispute_of_plot(bigint), land_dispute_measure_and_keep(),
  grievance_check_step_written(), grievance_step_refuse_change(), grievance_step_check(),
  grievance_transition_allowed(text, text, text), grievance_refuse_delete(), grievance_keep_sensitivity(),
  grievance_derive_deadlines(), grievance_open_statuses();
DELETE FROM grievances_deadlinepolicy;
