"""Every connection (QGIS, psql, Django) finds pgtrigger.ignore set, so history triggers do not open a
subtransaction per row (which makes bulk writes quadratic; see landreg/sql/0007_pgtrigger_ignore_default.sql)."""


def test_a_new_connection_has_the_pgtrigger_default(raw):
    raw.execute("SELECT current_setting('pgtrigger.ignore', true)")
    assert raw.fetchone()[0] == "{}"

