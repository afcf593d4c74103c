"""The public status page of a grievance (/complaint-status/): no login, the reference in a POST form, the status
and its dates and nothing personal, a sensitive one's status only; guessing finds nothing, malformed and unknown
references get the same answer after the same work, and each client is rate-limited with a sentence."""

import random
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from grievances.references import ALPHABET
from grievances.services import grievance_receive, grievance_transition
from landreg import roles
from landreg.calendar import shamsi_date
from landreg.services import user_create

pytestmark = pytest.mark.django_db  # the limiter keys a browser by its session, kept in the database

URL = "/complaint-status/"
NOT_FOUND = "No complaint has this reference."
SECRET_TEXT = "My neighbour Gul Mohammad built his wall on my plot"


@pytest.fixture
def unlimited(settings):
    for name in (
        "LANDREG_GRIEVANCE_STATUS_PER_MINUTE_PER_ADDRESS",
        "LANDREG_GRIEVANCE_STATUS_PER_DAY_PER_ADDRESS",
        "LANDREG_GRIEVANCE_STATUS_PER_MINUTE_PER_SESSION",
        "LANDREG_GRIEVANCE_STATUS_PER_DAY_PER_SESSION",
    ):
        setattr(settings, name, 100_000)


@pytest.fixture
def focal_point(users, provinces):
    return user_create(
        username="focal.n", password="x", roles=[roles.GRIEVANCE_FOCAL_POINT], provinces=[provinces["nangarhar"]]
    )


@pytest.fixture
def grievance(users, provinces, plots, make_household):
    """A land dispute received at the office, acknowledged and resolved, the complainant told the outcome."""
    officer = users["officer_nangarhar"]
    household = make_household(head={"name": "Zarghona Qasemi", "father_name": "Abdul Wahid", "sex": "f"})
    g = grievance_receive(
        by=officer,
        channel="office",
        category="usurpation",
        description=SECRET_TEXT,
        province=provinces["nangarhar"],
        household=household,
    )
    for action in ("acknowledge", "resolve", "close_loop"):
        g = grievance_transition(grievance=g, action=action, by=officer, note="Done")
    return g


@pytest.fixture
def sensitive(focal_point, provinces):
    return grievance_receive(
        by=focal_point,
        channel="hotline",
        category="sea",
        description="The driver asked for something in return for the plot",
        province=provinces["nangarhar"],
    )


def check(client, reference, **headers):
    return client.post(URL, {"reference": reference}, **headers)


