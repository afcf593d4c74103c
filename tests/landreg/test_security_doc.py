"""docs/security.md's tables are what the code says: a new service check or role permission shows up there."""

import runpy
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "security_table.py"


def test_the_role_tables_in_docs_security_md_are_generated_from_the_code():
    result = subprocess.run([sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr + "\nRun `make security-doc` and commit docs/security.md."


def test_the_generator_finds_every_service_role_check():
    """Each require_role call with a literal action is in the table, with its roles resolved."""
    generator = runpy.run_path(str(SCRIPT))
    generator["_setup"]()
    rows = {action: (roles, scoped) for _, action, roles, scoped in generator["service_checks"]()}
    assert rows["propose an allocation"] == (("land_officer",), True)
    assert rows["import township layouts"][1] is True
    calls = subprocess.run(
        ["grep", "-rhoE", r"require_role\([^,]+, [^,]+, _\(\"[^\"]+\"\)", *generator["APPS"]],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.splitlines()
    literal_actions = {line.rsplit('_("', 1)[1].rstrip('")') for line in calls} - {"do this"}
    assert literal_actions <= set(rows), literal_actions - set(rows)
