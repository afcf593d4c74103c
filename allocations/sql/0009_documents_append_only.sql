-- Issued letters and deeds are evidence: a document row is never changed or deleted. A correction is a
-- new document, which supersedes the old one.
CREATE OR REPLACE FUNCTION allocation_document_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM landreg_raise('issued_documents_are_append_only', format(
    'document %s was issued and cannot be changed or deleted; issue a new one instead', OLD.number));
  RETURN NULL;
END $$;

CREATE TRIGGER issued_documents_are_append_only
  BEFORE UPDATE OR DELETE ON allocations_allocationdocument
  FOR EACH ROW EXECUTE FUNCTION allocation_document_refuse_change();
