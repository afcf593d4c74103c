# ruff: noqa: F811  (the fixtures imported from other test modules are used by their names)
"""Nothing published — OGC API features, vector tiles, TileJSON, partner files — carries a household's name, code or
ID number: not for plots allocated to named households, nor for the crossing points, IDP sites and livelihood
opportunities, whose figures come from named arrivals and referrals."""

import csv
import datetime
import io
import json

import pytest
from django.core.cache import cache

from allocations.services import allocation_propose
from grievances.models import Grievance
from grievances.selectors import AGE_BANDS
from tests.api.test_tiles import decode, township_tile_url
from tests.livelihoods.conftest import adult, agreement, bounded, post, profiled, provider  # noqa: F401  (fixtures)
from tests.movements.conftest import points, register  # noqa: F401  (fixtures)

SECRETS = ["Zarghona Qasemi", "Abdul Wahid Qasemi", "1400-9999-77777", "77777", "PoR5550001"]


@pytest.fixture
def allocated(plots, make_household, users):
    household = make_household(
        head={
            "name": "Zarghona Qasemi",
            "father_name": "Abdul Wahid Qasemi",
            "sex": "f",
            "tazkira": "1400-9999-77777",
            "por": "PoR5550001",
        }
    )
    allocation_propose(household=household, plot=plots[0], proposed_by=users["officer_nangarhar"])
    cache.clear()
    return household


def assert_clean(text: str, household):
    for secret in [*SECRETS, household.code]:
        assert secret not in text, f"{secret!r} was published"


def test_ogc_api_features_publish_no_personal_data(client, users, allocated):
    client.force_login(users["admin"])  # even an administrator gets no personal data from the layers
    for name in ("townships", "blocks", "plots", "facilities", "provinces"):
        page = client.get(f"/ogc/collections/{name}/items?limit=1000")
        assert page.status_code == 200
        assert_clean(page.content.decode(), allocated)
        for item in page.json()["features"][:5]:
            assert_clean(client.get(f"/ogc/collections/{name}/items/{item['id']}").content.decode(), allocated)
    assert_clean(client.get("/ogc/collections").content.decode(), allocated)


def test_vector_tiles_and_tilejson_publish_no_personal_data(client, users, allocated, frame):
    client.force_login(users["admin"])
    tiles = [(layer, 16, (30, 12)) for layer in ("townships", "blocks", "plots", "facilities")]
    tiles += [("provinces", 10, (30, 12)), ("township-points", 10, (250, 150)), ("township-points", 5, (250, 150))]
    for layer, z, at in tiles:
        response = client.get(township_tile_url(frame, layer=layer, z=z, at=at))
        if response.status_code == 200:
            assert_clean(json.dumps(decode(response), default=str), allocated)
        assert_clean(client.get(f"/tiles/{layer}.json").content.decode(), allocated)
    # The township's point counts the allocated plot (by status), and says nothing of who holds it.
    point = decode(client.get(township_tile_url(frame, layer="township-points", z=10, at=(250, 150))))
    assert point["township-points"]["features"][0]["properties"]["reserved"] == 1


DESCRIPTION = "Zarghona Qasemi says the wall of Abdul Wahid Qasemi takes 20 m2 of her plot"


@pytest.fixture
def complained(allocated, users, provinces, plots):
    """Complaints by the named household: one about its plot, one sensitive, with names and ID numbers in the text."""
    from grievances.services import grievance_receive

    officer = users["officer_nangarhar"]
    return [
        grievance_receive(
            by=officer,
            channel="office",
            category=category,
            description=f"{DESCRIPTION}; tazkira 1400-9999-77777, PoR5550001",
            province=provinces["nangarhar"],
            plot=plots[0],
            household=allocated,
        )
        for category in ("land_dispute", "staff_conduct")
    ]


def test_the_grievance_summary_publishes_no_name_id_digit_or_description(client, users, provinces, complained):
    from tests.landreg.test_data_sharing import agreement_create

    agreement_create(users=[users["partner"]], provinces=[provinces["nangarhar"]], datasets=["grievance_summary"])
    household = complained[0].household
    for user in (users["partner"], users["admin"]):
        client.force_login(user)
        response = client.get("/api/v1/partner/exports/grievance_summary.csv", {"province": "AF06"})
        assert response.status_code == 200
        text = b"".join(response.streaming_content).decode()
        assert_clean(text, household)
        assert "wall" not in text and "m2" not in text  # nothing of the description
        for grievance in complained:
            assert grievance.reference not in text
        # Every cell is a code from a closed list or a count: there is nowhere for a name or a digit of an ID.
        for province, township, category, status, band, count in list(csv.reader(io.StringIO(text)))[2:]:
            assert (province, township) in {("AF06", ""), ("AF06", "NAN-TEST")}
            assert category in Grievance.Category.values and status in Grievance.Status.values
            assert band in [key for key, *_rest in AGE_BANDS]
            assert count == "<5" or (count.isdigit() and int(count) >= 5)


def test_the_public_status_page_publishes_nothing_personal(client, complained):
    from django.core.cache import cache

    cache.clear()
    for grievance in complained:
        page = client.post("/complaint-status/", {"reference": grievance.reference}).content.decode()
        assert 'id="status-answer"' in page
        assert_clean(page, grievance.household)
        assert "wall" not in page and "Conduct of staff" not in page


# --- the published layers of returns, displacement and livelihoods --------------------------------------------------

MOVING = ["Sher Agha Safi", "Bibi Gul", "Abdul Wahid", "1400-8888-12345", "12345", "Haji Karim", "Ustad Nasrullah"]


