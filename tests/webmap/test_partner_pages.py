"""Partners follow their data-sharing agreement on every page: the map and its API, the township dashboards and
the shelter reports. Without a current agreement sharing a province they are refused with a sentence saying what
to ask for; with one they see only the provinces shared; the shelter report suppresses counts under 5."""

import json
import re

import pytest
from django.contrib.gis.geos import MultiPolygon

from allocations.services import allocation_propose, allocation_transition
from shelters.services import shelter_project_create
from tests.conftest import UtmFrame
from tests.landreg.test_data_sharing import agreement_create
from townships import services as township_services

NO_AGREEMENT = "not covered by any data-sharing agreement"
ASK = "Ask the landreg administrator"


def herat_township(provinces):
    """A township in Herat with one plot: outside the partner's agreement for Nangarhar."""
    frame = UtmFrame(62.2, 34.35, 32641)
    township = township_services.township_create(
        code="HER-TEST",
        name="Herat test township",
        province=provinces["herat"],
        legal_basis="decree_305_2018",
        geom=MultiPolygon(frame.rect(0, 0, 300, 300)),
    )
    township.plot = township_services.plot_create(
        township=township, number="7", geom=frame.rect(10, 10, 20, 25), status="available"
    )
    return township


@pytest.fixture
def herat(provinces):
    return herat_township(provinces)


@pytest.fixture
def both(township, plots, herat):
    township.plot = plots[0]
    return {"nangarhar": township, "herat": herat}


def pages(both) -> list[tuple[str, str]]:
    """(method, path) of every page and map endpoint a partner could open, for the Nangarhar township."""
    nangarhar = both["nangarhar"]
    return [
        ("get", "/"),
        ("get", "/dashboard/"),
        ("get", f"/townships/{nangarhar.code}/dashboard/"),
        ("get", "/field/reports/"),
        ("get", f"/field/reports/{nangarhar.pk}/"),
        ("get", f"/api/v1/map/plots/{nangarhar.plot.pk}/"),
        ("post", "/api/v1/map/search/"),
        ("get", "/api/v1/map/versions/"),
    ]


def open_page(client, method, path):
    if method == "post":
        return client.post(path, {"q": "test"}, content_type="application/json")
    return client.get(path)


def refusal(response) -> str:
    """The sentence of a 403: the JSON detail of an API endpoint, the refusal paragraph of a page."""
    assert response.status_code == 403, (response.status_code, response.content[:300])
    if response["Content-Type"].startswith("application/json"):
        return response.json()["detail"]
    return re.search(r'<p class="refusal">(.*?)</p>', response.content.decode(), re.S).group(1)


def test_a_partner_without_an_agreement_is_refused_every_page_with_a_sentence(client, users, both):
    client.force_login(users["partner"])
    for method, path in pages(both):
        message = refusal(open_page(client, method, path))
        assert NO_AGREEMENT in message and ASK in message, path
        assert "Test township" not in message and "Herat" not in message, path


def test_an_agreement_without_the_summaries_refuses_the_dashboard_and_reports(client, users, provinces, both):
    agreement_create(
        users=[users["partner"]], provinces=[provinces["nangarhar"]], datasets=["household_records", "township_layout"]
    )
    client.force_login(users["partner"])
    for path in ("/dashboard/", "/townships/NAN-TEST/dashboard/", "/field/reports/"):
        assert "does not include Township summary" in refusal(client.get(path)), path
    assert client.get("/").status_code == 200  # the map needs the layout only, which is shared


def test_an_expired_agreement_is_refused(client, users, provinces, both):
    from tests.landreg.test_data_sharing import END

    agreement_create(
        users=[users["partner"]],
        provinces=[provinces["nangarhar"]],
        valid_from=END.replace(year=END.year - 5),
        valid_until=END.replace(year=END.year - 3),
    )
    client.force_login(users["partner"])
    for method, path in pages(both):
        assert "ended on" in refusal(open_page(client, method, path)), path


@pytest.fixture
def signed_for_nangarhar(users, provinces):
    return agreement_create(users=[users["partner"]], provinces=[provinces["nangarhar"]])


def config_of(response) -> dict:
    page = response.content.decode()
    found = re.search(r'<script id="map-config" type="application/json">(.*?)</script>', page, re.S)
    return json.loads(found.group(1))


