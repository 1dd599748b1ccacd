"""Every operation of ``/api/v1/schema``, fed generated input by schemathesis: none may answer a
server error. Bad input is the client's mistake (a 4xx naming the field), never a 500.

Each generated case is sent with the path parameters schemathesis made up (unknown
references, odd characters), then with those of the organization's real objects, so that bodies
and query strings reach the validation of a real incident, postmortem and action item, and once
more with a NUL byte in each of its strings. The
number of examples is bounded and derandomized, so the run is short and the same every time.
Run it against PostgreSQL too: it refuses NUL bytes in text, which SQLite stores.
"""

from datetime import date

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from actionitems import services as action_item_services
from organizations.roles import Role
from organizations.services import api_token_create
from postmortems import creation
from postmortems import services as postmortem_services
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from tests.incidents.helpers import declare

MAX_EXAMPLES = 15


@pytest.fixture
def fuzz_world(db) -> dict:
    """An organization with an incident, its postmortem and an action item, and a token of an
    admin who may call every operation. Returns the token and the real path parameters."""
    org = OrganizationFactory(slug="fuzz", name="Fuzz Org")
    admin = UserFactory(username="fuzzer")
    MembershipFactory(user=admin, organization=org, role=Role.ADMIN)
    MembershipFactory(user=UserFactory(username="colleague"), organization=org, role=Role.ENGINEER)
    postmortem_services.templates_install_builtins(organization=org)
    incident = declare(org, admin, title="Checkout errors", severity="SEV2", commander=admin)
    postmortem = creation.postmortem_create(organization=org, incident=incident, actor=admin)
    item = action_item_services.action_item_create(
        postmortem=postmortem,
        actor=admin,
        description="Add an alert on the error rate",
        owner=admin,
        due_date=date(2030, 1, 1),
    )
    _, token = api_token_create(organization=org, user=admin, name="fuzz")
    return {
        "token": token,
        "path_parameters": {
            "ref": incident.ref,
            "number": postmortem.number,
            "id": item.number,
            "fmt": "json",
        },
    }


@pytest.fixture
def wsgi_app():
    """Django's WSGI application, kept on the test's database connection: like Django's test
    client, it must not close the connection (and so the test's transaction) after a request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(fuzz_world, wsgi_app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema", wsgi_app)
    # The coverage phase sends about a hundred boundary cases per operation whatever
    # ``max_examples`` says: too slow for every ``make test``. Examples and fuzzing remain.
    schema.config.phases.coverage.enabled = False
    return schema


schema = schemathesis.pytest.from_fixture("api_schema")


def with_nul_bytes(value):
    """``value`` with a NUL byte in every string: PostgreSQL refuses them in text, so a field
    that lets one through to a query answers a 500."""
    if isinstance(value, str):
        return f"{value[:1]}\x00{value[1:]}"
    if isinstance(value, list):
        return [with_nul_bytes(item) for item in value]
    if isinstance(value, dict):
        return {name: with_nul_bytes(item) for name, item in value.items()}
    return value


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_operation_answers_a_server_error(case, fuzz_world):
    headers = {"Authorization": f"Bearer {fuzz_world['token']}"}
    case.call_and_validate(headers=headers, checks=[not_a_server_error])
    real = fuzz_world["path_parameters"]
    if case.path_parameters:
        case.path_parameters = {
            name: real.get(name, value) for name, value in case.path_parameters.items()
        }
        case.call_and_validate(headers=headers, checks=[not_a_server_error])
    if isinstance(case.body, dict) or case.query:
        case.body = with_nul_bytes(case.body)
        case.query = with_nul_bytes(case.query)
        case.call_and_validate(headers=headers, checks=[not_a_server_error])
