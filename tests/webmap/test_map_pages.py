"""The map page (the home page of land officers and committee members) and the township dashboard."""

import json
import re

from django.test import override_settings

from allocations.services import allocation_propose, allocation_transition
from households.eligibility import default_scheme
from households.models import EligibilityAssessment

DARI_MONTHS = ("حمل", "ثور", "جوزا", "سرطان", "اسد", "سنبله", "میزان", "عقرب", "قوس", "جدی", "دلو", "حوت")


def config_of(response) -> dict:
    found = re.search(
        r'<script id="map-config" type="application/json">(.*?)</script>', response.content.decode(), re.S
    )
    return json.loads(found.group(1))


def test_anonymous_users_are_sent_to_log_in(client, db):
    answer = client.get("/")
    assert answer.status_code == 302 and "login" in answer["Location"] and "next=/" in answer["Location"]


def test_the_map_is_the_officers_home_page_with_their_townships_and_extent(client, users, township):
    client.force_login(users["officer_nangarhar"])
    answer = client.get("/")
    assert answer.status_code == 200
    config = config_of(answer)
    assert [t["code"] for t in config["townships"]] == ["NAN-TEST"]
    west, south, east, north = config["extent"]
    assert 70.49 < west < east < 70.52 and 34.39 < south < north < 34.41
    assert set(config["tiles"]) == {"provinces", "townships", "township-points", "blocks", "plots", "facilities"}
    assert all("/{z}/{x}/{y}.mvt?v=" in url for url in config["tiles"].values())
    assert config["roles"] == {"officer": True, "committee": False}
    page = answer.content.decode()
    assert "vendor/maplibre/maplibre-gl.js" in page and "/jsi18n/" in page


def test_an_officer_of_another_province_does_not_get_the_township(client, users, township):
    client.force_login(users["officer_herat"])
    config = config_of(client.get("/"))
    assert config["townships"] == [] and "NAN-TEST" not in json.dumps(config)


def test_administrators_go_to_the_admin(client, users):
    client.force_login(users["admin"])
    answer = client.get("/")
    assert answer.status_code == 302 and answer["Location"] == "/admin/"


def test_committee_members_get_the_map_too(client, users, township):
    client.force_login(users["committee"])
    assert config_of(client.get("/"))["roles"] == {"officer": False, "committee": True}


def test_no_basemap_from_the_internet_by_default(client, users, township):
    client.force_login(users["officer_nangarhar"])
    answer = client.get("/")
    assert config_of(answer)["basemap"] == ""
    assert not re.search(r"https?://(?!testserver)", answer.content.decode())


@override_settings(LANDREG_BASEMAP_URL="https://tiles.example.org/{z}/{x}/{y}.png")
def test_an_optional_basemap_from_settings(client, users, township):
    client.force_login(users["officer_nangarhar"])
    answer = client.get("/")
    assert config_of(answer)["basemap"] == "https://tiles.example.org/{z}/{x}/{y}.png"
    assert 'id="basemap-toggle"' in answer.content.decode()


def test_the_map_page_is_right_to_left_in_dari(client, users, township):
    client.force_login(users["officer_nangarhar"])
    answer = client.get("/", HTTP_ACCEPT_LANGUAGE="fa")
    assert '<html lang="fa" dir="rtl">' in answer.content.decode() and config_of(answer)["language"] == "fa"


def test_the_map_names_townships_in_the_pages_language_where_recorded(client, users, township):
    township.name_prs = "شهرک آزمایشی"
    township.save()
    client.force_login(users["officer_nangarhar"])
    for language, name, field in (
        ("en", "Test township", None),
        ("fa", "شهرک آزمایشی", "name_prs"),
        ("ps", "Test township", "name_ps"),  # no Pashto name recorded: the name
    ):
        answer = client.get("/", HTTP_ACCEPT_LANGUAGE=language)
        config = config_of(answer)
        assert [t["name"] for t in config["townships"]] == [name], language
        assert f"{name} (NAN-TEST)</option>" in answer.content.decode(), language
        assert config["localNameField"] == field, language  # what the style picks from the tiles' names


def test_the_right_to_left_text_plugin_is_our_own_copy(client, users, township):
    """Without it MapLibre draws Dari and Pashto labels as unjoined letters in the wrong order; scripts/devenv.sh
    copies it from the npm package, and nothing comes from a CDN."""
    from django.contrib.staticfiles import finders

    client.force_login(users["officer_nangarhar"])
    plugin = config_of(client.get("/", HTTP_ACCEPT_LANGUAGE="fa"))["rtlTextPlugin"]
    assert plugin == "/static/vendor/mapbox-gl-rtl-text/mapbox-gl-rtl-text.min.js"
    assert "registerRTLTextPlugin" in open(finders.find("vendor/mapbox-gl-rtl-text/mapbox-gl-rtl-text.min.js")).read()


