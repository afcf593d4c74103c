DROP TRIGGER IF EXISTS ended_allocation_is_final ON allocations_allocation;
DROP TRIGGER IF EXISTS allocations_are_never_deleted ON allocations_allocation;
DROP FUNCTION IF EXISTS allocation_keep_ended_final(), allocation_refuse_delete();
