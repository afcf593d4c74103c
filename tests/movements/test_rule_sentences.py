"""Every movement rule the database raises has its sentence in landreg/rules.py, and a refusal that reaches the
database past a service is worded by it (database_rules_explained)."""

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from landreg.rules import RULES, database_rules_explained
from movements.models import Arrival, ArrivalMember, HouseholdLocation

MOVEMENT_RULES = [
    "arrival_destination_in_afghanistan",
    "family_arrival_has_members",
    "avr_arrival_has_repatriation_form",
    "one_head_per_arrival",
    "flow_counts_not_negative",
    "flow_count_split_adds_up",
    "one_flow_count_per_key",
    "idp_site_inside_its_province",
    "site_estimate_not_negative",
    "one_estimate_per_site_and_round",
    "household_location_in_afghanistan",
    "location_status_names_its_place",
    "household_location_history_is_append_only",
    "return_evidence_recorded_once",
    "crossing_point_precision_positive",
]


@pytest.mark.parametrize("rule", MOVEMENT_RULES)
def test_each_movement_rule_has_a_sentence(rule):
    assert str(RULES[rule][1])


def test_a_change_to_the_history_past_the_service_is_refused_with_its_sentence(register):
    entry = HouseholdLocation.objects.get(household=register().household)
    entry.note = "rewritten"
    with pytest.raises(ValidationError) as refusal, transaction.atomic(), database_rules_explained():
        entry.save()
    assert refusal.value.messages[0].startswith("A household's location history is never changed or deleted")


def test_a_family_of_one_past_the_service_is_refused_with_its_sentence(points, provinces):
    from movements.services import _check_rules_now

    arrival = Arrival.objects.create(
        crossing_point=points["torkham"],
        crossed_at=timezone.now(),
        category="deported",
        country_of_asylum="PK",
        travelling="family",
        destination_province=provinces["nangarhar"],
    )
    ArrivalMember.objects.create(arrival=arrival, relationship="head", name="A", sex="m", age_band="18_59")
    with pytest.raises(ValidationError) as refusal, transaction.atomic():
        _check_rules_now()
    assert refusal.value.message_dict["members"][0].startswith("A family arrives with at least two members")
    ArrivalMember.objects.create(arrival=arrival, relationship="spouse", name="B", sex="f", age_band="18_59")
