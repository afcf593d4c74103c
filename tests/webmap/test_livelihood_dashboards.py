"""The livelihoods dashboards: a township's page (opportunities within walking distance and 10 km, referrals by sex,
cash-for-work days paid, reintegration scores by round) and its section on the township dashboard, the townships at
risk of a province, and the map panel's "opportunities near this household". Small cells are suppressed for roles
without personal data, as the selectors do; scope and agreements bound each page."""

import pytest
from django.test import Client

from households.models import Person
from landreg.models import PersonalDataAccess
from livelihoods import services
from livelihoods.models import SurveyRound
from tests.landreg.test_data_sharing import agreement_create
from tests.livelihoods.conftest import (  # noqa: F401  (fixtures)
    adult,
    agreement,
    born_years_ago,
    bounded,
    handed_over,
    media_in_tmp,
    post,
    profiled,
    provider,
    reference_data,
)
from tests.livelihoods.test_aggregates_and_admin import surveyed  # noqa: F401  (fixture)

# ruff: noqa: F811  (the livelihood fixtures are imported, then asked for by name)


def client_of(user, language="en"):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def text_of(response) -> str:
    return response.content.decode()


def test_the_township_page_shows_opportunities_within_reach_and_scores_by_round(surveyed, users, township, post, frame):
    post(point=frame.rect(300, 100, 1, 1).centroid)  # inside the township: walking distance
    post(point=frame.rect(8000, 100, 1, 1).centroid)  # 8 km away
    post(point=frame.rect(15000, 100, 1, 1).centroid)  # too far
    page = client_of(users["officer_nangarhar"]).get(f"/livelihoods/townships/{township.pk}/")
    body = text_of(page)
    assert page.status_code == 200
    assert "<strong>1</strong> within walking distance (2.5 km), <strong>2</strong> within 10 km" in body
    assert 'data-round="baseline"' in body and 'data-round="m12"' in body
    assert "100.0" in body  # the baseline composite: every answer the best


def test_small_rounds_show_no_score_to_roles_without_personal_data(surveyed, users, township, signed):
    for extra in SurveyRound.objects.filter(round="m12")[:2]:
        SurveyRound.objects.filter(pk=extra.pk).update(round="m6")
    officer = text_of(client_of(users["officer_nangarhar"]).get(f"/livelihoods/townships/{township.pk}/"))
    gis = text_of(client_of(users["gis"]).get(f"/livelihoods/townships/{township.pk}/"))
    m6_officer = officer.split('data-round="m6"')[1].split("</tr>")[0]
    m6_gis = gis.split('data-round="m6"')[1].split("</tr>")[0]
    assert "fewer than 5" not in m6_officer and "<svg" in m6_officer
    assert "fewer than 5" in m6_gis and "<svg" not in m6_gis and "—" in m6_gis
    partner = client_of(users["partner"]).get(f"/livelihoods/townships/{township.pk}/")
    assert partner.status_code == 200 and "fewer than 5" in text_of(partner)


def test_referrals_by_sex_are_counted_and_small_counts_hidden_from_the_gis_specialist(
    handed_over, post, users, township
):
    officer = users["officer_nangarhar"]
    course = post()
    head = handed_over.household.members.get(relationship="head")
    Person.objects.filter(pk=head.pk).update(date_of_birth=born_years_ago(35), sex="f")
    services.skills_profile_save(
        person=head, by=officer, occupations=[{"isco": "7115", "years": 3, "learnt_in": "pakistan"}]
    )
    r = services.referral_suggest(opportunity=course, person=head, by=officer)
    services.referral_step(referral=r, to_status="referred", by=officer)
    body = text_of(client_of(officer).get(f"/livelihoods/townships/{township.pk}/"))
    women_referred = body.split('data-status="referred" data-sex="f"')[1].split("</tr>")[0]
    assert '<td class="bar-n">1</td>' in women_referred
    gis = text_of(client_of(users["gis"]).get(f"/livelihoods/townships/{township.pk}/"))
    assert "fewer than 5" in gis.split('data-status="referred" data-sex="f"')[1].split("</tr>")[0]


