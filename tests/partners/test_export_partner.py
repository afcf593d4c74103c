"""manage.py export_partner: a partner dataset written to a file under the partner's data-sharing agreement, with
the same check, the same rows and the same access-log entry as the API."""

import io

import pytest
from django.core.management import CommandError, call_command

from landreg.models import PersonalDataAccess
from landreg.sharing import pseudonym, pseudonym_key_of
from tests.landreg.test_data_sharing import agreement_create


@pytest.fixture
def signed(users, provinces):
    """The partner's agreement: Nangarhar, every dataset, current."""
    return agreement_create(users=[users["partner"]], provinces=[provinces["nangarhar"]])


def test_export_partner_writes_the_agreed_fields_and_logs_the_export(
    users, provinces, signed, make_household, tmp_path
):
    household = make_household(
        head={"name": "Bibi Hawa", "father_name": "Nazar", "sex": "f", "tazkira": "1400-5555-31416"}
    )
    out = tmp_path / "records.csv"
    stdout = io.StringIO()
    call_command("export_partner", "household_records", user="partner", province="AF06", out=out, stdout=stdout)
    lines = out.read_text().splitlines()
    assert lines[0] == "code,province,category,size,status,allocation_status,township"
    assert lines[1].startswith("#beneficiary+code,#adm1+code")
    code = pseudonym(pseudonym_key_of(signed), household.pk)
    assert lines[2].startswith(f"{code},AF06,documented_returnee,6,eligible")
    assert "Bibi Hawa" not in out.read_text() and "1416" not in out.read_text() and household.code not in lines[2]
    assert "under agreement DSA-2026-001" in stdout.getvalue()
    log = PersonalDataAccess.objects.get(action="export")
    assert log.user == users["partner"] and "DSA-2026-001" in log.where and "export_partner" in log.where


def test_export_partner_refuses_a_partner_without_an_agreement(users, provinces, tmp_path):
    with pytest.raises(CommandError, match="not covered by any data-sharing agreement"):
        call_command("export_partner", "township_summary", user="partner", province="AF06", out=tmp_path / "x.csv")
    assert not (tmp_path / "x.csv").exists()
    assert not PersonalDataAccess.objects.exists()
