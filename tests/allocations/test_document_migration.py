"""Documents issued before a document was issued once keep working after migration 0014: each later one of an
allocation and kind becomes a re-issue of the one before it (reason unrecorded), so every standing stays as it
was, every QR link still verifies, and each document has the print it was issued with."""

import pytest
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor

from allocations.documents import document_current, document_standing, document_verification_token
from allocations.models import Allocation, AllocationDocument
from tests.db.test_allocation_rules_sql import setup
from tests.db.test_concurrency import ALLOCATION_PROPOSE

BEFORE = [("allocations", "0013_workflow_second_line")]  # also unapplies what depends on allocations 0014
OLD_DOCUMENT = (
    "INSERT INTO allocations_allocationdocument (allocation_id, kind, number, language, issued_at, file, sha256) "
    "VALUES (%s, %s, %s, %s, now(), %s, repeat('a', 64))"
)


def migrate(targets=None):
    """To the targets, or (None) forward to the last migration of every app, as the other tests expect it."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets if targets is not None else executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_documents_issued_before_keep_their_standing_and_gain_their_first_print(client):
    migrate(BEFORE)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            plot, _, households = setup(cursor)
            cursor.execute(ALLOCATION_PROPOSE, (households[0], plot))
            cursor.execute("SELECT id FROM allocations_allocation WHERE household_id = %s", (households[0],))
            allocation = cursor.fetchone()[0]
            # The old way: printing the English letter, then the Dari one, issued a second number.
            for kind, number, language in (
                ("letter", "RAW-L-000001", "en"),
                ("letter", "RAW-L-000002", "fa"),
                ("deed", "RAW-D-000001", "fa"),
            ):
                cursor.execute(OLD_DOCUMENT, (allocation, kind, number, language, f"documents/{number}.pdf"))
    finally:
        migrate()

    english, dari, deed = (
        AllocationDocument.objects.get(number=n) for n in ("RAW-L-000001", "RAW-L-000002", "RAW-D-000001")
    )
    assert (dari.supersedes, dari.reissue_reason) == (english, "unrecorded")
    assert (english.supersedes, english.reissue_reason, deed.supersedes) == (None, "", None)
    assert [document_standing(d) for d in (english, dari, deed)] == ["superseded", "valid", "valid"]
    assert document_current(Allocation.objects.get(pk=allocation), "letter") == dari
    assert [(p.language, p.sha256) for p in english.prints.all()] == [("en", "a" * 64)]
    assert [p.language for p in dari.prints.all()] == ["fa"]
    page = client.get(f"/verify/{document_verification_token(english)}/")
    assert page.status_code == 200 and "SUPERSEDED" in page.text
