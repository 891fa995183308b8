"""Schemathesis against the OpenAPI document, through the WSGI application: for every operation, data that fits
the schema (and, for the server-error check, data that does not) must never give a server error, and every
response must have a documented status and match its schema.

Random ids and dates mostly meet 404s and refusals, so each operation also runs with generated data steered
towards the test world: path ids of both counties, and activities recorded today for the caller's own class
(these succeed, so the 201 and 200 answers are checked against the schema too).

Deterministic: Hypothesis is derandomized (a fixed seed per test) and keeps no example database, so CI runs the
same examples every time. Everything happens inside the test's transaction (one thread, one connection), on
SQLite and PostgreSQL alike."""

import collections
import re

import hypothesis
import pytest
import schemathesis
from django.utils import timezone
from hypothesis import HealthCheck, Phase
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from fazhi.activities.models import Activity
from fazhi.api.tests.conftest import detail_ids, issue_key

pytestmark = pytest.mark.django_db

POSITIVE_EXAMPLES = 25
STEERED_EXAMPLES = 15
NEGATIVE_EXAMPLES = 10
STRICT = [not_a_server_error, status_code_conformance, response_schema_conformance]


def run(strategy, examples: int, headers: dict, checks: list, seen: collections.Counter) -> None:
    @hypothesis.settings(max_examples=examples, derandomize=True, database=None, deadline=None,
                         suppress_health_check=list(HealthCheck),
                         phases=[Phase.explicit, Phase.generate, Phase.shrink])
    @hypothesis.given(case=strategy)
    def test(case):
        response = case.call_and_validate(headers=headers, checks=checks)
        seen[(case.operation.method.upper(), case.operation.path, response.status_code)] += 1

    test()


def steered(operation, ids: dict[str, list[int]], body: dict | None):
    """Generated cases with the path ids taken from the world and, for recording, a body that can succeed."""
    names = re.findall(r"{(\w+)}", operation.path)
    paths = st.fixed_dictionaries({name: st.sampled_from(ids[name]) for name in names})

    def steer(pair):
        case, path = pair
        case.path_parameters = {**(case.path_parameters or {}), **path}
        if body is not None and isinstance(case.body, dict):
            kept = {k: v for k, v in case.body.items() if k not in ("school", "officer", "photos", "files")}
            case.body = {**kept, **body}
        return case

    return st.tuples(operation.as_strategy(generation_mode=GenerationMode.POSITIVE), paths).map(steer)


@pytest.fixture
def keep_test_connection():
    """Schemathesis calls the WSGI application directly, which closes the database connection at the start and
    end of each request (`close_old_connections`): that would end the test's transaction (on PostgreSQL). Django's
    own test client switches this off the same way while it runs a request."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.mark.parametrize("persona", ["committee_admin", "officer"])
def test_no_server_error_and_every_response_fits_the_schema(apiworld, persona, keep_test_connection):
    from fazhi.wsgi import application

    user = apiworld.personas[persona]
    headers = {"Authorization": f"Bearer {issue_key(user)}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application, headers=headers)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 17

    here, there = detail_ids(apiworld.here), detail_ids(apiworld.there)
    ids = {name: [here[name], there[name]] for name in here}
    body = {"date": timezone.localdate().isoformat(), "classes": [apiworld.klass.pk]}
    if persona == "committee_admin":
        body["school"] = apiworld.school.pk
    recorded_before = Activity.objects.count()

    seen = collections.Counter()
    for operation in operations:
        run(operation.as_strategy(generation_mode=GenerationMode.POSITIVE), POSITIVE_EXAMPLES, headers, STRICT, seen)
        recording = operation.method.upper() == "POST" and operation.path == "/api/v1/activities"
        run(steered(operation, ids, body if recording else None), STEERED_EXAMPLES, headers, STRICT, seen)
        run(operation.as_strategy(generation_mode=GenerationMode.NEGATIVE), NEGATIVE_EXAMPLES, headers,
            [not_a_server_error], seen)

    # The run reached the answers that carry data, not only refusals.
    statuses = {(method, path): {s for (m, p, s) in seen if (m, p) == (method, path)} for (method, path, _) in seen}
    refused = {"officer": {"/api/v1/figures"}}.get(persona, set())  # figures are for regional roles
    for (method, path), codes in statuses.items():
        if method == "GET":
            assert (403 if path in refused else 200) in codes, (method, path, codes)
    assert 201 in statuses[("POST", "/api/v1/activities")]
    assert Activity.objects.count() > recorded_before
