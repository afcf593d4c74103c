"""_pgh_attach_context(), which every history trigger calls, answers a write without a pghistory context (QGIS,
psql) without entering an exception block (landreg/sql/0011): each such entry was a subtransaction, and each one
rolled back made PostgreSQL rescan the deferred land-rule events. Every input still gets pghistory's answer."""

import json
import uuid

import pytest
from django.db import connection


def attach(values: dict):
    with connection.cursor() as cursor:
        cursor.execute("SAVEPOINT attach")
        try:
            for name, value in values.items():
                cursor.execute("SELECT set_config(%s, %s, true)", [name, value])
            cursor.execute("SELECT _pgh_attach_context()")
            context = cursor.fetchone()[0]
            cursor.execute("SELECT metadata FROM pghistory_context WHERE id = %s", [context])
            row = cursor.fetchone()
            return context, row[0] if row else None
        finally:
            cursor.execute("ROLLBACK TO SAVEPOINT attach")


def test_the_installed_function_is_the_one_without_a_subtransaction_for_no_context(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT prosrc, proconfig FROM pg_proc WHERE proname = '_pgh_attach_context'")
        [(body, config)] = cursor.fetchall()
    # A pghistory migration that installs its own body again would bring back the subtransaction per call.
    assert body.index("current_setting('pghistory.context_id', true)") < body.index("EXCEPTION")
    assert "search_path=public, pg_temp" in config


@pytest.mark.parametrize(
    "values",
    [
        {},
        {"pghistory.context_id": ""},
        {"pghistory.context_id": "not a uuid", "pghistory.context_metadata": "{}"},
        {"pghistory.context_id": str(uuid.uuid4())},  # no metadata
        {"pghistory.context_id": str(uuid.uuid4()), "pghistory.context_metadata": "not json"},
    ],
)
def test_no_context_or_a_malformed_one_gives_no_context_and_no_error(db, values):
    assert attach(values) == (None, None)


def test_a_context_is_recorded_and_linked(db):
    context = uuid.uuid4()
    found, metadata = attach({"pghistory.context_id": str(context), "pghistory.context_metadata": '{"user": 7}'})
    assert found == context
    assert (metadata if isinstance(metadata, dict) else json.loads(metadata)) == {"user": 7}
