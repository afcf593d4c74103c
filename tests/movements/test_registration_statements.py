"""A border registration is the border teams' busiest path (docs/movements.md: 17,000 people in a day at one point,
300 ms at the 95th percentile against a million households): the statements it sends are counted here, through the
service and over HTTP, so that a change which reads back what it has just written, or looks a record up twice, shows
as a failing test rather than as a slower border. The counts are what a registration needs today (bench/
movements_api.py measures the time)."""

import datetime
import json
import uuid

from django.test import Client
from django.utils import timezone

from households.models import DuplicateFlag
from movements.models import Arrival, HouseholdLocation

from .conftest import family

# The statements of one registration, in a test's transaction (its savepoints are statements too), by an officer
# whose roles are not looked up yet: the arrival and its members, the family rule judged now, the ID-number check,
# the household and its members (its code unique, its check constraint), the duplicate checks, the link with its
# evidence and first location. Before they were trimmed: 48 (54 over HTTP).
REGISTRATION = 30
# A head like registered ones (the officer's roles known by then): the flags, the ones already asked the other way
# round, the access log of the comparison.
WITH_FLAGS = 30
# Over HTTP (no test transaction around it): the crossing point and the province looked up by their codes, the
# login's session and user.
OVER_HTTP = 33


def test_a_registration_sends_no_more_statements_than_it_needs(register, django_assert_max_num_queries):
    members = family("Sher Agha Safi", "Bibi Gul", "Zarmina", tazkira="1400-0101-23456")
    with django_assert_max_num_queries(REGISTRATION):
        arrival = register(members=members)
    assert arrival.recorded_now and arrival.household is not None
    assert HouseholdLocation.objects.filter(arrival=arrival).count() == 1


def test_a_registration_that_flags_similar_heads_sends_only_the_flags_more(register, django_assert_max_num_queries):
    for n in range(3):
        register(members=family("Sher Agha Safi", f"Wife {n}"))
    with django_assert_max_num_queries(WITH_FLAGS):
        arrival = register(members=family("Sher Agha Safi", "Bibi Gul"))
    assert DuplicateFlag.objects.filter(household=arrival.household).count() == 3


def test_the_same_arrival_sent_again_is_one_look_up(register, django_assert_max_num_queries):
    key = uuid.uuid4()
    first = register(client_uuid=key)
    with django_assert_max_num_queries(3):  # the arrival by its client_uuid, in a savepoint
        again = register(client_uuid=key)
    assert again.pk == first.pk and not again.recorded_now
    assert Arrival.objects.count() == 1


def test_a_registration_over_http_sends_no_more_statements_than_the_service_and_its_look_ups(
    points, field_officer, django_assert_max_num_queries
):
    client = Client()
    client.force_login(field_officer)
    body = {
        "client_uuid": str(uuid.uuid4()),
        "crossing_point": "torkham",
        "crossed_at": (timezone.now() - datetime.timedelta(hours=1)).isoformat(),
        "category": "deported",
        "country_of_asylum": "PK",
        "travelling": "family",
        "destination_province": "AF06",
        "members": family("Wali Khan", "Bibi Gul", "Zarmina", tazkira="1400-0101-65432"),
    }
    with django_assert_max_num_queries(OVER_HTTP):
        answer = client.post("/api/v1/movements/arrivals/", json.dumps(body), content_type="application/json")
    assert answer.status_code == 201, answer.content
    assert answer.json()["members"] == 3 and answer.json()["created"] is True
    again = client.post("/api/v1/movements/arrivals/", json.dumps(body), content_type="application/json")
    assert again.status_code == 200 and again.json()["created"] is False and again.json()["members"] == 3
