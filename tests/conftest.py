import copy
import uuid
from contextlib import contextmanager

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scope, scopes_disabled

from organizations.roles import Role
from organizations.scoping import no_scope
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

pytest_plugins = [
    "tests.review_fixtures",  # people and a draft for the review-workflow tests
    "tests.counterparts.fixtures",  # the real OIDC provider and SAML IdP for the SSO tests
    "tests.integrations.metrics.prometheus_server",  # a real Prometheus (metrics, browser tests)
]


def pytest_collection_modifyitems(config, items):
    """PostgreSQL-only tests run where the database is PostgreSQL (CI), and are skipped on the
    embedded SQLite default."""
    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL; CI runs it)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _set_up_unscoped():
    """Fixtures and factories write across tenants: set-up and tear-down run with scopes
    disabled. The test body does not (``pytest_runtest_call`` below)."""
    with scopes_disabled():
        yield


@contextmanager
def _body_scope(item):
    """The scope a test body runs in, as the code it calls runs in production:

    - a test that uses the ``org`` fixture runs in ``org``'s scope, as a request of a member of
      it would: services and selectors called by the test see ``org``'s rows only, so a query
      that forgets its organization filter, or reads another organization, fails the test; a
      request made by the test client enters its own scope (the tenant middleware), and a
      Celery task starts with no scope (``organizations.scoping.ScopedTask``), so a task that
      does not enter its organization's scope raises ``ScopeError`` as in a worker;
    - any other test runs with no scope at all: a tenant query in its body raises;
    - ``@pytest.mark.unscoped`` runs with scopes disabled; the test's docstring, or the
      marker's ``reason=``, says why (the browser tests: see ``tests/browser/conftest.py``).

    An assertion that reads another organization's rows says so: ``with scopes_disabled():``
    around the read (or ``with scope(organization=other_org):``)."""
    unscoped = item.get_closest_marker("unscoped")
    if unscoped:
        if not (unscoped.kwargs.get("reason") or item.obj.__doc__):
            pytest.fail("@pytest.mark.unscoped needs a docstring or a reason= saying why")
        with scopes_disabled():
            yield
    elif "org" in item.fixturenames:
        with scope(organization=item.funcargs["org"]):
            yield
    else:
        with no_scope():
            yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    with _body_scope(item):
        yield


@pytest.fixture(autouse=True)
def _cache_of_its_own(settings):
    """Every test starts with an empty cache. Cached pages, fragments and PDFs are keyed by
    primary keys and timestamps, and those repeat across tests (SQLite hands out the ids of
    rolled-back rows again): a key prefix per test keeps one test's entries from answering
    another's, on the in-memory cache and on Redis alike (entries there expire by themselves)."""
    caches = copy.deepcopy(settings.CACHES)
    caches["default"]["KEY_PREFIX"] = f"hindsight-test-{uuid.uuid4().hex[:12]}"
    settings.CACHES = caches


@pytest.fixture
def org(db):
    return OrganizationFactory(slug="acme", name="Acme Corporation")


@pytest.fixture
def other_org(db):
    return OrganizationFactory(slug="globex", name="Globex")


@pytest.fixture
def member_factory(org):
    def make(role=Role.ENGINEER, organization=None, **user_kwargs):
        user = UserFactory(**user_kwargs)
        MembershipFactory(user=user, organization=organization or org, role=role)
        return user

    return make


@pytest.fixture
def admin_user(member_factory):
    return member_factory(Role.ADMIN, username="admin-user")


@pytest.fixture
def engineer(member_factory):
    return member_factory(Role.ENGINEER, username="engineer")


@pytest.fixture
def viewer(member_factory):
    return member_factory(Role.VIEWER, username="viewer")


@pytest.fixture
def count_queries():
    """Run ``fn`` and return how many SQL queries it issued."""

    def run(fn) -> int:
        with CaptureQueriesContext(connection) as ctx:
            fn()
        return len(ctx.captured_queries)

    return run