def test_with_an_agreement_for_nangarhar_the_partner_sees_nangarhar_only(client, users, both, signed_for_nangarhar):
    client.force_login(users["partner"])
    for method, path in pages(both):
        assert open_page(client, method, path).status_code in (200, 302), path
    config = config_of(client.get("/"))
    assert [t["code"] for t in config["townships"]] == ["NAN-TEST"] and "HER-TEST" not in json.dumps(config)
    assert client.get("/dashboard/")["Location"] == "/townships/NAN-TEST/dashboard/"
    page = client.get("/townships/NAN-TEST/dashboard/").content.decode()
    assert "HER-TEST" not in page
    reports = client.get("/field/reports/").content.decode()
    assert "NAN-TEST" in reports and "HER-TEST" not in reports
    hits = client.post("/api/v1/map/search/", {"q": "test"}, content_type="application/json").json()["results"]
    assert [h["code"] for h in hits if h["type"] == "township"] == ["NAN-TEST"]
    hits = client.post("/api/v1/map/search/", {"q": "7"}, content_type="application/json").json()["results"]
    assert hits == []  # Herat's plot 7 is not found


def test_with_an_agreement_for_nangarhar_the_partner_is_refused_herat(client, users, both, signed_for_nangarhar):
    herat = both["herat"]
    client.force_login(users["partner"])
    asked = [
        f"/townships/{herat.code}/dashboard/",
        f"/field/reports/{herat.pk}/",
        f"/api/v1/map/plots/{herat.plot.pk}/",
        f"/api/v1/field/townships/{herat.pk}/report/",
    ]
    for path in asked:
        message = refusal(client.get(path))
        assert "Nangarhar (AF06) only" in message and ASK in message, path
        assert "Herat" not in message and herat.code not in message, path
    # A township or plot that does not exist gets the same sentence: the answer says nothing of other provinces.
    assert refusal(client.get("/townships/NO-SUCH/dashboard/")) == refusal(client.get(asked[0]))
    assert refusal(client.get("/api/v1/map/plots/999999/")) == refusal(client.get(asked[2]))


@pytest.fixture
def three_shelters(plots, make_household, users):
    """Three shelter projects in the Nangarhar township, none started: a count of 3."""
    for plot in plots:
        household = make_household(registered_by=users["officer_nangarhar"])
        allocation = allocation_propose(household=household, plot=plot, proposed_by=users["officer_nangarhar"])
        allocation = allocation_transition(
            allocation=allocation, action="approve", by=users["committee"], reference="CMT-1"
        )
        shelter_project_create(
            allocation=allocation, implementing_partner="NGO", modality="in_kind", by=users["officer_nangarhar"]
        )


def test_the_shelter_report_suppresses_a_count_of_3_for_a_partner(
    client, users, township, three_shelters, signed_for_nangarhar
):
    client.force_login(users["partner"])
    response = client.get(f"/field/reports/{township.pk}/")
    assert response.status_code == 200
    report = response.context["report"]
    assert report["shelters"]["total"] == "<5" and report["shelters"]["not_started"] == "<5"
    html = response.content.decode()
    assert "fewer than 5" in html and ">3<" not in html
    api = client.get(f"/api/v1/field/townships/{township.pk}/report/").json()
    assert api["shelters"]["total"] == "<5"


def test_officers_are_unaffected_by_agreements(client, users, both, three_shelters):
    client.force_login(users["officer_nangarhar"])
    for method, path in pages(both):
        assert open_page(client, method, path).status_code in (200, 302), path
    response = client.get(f"/field/reports/{both['nangarhar'].pk}/")
    assert response.context["report"]["shelters"]["total"] == 3 and ">3<" in response.content.decode()
    assert client.get(f"/townships/{both['herat'].code}/dashboard/").status_code == 404  # scope, as before


def test_the_dashboard_suppresses_allocations_and_shelters_under_5_for_a_partner(
    client, users, township, three_shelters, signed_for_nangarhar
):
    client.force_login(users["partner"])
    data = client.get(f"/townships/{township.code}/dashboard/").context["data"]
    approved = next(row for row in data["pipeline"] if row["code"] == "approved")
    assert approved["n"] == 3 and approved["n_text"] == "fewer than 5" and approved["width"] == 0
    assert data["shelter"]["projects_text"] == "fewer than 5" and data["shelter"]["share"] is None
    assert all(row["n_text"] == "fewer than 5" for row in data["shelter"]["bars"])
    client.force_login(users["officer_nangarhar"])
    data = client.get(f"/townships/{township.code}/dashboard/").context["data"]
    approved = next(row for row in data["pipeline"] if row["code"] == "approved")
    assert approved["n_text"] == "3" and data["shelter"]["projects_text"] == "3"


