-- A letter or deed is issued once; a language is a rendering of it (docs/workflow.md, letters and deeds).
--
--   document_issued_once_per_allocation_and_kind   (unique index, allocations/models.py) one first document
--   document_superseded_once                       (unique constraint) a document is re-issued at most once
--   reissued_document_has_reason                   (check) a re-issue names what it supersedes and why
--   reissue_supersedes_same_allocation_and_kind    a re-issue supersedes a document of its own allocation and kind
--   document_prints_are_append_only                the log of prints is evidence
--
-- Together: the documents of one allocation and kind form one line, whose last is the current one.

-- Documents issued before this rule: each later one of an allocation and kind re-issued the one before it, for a
-- reason nobody recorded. Written once, here, past the append-only trigger; the standing they had is unchanged.
ALTER TABLE allocations_allocationdocument DISABLE TRIGGER issued_documents_are_append_only;
UPDATE allocations_allocationdocument d
   SET supersedes_id = earlier.previous, reissue_reason = 'unrecorded'
  FROM (SELECT id, lag(id) OVER (PARTITION BY allocation_id, kind ORDER BY id) AS previous
          FROM allocations_allocationdocument) earlier
 WHERE earlier.id = d.id AND earlier.previous IS NOT NULL;
ALTER TABLE allocations_allocationdocument ENABLE TRIGGER issued_documents_are_append_only;

-- Each document issued so far was printed once, in its language, by whoever issued it.
INSERT INTO allocations_allocationdocumentprint (document_id, language, printed_at, printed_by_id, sha256)
SELECT id, language, issued_at, issued_by_id, sha256 FROM allocations_allocationdocument ORDER BY id;

CREATE OR REPLACE FUNCTION allocation_document_check_reissue() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
  IF NEW.supersedes_id IS NOT NULL AND NOT EXISTS (
       SELECT 1 FROM allocations_allocationdocument o
        WHERE o.id = NEW.supersedes_id AND o.allocation_id = NEW.allocation_id AND o.kind = NEW.kind) THEN
    PERFORM landreg_raise('reissue_supersedes_same_allocation_and_kind', format(
      'document %s can supersede only a %s of the same allocation', NEW.number, NEW.kind));
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER reissue_supersedes_same_allocation_and_kind
  BEFORE INSERT ON allocations_allocationdocument
  FOR EACH ROW EXECUTE FUNCTION allocation_document_check_reissue();

CREATE OR REPLACE FUNCTION allocation_document_print_refuse_change() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
  PERFORM landreg_raise('document_prints_are_append_only', 'the log of printed letters and deeds cannot be changed');
  RETURN NULL;
END $$;

CREATE TRIGGER document_prints_are_append_only
  BEFORE UPDATE OR DELETE ON allocations_allocationdocumentprint
  FOR EACH ROW EXECUTE FUNCTION allocation_document_print_refuse_change();
