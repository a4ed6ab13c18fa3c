"""The API against its own OpenAPI document (schemathesis): every operation, anonymous and with a citizen's token.

For generated requests (a few per operation, derandomized so a run is repeatable): no 5xx, every error is
``application/problem+json``, and every response — status, content type, headers, body — is one the OpenAPI
declares for that operation.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from schemathesis import checks as builtin_checks

from tests.factories import CitizenFactory
from yiwang.accounts.actions import do_create_api_token
from yiwang.api import api

pytestmark = pytest.mark.django_db

PROBLEM_CONTENT_TYPE = "application/problem+json"
# Few examples per operation keep the whole module well under a minute on two cores; derandomize makes the
# examples the same on every run (and on SQLite and PostgreSQL alike).
EXAMPLES = settings(
    max_examples=6,
    derandomize=True,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
CHECKS = [
    builtin_checks.not_a_server_error,
    builtin_checks.status_code_conformance,
    builtin_checks.content_type_conformance,
    builtin_checks.response_headers_conformance,
    builtin_checks.response_schema_conformance,
]


# The document /api/v1/openapi.json serves, loaded at collection so that each operation is a test of its own.
schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
schema.app = get_wsgi_application()


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Iterator[None]:
    """As Django's test client does: a request's start and end must not close the test's database connection (on
    PostgreSQL that ends the test's transaction and every later query fails)."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        yield
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)


@pytest.fixture
def citizen_token(db: None) -> str:
    return do_create_api_token(CitizenFactory(), "schemathesis", 1).raw


def _call_and_check(case: Any, headers: dict[str, str] | None = None) -> None:
    response = case.call(headers=headers)
    if response.status_code >= 400:
        values = {name.lower(): value for name, value in response.headers.items()}.get("content-type", [""])
        content_type = values[0] if isinstance(values, list) else values
        assert content_type.startswith(PROBLEM_CONTENT_TYPE), (
            f"{case.method} {case.formatted_path} answered {response.status_code} as {content_type!r}"
        )
    case.validate_response(response, checks=CHECKS)


@schema.parametrize()
@EXAMPLES
def test_anonymous(case: Any) -> None:
    _call_and_check(case)


@schema.parametrize()
@EXAMPLES
def test_with_citizen_token(case: Any, citizen_token: str) -> None:
    _call_and_check(case, {"Authorization": f"Bearer {citizen_token}"})