# The "Data for partners" page: what may be downloaded under each agreement, and what to ask for without one.


def data_page(client, user):
    client.force_login(user)
    response = client.get("/partners/")
    assert response.status_code == 200, response.content[:300]
    return response.content.decode()


def test_without_an_agreement_the_data_page_says_what_to_ask_for(client, users, both):
    page = data_page(client, users["partner"])
    assert "not covered by any data-sharing agreement" in page and ASK in page
    assert "Household records: one pseudonymised row per household" in page  # the catalogue to choose from
    assert "/api/v1/partner/exports/" not in page and "/api/v1/exports/townships/" not in page


def test_the_data_page_lists_the_downloads_of_the_agreement_with_its_end_date(
    client, users, both, signed_for_nangarhar
):
    page = data_page(client, users["partner"])
    assert f"Agreement {signed_for_nangarhar.reference}, UNHCR Afghanistan" in page
    until = signed_for_nangarhar.valid_until
    assert f"{until.day} " in page and str(until.year) in page and "Valid until" in page
    assert "/api/v1/partner/exports/household_records.csv?province=AF06" in page
    assert "/api/v1/partner/exports/township_summary.csv?province=AF06" in page
    assert "/api/v1/exports/townships/NAN-TEST.gpkg" in page
    assert "AF32" not in page and "HER-TEST" not in page  # Herat is not in the agreement
    assert "not covered by any data-sharing agreement" not in page


def test_the_data_page_offers_only_what_the_agreement_shares(client, users, provinces, both):
    agreement_create(users=[users["partner"]], provinces=[provinces["herat"]], datasets=["township_summary"])
    page = data_page(client, users["partner"])
    assert "/api/v1/partner/exports/township_summary.csv?province=AF32" in page
    assert "household_records.csv" not in page and "/api/v1/exports/townships/" not in page


def test_every_link_of_the_data_page_downloads_and_is_logged(client, users, both, signed_for_nangarhar):
    from landreg.models import PersonalDataAccess

    page = data_page(client, users["partner"])
    links = sorted(set(re.findall(r'href="(/api/v1/[^"]+)"', page)))
    assert len(links) == 2 + 5  # two tables for Nangarhar, five formats of its one township
    for link in links:
        response = client.get(link.replace("&amp;", "&"))
        assert response.status_code == 200, (link, response.content[:200])
        b"".join(response.streaming_content)
    assert PersonalDataAccess.objects.filter(action="export", user=users["partner"]).count() == len(links)


def test_an_ended_agreement_is_listed_without_downloads_and_says_to_renew(client, users, provinces, both):
    from tests.landreg.test_data_sharing import END

    agreement_create(
        users=[users["partner"]],
        provinces=[provinces["nangarhar"]],
        valid_from=END.replace(year=END.year - 5),
        valid_until=END.replace(year=END.year - 3),
    )
    page = data_page(client, users["partner"])
    assert "Ended on" in page and "renewed" in page and ASK in page
    assert "/api/v1/partner/exports/" not in page


def test_the_data_page_is_for_partners_only(client, users):
    client.force_login(users["officer_nangarhar"])
    assert "for partner organisations" in refusal(client.get("/partners/"))
    client.logout()
    assert client.get("/partners/")["Location"].startswith("/login/")


def test_the_data_page_in_dari_gives_shamsi_dates(client, users, both, signed_for_nangarhar):
    from django.utils import translation

    from landreg.calendar import shamsi_date

    client.force_login(users["partner"])
    client.cookies["django_language"] = "fa"
    with translation.override("en"):  # the request switches this thread to Dari; the next test must not stay in it
        page = client.get("/partners/").content.decode()
    assert 'dir="rtl"' in page and shamsi_date(signed_for_nangarhar.valid_until, "fa") in page


def test_an_agreement_ending_within_30_days_says_to_ask_for_renewal(client, users, provinces, both):
    import datetime

    from django.utils import timezone

    from tests.landreg.test_data_sharing import START

    agreement_create(
        users=[users["partner"]],
        provinces=[provinces["nangarhar"]],
        valid_from=START,
        valid_until=timezone.localdate() + datetime.timedelta(days=10),
    )
    page = data_page(client, users["partner"])
    assert "It ends in 10 days: ask for its renewal now." in page
    assert "/api/v1/partner/exports/household_records.csv?province=AF06" in page  # still current