def answer_of(response) -> str:
    """The page without what changes with every rendering (the CSRF token)."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def test_the_page_needs_no_login_and_runs_no_inline_script(client):
    response = client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="reference"' in page and 'method="post"' in page and "csrfmiddlewaretoken" in page
    assert "<script>" not in page and "onclick" not in page
    assert "'unsafe-inline'" not in response["Content-Security-Policy"].split("script-src")[1].split(";")[0]
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_the_complainant_sees_the_status_and_its_dates_and_nothing_personal(client, grievance):
    response = check(client, grievance.reference)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="status-answer"' in page and "Resolved" in page
    for key in ("received_on", "acknowledged_on", "resolved_on"):
        assert f'<dd data-date="{key}">' in page, key
    for day in (grievance.received_at, grievance.acknowledged_at, grievance.resolved_at):
        assert shamsi_date(day, "en") in page
    assert 'id="status-told"' in page
    for secret in (SECRET_TEXT, "Gul Mohammad", "Zarghona", grievance.household.code, "Usurpation", "Nangarhar"):
        assert secret not in page, secret
    assert grievance.reference not in page  # not even echoed: the page says the same to whoever asks


def test_a_reference_typed_in_small_letters_with_spaces_or_without_dashes_is_found(client, grievance, unlimited):
    reference = grievance.reference
    compact = reference.replace("-", "")
    dari = str.maketrans("23456789", "۲۳۴۵۶۷۸۹")
    for typed in (
        reference.lower(),
        compact,
        compact.lower(),
        f"  {reference[:6]} {reference[6:]}  ",
        " ".join(compact),
        reference.replace("-", " – "),
        compact[1:],  # without the G
        reference.translate(dari),  # typed on a Dari keyboard
    ):
        assert 'id="status-answer"' in check(client, typed).content.decode(), typed


def test_a_sensitive_grievance_shows_its_status_only(client, sensitive):
    page = check(client, sensitive.reference).content.decode()
    assert 'id="status-answer"' in page and 'id="status-sensitive"' in page and "Received" in page
    assert "data-date" not in page  # no dates
    for word in ("Sexual", "exploitation", "driver", "hotline", "Hotline", "Nangarhar"):
        assert word not in page, word


def test_unknown_and_malformed_references_get_the_same_answer_after_the_same_work(client, grievance, unlimited):
    unknown = "G-2222-2222" if grievance.reference != "G-2222-2222" else "G-3333-3333"
    check(client, unknown)  # the browser's first check makes its session; the ones compared below do not
    answers, queries = set(), set()
    for typed in (unknown, "hello", "G-0000-0000", "", "G-ABCD-EFG", "x" * 60):
        with CaptureQueriesContext(connection) as captured:
            response = check(client, typed)
        assert response.status_code == 200
        answers.add(answer_of(response))
        queries.add(len(captured))
    assert len(answers) == 1 and NOT_FOUND in answers.pop()
    assert len(queries) == 1  # one shape of work: the lookup happens for a malformed reference too


def random_reference(rng) -> str:
    body = "".join(rng.choice(ALPHABET) for _ in range(8))
    return f"G-{body[:4]}-{body[4:]}"


def neighbours(reference: str):
    """References one character away from a real one: what sequential or counter-based references would hit."""
    body = reference.replace("G-", "").replace("-", "")
    for i, ch in enumerate(body):
        for step in (-1, 1):
            other = ALPHABET[(ALPHABET.index(ch) + step) % len(ALPHABET)]
            changed = body[:i] + other + body[i + 1 :]
            yield f"G-{changed[:4]}-{changed[4:]}"


def test_a_thousand_guesses_find_nothing(client, users, provinces, grievance, unlimited):
    officer = users["officer_nangarhar"]
    real = [grievance.reference]
    for i in range(20):
        real.append(
            grievance_receive(
                by=officer, channel="hotline", category="other", description=f"n{i}", province=provinces["nangarhar"]
            ).reference
        )
    rng = random.Random(2026)
    guesses = [g for r in real for g in neighbours(r)][:320]
    guesses += [random_reference(rng) for _ in range(1000 - len(guesses))]
    guesses = [g for g in guesses if g not in real]
    assert len(guesses) >= 990
    for guess in guesses:
        page = check(client, guess).content.decode()
        assert NOT_FOUND in page and 'id="status-answer"' not in page, guess
    # The same client, with the same limits, still finds a real reference: the guesses found nothing because
    # there was nothing to find.
    assert 'id="status-answer"' in check(client, real[-1]).content.decode()


def test_the_sixth_check_in_a_minute_from_one_browser_is_refused_with_a_sentence(client, grievance):
    for _ in range(5):
        assert check(client, "G-2222-2222").status_code == 200
    refused = check(client, grievance.reference)  # a real one too: the limit is on asking
    assert refused.status_code == 429
    page = refused.content.decode()
    assert "too many references in a short time" in page and 'id="status-answer"' not in page
    assert 1 <= int(refused["Retry-After"]) <= 61


def test_new_sessions_from_one_address_are_refused_at_the_address_limit(grievance):
    answers = [check(Client(), "G-2222-2222").status_code for _ in range(12)]  # a new cookie jar each time
    assert answers[:10] == [200] * 10 and answers[10:] == [429, 429]


def test_the_counters_are_shared_by_every_server_process_and_hold_no_address(settings):
    """Another worker has its own empty cache; the counters are rows in the database, so it counts on from the
    same number. A row's key holds a hash of the address, not the address."""
    settings.LANDREG_GRIEVANCE_STATUS_PER_MINUTE_PER_ADDRESS = 2
    assert [check(Client(), "G-2222-2222", REMOTE_ADDR="192.0.2.55").status_code for _ in range(2)] == [200, 200]
    cache.clear()  # what a fresh process starts with
    assert check(Client(), "G-2222-2222", REMOTE_ADDR="192.0.2.55").status_code == 429
    with connection.cursor() as cursor:
        cursor.execute("SELECT key, count FROM landreg_ratewindow WHERE key LIKE 'grievance-status:ip:60:%'")
        rows = cursor.fetchall()
    assert [count for _key, count in rows] == [3]
    assert not any("192.0.2.55" in key for key, _count in rows)


