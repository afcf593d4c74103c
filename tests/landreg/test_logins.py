"""Logins: landreg's own login page, where each role lands, lock-out after repeated failures (login forms and
HTTP Basic alike), lifting a lock-out, staff status, and the password rules."""

import base64
import importlib
from unittest import mock

import pytest
from axes.models import AccessAttempt
from django.apps import apps
from django.contrib.auth import SESSION_KEY, authenticate, get_user_model
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.contrib.auth.hashers import MD5PasswordHasher
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from api.auth import client_ip_address
from landreg import roles
from landreg.services import user_create
from tests.landreg.test_data_sharing import agreement_create

GOOD = "tea-kettle-monsoon"  # 18 characters, no local word, not common
LOCKED_SENTENCE = "Too many failed logins for this user name or from this address"


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()  # remembered Basic credentials must not leak between tests
    yield
    cache.clear()


@pytest.fixture
def officer(users):
    user = users["officer_nangarhar"]
    user.set_password(GOOD)
    user.save()
    return user


def login(client, username, password, address="10.0.0.1", next_url=None):
    data = {"username": username, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post("/login/", data, REMOTE_ADDR=address)


def basic(username, password):
    return {"Authorization": "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()}


def fail(client, username, times, address="10.0.0.1"):
    for _ in range(times):
        assert login(client, username, "wrong-password", address).status_code in (200, 429)


# Login page and landing pages


@pytest.mark.parametrize(
    "who, landing",
    [
        ("officer_nangarhar", "/"),
        ("committee", "/"),
        ("gis", "/"),
        ("admin", "/admin/"),
        ("partner", "/partners/"),
        ("field_officer", "/field/"),
    ],
)
def test_the_login_page_sends_each_role_to_its_own_page(client, users, field_officer, who, landing):
    user = field_officer if who == "field_officer" else users[who]
    user.set_password(GOOD)
    user.save()
    answer = login(client, user.username, GOOD)
    assert answer.status_code == 302 and answer["Location"] == landing
    assert client.session[SESSION_KEY] == str(user.pk)


def test_a_partner_lands_on_what_their_agreement_lets_them_download(client, users, township, provinces):
    agreement = agreement_create(
        users=[users["partner"]], provinces=[provinces["nangarhar"]], datasets=["township_summary"]
    )
    users["partner"].set_password(GOOD)
    users["partner"].save()
    answer = client.post("/login/", {"username": "partner", "password": GOOD}, follow=True)
    assert answer.status_code == 200 and answer.redirect_chain[-1][0] == "/partners/"
    page = answer.content.decode()
    assert agreement.reference in page and "/partner/exports/township_summary.csv?province=AF06" in page


def test_a_session_naming_the_first_backend_still_loads_its_user(client, officer, settings):
    """Scripts (bench/allocate_concurrency.py) write sessions for AUTHENTICATION_BACKENDS[0]."""
    client.force_login(officer, backend=settings.AUTHENTICATION_BACKENDS[0])
    assert client.get("/households/").status_code == 200


def test_the_login_page_follows_a_safe_next_and_ignores_another_site(client, officer):
    assert login(client, "officer.n", GOOD, next_url="/households/")["Location"] == "/households/"
    client.logout()
    assert login(client, "officer.n", GOOD, next_url="https://evil.example/")["Location"] == "/"


def test_pages_that_need_a_login_send_people_to_landregs_login_page(client):
    answer = client.get("/households/")
    assert answer.status_code == 302 and answer["Location"].startswith("/login/?next=")


def test_a_wrong_password_is_refused_with_a_sentence_and_no_session(client, officer):
    answer = login(client, "officer.n", "not-the-password")
    assert answer.status_code == 200
    assert "Your user name and password did not match" in answer.content.decode()
    assert SESSION_KEY not in client.session


def test_logout_is_a_post_and_ends_the_session(client, officer):
    login(client, "officer.n", GOOD)
    assert client.get("/logout/").status_code == 405
    assert SESSION_KEY in client.session
    answer = client.post("/logout/")
    assert answer.status_code == 302 and answer["Location"] == "/login/"
    assert SESSION_KEY not in client.session


@pytest.mark.parametrize("language", ["fa", "ps"])
def test_the_login_page_reads_right_to_left_in_dari_and_pashto(client, db, language):
    page = client.get("/login/", HTTP_ACCEPT_LANGUAGE=language)
    html = page.content.decode()
    assert page.status_code == 200 and f'lang="{language}"' in html and 'dir="rtl"' in html
    assert 'id="id_username"' in html and 'id="id_password"' in html and 'type="submit"' in html


# Lock-out on the login forms


def test_thirty_wrong_passwords_lock_the_login_form_and_the_right_one_is_then_refused(client, officer):
    fail(client, "officer.n", 30)
    answer = login(client, "officer.n", GOOD)
    assert answer.status_code == 429
    html = answer.content.decode()
    assert LOCKED_SENTENCE in html and "30 minutes" in html and 'id="id_username"' in html
    assert answer["Retry-After"] == "1800"
    assert SESSION_KEY not in client.session


def test_the_tenth_failure_locks_not_the_ninth(client, officer):
    fail(client, "officer.n", 9)
    assert login(client, "officer.n", GOOD).status_code == 302  # and the success clears the nine
    client.logout()
    fail(client, "officer.n", 9)
    assert login(client, "officer.n", GOOD).status_code == 302
    client.logout()
    fail(client, "officer.n", 10)
    assert login(client, "officer.n", GOOD).status_code == 429


def test_the_lock_out_page_speaks_dari_right_to_left(client, officer):
    fail(client, "officer.n", 10)
    answer = client.post(
        "/login/", {"username": "officer.n", "password": GOOD}, REMOTE_ADDR="10.0.0.1", HTTP_ACCEPT_LANGUAGE="fa"
    )
    assert answer.status_code == 429 and 'dir="rtl"' in answer.content.decode()


def test_the_field_login_and_the_admin_login_are_locked_too(client, officer, users):
    fail(client, "officer.n", 10)
    field = client.post("/field/login/", {"username": "officer.n", "password": GOOD}, REMOTE_ADDR="10.0.0.9")
    assert field.status_code == 429 and LOCKED_SENTENCE in field.content.decode()
    # Failures on the admin's login count as well: ten there lock the administrator out of /login/.
    users["admin"].set_password(GOOD)
    users["admin"].save()
    for _ in range(10):
        client.post("/admin/login/", {"username": "admin", "password": "wrong"}, REMOTE_ADDR="10.0.0.7")
    assert login(client, "admin", GOOD, address="10.0.0.8").status_code == 429


def test_a_user_under_attack_is_locked_from_every_address_and_the_attacking_address_for_every_user(
    client, officer, users
):
    """The policy: AXES_LOCKOUT_PARAMETERS = [["username"], ["ip_address"]]."""
    users["committee"].set_password(GOOD)
    users["committee"].save()
    fail(client, "officer.n", 10, address="10.0.0.66")
    # The user is locked wherever they try from...
    assert login(client, "officer.n", GOOD, address="10.0.0.2").status_code == 429
    # ...the attacking address is locked for everybody...
    assert login(client, "committee.n", GOOD, address="10.0.0.66").status_code == 429
    # ...and other users at other addresses are not affected.
    assert login(client, "committee.n", GOOD, address="10.0.0.2").status_code == 302


def test_logging_in_as_oneself_does_not_clear_the_failures_against_another_user(client, officer, users):
    users["committee"].set_password(GOOD)
    users["committee"].save()
    fail(client, "officer.n", 9, address="10.0.0.66")
    assert login(client, "committee.n", GOOD, address="10.0.0.66").status_code == 302
    client.logout()
    assert login(client, "officer.n", "wrong-password", address="10.0.0.66").status_code == 429
    assert login(client, "officer.n", GOOD, address="10.0.0.2").status_code == 429


def test_one_address_trying_many_user_names_is_locked(client, officer):
    for i in range(10):
        login(client, f"guess{i}", "wrong-password", address="10.0.0.66")
    assert login(client, "officer.n", GOOD, address="10.0.0.66").status_code == 429
    assert login(client, "officer.n", GOOD, address="10.0.0.3").status_code == 302


def test_x_forwarded_for_is_ignored_unless_a_trusted_proxy_is_configured(client, officer, settings, rf):
    # A client rotating the header is still one address (REMOTE_ADDR).
    for i in range(10):
        client.post(
            "/login/",
            {"username": f"guess{i}", "password": "wrong"},
            REMOTE_ADDR="10.0.0.66",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{i}",
        )
    assert login(client, "officer.n", GOOD, address="10.0.0.66").status_code == 429
    request = rf.get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7")
    assert client_ip_address(request) == "10.0.0.5"
    settings.LANDREG_TRUSTED_PROXY_COUNT = 1  # one proxy (nginx) appends the address it saw
    assert client_ip_address(request) == "198.51.100.7"
    settings.LANDREG_TRUSTED_PROXY_COUNT = 2
    assert client_ip_address(request) == "6.6.6.6"
    settings.LANDREG_TRUSTED_PROXY_COUNT = 3  # fewer entries than proxies: the header is not trusted
    assert client_ip_address(request) == "10.0.0.5"


# Lifting a lock-out


def test_an_administrator_lifts_a_lock_out_with_the_command_and_the_user_logs_in(client, officer):
    fail(client, "officer.n", 10)
    assert login(client, "officer.n", GOOD, address="10.0.0.2").status_code == 429
    call_command("axes_reset_username", "officer.n")
    assert login(client, "officer.n", GOOD, address="10.0.0.2").status_code == 302


def test_an_administrator_lifts_an_address_lock_out_with_the_command(client, officer):
    for i in range(10):
        login(client, f"guess{i}", "wrong-password", address="10.0.0.66")
    assert login(client, "officer.n", GOOD, address="10.0.0.66").status_code == 429
    call_command("axes_reset_ip", "10.0.0.66")
    assert login(client, "officer.n", GOOD, address="10.0.0.66").status_code == 302


@pytest.mark.parametrize("superuser", [True, False])
def test_an_administrator_lifts_a_lock_out_in_the_admin_and_the_user_logs_in(client, officer, users, superuser):
    fail(client, "officer.n", 10)
    attempt = AccessAttempt.objects.get(username="officer.n")
    administrator = (
        users["admin"]
        if superuser
        else user_create(username="admin.plain", password="x", roles=[roles.ADMINISTRATOR], national=True)
    )
    admin = client.__class__()
    admin.force_login(administrator)
    assert admin.get("/admin/axes/accessattempt/").status_code == 200
    answer = admin.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert answer.status_code == 302 and not AccessAttempt.objects.exists()
    assert login(client, "officer.n", GOOD).status_code == 302


# Lock-out over HTTP Basic (QGIS, GDAL, scripts)


@pytest.mark.parametrize("url", ["/ogc/collections", "/api/v1/households/"])
def test_thirty_wrong_basic_passwords_lock_the_user_and_the_right_one_is_then_refused(client, officer, url):
    assert client.get(url, headers=basic("officer.n", GOOD)).status_code == 200
    cache.clear()
    for _ in range(30):
        assert client.get(url, headers=basic("officer.n", "wrong-password")).status_code in (401, 403, 429)
    answer = client.get(url, headers=basic("officer.n", GOOD))
    assert answer.status_code == 429
    assert answer.json()["detail"].startswith(LOCKED_SENTENCE)
    assert answer["Retry-After"] == "1800"


def test_basic_failures_lock_the_login_form_too_and_wfs_answers_with_the_sentence(client, officer):
    for _ in range(10):
        client.get("/wfs/", headers=basic("officer.n", "wrong-password"))
    refused = client.get("/wfs/", headers=basic("officer.n", GOOD))
    assert refused.status_code == 429 and refused.content.decode().startswith(LOCKED_SENTENCE)
    assert login(client, "officer.n", GOOD, address="10.0.0.2").status_code == 429


def test_a_locked_out_basic_request_is_refused_before_the_password_is_hashed(client, officer):
    hashed = mock.patch.object(MD5PasswordHasher, "verify", autospec=True, side_effect=MD5PasswordHasher.verify)
    encoded = mock.patch.object(MD5PasswordHasher, "encode", autospec=True, side_effect=MD5PasswordHasher.encode)
    with hashed as verify, encoded as encode:
        client.get("/ogc/collections", headers=basic("officer.n", "wrong-password"))
        assert verify.call_count + encode.call_count > 0  # before the lock-out each try is hashed
        for _ in range(9):
            client.get("/ogc/collections", headers=basic("officer.n", "wrong-password"))
        verify.reset_mock()
        encode.reset_mock()
        for password in ["wrong-password", GOOD, "another-guess"]:
            assert client.get("/ogc/collections", headers=basic("officer.n", password)).status_code == 429
        assert client.get("/ogc/collections", headers=basic("nobody.here", "x")).status_code == 429  # the address
        assert verify.call_count == encode.call_count == 0


def test_a_basic_success_clears_the_failures(client, officer):
    for _ in range(9):
        client.get("/ogc/collections", headers=basic("officer.n", "wrong-password"))
    assert client.get("/ogc/collections", headers=basic("officer.n", GOOD)).status_code == 200
    assert not AccessAttempt.objects.filter(username="officer.n").exists()


def test_authenticate_without_a_request_still_works(officer):
    """Scripts and the shell call authenticate() with no request: not counted, not refused."""
    assert authenticate(username="officer.n", password=GOOD) == officer
    assert authenticate(username="officer.n", password="wrong") is None


# Staff status


def test_only_administrators_and_gis_specialists_are_staff(users, field_officer):
    assert users["admin"].is_staff and users["gis"].is_staff
    for who in ["officer_nangarhar", "committee", "partner"]:
        assert not users[who].is_staff, who
    assert not field_officer.is_staff
    admin_without_superuser = user_create(username="admin.plain", password="x", roles=[roles.ADMINISTRATOR])
    assert admin_without_superuser.is_staff


def test_the_migration_takes_staff_status_from_everyone_but_administrators_and_gis(users, field_officer):
    get_user_model().objects.update(is_staff=True)
    plain = get_user_model().objects.create_user(username="no.roles", password="x", is_staff=True)
    migration = importlib.import_module("landreg.migrations.0009_staff_only_administrators_and_gis")
    migration.staff_only_administrators_and_gis(apps, None)
    staff = set(get_user_model().objects.filter(is_staff=True).values_list("username", flat=True))
    assert staff == {"admin", "gis"}
    plain.refresh_from_db()
    assert not plain.is_staff


# Password rules


@pytest.mark.parametrize(
    "password, sentence",
    [
        ("landreg1", "a place or a name people here guess first"),
        ("49275813", "This password is entirely numeric."),
        ("Kabul1403", "a place or a name people here guess first"),
        ("Kabul1403", "at least 10 characters"),
        ("Herat-2024!!", "a place or a name people here guess first"),
        ("afghanistan123", "This password is too common."),
        ("KabulHerat2024", "a place or a name people here guess first"),
        ("1q2w3e4r5t", "This password is too common."),
        ("1234567890", "This password is entirely numeric."),
        ("landreg-demo", "a place or a name people here guess first"),
    ],
)
def test_weak_passwords_are_refused_with_a_sentence(db, password, sentence):
    with pytest.raises(ValidationError) as refusal:
        validate_password(password)
    assert any(sentence in message for message in refusal.value.messages), refusal.value.messages


def test_kabul1403_is_on_the_local_list_of_common_passwords(db):
    from landreg.passwords import CommonPasswordValidator

    validator = CommonPasswordValidator()
    for password in ["Kabul1403", "herat2024", "Nangarhar1399", "landreg123", "afghanistan786"]:
        with pytest.raises(ValidationError, match="too common"):
            validator.validate(password)
    validator.validate(GOOD)


def test_a_password_like_the_user_name_is_refused(db):
    user = get_user_model()(username="zarghona.ahmadzai")
    with pytest.raises(ValidationError, match="too similar"):
        validate_password("zarghona.ahmadzai1", user)


def test_a_good_twelve_character_password_is_accepted(db):
    validate_password("river-cedar7")


def test_user_create_checks_the_password_when_asked_and_writes_nothing_on_refusal(users):
    with pytest.raises(ValidationError, match="entirely numeric"):
        user_create(username="weak.one", password="4927581312", roles=[roles.LAND_OFFICER], check_password=True)
    assert not get_user_model().objects.filter(username="weak.one").exists()
    user = user_create(username="strong.one", password="river-cedar7", roles=[roles.LAND_OFFICER], check_password=True)
    assert user.check_password("river-cedar7") and not user.is_staff


def test_the_admins_password_change_form_applies_the_rules(users):
    form = AdminPasswordChangeForm(users["officer_nangarhar"], {"password1": "Kabul1403", "password2": "Kabul1403"})
    assert not form.is_valid()
    assert "a place or a name people here guess first" in str(form.errors)


def test_create_gis_login_refuses_a_weak_password_with_a_sentence(provinces):
    with pytest.raises(CommandError, match="This password is refused:.*entirely numeric"):
        call_command("create_gis_login", "gis.weak", "--role", "reader", "--password", "4927581312")
