"""Shared fixtures: real PostGIS, a few provinces, a township laid out in UTM metres, named users."""

import os
import shutil

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.utils import translation
from pyproj import Transformer

from households.services import household_register
from landreg import roles
from landreg.services import roles_sync, user_create
from parcels.models import AdminArea
from townships import services as township_services


def pytest_configure(config):
    from django.conf import settings

    settings.STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns when it is missing


class UtmFrame:
    """Draw in metres from an origin; get EPSG:4326 polygons, as a surveyor's layout would be stored."""

    def __init__(self, lon: float, lat: float, srid: int):
        self.to_wgs = Transformer.from_crs(srid, 4326, always_xy=True)
        self.x0, self.y0 = Transformer.from_crs(4326, srid, always_xy=True).transform(lon, lat)

    def rect(self, x: float, y: float, w: float, h: float) -> Polygon:
        return self.ring([(x, y), (x + w, y), (x + w, y + h), (x, y + h)])

    def ring(self, points) -> Polygon:
        coords = [self.to_wgs.transform(self.x0 + px, self.y0 + py) for px, py in points]
        return Polygon(coords + [coords[0]], srid=4326)


@pytest.fixture
def provinces(db):
    nangarhar = AdminArea.objects.create(
        level="province", pcode="AF06", iso_code="AF-NAN", name_en="Nangarhar", name_prs="ننگرهار"
    )
    herat = AdminArea.objects.create(
        level="province", pcode="AF32", iso_code="AF-HER", name_en="Herat", name_prs="هرات"
    )
    return {"nangarhar": nangarhar, "herat": herat}


@pytest.fixture
def frame():
    """Near Jalalabad, in UTM 42N."""
    return UtmFrame(70.5, 34.4, 32642)


@pytest.fixture
def township(provinces, frame):
    """A 500 m × 300 m township with block A (0..200 × 0..100 m) and block B (220..420 × 0..100 m)."""
    t = township_services.township_create(
        code="NAN-TEST",
        name="Test township",
        province=provinces["nangarhar"],
        legal_basis="decree_305_2018",
        geom=MultiPolygon(frame.rect(0, 0, 500, 300)),
    )
    t.block_a = township_services.block_create(township=t, code="A", geom=frame.rect(0, 0, 200, 100))
    t.block_b = township_services.block_create(township=t, code="B", geom=frame.rect(220, 0, 200, 100))
    return t


@pytest.fixture
def users(provinces):
    roles_sync()
    return {
        "officer_nangarhar": user_create(
            username="officer.n", password="x", roles=[roles.LAND_OFFICER], provinces=[provinces["nangarhar"]]
        ),
        "officer_herat": user_create(
            username="officer.h", password="x", roles=[roles.LAND_OFFICER], provinces=[provinces["herat"]]
        ),
        "committee": user_create(
            username="committee.n", password="x", roles=[roles.COMMITTEE_MEMBER], provinces=[provinces["nangarhar"]]
        ),
        "partner": user_create(username="partner", password="x", roles=[roles.PARTNER], national=True),
        "gis": user_create(username="gis", password="x", roles=[roles.GIS_SPECIALIST], national=True),
        "admin": user_create(
            username="admin", password="x", roles=[roles.ADMINISTRATOR], national=True, is_superuser=True
        ),
    }


@pytest.fixture
def make_household(provinces):
    counter = {"n": 0}

    def make(province="nangarhar", **fields):
        counter["n"] += 1
        return household_register(
            code=f"HH-{counter['n']:04d}",
            province=provinces[province],
            size=fields.pop("size", 6),
            category=fields.pop("category", "documented_returnee"),
            status=fields.pop("status", "eligible"),
            landless_declared=fields.pop("landless_declared", True),
            head=fields.pop("head", {"name": f"Head {counter['n']}", "father_name": "Father", "sex": "m"}),
            **fields,
        )

    return make


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def language_reset():
    """A request with Accept-Language leaves its language active in the test's thread: every test starts and ends
    in the default language, so no test depends on the order they run in."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def plain_static_files(settings):
    """Tests render pages without running collectstatic first."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def plots(township, frame):
    return [
        township_services.plot_create(
            township=township,
            block=township.block_a,
            number=str(i),
            geom=frame.rect(i * 20, 0, 20, 25),
            status="available",
        )
        for i in range(3)
    ]


@pytest.fixture
def field_officer(users, provinces):
    return user_create(
        username="field.n", password="x", roles=[roles.FIELD_OFFICER], provinces=[provinces["nangarhar"]]
    )


@pytest.fixture(autouse=True)
def workflow_rules_judged_before_rollback(request):
    """Django's tests roll back instead of committing, so deferred rules would never run. At the end of each test
    that used the database, the allocation log rule is judged as a commit would judge it: a test that writes an
    allocation status without its workflow step fails here instead of passing silently."""
    if "db" not in request.fixturenames or "transactional_db" in request.fixturenames:
        yield
        return
    request.getfixturevalue("db")
    yield
    from django.db import connection

    if connection.in_atomic_block and not connection.needs_rollback:
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS status_changes_with_a_transition IMMEDIATE")


# --- the real browser: Debian's Chromium driven by Playwright (never a downloaded browser), one per test session,
# for every folder (tests/clients/ and the browser tests beside the pages they test) ---------------------------------

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop; Django's ORM in the same thread must be told it is fine.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                # WebGL in software (SwiftShader), which MapLibre needs; no GPU is used.
                "--use-angle=swiftshader",
                "--enable-unsafe-swiftshader",
                "--ignore-gpu-blocklist",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()