@pytest.fixture
def livelihood_reference(db):
    from livelihoods.models import IscoOccupation, IsicActivity, MatchingProgramme
    from livelihoods.reference import load_isco, load_isic, seed_default_programme

    if not IscoOccupation.objects.exists():
        load_isco(IscoOccupation)
        load_isic(IsicActivity)
    seed_default_programme(MatchingProgramme)


@pytest.fixture
def moved(register, points, users, provinces, livelihood_reference, post, profiled):
    """Named people with ID numbers everywhere the new layers read from: arrivals at Torkham last week (a family
    whose head has a tazkira), an IDP site named after a person, an opportunity whose title names its trainer, and
    a referral of a named person to it, accepted (a place filled)."""
    from django.utils import timezone

    from households.models import Person
    from livelihoods import services as livelihood_services
    from movements.figures import figures_refresh
    from movements.services import idp_site_create, site_estimate_record
    from partners.published import last_periods
    from tests.movements.conftest import family

    sunday = last_periods()["week"] + datetime.timedelta(days=1)
    crossed = datetime.datetime.combine(sunday, datetime.time(8), tzinfo=datetime.UTC)
    for _ in range(3):
        register(crossed_at=crossed, members=family("Sher Agha Safi", "Bibi Gul", "Zarmina", tazkira=None))
    register(crossed_at=crossed, members=family("Abdul Wahid", "Bibi Gul", tazkira="1400-8888-12345"))
    figures_refresh()
    officer = users["officer_nangarhar"]
    site = idp_site_create(
        code="haji-karim-12345", province=provinces["nangarhar"], by=officer, name="Haji Karim's land", kind="camp",
        geom="SRID=4326;POINT(70.41 34.41)",
    )  # fmt: skip
    site_estimate_record(
        site=site, round="R1", assessed_on=timezone.localdate(), method="headcount", by=officer, arrival_idps=300,
        returned_idps=2,
    )  # fmt: skip
    opportunity = post(title="Carpentry with Ustad Nasrullah", description="Call Haji Karim on 0700 123 456")
    person = profiled()
    Person.objects.filter(pk=person.pk).update(name="Sher Agha Safi", father_name="Abdul Wahid")
    referral = livelihood_services.referral_suggest(opportunity=opportunity, person=person, by=officer)
    referral = livelihood_services.referral_step(referral=referral, to_status="referred", by=officer)
    livelihood_services.referral_step(referral=referral, to_status="accepted", by=users["partner"])
    cache.clear()
    return {"site": site, "opportunity": opportunity}


def assert_nothing_of_them(text: str):
    for secret in MOVING:
        assert secret not in text, f"{secret!r} was published"


NEW_LAYERS = ("crossing-points", "idp-sites", "opportunities")


def test_the_new_collections_publish_no_name_and_no_id_digit(client, users, moved):
    client.force_login(users["admin"])
    for name in NEW_LAYERS:
        page = client.get(f"/ogc/collections/{name}/items?limit=1000")
        assert page.status_code == 200 and page.json()["features"], name
        assert_nothing_of_them(page.content.decode())
        for item in page.json()["features"]:
            assert_nothing_of_them(client.get(f"/ogc/collections/{name}/items/{item['id']}").content.decode())
            # Every value is a code from a closed list, a p-code, a date, a count or an amount: no free text.
            for key, value in item["properties"].items():
                if isinstance(value, str) and key not in ("name", "name_prs", "name_ps", "provider"):
                    assert len(value) <= 24 and " " not in value, (name, key, value)
        assert_nothing_of_them(client.get(f"/ogc/collections/{name}").content.decode())
        assert_nothing_of_them(client.get(f"/ogc/collections/{name}/queryables").content.decode())


def test_the_new_tiles_publish_no_name_and_no_id_digit(client, users, moved):
    from tests.api.test_tiles import tile_of, url

    client.force_login(users["admin"])
    lon, lat = moved["opportunity"].point.coords
    for layer, (x, y), z in (
        ("crossing-points", (71.093, 34.102), 8),
        ("idp-sites", (70.41, 34.41), 12),
        ("opportunities", (lon, lat), 14),
    ):
        response = client.get(url(layer, z, *tile_of(x, y, z)))
        assert response.status_code == 200, layer
        features = decode(response)[layer]["features"]
        assert features
        assert_nothing_of_them(json.dumps(features, default=str))
        assert_nothing_of_them(client.get(f"/tiles/{layer}.json").content.decode())


def test_the_new_partner_files_publish_no_name_and_no_id_digit(client, users, provinces, moved):
    from livelihoods.models import Provider

    agreement = Provider.objects.get(name="Skills Partner NGO").agreement
    agreement.datasets = ["movement_figures", "livelihood_referrals", "livelihood_opportunities"]
    agreement.household_fields = ["code"]
    agreement.save()
    client.force_login(users["partner"])
    for dataset in ("movement_figures", "livelihood_referrals"):
        response = client.get(f"/api/v1/partner/exports/{dataset}.csv", {"province": "AF06"})
        assert response.status_code == 200, response.content
        text = b"".join(response.streaming_content).decode()
        assert len(text.splitlines()) > 2, dataset
        assert_nothing_of_them(text)
        if dataset == "movement_figures":
            for row in list(csv.reader(io.StringIO(text)))[2:]:
                for cell in row[9:]:  # the counts: "<5", a blank split, or 5 and over
                    assert cell in ("", "<5", "0") or int(cell) >= 5, row
