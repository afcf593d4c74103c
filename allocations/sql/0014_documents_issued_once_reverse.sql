DROP TRIGGER IF EXISTS document_prints_are_append_only ON allocations_allocationdocumentprint;
DROP FUNCTION IF EXISTS allocation_document_print_refuse_change();
DROP TRIGGER IF EXISTS reissue_supersedes_same_allocation_and_kind ON allocations_allocationdocument;
DROP FUNCTION IF EXISTS allocation_document_check_reissue();
-- The print rows go with their table; the re-issue columns with theirs.
