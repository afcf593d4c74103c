"""A letter or deed is issued once, for clients that bypass Django (psql, QGIS, a script): a second document of
an allocation and kind must be a re-issue that names the current one and a reason; a document is superseded at
most once and only by its own allocation's and kind's; the log of prints is append-only."""

import psycopg2

from tests.db.conftest import refused
from tests.db.test_allocation_rules_sql import setup
from tests.db.test_concurrency import ALLOCATION_INSERT

INSERT = (
    "INSERT INTO allocations_allocationdocument (allocation_id, kind, number, language, issued_at, file, sha256, "
    "supersedes_id, reissue_reason, reissue_note) "
    "VALUES (%s, %s, %s, 'fa', now(), 'documents/x.pdf', repeat('0', 64), %s, %s, '') RETURNING id"
)
PRINT = (
    "INSERT INTO allocations_allocationdocumentprint (document_id, language, printed_at, sha256) "
    "VALUES (%s, %s, now(), repeat('1', 64)) RETURNING id"
)


def allocations(raw, count=1):
    plot, plot2, households = setup(raw)
    ids = []
    for household, on in list(zip(households, (plot, plot2), strict=True))[:count]:
        raw.execute(ALLOCATION_INSERT + " RETURNING id", (household, on))
        ids.append(raw.fetchone()[0])
    return ids


def insert(raw, allocation, number, *, kind="letter", supersedes=None, reason=""):
    raw.execute(INSERT, (allocation, kind, number, supersedes, reason))
    return raw.fetchone()[0]


def test_a_second_letter_without_superseding_the_first_is_refused(raw):
    [allocation] = allocations(raw)
    insert(raw, allocation, "RAW-L-000001")
    error = refused(raw, INSERT, (allocation, "letter", "RAW-L-000002", None, ""))
    assert isinstance(error, psycopg2.errors.UniqueViolation)
    assert error.diag.constraint_name == "document_issued_once_per_allocation_and_kind"


def test_a_letter_and_a_deed_are_each_issued_once(raw):
    [allocation] = allocations(raw)
    insert(raw, allocation, "RAW-L-000001")
    assert refused(raw, INSERT, (allocation, "deed", "RAW-D-000001", None, "")) is None


def test_a_reissue_needs_a_reason_and_a_first_document_has_none(raw):
    [allocation] = allocations(raw)
    first = insert(raw, allocation, "RAW-L-000001")
    for supersedes, reason in ((first, ""), (first, "because"), (None, "lost")):
        error = refused(raw, INSERT, (allocation, "letter", "RAW-L-000002", supersedes, reason))
        assert isinstance(error, psycopg2.errors.CheckViolation), (supersedes, reason)
        assert error.diag.constraint_name == "reissued_document_has_reason"
    assert refused(raw, INSERT, (allocation, "letter", "RAW-L-000002", first, "lost")) is None


def test_a_document_is_superseded_once_so_one_stays_current(raw):
    [allocation] = allocations(raw)
    first = insert(raw, allocation, "RAW-L-000001")
    insert(raw, allocation, "RAW-L-000002", supersedes=first, reason="lost")
    error = refused(raw, INSERT, (allocation, "letter", "RAW-L-000003", first, "damaged"))
    assert isinstance(error, psycopg2.errors.UniqueViolation)
    assert error.diag.constraint_name == "document_superseded_once"


def test_a_reissue_supersedes_only_its_own_allocations_document_of_its_kind(raw):
    mine, other = allocations(raw, count=2)
    letter = insert(raw, other, "RAW-L-000001")
    error = refused(raw, INSERT, (mine, "letter", "RAW-L-000002", letter, "lost"))
    assert error.diag.constraint_name == "reissue_supersedes_same_allocation_and_kind"
    assert "can supersede only a letter of the same allocation" in error.diag.message_primary
    deed_for_letter = refused(raw, INSERT, (other, "deed", "RAW-D-000001", letter, "corrected"))
    assert deed_for_letter.diag.constraint_name == "reissue_supersedes_same_allocation_and_kind"


def test_the_log_of_prints_is_append_only(raw):
    [allocation] = allocations(raw)
    document = insert(raw, allocation, "RAW-L-000001")
    raw.execute(PRINT, (document, "en"))
    printed = raw.fetchone()[0]
    assert refused(raw, PRINT, (document, "fa")) is None
    for sql in (
        "UPDATE allocations_allocationdocumentprint SET language = 'ps' WHERE id = %s",
        "DELETE FROM allocations_allocationdocumentprint WHERE id = %s",
    ):
        error = refused(raw, sql, (printed,))
        assert error is not None and error.diag.constraint_name == "document_prints_are_append_only", sql
