DROP TRIGGER IF EXISTS issued_documents_are_append_only ON allocations_allocationdocument;
DROP FUNCTION IF EXISTS allocation_document_refuse_change();
