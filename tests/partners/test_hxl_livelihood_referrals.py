# ruff: noqa: F811  (the fixtures imported from other test modules are used by their names)
"""The partners' livelihood referrals (partners/exports.py: livelihood_referrals) as HXL CSV: the referrals to the
partner's own opportunities in a province, pseudonymised (livelihoods.selectors.referrals_for_partner), the household
code only when the agreement shares codes; no name, no ID digit; refused without an agreement naming the dataset,
to other roles and to an administrator (the file is each partner's own); logged."""

import csv
import io

import pytest

from households.models import Person
from landreg.models import PersonalDataAccess
from landreg.sharing import pseudonym, pseudonym_key_of
from livelihoods import services
from tests.livelihoods.conftest import (  # noqa: F401  (fixtures)
    adult,
    agreement,
    bounded,
    media_in_tmp,
    post,
    profiled,
    provider,
    reference_data,
    referred_and_accepted,
)

EXPORT = "/api/v1/partner/exports/livelihood_referrals.csv"
STEPS = ["referred", "accepted", "enrolled", "completed", "dropped_out", "refused"]


@pytest.fixture
def named(referred_and_accepted):
    """The referred person, named and with the last digits of a tazkira and a PoR card on record, as officers keep
    them."""
    person = referred_and_accepted.person
    Person.objects.filter(pk=person.pk).update(
        name="Zarghona Qasemi", father_name="Abdul Wahid Qasemi", tazkira_last4="7391", por_last4="8264"
    )
    return referred_and_accepted


def download(client, user, province="AF06"):
    client.force_login(user)
    return client.get(EXPORT, {"province": province})


def table(response) -> tuple[list[str], list[str], list[list[str]]]:
    assert response.status_code == 200, response.content
    text = b"".join(response.streaming_content).decode()
    header, tags, *rows = list(csv.reader(io.StringIO(text)))
    return header, tags, rows


def share(agreement, *fields):
    agreement.datasets = [*agreement.datasets, "livelihood_referrals"]
    agreement.household_fields = list(fields)
    agreement.save()


def test_the_referrals_of_the_partners_opportunities_pseudonymised(client, users, agreement, named):
    share(agreement)
    header, tags, rows = table(download(client, users["partner"]))
    assert header == ["referral", "opportunity", "province", "sex", "age_band", "status"] + [f"{s}_on" for s in STEPS]
    assert tags[:3] == ["#activity+referral+id", "#activity+id", "#adm1+code"]
    assert "#date+accepted" in tags
    [row] = rows
    record = dict(zip(header, row, strict=True))
    assert record["referral"] == str(named.pk) and record["opportunity"] == str(named.opportunity_id)
    assert record["province"] == "AF06" and record["sex"] == "m" and record["age_band"] == "25-59"
    assert record["status"] == "accepted" and record["referred_on"] and record["accepted_on"]
    assert record["enrolled_on"] == ""


def test_the_household_code_only_when_the_agreement_shares_codes(client, users, agreement, named):
    share(agreement, "code", "province")
    header, tags, rows = table(download(client, users["partner"]))
    assert "household" in header and tags[header.index("household")] == "#beneficiary+code"
    code = rows[0][header.index("household")]
    assert code == pseudonym(pseudonym_key_of(agreement), named.person.household_id)
    assert code != named.person.household.code  # never the code printed on letters


def test_no_name_and_no_id_digit(client, users, agreement, named):
    share(agreement, "code")
    text = b"".join(download(client, users["partner"]).streaming_content).decode()
    household = named.person.household
    for secret in (
        "Zarghona",
        "Qasemi",
        "Abdul Wahid",
        "7391",
        "8264",
        "Carpentry",  # the opportunity's title: free text
        household.code,
        *household.members.values_list("name", flat=True),
    ):
        assert secret not in text


def test_only_the_province_asked_for(client, users, agreement, named, provinces):
    share(agreement)
    agreement.provinces.add(provinces["herat"])
    header, _tags, rows = table(download(client, users["partner"], province="AF32"))
    assert rows == []


def test_refused_without_an_agreement_naming_the_dataset_to_other_roles_and_to_administrators(
    client, users, agreement, named
):
    refused = download(client, users["partner"])  # the agreement shares the township summary only
    assert refused.status_code == 403 and "does not include Livelihood referrals" in refused.json()["detail"]
    refused = download(client, users["officer_nangarhar"])
    assert refused.status_code == 403 and "your role has its own exports" in refused.json()["detail"]
    refused = download(client, users["admin"])
    assert refused.status_code == 403 and "each partner's own" in refused.json()["detail"]
    assert not PersonalDataAccess.objects.filter(action="export").exists()


def test_a_dropped_referral_keeps_its_dates_and_every_download_is_logged(client, users, agreement, named):
    share(agreement)
    services.referral_step(referral=named, to_status="dropped_out", by=users["partner"], reason="moved away")
    header, _tags, rows = table(download(client, users["partner"]))
    record = dict(zip(header, rows[0], strict=True))
    assert record["status"] == "dropped_out" and record["dropped_out_on"] and "moved away" not in ",".join(rows[0])
    [log] = PersonalDataAccess.objects.filter(action="export")
    assert log.user == users["partner"] and log.what == "livelihoods.Referral" and log.object_ids == [named.pk]
    assert f"livelihood_referrals agreement {agreement.reference}" in log.where
