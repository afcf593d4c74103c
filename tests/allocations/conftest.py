"""Fixtures for the allocation tests: the raw-SQL cursor of tests/db, for the database rule tests here."""

from tests.db.conftest import raw  # noqa: F401  (a cursor on its own connection, rolled back)
