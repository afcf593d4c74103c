"""Schemathesis over the REST API: every operation of /api/schema/, as a land officer, a GIS specialist and a
partner, with data that fits the schema and data that does not. A 5xx fails the test with the list of requests
that caused one, each with the exception the server raised and a curl command that reproduces it.

Bounded and reproducible: a fixed seed (`derandomize`), MAX_EXAMPLES per operation and role, no deadline, no
example database, no shrinking (a 5xx is reported as generated). Each example runs in a savepoint that is rolled
back, so one example's writes never decide the next one's answer."""

import base64
import logging
import sys
import traceback
from pathlib import Path

import pytest
import schemathesis
from django.core import signals
from django.core.signals import got_request_exception
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation.drivers import CoverageGenerator
from schemathesis.generation.feedback import FeedbackSources
from schemathesis.generation.modes import GenerationMode
from schemathesis.generation.overrides import Override

from allocations.ballots import ballot_create
from allocations.documents import document_issue
from allocations.services import allocation_propose, allocation_transition
from households.models import DuplicateFlag
from shelters.services import assignment_create, shelter_project_create
from tests.landreg.test_data_sharing import agreement_create
from townships.models import Entitlement

# Examples per operation and role in each of the two modes (fitting the schema, and not): with the 57 operations of
# today, about 2,850 requests per role, and the whole file in about 2.5 minutes on 2 cores.
MAX_EXAMPLES = 20
BOUNDARY_CASES = 30  # per operation, at most
ROLES = {"land_officer": "officer_nangarhar", "gis_specialist": "gis", "partner": "partner"}
PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    """Letters, deeds and uploads written by the examples go to a scratch folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LANDREG_PUBLIC_URL = "https://landreg.example.org"


@pytest.fixture
def in_process(db):
    """The WSGI app served in this thread, inside the test's transaction. Django's own test client does the same:
    a finished request must not close the connection that holds the test's transaction."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def quiet_request_log():
    """Thousands of expected 4xx would each be logged; the 5xx are collected and reported by the test itself."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    yield
    logger.setLevel(level)


@pytest.fixture
def api_schema(in_process):
    return schemathesis.openapi.from_wsgi("/api/schema/?format=json", in_process)


@pytest.fixture
def landscape(users, plots, make_household, field_officer, township, provinces):
    """Realistic data for the generated requests to find: households (two flagged as possible duplicates), an
    allocation at each of several steps, a letter, a shelter project with tranches, a field assignment, a ballot,
    the partner's data-sharing agreement.
    Returns the real values of the path parameters, by path, and of the fields that name a record (`household`,
    `township`), so that some examples reach existing records instead of stopping at a 404."""
    officer, committee = users["officer_nangarhar"], users["committee"]
    head = {"name": "Gul Ahmad", "father_name": "Abdul Karim", "sex": "m", "tazkira": "1400-0101-12345"}
    twin = make_household(head=dict(head), registered_by=officer)
    household = make_household(head=dict(head), registered_by=officer)
    proposed = allocation_propose(household=household, plot=plots[2], proposed_by=officer)
    approved = allocation_propose(household=make_household(registered_by=officer), plot=plots[0], proposed_by=officer)
    approved = allocation_transition(allocation=approved, action="approve", by=committee, reference="CMT-1")
    letter_issued = allocation_propose(household=make_household(), plot=plots[1], proposed_by=officer)
    for action, by, details in (
        ("approve", committee, {"reference": "CMT-2"}),
        ("assign", officer, {}),
        ("issue_letter", officer, {}),
    ):
        letter_issued = allocation_transition(allocation=letter_issued, action=action, by=by, **details)
    letter = document_issue(allocation=letter_issued, kind="letter", language="en", by=officer)
    project = shelter_project_create(
        allocation=approved,
        implementing_partner="Shelter Partner NGO",
        modality="conditional_cash",
        by=officer,
        tranches=[("foundation", 40000), ("roof", 60000)],
    )
    assignment_create(officer=field_officer, plot=plots[0], due_on=timezone.localdate(), by=officer)
    Entitlement.objects.create(township=township, min_members=1, plot_biswa=5)
    ballot = ballot_create(township=township, reference="NAN-TEST-B1", witnesses=["Elder One"], by=officer)
    agreement_create(users=[users["partner"]], provinces=[provinces["nangarhar"]])
    flag = DuplicateFlag.objects.filter(household__in=[household, twin]).first()
    tranche = project.tranches.order_by("pk").first()
    references = {
        "township": township.code,
        "household": household.pk,
        "plot": plots[2].pk,
        "allocation": approved.pk,
        "tranche": tranche.pk,
        "officer": field_officer.pk,
        "heir": twin.pk,
    }
    paths = {
        "/api/v1/allocations/{id}": {"id": proposed.pk},
        "/api/v1/allocations/{id}/documents/": {"id": letter_issued.pk},
        "/api/v1/households/{id}": {"id": household.pk},
        "/api/v1/households/{id}/duplicates/{flag_id}/": {"id": flag.household_id, "flag_id": flag.pk},
        "/api/v1/ballots/{reference}": {"reference": ballot.reference},
        "/api/v1/documents/{number}": {"number": letter.number},
        "/api/v1/exports/townships/{code}.{fmt}": {"code": township.code},
        "/api/v1/field/plots/{id}": {"id": plots[0].pk},
        "/api/v1/field/townships/{id}": {"id": township.pk},
        "/api/v1/field/tranches/{id}": {"id": tranche.pk},
        "/api/v1/map/plots/{id}": {"id": plots[0].pk},
        "/api/v1/partner/exports/{dataset}.csv": {"dataset": "household_records"},
    }
    return {"paths": paths, "references": references}


def real_path_parameters(landscape: dict, path: str) -> dict | None:
    """The real values for the longest path prefix that has some, or None."""
    prefixes = [prefix for prefix in landscape["paths"] if path.startswith(prefix)]
    return landscape["paths"][max(prefixes, key=len)] if prefixes else None


def name_real_records(case, references: dict) -> None:
    """Point the generated body's and query's record fields (household, plot, township...) at existing records."""
    for part in (case.body, case.query):
        if isinstance(part, dict):
            part.update({name: value for name, value in references.items() if name in part})


class ServerErrors:
    """The 5xx answers seen, one entry per operation and exception, with the first request that caused it."""

    def __init__(self):
        self.found: dict[tuple, dict] = {}
        self.exception: str = ""
        self.sent = 0

    def remember_exception(self, sender, request=None, **kwargs):
        exc_type, exc, tb = sys.exc_info()
        if exc is None:
            return
        frames = [f for f in traceback.extract_tb(tb) if str(PROJECT_ROOT) in f.filename and ".venv" not in f.filename]
        where = f"{Path(frames[-1].filename).relative_to(PROJECT_ROOT)}:{frames[-1].lineno}" if frames else "?"
        self.exception = f"{traceback.format_exception_only(exc_type, exc)[-1].strip()[:300]} (at {where})"

    def add(self, role: str, case, status: int, curl: str) -> None:
        key = (case.operation.label, self.exception or status)
        entry = self.found.setdefault(key, {"role": role, "status": status, "curl": curl, "count": 0})
        entry["count"] += 1

    def report(self) -> str:
        lines = [f"{len(self.found)} distinct server error(s):"]
        for (label, exception), entry in sorted(self.found.items(), key=lambda item: item[0][0]):
            lines.append(f"- {label} as {entry['role']}: {entry['status']} ×{entry['count']}: {exception}")
            curl = entry["curl"]
            lines.append(f"    {curl if len(curl) <= 600 else curl[:600] + ' [...]'}")
        return "\n".join(lines)


def send(case, *, role: str, auth: dict, errors: ServerErrors) -> None:
    """Send one case as the caller, in a savepoint rolled back afterwards; remember it if it gets a 5xx."""
    if case.headers:  # the caller's credentials, never generated ones
        case.headers = {k: v for k, v in case.headers.items() if k.lower() != "authorization"}
    errors.exception = ""
    with transaction.atomic():
        response = case.call(headers=auth)
        transaction.set_rollback(True)
    errors.sent += 1
    try:
        case.validate_response(response, checks=[not_a_server_error])
    except FailureGroup:
        errors.add(role, case, response.status_code, case.as_curl_command(headers=auth))


def run_operation(operation, *, role: str, auth: dict, fixed: dict | None, references: dict, errors, max_examples):
    """Generated cases: half that fit the schema and half that do not; some on existing records."""
    strategies = []
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        strategies.append(operation.as_strategy(generation_mode=mode))
        if fixed:
            strategies.append(operation.as_strategy(generation_mode=mode, path_parameters=fixed))

    @settings(
        max_examples=max_examples * 2,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=st.one_of(strategies), real_records=st.booleans())
    def run(case, real_records):
        if real_records:
            name_real_records(case, references)
        send(case, role=role, auth=auth, errors=errors)

    run()


def run_boundaries(operation, *, role: str, auth: dict, fixed: dict | None, errors, max_cases: int):
    """Schemathesis's coverage cases, on an existing record: each bound and its neighbour, a missing field, a
    wrong type (a list where an object belongs, a string for a number), an unknown enum value. Deterministic; at
    most max_cases of them, taken evenly across the scenarios."""
    generator = CoverageGenerator(
        operation=operation,
        generation_modes=list(GenerationMode),
        generation_config=operation.schema.config.generation,
        auth_storage=None,
        override=Override(path_parameters={name: str(value) for name, value in (fixed or {}).items()}),
        feedback=FeedbackSources(),
    )
    cases = list(generator)
    for case in cases[:: max(1, len(cases) // max_cases)][:max_cases]:
        send(case, role=role, auth=auth, errors=errors)


def basic_auth(username: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:x".encode()).decode()


def fuzz(
    schema, landscape: dict, *, role: str, user, max_examples: int = MAX_EXAMPLES, boundary_cases: int = 0
) -> ServerErrors:
    """Every operation of the schema as this user: generated cases, and boundary cases when asked."""
    errors = ServerErrors()
    auth = {"Authorization": basic_auth(user.username)}
    got_request_exception.connect(errors.remember_exception)
    try:
        for result in schema.get_all_operations():
            operation = result.ok()
            fixed = real_path_parameters(landscape, operation.path)
            if boundary_cases:
                run_boundaries(operation, role=role, auth=auth, fixed=fixed, errors=errors, max_cases=boundary_cases)
            run_operation(
                operation,
                role=role,
                auth=auth,
                fixed=fixed,
                references=landscape["references"],
                errors=errors,
                max_examples=max_examples,
            )
    finally:
        got_request_exception.disconnect(errors.remember_exception)
    return errors


# No operation is left out: with this fixture's data every export is small enough to run on each example.
# The land officer, who may write the most, also gets the boundary cases.
@pytest.mark.slow
@pytest.mark.parametrize("role", ROLES)
def test_no_operation_answers_a_server_error(role, api_schema, landscape, users, quiet_request_log):
    boundary_cases = BOUNDARY_CASES if role == "land_officer" else 0
    errors = fuzz(api_schema, landscape, role=role, user=users[ROLES[role]], boundary_cases=boundary_cases)
    print(f"{role}: {errors.sent} requests to {len(list(api_schema.get_all_operations()))} operations")
    assert not errors.found, errors.report()


def test_a_server_error_is_reported_with_its_exception_and_request(
    api_schema, landscape, users, quiet_request_log, monkeypatch
):
    """The fuzzing above can fail: a view that breaks is found and named, with a request to reproduce it."""

    def broken(ballot):
        raise RuntimeError("the draw cannot be verified")

    monkeypatch.setattr("api.rest.ballots.ballot_verify", broken)
    verify = api_schema.include(path="/api/v1/ballots/{reference}/verify/", method="GET")
    errors = fuzz(verify, landscape, role="land_officer", user=users["officer_nangarhar"], max_examples=5)
    assert 0 < errors.sent <= 10
    [(label, exception)] = errors.found
    assert label == "GET /api/v1/ballots/{reference}/verify/"
    assert exception.startswith("RuntimeError: the draw cannot be verified (at tests/api/test_schemathesis.py:")
    report = errors.report()
    assert report.startswith("1 distinct server error(s):\n- GET /api/v1/ballots/{reference}/verify/ as land_officer")
    assert "curl -X GET " in report and "-H 'Authorization: [Filtered]'" in report
    assert "/api/v1/ballots/NAN-TEST-B1/verify/" in report
