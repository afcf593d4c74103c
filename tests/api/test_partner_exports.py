"""Partner exports over HTTP: HXL-tagged CSV under a data-sharing agreement, refusals as 403 sentences, every
export logged; and township files refused to a partner without an agreement covering layouts."""

import csv
import io
import json
import re

import pytest
from django.core.management import call_command

from allocations.services import allocation_propose, allocation_transition
from landreg.models import PersonalDataAccess
from landreg.sharing import pseudonym, pseudonym_key_of
from shelters.services import shelter_project_create
from tests.landreg.test_data_sharing import END, agreement_create
from tests.webmap.test_partner_pages import herat_township

TAZKIRA = "1400-9999-48213"
HEAD = "Zarghona Qasemi"
FATHER = "Abdul Wahid Qasemi"
POR = "PoR5557342"


@pytest.fixture
def registered(plots, make_household, users):
    """Seven eligible households in Nangarhar (one with a named head and a tazkira number), one proposed for plot
    0; one household in Herat."""
    named = make_household(head={"name": HEAD, "father_name": FATHER, "sex": "f", "tazkira": TAZKIRA, "por": POR})
    others = [make_household() for _ in range(6)]
    make_household(province="herat")
    allocation_propose(household=named, plot=plots[0], proposed_by=users["officer_nangarhar"])
    return [named, *others]


@pytest.fixture
def signed(users, provinces):
    return agreement_create(users=[users["partner"]], provinces=[provinces["nangarhar"]])


def export(client, user, dataset, province="AF06"):
    client.force_login(user)
    return client.get(f"/api/v1/partner/exports/{dataset}.csv", {"province": province})


