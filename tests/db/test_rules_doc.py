"""docs/rules.md and docs/schema.sql say what the migrated database says, so neither can drift from it.

docs/rules.md → database: every backticked name in the rules table's first column (the rule, as the error names it)
and third column (what enforces it) exists in the database: a trigger, a constraint, a unique index or a rule name
that a function raises, or else something such a rule works on (a table, a column or model field of the project's
tables, a function, a role's group). A name written as a suffix (`_on_change` after `plot_rules_on_insert`)
continues the name before it: it replaces that name's tail from the same word (`plot_rules_on_change`), or is
appended to it.

database → docs/rules.md: every rule the database can refuse a write with is named in docs/rules.md: each rule
name raised by a function (`landreg_raise('<rule>', …)`, or `rule := '<rule>'` in the functions that list the
violations of a row), each trigger on the project's tables (but those django-pghistory generates, `pgtrigger_*`,
which docs/rules.md covers as "history is append-only"), and each CHECK, unique or exclusion constraint and unique
index of the project's tables whose name the project chose (Django and PostgreSQL name the ones they make up after
the table: `<table>_<columns>_…_uniq`, `…_key`, `…_check`).
"""

import re
import runpy
from pathlib import Path

import pytest
from django.apps import apps
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
RULES_MD = ROOT / "docs" / "rules.md"
SCHEMA_SQL = ROOT / "docs" / "schema.sql"
SCRIPT = ROOT / "scripts" / "schema_doc.py"

BACKTICKED = re.compile(r"`([^`]+)`")
IDENTIFIER = re.compile(r"_?[a-z][a-z0-9_]*")
RAISED = re.compile(r"landreg_raise\(\s*'([a-z0-9_]+)'|\brule\s*:=\s*'([a-z0-9_]+)'")
PGTRIGGER = re.compile(r"pgtrigger_(.+)_[0-9a-f]{5}")  # django-pgtrigger's name for a trigger declared as <name>


# --- what docs/rules.md names -------------------------------------------------------------------------------------


def _names(text: str) -> list[str]:
    """The backticked identifiers of a piece of docs/rules.md, suffixes continued from the name before them."""
    names, previous = [], None
    for token in BACKTICKED.findall(text):
        token = token.removesuffix("()")
        if not IDENTIFIER.fullmatch(token):
            continue  # a path, a setting, a predicate, a pattern
        if token.startswith("_") and previous:
            first_word = "_" + token[1:].split("_")[0] + "_"
            cut = previous.rfind(first_word)
            token = previous[:cut] + token if cut > 0 else previous + token
        if token.startswith("_"):
            continue
        names.append(token)
        previous = token
    return names


def rules_table() -> list[tuple[str, list[str]]]:
    """(the row's first cell, the names in its first and third cells) for each row of the rules table."""
    rows = []
    table = [line for line in RULES_MD.read_text().splitlines() if line.startswith("|")]
    for line in table[2:]:  # after the header and its |---| line
        cells = line.split("|")
        if len(cells) >= 5:
            rows.append((cells[1].strip(), _names(cells[1]) + _names(cells[3])))
    return rows


def named_anywhere_in_rules_md() -> set[str]:
    return set(_names(RULES_MD.read_text()))


# --- what the database has ----------------------------------------------------------------------------------------


def project_models() -> list:
    """The models of this repository's apps (not Django's, not the libraries'), with their many-to-many tables."""
    return [
        model
        for config in apps.get_app_configs()
        if Path(config.path).resolve().parent == ROOT
        for model in config.get_models(include_auto_created=True)
    ]


def project_tables() -> set[str]:
    return {model._meta.db_table for model in project_models()}


def _rows(sql: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


NOT_AN_EXTENSION = """NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = '{catalog}'::regclass
                                  AND d.objid = {oid} AND d.deptype = 'e')"""


def project_functions() -> list[tuple[str, str]]:
    """(name, source) of every function that is not in a system schema nor a member of an extension."""
    return _rows(
        "SELECT p.proname, p.prosrc FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE n.nspname <> 'information_schema' AND n.nspname !~ '^pg_' AND "
        + NOT_AN_EXTENSION.format(catalog="pg_proc", oid="p.oid")
    )


def raised_rules() -> dict[str, set[str]]:
    """Rule name → the functions that raise it."""
    raised: dict[str, set[str]] = {}
    for name, source in project_functions():
        for match in RAISED.finditer(source):
            raised.setdefault(match.group(1) or match.group(2), set()).add(f"{name}()")
    return raised


def triggers() -> list[tuple[str, str]]:
    """(table, trigger) of every trigger that PostgreSQL did not make itself (foreign keys)."""
    return _rows(
        "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "WHERE NOT t.tgisinternal AND " + NOT_AN_EXTENSION.format(catalog="pg_class", oid="c.oid")
    )


def constraints_and_unique_indexes() -> list[tuple[str, str, str]]:
    """(table, name, kind) of every CHECK, unique and exclusion constraint, and every unique index that is not one."""
    return _rows(
        "SELECT c.conrelid::regclass::text, c.conname, CASE c.contype WHEN 'c' THEN 'CHECK constraint' "
        "WHEN 'u' THEN 'unique constraint' ELSE 'exclusion constraint' END FROM pg_constraint c "
        "WHERE c.contype IN ('c', 'u', 'x') AND c.conrelid <> 0 "
        "UNION ALL "
        "SELECT x.indrelid::regclass::text, i.relname, CASE WHEN x.indpred IS NULL THEN 'unique index' "
        "ELSE 'partial unique index' END FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
        "WHERE x.indisunique AND NOT x.indisprimary "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)"
    )


