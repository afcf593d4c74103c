"""Web hardening for a deployment behind TLS: `manage.py check --deploy` is clean with HTTPS on, the HTTPS switch
sets the cookie, redirect and HSTS settings, every response carries the Content-Security-Policy, the pages run
under it in a real browser (nothing violates it; an inline script without the nonce does not run), and HTTP Basic
over plain http is refused before any password check when HTTPS is on."""

import base64
import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings

from landreg.csp import basemap_origin
from tests.clients.conftest import CHROMIUM

ROOT = Path(__file__).resolve().parents[2]
DEPLOY_ENV = {
    "DEBUG": "false",
    "HTTPS": "true",
    "ID_HASH_KEY": "x",
    "ALLOWED_HOSTS": "landreg.example",
}
SETTINGS_SHOWN = [
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_REFERRER_POLICY",
    "X_FRAME_OPTIONS",
    "HTTPS",
]


def deploy_env(**extra) -> dict:
    # The test session's own switches are not a deployment's (the browser fixture allows async-unsafe calls).
    left_out = {"HTTPS", "LANDREG_HSTS_SECONDS", "LANDREG_HSTS_INCLUDE_SUBDOMAINS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in left_out}
    env.update(DEPLOY_ENV, SECRET_KEY=secrets.token_urlsafe(50)[:50], **extra)
    return env


def settings_with(**env) -> dict:
    """The security settings as a fresh process reads them from this environment."""
    code = (
        "import json; from django.conf import settings; import django; django.setup(); "
        f"print(json.dumps({{n: getattr(settings, n, None) for n in {SETTINGS_SHOWN!r}}}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**deploy_env(**env), "DJANGO_SETTINGS_MODULE": "landreg.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_check_deploy_reports_nothing_with_https_on():
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=deploy_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout, done.stdout + done.stderr


def test_https_on_sets_secure_cookies_the_redirect_hsts_and_the_proxy_header():
    on = settings_with()
    assert on["HTTPS"] is True
    assert on["SESSION_COOKIE_SECURE"] and on["CSRF_COOKIE_SECURE"] and on["SESSION_COOKIE_HTTPONLY"]
    assert on["SECURE_SSL_REDIRECT"] is True
    assert on["SECURE_HSTS_SECONDS"] == 365 * 24 * 3600
    assert on["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is False
    assert on["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert on["SECURE_REFERRER_POLICY"] == "same-origin" and on["X_FRAME_OPTIONS"] == "DENY"

    changed = settings_with(LANDREG_HSTS_SECONDS="600", LANDREG_HSTS_INCLUDE_SUBDOMAINS="true")
    assert changed["SECURE_HSTS_SECONDS"] == 600 and changed["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True

    off = settings_with(HTTPS="false")
    assert off["HTTPS"] is False
    assert not off["SESSION_COOKIE_SECURE"] and not off["SECURE_SSL_REDIRECT"] and not off["SECURE_HSTS_SECONDS"]
    assert off["SECURE_PROXY_SSL_HEADER"] is None  # X-Forwarded-Proto is trusted only with HTTPS on
    assert off["SESSION_COOKIE_HTTPONLY"] and off["SECURE_REFERRER_POLICY"] == "same-origin"


def csp(response) -> dict[str, list[str]]:
    """The Content-Security-Policy header as {directive: [sources]}."""
    header = response["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in (p.strip() for p in header.split(";")) if d}


PAGES = [
    ("officer_nangarhar", "/"),  # the map
    ("gis", "/layouts/"),  # the layout upload
    ("officer_nangarhar", "/api/v1/households/?format=api"),  # the DRF browsable API
    ("admin", "/admin/"),
    ("admin", "/api/docs/"),  # Swagger UI
]


@pytest.mark.django_db
def test_every_response_carries_the_policy_with_a_fresh_nonce(client, users):
    first, second = client.get("/login/"), client.get("/login/")
    policy = csp(first)
    assert policy["default-src"] == ["'self'"]
    nonce = [s for s in policy["script-src"] if s.startswith("'nonce-")]
    assert policy["script-src"][0] == "'self'" and len(nonce) == 1 and len(policy["script-src"]) == 2
    assert nonce != [s for s in csp(second)["script-src"] if s.startswith("'nonce-")]
    assert "blob:" in policy["worker-src"]
    assert policy["img-src"] == ["'self'", "data:", "blob:"] and policy["connect-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"] and policy["form-action"] == ["'self'"]
    assert first["Referrer-Policy"] == "same-origin" and first["X-Frame-Options"] == "DENY"
    # Not only pages: the API and its refusals carry it too.
    assert "Content-Security-Policy" in client.get("/api/v1/households/")
    for user, url in PAGES:
        client.force_login(users[user])
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Content-Security-Policy" in response, url


@pytest.mark.django_db
def test_no_template_runs_an_inline_script_without_the_nonce(client, users, field_officer):
    """Data blocks (json_script) are not run, so need no nonce; any other inline script must carry it."""
    for user, url in PAGES:
        client.force_login(users[user])
        response = client.get(url)
        assert response.status_code == 200, url
        nonce = next(s for s in csp(response)["script-src"] if s.startswith("'nonce-"))[7:-1]
        html = response.content.decode()
        for tag in re.findall(r"<script\b[^>]*>", html):
            if "src=" in tag or 'type="application/json"' in tag:
                continue
            assert f'nonce="{nonce}"' in tag, f"{url}: {tag}"
        assert not re.search(r"\son(click|change|submit|load|input)=", html), url
    client.force_login(field_officer)
    html = client.get("/field/").content.decode()
    assert not re.search(r"<script>|\son(click|change|submit)=", html)


def test_the_basemap_origin_is_allowed_for_images_and_fetches():
    assert basemap_origin("") == ""
    assert basemap_origin("https://tiles.example.org/{z}/{x}/{y}.png") == "https://tiles.example.org"
    assert basemap_origin("https://{a-c}.tiles.example:8443/{z}/{x}/{y}.png") == "https://*.tiles.example:8443"
    assert basemap_origin("{z}/{x}/{y}.png") == ""


@pytest.mark.django_db
def test_the_policy_names_the_basemap_when_one_is_set(client):
    with override_settings(LANDREG_BASEMAP_URL="https://tiles.example.org/{z}/{x}/{y}.png"):
        policy = csp(client.get("/login/"))
    assert "https://tiles.example.org" in policy["img-src"]
    assert "https://tiles.example.org" in policy["connect-src"]
    assert "https://tiles.example.org" not in policy["script-src"]


# --- HTTP Basic over plain http ----------------------------------------------------------------------------------


def basic(username, password):
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()}


BASIC_ENDPOINTS = [
    "/api/v1/households/",  # REST API
    "/tiles/plots/14/11357/6574.mvt",  # vector tiles
    "/tiles/plots.json",
    "/ogc/collections",  # OGC API Features
    "/ogc/collections/plots/items",
    "/wfs/?SERVICE=WFS&REQUEST=GetCapabilities",  # WFS
]


@pytest.mark.django_db
@pytest.mark.parametrize("url", BASIC_ENDPOINTS)
def test_basic_over_plain_http_is_refused_with_https_on_before_any_password_check(client, users, url, monkeypatch):
    checked = []
    import api.auth

    real_authenticate = api.auth.authenticate
    monkeypatch.setattr(api.auth, "authenticate", lambda *a, **k: checked.append(k) or real_authenticate(*a, **k))
    with override_settings(HTTPS=True):
        refused = client.get(url, secure=False, **basic("officer.n", "x"))
        assert refused.status_code == 403
        assert "https://" in refused.json()["detail"]
        assert "Content-Security-Policy" in refused
        assert checked == []  # the password was never checked
        assert client.get(url, secure=False, **basic("officer.n", "wrong")).status_code == 403
        assert checked == []
        over_tls = client.get(url, secure=True, **basic("officer.n", "x"))
        assert over_tls.status_code in (200, 204), over_tls.content[:300]  # 204: an empty tile
        assert len(checked) == 1
    # HTTPS off (a laptop, the tests): Basic over plain http works as before.
    assert client.get(url, **basic("officer.n", "x")).status_code in (200, 204)


@pytest.mark.django_db
def test_with_https_on_a_session_over_plain_http_is_not_refused(client, users):
    """Only Basic credentials are refused; a browser without them is redirected by SecurityMiddleware instead."""
    client.force_login(users["officer_nangarhar"])
    with override_settings(HTTPS=True):
        assert client.get("/api/v1/households/", secure=False).status_code == 200
    client.logout()
    with override_settings(HTTPS=True):
        wrong = client.get("/api/v1/households/", secure=True, **basic("officer.n", "wrong"))
    assert wrong.status_code in (401, 403) and wrong.json()["detail"] == "Invalid user name or password."


# --- in a real browser -------------------------------------------------------------------------------------------
# Chromium runs in a child process with a Playwright of its own: tests/clients' shared browser fixture is not
# visible here, and a second sync Playwright in this process would be refused while that one runs.

CHECK_IN_CHROMIUM = r"""
import json, sys
from playwright.sync_api import sync_playwright

job = json.loads(sys.argv[1])
WATCH = '''
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation',
  (e) => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sourceFile || '')));
'''
INJECT = '''() => {
  window.__inlineRan = false;
  const s = document.createElement('script');
  s.textContent = 'window.__inlineRan = true;';
  document.body.appendChild(s);
  return window.__inlineRan;
}'''
found = []
with sync_playwright() as p:
    browser = p.chromium.launch(executable_path=job["chromium"], args=[
        "--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--ignore-gpu-blocklist",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
        "--disable-quic"])
    context = browser.new_context(viewport={"width": 1280, "height": 850})
    context.add_init_script(WATCH)
    page = context.new_page()
    errors = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(job["server"] + job["login"])
    page.fill("#id_username", job["username"])
    page.fill("#id_password", job["password"])
    with page.expect_navigation():
        page.click("[type=submit]")
    for visit in job["visits"]:
        if visit.get("url"):
            page.goto(job["server"] + visit["url"])
        if visit.get("selector"):
            page.wait_for_selector(visit["selector"], timeout=30000)
        if visit.get("until"):
            page.wait_for_function(visit["until"], timeout=30000)
        page.wait_for_load_state("networkidle")
        seen = {"url": page.url, "violations": page.evaluate("() => window.__cspViolations"), "errors": list(errors)}
        if visit.get("check"):
            seen["check"] = page.evaluate(visit["check"])
        if visit.get("inject"):
            seen["inline_ran"] = page.evaluate(INJECT)
            page.wait_for_timeout(300)
            seen["after_inject"] = page.evaluate("() => window.__cspViolations")
        found.append(seen)
        errors.clear()
    browser.close()
print(json.dumps(found))
"""


def in_chromium(live_server, login, username, visits, password="x") -> list[dict]:
    """What Chromium saw on each visit after logging in: CSP violations, console errors, and the checks asked."""
    job = {
        "chromium": CHROMIUM,
        "server": live_server.url,
        "login": login,
        "username": username,
        "password": password,
        "visits": visits,
    }
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    done = subprocess.run(
        [sys.executable, "-c", CHECK_IN_CHROMIUM, json.dumps(job)], capture_output=True, text=True, timeout=240, env=env
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_map_and_the_field_page_run_under_the_policy(live_server, users, plots, field_officer):
    (the_map,) = in_chromium(
        live_server,
        "/login/",
        "officer.n",  # lands on the map
        [{"until": "() => window.landregMapLoaded === true", "inject": True}],
    )
    assert the_map["violations"] == [] and the_map["errors"] == [], the_map
    # An inline script without the nonce does not run, and is reported as a violation of script-src.
    assert the_map["inline_ran"] is False
    assert any(v.startswith("script-src") for v in the_map["after_inject"]), the_map

    (field,) = in_chromium(
        live_server,
        "/field/login/",
        "field.n",
        [{"until": "() => !!document.querySelector('#queue-count')", "inject": True}],
    )
    assert field["url"] == f"{live_server.url}/field/"
    assert field["violations"] == [] and field["errors"] == [], field
    assert field["inline_ran"] is False and field["after_inject"], field


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_admin_the_browsable_api_and_swagger_ui_run_under_the_policy(live_server, users, plots):
    seen = in_chromium(
        live_server,
        "/admin/login/",
        "admin",
        [
            {
                "url": f"/admin/townships/plot/{plots[0].pk}/change/",
                "selector": ".ol-viewport canvas",
                "check": "() => typeof geodjango_geom === 'object' && document.querySelector('#id_geom').value",
            },
            {"url": "/api/v1/households/?format=api", "selector": ".response-info"},
            {"url": "/api/docs/", "selector": ".swagger-ui .opblock"},
        ],
    )
    admin_map, browsable, swagger = seen
    assert '"Polygon"' in admin_map["check"]  # the widget was made from its data- attributes
    for page in seen:
        assert page["violations"] == [] and page["errors"] == [], page