def test_the_dashboard_counts_plots_pipeline_and_waiting_households(client, users, plots, make_household):
    scheme = default_scheme()
    waiting = [make_household(size=4) for _ in range(3)]
    EligibilityAssessment.objects.create(household=waiting[0], scheme=scheme, eligible=True, priority_score=5)
    a = allocation_propose(household=make_household(), plot=plots[0], proposed_by=users["officer_nangarhar"])
    allocation_transition(allocation=a, action="approve", by=users["committee"], reference="C-1")
    allocation_propose(household=make_household(), plot=plots[1], proposed_by=users["officer_nangarhar"])
    client.force_login(users["officer_nangarhar"])
    assert client.get("/dashboard/")["Location"] == "/townships/NAN-TEST/dashboard/"
    answer = client.get("/townships/NAN-TEST/dashboard/")
    assert answer.status_code == 200
    data = answer.context["data"]
    assert {r["code"]: r["n"] for r in data["plots"]} == {
        "planned": 0,
        "available": 1,
        "reserved": 1,
        "allocated": 1,
        "handed_over": 0,
        "occupied": 0,
        "disputed": 0,
        "usurped": 0,
        "cancelled": 0,
    }
    assert [(r["code"], r["n"]) for r in data["pipeline"]] == [
        ("proposed", 1),
        ("approved", 1),
        ("handed_over", 0),
        ("occupied", 0),
    ]
    assert [(r["code"], r["n"]) for r in data["waiting"]] == [("5", 1), ("0", 2)]
    assert data["shelter"] is None
    # A bar is the row's share of the section's total: one plot of three is a third of the bar, not all of it.
    assert {r["code"]: (r["width"], r["share"]) for r in data["plots"] if r["n"]} == {
        "available": (33.3, "33%"),
        "reserved": (33.3, "33%"),
        "allocated": (33.3, "33%"),
    }
    assert [r["width"] for r in data["waiting"]] == [33.3, 66.7]
    page = answer.content.decode()
    assert "<svg" in page and "dashboard.css" in page and 'id="shelter-none"' in page


def test_the_dashboard_is_printable_offline(client, users, plots, settings):
    from django.contrib.staticfiles import finders

    css = open(finders.find("webmap/map/dashboard.css")).read()
    assert "@media print" in css and "http" not in css
    client.force_login(users["officer_nangarhar"])
    assert "data-print" in client.get("/townships/NAN-TEST/dashboard/").content.decode()  # app.js prints
    assert "window.print()" in (settings.BASE_DIR / "webmap/static/webmap/app.js").read_text()


def test_the_dashboard_outside_scope_is_not_found(client, users, township):
    client.force_login(users["officer_herat"])
    assert client.get("/townships/NAN-TEST/dashboard/").status_code == 404
    assert client.get("/dashboard/").status_code == 404


def test_the_dashboard_date_is_shamsi_in_dari(client, users, township):
    client.force_login(users["officer_nangarhar"])
    page = client.get("/townships/NAN-TEST/dashboard/", HTTP_ACCEPT_LANGUAGE="fa").content.decode()
    assert 'dir="rtl"' in page and any(m in page for m in DARI_MONTHS) and "۱۴۰" in page


def visible_text(page: str) -> str:
    """The words of the dashboard (tags, attributes and the township's code left out)."""
    body = page[page.index('<div class="dashboard">') :]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)).replace("NAN-TEST", "")


def test_the_dashboard_writes_every_number_with_dari_or_pashto_digits(
    client, users, plots, make_household, provinces, township
):
    from townships.services import plot_update

    plot_update(plot=plots[0], status="allocated")
    for _ in range(12):
        make_household(size=4)
    client.force_login(users["officer_nangarhar"])
    for language in ("fa", "ps"):
        page = client.get("/townships/NAN-TEST/dashboard/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
        text = visible_text(page)
        assert not re.search(r"[0-9%]", text), (language, re.findall(r".{12}[0-9%].{12}", text))
        assert "۳" in text and "٪" in text and "۶۷٪" in text, language  # 2 of 3 plots available: 67 %
    english = visible_text(client.get("/townships/NAN-TEST/dashboard/").content.decode())
    assert "(67%)" in english and "۳" not in english


def test_the_printed_dashboard_names_the_township_and_the_date_on_every_page(client, users, township):
    from django.contrib.staticfiles import finders

    client.force_login(users["officer_nangarhar"])
    page = client.get("/townships/NAN-TEST/dashboard/", HTTP_ACCEPT_LANGUAGE="fa").content.decode()
    footer = re.search(r'<footer class="print-footer">(.*?)</footer>', page, re.S).group(1)
    assert "Test township (NAN-TEST)" in footer and "ننگرهار" in footer and any(m in footer for m in DARI_MONTHS)
    assert "(۲۰" not in footer  # Shamsi only
    english = client.get("/townships/NAN-TEST/dashboard/").content.decode()
    footer = re.search(r'<footer class="print-footer">(.*?)</footer>', english, re.S).group(1)
    assert "Nangarhar" in footer and re.search(r"\(\d+ \w+ 20\d\d\)", footer)  # Shamsi, then Gregorian
    css = open(finders.find("webmap/map/dashboard.css")).read()
    assert re.search(r"\.print-footer \{ display: none; \}", css) and "position: fixed" in css


def test_partners_see_small_counts_of_waiting_households_suppressed(client, users, plots, make_household, signed):
    make_household(size=4)
    make_household(size=4)
    client.force_login(users["partner"])
    data = client.get("/townships/NAN-TEST/dashboard/").context["data"]
    assert data["waiting"][0]["n_text"].startswith("fewer than")
    client.force_login(users["officer_nangarhar"])
    assert client.get("/townships/NAN-TEST/dashboard/").context["data"]["waiting"][0]["n_text"] == "2"