def test_ended_windows_are_removed_when_a_new_one_starts():
    from landreg import ratelimit

    for minute in range(5):
        ratelimit.count("test", "someone", 60, now=1_000_000.0 + 60 * minute)  # five minutes long ago
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM landreg_ratewindow WHERE key LIKE 'test:%'")
        assert cursor.fetchone() == (1,)  # each new window removed the ended ones before it


def test_the_daily_cap_is_refused_with_its_own_sentence(client, settings):
    settings.LANDREG_GRIEVANCE_STATUS_PER_MINUTE_PER_SESSION = 1000
    settings.LANDREG_GRIEVANCE_STATUS_PER_MINUTE_PER_ADDRESS = 1000
    settings.LANDREG_GRIEVANCE_STATUS_PER_DAY_PER_SESSION = 3
    for _ in range(3):
        assert check(client, "G-2222-2222").status_code == 200
    refused = check(client, "G-2222-2222")
    assert refused.status_code == 429 and "too many references today" in refused.content.decode()


def test_behind_the_proxy_each_client_address_is_counted_apart(settings):
    settings.LANDREG_TRUSTED_PROXY_COUNT = 1  # nginx appends the client's address (deploy/nginx/landreg.conf)
    settings.LANDREG_GRIEVANCE_STATUS_PER_MINUTE_PER_ADDRESS = 2
    one = [check(Client(), "G-2222-2222", HTTP_X_FORWARDED_FOR="203.0.113.7").status_code for _ in range(3)]
    other = check(Client(), "G-2222-2222", HTTP_X_FORWARDED_FOR="203.0.113.8").status_code
    assert one == [200, 200, 429] and other == 200
    # What a client writes in the header itself lies to the left of nginx's entry and changes nothing.
    forged = check(Client(), "G-2222-2222", HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.7").status_code
    assert forged == 429


def test_without_a_proxy_a_forwarded_header_is_ignored(settings):
    settings.LANDREG_GRIEVANCE_STATUS_PER_MINUTE_PER_ADDRESS = 2
    answers = [check(Client(), "G-2222-2222", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}").status_code for i in range(3)]
    assert answers == [200, 200, 429]


@pytest.mark.parametrize(
    "typed",
    [
        '<script>alert("x")</script>',
        "G-<b>AB</b>-CDEF",
        "' OR 1=1 --",
        "G" * 100_000,
        "G-ABCD-EFGH\x00",
        "\u202eG-ABCD-EFGH",
        "گ-۲۳۴۵-۶۷۸۹ 😀",
        '=HYPERLINK("http://x")',
    ],
)
def test_hostile_input_is_answered_with_the_sentence(client, typed, unlimited):
    response = check(client, typed)
    assert response.status_code == 200
    page = response.content.decode()
    assert NOT_FOUND in page
    assert "<script>alert" not in page and "<b>AB</b>" not in page


def test_a_post_without_the_csrf_token_is_refused():
    response = Client(enforce_csrf_checks=True).post(URL, {"reference": "G-2222-2222"})
    assert response.status_code == 403


def test_a_reference_in_the_url_is_not_looked_up(client, grievance):
    page = client.get(URL, {"reference": grievance.reference}).content.decode()
    assert 'id="status-answer"' not in page and NOT_FOUND not in page


@pytest.mark.parametrize("language", ["fa", "ps"])
def test_the_page_speaks_dari_and_pashto_right_to_left_with_shamsi_dates(client, grievance, language):
    response = check(client, grievance.reference, HTTP_ACCEPT_LANGUAGE=language)
    page = response.content.decode()
    assert f'lang="{language}"' in page and 'dir="rtl"' in page
    assert shamsi_date(grievance.received_at, language) in page
