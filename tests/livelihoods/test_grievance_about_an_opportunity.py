"""A grievance about a livelihood opportunity (an unpaid cash-for-work week, a provider's conduct): recorded through
the grievances' service, the officers' page and the REST API, within the officer's provinces."""

import pytest
from django.core.exceptions import ValidationError

from grievances.models import Grievance
from grievances.services import grievance_receive


def test_a_grievance_names_the_opportunity_it_is_about(post, users):
    opportunity = post(kind="cash_for_work", title="Canal cleaning", daily_wage=500, days_offered=20)
    g = grievance_receive(
        by=users["officer_nangarhar"],
        channel="office",
        category="other",
        description="Two weeks of canal cleaning were not paid.",
        opportunity=opportunity,
    )
    assert g.opportunity == opportunity and g.province == opportunity.province
    assert list(opportunity.grievances.all()) == [g]


def test_an_opportunity_of_another_province_is_refused_with_a_sentence(post, users, provinces):
    opportunity = post()
    with pytest.raises(ValidationError) as refusal:
        grievance_receive(
            by=users["officer_herat"],
            channel="office",
            category="other",
            description="x",
            province=provinces["herat"],
            opportunity=opportunity,
        )
    assert refusal.value.error_dict["opportunity"][0].code == "other_province"
    assert not Grievance.objects.exists()


def test_the_page_and_the_api_take_the_opportunity_in_scope_only(client, post, users):
    opportunity = post(title="Tailoring course")
    client.force_login(users["officer_nangarhar"])
    page = client.get("/grievances/new/")
    assert "Tailoring course" in page.content.decode()
    answer = client.post(
        "/api/v1/grievances/",
        {"channel": "office", "category": "other", "description": "Refused a place.", "opportunity": opportunity.pk},
        content_type="application/json",
    )
    assert answer.status_code == 201 and answer.json()["opportunity"] == opportunity.pk
    shown = client.get(f"/grievances/{answer.json()['reference']}/").content.decode()
    assert "Tailoring course" in shown

    client.force_login(users["officer_herat"])
    assert "Tailoring course" not in client.get("/grievances/new/").content.decode()
    refused = client.post(
        "/api/v1/grievances/",
        {
            "channel": "office",
            "category": "other",
            "description": "x",
            "province": "AF32",
            "opportunity": opportunity.pk,
        },
        content_type="application/json",
    )
    assert refused.status_code == 400 and "opportunity" in refused.json()["errors"]
