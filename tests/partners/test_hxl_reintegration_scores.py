# ruff: noqa: F811  (the fixtures imported from other test modules are used by their names)
"""The published reintegration scores (partners/exports.py: reintegration_scores) as HXL CSV: means by township and
survey round and the share still on their plot at 12 months, small cells suppressed for everyone, refused without
an agreement naming the dataset and the province, logged; no household, person or answer in the file."""

import csv
import io

from landreg.models import PersonalDataAccess
from livelihoods.models import SurveyRound
from tests.livelihoods.conftest import agreement, bounded, media_in_tmp, reference_data  # noqa: F401
from tests.livelihoods.test_aggregates_and_admin import surveyed  # noqa: F401

EXPORT = "/api/v1/partner/exports/reintegration_scores.csv"


def table(client, user, province="AF06"):
    client.force_login(user)
    response = client.get(EXPORT, {"province": province})
    assert response.status_code == 200, response.content
    header, tags, *rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    return header, tags, [dict(zip(header, row, strict=True)) for row in rows]


def share(agreement):
    agreement.datasets = [*agreement.datasets, "reintegration_scores"]
    agreement.save()


def test_scores_by_township_and_round_with_the_share_on_plot_at_12_months(client, users, agreement, surveyed):
    share(agreement)
    header, tags, rows = table(client, users["partner"])
    assert header[:5] == ["province", "township", "township_name", "round", "households"]
    assert tags[header.index("score_composite")] == "#indicator+score+composite"
    assert [(r["round"], r["households"]) for r in rows] == [("baseline", "6"), ("m12", "6")]
    baseline, m12 = rows
    assert baseline["score_composite"] == "100.0" and float(m12["score_composite"]) < 100
    assert baseline["on_plot_share_12_months"] == "" and m12["on_plot_share_12_months"] == "66.7"  # 4 of 6
    assert PersonalDataAccess.objects.filter(action="export", where__contains="reintegration_scores").exists()


def test_a_small_cell_is_suppressed_whoever_exports(client, users, agreement, surveyed):
    share(agreement)
    for moved in SurveyRound.objects.filter(round="m12")[:2]:
        SurveyRound.objects.filter(pk=moved.pk).update(round="m6")  # two households in the 6-month round
    for user in (users["partner"], users["admin"]):
        _header, _tags, rows = table(client, user)
        by_round = {r["round"]: r for r in rows}
        assert by_round["m6"]["households"] == "<5"
        assert all(by_round["m6"][f"score_{f}"] == "" for f in ("economic", "social", "psychosocial", "composite"))
        assert by_round["m12"]["households"] == "<5" and by_round["m12"]["on_plot_share_12_months"] == ""


def test_refused_without_the_dataset_in_the_agreement_or_outside_its_provinces(client, users, agreement, surveyed):
    client.force_login(users["partner"])
    assert client.get(EXPORT, {"province": "AF06"}).status_code == 403  # the agreement does not name it
    share(agreement)
    assert client.get(EXPORT, {"province": "AF32"}).status_code == 403  # Herat: not covered
    client.force_login(users["officer_nangarhar"])
    assert client.get(EXPORT, {"province": "AF06"}).status_code == 403  # not a partner's door for officers