def chosen_by_the_project(table: str, name: str) -> bool:
    """Django and PostgreSQL name what they make up after the table (truncated when long); the project says the
    rule (`plot_number_unique_in_township`)."""
    return not name.startswith(table[:20])


def database_rules() -> dict[str, str]:
    """Every rule the database may refuse a write with → where it is (for the message)."""
    tables = project_tables()
    rules = {name: "raised by " + ", ".join(sorted(where)) for name, where in raised_rules().items()}
    for table, name in triggers():
        if table in tables and not PGTRIGGER.fullmatch(name):
            rules.setdefault(name, f"trigger on {table}")
    for table, name, kind in constraints_and_unique_indexes():
        if table in tables and chosen_by_the_project(table, name):
            rules.setdefault(name, f"{kind} on {table}")
    return rules


def database_names() -> set[str]:
    """Everything a name in docs/rules.md may stand for: the rules, and the tables, columns, functions and groups
    they work on, and the models' field names (history triggers by the name they were declared with: `append_only`)."""
    tables = project_tables()
    names = set(database_rules())
    names |= {name for _, name in triggers()}
    names |= {m.group(1) for _, name in triggers() if (m := PGTRIGGER.fullmatch(name))}
    names |= {name for _, name, _ in constraints_and_unique_indexes()}
    names |= {name for name, _ in project_functions()}
    names |= tables
    names |= {
        column
        for (column,) in _rows(
            "SELECT DISTINCT a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
            "WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relname = ANY(ARRAY["
            + ", ".join(f"'{table}'" for table in sorted(tables))
            + "])"
        )
    }
    names |= {field.name for model in project_models() for field in model._meta.get_fields()}  # `closed_by`
    names |= {group for (group,) in _rows("SELECT name FROM auth_group")}
    return names


# --- the tests ----------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_rule_and_trigger_named_in_docs_rules_md_is_in_the_database():
    known = database_names()
    missing = [(rule, name) for rule, names in rules_table() for name in names if name not in known]
    assert not missing, "docs/rules.md names what the migrated database does not have:\n" + "\n".join(
        f"  `{name}`  (in the row {rule})" for rule, name in missing
    )


@pytest.mark.django_db
def test_every_rule_of_the_database_is_named_in_docs_rules_md():
    documented = named_anywhere_in_rules_md()
    undocumented = {name: where for name, where in database_rules().items() if name not in documented}
    assert not undocumented, "the database enforces rules that docs/rules.md does not name:\n" + "\n".join(
        f"  `{name}`  ({where})" for name, where in sorted(undocumented.items())
    )


def test_the_reader_of_docs_rules_md_sees_what_a_person_sees():
    """The parser reads a name written as a suffix as the table means it."""
    assert _names("`plot_rules_on_insert` / `_on_change`") == ["plot_rules_on_insert", "plot_rules_on_change"]
    assert _names("`blocks_keep_the_land_rules` / `_when_reshaped`") == [
        "blocks_keep_the_land_rules",
        "blocks_keep_the_land_rules_when_reshaped",
    ]
    assert _names("`allocation_plot_status()`, `landreg/scope.py`, `*event`") == ["allocation_plot_status"]
    rows = dict(rules_table())
    assert "plots_do_not_overlap" in rows["`plots_do_not_overlap`"], "the rules table of docs/rules.md was not read"


@pytest.mark.django_db
def test_docs_schema_sql_is_what_the_migrations_make():
    generator = runpy.run_path(str(SCRIPT))
    with connection.cursor() as cursor:
        live = generator["render"](cursor)
    assert SCHEMA_SQL.read_text() == live, (
        "docs/schema.sql is not what the migrations make: run `make schema-doc` and commit docs/schema.sql."
    )
