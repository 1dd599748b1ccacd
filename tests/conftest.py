import copy
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from organizations.roles import Role
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

pytest_plugins = ["tests.review_fixtures"]  # people and a draft for the review-workflow tests


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
def _test_body_unscoped():
    """Test set-up and assertions read across tenants; requests still run in their own scope
    because the tenant middleware activates one for every request."""
    with scopes_disabled():
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