def table(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def refused(response) -> str:
    assert response.status_code == 403, response.content
    return response.json()["detail"]


def test_a_partner_without_an_agreement_is_refused_with_a_sentence(client, users, registered):
    message = refused(export(client, users["partner"], "household_records"))
    assert "not covered by any data-sharing agreement" in message
    assert not PersonalDataAccess.objects.filter(action="export").exists()


def test_an_expired_agreement_is_refused(client, users, provinces, registered):
    agreement_create(
        users=[users["partner"]],
        provinces=[provinces["nangarhar"]],
        valid_from=END.replace(year=END.year - 5),
        valid_until=END.replace(year=END.year - 3),
    )
    assert "ended on" in refused(export(client, users["partner"], "township_summary"))


def test_a_province_outside_the_agreement_is_refused(client, users, registered, signed):
    assert "does not cover Herat (AF32)" in refused(export(client, users["partner"], "household_records", "AF32"))


def test_a_dataset_outside_the_agreement_is_refused(client, users, provinces, registered):
    agreement_create(users=[users["partner"]], provinces=[provinces["nangarhar"]], datasets=["township_summary"])
    assert "does not include Household records" in refused(export(client, users["partner"], "household_records"))


def test_household_records_hold_only_the_agreed_fields_and_no_names_or_id_numbers(client, users, registered, signed):
    response = export(client, users["partner"], "household_records")
    assert response.status_code == 200
    assert re.match(
        r'attachment; filename="landreg-household_records-AF06-[\d-]+\.csv"', response["Content-Disposition"]
    )
    assert response["Content-Type"].startswith("text/csv")
    rows = table(response)
    assert rows[0] == ["code", "province", "category", "size", "status", "allocation_status", "township"]
    assert rows[1] == [
        "#beneficiary+code",
        "#adm1+code",
        "#group+code",
        "#population+ind+num",
        "#status+household",
        "#status+allocation",
        "#loc+code",
    ]
    records = {row[0]: row for row in rows[2:]}
    assert len(records) == 7  # Nangarhar only: the Herat household is outside the agreement's request
    code = pseudonym(pseudonym_key_of(signed), registered[0].pk)  # the printed code is not what partners get
    assert records[code] == [
        code,
        "AF06",
        "documented_returnee",
        "6",
        "eligible",
        "proposed",
        "NAN-TEST",
    ]
    text = "\n".join(",".join(row) for row in rows)
    for secret in (HEAD, FATHER, TAZKIRA, TAZKIRA[-4:], POR, POR[-4:], *(h.code for h in registered)):
        assert secret not in text, f"{secret!r} was exported"


def test_every_partner_export_is_logged_with_its_agreement(client, users, registered, signed):
    table(export(client, users["partner"], "household_records"))
    table(export(client, users["partner"], "township_summary"))
    records, summary = PersonalDataAccess.objects.filter(action="export").order_by("at", "pk")
    assert records.user == users["partner"] and summary.user == users["partner"]
    assert (records.what, sorted(records.object_ids)) == ("households.Household", sorted(h.pk for h in registered))
    assert summary.what == "townships.Township"
    for log in (records, summary):
        assert f"agreement {signed.reference} (#{signed.pk})" in log.where
        assert "/api/v1/partner/exports/" in log.where


def test_the_township_summary_suppresses_household_counts_under_five(client, users, registered, signed, township):
    response = export(client, users["partner"], "township_summary")
    assert response.status_code == 200
    names, hashtags, *rows = table(response)
    assert hashtags[:3] == ["#adm1+code", "#loc+code", "#loc+name"]
    assert all(tag.startswith("#") for tag in hashtags)
    row = dict(zip(names, rows[0], strict=True))
    assert (row["province"], row["township"]) == ("AF06", township.code)
    assert row["plots_available"] == "2"  # land, not people: each plot's status is on the public map anyway
    assert row["plots_reserved"] == "1"
    assert row["allocations_proposed"] == "<5"  # one household
    assert row["allocations_approved"] == "0"
    assert row["households_waiting_in_province"] == "6"  # six eligible without an allocation: shown
    assert row["shelters_not_started"] == "0"


def test_land_officers_and_other_roles_may_not_take_partner_exports(client, users, registered, signed):
    for name in ("officer_nangarhar", "committee", "gis"):
        assert "for partners and administrators" in refused(export(client, users[name], "township_summary"))


def test_an_administrator_sees_what_partners_can_be_given_without_an_agreement(client, users, registered):
    response = export(client, users["admin"], "household_records")
    assert response.status_code == 200
    names = table(response)[0]
    assert names == [
        "code",
        "province",
        "district",
        "category",
        "size",
        "status",
        "allocation_status",
        "township",
        "shelter_stage",
    ]
    assert "administrator, no agreement" in PersonalDataAccess.objects.get(action="export").where


def test_a_missing_or_unknown_province_or_dataset_is_a_400_sentence(client, users, signed):
    client.force_login(users["partner"])
    missing = client.get("/api/v1/partner/exports/household_records.csv")
    assert missing.status_code == 400 and "?province=AF06" in missing.json()["detail"]
    assert (
        "no province with the p-code" in export(client, users["partner"], "township_summary", "AF99").json()["detail"]
    )
    unknown = export(client, users["partner"], "people")
    assert unknown.status_code == 400 and "There is no dataset 'people'" in unknown.json()["detail"]


def test_a_client_asking_for_csv_still_gets_the_refusal_as_a_sentence(client, users, registered):
    client.force_login(users["partner"])
    response = client.get(
        "/api/v1/partner/exports/township_summary.csv", {"province": "AF06"}, headers={"accept": "text/csv"}
    )
    assert "not covered by any data-sharing agreement" in refused(response)


def test_the_openapi_schema_stays_valid():
    call_command("spectacular", "--validate", "--fail-on-warn")


@pytest.mark.django_db(transaction=True)
def test_township_files_need_an_agreement_covering_layouts_for_a_partner(client, users, provinces, plots):
    url = "/api/v1/exports/townships/NAN-TEST.geojson"
    client.force_login(users["partner"])
    assert "not covered by any data-sharing agreement" in refused(client.get(url))
    agreement = agreement_create(
        users=[users["partner"]], provinces=[provinces["nangarhar"]], datasets=["township_summary"]
    )
    assert "does not include Township layout files" in refused(client.get(url))
    agreement.datasets = ["township_layout"]
    agreement.save()
    response = client.get(url)
    assert response.status_code == 200
    assert b'"number"' in b"".join(response.streaming_content)
    log = PersonalDataAccess.objects.get(action="export")
    assert f"agreement {agreement.reference}" in log.where


@pytest.mark.django_db(transaction=True)
def test_township_files_are_unchanged_for_land_officers(client, users, plots):
    client.force_login(users["officer_nangarhar"])
    response = client.get("/api/v1/exports/townships/NAN-TEST.geojson")
    assert response.status_code == 200


@pytest.mark.django_db(transaction=True)
def test_household_records_stream_outside_a_transaction_as_in_production(client, users, registered, signed):
    response = export(client, users["partner"], "household_records")
    assert response.status_code == 200 and response.streaming
    assert len(table(response)) == 2 + 7


def test_the_township_summary_counts_shelters_by_stage_suppressed(client, users, registered, signed, plots):
    allocation = allocation_propose(household=registered[1], plot=plots[1], proposed_by=users["officer_nangarhar"])
    allocation = allocation_transition(allocation=allocation, action="approve", by=users["committee"], reference="C-1")
    shelter_project_create(
        allocation=allocation, implementing_partner="NGO", modality="in_kind", by=users["officer_nangarhar"]
    )
    names, _hashtags, row = table(export(client, users["partner"], "township_summary"))
    row = dict(zip(names, row, strict=True))
    assert (row["shelters_not_started"], row["shelters_roof"], row["allocations_approved"]) == ("<5", "0", "<5")


def test_a_partner_reads_published_layers_only_where_an_agreement_shares_them(client, users, provinces, plots):
    """OGC API and WFS hand out whole layers: for a partner they follow the agreement like the file exports."""
    client.force_login(users["partner"])
    assert client.get("/ogc/collections/plots/items").json()["numberReturned"] == 0
    wfs = "/wfs/?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=plots&OUTPUTFORMAT=geojson"

    def wfs_features():
        return json.loads(b"".join(client.get(wfs).streaming_content))["features"]

    assert wfs_features() == []
    agreement_create(users=[users["partner"]], provinces=[provinces["herat"]])  # not where the plots are
    assert client.get("/ogc/collections/plots/items").json()["numberReturned"] == 0
    agreement_create(users=[users["partner"]], provinces=[provinces["nangarhar"]], reference="DSA-2026-002")
    assert client.get("/ogc/collections/plots/items").json()["numberReturned"] == len(plots)
    assert len(wfs_features()) == len(plots)
    client.force_login(users["gis"])  # other roles follow their own scope, as before
    assert client.get("/ogc/collections/plots/items").json()["numberReturned"] == len(plots)


def test_a_partner_asking_township_files_outside_the_agreement_is_told_what_to_ask_for(
    client, users, provinces, plots, signed
):
    herat = herat_township(provinces)
    client.force_login(users["partner"])
    message = refused(client.get(f"/api/v1/exports/townships/{herat.code}.geojson"))
    assert "Nangarhar (AF06) only" in message and "Ask the landreg administrator" in message
    assert "Herat" not in message
    # A code that does not exist gets the same sentence: the answer says nothing of other provinces.
    assert refused(client.get("/api/v1/exports/townships/NO-SUCH.geojson")) == message
