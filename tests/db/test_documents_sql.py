"""Issued letters and deeds for clients that bypass Django: a document row is added, never changed or deleted."""

from tests.db.conftest import refused
from tests.db.test_allocation_rules_sql import setup
from tests.db.test_concurrency import ALLOCATION_INSERT

DOCUMENT_INSERT = (
    "INSERT INTO allocations_allocationdocument (allocation_id, kind, number, language, issued_at, file, sha256) "
    "VALUES (%s, 'letter', %s, 'fa', now(), %s, repeat('0', 64)) RETURNING id"
)


def issued_document(raw, number="RAW-L-000001"):
    plot, _, households = setup(raw)
    raw.execute(ALLOCATION_INSERT + " RETURNING id", (households[0], plot))
    allocation = raw.fetchone()[0]
    raw.execute(DOCUMENT_INSERT, (allocation, number, f"documents/2026/11/{number}.pdf"))
    return allocation, raw.fetchone()[0]


REISSUE_INSERT = (
    "INSERT INTO allocations_allocationdocument (allocation_id, kind, number, language, issued_at, file, sha256, "
    "supersedes_id, reissue_reason) VALUES (%s, 'letter', %s, 'fa', now(), %s, repeat('0', 64), %s, 'lost')"
)


def test_it_accepts_a_new_document_that_supersedes_the_old_one(raw):
    allocation, document = issued_document(raw)
    error = refused(raw, REISSUE_INSERT, (allocation, "RAW-L-000002", "documents/2026/11/RAW-L-000002.pdf", document))
    assert error is None


def test_it_refuses_to_change_an_issued_document(raw):
    _, document = issued_document(raw)
    for sql in (
        "UPDATE allocations_allocationdocument SET sha256 = repeat('f', 64) WHERE id = %s",
        "UPDATE allocations_allocationdocument SET file = 'documents/forged.pdf' WHERE id = %s",
        "UPDATE allocations_allocationdocument SET issued_at = now() - interval '1 year' WHERE id = %s",
    ):
        error = refused(raw, sql, (document,))
        assert error is not None and error.diag.constraint_name == "issued_documents_are_append_only", sql
        assert "RAW-L-000001 was issued and cannot be changed or deleted" in error.diag.message_primary


def test_it_refuses_to_delete_an_issued_document(raw):
    _, document = issued_document(raw)
    error = refused(raw, "DELETE FROM allocations_allocationdocument WHERE id = %s", (document,))
    assert error.diag.constraint_name == "issued_documents_are_append_only"
    raw.execute("SELECT count(*) FROM allocations_allocationdocument WHERE id = %s", (document,))
    assert raw.fetchone()[0] == 1


def test_a_document_number_is_unique(raw):
    allocation, _ = issued_document(raw)
    error = refused(raw, DOCUMENT_INSERT, (allocation, "RAW-L-000001", "documents/2026/11/copy.pdf"))
    assert error is not None and error.pgcode == "23505"