def test_the_township_page_is_bounded_by_scope_and_agreement(township, users, provinces):
    url = f"/livelihoods/townships/{township.pk}/"
    assert client_of(users["officer_herat"]).get(url).status_code == 404
    refused = client_of(users["partner"]).get(url)  # no agreement yet
    assert refused.status_code == 403
    agreement_create(users=[users["partner"]], provinces=[provinces["herat"]])
    assert client_of(users["partner"]).get(url).status_code == 403  # Herat only: not this township
    assert client_of(users["officer_nangarhar"]).get("/livelihoods/townships/999999/").status_code == 404


def test_the_township_dashboard_has_a_livelihoods_section(township, users, post):
    post()
    page = client_of(users["officer_nangarhar"]).get(f"/townships/{township.code}/dashboard/")
    body = text_of(page)
    assert page.status_code == 200 and 'id="livelihoods"' in body and 'id="referrals-by-sex"' in body
    assert f'href="/livelihoods/townships/{township.pk}/"' in body
    dari = text_of(client_of(users["officer_nangarhar"], "fa").get(f"/townships/{township.code}/dashboard/"))
    assert 'dir="rtl"' in dari and 'id="livelihoods"' in dari


def test_the_townships_at_risk_of_a_province_with_their_reasons(surveyed, users, township, provinces):
    page = client_of(users["officer_nangarhar"]).get(f"/livelihoods/at-risk/?province={provinces['nangarhar'].pk}")
    body = text_of(page)
    assert page.status_code == 200 and f'data-township="{township.pk}"' in body
    assert "The mean composite score fell from 100.0" in body
    assert "Only 67% of the 6 households surveyed 12 months after handover live on their plot." in body
    herat = client_of(users["officer_herat"]).get(f"/livelihoods/at-risk/?province={provinces['nangarhar'].pk}")
    assert herat.status_code == 404
    own = text_of(client_of(users["officer_herat"]).get("/livelihoods/at-risk/"))
    assert 'id="none-at-risk"' in own and township.name not in own


def test_no_township_is_at_risk_when_nothing_was_surveyed(township, users, provinces):
    body = text_of(client_of(users["officer_nangarhar"]).get("/livelihoods/at-risk/"))
    assert 'id="none-at-risk"' in body


@pytest.fixture
def signed(users, provinces):
    return agreement_create(users=[users["partner"]], provinces=[provinces["nangarhar"]])


# --- the map panel ---------------------------------------------------------------------------------------------------


def test_the_plot_panel_lists_opportunities_near_the_household_and_logs_it(handed_over, post, users):
    officer = users["officer_nangarhar"]
    course = post()
    head = handed_over.household.members.get(relationship="head")
    Person.objects.filter(pk=head.pk).update(date_of_birth=born_years_ago(30))
    services.skills_profile_save(
        person=head, by=officer, occupations=[{"isco": "7115", "years": 4, "learnt_in": "iran"}]
    )
    before = PersonalDataAccess.objects.filter(where="map panel", what="households.Household").count()
    panel = client_of(officer).get(f"/api/v1/map/plots/{handed_over.plot_id}/").json()
    lv = panel["livelihoods"]
    assert [o["id"] for o in lv["opportunities"]] == [course.pk]
    assert lv["opportunities"][0]["members"][0]["person"] == head.pk and lv["may_refer"]
    assert lv["refer_url"] == "/livelihoods/refer/"
    assert PersonalDataAccess.objects.filter(where="map panel", what="households.Household").count() == before + 1
    gis = client_of(users["gis"]).get(f"/api/v1/map/plots/{handed_over.plot_id}/").json()
    assert gis["livelihoods"] is None
    committee = client_of(users["committee"]).get(f"/api/v1/map/plots/{handed_over.plot_id}/").json()
    assert committee["livelihoods"]["may_refer"] is False


def test_a_free_plot_has_no_livelihoods_section(plots, users):
    panel = client_of(users["officer_nangarhar"]).get(f"/api/v1/map/plots/{plots[2].pk}/").json()
    assert panel["livelihoods"] is None
