"""history_is_never_skipped: every table whose triggers pgtrigger installs (history events, append-only event tables)
refuses a write made with pgtrigger.ignore set by anyone but the application. The refusal itself, through raw SQL
as a GIS login, is tests/townships/test_layout_history.py::test_a_gis_login_cannot_skip_the_history_of_its_edits;
the application's own set-based history, tests/townships/test_layout_history.py."""

from django.db import connection


def test_every_table_with_pgtrigger_triggers_has_the_guard(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT tgrelid::regclass::text FROM pg_trigger "
            "WHERE NOT tgisinternal AND tgname LIKE 'pgtrigger%%' "
            "EXCEPT SELECT tgrelid::regclass::text FROM pg_trigger WHERE tgname = 'history_is_never_skipped'"
        )
        unguarded = sorted(row[0] for row in cursor.fetchall())
    # A new app's tracked tables: SELECT landreg_guard_history('<table>') in its migration, for each table and its
    # event table.
    assert unguarded == []


def test_the_application_may_set_it_and_write(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('pgtrigger.ignore', '{townships_plot:nothing}', true)")
        cursor.execute("UPDATE townships_plot SET use = use WHERE false")  # the statement trigger fires, and allows
        cursor.execute("SELECT set_config('pgtrigger.ignore', '{}', true)")
