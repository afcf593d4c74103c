"""IDP sites: coded to a province (and a district of it), as a point or an outline inside it; population estimates
per assessment round, by group."""

import datetime

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.core.exceptions import PermissionDenied, ValidationError

from movements.selectors import idp_sites_visible_to, site_estimate_latest
from movements.services import idp_site_create, idp_site_update, site_estimate_record


@pytest.fixture
def bounded(provinces):
    """Nangarhar with a rough boundary (a box around Jalalabad), so a site's place is judged."""
    nangarhar = provinces["nangarhar"]
    nangarhar.geom = MultiPolygon(Polygon.from_bbox((69.9, 33.9, 71.2, 34.6)), srid=4326)
    nangarhar.save()
    return nangarhar


def test_a_site_as_an_outline_inside_its_province_with_estimates(bounded, districts, users, field_officer):
    outline = Polygon.from_bbox((70.40, 34.40, 70.42, 34.42))
    site = idp_site_create(
        code="nan-sheikh-mesri",
        name="Sheikh Mesri",
        kind="informal_settlement",
        province=bounded,
        district=districts["behsud"],
        geom=outline,
        by=users["officer_nangarhar"],
    )
    first = site_estimate_record(
        site=site,
        round="2025-R1",
        assessed_on=datetime.date(2025, 2, 1),
        method="headcount",
        by=field_officer,
        arrival_idps=1200,
        returned_idps=300,
        returnees_from_abroad=4500,
        out_migrants=80,
    )
    assert first.population == 6000
    site_estimate_record(
        site=site,
        round="2025-R2",
        assessed_on=datetime.date(2025, 5, 1),
        method="key_informant",
        by=field_officer,
        returnees_from_abroad=5000,
    )
    assert site_estimate_latest(site).round == "2025-R2"
    corrected = site_estimate_record(
        site=site,
        round="2025-R1",
        assessed_on=datetime.date(2025, 2, 1),
        method="headcount",
        by=field_officer,
        arrival_idps=1100,
        returned_idps=300,
        returnees_from_abroad=4500,
        out_migrants=80,
    )
    assert corrected.pk == first.pk and [e.arrival_idps for e in corrected.history_events.order_by("pgh_id")] == [
        1200,
        1100,
    ]


def test_a_site_outside_its_province_or_district_is_refused(bounded, districts, users):
    with pytest.raises(ValidationError, match="idp_site_inside_its_province|outside"):
        idp_site_create(
            code="far",
            name="Far away",
            kind="camp",
            province=bounded,
            geom="SRID=4326;POINT(62.2 34.3)",
            by=users["admin"],
        )
    with pytest.raises(ValidationError, match="not in Nangarhar"):
        idp_site_create(
            code="wrong-district",
            name="Wrong district",
            kind="camp",
            province=bounded,
            district=districts["injil"],
            geom="SRID=4326;POINT(70.45 34.43)",
            by=users["admin"],
        )


def test_negative_estimates_and_outsiders_are_refused(bounded, users, field_officer, border_herat):
    site = idp_site_create(
        code="s",
        name="S",
        kind="host_community",
        province=bounded,
        geom="SRID=4326;POINT(70.45 34.43)",
        by=users["admin"],
    )
    with pytest.raises(ValidationError):
        site_estimate_record(
            site=site,
            round="R1",
            assessed_on=datetime.date(2025, 1, 1),
            method="headcount",
            by=field_officer,
            arrival_idps=-1,
        )
    with pytest.raises(PermissionDenied):
        site_estimate_record(
            site=site, round="R1", assessed_on=datetime.date(2025, 1, 1), method="headcount", by=border_herat
        )
    with pytest.raises(PermissionDenied):
        idp_site_update(site=site, name="Renamed", by=users["officer_herat"])
    assert idp_site_update(site=site, name="Renamed", by=users["officer_nangarhar"]).name == "Renamed"
    assert list(idp_sites_visible_to(users["officer_herat"])) == []
    assert list(idp_sites_visible_to(users["officer_nangarhar"])) == [site]
    assert list(idp_sites_visible_to(users["gis"])) == [site]
    assert list(idp_sites_visible_to(users["partner"])) == []  # no agreement shares the figures
